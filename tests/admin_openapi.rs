//! The OpenAPI document and the router list the same routes, and every documented route is served.

mod common;

use common::app::TestApp;
use reqwest::StatusCode;
use sitedial::admin::openapi::documented_routes;
use sitedial::admin::route_table;

#[test]
fn document_and_router_agree() {
    let documented = documented_routes();
    let routed = route_table();
    let missing_from_document: Vec<_> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let missing_from_router: Vec<_> = documented.iter().filter(|r| !routed.contains(r)).collect();
    assert!(
        missing_from_document.is_empty(),
        "routes without documentation: {missing_from_document:?}"
    );
    assert!(
        missing_from_router.is_empty(),
        "documented routes the router lacks: {missing_from_router:?}"
    );
}

#[tokio::test]
async fn document_is_served_as_openapi_3_1() {
    let app = TestApp::with_demo().await;
    let response = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let create = &document["paths"]["/api/tenants/{domain}/extensions"]["post"];
    assert!(create["requestBody"].is_object());
    for status in ["201", "401", "404", "409", "422"] {
        assert!(
            create["responses"][status].is_object(),
            "POST extensions documents {status}"
        );
    }
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    let extension = &document["components"]["schemas"]["ExtensionView"]["properties"];
    assert!(
        extension["password"].is_null(),
        "the extension view has no password"
    );
}

/// Every documented route reaches a handler: an unauthenticated call gets the handler's 401 (or the
/// document itself), never the 404 of an unknown route or a 405.
#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::with_demo().await;
    for (method, path) in documented_routes() {
        let concrete = path
            .replace("{code}", "acme-corp")
            .replace("{domain}", "hq.acme.example")
            .replace("{number}", "1001")
            .replace("{id}", "00000000-0000-4000-8000-000000500001");
        let (status, _) = app
            .send(&method.to_uppercase(), &concrete, None, None)
            .await;
        let expected = if path == "/api/openapi.json" {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{method} {path}");
    }
}
