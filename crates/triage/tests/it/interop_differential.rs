//! Differential test: triage against the real Alertmanager 0.25, same config, same alerts.
//!
//! What runs. Both servers load the same `alertmanager.yml` (below), differing only in the
//! webhook URL: each notifies its own [`WebhookSink`]. The config exercises the parts of
//! Alertmanager whose observable output a drop-in replacement must reproduce:
//! - routing: a child route matching `team="db"` with `continue: true`, so its alerts also
//!   reach the next matching sibling; the root route as fallback;
//! - grouping: `group_by: [alertname, cluster]`, `group_by: ['...']` (one group per alert)
//!   and the root's `group_by: [alertname]`; group_wait 1s, group_interval 2s, and a
//!   repeat_interval of 3s on one route (1h elsewhere);
//! - inhibition: critical alerts mute warnings in the same cluster;
//! - `send_resolved` true on two receivers and false on one; `max_alerts: 2` on one receiver
//!   (so `truncatedAlerts` is non-zero once a third alert joins);
//! - receiver names with `-` and `.` (`team-db`, `oncall.primary`): Alertmanager puts the
//!   name into the payload's `receiver` field through Go's `regexp.QuoteMeta`.
//!
//! The same timeline is played against both servers at once. It is driven by what each
//! server sends, not by the clock: a step starts once the previous step's notifications have
//! arrived from that server (each wait is bounded). The timeline: fire A1, A2 (DiskFull,
//! cluster c1, critical), B1 (NodeDown, c2, critical), W1 (HighLatency, c1, warning: inhibited
//! by A*) and W2 (HighLatency, c3, warning); fire A3; wait for a repeat of B1's group; resolve
//! A1 (endsAt = now); resolve A2 and A3 (which lifts W1's inhibition); resolve B1, W1, W2;
//! then wait until both sinks have been quiet for 5s.
//!
//! What is compared. Notifications are grouped by (receiver, groupLabels), the receiver
//! being known by its webhook URL path (so a wrong `receiver` field is reported as such).
//! For each group, the ordered sequence of notifications must be equal, each reduced to: the
//! payload's `version`, `groupKey`, `receiver`, `status`, `groupLabels`, `commonLabels`,
//! `commonAnnotations`, `truncatedAlerts`, and per alert (in payload order) its `status`,
//! `labels`, `annotations`, `fingerprint`, `generatorURL` and whether `endsAt` is the zero
//! time. The set of groups notified must be equal too.
//!
//! What is normalised, and why. `externalURL` names each server's own address; `startsAt`
//! and `endsAt` are wall-clock times that differ between the two runs (only endsAt's
//! zero-ness is kept). Identical consecutive notifications of a group are collapsed into one:
//! how many repeat_interval re-sends fit into a step depends on timing, not on behaviour;
//! that repeats happen at all is checked by the timeline (it waits for one).
//! Exact send times are never compared.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::support::{AlertSpec, Kind, Peer, Received, WebhookSink, have_binaries, post_alerts, start_peer};
use serde_json::{Value, json};

const CONFIG: &str = r#"global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - receiver: team-db
      matchers: ['team="db"']
      group_by: [alertname, cluster]
      continue: true
    - receiver: oncall.primary
      matchers: ['severity="critical"']
      group_by: ['...']
      repeat_interval: 3s
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
receivers:
  - name: default
    webhook_configs:
      - url: "{SINK}/default"
        send_resolved: false
  - name: team-db
    webhook_configs:
      - url: "{SINK}/team-db"
        send_resolved: true
        max_alerts: 2
  - name: oncall.primary
    webhook_configs:
      - url: "{SINK}/oncall"
        send_resolved: true
"#;

/// How long one timeline step may wait for a server's notifications. After the first miss a
/// server gets a shorter wait, so a broken server fails in bounded time.
const STEP_WAIT: Duration = Duration::from_secs(20);
const STEP_WAIT_AFTER_MISS: Duration = Duration::from_secs(6);

fn alert(name: &str, cluster: &str, instance: &str, severity: &str, team: &str) -> AlertSpec {
    let summary = format!("{name} on {instance}");
    AlertSpec::new(&[
        ("alertname", name),
        ("cluster", cluster),
        ("instance", instance),
        ("severity", severity),
        ("team", team),
    ])
    .annotations(&[("summary", &summary), ("runbook", "https://runbooks.invalid/triage")])
}

