//! Criterion benchmarks of the FreeSWITCH request path, on the recorded bodies in
//! `fixtures/freeswitch/` and the demo data set they were recorded against.
//!
//! Groups: `parse` (form parsing and classification), `resolve` (local, prefix, direct, DID and
//! directory user), `render` (XML for a user and for each route), `answer` (parse + resolve + render,
//! no HTTP) and `router` (the axum router through `tower::ServiceExt::oneshot`, no socket).
//!
//! Run with `cargo bench --bench hot_path`. The demo model lives in a temporary SQLite file.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use tower::ServiceExt;

use sitedial::domain::dataset::DataSet;
use sitedial::freeswitch::classify::{classify, FsQuery};
use sitedial::freeswitch::form::FsForm;
use sitedial::freeswitch::{self, render, FsConfig, FsState, RenderOptions};
use sitedial::model::{ModelCache, Unit};
use sitedial::routing::{resolve_call, resolve_public, resolve_user, CallInput};
use sitedial::store::{Store, StoreOptions};

/// Recorded bodies, one per kind of request the benchmarks name.
const CASES: [(&str, &str); 7] = [
    (
        "directory_register",
        "04-directory-sip-auth-register-hq-1001.form",
    ),
    (
        "directory_user_call",
        "24-directory-user-call-austin-4001.form",
    ),
    ("dialplan_local", "30-dialplan-hq-to-1003-local.form"),
    (
        "dialplan_prefix",
        "11-dialplan-hq-to-star88-london-1001.form",
    ),
    (
        "dialplan_direct",
        "15-dialplan-austin-to-5001-direct-sibling.form",
    ),
    (
        "dialplan_did",
        "34-dialplan-public-did-plus-12125550100.form",
    ),
    ("dialplan_unknown", "33-dialplan-hq-to-9999-unknown.form"),
];

struct Fixture {
    name: &'static str,
    body: Vec<u8>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/freeswitch");
    CASES
        .iter()
        .map(|(name, file)| Fixture {
            name,
            body: std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("reading fixture {file}: {e}")),
        })
        .collect()
}

/// The demo model, fully loaded, in a temporary SQLite database that lives as long as the value.
struct DemoModel {
    model: Arc<ModelCache>,
    _dir: tempfile::TempDir,
}

fn demo_model(runtime: &tokio::runtime::Runtime) -> DemoModel {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let demo =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.json"))
            .expect("reading fixtures/demo.json");
    let data: DataSet = serde_json::from_str(&demo).expect("parsing fixtures/demo.json");
    let model = runtime.block_on(async {
        let store = Store::connect(&StoreOptions::new(url)).expect("opening the bench store");
        store.migrate().await.expect("migrating the bench store");
        store.import(&data).await.expect("importing the demo set");
        let model = ModelCache::new(store, 0);
        model.load_index().await.expect("loading the index");
        model.warm_all().await.expect("loading every unit");
        model
    });
    DemoModel { model, _dir: dir }
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for fixture in fixtures() {
        group.bench_with_input(
            BenchmarkId::from_parameter(fixture.name),
            &fixture.body,
            |b, body| {
                b.iter(|| {
                    let form = FsForm::parse(black_box(body));
                    black_box(classify(&form));
                })
            },
        );
    }
    group.finish();
}

/// A request with its routing unit, classified ahead of time, so that only resolution is timed.
struct Resolvable {
    name: &'static str,
    body: Vec<u8>,
    unit: Option<Arc<Unit>>,
}

fn resolvables(runtime: &tokio::runtime::Runtime, model: &ModelCache) -> Vec<Resolvable> {
    fixtures()
        .into_iter()
        .map(|fixture| {
            let form = FsForm::parse(&fixture.body);
            let domain = match classify(&form) {
                FsQuery::User { domain, .. } => Some(domain.to_ascii_lowercase()),
                FsQuery::Dialplan { context, .. } if context != "public" => {
                    Some(context.to_ascii_lowercase())
                }
                _ => None,
            };
            let unit = domain.map(|domain| {
                let entry = model
                    .index()
                    .tenant(&domain)
                    .unwrap_or_else(|| panic!("{domain} is not in the demo set"));
                runtime
                    .block_on(model.unit(entry.unit))
                    .expect("loading a demo unit")
            });
            Resolvable {
                name: fixture.name,
                body: fixture.body,
                unit,
            }
        })
        .collect()
}

