//! The "alertmanager" integration (middleware mode) against the real Alertmanager 0.25: alerts
//! forwarded with triage's extra annotations and then resolved, silences mirrored (created,
//! updated in place, expired), and how failures are classified: the upstream's validation
//! errors are permanent and quote its message, an unreachable or overloaded upstream is
//! retryable, and no error shows the upstream URL.
//!
//! What the upstream holds is read back with `amtool`, polling until it shows the expected
//! state.

use crate::support::{Amtool, DEADLINE, Peer, client, free_port, have_binaries, poll, start_alertmanager};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use triage::net::secret::SecretSource;
use triage::notify::DeliveryError;
use triage::notify::upstream::{ForwardedAlert, UpstreamSilence, UpstreamTarget};
use triage_core::LabelSet;
use triage_core::alert::Alert;
use triage_core::silence::{ApiMatcher, GettableSilence, SilenceState, SilenceStatus};

const CONFIG: &str = "\
route:
  receiver: default
  group_by: [alertname]
receivers:
  - name: default
";

const BINARIES: &[&str] = &["prometheus-alertmanager", "amtool"];

/// A target for `peer`, its URL given with a trailing slash.
fn target_for(peer: &Peer) -> UpstreamTarget {
    UpstreamTarget { url: SecretSource::Inline(format!("{}/", peer.url)), send_resolved: true, auth: None }
}

/// A firing alert as the engine hands it over (no end time), started a minute ago.
fn firing_alert(name: &str) -> Alert {
    let now = Timestamp::now();
    Alert {
        labels: LabelSet::from_pairs([("alertname", name), ("instance", "db1")]),
        annotations: LabelSet::from_pairs([("summary", "disk almost full"), ("runbook", "from the source")]),
        starts_at: now - SignedDuration::from_mins(1),
        ends_at: None,
        updated_at: now,
        generator_url: "http://prometheus:9090/graph?g0.expr=up".to_string(),
        timeout: false,
    }
}

fn enrichment() -> Vec<(String, String)> {
    [("runbook", "restart the exporter"), ("category", "storage")]
        .iter()
        .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
        .collect()
}

/// `amtool ARGS -o json` as a list, once it succeeds.
async fn amtool_json(amtool: &Amtool, args: &[&str]) -> Vec<Value> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", "json"]);
    let out = amtool.run(&all).await.expect_ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("amtool {all:?}: bad JSON ({e}): {}", out.stdout))
}

/// Polls `amtool ARGS -o json` until `accept` holds for the list; panics with the last list.
async fn wait_for_list(amtool: &Amtool, args: &[&str], what: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let found = poll(DEADLINE, || async {
        let list = amtool_json(amtool, args).await;
        accept(&list).then_some(list)
    })
    .await;
    match found {
        Some(list) => list,
        None => panic!("{what}: amtool {args:?} never showed it; last:\n{:#?}", amtool_json(amtool, args).await),
    }
}

fn named<'a>(list: &'a [Value], alertname: &str) -> Option<&'a Value> {
    list.iter().find(|a| a["labels"]["alertname"] == alertname)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_alerts_carry_extra_annotations_and_resolve() {
    if !have_binaries("forwarded_alerts_carry_extra_annotations_and_resolve", BINARIES) {
        return;
    }
    let am = start_alertmanager(CONFIG).await;
    let amtool = Amtool::new(&am.url);
    let target = target_for(&am);
    let http = client();
    let kept = ForwardedAlert::from_alert(&firing_alert("DiskFull"), &enrichment(), false);
    let overwritten = ForwardedAlert::from_alert(&firing_alert("NodeDown"), &enrichment(), true);
    target.forward(&http, &[kept.clone(), overwritten]).await.expect("forward firing alerts");

    let list = wait_for_list(&amtool, &["alert", "query"], "both alerts firing", |l| {
        named(l, "DiskFull").is_some() && named(l, "NodeDown").is_some()
    })
    .await;
    let disk = &named(&list, "DiskFull").unwrap()["annotations"];
    assert_eq!(disk["category"], "storage", "{disk}");
    assert_eq!(disk["runbook"], "from the source", "an existing annotation is kept: {disk}");
    assert_eq!(disk["summary"], "disk almost full", "{disk}");
    let node = &named(&list, "NodeDown").unwrap()["annotations"];
    assert_eq!(node["runbook"], "restart the exporter", "overwrite replaces: {node}");
    assert_eq!(named(&list, "DiskFull").unwrap()["generatorURL"], "http://prometheus:9090/graph?g0.expr=up");

    let resolved = ForwardedAlert { ends_at: Some(Timestamp::now()), ..kept };
    target.forward(&http, &[resolved]).await.expect("forward the resolution");
    wait_for_list(&amtool, &["alert", "query"], "DiskFull resolved, NodeDown still firing", |l| {
        named(l, "DiskFull").is_none() && named(l, "NodeDown").is_some()
    })
    .await;
}

