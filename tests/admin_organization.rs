//! Enterprises, promotion, the site lifecycle, the sites grid and the shared directory.

mod common;

use common::app::{error_code, error_field, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn new_enterprise() -> Value {
    json!({"code": "umbrella", "name": "Umbrella", "max_sites": 5})
}

#[tokio::test]
async fn enterprise_list_shows_usage_and_limits() {
    let app = TestApp::with_demo().await;
    let (status, body) = app.get("/api/organization", &app.tokens.platform).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["code"], "acme-corp");
    assert_eq!(items[0]["usage"]["sites"], 3);
    assert_eq!(items[0]["usage"]["users"], 8);
    assert_eq!(items[0]["intersite_mode"], "prefix");
    assert_eq!(items[0]["access_prefix"], "*88");
    assert_eq!(items[0]["max_sites"], 10);
    assert_eq!(items[1]["code"], "initech");
    assert_eq!(items[1]["max_users"], Value::Null);
    assert_eq!(body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn enterprise_list_paginates() {
    let app = TestApp::with_demo().await;
    let (status, first) = app
        .get("/api/organization?limit=1", &app.tokens.platform)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["code"], "acme-corp");
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next cursor")
        .to_owned();

    let (status, second) = app
        .get(
            &format!("/api/organization?limit=1&cursor={cursor}"),
            &app.tokens.platform,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["items"][0]["code"], "initech");
    assert_eq!(second["next_cursor"], Value::Null);

    for bad in ["limit=0", "limit=1001", "limit=ten", "limit=-1"] {
        let (status, body) = app
            .get(&format!("/api/organization?{bad}"), &app.tokens.platform)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_field(&body), Some("limit"), "{bad}");
    }
    let (status, body) = app
        .get("/api/organization?cursor=%%%", &app.tokens.platform)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(error_field(&body), Some("cursor") | Some("query")));
    let (status, _) = app
        .get("/api/organization?limit=1000", &app.tokens.platform)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn enterprise_create_get_update_delete() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;

    let (status, created) = app.post("/api/organization", token, new_enterprise()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["code"], "umbrella");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["intersite_mode"], "prefix");
    assert_eq!(created["access_prefix"], "*88");
    assert_eq!(created["max_sites"], 5);
    assert_eq!(created["max_users"], Value::Null);
    assert_eq!(created["usage"]["sites"], 0);

    let (status, fetched) = app.get("/api/organization/umbrella", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["id"], created["id"]);

    let (status, updated) = app
        .put(
            "/api/organization/umbrella",
            token,
            json!({"name": "Umbrella Corp", "intersite_mode": "direct"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Umbrella Corp");
    assert_eq!(updated["intersite_mode"], "direct");
    assert_eq!(
        updated["max_sites"], 5,
        "fields absent from PUT stay unchanged"
    );

    let (status, updated) = app
        .put(
            "/api/organization/umbrella",
            token,
            json!({"max_sites": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["max_sites"], Value::Null, "null means unlimited");
    let (status, updated) = app
        .put("/api/organization/umbrella", token, json!({"max_users": 0}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        updated["max_users"],
        Value::Null,
        "0 is stored as unlimited"
    );

    let (status, body) = app.delete("/api/organization/umbrella", token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.get("/api/organization/umbrella", token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), Some("not_found"));
}

#[tokio::test]
async fn enterprise_create_rejects_invalid_values() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let cases = [
        (json!({"code": "Acme Corp", "name": "x"}), "code"),
        (json!({"code": "ok", "name": ""}), "name"),
        (json!({"code": "ok", "name": "a${b}"}), "name"),
        (json!({"code": "ok", "name": 5}), "name"),
        (
            json!({"code": "ok", "name": "x", "max_sites": -1}),
            "max_sites",
        ),
        (
            json!({"code": "ok", "name": "x", "max_users": 1.5}),
            "max_users",
        ),
        (
            json!({"code": "ok", "name": "x", "max_concurrent_calls": "3"}),
            "max_concurrent_calls",
        ),
        (
            json!({"code": "ok", "name": "x", "intersite_mode": "sideways"}),
            "intersite_mode",
        ),
        (
            json!({"code": "ok", "name": "x", "access_prefix": "*8a"}),
            "access_prefix",
        ),
        (
            json!({"code": "ok", "name": "x", "enabled": "yes"}),
            "enabled",
        ),
        (
            json!({"code": "ok", "name": "x", "colour": "red"}),
            "colour",
        ),
        (json!({"name": "x"}), "code"),
    ];
    for (body, field) in cases {
        let (status, error) = app.post("/api/organization", token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some(field), "{body}: {error}");
        assert_eq!(error_code(&error), Some("invalid_value"));
    }

    let (status, error) = app
        .send_raw("POST", "/api/organization", token, "{\"code\": ")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&error), Some("malformed_request"));
    let (status, _) = app
        .send_raw("POST", "/api/organization", token, "not json")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn enterprise_conflicts_and_not_found() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, error) = app
        .post(
            "/api/organization",
            token,
            json!({"code": "acme-corp", "name": "Again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("code"));

    let (status, error) = app
        .put(
            "/api/organization/acme-corp",
            token,
            json!({"max_sites": 2}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "max_sites below the 3 sites in use"
    );
    assert_eq!(error_field(&error), Some("max_sites"));
    let (status, error) = app
        .put(
            "/api/organization/acme-corp",
            token,
            json!({"max_users": 7}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "max_users below the 8 users in use"
    );
    assert_eq!(error_field(&error), Some("max_users"));

    let (status, error) = app
        .put(
            "/api/organization/acme-corp",
            token,
            json!({"code": "acme"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the code cannot change"
    );
    assert_eq!(error_field(&error), Some("code"));
    let (status, error) = app
        .put("/api/organization/acme-corp", token, json!({"name": null}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("name"));

    for (method, path) in [
        ("GET", "/api/organization/nope"),
        ("PUT", "/api/organization/nope"),
        ("DELETE", "/api/organization/nope"),
        ("GET", "/api/organization/nope/sites"),
        ("GET", "/api/organization/nope/directory"),
    ] {
        let body = (method == "PUT").then(|| json!({"name": "x"}));
        let (status, _) = app.send(method, path, Some(token), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
}

#[tokio::test]
async fn enterprise_delete_keeps_sites_as_standalone() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, _) = app.delete("/api/organization/initech", token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, austin) = app.get("/api/tenants/austin.initech.example", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(austin["enterprise"], Value::Null);
    assert_eq!(austin["dialing_code"], Value::Null);
    let (_, extensions) = app
        .get("/api/tenants/austin.initech.example/extensions", token)
        .await;
    assert_eq!(
        extensions["items"].as_array().unwrap().len(),
        3,
        "the site's data is kept"
    );
    let (_, dids) = app
        .get("/api/tenants/austin.initech.example/dids", token)
        .await;
    assert_eq!(dids["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn promote_creates_enterprise_with_first_site() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, created) = app
        .post(
            "/api/organization/promote",
            token,
            json!({"tenant": "globex.example", "code": "globex", "name": "Globex", "intersite_mode": "direct"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["usage"]["sites"], 1);
    assert_eq!(created["usage"]["users"], 2);
    assert_eq!(created["intersite_mode"], "direct");

    let (_, tenant) = app.get("/api/tenants/globex.example", token).await;
    assert_eq!(tenant["enterprise"], "globex");
    assert_eq!(tenant["dialing_code"], "1");

    let (status, error) = app
        .post(
            "/api/organization/promote",
            token,
            json!({"tenant": "hq.acme.example", "code": "hq", "name": "HQ"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a site cannot be promoted");
    assert_eq!(error_field(&error), Some("tenant"));

    let (status, _) = app
        .post(
            "/api/organization/promote",
            token,
            json!({"tenant": "nowhere.example", "code": "nw", "name": "NW"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, error) = app
        .post(
            "/api/organization/promote",
            token,
            json!({"tenant": "x.example", "code": "x", "name": "X", "dialing_code": "1a"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("dialing_code"));
}

#[tokio::test]
async fn promote_with_given_dialing_code() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .post(
            "/api/organization/promote",
            &app.tokens.platform,
            json!({"tenant": "globex.example", "code": "globex", "name": "Globex", "dialing_code": "77"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, tenant) = app
        .get("/api/tenants/globex.example", &app.tokens.platform)
        .await;
    assert_eq!(tenant["dialing_code"], "77");
}

#[tokio::test]
async fn sites_grid_shows_usage_and_warnings() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, grid) = app.get("/api/organization/acme-corp/sites", token).await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    let items = grid["items"].as_array().unwrap();
    let domains: Vec<&str> = items
        .iter()
        .map(|s| s["domain"].as_str().unwrap())
        .collect();
    assert_eq!(
        domains,
        [
            "hq.acme.example",
            "london.acme.example",
            "tokyo.acme.example"
        ]
    );
    assert_eq!(items[0]["dialing_code"], "10");
    assert_eq!(items[0]["extensions"]["used"], 3);
    assert_eq!(items[0]["dids"]["used"], 1);
    assert_eq!(items[2]["extensions"]["used"], 2);
    assert_eq!(items[0]["queues"]["used"], 0);
    assert_eq!(items[0]["contact_center"], false);

    let duplicates = grid["warnings"]["duplicate_extensions"].as_array().unwrap();
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0]["number"], "1001");
    assert_eq!(
        duplicates[0]["sites"],
        json!(["hq.acme.example", "london.acme.example"])
    );
    assert!(grid["warnings"]["code_prefixes"]
        .as_array()
        .unwrap()
        .is_empty());

    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "one.acme.example", "name": "One", "dialing_code": "1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, grid) = app.get("/api/organization/acme-corp/sites", token).await;
    let prefixes = grid["warnings"]["code_prefixes"].as_array().unwrap();
    assert_eq!(prefixes.len(), 1);
    assert_eq!(prefixes[0]["code"], "1");
    assert_eq!(prefixes[0]["prefix_of"], "10");
    assert_eq!(
        grid["items"][0]["domain"], "one.acme.example",
        "code 1 sorts first"
    );

    let (_, page) = app
        .get("/api/organization/acme-corp/sites?limit=2", token)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &format!("/api/organization/acme-corp/sites?limit=2&cursor={cursor}"),
            token,
        )
        .await;
    let rest_domains: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["domain"].as_str().unwrap())
        .collect();
    assert_eq!(rest_domains, ["london.acme.example", "tokyo.acme.example"]);

    let (_, initech) = app.get("/api/organization/initech/sites", token).await;
    let duplicates = initech["warnings"]["duplicate_extensions"]
        .as_array()
        .unwrap();
    assert_eq!(duplicates[0]["number"], "4003");
}

#[tokio::test]
async fn add_site_picks_automatic_dialing_code() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.acme;
    let (status, created) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "Paris.Acme.Example", "name": "Acme Paris", "location": "Paris"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["site"]["domain"], "paris.acme.example",
        "domains are stored lowercase"
    );
    assert_eq!(
        created["site"]["dialing_code"], "4",
        "10, 20, 30 block 1, 2 and 3"
    );
    assert_eq!(created["site"]["enterprise"], "acme-corp");
    assert!(created["warnings"].as_array().unwrap().is_empty());

    let (status, created) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "rome.acme.example", "name": "Rome"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["site"]["dialing_code"], "5");

    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "oslo.acme.example", "name": "Oslo", "dialing_code": "20"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("dialing_code"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "rome.acme.example", "name": "Rome"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("domain"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "public", "name": "Public"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("domain"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites",
            token,
            json!({"domain": "10.0.0.1", "name": "IP"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("domain"));
}

#[tokio::test]
async fn assign_skips_members_and_assigns_codes() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, _) = app
        .post(
            "/api/tenants",
            token,
            json!({"domain": "solo.example", "name": "Solo"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, result) = app
        .post(
            "/api/organization/acme-corp/sites/assign",
            token,
            json!({"tenants": ["globex.example", "solo.example", "hq.acme.example", "austin.initech.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    let assigned = result["assigned"].as_array().unwrap();
    assert_eq!(assigned.len(), 2);
    assert_eq!(assigned[0]["domain"], "globex.example");
    assert_eq!(assigned[0]["dialing_code"], "4");
    assert_eq!(assigned[1]["domain"], "solo.example");
    assert_eq!(assigned[1]["dialing_code"], "5");
    let skipped: Vec<&str> = result["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["domain"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["austin.initech.example", "hq.acme.example"]);

    let (_, globex) = app.get("/api/tenants/globex.example", token).await;
    assert_eq!(globex["enterprise"], "acme-corp");

    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/assign",
            token,
            json!({"tenants": ["missing.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites/assign",
            token,
            json!({"tenants": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("tenants"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites/assign",
            token,
            json!({"tenants": ["ok.example", "bad domain"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("tenants[1]"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/sites/assign",
            token,
            json!({"tenant": ["x.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("tenant"));
}

#[tokio::test]
async fn unassign_makes_sites_standalone() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.acme;
    let (status, entry) = app
        .post(
            "/api/organization/acme-corp/directory",
            token,
            json!({"name": "Tokyo desk", "number": "3000", "site": "tokyo.acme.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");

    let (status, result) = app
        .post(
            "/api/organization/acme-corp/sites/unassign",
            token,
            json!({"tenants": ["tokyo.acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["tenants"], json!(["tokyo.acme.example"]));

    let (_, tokyo) = app
        .get("/api/tenants/tokyo.acme.example", &app.tokens.platform)
        .await;
    assert_eq!(tokyo["enterprise"], Value::Null);
    assert_eq!(tokyo["dialing_code"], Value::Null);
    assert_eq!(tokyo["name"], "Acme Tokyo", "nothing else changes");
    let (_, extensions) = app
        .get(
            "/api/tenants/tokyo.acme.example/extensions",
            &app.tokens.platform,
        )
        .await;
    assert_eq!(extensions["items"].as_array().unwrap().len(), 2);

    let (_, directory) = app
        .get(
            "/api/organization/acme-corp/directory?q=Tokyo%20desk",
            token,
        )
        .await;
    assert_eq!(
        directory["items"][0]["site"],
        Value::Null,
        "the entry no longer names the former site"
    );

    let (status, _) = app.get("/api/tenants/tokyo.acme.example", token).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the enterprise admin no longer sees the tenant"
    );
    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/unassign",
            token,
            json!({"tenants": ["tokyo.acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/unassign",
            token,
            json!({"tenants": ["austin.initech.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_sites_removes_their_data() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.acme;
    let (status, result) = app
        .post(
            "/api/organization/acme-corp/sites/delete",
            token,
            json!({"tenants": ["london.acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["tenants"], json!(["london.acme.example"]));
    let (status, _) = app
        .get("/api/tenants/london.acme.example", &app.tokens.platform)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, enterprise) = app.get("/api/organization/acme-corp", token).await;
    assert_eq!(enterprise["usage"]["sites"], 2);
    assert_eq!(enterprise["usage"]["users"], 5);

    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/delete",
            token,
            json!({"tenants": ["globex.example"]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a standalone tenant is not a site"
    );
    let (status, _) = app
        .get("/api/tenants/globex.example", &app.tokens.platform)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn directory_lists_generated_and_manual_entries() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.acme;
    let (status, directory) = app
        .get("/api/organization/acme-corp/directory", token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = directory["items"].as_array().unwrap();
    assert_eq!(items.len(), 9, "8 extensions and the demo's manual entry");
    assert_eq!(items[0]["name"], "Acme Front Desk");
    assert_eq!(items[0]["kind"], "manual");
    assert_eq!(items[1]["name"], "Alice Reyes");
    assert_eq!(items[1]["number"], "*88101001");
    assert_eq!(items[1]["extension"], "1001");
    assert_eq!(items[1]["site"], "Acme HQ");
    assert_eq!(items[1]["site_domain"], "hq.acme.example");
    assert_eq!(items[1]["kind"], "extension");

    let (_, initech) = app
        .get(
            "/api/organization/initech/directory?q=4001",
            &app.tokens.initech,
        )
        .await;
    assert_eq!(
        initech["items"][0]["number"], "*8814001",
        "the prefix form is shown in direct mode too"
    );

    let (status, entry) = app
        .post(
            "/api/organization/acme-corp/directory",
            token,
            json!({"name": "Lobby Phone", "number": "+12125550111", "department": "Reception", "email": "lobby@acme.example", "site": "hq.acme.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["kind"], "manual");
    assert_eq!(entry["site"], "Acme HQ");
    let id = entry["id"].as_str().unwrap().to_owned();

    let (_, found) = app
        .get("/api/organization/acme-corp/directory?q=LOBBY", token)
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], id.as_str());
    let (_, found) = app
        .get("/api/organization/acme-corp/directory?q=2001", token)
        .await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tom Wright"]);

    let (status, updated) = app
        .put(
            &format!("/api/organization/acme-corp/directory/{id}"),
            token,
            json!({"department": "Lobby", "site": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["department"], "Lobby");
    assert_eq!(updated["site"], Value::Null);
    assert_eq!(updated["name"], "Lobby Phone");

    let (status, error) = app
        .put(
            &format!("/api/organization/acme-corp/directory/{id}"),
            token,
            json!({"site": "austin.initech.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("site"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/directory",
            token,
            json!({"name": "X", "number": "12ab"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("number"));
    let (status, error) = app
        .post(
            "/api/organization/acme-corp/directory",
            token,
            json!({"name": "X", "number": "1", "email": "nobody"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("email"));

    let (status, _) = app
        .delete(
            &format!("/api/organization/acme-corp/directory/{id}"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(
            &format!("/api/organization/acme-corp/directory/{id}"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .put(
            "/api/organization/acme-corp/directory/not-a-uuid",
            token,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, page) = app
        .get("/api/organization/acme-corp/directory?limit=3", token)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = app
        .get(
            &format!("/api/organization/acme-corp/directory?limit=3&cursor={cursor}"),
            token,
        )
        .await;
    assert_eq!(next["items"][0]["name"], "Carla Diaz");
}

#[tokio::test]
async fn wrong_types_and_shapes_get_422() {
    let app = TestApp::with_demo().await;
    let platform = app.tokens.platform.clone();
    for body in [
        r#"{"intersite_mode": null}"#,
        r#"{"intersite_mode": 5}"#,
        r#"{"intersite_mode": {}}"#,
    ] {
        let (status, error) = app
            .send_raw("PUT", "/api/organization/initech", &platform, body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some("intersite_mode"), "{body}");
    }
    for body in [r#"["Renamed", "desc"]"#, "[]", "42", r#""text""#] {
        let (status, error) = app
            .send_raw("PUT", "/api/tenants/globex.example", &platform, body)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
    }
    let (status, _) = app
        .send_raw("PUT", "/api/tenants/globex.example", &platform, "{not json")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
