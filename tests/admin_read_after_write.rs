//! Changes made through the admin API are visible to the very next FreeSWITCH request, and an export
//! of a data set changed through the API imports back exactly.

mod common;

use common::app::TestApp;
use common::db::TestDb;
use reqwest::StatusCode;
use serde_json::json;

const DIALPLAN_HQ_TO_LONDON: &str = "11-dialplan-hq-to-star88-london-1001.form";
const DIRECTORY_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/freeswitch")
        .join(name);
    std::fs::read(path).expect("read a recorded FreeSWITCH request")
}

/// Returns a recorded dialplan request of an hq caller, with context and destination replaced (for fields
/// other than the five leading ones, the last occurrence wins).
fn dialplan(context: &str, destination: &str) -> Vec<u8> {
    let mut body = fixture(DIALPLAN_HQ_TO_LONDON);
    body.extend_from_slice(
        format!(
            "&Hunt-Context={context}&Caller-Context={context}&Hunt-Destination-Number={}&Caller-Destination-Number={}",
            destination.replace('*', "%2A"),
            destination.replace('*', "%2A")
        )
        .as_bytes(),
    );
    body
}

/// Returns a recorded registration of hq.acme.example user 1001, with the user replaced.
fn directory_hq(user: &str) -> Vec<u8> {
    let mut body = fixture(DIRECTORY_HQ_1001);
    body.extend_from_slice(format!("&user={user}&sip_auth_username={user}").as_bytes());
    body
}