fn call_input<'a>(form: &'a FsForm<'a>, destination: &'a str) -> CallInput<'a> {
    CallInput {
        destination,
        limit_applied: form.limit_applied.as_deref() == Some("true"),
        caller_user: form.user_name.as_deref(),
        caller_domain: form.domain_name.as_deref(),
    }
}

fn bench_resolve_and_render(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a runtime");
    let demo = demo_model(&runtime);
    let model = &demo.model;
    let options = RenderOptions::default();
    let cases = resolvables(&runtime, model);

    let mut resolve = c.benchmark_group("resolve");
    for case in &cases {
        let form = FsForm::parse(&case.body);
        match (classify(&form), &case.unit) {
            (FsQuery::User { domain, user, .. }, Some(unit)) => {
                let domain = domain.to_ascii_lowercase();
                resolve.bench_function(case.name, |b| {
                    b.iter(|| black_box(resolve_user(unit, black_box(&domain), black_box(&user))))
                });
            }
            (
                FsQuery::Dialplan {
                    context,
                    destination,
                },
                unit,
            ) => {
                let call = call_input(&form, &destination);
                match unit {
                    Some(unit) => {
                        let site = unit
                            .site(&context.to_ascii_lowercase())
                            .expect("the context is a site of its unit");
                        resolve.bench_function(case.name, |b| {
                            b.iter(|| black_box(resolve_call(unit, site, black_box(&call))))
                        });
                    }
                    None => {
                        resolve.bench_function(case.name, |b| {
                            b.iter(|| {
                                black_box(resolve_public(black_box(call.destination), |number| {
                                    model.index().did(number)
                                }))
                            })
                        });
                    }
                }
            }
            (query, _) => panic!("{}: unexpected classification {query:?}", case.name),
        }
    }
    resolve.finish();

    let mut render_group = c.benchmark_group("render");
    for case in &cases {
        let form = FsForm::parse(&case.body);
        match (classify(&form), &case.unit) {
            (
                FsQuery::User {
                    domain,
                    user,
                    realm,
                },
                Some(unit),
            ) => {
                let domain = domain.to_ascii_lowercase();
                let answer = resolve_user(unit, &domain, &user).expect("a demo user");
                let realm = realm.as_deref().unwrap_or(&domain).to_owned();
                render_group.bench_function(case.name, |b| {
                    b.iter(|| black_box(render::directory_user(&answer, &realm, &options)))
                });
            }
            (
                FsQuery::Dialplan {
                    context,
                    destination,
                },
                unit,
            ) => {
                let call = call_input(&form, &destination);
                let decision = match unit {
                    Some(unit) => {
                        let site = unit.site(&context.to_ascii_lowercase()).expect("a site");
                        resolve_call(unit, site, &call)
                    }
                    None => resolve_public(call.destination, |number| model.index().did(number)),
                };
                render_group.bench_function(case.name, |b| {
                    b.iter(|| {
                        black_box(render::dialplan(
                            &context,
                            &destination,
                            &decision,
                            &options,
                        ))
                    })
                });
            }
            (query, _) => panic!("{}: unexpected classification {query:?}", case.name),
        }
    }
    render_group.finish();

    let mut whole = c.benchmark_group("answer");
    for case in &cases {
        whole.bench_with_input(
            BenchmarkId::from_parameter(case.name),
            &case.body,
            |b, body| {
                b.to_async(&runtime).iter(|| async {
                    black_box(
                        freeswitch::answer(model, &options, Duration::from_millis(300), body).await,
                    )
                })
            },
        );
    }
    whole.finish();

    let router = freeswitch::router(FsState::new(model.clone(), FsConfig::default()));
    let mut through_router = c.benchmark_group("router");
    for case in &cases {
        let body = bytes::Bytes::from(case.body.clone());
        through_router.bench_function(case.name, |b| {
            b.to_async(&runtime).iter(|| async {
                let request = Request::post("/freeswitch")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body.clone()))
                    .expect("building a request");
                let response = router
                    .clone()
                    .oneshot(request)
                    .await
                    .expect("the router is infallible");
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .expect("reading the response body");
                black_box(bytes)
            })
        });
    }
    through_router.finish();
}

criterion_group!(benches, bench_parse, bench_resolve_and_render);
criterion_main!(benches);
