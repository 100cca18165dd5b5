//! `amtool` (Alertmanager 0.25's own CLI) against a peer: alerts added and queried (plain,
//! with matchers, as JSON and extended), silences added with a regex matcher, queried, expired
//! and re-imported, and silenced alerts shown only with `--silenced`.
//!
//! The scenario is written once and run against the real Alertmanager (which proves the test
//! is right) and against triage; for triage the normalised outputs must also equal
//! Alertmanager's, step by step (silence ids and times differ and are replaced by
//! placeholders; table column padding is collapsed since it follows the id length).

use crate::support::{Amtool, AmtoolOutput, Kind, Peer, have_binaries, start_peer};
use serde_json::{Value, json};

const CONFIG: &str = "\
route:
  receiver: default
  group_by: [alertname]
receivers:
  - name: default
";

/// One amtool invocation as recorded for comparison.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    success: bool,
    stdout: String,
}

/// The outcome of the scenario against one peer.
struct Run {
    peer: &'static str,
    amtool: Amtool,
    steps: Vec<Step>,
    failures: Vec<String>,
    ids: Vec<String>,
    times: regex::Regex,
}

impl Run {
    fn new(peer: &Peer) -> Run {
        Run {
            peer: peer.name(),
            amtool: Amtool::new(&peer.url),
            steps: Vec::new(),
            failures: Vec::new(),
            ids: Vec::new(),
            times: regex::Regex::new(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?( UTC|Z|[+-]\d{2}:\d{2})")
                .unwrap(),
        }
    }

    /// Runs amtool and records its normalised output under `name`.
    async fn step(&mut self, name: &str, args: &[&str]) -> AmtoolOutput {
        let out = self.amtool.run(args).await;
        let stdout = self.normalise(&out.stdout);
        self.steps.push(Step { name: name.to_owned(), success: out.success, stdout });
        out
    }

    fn check(&mut self, ok: bool, what: &str, out: &AmtoolOutput) {
        if !ok {
            self.failures.push(format!("[{}] {what}\n{}", self.peer, out.describe()));
        }
    }

    fn remember_id(&mut self, id: &str) {
        if !id.is_empty() && !self.ids.iter().any(|i| i == id) {
            self.ids.push(id.to_owned());
        }
    }

    /// Normalises the last step again, once the id it printed is known.
    fn renormalise_last(&mut self, out: &AmtoolOutput) {
        let stdout = self.normalise(&out.stdout);
        if let Some(last) = self.steps.last_mut() {
            last.stdout = stdout;
        }
    }

    /// Ids become `<SILn>`, times `<TIME>`; JSON is re-serialised with sorted keys; runs of
    /// spaces in tables collapse to one.
    fn normalise(&self, text: &str) -> String {
        let mut s = text.to_owned();
        for (i, id) in self.ids.iter().enumerate() {
            s = s.replace(id.as_str(), &format!("<SIL{}>", i + 1));
        }
        let s = self.times.replace_all(&s, "<TIME>").into_owned();
        if let Ok(v) = serde_json::from_str::<Value>(&s) {
            return serde_json::to_string_pretty(&v).unwrap();
        }
        s.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
    }
}

fn parse_json(out: &AmtoolOutput) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&out.stdout).unwrap_or_default()
}

fn find_alert<'a>(alerts: &'a [Value], name: &str) -> Option<&'a Value> {
    alerts.iter().find(|a| a["labels"]["alertname"] == name)
}

/// Table rows (after the header) whose first column is `name`.
fn row<'a>(out: &'a AmtoolOutput, name: &str) -> Option<&'a str> {
    out.stdout.lines().skip(1).find(|l| l.split_whitespace().next() == Some(name))
}