/// A triage silence on `alertname=DiskFull`, started a minute ago, ending in `hours`.
fn local_silence(comment: &str, hours: i64) -> GettableSilence {
    let now = Timestamp::now();
    GettableSilence {
        id: "local-7".to_string(),
        status: SilenceStatus { state: SilenceState::Active },
        updated_at: now,
        comment: comment.to_string(),
        created_by: "alice".to_string(),
        ends_at: now + SignedDuration::from_hours(hours),
        matchers: vec![ApiMatcher {
            is_equal: true,
            is_regex: false,
            name: "alertname".into(),
            value: "DiskFull".into(),
        }],
        starts_at: now - SignedDuration::from_mins(1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirrored_silences_are_created_updated_and_expired() {
    if !have_binaries("mirrored_silences_are_created_updated_and_expired", BINARIES) {
        return;
    }
    let am = start_alertmanager(CONFIG).await;
    let amtool = Amtool::new(&am.url);
    let target = target_for(&am);
    let http = client();

    let local = local_silence("disk swap", 1);
    let id = target.create_silence(&http, &UpstreamSilence::from_gettable(&local)).await.expect("create");
    let list = amtool_json(&amtool, &["silence", "query"]).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["comment"], "disk swap [triage local-7]");
    assert_eq!(list[0]["createdBy"], "alice");

    let mut changed = UpstreamSilence::from_gettable(&local_silence("disk swap, takes longer", 3));
    changed.starts_at = local.starts_at;
    changed.id = Some(id.clone());
    let updated_id = target.create_silence(&http, &changed).await.expect("update");
    assert_eq!(updated_id, id, "a started silence with unchanged matchers is updated in place");
    let list = amtool_json(&amtool, &["silence", "query"]).await;
    assert_eq!(list.len(), 1, "still one active silence: {list:#?}");
    assert_eq!(list[0]["comment"], "disk swap, takes longer [triage local-7]");
    let expired_list = amtool_json(&amtool, &["silence", "query", "--expired"]).await;
    assert!(expired_list.is_empty(), "an in-place update leaves no expired copy: {expired_list:#?}");

    target.expire_silence(&http, &id).await.expect("expire");
    wait_for_list(&amtool, &["silence", "query"], "no active silence", <[Value]>::is_empty).await;
    target.expire_silence(&http, &id).await.expect("expiring again is done already");
    target.expire_silence(&http, "6a1f0b5e-0000-4000-8000-000000000000").await.expect("unknown id");
    target.expire_silence(&http, "not-a-uuid").await.expect("an id the upstream cannot have");

    let mut forgotten = UpstreamSilence::from_gettable(&local_silence("recreated", 1));
    forgotten.id = Some("6a1f0b5e-0000-4000-8000-000000000001".to_string());
    let recreated = target.create_silence(&http, &forgotten).await.expect("an unknown id is created anew");
    let list = amtool_json(&amtool, &["silence", "query"]).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], recreated.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_validation_errors_are_permanent() {
    if !have_binaries("upstream_validation_errors_are_permanent", BINARIES) {
        return;
    }
    let am = start_alertmanager(CONFIG).await;
    let amtool = Amtool::new(&am.url);
    let target = target_for(&am);
    let http = client();

    let mut unlabelled = ForwardedAlert::from_alert(&firing_alert("x"), &[], false);
    unlabelled.labels = LabelSet::new();
    let valid = ForwardedAlert::from_alert(&firing_alert("Valid"), &[], false);
    let err = target.forward(&http, &[valid, unlabelled]).await.expect_err("empty labels are rejected");
    assert!(matches!(&err, DeliveryError::Permanent(m) if m.contains("at least one label pair required")), "{err:?}");
    // Alertmanager keeps the valid alerts of a request it answers 400.
    wait_for_list(&amtool, &["alert", "query"], "the valid alert of the batch", |l| named(l, "Valid").is_some()).await;

    let mut relative_link = ForwardedAlert::from_alert(&firing_alert("RelativeLink"), &[], false);
    relative_link.generator_url = "graph?g0.expr=up".to_string();
    target.forward(&http, &[relative_link]).await.expect("a link the upstream rejects is left out");
    let list = wait_for_list(&amtool, &["alert", "query"], "the alert without its link", |l| {
        named(l, "RelativeLink").is_some()
    })
    .await;
    let link = &named(&list, "RelativeLink").unwrap()["generatorURL"];
    assert!(link.is_null(), "no link is listed: {link}");

    let mut past = UpstreamSilence::from_gettable(&local_silence("too late", 1));
    past.starts_at = Timestamp::now() - SignedDuration::from_hours(2);
    past.ends_at = Timestamp::now() - SignedDuration::from_hours(1);
    let err = target.create_silence(&http, &past).await.expect_err("a silence ending in the past");
    assert!(matches!(&err, DeliveryError::Permanent(m) if m.contains("in the past")), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_path_prefix_is_not_taken_for_an_unknown_silence() {
    if !have_binaries("a_wrong_path_prefix_is_not_taken_for_an_unknown_silence", BINARIES) {
        return;
    }
    let am = start_alertmanager(CONFIG).await;
    let target = UpstreamTarget {
        url: SecretSource::Inline(format!("{}/secret-prefix", am.url)),
        send_resolved: true,
        auth: None,
    };
    let err = target.expire_silence(&client(), "6a1f0b5e-0000-4000-8000-000000000000").await.expect_err("wrong path");
    assert!(matches!(&err, DeliveryError::Permanent(_)), "{err:?}");
    assert!(!err.to_string().contains("secret-prefix"), "{err}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_retryable_and_its_url_is_not_shown() {
    let url = format!("http://triage:secret-token@127.0.0.1:{}/secret-path", free_port());
    let target = UpstreamTarget { url: SecretSource::Inline(url), send_resolved: true, auth: None };
    let alert = ForwardedAlert::from_alert(&firing_alert("x"), &[], false);
    let err = target.forward(&client(), &[alert]).await.expect_err("nothing listens");
    assert!(matches!(&err, DeliveryError::Retryable { after: None, .. }), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains("secret-token") && !text.contains("secret-path"), "{text}");
    let err = target.expire_silence(&client(), "6a1f0b5e-0000-4000-8000-000000000000").await.expect_err("nothing");
    assert!(matches!(&err, DeliveryError::Retryable { .. }), "{err:?}");
}

/// Answers every connection with 503 and `Retry-After: 7`; returns the base URL.
async fn overloaded_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = conn.read(&mut request).await;
            let answer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 10\r\n\
                          Connection: close\r\n\r\noverloaded";
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_overloaded_upstream_is_retried_after_its_delay() {
    let target =
        UpstreamTarget { url: SecretSource::Inline(overloaded_server().await), send_resolved: true, auth: None };
    let alert = ForwardedAlert::from_alert(&firing_alert("x"), &[], false);
    let err = target.forward(&client(), &[alert]).await.expect_err("503");
    match err {
        DeliveryError::Retryable { message, after } => {
            assert_eq!(after, Some(std::time::Duration::from_secs(7)));
            assert!(message.contains("503") && message.contains("overloaded"), "{message}");
        }
        other => panic!("expected retryable, got {other:?}"),
    }
}
