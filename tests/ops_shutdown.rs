//! SIGTERM on the real binary (`sitedial serve --demo`): requests in flight when the signal arrives
//! are answered with 200, the process exits 0, and a request that never finishes cannot hold the
//! process past `--shutdown-grace`. The logs are JSON, carry one event per admin request, and never
//! contain a SIP password.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REGISTER_HQ_1001: &str = "04-directory-sip-auth-register-hq-1001.form";

/// A `sitedial serve --demo` child process and the log lines it has written so far.
struct DemoProcess {
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    fs_addr: SocketAddr,
    api_addr: SocketAddr,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/freeswitch")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Starts the binary on ports chosen by the OS and waits until the model is loaded.
async fn spawn_demo(grace_secs: u64) -> DemoProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitedial"))
        .args([
            "serve",
            "--demo",
            "--fs-listen",
            "127.0.0.1:0",
            "--api-listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--shutdown-grace",
            &grace_secs.to_string(),
        ])
        .env("RUST_LOG", "info,sitedial=debug")
        .env_remove("SITEDIAL_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sitedial starts");

    let logs = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });

    let started = Instant::now();
    let (fs_addr, api_addr) = loop {
        let found = logs.lock().unwrap().iter().find_map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).ok()?;
            if event["message"] != "sitedial listening" {
                return None;
            }
            let fs: SocketAddr = event["fs.addr"].as_str()?.parse().ok()?;
            let api: SocketAddr = event["api.addr"].as_str()?.parse().ok()?;
            Some((fs, api))
        });
        if let Some(addrs) = found {
            break addrs;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no 'sitedial listening' event: {:?}",
            logs.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    let client = reqwest::Client::new();
    loop {
        let ready = client
            .get(format!("http://{api_addr}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ready {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not ready within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    DemoProcess {
        child,
        logs,
        fs_addr,
        api_addr,
    }
}

fn send_sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -TERM failed");
}

async fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("sitedial did not exit within {limit:?} of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a connection and sends the head and the first half of a FreeSWITCH request, so that the
/// request is in flight until [`finish_request`] sends the rest.
async fn start_request(fs_addr: SocketAddr, body: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(fs_addr).await.unwrap();
    let head = format!(
        "POST /freeswitch HTTP/1.1\r\nHost: {fs_addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// Sends the rest of the body and returns the whole response text.
async fn finish_request(mut stream: TcpStream, body: &[u8]) -> String {
    stream.write_all(&body[body.len() / 2..]).await.unwrap();
    stream.flush().await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .expect("response within 5 s")
        .expect("response read");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests() {
    let mut app = spawn_demo(10).await;
    let body = fixture(REGISTER_HQ_1001);

    // One admin request, for the access log check below.
    let client = reqwest::Client::new();
    let readyz = client
        .get(format!("http://{}/readyz", app.api_addr))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 200);

    // A burst of clients that post until the server stops accepting.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut burst = Vec::new();
    for _ in 0..8 {
        let (stop, answered, body) = (stop.clone(), answered.clone(), body.clone());
        let url = format!("http://{}/freeswitch", app.fs_addr);
        burst.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let Ok(response) = client.post(&url).body(body.clone()).send().await else {
                    // Refused or closed: the server has stopped accepting.
                    break;
                };
                assert_eq!(response.status(), 200, "an answered request must be 200");
                let text = response.text().await.expect("a started answer completes");
                assert!(text.contains("hq-1001-pw"), "{text}");
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        answered.load(Ordering::Relaxed) > 0,
        "the burst got no answers"
    );

    let in_flight: Vec<TcpStream> = {
        let mut streams = Vec::new();
        for _ in 0..4 {
            streams.push(start_request(app.fs_addr, &body).await);
        }
        streams
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    let signalled = Instant::now();
    send_sigterm(&app.child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);

    // New connections are refused once shutdown has started.
    assert!(
        TcpStream::connect(app.fs_addr).await.is_err(),
        "the FreeSWITCH listener still accepts after SIGTERM"
    );

    for stream in in_flight {
        let response = finish_request(stream, &body).await;
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "in-flight request not answered with 200: {response}"
        );
        assert!(response.contains("hq-1001-pw"), "{response}");
    }
    for task in burst {
        task.await.expect("burst client");
    }

    let status = wait_exit(&mut app.child, Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    println!(
        "burst answered {} requests; exited {:?} after SIGTERM",
        answered.load(Ordering::Relaxed),
        signalled.elapsed()
    );

    let logs = app.logs.lock().unwrap().clone();
    let events: Vec<serde_json::Value> = logs
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    // The readiness polls of `spawn_demo` may have logged 503s before the explicit request above.
    let admin: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"] == "admin request")
        .collect();
    assert!(!admin.is_empty(), "no admin request events");
    for event in &admin {
        assert_eq!(event["level"], "INFO", "{event}");
        assert_eq!(event["http.method"], "GET", "{event}");
        assert_eq!(event["http.route"], "/readyz", "{event}");
        assert!(event["duration_us"].is_u64(), "{event}");
    }
    assert!(
        admin.iter().any(|e| e["http.status"] == 200),
        "no admin request event with status 200"
    );
    let fs_events = events
        .iter()
        .filter(|e| e["message"] == "FreeSWITCH request")
        .count();
    assert!(fs_events > 0, "no FreeSWITCH request events at debug level");
    assert!(
        events.iter().any(|e| e["message"] == "sitedial stopped"),
        "no 'sitedial stopped' event"
    );
    for line in &logs {
        assert!(
            !line.contains("hq-1001-pw"),
            "a SIP password was logged: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_bounds_a_stuck_request() {
    let mut app = spawn_demo(1).await;
    let body = fixture(REGISTER_HQ_1001);
    // Half a request that is never finished.
    let _stuck = start_request(app.fs_addr, &body).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let signalled = Instant::now();
    send_sigterm(&app.child);
    let status = wait_exit(&mut app.child, Duration::from_secs(10)).await;
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    assert!(
        took >= Duration::from_millis(900),
        "exited after {took:?}, before the 1 s grace period"
    );
    assert!(took < Duration::from_secs(5), "exited only after {took:?}");
}
