//! The load client of `scripts/bench-load.sh`: builds request bodies, replays them over loopback, and
//! times cold requests.
//!
//! Subcommands:
//! - `bodies --data SET.json --count N --out FILE --cold-out FILE [--seed X]`: re-targets the recorded
//!   FreeSWITCH bodies at tenants, extensions and DIDs spread over the whole data set and writes one
//!   body per line. `--data demo` uses the recorded bodies as they are. The cold file contains one
//!   directory request for each of up to 500 distinct routing units.
//! - `check --target ADDR --bodies FILE`: sends every body once and counts the kinds of answer, to
//!   show that the bodies reach real users and routes.
//! - `run --sitedial ADDR --ceiling ADDR --bodies FILE --seconds S --rounds R --concurrency 1,8,32`:
//!   for each connection mode (a new TCP connection per request, then keep-alive) and each
//!   concurrency, loads the ceiling server and then sitedial for S/R seconds each, R times in turn,
//!   and prints req/s, latency percentiles and the ratios over all rounds.
//! - `cold --target ADDR --bodies FILE`: sends each body once, one at a time on new connections.
//!
//! Every target must be a loopback address. Each run stops after its time or after
//! `MAX_REQUESTS_PER_RUN` requests, whichever comes first.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use sitedial::domain::dataset::DataSet;
use sitedial::domain::IntersiteMode;

/// Upper bound on the requests of one timed run, whatever its duration.
const MAX_REQUESTS_PER_RUN: usize = 5_000_000;
/// Upper bound on one response. sitedial's responses stay under 1 MiB.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The FreeSWITCH endpoint path of `sitedial serve`.
const FS_PATH: &str = "/freeswitch";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        return Err(
            "usage: bench_load bodies|check|run|cold [options]; see the file header".into(),
        );
    };
    let options = Options::parse(&args[1..])?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.number("threads", 2)?)
        .enable_all()
        .build()?;
    match command.as_str() {
        "bodies" => write_bodies(&options),
        "check" => runtime.block_on(check(&options)),
        "run" => runtime.block_on(run(&options)),
        "cold" => runtime.block_on(cold(&options)),
        other => {
            Err(format!("unknown subcommand {other:?}: expected bodies, check, run or cold").into())
        }
    }
}

/// `--name value` pairs.
struct Options(BTreeMap<String, String>);

impl Options {
    fn parse(args: &[String]) -> Result<Self, Error> {
        let mut map = BTreeMap::new();
        let mut iter = args.iter();
        while let Some(name) = iter.next() {
            let name = name
                .strip_prefix("--")
                .ok_or_else(|| format!("invalid argument {name:?}: expected --name value"))?;
            let value = iter
                .next()
                .ok_or_else(|| format!("missing value for --{name}"))?;
            map.insert(name.to_owned(), value.clone());
        }
        Ok(Self(map))
    }

