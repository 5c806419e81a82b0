//! Limits under the site lifecycle and extension creation, including racing requests.

mod common;

use std::sync::Arc;

use common::app::{error_field, TestApp};
use reqwest::StatusCode;
use serde_json::json;

fn extension(number: &str) -> serde_json::Value {
    json!({"number": number, "password": format!("pw-{number}")})
}

/// Creates enterprise `small` with two sites of one extension each, and standalone `two.example`
/// with two extensions.
async fn small_enterprise(app: &TestApp, max_users: u32, max_sites: u32) {
    let token = &app.tokens.platform;
    let (status, body) =
        app.post("/api/organization", token, json!({"code": "small", "name": "Small", "max_users": max_users, "max_sites": max_sites})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for (domain, number) in [("a.small.example", "101"), ("b.small.example", "201")] {
        let (status, body) = app
            .post(
                "/api/organization/small/sites",
                token,
                json!({"domain": domain, "name": domain}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = app
            .post(
                &format!("/api/tenants/{domain}/extensions"),
                token,
                extension(number),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, _) = app
        .post(
            "/api/tenants",
            token,
            json!({"domain": "two.example", "name": "Two"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for number in ["301", "302"] {
        let (status, _) = app
            .post(
                "/api/tenants/two.example/extensions",
                token,
                extension(number),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn max_users_rejects_fourth_extension() {
    let app = TestApp::with_demo().await;
    small_enterprise(&app, 3, 0).await;
    let token = &app.tokens.platform;
    let (status, _) = app
        .post(
            "/api/tenants/a.small.example/extensions",
            token,
            extension("102"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "the third user fits");
    let (status, error) = app
        .post(
            "/api/tenants/b.small.example/extensions",
            token,
            extension("202"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the fourth user exceeds max_users=3"
    );
    assert_eq!(error_field(&error), Some("max_users"));
}

#[tokio::test]
async fn max_users_counts_assigned_tenant_users() {
    let app = TestApp::with_demo().await;
    small_enterprise(&app, 3, 0).await;
    let (status, error) = app
        .post(
            "/api/organization/small/sites/assign",
            &app.tokens.platform,
            json!({"tenants": ["two.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "2 users + 2 brought exceed 3");
    assert_eq!(error_field(&error), Some("max_users"));
    let (_, two) = app
        .get("/api/tenants/two.example", &app.tokens.platform)
        .await;
    assert_eq!(
        two["enterprise"],
        serde_json::Value::Null,
        "nothing was assigned"
    );

    let (status, _) = app
        .put(
            "/api/organization/small",
            &app.tokens.platform,
            json!({"max_users": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, result) = app
        .post(
            "/api/organization/small/sites/assign",
            &app.tokens.platform,
            json!({"tenants": ["two.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
}

#[tokio::test]
async fn max_users_checked_on_promote() {
    let app = TestApp::with_demo().await;
    let (status, error) = app
        .post(
            "/api/organization/promote",
            &app.tokens.platform,
            json!({"tenant": "globex.example", "code": "g", "name": "G", "max_users": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("max_users"));
    let (status, _) = app.get("/api/organization/g", &app.tokens.platform).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the failed promotion left no enterprise"
    );
}

#[tokio::test]
async fn max_extensions_and_max_dids() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, _) = app
        .put(
            "/api/tenants/globex.example",
            token,
            json!({"max_extensions": 2, "max_dids": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = app
        .post(
            "/api/tenants/globex.example/extensions",
            token,
            extension("1003"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("max_extensions"));

    let (status, _) = app
        .post(
            "/api/tenants/globex.example/dids",
            token,
            json!({"number": "+15550000001", "destination": "1001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = app
        .post(
            "/api/tenants/globex.example/dids",
            token,
            json!({"number": "+15550000002", "destination": "1001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("max_dids"));

    let (status, error) = app
        .put(
            "/api/tenants/globex.example",
            token,
            json!({"max_extensions": 1}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the limit cannot drop below the extensions in use"
    );
    assert_eq!(error_field(&error), Some("max_extensions"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_with_one_slot_left() {
    let app = Arc::new(TestApp::with_demo().await);
    small_enterprise(&app, 3, 0).await;

    let statuses = post_in_parallel(app.clone(), 10, |i| {
        let domain = if i % 2 == 0 {
            "a.small.example"
        } else {
            "b.small.example"
        };
        (
            format!("/api/tenants/{domain}/extensions"),
            extension(&format!("5{i:02}")),
        )
    })
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );

    let (_, enterprise) = app
        .get("/api/organization/small", &app.tokens.platform)
        .await;
    assert_eq!(enterprise["usage"]["users"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_site_adds_with_one_slot_left() {
    let app = Arc::new(TestApp::with_demo().await);
    small_enterprise(&app, 0, 3).await;
    let statuses = post_in_parallel(app.clone(), 10, |i| {
        let body = json!({"domain": format!("n{i}.small.example"), "name": format!("N{i}")});
        ("/api/organization/small/sites".to_owned(), body)
    })
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn max_sites_rejects_third_site_by_each_path() {
    let app = TestApp::with_demo().await;
    small_enterprise(&app, 0, 2).await;
    let token = &app.tokens.platform;

    let (status, error) = app
        .post(
            "/api/organization/small/sites",
            token,
            json!({"domain": "c.small.example", "name": "C"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "add a brand-new site");
    assert_eq!(error_field(&error), Some("max_sites"));
    let (status, _) = app.get("/api/tenants/c.small.example", token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, error) = app
        .post(
            "/api/organization/small/sites/assign",
            token,
            json!({"tenants": ["two.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "assign an existing tenant");
    assert_eq!(error_field(&error), Some("max_sites"));

    let (status, error) = app
        .put("/api/organization/small", token, json!({"max_sites": 1}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "lowering the limit below the sites in use"
    );
    assert_eq!(error_field(&error), Some("max_sites"));
}

/// Sends `count` POST requests at once from separate tasks and returns their statuses.
async fn post_in_parallel(
    app: Arc<TestApp>,
    count: usize,
    request: fn(usize) -> (String, serde_json::Value),
) -> Vec<u16> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let app = app.clone();
        tasks.spawn(async move {
            let (path, body) = request(i);
            app.post(&path, &app.tokens.platform, body).await.0.as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("the request task finished"));
    }
    statuses
}
