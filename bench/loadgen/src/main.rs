//! loadgen: drives the Alertmanager API v2 of one server (triage or Alertmanager) with a
//! deterministic set of distinct alerts and prints one JSON line per phase.
//!
//! `loadgen run --url URL`: builds N alerts with 8 labels each, POSTs them to
//! `/api/v2/alerts` in batches over C concurrent connections (phase `ingest`), POSTs the same
//! batches again (phase `resend`: updates of known alerts, as Prometheus does every
//! evaluation), then GETs `/api/v2/alerts` once and checks the count (phase `get`).
//! `loadgen free-port` prints a loopback port that was free a moment ago.
//! `loadgen report` turns two runs' JSON lines (plus RSS lines) into a comparison table.
//! `loadgen notify` and `loadgen notify-report`: the notification benchmark (see [`notify`]).
//! `loadgen lines`: the node monitoring line path in process (see [`lines`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

mod lines;
mod notify;

#[derive(Parser)]
#[command(version, about = "Alert ingest and notification load generator (Alertmanager API v2)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send the alerts, re-send them, read them back; one JSON line per phase on stdout.
    Run {
        /// Base URL of the server, e.g. http://127.0.0.1:9093; repeat it to spread the POSTs
        /// over several processes (worker i posts to URL i mod n; reads go to the first).
        #[arg(long, required = true)]
        url: Vec<String>,
        /// Number of distinct alerts.
        #[arg(long, default_value_t = 100_000)]
        alerts: usize,
        /// Alerts per POST.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Concurrent connections.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// A name for the server in the output lines.
        #[arg(long, default_value = "server")]
        target: String,
        /// After the ingest phase, wait until the first URL lists every alert and report the
        /// end-to-end rate (phase `settle`): for servers that accept alerts before they are
        /// ingested (an ingest bus).
        #[arg(long)]
        settle: bool,
    },
    /// Print a free TCP port on 127.0.0.1.
    FreePort,
    /// Time parsing, recording and evaluating node sample lines on one thread.
    Lines(lines::LinesArgs),
    /// Compare two files of JSON lines (from `run`, plus `{"phase":"rss","kb":N}`).
    Report {
        #[arg(long)]
        triage: PathBuf,
        #[arg(long)]
        alertmanager: PathBuf,
    },
    /// Run one phase of the notification benchmark against a server whose webhook receiver
    /// points at the sink this command serves; one JSON line on stdout.
    Notify(notify::NotifyArgs),
    /// Compare two files of JSON lines from `notify` (plus `{"phase":"server",...}` lines).
    NotifyReport {
        #[arg(long)]
        triage: PathBuf,
        #[arg(long)]
        alertmanager: PathBuf,
        /// The load average before the run, printed with the machine information.
        #[arg(long)]
        loadavg_before: Option<String>,
    },
}

const JOBS: [&str; 8] = ["node", "cadvisor", "blackbox", "postgres", "xrootd", "dcache", "fts", "rucio"];
const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];
const TEAMS: [&str; 6] = ["storage", "network", "workload", "database", "auth", "sites"];

/// The i-th alert's labels: deterministic, and distinct for distinct i (instance is unique).
fn labels(i: usize) -> Value {
    json!({
        "alertname": format!("LoadTest{:03}", i % 200),
        "instance": format!("host-{i:07}.example:9100"),
        "job": JOBS[i % JOBS.len()],
        "severity": SEVERITIES[i % SEVERITIES.len()],
        "site": format!("T{}_XX_SITE{:03}", 1 + i % 3, (i / 7) % 150),
        "service": format!("svc-{:02}", (i / 3) % 40),
        "cluster": format!("cluster-{:02}", (i / 11) % 20),
        "team": TEAMS[i % TEAMS.len()],
    })
}