    fn text(&self, name: &str) -> Result<&str, Error> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{name}").into())
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, Error> {
        match self.0.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|_| format!("invalid --{name} {raw:?}: expected a number").into()),
        }
    }

    fn loopback(&self, name: &str) -> Result<SocketAddr, Error> {
        let raw = self.text(name)?;
        let addr: SocketAddr = raw
            .parse()
            .map_err(|_| format!("invalid --{name} {raw:?}: expected IP:PORT"))?;
        if !addr.ip().is_loopback() {
            return Err(
                format!("invalid --{name} {addr}: only loopback targets are allowed").into(),
            );
        }
        Ok(addr)
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// A recorded body and the values in it that re-targeting replaces.
struct Template {
    kind: Kind,
    body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    DirectoryRegister,
    DirectoryUserCall,
    DialplanLocal,
    DialplanPrefix,
    DialplanDirect,
    DialplanDid,
}

/// The share of each kind in the replayed mix, in percent.
const MIX: [(Kind, u32); 6] = [
    (Kind::DirectoryRegister, 35),
    (Kind::DirectoryUserCall, 15),
    (Kind::DialplanLocal, 20),
    (Kind::DialplanPrefix, 10),
    (Kind::DialplanDirect, 5),
    (Kind::DialplanDid, 15),
];

impl Kind {
    fn file(self) -> &'static str {
        match self {
            Self::DirectoryRegister => "04-directory-sip-auth-register-hq-1001.form",
            Self::DirectoryUserCall => "24-directory-user-call-austin-4001.form",
            Self::DialplanLocal => "30-dialplan-hq-to-1003-local.form",
            Self::DialplanPrefix => "11-dialplan-hq-to-star88-london-1001.form",
            Self::DialplanDirect => "15-dialplan-austin-to-5001-direct-sibling.form",
            Self::DialplanDid => "34-dialplan-public-did-plus-12125550100.form",
        }
    }

    /// Returns the caller's domain, the caller's extension and the destination as recorded.
    fn recorded(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::DirectoryRegister => ("hq.acme.example", "1001", ""),
            Self::DirectoryUserCall => ("austin.initech.example", "4001", ""),
            Self::DialplanLocal => ("hq.acme.example", "1001", "1003"),
            Self::DialplanPrefix => ("hq.acme.example", "1001", "*88201001"),
            Self::DialplanDirect => ("austin.initech.example", "4001", "5001"),
            Self::DialplanDid => ("", "", "+12125550100"),
        }
    }
}

fn templates() -> Result<Vec<Template>, Error> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/freeswitch");
    MIX.iter()
        .map(|(kind, _)| {
            let body = std::fs::read_to_string(dir.join(kind.file()))
                .map_err(|e| format!("reading fixture {}: {e}", kind.file()))?;
            Ok(Template { kind: *kind, body })
        })
        .collect()
}

/// The new caller domain, caller extension and destination of one re-targeted body.
struct Target {
    domain: String,
    caller: String,
    destination: String,
}

/// Rewrites a recorded body field by field. In each decoded value, the recorded domain is replaced
/// by the target's, `<ext>@` forms of the recorded caller by the target caller's, and a value equal
/// to the recorded caller or destination by the target's. Changed values are encoded again.
fn retarget(template: &Template, target: &Target) -> String {
    let (old_domain, old_caller, old_destination) = template.kind.recorded();
    let old_at = format!("{old_caller}@");
    let new_at = format!("{}@", target.caller);
    let mut out = String::with_capacity(template.body.len() + 64);
    for (i, pair) in template.body.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        let mut value = if !old_destination.is_empty() && decoded == old_destination {
            target.destination.clone()
        } else if !old_caller.is_empty() && decoded == old_caller {
            target.caller.clone()
        } else {
            decoded.clone()
        };
        if !old_domain.is_empty() {
            value = value.replace(old_domain, &target.domain);
        }
        if !old_caller.is_empty() {
            value = value.replace(&old_at, &new_at);
        }
        out.push_str(name);
        out.push('=');
        if value == decoded {
            out.push_str(raw);
        } else {
            out.push_str(&encode(&value));
        }
    }
    out
}

fn encode(value: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'*');
    percent_encoding::utf8_percent_encode(value, KEEP).to_string()
}

/// The parts of a data set that re-targeting picks from.
struct Shapes {
    /// Enabled tenants with their enabled extensions.
    tenants: Vec<TenantShape>,
    /// Enterprises whose sites can reach each other, as indexes into `tenants`.
    linked: Vec<EnterpriseShape>,
    dids: Vec<String>,
}

struct TenantShape {
    domain: String,
    unit: uuid::Uuid,
    code: Option<String>,
    extensions: Vec<String>,
}

struct EnterpriseShape {
    prefix: String,
    direct: bool,
    sites: Vec<usize>,
}

