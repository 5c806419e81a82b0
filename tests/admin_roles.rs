//! The role matrix: every admin endpoint called with no token and with each role's token.

mod common;

use common::app::{error_code, error_field, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DEMO_ENTRY: &str = "00000000-0000-4000-8000-000000500001";

/// The caller of a matrix request, in the column order of the statuses in [`matrix`].
#[derive(Debug, Clone, Copy)]
enum Role {
    Nobody,
    Platform,
    /// Enterprise administrator of acme-corp, which owns every object below.
    ThisEnterprise,
    /// Enterprise administrator of initech.
    OtherEnterprise,
    /// Site administrator of hq.acme.example.
    ThisSite,
    /// Site administrator of the standalone globex.example.
    OtherTenant,
}

const ROLES: [Role; 6] = [
    Role::Nobody,
    Role::Platform,
    Role::ThisEnterprise,
    Role::OtherEnterprise,
    Role::ThisSite,
    Role::OtherTenant,
];

fn token(app: &TestApp, role: Role) -> Option<&str> {
    match role {
        Role::Nobody => None,
        Role::Platform => Some(&app.tokens.platform),
        Role::ThisEnterprise => Some(&app.tokens.acme),
        Role::OtherEnterprise => Some(&app.tokens.initech),
        Role::ThisSite => Some(&app.tokens.hq),
        Role::OtherTenant => Some(&app.tokens.globex),
    }
}

/// Method, path, body, and the expected status for each of [`ROLES`].
type Row = (&'static str, String, Option<Value>, [u16; 6]);

fn matrix() -> Vec<Row> {
    let e = "/api/organization/acme-corp";
    let t = "/api/tenants/hq.acme.example";
    vec![
        (
            "GET",
            "/api/organization".into(),
            None,
            [401, 200, 200, 200, 403, 403],
        ),
        (
            "POST",
            "/api/organization".into(),
            Some(json!({"code": "new-co", "name": "New"})),
            [401, 201, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/api/organization/promote".into(),
            Some(json!({"tenant": "globex.example", "code": "globex", "name": "Globex"})),
            [401, 201, 403, 403, 403, 403],
        ),
        ("GET", e.into(), None, [401, 200, 200, 404, 403, 404]),
        (
            "PUT",
            e.into(),
            Some(json!({"name": "Acme Renamed"})),
            [401, 200, 200, 404, 403, 404],
        ),
        ("DELETE", e.into(), None, [401, 204, 403, 404, 403, 404]),
        (
            "GET",
            format!("{e}/sites"),
            None,
            [401, 200, 200, 404, 403, 404],
        ),
        (
            "POST",
            format!("{e}/sites"),
            Some(json!({"domain": "paris.acme.example", "name": "Paris"})),
            [401, 201, 201, 404, 403, 404],
        ),
        (
            "POST",
            format!("{e}/sites/assign"),
            Some(json!({"tenants": ["globex.example"]})),
            [401, 200, 403, 404, 403, 404],
        ),
        (
            "POST",
            format!("{e}/sites/unassign"),
            Some(json!({"tenants": ["tokyo.acme.example"]})),
            [401, 200, 200, 404, 403, 404],
        ),
        (
            "POST",
            format!("{e}/sites/delete"),
            Some(json!({"tenants": ["tokyo.acme.example"]})),
            [401, 200, 200, 404, 403, 404],
        ),
        (
            "GET",
            format!("{e}/directory"),
            None,
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "POST",
            format!("{e}/directory"),
            Some(json!({"name": "Desk", "number": "100"})),
            [401, 201, 201, 404, 403, 404],
        ),
        (
            "PUT",
            format!("{e}/directory/{DEMO_ENTRY}"),
            Some(json!({"department": "Lobby"})),
            [401, 200, 200, 404, 403, 404],
        ),
        (
            "DELETE",
            format!("{e}/directory/{DEMO_ENTRY}"),
            None,
            [401, 204, 204, 404, 403, 404],
        ),
        (
            "GET",
            "/api/tenants".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/tenants".into(),
            Some(json!({"domain": "new.example", "name": "New"})),
            [401, 201, 403, 403, 403, 403],
        ),
        ("GET", t.into(), None, [401, 200, 200, 404, 200, 404]),
        (
            "PUT",
            t.into(),
            Some(json!({"location": "Boston"})),
            [401, 200, 200, 404, 200, 404],
        ),
        ("DELETE", t.into(), None, [401, 204, 204, 404, 403, 404]),
        (
            "GET",
            format!("{t}/extensions"),
            None,
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "POST",
            format!("{t}/extensions"),
            Some(json!({"number": "1099", "password": "new-pw-1099"})),
            [401, 201, 201, 404, 201, 404],
        ),
        (
            "GET",
            format!("{t}/extensions/1002"),
            None,
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "PUT",
            format!("{t}/extensions/1002"),
            Some(json!({"display_name": "Robert Chen"})),
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "DELETE",
            format!("{t}/extensions/1002"),
            None,
            [401, 204, 204, 404, 204, 404],
        ),
        (
            "GET",
            format!("{t}/dids"),
            None,
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "POST",
            format!("{t}/dids"),
            Some(json!({"number": "+12125550199", "destination": "1002"})),
            [401, 201, 201, 404, 201, 404],
        ),
        (
            "GET",
            format!("{t}/dids/%2B12125550100"),
            None,
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "PUT",
            format!("{t}/dids/%2B12125550100"),
            Some(json!({"destination": "1002"})),
            [401, 200, 200, 404, 200, 404],
        ),
        (
            "DELETE",
            format!("{t}/dids/%2B12125550100"),
            None,
            [401, 204, 204, 404, 204, 404],
        ),
    ]
}

/// Every route of the router appears in the matrix (the OpenAPI document is public and left out).
#[test]
fn matrix_covers_every_route() {
    let mut covered: Vec<(String, String)> = matrix()
        .iter()
        .map(|(method, path, _, _)| {
            let template = path
                .replace("/api/organization/acme-corp", "/api/organization/{code}")
                .replace("/api/tenants/hq.acme.example", "/api/tenants/{domain}")
                .replace(&format!("directory/{DEMO_ENTRY}"), "directory/{id}")
                .replace("extensions/1002", "extensions/{number}")
                .replace("dids/%2B12125550100", "dids/{number}");
            (method.to_lowercase(), template)
        })
        .collect();
    covered.sort();
    covered.dedup();
    let routes: Vec<(String, String)> = sitedial::admin::route_table()
        .into_iter()
        .filter(|(_, path)| path != "/api/openapi.json")
        .collect();
    assert_eq!(covered, routes);
}

#[tokio::test]
async fn role_matrix() {
    let mut failures = Vec::new();
    for (method, path, body, expected) in matrix() {
        // A fresh data set per call, so that one role's successful write cannot change what the next
        // role gets.
        for (role, expected) in ROLES.iter().zip(expected) {
            let app = TestApp::with_demo().await;
            let (status, answer) = app
                .send(method, &path, token(&app, *role), body.clone())
                .await;
            if status.as_u16() != expected {
                failures.push(format!(
                    "{method} {path} as {role:?}: expected {expected}, got {status} {answer}"
                ));
            }
            if status.is_client_error() && status != StatusCode::METHOD_NOT_ALLOWED {
                assert!(
                    error_code(&answer).is_some(),
                    "{method} {path} as {role:?}: error body {answer}"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn lists_are_filtered_by_scope() {
    let app = TestApp::with_demo().await;
    let domains = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["domain"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = app.get("/api/tenants", &app.tokens.platform).await;
    assert_eq!(domains(&all).len(), 6);
    let (_, acme) = app.get("/api/tenants", &app.tokens.acme).await;
    assert_eq!(
        domains(&acme),
        [
            "hq.acme.example",
            "london.acme.example",
            "tokyo.acme.example"
        ]
    );
    let (_, hq) = app.get("/api/tenants", &app.tokens.hq).await;
    assert_eq!(domains(&hq), ["hq.acme.example"]);
    let (_, globex) = app.get("/api/tenants", &app.tokens.globex).await;
    assert_eq!(domains(&globex), ["globex.example"]);

    let (_, enterprises) = app.get("/api/organization", &app.tokens.initech).await;
    let codes: Vec<&str> = enterprises["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["initech"]);
}

#[tokio::test]
async fn enterprise_admin_cannot_set_limits() {
    let app = TestApp::with_demo().await;
    for field in ["max_sites", "max_users", "max_concurrent_calls"] {
        let (status, error) = app
            .put(
                "/api/organization/acme-corp",
                &app.tokens.acme,
                json!({field: 50}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{field}");
        assert_eq!(error_field(&error), Some(field));
    }
    let (status, _) = app
        .put(
            "/api/organization/acme-corp",
            &app.tokens.acme,
            json!({"intersite_mode": "direct"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn site_admin_cannot_change_code_or_limits() {
    let app = TestApp::with_demo().await;
    for (field, value) in [
        ("dialing_code", json!("99")),
        ("max_extensions", json!(5)),
        ("max_dids", json!(5)),
    ] {
        let (status, error) = app
            .put(
                "/api/tenants/hq.acme.example",
                &app.tokens.hq,
                json!({field: value}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{field}");
        assert_eq!(error_field(&error), Some(field));
    }
    let (status, _) = app
        .put(
            "/api/tenants/hq.acme.example",
            &app.tokens.acme,
            json!({"dialing_code": "99"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the enterprise admin may change a site's code"
    );
}

#[tokio::test]
async fn invalid_revoked_and_expired_tokens_are_rejected() {
    let app = TestApp::with_demo().await;
    let (status, error) = app.get("/api/tenants", "sdt_not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&error), Some("unauthorized"));

    let response = app
        .client
        .get(format!("{}/api/tenants", app.base))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );

    let mut conn = app.store().pool().acquire().await.unwrap();
    let tokens = sitedial::store::tokens::list_tokens(&mut conn)
        .await
        .unwrap();
    let hash = sitedial::admin::auth::hash_token(&app.tokens.hq);
    let hq = tokens.iter().find(|t| t.token_hash == hash).unwrap();
    assert_ne!(hq.token_hash, app.tokens.hq, "only the hash is stored");
    assert!(
        sitedial::store::tokens::revoke_token(&mut conn, hq.id, sitedial::domain::now())
            .await
            .unwrap()
    );
    drop(conn);
    let (status, _) = app.get("/api/tenants", &app.tokens.hq).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let expired = sitedial::store::tokens::ApiToken {
        id: uuid::Uuid::new_v4(),
        token_hash: sitedial::admin::auth::hash_token("sdt_expired"),
        role: sitedial::store::tokens::TokenRole::Platform,
        scope_id: None,
        label: String::new(),
        created_at: sitedial::domain::now() - time::Duration::days(2),
        expires_at: Some(sitedial::domain::now() - time::Duration::days(1)),
        revoked_at: None,
    };
    let mut conn = app.store().pool().acquire().await.unwrap();
    sitedial::store::tokens::insert_token(&mut conn, &expired)
        .await
        .unwrap();
    drop(conn);
    let (status, error) = app.get("/api/tenants", "sdt_expired").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}
