//! The ceiling of the load benchmark: a minimal hyper server that responds to every request with the
//! same fixed bytes, with no routing, parsing or model behind it.
//!
//! It runs on the same Tokio runtime as `sitedial serve` (`#[tokio::main]`, one worker thread per
//! core) and serves connections with the same hyper-util `auto` connection builder that `axum::serve`
//! uses, so the difference between the two servers is the work sitedial does per request.
//!
//! Usage: `bench_ceiling ADDR BYTES`, for example `bench_ceiling 127.0.0.1:18090 1800`. It stops
//! after 30 minutes by itself, so a benchmark script that dies cannot leave it running for long.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// How long the server runs before it exits by itself.
const LIFETIME: Duration = Duration::from_secs(30 * 60);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_ceiling ADDR BYTES (ADDR must be a loopback address)";
    let addr: SocketAddr = args.next().ok_or(usage)?.parse()?;
    let size: usize = args.next().ok_or(usage)?.parse()?;
    if !addr.ip().is_loopback() {
        return Err(format!("invalid ADDR {addr}: {usage}").into());
    }

    // A body of `x` bytes ending in a newline, the size of a typical sitedial response.
    let mut filler = vec![b'x'; size.max(1)];
    filler[size.max(1) - 1] = b'\n';
    let body = Bytes::from(filler);

    let listener = TcpListener::bind(addr).await?;
    eprintln!("bench_ceiling listening on {addr}, {size} bytes per response");
    let serve = async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    eprintln!("bench_ceiling: accept failed: {error}");
                    continue;
                }
            };
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_request: Request<Incoming>| {
                    let mut response = Response::new(Full::new(body.clone()));
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    tokio::select! {
        _ = serve => {}
        _ = tokio::time::sleep(LIFETIME) => eprintln!("bench_ceiling: lifetime over, exiting"),
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