fn shapes(data: &DataSet) -> Shapes {
    let mut index_of = std::collections::HashMap::new();
    let mut tenants = Vec::new();
    for tenant in data.tenants.iter().filter(|t| t.enabled) {
        index_of.insert(tenant.id, tenants.len());
        tenants.push(TenantShape {
            domain: tenant.domain.to_string(),
            unit: tenant.enterprise_id.unwrap_or(tenant.id),
            code: tenant.dialing_code.as_ref().map(ToString::to_string),
            extensions: Vec::new(),
        });
    }
    for extension in data.extensions.iter().filter(|x| x.enabled) {
        if let Some(&i) = index_of.get(&extension.tenant_id) {
            tenants[i].extensions.push(extension.number.to_string());
        }
    }
    let mut linked = Vec::new();
    for enterprise in &data.enterprises {
        if !enterprise.enabled || enterprise.intersite_mode == IntersiteMode::Disabled {
            continue;
        }
        let sites: Vec<usize> = data
            .tenants
            .iter()
            .filter(|t| t.enterprise_id == Some(enterprise.id))
            .filter_map(|t| index_of.get(&t.id).copied())
            .filter(|&i| !tenants[i].extensions.is_empty())
            .collect();
        if sites.len() >= 2 {
            linked.push(EnterpriseShape {
                prefix: enterprise.access_prefix.to_string(),
                direct: enterprise.intersite_mode == IntersiteMode::Direct,
                sites,
            });
        }
    }
    tenants.retain(|t| !t.extensions.is_empty());
    let dids = data.dids.iter().map(|d| d.number.to_string()).collect();
    Shapes {
        tenants,
        linked,
        dids,
    }
}

fn pick_target(kind: Kind, shapes: &Shapes, rng: &mut StdRng) -> Option<Target> {
    let any_user = |rng: &mut StdRng| {
        let tenant = shapes.tenants.choose(rng)?;
        let extension = tenant.extensions.choose(rng)?;
        Some((tenant, extension.clone()))
    };
    match kind {
        Kind::DirectoryRegister | Kind::DirectoryUserCall => {
            let (tenant, caller) = any_user(rng)?;
            Some(Target {
                domain: tenant.domain.clone(),
                caller,
                destination: String::new(),
            })
        }
        Kind::DialplanLocal => {
            let (tenant, caller) = any_user(rng)?;
            let destination = tenant.extensions.choose(rng)?.clone();
            Some(Target {
                domain: tenant.domain.clone(),
                caller,
                destination,
            })
        }
        Kind::DialplanPrefix | Kind::DialplanDirect => {
            let direct = kind == Kind::DialplanDirect;
            let candidates: Vec<&EnterpriseShape> = if direct {
                shapes.linked.iter().filter(|e| e.direct).collect()
            } else {
                shapes.linked.iter().collect()
            };
            let enterprise = candidates.choose(rng)?;
            let mut sites = enterprise.sites.clone();
            sites.shuffle(rng);
            let (from, to) = (&shapes.tenants[sites[0]], &shapes.tenants[sites[1]]);
            let caller = from.extensions.choose(rng)?.clone();
            let destination = if direct {
                // A number of the sibling that the caller's own site does not have.
                to.extensions
                    .iter()
                    .find(|x| !from.extensions.contains(x))?
                    .clone()
            } else {
                let code = to.code.as_deref()?;
                format!("{}{code}{}", enterprise.prefix, to.extensions.choose(rng)?)
            };
            Some(Target {
                domain: from.domain.clone(),
                caller,
                destination,
            })
        }
        Kind::DialplanDid => {
            let did = shapes.dids.choose(rng)?;
            // Half the carriers send the DID without its `+`.
            let destination = if rng.gen_bool(0.5) {
                did.clone()
            } else {
                did.trim_start_matches('+').to_owned()
            };
            Some(Target {
                domain: String::new(),
                caller: String::new(),
                destination,
            })
        }
    }
}

