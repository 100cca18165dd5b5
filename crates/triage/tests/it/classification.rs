//! Categories end to end with the real binary: notified alerts carry the category of the
//! running model; `/api/v2/classify` answers for any text; feedback is stored and exported as
//! a CSV that `triage train --feedback` reads; a model file from `triage train` is used, and
//! a corrupt one leaves the previous model in use.

use crate::support::{AlertSpec, DEADLINE, WebhookSink, client, poll, post_alerts};
use serde_json::{Value, json};

fn config(sink: &WebhookSink, classification: &str) -> String {
    format!(
        r#"
route: {{receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1s}}
receivers: [{{name: ops, webhook_configs: [{{url: '{}'}}]}}]
{classification}
"#,
        sink.url("/hook")
    )
}

fn triage(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn notified_category(sink: &WebhookSink, alertname: &str) -> Option<(String, f64)> {
    sink.received().iter().flat_map(|r| r.body["alerts"].as_array().cloned().unwrap_or_default()).find_map(|a| {
        (a["labels"]["alertname"] == alertname).then(|| {
            (
                a["annotations"]["category"].as_str().unwrap_or("").to_string(),
                a["annotations"]["category_confidence"].as_str().unwrap_or("nan").parse().unwrap_or(f64::NAN),
            )
        })
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_carry_categories_and_feedback_is_stored_for_training() {
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &config(&sink, "classification: {}")).await;
    post_alerts(
        &base,
        &[AlertSpec::new(&[("alertname", "DCachePoolFull"), ("site", "T1_DE_KIT")])
            .annotations(&[("summary", "dCache pool disk space almost full on the storage element")])],
    )
    .await;
    let (category, confidence) = poll(DEADLINE, || notified_category(&sink, "DCachePoolFull")).await.expect("notified");
    assert_eq!(category, "storage");
    assert!(confidence > 0.25 && confidence <= 1.0, "{confidence}");

    let answer: Value = client()
        .post(format!("{base}/api/v2/classify"))
        .json(&json!({"labels": {"alertname": "HostNetworkReceiveErrors"}, "annotations": {"summary": "network interface packet loss"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["category"], "network", "{answer}");

    // Feedback on the held alert, then on an alert given by its labels.
    let alerts: Value = client().get(format!("{base}/api/v2/alerts")).send().await.unwrap().json().await.unwrap();
    let fp = alerts[0]["fingerprint"].as_str().unwrap().to_string();
    let r = client()
        .post(format!("{base}/api/v2/feedback"))
        .json(&json!({"fingerprint": fp, "category": "data_transfer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = client()
        .post(format!("{base}/api/v2/feedback"))
        .json(&json!({"labels": {"alertname": "Watchdog"}, "category": "noise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for (body, needle) in [
        (json!({"fingerprint": fp, "category": "weather"}), "noise"),
        (json!({"fingerprint": "0000000000000001", "category": "storage"}), "no alert"),
        (json!({"category": "storage"}), "fingerprint or its labels"),
    ] {
        let r = client().post(format!("{base}/api/v2/feedback")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(text.contains(needle), "{text}");
    }
    let csv = client().get(format!("{base}/api/v2/feedback")).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "at,fingerprint,alertname,summary,description,labels,category");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines.iter().any(|l| l.contains("DCachePoolFull") && l.ends_with(",data_transfer")), "{csv}");
    assert!(lines.iter().any(|l| l.contains("Watchdog") && l.ends_with(",noise")), "{csv}");

    // The exported feedback trains a model with `triage train`.
    let history = dir.path().join("history.csv");
    std::fs::write(
        &history,
        "alertname,summary,description,labels,category\n\
         DiskFull,disk almost full,,site=T2_X,storage\n\
         LinkDown,network link down,,site=T2_X,network\n\
         DCachePoolFull,dcache pool full,,site=T1_DE_KIT,storage\n\
         PacketLoss,packet loss on the link,,site=T2_Y,network\n",
    )
    .unwrap();
    let feedback = dir.path().join("feedback.csv");
    std::fs::write(&feedback, &csv).unwrap();
    let model = dir.path().join("model.json");
    let (ok, out) = triage(&[
        "train",
        "--input",
        history.to_str().unwrap(),
        "--text-columns",
        "alertname,summary,description,labels",
        "--label-column",
        "category",
        "--feedback",
        feedback.to_str().unwrap(),
        "--output",
        model.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trained_model_file_is_used_and_a_corrupt_one_leaves_it_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    // A deliberately unusual labelling: disk alerts are "database" here.
    std::fs::write(
        &history,
        "alertname,summary,category\n\
         DiskFull,disk almost full,database\n\
         DiskSlow,disk latency high,database\n\
         LinkDown,network link down,network\n\
         PacketLoss,packet loss,network\n",
    )
    .unwrap();
    let model = dir.path().join("model.json");
    let (ok, out) = triage(&[
        "train",
        "--input",
        history.to_str().unwrap(),
        "--text-columns",
        "alertname,summary",
        "--label-column",
        "category",
        "--output",
        model.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    let sink = WebhookSink::start();
    let section = format!("classification: {{model_file: '{}', threshold: 0.1}}", model.display());
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &config(&sink, &section)).await;
    post_alerts(&base, &[AlertSpec::new(&[("alertname", "DiskFull")]).annotations(&[("summary", "disk almost full")])])
        .await;
    let (category, _) = poll(DEADLINE, || notified_category(&sink, "DiskFull")).await.expect("notified");
    assert_eq!(category, "database", "the trained model decides");

    std::fs::write(&model, b"{\"format\": \"triage-classifier\", \"version\": 99").unwrap();
    let r = client().post(format!("{base}/-/reload")).send().await.unwrap();
    assert!(r.status().is_success());
    let metrics = client().get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("triage_model_load_errors_total 1"), "{metrics}");
    let answer: Value = client()
        .post(format!("{base}/api/v2/classify"))
        .json(&json!({"labels": {"alertname": "DiskSlow"}, "annotations": {"summary": "disk latency high"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["category"], "database", "the previous model stays: {answer}");
}
