//! `triage replay`: an alert history through the pipeline on a fake clock, from Alertmanager
//! JSON lines and from a CSV, with counts, the JSON report, and errors naming file and line;
//! a progress bar on a terminal (a pseudo-terminal from util-linux `script`), none elsewhere.

use std::process::Command;

use serde_json::Value;

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [alertname, host]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]}]
inhibit_rules:
  - source_matchers: ['alertname="HostDown"']
    target_matchers: ['alertname="ServiceDown"']
    equal: [host]
replay:
  time_column: time
  alertname_column: name
  label_columns: [host]
  annotation_columns: [short]
  fires_for: 10m
"#;

fn run(dir: &std::path::Path, input: &str, name: &str, json: bool) -> (bool, String, String) {
    std::fs::write(dir.join("am.yml"), CONFIG).unwrap();
    std::fs::write(dir.join(name), input).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.args(["replay", "--config"]).arg(dir.join("am.yml")).arg("--input").arg(dir.join(name));
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_csv_history_is_grouped_inhibited_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // One host storms for ten minutes (40 rows, two alert names), another host once.
    let mut csv = String::from("time,name,host,short\n");
    for i in 0..20 {
        csv.push_str(&format!("{},ScanDetected,web1,port scan {i}\n", 1_700_000_000 + i * 30));
        csv.push_str(&format!("{},ServiceDown,web1,http\n", 1_700_000_000 + i * 30));
    }
    csv.push_str("1700000100,HostDown,web1,unreachable\n");
    csv.push_str("2023-11-14T22:30:00Z,ScanDetected,db1,port scan\n");
    let (ok, out, err) = run(dir.path(), &csv, "history.csv", true);
    assert!(ok, "{err}");
    assert_eq!(err, "", "nothing on standard error off a terminal (no progress bar)");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["alerts_in"], 42);
    let notified: Vec<String> = r["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| {
            n["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| format!("{}@{}", a["labels"]["alertname"], a["labels"]["host"]))
        })
        .collect();
    assert!(notified.iter().any(|n| n == "\"ScanDetected\"@\"web1\""), "{notified:?}");
    assert!(notified.iter().any(|n| n == "\"ScanDetected\"@\"db1\""), "{notified:?}");
    assert!(notified.iter().any(|n| n == "\"HostDown\"@\"web1\""), "{notified:?}");
    assert!(r["suppressed"]["inhibited"].as_u64().unwrap() >= 1, "ServiceDown on web1 is inhibited by HostDown: {r}");
    let out_count = r["notifications_out"].as_u64().unwrap();
    assert!(out_count < 10, "a storm of 42 rows gives a handful of notifications: {out_count}");
    assert!(r["notifications"][0]["at"].as_str().unwrap().starts_with("2023-11-14T22:"));
    assert_eq!(r["notifications"][0]["receiver"], "ops");

    let (ok, text, err) = run(dir.path(), &csv, "history.csv", false);
    assert!(ok);
    assert_eq!(err, "");
    assert!(text.contains("alerts in:          42") && text.contains("held back (inhibited)"), "{text}");
}

#[test]
fn alertmanager_json_lines_are_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let lines = "\
{\"labels\":{\"alertname\":\"DiskFull\",\"host\":\"se1\"},\"startsAt\":\"2026-01-01T10:00:00Z\",\"endsAt\":\"2026-01-01T11:00:00Z\"}\n\
{\"labels\":{\"alertname\":\"DiskFull\",\"host\":\"se2\"},\"startsAt\":\"2026-01-01T10:00:10Z\",\"endsAt\":\"2026-01-01T10:20:00Z\"}\n";
    let (ok, out, err) = run(dir.path(), lines, "alerts.jsonl", true);
    assert!(ok, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["alerts_in"], 2);
    assert_eq!(r["groups_notified"], 2, "one group per host: {r}");
    assert_eq!(r["notifications_out"], 4, "each firing, then resolved (send_resolved): {r}");
    let at: Vec<&str> = r["notifications"].as_array().unwrap().iter().map(|n| n["at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2026-01-01T10:00:30Z", "2026-01-01T10:00:40Z", "2026-01-01T10:20:40Z", "2026-01-01T11:00:30Z"]);
}

#[test]
fn bad_input_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(dir.path(), "time,name,hostname\n1,a,b\n", "h.csv", false);
    assert!(!ok && err.contains("h.csv:1: no column \"host\""), "{err}");
    let (ok, _, err) = run(dir.path(), "time,name,host,short\n1700000000,a,b,c\nyesterday,a,b,c\n", "t.csv", false);
    assert!(!ok && err.contains("t.csv:3: column \"time\""), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        "{\"labels\":{\"a\":\"b\"},\"startsAt\":\"2026-01-01T10:00:00Z\"}\n{\"labels\":",
        "x.jsonl",
        false,
    );
    assert!(!ok && err.contains("x.jsonl:2:"), "{err}");
    let (ok, _, err) = run(dir.path(), "{\"labels\":{\"a\":\"b\"}}\n", "y.jsonl", false);
    assert!(!ok && err.contains("y.jsonl:1: an alert needs startsAt"), "{err}");
}