fn write_bodies(options: &Options) -> Result<(), Error> {
    let templates = templates()?;
    let out = PathBuf::from(options.text("out")?);
    let cold_out = PathBuf::from(options.text("cold-out")?);
    let count: usize = options.number("count", 20_000)?;
    let mut rng = StdRng::seed_from_u64(options.number("seed", 7)?);

    let mut lines = Vec::with_capacity(count);
    let mut cold = Vec::new();
    let data_path = options.text("data")?;
    if data_path == "demo" {
        for i in 0..count {
            lines.push(templates[i % templates.len()].body.clone());
        }
        cold.push(templates[0].body.clone());
    } else {
        let started = Instant::now();
        let text = std::fs::read_to_string(data_path)?;
        let data: DataSet = serde_json::from_str(&text)?;
        drop(text);
        let shapes = shapes(&data);
        drop(data);
        eprintln!(
            "bench_load: {} tenants with extensions, {} linked enterprises, {} DIDs (read in {:.1}s)",
            shapes.tenants.len(),
            shapes.linked.len(),
            shapes.dids.len(),
            started.elapsed().as_secs_f64()
        );
        let total: u32 = MIX.iter().map(|(_, share)| share).sum();
        while lines.len() < count {
            let mut roll = rng.gen_range(0..total);
            let mut chosen = 0;
            for (i, (_, share)) in MIX.iter().enumerate() {
                if roll < *share {
                    chosen = i;
                    break;
                }
                roll -= share;
            }
            let template = &templates[chosen];
            if let Some(target) = pick_target(template.kind, &shapes, &mut rng) {
                lines.push(retarget(template, &target));
            }
        }

        let mut seen = std::collections::HashSet::new();
        let mut order: Vec<usize> = (0..shapes.tenants.len()).collect();
        order.shuffle(&mut rng);
        for i in order {
            let tenant = &shapes.tenants[i];
            if cold.len() >= 500 {
                break;
            }
            if !seen.insert(tenant.unit) {
                continue;
            }
            let target = Target {
                domain: tenant.domain.clone(),
                caller: tenant.extensions[0].clone(),
                destination: String::new(),
            };
            cold.push(retarget(&templates[0], &target));
        }
    }
    std::fs::write(&out, lines.join("\n") + "\n")?;
    std::fs::write(&cold_out, cold.join("\n") + "\n")?;
    eprintln!(
        "bench_load: wrote {} bodies to {} and {} cold bodies to {}",
        lines.len(),
        out.display(),
        cold.len(),
        cold_out.display()
    );
    Ok(())
}

fn read_bodies(path: &str) -> Result<Vec<Vec<u8>>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let bodies: Vec<Vec<u8>> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect();
    if bodies.is_empty() {
        return Err(format!("no bodies in {path}").into());
    }
    Ok(bodies)
}

// ---------------------------------------------------------------------------------------------
// HTTP over raw TCP