/// The scenario; returns every failed expectation and the recorded steps.
async fn amtool_scenario(peer: &Peer) -> Run {
    let mut run = Run::new(peer);

    let out = run
        .step(
            "alert add DiskFull",
            &[
                "alert",
                "add",
                "alertname=DiskFull",
                "severity=warning",
                "instance=db1.cern.ch",
                "team=storage",
                "--annotation=summary=disk almost full",
                "--annotation=runbook=https://runbooks.invalid/disk",
            ],
        )
        .await;
    run.check(out.success, "alert add DiskFull exits 0", &out);
    let out = run
        .step(
            "alert add NodeDown",
            &[
                "alert",
                "add",
                "alertname=NodeDown",
                "severity=critical",
                "instance=node7.cern.ch",
                "team=compute",
                "--annotation=summary=node unreachable",
            ],
        )
        .await;
    run.check(out.success, "alert add NodeDown exits 0", &out);

    let out = run.step("alert query", &["alert", "query"]).await;
    let disk = row(&out, "DiskFull").unwrap_or_default().to_owned();
    run.check(
        disk.contains("disk almost full") && in_state(&disk, "active"),
        "alert query lists DiskFull with its summary, active",
        &out,
    );
    let node = row(&out, "NodeDown").unwrap_or_default().to_owned();
    run.check(
        node.contains("node unreachable") && in_state(&node, "active"),
        "alert query lists NodeDown, active",
        &out,
    );

    let out = run.step("alert query alertname=DiskFull", &["alert", "query", "alertname=DiskFull"]).await;
    run.check(
        row(&out, "DiskFull").is_some() && row(&out, "NodeDown").is_none(),
        "alert query alertname=DiskFull lists only DiskFull",
        &out,
    );
    let out = run.step("alert query severity=~crit.*", &["alert", "query", "severity=~crit.*"]).await;
    run.check(
        row(&out, "NodeDown").is_some() && row(&out, "DiskFull").is_none(),
        "alert query severity=~crit.* lists only NodeDown",
        &out,
    );

    let out = run.step("alert query -o json", &["alert", "query", "-o", "json"]).await;
    let alerts = parse_json(&out);
    let disk = find_alert(&alerts, "DiskFull").cloned().unwrap_or_default();
    run.check(
        alerts.len() == 2
            && disk["labels"]
                == json!({"alertname": "DiskFull", "severity": "warning",
                          "instance": "db1.cern.ch", "team": "storage"})
            && disk["annotations"]
                == json!({"summary": "disk almost full",
                          "runbook": "https://runbooks.invalid/disk"})
            && disk["status"]["state"] == "active"
            && disk["status"]["silencedBy"] == json!([])
            && disk["receivers"] == json!([{"name": "default"}]),
        "alert query -o json shows both alerts with their labels, annotations, state, receivers",
        &out,
    );

    let out = run.step("alert query -o extended", &["alert", "query", "-o", "extended"]).await;
    run.check(
        out.stdout.contains(r#"alertname="DiskFull""#)
            && out.stdout.contains(r#"instance="db1.cern.ch""#)
            && out.stdout.contains(r#"summary="disk almost full""#),
        "alert query -o extended shows labels and annotations",
        &out,
    );

    let out = run
        .step(
            "silence add",
            &[
                "silence",
                "add",
                "instance=~db.*.cern.ch",
                "alertname=DiskFull",
                "--duration=2h",
                "--comment=disk maintenance",
                "--author=tester",
            ],
        )
        .await;
    let id = out.stdout.trim().to_owned();
    run.check(
        out.success && !id.is_empty() && !id.contains(char::is_whitespace),
        "silence add exits 0 and prints one id",
        &out,
    );
    run.remember_id(&id);
    run.renormalise_last(&out);

    let out = run.step("silence query", &["silence", "query"]).await;
    run.check(
        out.stdout.contains(&id)
            && out.stdout.contains(r#"instance=~"db.*.cern.ch""#)
            && out.stdout.contains("tester")
            && out.stdout.contains("disk maintenance"),
        "silence query shows the silence with its regex matcher, author, comment",
        &out,
    );
    let out = run.step("silence query -q", &["silence", "query", "-q"]).await;
    run.check(out.stdout.trim() == id, "silence query -q prints only the id", &out);
    let out = run.step("silence query alertname=DiskFull", &["silence", "query", "alertname=DiskFull"]).await;
    run.check(out.stdout.contains(&id), "silence query alertname=DiskFull finds the silence", &out);

    let out = run.step("silence query -o json", &["silence", "query", "-o", "json"]).await;
    let exported = out.stdout.clone();
    let silences = parse_json(&out);
    let sil = silences.first().cloned().unwrap_or_default();
    let duration = span_minutes(&sil);
    run.check(
        silences.len() == 1
            && sil["id"] == id.as_str()
            && sil["status"]["state"] == "active"
            && sil["createdBy"] == "tester"
            && sil["comment"] == "disk maintenance"
            && has_matcher(&sil, "instance", "db.*.cern.ch", true)
            && has_matcher(&sil, "alertname", "DiskFull", false)
            && duration.is_some_and(|m| (119.0..=121.0).contains(&m)),
        "silence query -o json: one active silence, its matchers, author, comment, 2h long",
        &out,
    );

    let out = run.step("alert query (silenced)", &["alert", "query"]).await;
    run.check(
        row(&out, "DiskFull").is_none() && row(&out, "NodeDown").is_some(),
        "alert query hides the silenced DiskFull",
        &out,
    );
    let out = run.step("alert query -s", &["alert", "query", "-s"]).await;
    let disk = row(&out, "DiskFull").unwrap_or_default().to_owned();
    run.check(
        in_state(&disk, "suppressed") && row(&out, "NodeDown").is_none(),
        "alert query -s shows only the silenced DiskFull, suppressed",
        &out,
    );
    let out = run.step("alert query --silenced -o json", &["alert", "query", "--silenced", "-o", "json"]).await;
    let alerts = parse_json(&out);
    let disk = find_alert(&alerts, "DiskFull").cloned().unwrap_or_default();
    run.check(
        alerts.len() == 1 && disk["status"]["state"] == "suppressed" && disk["status"]["silencedBy"] == json!([id]),
        "alert query --silenced -o json: DiskFull suppressed, silencedBy the silence",
        &out,
    );

    let out = run.step("silence expire", &["silence", "expire", &id]).await;
    run.check(out.success, "silence expire exits 0", &out);
    let out = run.step("silence query (expired)", &["silence", "query"]).await;
    run.check(!out.stdout.contains(&id), "an expired silence is not listed", &out);
    let out = run.step("silence query --expired", &["silence", "query", "--expired"]).await;
    run.check(out.stdout.contains(&id), "silence query --expired lists the expired silence", &out);
    let out = run.step("alert query (unsilenced)", &["alert", "query"]).await;
    run.check(
        row(&out, "DiskFull").is_some() && row(&out, "NodeDown").is_some(),
        "after expiry alert query lists DiskFull again",
        &out,
    );

    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), &exported).expect("write export");
    let path = file.path().to_str().expect("utf-8 path").to_owned();
    let out = run.step("silence import", &["silence", "import", &path]).await;
    let new_id = out.stdout.trim().to_owned();
    run.check(out.success && !new_id.is_empty() && new_id != id, "silence import exits 0 and prints a new id", &out);
    run.remember_id(&new_id);
    run.renormalise_last(&out);
    let out = run.step("silence query -q (imported)", &["silence", "query", "-q"]).await;
    run.check(out.stdout.trim() == new_id, "after import one active silence, the new one", &out);
    let out = run.step("silence query -o json (imported)", &["silence", "query", "-o", "json"]).await;
    let silences = parse_json(&out);
    let sil = silences.first().cloned().unwrap_or_default();
    run.check(
        silences.len() == 1
            && sil["comment"] == "disk maintenance"
            && has_matcher(&sil, "instance", "db.*.cern.ch", true),
        "the imported silence keeps matchers and comment",
        &out,
    );
    let out = run.step("alert query -s (imported)", &["alert", "query", "-s"]).await;
    run.check(row(&out, "DiskFull").is_some(), "the imported silence silences DiskFull again", &out);
    run
}

/// Whether a table row's last column (the state) is `state`.
fn in_state(row: &str, state: &str) -> bool {
    row.split_whitespace().last() == Some(state)
}

fn has_matcher(silence: &Value, name: &str, value: &str, regex: bool) -> bool {
    silence["matchers"].as_array().is_some_and(|ms| {
        ms.iter().any(|m| {
            m["name"] == name && m["value"] == value && m["isRegex"] == regex && m["isEqual"].as_bool().unwrap_or(true)
        })
    })
}

fn span_minutes(silence: &Value) -> Option<f64> {
    let start: jiff::Timestamp = silence["startsAt"].as_str()?.parse().ok()?;
    let end: jiff::Timestamp = silence["endsAt"].as_str()?.parse().ok()?;
    Some((end.as_millisecond() - start.as_millisecond()) as f64 / 60_000.0)
}

async fn run_against(kind: Kind) -> Run {
    let peer = start_peer(kind, CONFIG).await;
    amtool_scenario(&peer).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amtool_against_alertmanager() {
    if !have_binaries("amtool_against_alertmanager", &["amtool", "prometheus-alertmanager"]) {
        return;
    }
    let run = run_against(Kind::Alertmanager).await;
    assert!(run.failures.is_empty(), "{}", run.failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amtool_against_triage_matches_alertmanager() {
    if !have_binaries("amtool_against_triage_matches_alertmanager", &["amtool", "prometheus-alertmanager"]) {
        return;
    }
    let reference = run_against(Kind::Alertmanager).await;
    assert!(
        reference.failures.is_empty(),
        "the scenario fails against Alertmanager itself:\n{}",
        reference.failures.join("\n\n")
    );
    let triage = run_against(Kind::Triage).await;

    for (am, tr) in reference.steps.iter().zip(&triage.steps) {
        eprintln!("== {}\n-- alertmanager:\n{}\n-- triage:\n{}", am.name, am.stdout, tr.stdout);
    }
    let mut problems = triage.failures.clone();
    for (am, tr) in reference.steps.iter().zip(&triage.steps) {
        if am != tr {
            problems.push(format!(
                "[{}] output differs from Alertmanager's (normalised):\n--- alertmanager (success={}):\n{}\n--- triage (success={}):\n{}",
                am.name, am.success, am.stdout, tr.success, tr.stdout
            ));
        }
    }
    assert_eq!(reference.steps.len(), triage.steps.len(), "step count");
    assert!(
        problems.is_empty(),
        "{} problem(s) with amtool against triage:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
