//! The FreeSWITCH endpoint under bad input and store failures: every answer is a 200 with a valid
//! document (but the 401 of a failed authentication), and requests are answered from memory, or
//! refused quickly, when the database is gone.

mod support;

use std::time::{Duration, Instant};

use sitedial::freeswitch::FsConfig;
use support::xml::{parse, Parsed};
use support::{fixture, TestServer};

const REGISTER_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";
const DIAL_HQ_TO_LONDON: &str = "11-dialplan-hq-to-star88-london-1001.form";

fn directory_body(user: &str, domain: &str) -> String {
    format!(
        "hostname=fs1&section=directory&tag_name=domain&key_name=name&key_value={domain}&Event-Name=REQUEST_PARAMS\
         &action=sip_auth&key=id&user={user}&domain={domain}&ip=127.0.0.1"
    )
}

fn dialplan_body(context: &str, destination: &str) -> String {
    format!(
        "hostname=fs1&section=dialplan&tag_name=&key_name=&key_value=&Event-Name=REQUEST_PARAMS\
         &Caller-Context={context}&Caller-Destination-Number={destination}\
         &Hunt-Context={context}&Hunt-Destination-Number={destination}"
    )
}

#[tokio::test]
async fn hostile_bodies_get_valid_documents() {
    let app = TestServer::demo().await;
    app.wait_ready().await;

    let mut junk = Vec::with_capacity(1024 * 1024);
    let mut seed: u32 = 7;
    while junk.len() < 1024 * 1024 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        junk.push((seed >> 16) as u8);
    }
    let over_limit = vec![b'a'; 1024 * 1024 + 10];

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("1 MiB of junk", junk),
        ("over 1 MiB", over_limit),
        (
            "invalid UTF-8",
            b"section=directory&key_value=\xff\xfe&user=\xff&domain=\xfe".to_vec(),
        ),
        (
            "user !1001",
            directory_body("!1001", "hq.acme.example").into_bytes(),
        ),
        (
            "domain is an IP address",
            directory_body("1001", "127.0.0.1").into_bytes(),
        ),
        (
            "markup in domain",
            directory_body("1001", "%3Cx%3E").into_bytes(),
        ),
        ("only ampersands", b"&&&&&&".to_vec()),
        (
            "truncated escape",
            b"section=directory&key_value=hq.acme.example&user=10%2&domain=hq.acme.example"
                .to_vec(),
        ),
        (
            "configuration section",
            b"hostname=fs1&section=configuration&key_value=sofia.conf".to_vec(),
        ),
    ];
    for (label, body) in cases {
        let (status, xml, _) = app.post(body).await;
        assert_eq!(status, 200, "{label}");
        assert_eq!(parse(&xml), Parsed::NotFound, "{label}");
    }
    app.server.shutdown().await;
}

#[tokio::test]
async fn undialable_destination_hangs_up_without_echo() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    for destination in [
        "1001%40evil.example",
        "%24%7Bsystem(ls)%7D",
        "",
        "%3Cinclude%3E",
    ] {
        let (status, xml, _) = app
            .post(dialplan_body("hq.acme.example", destination))
            .await;
        assert_eq!(status, 200);
        let parsed = parse(&xml);
        let Parsed::Dialplan {
            context,
            expression,
            ..
        } = &parsed
        else {
            panic!("expected dialplan: {xml}")
        };
        assert_eq!(context, "hq.acme.example");
        assert_eq!(
            expression, &None,
            "{destination}: no condition for an undialable number"
        );
        assert_eq!(parsed.action_data("hangup"), Some("UNALLOCATED_NUMBER"));
    }
    app.server.shutdown().await;
}

#[tokio::test]
async fn unknown_and_mixed_case_contexts() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    let (_, xml, _) = app.post(dialplan_body("nobody.example", "1001")).await;
    assert_eq!(parse(&xml), Parsed::NotFound);
    // Contexts match case-insensitively and are echoed as sent.
    let (_, xml, _) = app.post(dialplan_body("HQ.Acme.Example", "1003")).await;
    let parsed = parse(&xml);
    let Parsed::Dialplan { context, .. } = &parsed else {
        panic!("{xml}")
    };
    assert_eq!(context, "HQ.Acme.Example");
    assert_eq!(
        parsed.action_data("bridge"),
        Some("user/1003@hq.acme.example")
    );
    app.server.shutdown().await;
}

