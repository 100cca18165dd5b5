//! Node monitoring end to end: `triage agent` samples a node (a /proc tree the test drives,
//! so the load is known) into a log file; the server follows the file, a CPU load crossing
//! the threshold raises an alert, and the administrators get an e-mail at a real SMTP server
//! with a PNG plot (threshold drawn) and a CSV of the samples. Bad lines are skipped and
//! counted in /metrics; agents push samples over HTTP with a bearer token.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::smtp::{Security, start_mailin};
use mail_parser::MimeHeaders;

const CONFIG: &str = r#"
global:
  smtp_smarthost: 127.0.0.1:SMTP_PORT
  smtp_from: 'triage <triage@example.org>'
  smtp_require_tls: false
route:
  receiver: admins
  group_by: [alertname, host]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: admins
    email_configs:
      - to: admins@example.org
        plot: {range: 10m}
logwatch:
  files:
    - paths: ['LOG_DIR/*.jsonl']
      poll_interval: 100ms
  push: {bearer_token: agent-token}
  evaluation_interval: 300ms
  rules:
    - name: NodeCpuHigh
      stat: cpu.percent
      op: '>'
      threshold: 80
      cycle: 2s
      labels: {severity: critical}
"#;

/// A /proc tree whose CPU counters a thread advances: idle, or busy 95% of the time.
struct FakeProc {
    dir: tempfile::TempDir,
    busy: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl FakeProc {
    fn start() -> FakeProc {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("net")).unwrap();
        std::fs::write(
            root.join("meminfo"),
            "MemTotal: 8000000 kB\nMemFree: 4000000 kB\nMemAvailable: 6000000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
        )
        .unwrap();
        std::fs::write(root.join("loadavg"), "0.50 0.40 0.30 1/100 42\n").unwrap();
        std::fs::write(
            root.join("net/dev"),
            "Inter-|   Receive                            |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n",
        )
        .unwrap();
        let (busy, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (stat, b, s) = (root.join("stat"), Arc::clone(&busy), Arc::clone(&stop));
        write_stat(&stat, 0, 0);
        std::thread::spawn(move || {
            let (mut user, mut idle) = (1000u64, 1000u64);
            while !s.load(Ordering::Relaxed) {
                if b.load(Ordering::Relaxed) {
                    user += 95;
                    idle += 5;
                } else {
                    idle += 100;
                }
                write_stat(&stat, user, idle);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        FakeProc { dir, busy, stop }
    }
}

impl Drop for FakeProc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Writes `stat` atomically, so the agent never reads half a file.
fn write_stat(path: &Path, user: u64, idle: u64) {
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, format!("cpu  {user} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {user} 0 0 {idle} 0 0 0 0 0 0\n")).unwrap();
    std::fs::rename(temp, path).unwrap();
}

/// A mail server, a directory with `logs/` for the followed files, and the configuration.
struct Setup {
    smtp: crate::support::smtp::MailinServer,
    dir: tempfile::TempDir,
    logs: std::path::PathBuf,
    config: String,
}

impl Setup {
    fn new() -> Setup {
        let smtp = start_mailin(Security::Plain);
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).unwrap();
        let config =
            CONFIG.replace("SMTP_PORT", &smtp.addr.port().to_string()).replace("LOG_DIR", logs.to_str().unwrap());
        Setup { smtp, dir, logs, config }
    }
}

async fn metric(url: &str, line_start: &str) -> f64 {
    let text = crate::support::client().get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn nodes(url: &str) -> serde_json::Value {
    crate::support::client().get(format!("{url}/api/v2/nodes")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_crossing_the_threshold_emails_a_plot_and_the_samples() {
    let Setup { smtp, dir, logs, config } = Setup::new();
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), &config).await;

    let node = FakeProc::start();
    let mut agent = Command::new(env!("CARGO_BIN_EXE_triage"));
    agent
        .args(["agent", "--interval", "200ms", "--host", "node-1", "--mount", "/"])
        .arg("--proc-root")
        .arg(node.dir.path())
        .arg("--output")
        .arg(logs.join("node-1.jsonl"));
    let _agent = crate::support::Proc::spawn("agent", agent);

    // Idle: samples arrive, nothing is sent.
    let seen = crate::support::poll(crate::support::DEADLINE, || async {
        let v = nodes(&url).await;
        let host = v.as_array()?.iter().find(|h| h["host"] == "node-1")?.clone();
        (host["stats"]["cpu.percent"].as_f64()? == 0.0).then_some(host)
    })
    .await
    .expect("the idle node's samples reach the server");
    assert!(seen["stats"]["mem.used_percent"].as_f64().is_some(), "{seen}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(smtp.inbox.len(), 0, "an idle node raises nothing");

    // Busy: the average over the 2 s cycle crosses 80%.
    node.busy.store(true, Ordering::Relaxed);
    let mails = smtp.inbox.wait_for(1).await;
    let message = mail_parser::MessageParser::default().parse(&mails[0].data).expect("a parsable message");
    let subject = message.subject().unwrap_or_default().to_string();
    assert!(subject.contains("NodeCpuHigh") && subject.contains("node-1"), "{subject}");
    let text = message.body_text(0).expect("text part");
    assert!(text.contains("cpu.percent on node-1"), "{text}");
    let attachments: Vec<_> = message.attachments().collect();
    let names: Vec<&str> = attachments.iter().filter_map(|a| a.attachment_name()).collect();
    assert_eq!(names, vec!["1-NodeCpuHigh.png", "1-NodeCpuHigh.csv"]);
    let png = png::Decoder::new(std::io::Cursor::new(attachments[0].contents())).read_info().expect("a PNG");
    assert_eq!((png.info().width, png.info().height), (900, 400));
    let mut csv = csv::Reader::from_reader(attachments[1].contents());
    assert_eq!(csv.headers().unwrap(), vec!["series", "timestamp", "value"]);
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() >= 10, "{} rows", rows.len());
    let times: Vec<jiff::Timestamp> = rows.iter().map(|r| r[1].parse().expect("RFC 3339 time")).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "samples in time order");
    let values: Vec<f64> = rows.iter().map(|r| r[2].parse().expect("a number")).collect();
    assert!(rows.iter().all(|r| &r[0] == r#"cpu.percent{host="node-1"}"#), "{:?}", rows[0]);
    assert!(values.contains(&0.0), "the idle samples are there: {values:?}");
    assert!(values.iter().filter(|&&v| (90.0..=100.0).contains(&v)).count() >= 3, "busy samples: {values:?}");
    assert!(metric(&url, "triage_logwatch_alerts_total{kind=\"firing\"}").await >= 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lines_are_counted_and_skipped_and_pushes_need_the_token() {
    let Setup { smtp, dir, logs, config } = Setup::new();
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), &config).await;

    let mut bad = Vec::new();
    bad.extend_from_slice(b"garbage\n");
    bad.extend_from_slice(b"{\"host\":\"half\",\"cpu.percent\":\n");
    bad.extend_from_slice(format!("{{\"host\":\"long\",\"x\":\"{}\"}}\n", "y".repeat(100_000)).as_bytes());
    bad.extend_from_slice(b"{\"host\":\"\xff\xfe\",\"cpu.percent\":1}\n");
    bad.extend_from_slice(b"{\"host\":\"good\",\"cpu.percent\":12.5}\n");
    bad.extend_from_slice(b"{\"host\":\"partial\",\"cpu.percent\":1"); // no newline yet
    std::fs::write(logs.join("mixed.jsonl"), &bad).unwrap();

    for (kind, want) in
        [("ok", 1.0), ("invalid_json", 1.0), ("incomplete_json", 1.0), ("too_long", 1.0), ("invalid_utf8", 1.0)]
    {
        let line = format!("triage_logwatch_lines_total{{kind=\"{kind}\"}}");
        let got = crate::support::poll(crate::support::DEADLINE, || {
            let (url, line) = (url.clone(), line.clone());
            async move {
                let v = metric(&url, &line).await;
                (v >= want).then_some(v)
            }
        })
        .await;
        assert_eq!(got, Some(want), "{line}");
    }
    let hosts: Vec<String> =
        nodes(&url).await.as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap().to_string()).collect();
    assert_eq!(hosts, vec!["good"], "only the good line is recorded; the partial one waits for its newline");

    // Pushes: refused without the token, recorded with it.
    let client = crate::support::client();
    let push = format!("{url}/api/v2/nodes/samples");
    let body = "{\"host\":\"pushed-1\",\"cpu.percent\":3}\n{\"host\":\"pushed-1\",\"mem.used_percent\":40}\nnot json\n";
    let r = client.post(&push).body(body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client.post(&push).bearer_auth("wrong").body(body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client.post(&push).bearer_auth("agent-token").body(body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let report: serde_json::Value = r.json().await.unwrap();
    assert_eq!(report, serde_json::json!({"accepted": 2, "skipped": {"invalid_json": 1}}));

    // The agent pushes too (sampling an idle fake /proc: this machine's own CPU may be busy
    // enough to fire the CPU rule).
    let token = dir.path().join("token");
    std::fs::write(&token, "agent-token\n").unwrap();
    let node = FakeProc::start();
    let status = tokio::task::spawn_blocking({
        let (url, token, proc_root) = (url.clone(), token.clone(), node.dir.path().to_path_buf());
        move || {
            Command::new(env!("CARGO_BIN_EXE_triage"))
                .args(["agent", "--interval", "100ms", "--count", "2", "--host", "pushed-2", "--push", &url])
                .arg("--proc-root")
                .arg(&proc_root)
                .arg("--token-file")
                .arg(&token)
                .status()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(status.success());
    let v = nodes(&url).await;
    let pushed = v.as_array().unwrap().iter().find(|h| h["host"] == "pushed-2").expect("the agent's samples");
    for stat in ["cpu.percent", "mem.used_percent", "load.1", "disk./.used_percent"] {
        assert!(pushed["stats"][stat].is_number(), "{stat} in {pushed}");
    }
    assert_eq!(smtp.inbox.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_at_the_saved_offset() {
    let Setup { smtp: _smtp, dir, logs, config } = Setup::new();
    let log = logs.join("node.jsonl");
    let line = |i: usize| format!("{{\"host\":\"n{i}\",\"cpu.percent\":{i}}}\n");
    std::fs::write(&log, (0..5).map(line).collect::<String>()).unwrap();
    let ok_lines = "triage_logwatch_lines_total{kind=\"ok\"}";
    {
        let (triage, url) = crate::support::peer::start_triage_in(dir.path(), &config).await;
        let read = crate::support::poll(crate::support::DEADLINE, || {
            let url = url.clone();
            async move { (metric(&url, ok_lines).await >= 5.0).then_some(()) }
        })
        .await;
        assert!(read.is_some(), "the first five lines are read");
        drop(triage); // SIGKILL: the offsets were saved after each poll
    }
    // Lines written while triage is down, and after it is back.
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut file, (5..7).map(line).collect::<String>().as_bytes()).unwrap();
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), &config).await;
    std::io::Write::write_all(&mut file, line(7).as_bytes()).unwrap();
    let read = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move { (metric(&url, ok_lines).await >= 3.0).then_some(()) }
    })
    .await;
    assert!(read.is_some(), "the three new lines are read");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(metric(&url, ok_lines).await, 3.0, "no line is read twice");
    let hosts: Vec<String> =
        nodes(&url).await.as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap().to_string()).collect();
    assert_eq!(hosts, vec!["n5", "n6", "n7"]);
}