/// Builds the bytes of one POST, as libcurl sends it, with `Connection: close` when asked.
fn request_bytes(addr: SocketAddr, body: &[u8], close: bool) -> Vec<u8> {
    let mut request = format!(
        "POST {FS_PATH} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    if close {
        request.push_str("Connection: close\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Reads one response with a `content-length`; returns its status and body.
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Result<(u16, Vec<u8>), Error> {
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed before the response headers".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buffer.len() > MAX_RESPONSE_BYTES {
            return Err("response headers too long".into());
        }
    };
    let head = std::str::from_utf8(&buffer[..header_end])?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("invalid status line")?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or("response without content-length")?;
    if length > MAX_RESPONSE_BYTES {
        return Err("response over 1 MiB".into());
    }
    while buffer.len() < header_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed inside the response body".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Ok((status, buffer[header_end..header_end + length].to_vec()))
}

async fn exchange(
    addr: SocketAddr,
    stream: &mut Option<TcpStream>,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> Result<(u16, Vec<u8>), Error> {
    if stream.is_none() {
        *stream = Some(TcpStream::connect(addr).await?);
    }
    let connection = stream.as_mut().expect("connected above");
    connection.write_all(request).await?;
    read_response(connection, buffer).await
}

// ---------------------------------------------------------------------------------------------
// check, run, cold

fn answer_kind(body: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(body);
    if text.contains("status=\"not found\"") {
        "not found"
    } else if text.contains("<user ") {
        "user"
    } else if text.contains("TEMPORARY_FAILURE") {
        "temporary failure"
    } else if text.contains("CALL_REJECTED") {
        "rejected"
    } else if text.contains("UNALLOCATED_NUMBER") && !text.contains("bridge") {
        "unallocated"
    } else if text.contains("application=\"transfer\"") {
        "transfer"
    } else if text.contains("application=\"bridge\"") {
        "bridge"
    } else {
        "other"
    }
}

async fn check(options: &Options) -> Result<(), Error> {
    let addr = options.loopback("target")?;
    let bodies = read_bodies(options.text("bodies")?)?;
    let mut stream = None;
    let mut buffer = Vec::new();
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut sizes = 0usize;
    for body in &bodies {
        let request = request_bytes(addr, body, false);
        let (status, answer) = exchange(addr, &mut stream, &request, &mut buffer).await?;
        let section = if body.windows(17).any(|w| w == b"section=directory") {
            "directory"
        } else {
            "dialplan"
        };
        let kind = if status == 200 {
            answer_kind(&answer)
        } else {
            "non-200"
        };
        *counts.entry((section.to_owned(), kind)).or_default() += 1;
        sizes += answer.len();
    }
    println!(
        "answers to {} bodies (mean size {} bytes):",
        bodies.len(),
        sizes / bodies.len()
    );
    for ((section, kind), count) in counts {
        println!("  {section:<9} {kind:<17} {count}");
    }
    Ok(())
}

/// The figures of one timed run, or of several rounds added up.
#[derive(Default)]
struct RunResult {
    requests: usize,
    errors: usize,
    seconds: f64,
    /// Latencies in microseconds, sorted.
    latencies: Vec<u32>,
}

impl RunResult {
    /// Adds the requests, time and latencies of another round.
    fn absorb(&mut self, round: RunResult) {
        self.requests += round.requests;
        self.errors += round.errors;
        self.seconds += round.seconds;
        self.latencies.extend(round.latencies);
        self.latencies.sort_unstable();
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn percentile(&self, p: f64) -> u32 {
        if self.latencies.is_empty() {
            return 0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

async fn timed_run(
    addr: SocketAddr,
    bodies: &Arc<Vec<Vec<u8>>>,
    close: bool,
    concurrency: usize,
    duration: Duration,
) -> RunResult {
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        bodies
            .iter()
            .map(|b| request_bytes(addr, b, close))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let requests = requests.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(1 << 16);
            let mut errors = 0usize;
            let mut stream: Option<TcpStream> = None;
            let mut buffer = Vec::with_capacity(8192);
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= MAX_REQUESTS_PER_RUN {
                    break;
                }
                let request = &requests[n % requests.len()];
                let sent = Instant::now();
                match exchange(addr, &mut stream, request, &mut buffer).await {
                    Ok((200, _)) => {
                        latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32)
                    }
                    Ok(_) | Err(_) => {
                        errors += 1;
                        stream = None;
                    }
                }
                if close {
                    stream = None;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((mut part, part_errors)) = worker.await {
            latencies.append(&mut part);
            errors += part_errors;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    RunResult {
        requests: latencies.len(),
        errors,
        seconds,
        latencies,
    }
}

async fn run(options: &Options) -> Result<(), Error> {
    let sitedial = options.loopback("sitedial")?;
    let ceiling = options.loopback("ceiling")?;
    let bodies = Arc::new(read_bodies(options.text("bodies")?)?);
    let seconds: f64 = options.number("seconds", 10.0)?;
    if !(0.5..=600.0).contains(&seconds) {
        return Err(format!("invalid --seconds {seconds}: expected 0.5 to 600").into());
    }
    let rounds: u32 = options.number("rounds", 1)?;
    if !(1..=20).contains(&rounds) {
        return Err(format!("invalid --rounds {rounds}: expected 1 to 20").into());
    }
    let duration = Duration::from_secs_f64(seconds / f64::from(rounds));
    let concurrencies: Vec<usize> = options
        .0
        .get("concurrency")
        .map_or("1,8,32", String::as_str)
        .split(',')
        .map(|c| {
            c.parse()
                .map_err(|_| format!("invalid --concurrency {c:?}"))
        })
        .collect::<Result<_, _>>()?;
    let modes: Vec<bool> = match options
        .0
        .get("modes")
        .map_or("close,keepalive", String::as_str)
    {
        "close" => vec![true],
        "keepalive" => vec![false],
        _ => vec![true, false],
    };

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "| connections | conc. | server | req/s | p50 µs | p99 µs | p99.9 µs | errors | req/s ratio | p99 ratio | p50 − ceiling µs |"
    )?;
    writeln!(
        out,
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for close in modes {
        let mode = if close {
            "new per request"
        } else {
            "keep-alive"
        };
        for &concurrency in &concurrencies {
            // Alternating short rounds spread the noise of a shared machine over both servers.
            let mut top = RunResult::default();
            let mut measured = RunResult::default();
            for _ in 0..rounds {
                top.absorb(timed_run(ceiling, &bodies, close, concurrency, duration).await);
                measured.absorb(timed_run(sitedial, &bodies, close, concurrency, duration).await);
            }
            for (name, result) in [("ceiling", &top), ("sitedial", &measured)] {
                let ratios = if name == "sitedial" {
                    format!(
                        "{:.2} | {:.2} | {}",
                        result.rate() / top.rate(),
                        f64::from(result.percentile(99.0)) / f64::from(top.percentile(99.0).max(1)),
                        i64::from(result.percentile(50.0)) - i64::from(top.percentile(50.0))
                    )
                } else {
                    "| |".to_owned()
                };
                writeln!(
                    out,
                    "| {mode} | {concurrency} | {name} | {:.0} | {} | {} | {} | {} | {ratios} |",
                    result.rate(),
                    result.percentile(50.0),
                    result.percentile(99.0),
                    result.percentile(99.9),
                    result.errors,
                )?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

async fn cold(options: &Options) -> Result<(), Error> {
    let addr = options.loopback("target")?;
    let bodies = read_bodies(options.text("bodies")?)?;
    let mut buffer = Vec::new();
    let mut first = Vec::new();
    let mut second = Vec::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for pass in [&mut first, &mut second] {
        for body in &bodies {
            let request = request_bytes(addr, body, true);
            let mut stream = None;
            let sent = Instant::now();
            let (_, answer) = exchange(addr, &mut stream, &request, &mut buffer).await?;
            pass.push(sent.elapsed().as_micros() as u32);
            *kinds.entry(answer_kind(&answer)).or_default() += 1;
        }
        pass.sort_unstable();
    }
    let pick = |v: &Vec<u32>, p: f64| {
        v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
    };
    println!(
        "cold requests (one per routing unit, {} units): p50 {} µs, p99 {} µs, max {} µs",
        first.len(),
        pick(&first, 50.0),
        pick(&first, 99.0),
        first[first.len() - 1]
    );
    println!(
        "same requests again, warm: p50 {} µs, p99 {} µs, max {} µs",
        pick(&second, 50.0),
        pick(&second, 99.0),
        second[second.len() - 1]
    );
    println!("answer kinds over both passes: {kinds:?}");
    Ok(())
}