#[tokio::test]
async fn answers_from_memory_when_store_closes() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    app.server.model.store().close().await;

    let (status, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 200);
    match parse(&xml) {
        Parsed::User { id, params, .. } => {
            assert_eq!(id, "1001");
            assert_eq!(
                params.get("password").map(String::as_str),
                Some("hq-1001-pw")
            );
        }
        other => panic!("expected the user from memory, got {other:?}"),
    }
    let (_, xml, _) = app.post(fixture(DIAL_HQ_TO_LONDON)).await;
    assert_eq!(
        parse(&xml).action_data("transfer"),
        Some("1001 XML london.acme.example")
    );
    app.server.shutdown().await;
}

#[tokio::test]
async fn no_model_and_no_store_answers_within_deadline() {
    // Nothing listens on port 1 of the loopback address, so every connection is refused.
    let unreachable = "postgres://postgres@127.0.0.1:1/sitedial".to_owned();
    let fs = FsConfig {
        deadline: Duration::from_millis(300),
        ..FsConfig::default()
    };
    let app = TestServer::start(fs, false, Some(unreachable)).await;

    let started = Instant::now();
    let (status, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 200);
    assert_eq!(parse(&xml), Parsed::NotFound);

    let (status, xml, _) = app.post(fixture(DIAL_HQ_TO_LONDON)).await;
    assert_eq!(status, 200);
    let parsed = parse(&xml);
    assert_eq!(parsed.action_data("hangup"), Some("TEMPORARY_FAILURE"));
    let Parsed::Dialplan { context, .. } = &parsed else {
        panic!("{xml}")
    };
    assert_eq!(context, "hq.acme.example");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answers took {:?}",
        started.elapsed()
    );
    app.server.shutdown().await;
}

#[tokio::test]
async fn cold_unit_with_store_gone_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cold.db").display());
    // Fill a database with the demo data, then serve it without preloading units.
    {
        let seeded = TestServer::start(FsConfig::default(), true, Some(url.clone())).await;
        seeded.wait_ready().await;
        seeded.server.shutdown().await;
    }
    let app = TestServer::start_with(FsConfig::default(), false, Some(url), false).await;
    app.wait_ready().await;
    app.server.model.store().close().await;

    let started = Instant::now();
    let (status, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&xml),
        Parsed::NotFound,
        "a unit never loaded cannot be answered"
    );
    let (status, xml, _) = app.post(fixture(DIAL_HQ_TO_LONDON)).await;
    assert_eq!(status, 200);
    assert_eq!(parse(&xml).action_data("hangup"), Some("TEMPORARY_FAILURE"));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    app.server.shutdown().await;
}

#[tokio::test]
async fn cold_unit_loads_on_first_request() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lazy.db").display());
    {
        let seeded = TestServer::start(FsConfig::default(), true, Some(url.clone())).await;
        seeded.wait_ready().await;
        seeded.server.shutdown().await;
    }
    let app = TestServer::start_with(FsConfig::default(), false, Some(url), false).await;
    app.wait_ready().await;
    let (_, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert!(matches!(parse(&xml), Parsed::User { .. }), "{xml}");
    app.server.shutdown().await;
}

#[tokio::test]
async fn basic_auth_and_allow_list() {
    let fs = FsConfig {
        basic_auth: Some("fs-node-1:secret".to_owned()),
        ..FsConfig::default()
    };
    let app = TestServer::start(fs, true, None).await;
    app.wait_ready().await;

    let (status, _, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 401, "no credentials");
    let response = app
        .client
        .post(app.fs_url())
        .basic_auth("fs-node-1", Some("wrong"))
        .body(fixture(REGISTER_HQ_1001))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401, "wrong password");
    assert!(response.headers().contains_key("www-authenticate"));
    let response = app
        .client
        .post(app.fs_url())
        .basic_auth("fs-node-1", Some("secret"))
        .body(fixture(REGISTER_HQ_1001))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(matches!(
        parse(&response.text().await.unwrap()),
        Parsed::User { .. }
    ));
    app.server.shutdown().await;

    let fs = FsConfig {
        allowed_networks: vec!["10.0.0.0/8".parse().unwrap()],
        ..FsConfig::default()
    };
    let app = TestServer::start(fs, true, None).await;
    app.wait_ready().await;
    let (status, _, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    assert_eq!(status, 401, "loopback is outside the allowed network");
    app.server.shutdown().await;
}

#[tokio::test]
async fn a1_hash_uses_realm_as_sent() {
    let mut fs = FsConfig::default();
    fs.render.credentials = sitedial::freeswitch::CredentialMode::A1Hash;
    let app = TestServer::start(fs, true, None).await;
    app.wait_ready().await;
    let (_, xml, _) = app
        .post(fixture(
            "49-directory-sip-auth-register-hq-1002-mixed-case-realm.form",
        ))
        .await;
    let Parsed::User { params, domain, .. } = parse(&xml) else {
        panic!("{xml}")
    };
    assert_eq!(domain, "hq.acme.example");
    assert!(!params.contains_key("password"));
    let expected = sitedial::freeswitch::render::a1_hash("1002", "Hq.Acme.Example", "hq-1002-pw");
    assert_eq!(params.get("a1-hash"), Some(&expected));
    app.server.shutdown().await;
}

