//! Tenants, extensions and DIDs: success, validation failures, not found and conflicts.

mod common;

use common::app::{error_field, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn tenant_create_get_update_delete() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, created) = app
        .post("/api/tenants", token, json!({"domain": "Initrode.Example", "name": "Initrode", "max_extensions": 0, "tag": "gold"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["domain"], "initrode.example");
    assert_eq!(created["max_extensions"], Value::Null);
    assert_eq!(created["enterprise"], Value::Null);
    assert_eq!(created["enabled"], true);

    let (status, fetched) = app.get("/api/tenants/INITRODE.example", token).await;
    assert_eq!(status, StatusCode::OK, "domains match case-insensitively");
    assert_eq!(fetched["id"], created["id"]);

    let (status, updated) = app
        .put(
            "/api/tenants/initrode.example",
            token,
            json!({"enabled": false, "ms_teams": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["ms_teams"], true);
    assert_eq!(updated["tag"], "gold", "absent fields stay unchanged");

    let (status, _) = app.delete("/api/tenants/initrode.example", token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get("/api/tenants/initrode.example", token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tenant_validation_and_conflicts() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let cases = [
        (json!({"domain": "default", "name": "x"}), "domain"),
        (json!({"domain": "a..b", "name": "x"}), "domain"),
        (json!({"domain": 5, "name": "x"}), "domain"),
        (json!({"domain": "x.example", "name": ""}), "name"),
        (
            json!({"domain": "x.example", "name": "x", "description": "a\nb"}),
            "description",
        ),
        (
            json!({"domain": "x.example", "name": "x", "max_dids": -3}),
            "max_dids",
        ),
        (
            json!({"domain": "x.example", "name": "x", "dialing_code": "1"}),
            "dialing_code",
        ),
        (
            json!({"domain": "x.example", "name": "x", "enterprise": "acme-corp"}),
            "enterprise",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = app.post("/api/tenants", token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some(field), "{body}: {error}");
    }
    let (status, error) = app
        .post(
            "/api/tenants",
            token,
            json!({"domain": "hq.acme.example", "name": "Dup"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("domain"));

    let updates = [
        (json!({"domain": "other.example"}), "domain"),
        (json!({"dialing_code": "1a"}), "dialing_code"),
        (json!({"dialing_code": 10}), "dialing_code"),
        (json!({"enabled": null}), "enabled"),
    ];
    for (body, field) in updates {
        let (status, error) = app
            .put("/api/tenants/hq.acme.example", token, body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some(field), "{body}");
    }
    let (status, error) = app
        .put(
            "/api/tenants/hq.acme.example",
            token,
            json!({"dialing_code": "20"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "code 20 belongs to london");
    assert_eq!(error_field(&error), Some("dialing_code"));
    let (status, error) = app
        .put(
            "/api/tenants/globex.example",
            token,
            json!({"dialing_code": "5"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a standalone tenant has no code"
    );
    assert_eq!(error_field(&error), Some("dialing_code"));
    let (status, _) = app
        .put("/api/tenants/nowhere.example", token, json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete("/api/tenants/nowhere.example", token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, updated) = app
        .put(
            "/api/tenants/hq.acme.example",
            token,
            json!({"dialing_code": "11"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["dialing_code"], "11");
}

#[tokio::test]
async fn extension_crud_never_returns_passwords() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.hq;
    let (status, created) = app
        .post(
            "/api/tenants/hq.acme.example/extensions",
            token,
            json!({"number": "0101", "display_name": "Dana Kim", "password": "s3cret-Pass", "voicemail_pin": "4321"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "0101");
    assert_eq!(created["voicemail_pin_set"], true);
    let text = created.to_string();
    assert!(
        !text.contains("s3cret-Pass"),
        "the password is never returned: {text}"
    );
    assert!(!text.contains("4321"), "the PIN is never returned: {text}");

    let (status, _) = app
        .post(
            "/api/tenants/hq.acme.example/extensions",
            token,
            json!({"number": "101", "password": "x1"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "101 and 0101 are different extensions"
    );

    let (status, list) = app
        .get("/api/tenants/hq.acme.example/extensions", token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["0101", "1001", "1002", "1003", "101"]);
    assert!(!list.to_string().contains("hq-1001-pw"));

    let (_, page) = app
        .get("/api/tenants/hq.acme.example/extensions?limit=2", token)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = app
        .get(
            &format!("/api/tenants/hq.acme.example/extensions?limit=2&cursor={cursor}"),
            token,
        )
        .await;
    assert_eq!(next["items"][0]["number"], "1002");

    let (status, updated) = app
        .put(
            "/api/tenants/hq.acme.example/extensions/0101",
            token,
            json!({"password": "n3w-Pass", "voicemail_pin": null, "enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["voicemail_pin_set"], false);
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["display_name"], "Dana Kim");
    assert!(!updated.to_string().contains("n3w-Pass"));

    let (status, _) = app
        .delete("/api/tenants/hq.acme.example/extensions/0101", token)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .get("/api/tenants/hq.acme.example/extensions/0101", token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn extension_validation_and_conflicts() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let path = "/api/tenants/hq.acme.example/extensions";
    let cases = [
        (json!({"number": 1004, "password": "pw"}), "number"),
        (json!({"number": "1", "password": "pw"}), "number"),
        (json!({"number": "10a4", "password": "pw"}), "number"),
        (json!({"number": "1004"}), "password"),
        (
            json!({"number": "1004", "password": "has space"}),
            "password",
        ),
        (
            json!({"number": "1004", "password": "pw", "voicemail_pin": "12"}),
            "voicemail_pin",
        ),
        (
            json!({"number": "1004", "password": "pw", "display_name": "${evil}"}),
            "display_name",
        ),
        (
            json!({"number": "1004", "password": "pw", "outbound_caller_id_number": "12-34"}),
            "outbound_caller_id_number",
        ),
        (
            json!({"number": "1004", "password": "pw", "sip_password": "pw"}),
            "sip_password",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = app.post(path, token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some(field), "{body}: {error}");
        assert!(
            !error.to_string().contains("has space"),
            "an invalid password is not echoed"
        );
    }
    let (status, error) = app
        .post(path, token, json!({"number": "1001", "password": "pw"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("number"));
    let (status, error) = app
        .put(&format!("{path}/1002"), token, json!({"number": "1003"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_field(&error), Some("number"));

    let (status, error) = app.delete(&format!("{path}/1001"), token).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a DID routes to 1001: {error}"
    );

    let (status, _) = app.get(&format!("{path}/9999"), token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            "/api/tenants/nowhere.example/extensions",
            token,
            json!({"number": "10", "password": "pw"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn renumbering_moves_dids() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let (status, updated) = app
        .put(
            "/api/tenants/hq.acme.example/extensions/1001",
            token,
            json!({"number": "1011"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["number"], "1011");
    let (_, did) = app
        .get("/api/tenants/hq.acme.example/dids/%2B12125550100", token)
        .await;
    assert_eq!(did["destination"], "1011");
}

#[tokio::test]
async fn did_crud_validation_and_conflicts() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let path = "/api/tenants/hq.acme.example/dids";
    let (status, created) = app
        .post(
            path,
            token,
            json!({"number": "+12125550199", "destination": "1002"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["tenant"], "hq.acme.example");

    let (status, fetched) = app.get(&format!("{path}/+12125550199"), token).await;
    assert_eq!(status, StatusCode::OK, "a literal + in the path works too");
    assert_eq!(fetched["destination"], "1002");

    let (status, updated) = app
        .put(
            &format!("{path}/%2B12125550199"),
            token,
            json!({"destination": "1003"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["destination"], "1003");

    let cases = [
        (
            json!({"number": "12125550198", "destination": "1002"}),
            "number",
        ),
        (json!({"number": "+0212", "destination": "1002"}), "number"),
        (
            json!({"number": "+12125550198", "destination": "9999"}),
            "destination",
        ),
        (json!({"number": "+12125550198"}), "destination"),
    ];
    for (body, field) in cases {
        let (status, error) = app.post(path, token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error_field(&error), Some(field), "{body}");
    }
    let (status, error) = app
        .put(
            &format!("{path}/%2B12125550199"),
            token,
            json!({"number": "+1999"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&error), Some("number"));

    let (status, error) = app
        .post(
            "/api/tenants/london.acme.example/dids",
            token,
            json!({"number": "+12125550199", "destination": "2001"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "DIDs are unique on the platform"
    );
    assert_eq!(error_field(&error), Some("number"));

    let (status, _) = app
        .get(
            "/api/tenants/london.acme.example/dids/%2B12125550199",
            token,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the DID belongs to another tenant"
    );
    let (status, _) = app.delete(&format!("{path}/%2B12125550199"), token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(&format!("{path}/%2B12125550199"), token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_get_json_errors() {
    let app = TestApp::with_demo().await;
    let (status, error) = app.get("/api/nothing-here", &app.tokens.platform).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["code"], "not_found");
    let (status, error) = app
        .send("PATCH", "/api/tenants", Some(&app.tokens.platform), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error["error"]["code"], "method_not_allowed");
}
