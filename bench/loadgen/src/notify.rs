//! `loadgen notify`: the client side of the notification benchmark (`bench/notify.sh`).
//!
//! The server under test is configured with one webhook receiver pointing at a sink that
//! this process serves on 127.0.0.1 (`--sink`, path `/hook`). The sink answers 200 at once
//! and records, for every alert of every webhook message, the arrival time of the first
//! message that carried the alert's `nid` label. One invocation runs one phase against a
//! freshly started server and prints one JSON line:
//!
//! - `throughput`: N distinct alerts (each its own group under `group_by: ['...']`) are POSTed
//!   in batches over C connections; the result is the time from the first POST to the arrival
//!   of the N-th distinct notification, and notifications per second.
//! - `idle`: single probe alerts with a new `nid` each are POSTed one at a time at a fixed
//!   spacing; a probe's latency runs from just before its POST to the arrival of its
//!   notification at the sink.
//! - `load`: the same probes while a background loader POSTs alerts labelled `bg="1"` (routed
//!   to a receiver without integrations, so they never notify) at a target rate over a few
//!   connections; the achieved background rate is reported too.
//!
//! `loadgen notify-report` turns both servers' lines into a table with ratios.
//!
//! The sink runs on its own thread and single-threaded runtime, so that the background
//! loader's tasks do not queue in front of arrivals; all of it still shares the machine's
//! cores with the server under test.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::{Value, json};

/// The label that identifies an alert at the sink.
const ID_LABEL: &str = "nid";

/// What one invocation measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    /// Notifications per second for N distinct alerts posted at once.
    Throughput,
    /// Probe latency on an otherwise idle server.
    Idle,
    /// Probe latency while background alerts are posted at a fixed rate.
    Load,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Throughput => "throughput",
            Phase::Idle => "idle",
            Phase::Load => "load",
        }
    }
}

/// Options of `loadgen notify`. Every phase accepts all of them, so that a script can pass
/// the same options to each phase.
#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:9093
    #[arg(long)]
    url: String,
    /// A name for the server in the output line.
    #[arg(long, default_value = "server")]
    target: String,
    /// Where the webhook sink listens; the server's webhook URL must be http://ADDR/hook.
    #[arg(long)]
    sink: SocketAddr,
    /// The phase to run.
    #[arg(long, value_enum)]
    phase: Phase,
    /// throughput: number of distinct alerts (one notification each).
    #[arg(long, default_value_t = 20_000)]
    alerts: usize,
    /// throughput: alerts per POST.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// throughput: concurrent POST connections.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// throughput: stop waiting for notifications this many seconds after the first POST.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// idle/load: measured probes.
    #[arg(long, default_value_t = 200)]
    probes: usize,
    /// idle/load: probes sent (and awaited) before the measured ones, not counted.
    #[arg(long, default_value_t = 5)]
    warmup_probes: usize,
    /// idle/load: spacing of the probe POSTs, in milliseconds.
    #[arg(long, default_value_t = 20)]
    probe_interval_ms: u64,
    /// idle/load: wait at most this long after the last probe for missing notifications.
    #[arg(long, default_value_t = 30)]
    probe_timeout_secs: u64,
    /// load: background alerts per second to aim at.
    #[arg(long, default_value_t = 30_000)]
    bg_rate: u64,
    /// load: background alerts per POST.
    #[arg(long, default_value_t = 500)]
    bg_batch: usize,
    /// load: concurrent background connections.
    #[arg(long, default_value_t = 4)]
    bg_concurrency: usize,
    /// load: distinct background alerts, posted again and again (updates, as from Prometheus).
    #[arg(long, default_value_t = 20_000)]
    bg_alerts: usize,
    /// load: seconds of background load before the first probe.
    #[arg(long, default_value_t = 2.0)]
    bg_warmup_secs: f64,
}