#[tokio::test]
async fn escapes_names_from_data() {
    use sitedial::domain::dataset::DataSet;
    let mut data: DataSet = serde_json::from_str(sitedial::app::server::DEMO_JSON).unwrap();
    data.extensions[0].display_name =
        sitedial::domain::FreeText::parse("O'Brien & Sons <Sales> X-PRE-PROCESS").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("names.db").display());
    let store =
        sitedial::store::Store::connect(&sitedial::store::StoreOptions::new(url.clone())).unwrap();
    store.migrate().await.unwrap();
    store.import(&data).await.unwrap();
    store.close().await;

    let app = TestServer::start(FsConfig::default(), false, Some(url)).await;
    app.wait_ready().await;
    let (_, xml, _) = app.post(fixture(REGISTER_HQ_1001)).await;
    let Parsed::User { variables, .. } = parse(&xml) else {
        panic!("{xml}")
    };
    assert_eq!(
        variables
            .get("effective_caller_id_name")
            .map(String::as_str),
        Some("O'Brien & Sons <Sales> X-PRE-PROCESS")
    );
    app.server.shutdown().await;
}

#[tokio::test]
async fn any_method_and_path_gets_a_document() {
    let app = TestServer::demo().await;
    app.wait_ready().await;

    // GET style, as mod_xml_curl sends with its `method` parameter set.
    let url = format!(
        "{}?section=dialplan&Hunt-Context=hq.acme.example&Hunt-Destination-Number=1003",
        app.fs_url()
    );
    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let parsed = parse(&response.text().await.unwrap());
    assert_eq!(
        parsed.action_data("bridge"),
        Some("user/1003@hq.acme.example")
    );

    let response = app
        .client
        .put(app.fs_url())
        .body("section=dialplan")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(parse(&response.text().await.unwrap()), Parsed::NotFound);

    for path in ["/freeswitch/", "/", "/other"] {
        let url = format!("http://{}{path}", app.server.fs_addr);
        let response = app
            .client
            .post(&url)
            .body(fixture(REGISTER_HQ_1001))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            parse(&response.text().await.unwrap()),
            Parsed::NotFound,
            "{path}"
        );
    }
    app.server.shutdown().await;
}

#[tokio::test]
async fn oversized_dialplan_body_is_temporary_failure() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    let mut body = dialplan_body("hq.acme.example", "1003").into_bytes();
    body.extend_from_slice(b"&variable_padding=");
    body.resize(body.len() + 1024 * 1024, b'a');
    let (status, xml, _) = app.post(body).await;
    assert_eq!(status, 200);
    let parsed = parse(&xml);
    let Parsed::Dialplan { context, .. } = &parsed else {
        panic!("{xml}")
    };
    assert_eq!(context, "hq.acme.example");
    assert_eq!(parsed.action_data("hangup"), Some("TEMPORARY_FAILURE"));

    let mut unknown = dialplan_body("nobody.example", "1003").into_bytes();
    unknown.resize(unknown.len() + 1024 * 1024 + 1, b'a');
    let (_, xml, _) = app.post(unknown).await;
    assert_eq!(parse(&xml), Parsed::NotFound);
    app.server.shutdown().await;
}

#[tokio::test]
async fn public_context_and_marker_ignore_case() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    let (_, xml, _) = app.post(dialplan_body("PUBLIC", "%2B12125550100")).await;
    let parsed = parse(&xml);
    let Parsed::Dialplan { context, .. } = &parsed else {
        panic!("{xml}")
    };
    assert_eq!(context, "PUBLIC");
    assert_eq!(
        parsed.action_data("transfer"),
        Some("1001 XML hq.acme.example")
    );

    let body = format!(
        "{}&variable_sitedial_limit_applied=TRUE",
        dialplan_body("hq.acme.example", "1003")
    );
    let (_, xml, _) = app.post(body).await;
    assert_eq!(parse(&xml).action_data("limit"), None);
    app.server.shutdown().await;
}

#[tokio::test]
async fn basic_scheme_is_case_insensitive() {
    let fs = FsConfig {
        basic_auth: Some("fs-node-1:secret".to_owned()),
        ..FsConfig::default()
    };
    let app = TestServer::start(fs, true, None).await;
    app.wait_ready().await;
    let response = app
        .client
        .post(app.fs_url())
        .header("authorization", "basic ZnMtbm9kZS0xOnNlY3JldA==")
        .body(fixture(REGISTER_HQ_1001))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    app.server.shutdown().await;
}