#[tokio::test]
async fn dialing_code_change_reaches_dialplan() {
    let app = TestApp::with_demo().await;
    let before = app
        .freeswitch(dialplan("hq.acme.example", "*88201001"))
        .await;
    assert!(before.contains("1001 XML london.acme.example"), "{before}");

    let (status, _) = app
        .put(
            "/api/tenants/london.acme.example",
            &app.tokens.acme,
            json!({"dialing_code": "25"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let old = app
        .freeswitch(dialplan("hq.acme.example", "*88201001"))
        .await;
    assert!(old.contains("UNALLOCATED_NUMBER"), "{old}");
    let new = app
        .freeswitch(dialplan("hq.acme.example", "*88251001"))
        .await;
    assert!(new.contains("1001 XML london.acme.example"), "{new}");
}

#[tokio::test]
async fn mode_change_reaches_dialplan() {
    let app = TestApp::with_demo().await;
    let before = app.freeswitch(dialplan("hq.acme.example", "2001")).await;
    assert!(
        before.contains("UNALLOCATED_NUMBER"),
        "prefix mode does not dial siblings directly: {before}"
    );

    let (status, _) = app
        .put(
            "/api/organization/acme-corp",
            &app.tokens.acme,
            json!({"intersite_mode": "direct"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let after = app.freeswitch(dialplan("hq.acme.example", "2001")).await;
    assert!(after.contains("2001 XML london.acme.example"), "{after}");

    let (status, _) = app
        .put(
            "/api/organization/acme-corp",
            &app.tokens.acme,
            json!({"intersite_mode": "disabled"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let disabled = app
        .freeswitch(dialplan("hq.acme.example", "*88201001"))
        .await;
    assert!(!disabled.contains("XML london.acme.example"), "{disabled}");
}

#[tokio::test]
async fn unassign_reaches_dialplan() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/unassign",
            &app.tokens.acme,
            json!({"tenants": ["london.acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let from_hq = app
        .freeswitch(dialplan("hq.acme.example", "*88201001"))
        .await;
    assert!(from_hq.contains("UNALLOCATED_NUMBER"), "{from_hq}");
    let from_london = app
        .freeswitch(dialplan("london.acme.example", "*88101001"))
        .await;
    assert!(
        from_london.contains("UNALLOCATED_NUMBER"),
        "a standalone tenant ignores the prefix: {from_london}"
    );
    let local = app
        .freeswitch(dialplan("london.acme.example", "2001"))
        .await;
    assert!(
        local.contains("user/2001@london.acme.example"),
        "local calls still work: {local}"
    );
}

#[tokio::test]
async fn delete_sites_reaches_dialplan_and_directory() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .post(
            "/api/organization/acme-corp/sites/delete",
            &app.tokens.acme,
            json!({"tenants": ["london.acme.example"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let from_hq = app
        .freeswitch(dialplan("hq.acme.example", "*88201001"))
        .await;
    assert!(from_hq.contains("UNALLOCATED_NUMBER"), "{from_hq}");
    let context = app
        .freeswitch(dialplan("london.acme.example", "2001"))
        .await;
    assert!(
        context.contains("not found"),
        "the deleted tenant's context is unknown: {context}"
    );
}

#[tokio::test]
async fn password_change_reaches_directory() {
    let app = TestApp::with_demo().await;
    let before = app.freeswitch(directory_hq("1001")).await;
    assert!(before.contains("hq-1001-pw"), "{before}");
    let (status, _) = app
        .put(
            "/api/tenants/hq.acme.example/extensions/1001",
            &app.tokens.hq,
            json!({"password": "Changed-9"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let after = app.freeswitch(directory_hq("1001")).await;
    assert!(after.contains("Changed-9"), "{after}");
    assert!(!after.contains("hq-1001-pw"), "{after}");
}

#[tokio::test]
async fn renumbered_and_deleted_extension_reach_freeswitch() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .put(
            "/api/tenants/hq.acme.example/extensions/1003",
            &app.tokens.hq,
            json!({"number": "1033"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let old = app.freeswitch(dialplan("hq.acme.example", "1003")).await;
    assert!(old.contains("UNALLOCATED_NUMBER"), "{old}");
    let new = app.freeswitch(dialplan("hq.acme.example", "1033")).await;
    assert!(new.contains("user/1033@hq.acme.example"), "{new}");
    let user = app.freeswitch(directory_hq("1033")).await;
    assert!(
        user.contains("hq-1003-pw"),
        "the renumbered user keeps its password: {user}"
    );

    let (status, _) = app
        .delete(
            "/api/tenants/hq.acme.example/extensions/1033",
            &app.tokens.hq,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let after_delete = app.freeswitch(dialplan("hq.acme.example", "1033")).await;
    assert!(
        after_delete.contains("UNALLOCATED_NUMBER"),
        "{after_delete}"
    );
    let no_user = app.freeswitch(directory_hq("1033")).await;
    assert!(no_user.contains("not found"), "{no_user}");
}

#[tokio::test]
async fn disabled_tenant_reaches_freeswitch() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .put(
            "/api/tenants/hq.acme.example",
            &app.tokens.acme,
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let context = app.freeswitch(dialplan("hq.acme.example", "1002")).await;
    assert!(context.contains("CALL_REJECTED"), "{context}");
    let user = app.freeswitch(directory_hq("1001")).await;
    assert!(user.contains("not found"), "{user}");
    let from_london = app
        .freeswitch(dialplan("london.acme.example", "*88101001"))
        .await;
    assert!(
        !from_london.contains("XML hq.acme.example"),
        "a disabled site is never a candidate: {from_london}"
    );
}

#[tokio::test]
async fn model_reflects_write_before_response() {
    let app = TestApp::with_demo().await;
    let (status, _) = app
        .put(
            "/api/tenants/tokyo.acme.example",
            &app.tokens.acme,
            json!({"dialing_code": "31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let entry = app
        .model
        .index()
        .tenant("tokyo.acme.example")
        .expect("tokyo is indexed");
    let unit = app
        .model
        .cached_unit(entry.unit)
        .await
        .expect("the unit was reloaded before the response");
    let site = unit.site("tokyo.acme.example").expect("tokyo is a site");
    assert_eq!(site.dialing_code.as_ref().map(|c| c.as_str()), Some("31"));
}

#[tokio::test]
async fn export_import_round_trip_after_api_changes() {
    let app = TestApp::with_demo().await;
    let token = &app.tokens.platform;
    let writes = [
        (
            "POST",
            "/api/organization",
            json!({"code": "umbrella", "name": "Umbrella", "max_users": 50}),
        ),
        (
            "POST",
            "/api/organization/umbrella/sites",
            json!({"domain": "raccoon.umbrella.example", "name": "Raccoon City"}),
        ),
        (
            "POST",
            "/api/tenants/raccoon.umbrella.example/extensions",
            json!({"number": "0100", "password": "rc-pw", "voicemail_pin": "9876"}),
        ),
        (
            "POST",
            "/api/tenants/raccoon.umbrella.example/dids",
            json!({"number": "+15550001000", "destination": "0100"}),
        ),
        (
            "POST",
            "/api/organization/umbrella/directory",
            json!({"name": "Lab", "number": "*77", "site": "raccoon.umbrella.example"}),
        ),
        (
            "POST",
            "/api/organization/umbrella/sites/assign",
            json!({"tenants": ["globex.example"]}),
        ),
        (
            "PUT",
            "/api/tenants/hq.acme.example",
            json!({"description": "Head office", "max_dids": 5}),
        ),
        (
            "PUT",
            "/api/tenants/hq.acme.example/extensions/1002",
            json!({"outbound_caller_id_number": "+12125550100"}),
        ),
        (
            "POST",
            "/api/organization/initech/sites/unassign",
            json!({"tenants": ["dallas.initech.example"]}),
        ),
    ];
    for (method, path, body) in writes {
        let (status, answer) = app.send(method, path, Some(token), Some(body)).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
    }

    let exported = app.store().export().await.expect("export");
    exported
        .validate()
        .expect("the exported data set is consistent");
    let copy = TestDb::new().await;
    copy.store
        .import(&exported)
        .await
        .expect("import into an empty store");
    let again = copy.store.export().await.expect("export the copy");
    assert_eq!(again, exported);
    let text = serde_json::to_string(&exported).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), text);
}