/// What the sink has seen.
#[derive(Default)]
struct Sink {
    /// `nid` -> arrival of the first message that carried it.
    arrivals: Mutex<HashMap<String, Instant>>,
    /// Webhook messages received.
    messages: AtomicU64,
    /// Alerts that arrived again after their first message.
    duplicates: AtomicU64,
    /// Bodies that were not a webhook message.
    unparsed: AtomicU64,
}

impl Sink {
    fn arrived(&self) -> usize {
        self.arrivals.lock().expect("sink lock").len()
    }

    fn arrival(&self, id: &str) -> Option<Instant> {
        self.arrivals.lock().expect("sink lock").get(id).copied()
    }
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    alerts: Vec<MessageAlert>,
}

#[derive(Deserialize)]
struct MessageAlert {
    #[serde(default)]
    labels: HashMap<String, String>,
}

async fn hook(State(sink): State<Arc<Sink>>, body: Bytes) -> StatusCode {
    let at = Instant::now();
    sink.messages.fetch_add(1, Ordering::Relaxed);
    let Ok(msg) = serde_json::from_slice::<Message>(&body) else {
        sink.unparsed.fetch_add(1, Ordering::Relaxed);
        return StatusCode::OK;
    };
    let mut arrivals = sink.arrivals.lock().expect("sink lock");
    for mut alert in msg.alerts {
        let Some(id) = alert.labels.remove(ID_LABEL) else { continue };
        match arrivals.entry(id) {
            Entry::Occupied(_) => {
                sink.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            Entry::Vacant(v) => {
                v.insert(at);
            }
        }
    }
    StatusCode::OK
}

/// Binds the sink on `addr` and serves it on a thread of its own.
fn start_sink(addr: SocketAddr) -> Result<Arc<Sink>> {
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("sink: bind {addr}"))?;
    listener.set_nonblocking(true)?;
    let sink = Arc::new(Sink::default());
    let state = Arc::clone(&sink);
    std::thread::Builder::new().name("sink".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("sink runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("sink listener");
            let app = Router::new().route("/hook", post(hook)).with_state(state);
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("loadgen sink: {e}");
            }
        });
    })?;
    Ok(sink)
}

fn timestamps() -> (String, String) {
    let now = jiff::Timestamp::now();
    (now.to_string(), (now + jiff::SignedDuration::from_hours(2)).to_string())
}

fn alert(labels: Value, starts: &str, ends: &str) -> Value {
    json!({ "labels": labels, "annotations": {"summary": "notification benchmark"}, "startsAt": starts, "endsAt": ends })
}

/// Request bodies of alerts `0..n` in batches, the i-th alert's labels given by `labels`.
fn bodies(n: usize, batch: usize, labels: impl Fn(usize) -> Value) -> Vec<Vec<u8>> {
    let (starts, ends) = timestamps();
    (0..n)
        .step_by(batch.max(1))
        .map(|first| {
            let alerts: Vec<Value> =
                (first..(first + batch).min(n)).map(|i| alert(labels(i), &starts, &ends)).collect();
            serde_json::to_vec(&alerts).expect("serialise batch")
        })
        .collect()
}

fn with_label(mut labels: Value, name: &str, value: &str) -> Value {
    labels[name] = Value::String(value.to_owned());
    labels
}

fn client(connections: usize) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(connections.max(1))
        .no_proxy()
        .build()?)
}

fn ms(d: Duration) -> f64 {
    crate::round3(d.as_secs_f64() * 1000.0)
}

/// Runs one phase against `args.url`; prints its JSON line.
pub async fn run(args: NotifyArgs) -> Result<()> {
    let sink = start_sink(args.sink)?;
    let base = args.url.trim_end_matches('/').to_owned();
    let post_url = format!("{base}/api/v2/alerts");
    let (line, ok) = match args.phase {
        Phase::Throughput => throughput(&args, &post_url, &sink).await?,
        Phase::Idle | Phase::Load => latency(&args, &post_url, &sink).await?,
    };
    let mut line = line;
    line["target"] = json!(args.target);
    line["phase"] = json!(args.phase.name());
    line["sink_messages"] = json!(sink.messages.load(Ordering::Relaxed));
    line["sink_duplicates"] = json!(sink.duplicates.load(Ordering::Relaxed));
    line["sink_unparsed"] = json!(sink.unparsed.load(Ordering::Relaxed));
    println!("{line}");
    if !ok {
        bail!("{} {}: incomplete (see the line above)", args.target, args.phase.name());
    }
    Ok(())
}