/// Request bodies, serialised before any timing starts.
fn batches(n: usize, batch: usize, starts: &str, ends: &str) -> Vec<Vec<u8>> {
    (0..n)
        .step_by(batch.max(1))
        .map(|first| {
            let alerts: Vec<Value> = (first..(first + batch).min(n))
                .map(|i| {
                    json!({
                        "labels": labels(i),
                        "annotations": {"summary": format!("load test alert {i}")},
                        "startsAt": starts,
                        "endsAt": ends,
                    })
                })
                .collect();
            serde_json::to_vec(&alerts).expect("serialise batch")
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

/// POSTs every batch once over `concurrency` workers; returns (wall time, latencies, errors).
async fn send_all(
    client: &reqwest::Client,
    urls: &[String],
    bodies: Arc<Vec<Vec<u8>>>,
    concurrency: usize,
) -> (Duration, Vec<Duration>, Vec<String>) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency.max(1) {
        let url = urls[w % urls.len()].clone();
        let (client, bodies, next) = (client.clone(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let result =
                    client.post(&url).header("content-type", "application/json").body(body.clone()).send().await;
                match result {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                    }
                    Ok(resp) => {
                        let status = resp.status();
                        let text = resp.text().await.unwrap_or_default();
                        errors.push(format!("batch {i}: HTTP {status}: {}", truncate(&text)));
                    }
                    Err(e) => errors.push(format!("batch {i}: {e}")),
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for w in workers {
        let (l, e) = w.await.expect("worker");
        latencies.extend(l);
        errors.extend(e);
    }
    (started.elapsed(), latencies, errors)
}

fn truncate(s: &str) -> &str {
    let end = s.char_indices().nth(200).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// GETs the alert list until it has `n` alerts; the count and whether it got there in time.
async fn wait_listed(client: &reqwest::Client, url: &str, n: usize, timeout: Duration) -> (Option<usize>, bool) {
    let started = Instant::now();
    let mut count = None;
    while started.elapsed() < timeout {
        if let Ok(resp) = client.get(url).send().await
            && let Ok(body) = resp.bytes().await
        {
            count = serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&body).map(|v| v.len()).ok();
            if count == Some(n) {
                return (count, true);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (count, false)
}

async fn run(urls: &[String], n: usize, batch: usize, concurrency: usize, target: &str, settle: bool) -> Result<()> {
    let base = urls[0].trim_end_matches('/');
    let post_urls: Vec<String> = urls.iter().map(|u| format!("{}/api/v2/alerts", u.trim_end_matches('/'))).collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .pool_max_idle_per_host(concurrency)
        .no_proxy()
        .build()?;
    let now = jiff::Timestamp::now();
    let starts = now.to_string();
    let ends = (now + jiff::SignedDuration::from_hours(2)).to_string();
    let bodies = Arc::new(batches(n, batch, &starts, &ends));
    let post_url = format!("{base}/api/v2/alerts");
    let mut failed = false;

    for phase in ["ingest", "resend"] {
        let phase_started = Instant::now();
        let (wall, mut lat, errors) = send_all(&client, &post_urls, bodies.clone(), concurrency).await;
        lat.sort();
        let secs = wall.as_secs_f64();
        println!(
            "{}",
            json!({
                "target": target, "phase": phase, "alerts": n, "requests": bodies.len(),
                "batch": batch, "concurrency": concurrency, "errors": errors.len(),
                "duration_s": round3(secs), "alerts_per_s": round3(n as f64 / secs),
                "p50_ms": round3(percentile(&lat, 0.50)), "p99_ms": round3(percentile(&lat, 0.99)),
            })
        );
        for e in errors.iter().take(5) {
            eprintln!("loadgen {target} {phase}: {e}");
        }
        failed |= !errors.is_empty();
        if settle && phase == "ingest" {
            let (count, ok) = wait_listed(&client, &post_url, n, Duration::from_secs(600)).await;
            let secs = phase_started.elapsed().as_secs_f64();
            println!(
                "{}",
                json!({
                    "target": target, "phase": "settle", "alerts": n, "listed": count, "ok": ok,
                    "duration_s": round3(secs), "alerts_per_s": round3(n as f64 / secs),
                })
            );
            failed |= !ok;
        }
    }

    let t = Instant::now();
    let resp = client.get(&post_url).send().await.with_context(|| format!("GET {post_url}"))?;
    let status = resp.status();
    let body = resp.bytes().await?;
    let secs = t.elapsed().as_secs_f64();
    let count = serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&body).map(|v| v.len()).ok();
    let ok = status.is_success() && count == Some(n);
    println!(
        "{}",
        json!({
            "target": target, "phase": "get", "status": status.as_u16(), "bytes": body.len(),
            "alerts_returned": count, "expected": n, "ok": ok,
            "duration_s": round3(secs), "p50_ms": round3(secs * 1000.0), "p99_ms": round3(secs * 1000.0),
        })
    );
    if !ok {
        eprintln!("loadgen {target}: GET returned {count:?} alerts (HTTP {status}), expected {n}");
        failed = true;
    }
    if failed {
        bail!("{target}: some requests failed");
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Phase name -> JSON line, from one run's output file.
fn read_lines(path: &PathBuf) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    Ok(text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect())
}

fn field(lines: &[Value], phase: &str, name: &str) -> Option<f64> {
    lines.iter().find(|l| l["phase"] == phase).and_then(|l| l[name].as_f64())
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.1}"))
}

fn ratio(num: Option<f64>, den: Option<f64>) -> String {
    match (num, den) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "n/a".to_owned(),
    }
}

fn report(triage: &PathBuf, am: &PathBuf) -> Result<()> {
    let tr = read_lines(triage).unwrap_or_default();
    let am = read_lines(am).unwrap_or_default();
    let rows: [(&str, &str, &str); 8] = [
        ("ingest alerts/s", "ingest", "alerts_per_s"),
        ("ingest p50 ms", "ingest", "p50_ms"),
        ("ingest p99 ms", "ingest", "p99_ms"),
        ("resend alerts/s", "resend", "alerts_per_s"),
        ("resend p50 ms", "resend", "p50_ms"),
        ("resend p99 ms", "resend", "p99_ms"),
        ("GET all alerts s", "get", "duration_s"),
        ("peak RSS MiB", "rss", "mib"),
    ];
    println!("{:<20} {:>14} {:>14}", "metric", "triage", "alertmanager");
    for (label, phase, name) in rows {
        println!("{label:<20} {:>14} {:>14}", cell(field(&tr, phase, name)), cell(field(&am, phase, name)));
    }
    println!();
    println!(
        "triage/AM ingest rate: {}",
        ratio(field(&tr, "ingest", "alerts_per_s"), field(&am, "ingest", "alerts_per_s"))
    );
    println!(
        "triage/AM resend rate: {}",
        ratio(field(&tr, "resend", "alerts_per_s"), field(&am, "resend", "alerts_per_s"))
    );
    println!("AM/triage peak RSS:    {}", ratio(field(&am, "rss", "mib"), field(&tr, "rss", "mib")));
    println!("AM/triage GET time:    {}", ratio(field(&am, "get", "duration_s"), field(&tr, "get", "duration_s")));
    for (name, lines) in [("triage", &tr), ("alertmanager", &am)] {
        if let Some(l) = lines.iter().find(|l| l["phase"] == "get") {
            if l["ok"] != true {
                println!("WARNING: {name} GET check failed: {l}");
            }
        } else {
            println!("NOTE: {name} has no results (did not run or failed; see its log)");
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run { url, alerts, batch, concurrency, target, settle } => {
            run(&url, alerts, batch, concurrency, &target, settle).await
        }
        Command::FreePort => {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            println!("{}", l.local_addr()?.port());
            Ok(())
        }
        Command::Report { triage, alertmanager } => report(&triage, &alertmanager),
        Command::Notify(args) => notify::run(args).await,
        Command::Lines(args) => lines::run(args),
        Command::NotifyReport { triage, alertmanager, loadavg_before } => {
            notify::report(&triage, &alertmanager, loadavg_before.as_deref())
        }
    }
}
