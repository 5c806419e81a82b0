//! Prometheus metrics, written by hand in the text exposition format (version 0.0.4) and served as
//! `GET /metrics` on the admin listener.
//!
//! The FreeSWITCH request path only touches atomics behind read locks: a counter for its section and
//! outcome, a latency histogram bucket, and its enterprise's counter. A write lock is taken only the
//! first time a new label value (an outcome or an enterprise) is seen. Model and store figures are read
//! from [`ModelCache`] when the endpoint is scraped.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use uuid::Uuid;

use crate::freeswitch::handler::AnswerObserver;
use crate::freeswitch::{FsAnswer, Section};
use crate::model::ModelCache;

/// Upper bounds, in seconds, of the FreeSWITCH latency histogram buckets. The low buckets resolve
/// requests served from memory, and the top ones cover store loads up to the deadline (300 ms by
/// default).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0,
];

/// The sections a histogram is kept for, in [`section_index`] order.
const SECTIONS: [Section; 3] = [Section::Directory, Section::Dialplan, Section::Other];

fn section_index(section: Section) -> usize {
    match section {
        Section::Directory => 0,
        Section::Dialplan => 1,
        Section::Other => 2,
    }
}

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
struct Histogram {
    /// Observations per bucket, not cumulative; the last slot counts those above every bound.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        let slot = LATENCY_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// State of the PostgreSQL change listener, for `/readyz` and the metrics.
#[derive(Debug, Default)]
pub struct ListenerStatus {
    /// A change listener runs in this instance (PostgreSQL backends only).
    pub enabled: AtomicBool,
    /// The listener is connected and has caught up after its last (re)connection.
    pub connected: AtomicBool,
    /// Notifications received.
    pub notifications: AtomicU64,
    /// Connections lost.
    pub losses: AtomicU64,
    /// Full model reloads done to catch up after a (re)connection or an unreadable notification.
    pub reloads: AtomicU64,
}

impl ListenerStatus {
    /// Returns whether changes made by other instances may currently go unnoticed.
    pub fn is_degraded(&self) -> bool {
        self.enabled.load(Ordering::Acquire) && !self.connected.load(Ordering::Acquire)
    }
}

/// The counters of one sitedial instance.
#[derive(Debug, Default)]
pub struct Metrics {
    /// FreeSWITCH requests by (section, outcome).
    requests: RwLock<HashMap<(&'static str, &'static str), AtomicU64>>,
    /// FreeSWITCH request latency, one histogram per section.
    latency: [Histogram; SECTIONS.len()],
    /// FreeSWITCH requests answered with an enterprise's data, by enterprise id.
    enterprise_requests: RwLock<HashMap<Uuid, AtomicU64>>,
    /// Admin requests by (method, route, status).
    admin_requests: RwLock<HashMap<(String, String, u16), AtomicU64>>,
    pub listener: ListenerStatus,
}

impl Metrics {
    /// Creates an empty set of counters.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Counts one FreeSWITCH reply and its duration.
    pub fn record_answer(&self, answer: &FsAnswer, duration: Duration) {
        let key = (answer.section.as_str(), answer.outcome.as_str());
        increment(&self.requests, key);
        self.latency[section_index(answer.section)].observe(duration);
        if let Some(enterprise_id) = answer.enterprise_id {
            increment(&self.enterprise_requests, enterprise_id);
        }
    }

    /// Returns a FreeSWITCH handler observer that feeds these counters.
    pub fn fs_observer(self: &Arc<Self>) -> AnswerObserver {
        let metrics = self.clone();
        Arc::new(move |answer, duration| metrics.record_answer(answer, duration))
    }

    /// Counts one admin request. `route` is the matched route template, never the raw path.
    pub fn record_admin_request(&self, method: &str, route: &str, status: u16) {
        let key = (method.to_owned(), route.to_owned(), status);
        increment(&self.admin_requests, key);
    }