/// Under a terminal the alerts processed are counted on a progress bar; off a terminal the
/// same command writes nothing to standard error and the same summary to standard output.
#[test]
fn a_progress_bar_is_drawn_on_a_terminal_only() {
    let script = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join("script")).find(|p| p.is_file()))
        .expect("`script` (util-linux, Debian package bsdutils) is needed to run triage under a pseudo-terminal");
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("time,name,host,short\n");
    for i in 0..2000 {
        csv.push_str(&format!("{},ServiceDown,web{},http\n", 1_700_000_000 + i * 7, i % 40));
    }
    let (ok, plain, err) = run(dir.path(), &csv, "history.csv", false);
    assert!(ok, "{err}");
    assert_eq!(err, "");
    assert!(plain.starts_with("alerts in:          2000\n") && !plain.contains("replaying"), "{plain}");

    let quote = |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let command = format!(
        "{} replay --config {} --input {}",
        quote(std::path::Path::new(env!("CARGO_BIN_EXE_triage"))),
        quote(&dir.path().join("am.yml")),
        quote(&dir.path().join("history.csv"))
    );
    let out = Command::new(script)
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    let terminal = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{terminal}{}", String::from_utf8_lossy(&out.stderr));
    assert!(terminal.contains("replaying [") && terminal.contains("/2,000 alerts ("), "no progress line: {terminal:?}");
    // The summary reaches the terminal whole (the terminal turns each newline into CRLF).
    assert!(terminal.replace("\r\n", "\n").ends_with(&plain), "{terminal:?}");
}

/// The `flapping:` section is applied as by the server: an alert that fires and resolves every
/// two minutes is held as flapping, and gives fewer notifications than without the section.
#[test]
fn the_flapping_section_holds_a_flapping_alert_as_the_server_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..12 {
        let start = jiff::Timestamp::from_second(1_767_261_600 + i * 240).unwrap();
        let end = start + jiff::SignedDuration::from_mins(2);
        lines.push_str(&format!(
            "{{\"labels\":{{\"alertname\":\"Flappy\",\"host\":\"wn1\"}},\"startsAt\":\"{start}\",\"endsAt\":\"{end}\"}}\n"
        ));
    }
    std::fs::write(dir.path().join("flap.jsonl"), &lines).unwrap();
    let replay = |config: &str| {
        std::fs::write(dir.path().join("f.yml"), config).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["replay", "--json", "--config"])
            .arg(dir.path().join("f.yml"))
            .arg("--input")
            .arg(dir.path().join("flap.jsonl"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let base = "route: {receiver: ops, group_by: [alertname], group_wait: 10s, group_interval: 1m}\n\
                receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]}]\n";
    let plain = replay(base);
    let held = replay(&format!("{base}flapping: {{changes: 4, window: 1h}}\n"));
    assert!(held["suppressed"]["flapping"].as_u64().unwrap_or(0) >= 1, "{held}");
    assert!(
        held["notifications_out"].as_u64().unwrap() < plain["notifications_out"].as_u64().unwrap(),
        "with flapping: {held}\nwithout: {plain}"
    );
}

/// A JSON array of alerts as `GET /api/v2/alerts` lists them is replayed, and without
/// `--config` the built-in configuration is used, as by `serve`.
#[test]
fn a_json_array_listing_replays_with_the_default_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let listing = r#"[
      {"annotations": {}, "endsAt": "2026-01-01T10:20:00.000Z", "fingerprint": "8d2c37f1b2a1c0de",
       "receivers": [{"name": "default"}], "startsAt": "2026-01-01T10:00:00.000Z",
       "status": {"inhibitedBy": [], "silencedBy": [], "state": "active"}, "updatedAt": "2026-01-01T10:00:00.000Z",
       "generatorURL": "http://prom/graph", "labels": {"alertname": "DiskFull", "host": "se1"}},
      {"labels": {"alertname": "DiskFull", "host": "se2"}, "startsAt": "2026-01-01T10:01:00Z"}
    ]"#;
    std::fs::write(dir.path().join("alerts.json"), listing).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .env_remove("TRIAGE_CONFIG")
        .args(["replay", "--input"])
        .arg(dir.path().join("alerts.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("alerts in:          2"), "{text}");
    assert!(!text.contains("-"), "no negative figure: {text}");
}