/// Instances of the alerts in `body` that have `status`.
fn instances(body: &Value, status: &str) -> BTreeSet<String> {
    body["alerts"]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .filter(|a| a["status"] == status)
                .filter_map(|a| a["labels"]["instance"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Whether `r` went to the receiver whose webhook URL ends with `path`. Receivers are told
/// apart by URL path rather than by the payload's `receiver` field, so that a difference in
/// that field shows up in the comparison instead of stalling the timeline.
fn to(r: &Received, path: &str) -> bool {
    r.path == path
}

/// Whether `r` is a notification for the `...` group of the alert on `instance`.
fn oncall_for(r: &Received, instance: &str) -> bool {
    to(r, "/oncall") && r.body["groupLabels"]["instance"] == instance
}

/// Plays the timeline against one server; returns the steps that did not complete.
struct Timeline<'a> {
    peer: &'a Peer,
    sink: &'a WebhookSink,
    misses: Vec<String>,
}

impl Timeline<'_> {
    async fn post(&self, alerts: &[&AlertSpec]) {
        let alerts: Vec<AlertSpec> = alerts.iter().map(|a| (*a).clone()).collect();
        post_alerts(&self.peer.url, &alerts).await;
    }

    /// Waits until a notification received at or after `from` satisfies `pred`.
    async fn expect(&mut self, from: usize, what: &str, pred: impl Fn(&Received) -> bool) {
        let wait = if self.misses.is_empty() { STEP_WAIT } else { STEP_WAIT_AFTER_MISS };
        let ok = self.sink.wait_until(wait, |r| r.iter().skip(from).any(&pred)).await;
        if !ok {
            self.misses.push(format!("[{}] timeline step not reached within {wait:?}: {what}", self.peer.name()));
        }
    }

    async fn run(mut self) -> Vec<String> {
        let a1 = alert("DiskFull", "c1", "a1", "critical", "db");
        let a2 = alert("DiskFull", "c1", "a2", "critical", "db");
        let a3 = alert("DiskFull", "c1", "a3", "critical", "db");
        let b1 = alert("NodeDown", "c2", "b1", "critical", "infra");
        let w1 = alert("HighLatency", "c1", "w1", "warning", "web");
        let w2 = alert("HighLatency", "c3", "w2", "warning", "web");

        let from = self.sink.len();
        self.post(&[&a1, &a2, &b1, &w1, &w2]).await;
        self.expect(from, "team-db notified of A1, A2 firing", |r| {
            to(r, "/team-db") && instances(&r.body, "firing") == set(&["a1", "a2"])
        })
        .await;
        for inst in ["a1", "a2", "b1"] {
            self.expect(from, &format!("oncall notified of {inst} firing"), |r| {
                oncall_for(r, inst) && r.body["status"] == "firing"
            })
            .await;
        }
        self.expect(from, "default notified of W2 only (W1 inhibited)", |r| {
            to(r, "/default") && instances(&r.body, "firing") == set(&["w2"])
        })
        .await;

        let from = self.sink.len();
        self.post(&[&a3]).await;
        self.expect(from, "team-db notified of 3 alerts, 1 truncated", |r| {
            to(r, "/team-db") && r.body["truncatedAlerts"] == 1
        })
        .await;
        self.expect(from, "oncall notified of A3 firing", |r| oncall_for(r, "a3") && r.body["status"] == "firing")
            .await;

        let from = self.sink.len();
        self.expect(from, "oncall repeats B1 after repeat_interval", |r| {
            oncall_for(r, "b1") && r.body["status"] == "firing"
        })
        .await;

        let from = self.sink.len();
        self.post(&[&a1.resolved_now()]).await;
        self.expect(from, "team-db notified of A1 resolved", |r| {
            to(r, "/team-db") && instances(&r.body, "resolved").contains("a1")
        })
        .await;
        self.expect(from, "oncall notified of A1 resolved", |r| oncall_for(r, "a1") && r.body["status"] == "resolved")
            .await;

        let from = self.sink.len();
        self.post(&[&a2.resolved_now(), &a3.resolved_now()]).await;
        self.expect(from, "team-db notified of all resolved", |r| to(r, "/team-db") && r.body["status"] == "resolved")
            .await;
        self.expect(from, "default notified of W1, W2 (inhibition lifted)", |r| {
            to(r, "/default") && instances(&r.body, "firing") == set(&["w1", "w2"])
        })
        .await;

        let from = self.sink.len();
        self.post(&[&b1.resolved_now(), &w1.resolved_now(), &w2.resolved_now()]).await;
        self.expect(from, "oncall notified of B1 resolved", |r| oncall_for(r, "b1") && r.body["status"] == "resolved")
            .await;

        if !self.sink.wait_quiet(Duration::from_secs(5), Duration::from_secs(40)).await {
            self.misses.push(format!("[{}] still notifying 40s after everything was resolved", self.peer.name()));
        }
        self.misses
    }
}

/// A notification reduced to what must be equal between the two servers.
fn reduce(r: &Received) -> Value {
    let b = &r.body;
    let alerts: Vec<Value> = b["alerts"]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .map(|a| {
                    json!({
                        "status": a["status"],
                        "labels": a["labels"],
                        "annotations": a["annotations"],
                        "fingerprint": a["fingerprint"],
                        "generatorURL": a["generatorURL"],
                        "endsAtZero": a["endsAt"] == "0001-01-01T00:00:00Z",
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "path": r.path,
        "version": b["version"],
        "groupKey": b["groupKey"],
        "receiver": b["receiver"],
        "status": b["status"],
        "groupLabels": b["groupLabels"],
        "commonLabels": b["commonLabels"],
        "commonAnnotations": b["commonAnnotations"],
        "truncatedAlerts": r.body["truncatedAlerts"],
        "alerts": alerts,
    })
}

/// Per group (webhook path, i.e. receiver in the config, + groupLabels), the reduced notifications in arrival order with
/// identical consecutive ones collapsed.
fn sequences(received: &[Received]) -> BTreeMap<String, Vec<Value>> {
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in received {
        let key = format!("{} {}", r.path, r.body["groupLabels"]);
        let seq = groups.entry(key).or_default();
        let n = reduce(r);
        if seq.last() != Some(&n) {
            seq.push(n);
        }
    }
    groups
}

fn pretty(seq: &[Value]) -> String {
    seq.iter().enumerate().map(|(i, v)| format!("  [{i}] {v}")).collect::<Vec<_>>().join("\n")
}

/// Every difference between the two servers' notification sequences.
fn compare(am: &BTreeMap<String, Vec<Value>>, tr: &BTreeMap<String, Vec<Value>>) -> Vec<String> {
    let mut diffs = Vec::new();
    let keys: BTreeSet<&String> = am.keys().chain(tr.keys()).collect();
    for key in keys {
        match (am.get(key), tr.get(key)) {
            (Some(a), None) => diffs.push(format!("group {key}: notified by alertmanager only:\n{}", pretty(a))),
            (None, Some(t)) => diffs.push(format!("group {key}: notified by triage only:\n{}", pretty(t))),
            (Some(a), Some(t)) if a != t => {
                let first = a.iter().zip(t).position(|(x, y)| x != y).unwrap_or(a.len().min(t.len()));
                let mut detail = String::new();
                if let (Some(x), Some(y)) = (a.get(first), t.get(first)) {
                    let xo = x.as_object().unwrap();
                    let yo = y.as_object().unwrap();
                    for (field, xv) in xo {
                        if yo.get(field) != Some(xv) {
                            detail.push_str(&format!(
                                "    field {field}: alertmanager {xv} / triage {}\n",
                                yo.get(field).unwrap_or(&Value::Null)
                            ));
                        }
                    }
                }
                diffs.push(format!(
                    "group {key}: sequences differ from notification #{first}\n{detail}  alertmanager:\n{}\n  triage:\n{}",
                    pretty(a),
                    pretty(t)
                ));
            }
            _ => {}
        }
    }
    diffs
}

/// Starts a server of `kind` with its own sink and plays the timeline on it.
async fn play(kind: Kind) -> (Vec<String>, Vec<Received>) {
    let sink = WebhookSink::start();
    let config = CONFIG.replace("{SINK}", &sink.url(""));
    let peer = start_peer(kind, &config).await;
    let misses = Timeline { peer: &peer, sink: &sink, misses: Vec::new() }.run().await;
    (misses, sink.received())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_notifies_like_alertmanager() {
    if !have_binaries("triage_notifies_like_alertmanager", &["prometheus-alertmanager"]) {
        return;
    }
    let ((am_misses, am_received), (tr_misses, tr_received)) =
        tokio::join!(play(Kind::Alertmanager), play(Kind::Triage));
    assert!(
        am_misses.is_empty(),
        "the timeline does not hold against Alertmanager itself (the test is wrong):\n{}\nreceived:\n{}",
        am_misses.join("\n"),
        crate::support::webhook::describe(&am_received)
    );
    let am = sequences(&am_received);
    let tr = sequences(&tr_received);
    let mut problems = tr_misses;
    problems.extend(compare(&am, &tr));
    assert!(
        problems.is_empty(),
        "{} difference(s) between triage and Alertmanager:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

/// The timeline alone against Alertmanager: proves the harness and the expectations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_holds_against_alertmanager() {
    if !have_binaries("timeline_holds_against_alertmanager", &["prometheus-alertmanager"]) {
        return;
    }
    let (misses, received) = play(Kind::Alertmanager).await;
    assert!(misses.is_empty(), "{}\nreceived:\n{}", misses.join("\n"), crate::support::webhook::describe(&received));
    let groups = sequences(&received);
    for (key, seq) in &groups {
        eprintln!("group {key}:\n{}", pretty(seq));
    }
    // a1, a2, a3, b1 under oncall; DiskFull/c1 under team-db; HighLatency under default.
    assert_eq!(groups.len(), 6, "groups: {:#?}", groups.keys());
}