    /// Writes every metric in the Prometheus text format.
    pub fn render(&self, model: &ModelCache) -> String {
        let mut out = String::with_capacity(4096);
        self.render_requests(&mut out);
        self.render_latency(&mut out);
        self.render_enterprises(&mut out);
        self.render_admin(&mut out);
        self.render_model(&mut out, model);
        self.render_listener(&mut out);
        out
    }

    fn render_requests(&self, out: &mut String) {
        header(
            out,
            "sitedial_freeswitch_requests_total",
            "counter",
            "FreeSWITCH requests by section and outcome.",
        );
        let requests = self.requests.read().unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<_> = requests
            .iter()
            .map(|(&(section, outcome), count)| (section, outcome, count.load(Ordering::Relaxed)))
            .collect();
        rows.sort_unstable();
        for (section, outcome, count) in rows {
            let _ = writeln!(
                out,
                "sitedial_freeswitch_requests_total{{section=\"{}\",outcome=\"{}\"}} {count}",
                escape(section),
                escape(outcome)
            );
        }
    }

    fn render_latency(&self, out: &mut String) {
        let name = "sitedial_freeswitch_request_duration_seconds";
        header(
            out,
            name,
            "histogram",
            "Time from receiving a FreeSWITCH request to having its answer, in seconds.",
        );
        for (section, histogram) in SECTIONS.iter().zip(&self.latency) {
            let section = section.as_str();
            let mut cumulative = 0u64;
            for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&histogram.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{name}_bucket{{section=\"{section}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += histogram.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{section=\"{section}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = histogram.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "{name}_sum{{section=\"{section}\"}} {sum}");
            // The count is the +Inf bucket, so that the two always agree within one scrape.
            let _ = writeln!(out, "{name}_count{{section=\"{section}\"}} {cumulative}");
        }
    }

    fn render_enterprises(&self, out: &mut String) {
        header(
            out,
            "sitedial_freeswitch_enterprise_requests_total",
            "counter",
            "FreeSWITCH requests answered with an enterprise's data, by enterprise id.",
        );
        let counts = self
            .enterprise_requests
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<_> = counts
            .iter()
            .map(|(id, count)| (*id, count.load(Ordering::Relaxed)))
            .collect();
        rows.sort_unstable();
        for (id, count) in rows {
            let _ = writeln!(
                out,
                "sitedial_freeswitch_enterprise_requests_total{{enterprise=\"{id}\"}} {count}"
            );
        }
    }

    fn render_admin(&self, out: &mut String) {
        header(
            out,
            "sitedial_admin_requests_total",
            "counter",
            "Admin listener requests by method, matched route and HTTP status.",
        );
        let counts = self
            .admin_requests
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<_> = counts
            .iter()
            .map(|(key, count)| (key.clone(), count.load(Ordering::Relaxed)))
            .collect();
        rows.sort_unstable();
        for ((method, route, status), count) in rows {
            let _ = writeln!(
                out,
                "sitedial_admin_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(&method),
                escape(&route)
            );
        }
    }

    fn render_model(&self, out: &mut String, model: &ModelCache) {
        let health = model.health();
        let counters = &model.counters;
        let store_errors = counters.store_errors.load(Ordering::Relaxed);
        let degraded =
            health.index_loaded && (!health.store_reachable || self.listener.is_degraded());
        let rows: [(&str, &str, &str, u64); 9] = [
            (
                "sitedial_model_cache_hits_total",
                "counter",
                "Routing unit lookups answered from memory.",
                counters.hits.load(Ordering::Relaxed),
            ),
            (
                "sitedial_model_cache_misses_total",
                "counter",
                "Routing unit lookups that had to load the unit from the store.",
                counters.misses.load(Ordering::Relaxed),
            ),
            (
                "sitedial_store_errors_total",
                "counter",
                "Store operations that failed because the database was unreachable or failed the query.",
                store_errors,
            ),
            (
                "sitedial_store_reachable",
                "gauge",
                "1 when the last store operation succeeded, else 0.",
                u64::from(health.store_reachable),
            ),
            (
                "sitedial_degraded",
                "gauge",
                "1 while the model is loaded but the store or the change listener is unavailable, so answers come from memory and may be out of date.",
                u64::from(degraded),
            ),
            (
                "sitedial_model_index_loaded",
                "gauge",
                "1 once the index of tenant domains and DIDs has been loaded.",
                u64::from(health.index_loaded),
            ),
            (
                "sitedial_model_loaded_units",
                "gauge",
                "Routing units (enterprises and standalone tenants) in memory.",
                health.loaded_units,
            ),
            (
                "sitedial_model_stale_units",
                "gauge",
                "Routing units whose last refresh failed and that are served from older data.",
                health.stale_units,
            ),
            (
                "sitedial_model_tenants",
                "gauge",
                "Tenant domains in the model index.",
                model.index().tenant_count() as u64,
            ),
        ];
        for (name, kind, help, value) in rows {
            header(out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
    }

    fn render_listener(&self, out: &mut String) {
        let listener = &self.listener;
        let rows: [(&str, &str, &str, u64); 4] = [
            (
                "sitedial_change_listener_connected",
                "gauge",
                "1 while the PostgreSQL change listener is connected and caught up; 0 otherwise, and always 0 on SQLite.",
                u64::from(listener.connected.load(Ordering::Acquire)),
            ),
            (
                "sitedial_change_notifications_total",
                "counter",
                "Change notifications received from PostgreSQL.",
                listener.notifications.load(Ordering::Relaxed),
            ),
            (
                "sitedial_change_listener_losses_total",
                "counter",
                "Times the change listener lost its PostgreSQL connection or failed to connect.",
                listener.losses.load(Ordering::Relaxed),
            ),
            (
                "sitedial_model_reloads_total",
                "counter",
                "Full model reloads done to catch up on changes that may have been missed.",
                listener.reloads.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, value) in rows {
            header(out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }
    }
}

/// Adds one to the counter of `key`, creating it on first use.
fn increment<K: std::hash::Hash + Eq>(map: &RwLock<HashMap<K, AtomicU64>>, key: K) {
    {
        let counters = map.read().unwrap_or_else(|e| e.into_inner());
        if let Some(counter) = counters.get(&key) {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
    let mut counters = map.write().unwrap_or_else(|e| e.into_inner());
    counters
        .entry(key)
        .or_default()
        .fetch_add(1, Ordering::Relaxed);
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value as the text format requires (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// State shared by the metrics endpoint.
#[derive(Clone)]
struct MetricsState {
    metrics: Arc<Metrics>,
    model: Arc<ModelCache>,
}

/// Builds the router of `GET /metrics`.
pub fn router(metrics: Arc<Metrics>, model: Arc<ModelCache>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(MetricsState { metrics, model })
}

async fn scrape(State(state): State<MetricsState>) -> Response {
    let body = state.metrics.render(&state.model);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_picks_first_bucket_at_or_above() {
        let histogram = Histogram::default();
        histogram.observe(Duration::from_micros(50));
        histogram.observe(Duration::from_micros(51));
        histogram.observe(Duration::from_secs(5));
        assert_eq!(histogram.buckets[0].load(Ordering::Relaxed), 1);
        assert_eq!(histogram.buckets[1].load(Ordering::Relaxed), 1);
        assert_eq!(
            histogram.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed),
            1
        );
        assert_eq!(histogram.count.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn escape_quotes_and_backslashes() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("a\nb"), "a\\nb");
    }

    #[test]
    fn increment_creates_then_adds() {
        let map: RwLock<HashMap<&'static str, AtomicU64>> = RwLock::default();
        increment(&map, "x");
        increment(&map, "x");
        increment(&map, "y");
        let map = map.read().unwrap();
        assert_eq!(map["x"].load(Ordering::Relaxed), 2);
        assert_eq!(map["y"].load(Ordering::Relaxed), 1);
    }
}