async fn throughput(args: &NotifyArgs, post_url: &str, sink: &Sink) -> Result<(Value, bool)> {
    let n = args.alerts;
    let bodies = Arc::new(bodies(n, args.batch, |i| with_label(crate::labels(i), ID_LABEL, &format!("t-{i}"))));
    let client = client(args.concurrency)?;
    let started = Instant::now();
    let (post_wall, mut post_lat, errors) =
        crate::send_all(&client, &[post_url.to_string()], bodies, args.concurrency).await;
    for e in errors.iter().take(5) {
        eprintln!("loadgen {} throughput: {e}", args.target);
    }
    let deadline = started + Duration::from_secs(args.timeout_secs);
    let mut report_at = Instant::now() + Duration::from_secs(10);
    let mut arrived = sink.arrived();
    while arrived < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
        arrived = sink.arrived();
        if Instant::now() >= report_at {
            eprintln!("loadgen {}: {arrived} of {n} notifications after {:.0?}", args.target, started.elapsed());
            report_at += Duration::from_secs(10);
        }
    }
    let last = sink.arrivals.lock().expect("sink lock").values().max().copied();
    let took = last.map_or(started.elapsed(), |t| t.saturating_duration_since(started));
    let secs = took.as_secs_f64().max(1e-9);
    post_lat.sort();
    let complete = arrived >= n && errors.is_empty();
    if arrived < n {
        eprintln!(
            "loadgen {} throughput: only {arrived} of {n} notifications within {} s",
            args.target, args.timeout_secs
        );
    }
    let line = json!({
        "alerts": n, "batch": args.batch, "concurrency": args.concurrency, "post_errors": errors.len(),
        "arrived": arrived, "complete": complete,
        "post_s": crate::round3(post_wall.as_secs_f64()),
        "post_p50_ms": crate::round3(crate::percentile(&post_lat, 0.5)),
        "duration_s": crate::round3(secs),
        "notifications_per_s": crate::round3(arrived as f64 / secs),
    });
    Ok((line, complete))
}

/// One probe alert: a new group of its own under `group_by: ['...']`.
fn probe_body(id: &str) -> Vec<u8> {
    let (starts, ends) = timestamps();
    let labels = json!({"alertname": "NotifyProbe", "severity": "critical", "instance": id, ID_LABEL: id});
    serde_json::to_vec(&[alert(labels, &starts, &ends)]).expect("serialise probe")
}

/// POSTs one probe; returns when it was sent (just before the POST) and how long the POST took.
async fn post_probe(client: &reqwest::Client, url: &str, id: &str) -> Result<(Instant, Duration)> {
    let body = probe_body(id);
    let sent = Instant::now();
    let resp = client.post(url).header("content-type", "application/json").body(body).send().await?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("probe {id}: HTTP {status}: {}", crate::truncate(&text));
    }
    Ok((sent, sent.elapsed()))
}

