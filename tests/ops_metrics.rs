//! `/metrics`, `/healthz` and `/readyz` on the admin listener of a demo server (SQLite): every metric
//! name documented in `docs/operations.md` is exposed, the counters move with FreeSWITCH and admin
//! requests, and every sample line is well formed.

mod support;

use std::collections::BTreeSet;

use support::{fixture, TestServer};

const REGISTER_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";
const DIAL_HQ_TO_LONDON: &str = "11-dialplan-hq-to-star88-london-1001.form";
const ACME: &str = "00000000-0000-4000-8000-000000100001";

/// Returns every `sitedial_*` metric name in the operations guide's metrics table.
fn documented_names() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operations.md");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|line| line.starts_with("| `sitedial_"))
        .map(|line| line.split('`').nth(1).unwrap().to_owned())
        .collect()
}

async fn get(app: &TestServer, path: &str) -> (u16, Option<String>, String) {
    let response = app
        .client
        .get(format!("http://{}{path}", app.server.api_addr))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

/// Returns the value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn documented_metrics_are_exposed() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    for _ in 0..3 {
        assert_eq!(app.post(fixture(REGISTER_HQ_1001)).await.0, 200);
    }
    assert_eq!(app.post(fixture(DIAL_HQ_TO_LONDON)).await.0, 200);
    assert_eq!(get(&app, "/readyz").await.0, 200);

    let (status, content_type, text) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );

    let documented = documented_names();
    assert!(documented.len() >= 15, "only {documented:?} documented");
    for name in &documented {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} is documented but not exposed"
        );
    }
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = line.split(' ').nth(2).unwrap();
        assert!(
            documented.contains(name),
            "{name} is exposed but not documented"
        );
    }

    let requests = "sitedial_freeswitch_requests_total";
    assert_eq!(
        sample(
            &text,
            &format!("{requests}{{section=\"directory\",outcome=\"user\"}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("{requests}{{section=\"dialplan\",outcome=\"transfer_site\"}}")
        ),
        Some(1.0)
    );
    let duration = "sitedial_freeswitch_request_duration_seconds";
    assert_eq!(
        sample(&text, &format!("{duration}_count{{section=\"directory\"}}")),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("{duration}_bucket{{section=\"directory\",le=\"+Inf\"}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("sitedial_freeswitch_enterprise_requests_total{{enterprise=\"{ACME}\"}}")
        ),
        Some(4.0)
    );
    assert_eq!(
        sample(
            &text,
            "sitedial_admin_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"}"
        ),
        Some(1.0)
    );
    assert!(sample(&text, "sitedial_model_cache_hits_total").unwrap() >= 4.0);
    assert_eq!(sample(&text, "sitedial_degraded"), Some(0.0));
    assert_eq!(sample(&text, "sitedial_store_reachable"), Some(1.0));
    assert_eq!(sample(&text, "sitedial_model_index_loaded"), Some(1.0));
    assert_eq!(sample(&text, "sitedial_model_tenants"), Some(6.0));
    assert_eq!(
        sample(&text, "sitedial_change_listener_connected"),
        Some(0.0)
    );

    app.server.shutdown().await;
}

#[tokio::test]
async fn histogram_buckets_are_cumulative() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    for _ in 0..5 {
        app.post(fixture(DIAL_HQ_TO_LONDON)).await;
    }
    let (_, _, text) = get(&app, "/metrics").await;
    let prefix = "sitedial_freeswitch_request_duration_seconds_bucket{section=\"dialplan\",le=";
    let counts: Vec<f64> = text
        .lines()
        .filter(|line| line.starts_with(prefix))
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 15, "14 bounds and +Inf");
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    assert_eq!(counts.last(), Some(&5.0));
    app.server.shutdown().await;
}

#[tokio::test]
async fn sample_lines_are_well_formed() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    app.post(fixture(REGISTER_HQ_1001)).await;
    let (_, _, text) = get(&app, "/metrics").await;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "bad value in {line:?}");
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name in {line:?}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels in {line:?}");
        }
    }
    app.server.shutdown().await;
}

#[tokio::test]
async fn health_endpoints_report_ready() {
    let app = TestServer::demo().await;
    app.wait_ready().await;
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"ok"}"#);

    let (status, _, body) = get(&app, "/readyz").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["store_reachable"], true);
    assert_eq!(body["change_listener"], "not_used");
    assert_eq!(body["tenants"], 6);
    app.server.shutdown().await;
}