/// Waits until every id in `ids` has arrived at the sink or `deadline` passes.
async fn wait_for<'a>(sink: &Sink, ids: impl Iterator<Item = &'a str> + Clone, deadline: Instant) -> usize {
    loop {
        let missing = ids.clone().filter(|id| sink.arrival(id).is_none()).count();
        if missing == 0 || Instant::now() >= deadline {
            return missing;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn latency(args: &NotifyArgs, post_url: &str, sink: &Sink) -> Result<(Value, bool)> {
    let client = client(1)?;
    let background = if args.phase == Phase::Load {
        let bg = Background::start(args, post_url)?;
        tokio::time::sleep(Duration::from_secs_f64(args.bg_warmup_secs)).await;
        Some(bg)
    } else {
        None
    };

    // Warm-up: connections to the server and from it to the sink, not measured.
    let warm: Vec<String> = (0..args.warmup_probes).map(|i| format!("warm-{i}")).collect();
    for id in &warm {
        post_probe(&client, post_url, id).await?;
    }
    let timeout = Duration::from_secs(args.probe_timeout_secs);
    let missing_warm = wait_for(sink, warm.iter().map(String::as_str), Instant::now() + timeout).await;
    if missing_warm > 0 {
        eprintln!("loadgen {}: {missing_warm} warm-up probes never notified", args.target);
    }

    let interval = Duration::from_millis(args.probe_interval_ms);
    let mut sent: Vec<(String, Instant, Duration)> = Vec::with_capacity(args.probes);
    let mut errors = 0;
    let first = Instant::now();
    for i in 0..args.probes {
        tokio::time::sleep_until((first + interval * i as u32).into()).await;
        let id = format!("probe-{i}");
        match post_probe(&client, post_url, &id).await {
            Ok((at, took)) => sent.push((id, at, took)),
            Err(e) => {
                errors += 1;
                if errors <= 5 {
                    eprintln!("loadgen {}: {e}", args.target);
                }
            }
        }
    }
    let missing = wait_for(sink, sent.iter().map(|(id, _, _)| id.as_str()), Instant::now() + timeout).await;
    let probing = first.elapsed();
    let bg = match background {
        Some(bg) => Some(bg.stop().await),
        None => None,
    };

    let mut lat: Vec<Duration> =
        sent.iter().filter_map(|(id, at, _)| sink.arrival(id).map(|t| t.saturating_duration_since(*at))).collect();
    lat.sort();
    let mut post_lat: Vec<Duration> = sent.iter().map(|(_, _, took)| *took).collect();
    post_lat.sort();
    let mut line = json!({
        "probes": args.probes, "interval_ms": args.probe_interval_ms, "post_errors": errors,
        "arrived": lat.len(), "missing": missing,
        "p50_ms": crate::round3(crate::percentile(&lat, 0.50)),
        "p99_ms": crate::round3(crate::percentile(&lat, 0.99)),
        "max_ms": lat.last().map_or(0.0, |d| ms(*d)),
        "min_ms": lat.first().map_or(0.0, |d| ms(*d)),
        "post_p50_ms": crate::round3(crate::percentile(&post_lat, 0.50)),
        "post_p99_ms": crate::round3(crate::percentile(&post_lat, 0.99)),
        "probing_s": crate::round3(probing.as_secs_f64()),
    });
    let mut ok = errors == 0 && missing == 0;
    if let Some(bg) = bg {
        line["bg_target_per_s"] = json!(args.bg_rate);
        line["bg_per_s"] = json!(crate::round3(bg.alerts as f64 / bg.wall.as_secs_f64().max(1e-9)));
        line["bg_alerts"] = json!(bg.alerts);
        line["bg_s"] = json!(crate::round3(bg.wall.as_secs_f64()));
        line["bg_errors"] = json!(bg.errors);
        ok &= bg.errors == 0;
    }
    if missing > 0 {
        eprintln!("loadgen {}: {missing} of {} probes never notified", args.target, sent.len());
    }
    Ok((line, ok))
}

/// The background loader of the `load` phase.
struct Background {
    stop: Arc<AtomicBool>,
    started: Instant,
    workers: Vec<tokio::task::JoinHandle<(u64, u64)>>,
}

/// What the background loader achieved.
struct BackgroundResult {
    /// Alerts accepted (2xx) before the stop.
    alerts: u64,
    /// Failed POSTs.
    errors: u64,
    /// From start to stop.
    wall: Duration,
}

impl Background {
    /// Starts `bg_concurrency` workers posting batch k of the cycled pool at `start + k *
    /// bg_batch / bg_rate`; a worker that falls behind posts back to back.
    fn start(args: &NotifyArgs, post_url: &str) -> Result<Background> {
        if args.bg_rate == 0 {
            bail!("--bg-rate must be positive");
        }
        let pool = Arc::new(bodies(args.bg_alerts.max(1), args.bg_batch, |i| with_label(crate::labels(i), "bg", "1")));
        let sizes: Arc<Vec<u64>> = Arc::new(
            (0..pool.len())
                .map(|k| (args.bg_alerts.max(1) - k * args.bg_batch.max(1)).min(args.bg_batch.max(1)) as u64)
                .collect(),
        );
        let per_batch = Duration::from_secs_f64(args.bg_batch.max(1) as f64 / args.bg_rate as f64);
        let client = client(args.bg_concurrency)?;
        let stop = Arc::new(AtomicBool::new(false));
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..args.bg_concurrency.max(1) {
            let (client, url, pool, sizes, stop, next) = (
                client.clone(),
                post_url.to_owned(),
                Arc::clone(&pool),
                Arc::clone(&sizes),
                Arc::clone(&stop),
                Arc::clone(&next),
            );
            workers.push(tokio::spawn(async move {
                let (mut alerts, mut errors) = (0u64, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep_until((started + per_batch * k as u32).into()).await;
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let body = pool[k % pool.len()].clone();
                    let res = client.post(&url).header("content-type", "application/json").body(body).send().await;
                    let ok = match res {
                        Ok(resp) => {
                            let ok = resp.status().is_success();
                            let _ = resp.bytes().await;
                            ok
                        }
                        Err(_) => false,
                    };
                    if !ok {
                        errors += 1;
                    } else if !stop.load(Ordering::Relaxed) {
                        alerts += sizes[k % sizes.len()];
                    }
                }
                (alerts, errors)
            }));
        }
        Ok(Background { stop, started, workers })
    }

    async fn stop(self) -> BackgroundResult {
        self.stop.store(true, Ordering::Relaxed);
        let wall = self.started.elapsed();
        let (mut alerts, mut errors) = (0, 0);
        for w in self.workers {
            let (a, e) = w.await.unwrap_or((0, 1));
            alerts += a;
            errors += e;
        }
        BackgroundResult { alerts, errors, wall }
    }
}

/// The lines of one server's run: (phase, line).
fn lines_by_phase(path: &PathBuf) -> HashMap<String, Value> {
    crate::read_lines(path)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| {
            let phase = l["phase"].as_str()?.to_owned();
            // Server statistics are kept under "server:<phase>".
            let key = match l["during"].as_str() {
                Some(during) => format!("{phase}:{during}"),
                None => phase,
            };
            Some((key, l))
        })
        .collect()
}

/// A table cell: counts without decimals, small times with two.
fn cell(v: Option<f64>) -> String {
    match v {
        None => "n/a".to_owned(),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) if x.abs() < 10.0 => format!("{x:.2}"),
        Some(x) => format!("{x:.1}"),
    }
}

fn get(lines: &HashMap<String, Value>, key: &str, name: &str) -> Option<f64> {
    lines.get(key).and_then(|l| l[name].as_f64())
}

/// Prints the comparison table of two runs.
pub fn report(triage: &PathBuf, am: &PathBuf, loadavg_before: Option<&str>) -> Result<()> {
    let tr = lines_by_phase(triage);
    let am = lines_by_phase(am);
    let bg_target = get(&tr, "load", "bg_target_per_s").or(get(&am, "load", "bg_target_per_s"));
    // (row, phase, field, higher is better)
    let rows: Vec<(String, &str, &str, Option<bool>)> = vec![
        ("notifications/s".into(), "throughput", "notifications_per_s", Some(true)),
        (
            format!("  delivered (of {})", cell(get(&tr, "throughput", "alerts").or(get(&am, "throughput", "alerts")))),
            "throughput",
            "arrived",
            None,
        ),
        ("  all delivered after s".into(), "throughput", "duration_s", Some(false)),
        ("  all POSTed after s".into(), "throughput", "post_s", Some(false)),
        ("idle probe p50 ms".into(), "idle", "p50_ms", Some(false)),
        ("idle probe p99 ms".into(), "idle", "p99_ms", Some(false)),
        ("idle probe max ms".into(), "idle", "max_ms", Some(false)),
        ("  probe POST p50 ms".into(), "idle", "post_p50_ms", Some(false)),
        ("load probe p50 ms".into(), "load", "p50_ms", Some(false)),
        ("load probe p99 ms".into(), "load", "p99_ms", Some(false)),
        ("load probe max ms".into(), "load", "max_ms", Some(false)),
        ("  probe POST p50 ms".into(), "load", "post_p50_ms", Some(false)),
        (
            format!("  background alerts/s (target {})", bg_target.map_or("n/a".into(), |t| format!("{t:.0}"))),
            "load",
            "bg_per_s",
            Some(true),
        ),
        ("server CPU s, throughput".into(), "server:throughput", "cpu_s", Some(false)),
        ("server CPU s, load".into(), "server:load", "cpu_s", Some(false)),
        ("server peak RSS MiB, load".into(), "server:load", "rss_mib", Some(false)),
    ];
    println!("{:<36} {:>12} {:>14} {:>8}", "metric", "triage", "alertmanager", "ratio*");
    for (label, phase, name, higher_better) in rows {
        let (t, a) = (get(&tr, phase, name), get(&am, phase, name));
        let r = match higher_better {
            Some(true) => crate::ratio(t, a),
            Some(false) => crate::ratio(a, t),
            None => String::new(),
        };
        println!("{label:<36} {:>12} {:>14} {r:>8}", cell(t), cell(a));
    }
    println!();
    println!("* ratio: above 1 means triage is better (rates: triage/AM; times, latencies, CPU, RSS: AM/triage)");
    println!(
        "triage vs Alertmanager: throughput {}, idle latency p50 {} p99 {}, latency under load p50 {} p99 {}",
        crate::ratio(get(&tr, "throughput", "notifications_per_s"), get(&am, "throughput", "notifications_per_s")),
        crate::ratio(get(&am, "idle", "p50_ms"), get(&tr, "idle", "p50_ms")),
        crate::ratio(get(&am, "idle", "p99_ms"), get(&tr, "idle", "p99_ms")),
        crate::ratio(get(&am, "load", "p50_ms"), get(&tr, "load", "p50_ms")),
        crate::ratio(get(&am, "load", "p99_ms"), get(&tr, "load", "p99_ms")),
    );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!("machine: nproc {cores}, {model}; load average before the run: {}", loadavg_before.unwrap_or("n/a"));
    println!("loadgen (the POSTs, the background loader and the webhook sink) shares these cores with the server");
    for (name, lines) in [("triage", &tr), ("alertmanager", &am)] {
        if lines.is_empty() {
            println!("NOTE: {name} has no results (did not run or could not start; see above)");
            continue;
        }
        for phase in ["throughput", "idle", "load"] {
            match lines.get(phase) {
                None => println!("NOTE: {name} {phase}: no result"),
                Some(l) => {
                    if l["complete"] == false || l["missing"].as_u64().is_some_and(|m| m > 0) {
                        println!("WARNING: {name} {phase} incomplete: {l}");
                    }
                    if l["post_errors"].as_u64().is_some_and(|e| e > 0)
                        || l["bg_errors"].as_u64().is_some_and(|e| e > 0)
                    {
                        println!("WARNING: {name} {phase} had failed POSTs: {l}");
                    }
                }
            }
        }
        if let (Some(t), Some(a)) = (get(lines, "load", "bg_target_per_s"), get(lines, "load", "bg_per_s"))
            && a < 0.95 * t
        {
            println!("NOTE: {name} sustained {a:.0} background alerts/s, not the {t:.0}/s aimed at");
        }
    }
    Ok(())
}
