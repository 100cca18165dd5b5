//! The default model and the classifier around it: held-out figures, obvious alerts in the
//! obvious category, rules before the model, the threshold, and the GGUS issue-type table.

use triage_core::classify::default_model::{HELD_OUT_PERCENT, default_classifier, default_model, held_out_evaluation};
use triage_core::classify::{Category, Classifier, Decision, Input, KeywordRule, RuleSet};

fn alert(name: &str) -> Input {
    Input { alertname: name.to_string(), ..Input::default() }
}

#[test]
fn held_out_figures_stay_above_a_floor() {
    let report = held_out_evaluation(Classifier::DEFAULT_THRESHOLD).expect("trains");
    eprintln!(
        "held out {HELD_OUT_PERCENT}% ({} examples, trained on {}): model accuracy {:.3} macro-F1 {:.3}; \
         with threshold accuracy {:.3} macro-F1 {:.3}",
        report.model.total,
        report.trained_on,
        report.model.accuracy,
        report.model.macro_f1,
        report.with_threshold.accuracy,
        report.with_threshold.macro_f1
    );
    for s in &report.model.per_category {
        eprintln!(
            "  {:<20} precision {:.2} recall {:.2} f1 {:.2} support {}",
            s.category, s.precision, s.recall, s.f1, s.support
        );
    }
    assert!(report.model.accuracy >= 0.85, "accuracy {}", report.model.accuracy);
    assert!(report.model.macro_f1 >= 0.80, "macro-F1 {}", report.model.macro_f1);
    assert_eq!(report.model.per_category.len(), Category::ALL.len(), "every category is held out and scored");
}

#[test]
fn obvious_alert_names_get_the_obvious_category() {
    let classifier = default_classifier();
    let cases = [
        ("CephOSDDown", Category::Storage),
        ("EOSDiskSpaceLow", Category::Storage),
        ("DCachePoolFull", Category::Storage),
        ("HostNetworkReceiveErrors", Category::Network),
        ("NetworkPacketLossHigh", Category::Network),
        ("SSLCertificateExpiringSoon", Category::Authentication),
        ("VOMSProxyExpired", Category::Authentication),
        ("KerberosAuthenticationFailures", Category::Authentication),
        ("FTSTransferFailuresHigh", Category::DataTransfer),
        ("RucioRulesStuck", Category::DataTransfer),
        ("SAMTestsFailing", Category::SiteAvailability),
        ("CRABTasksFailing", Category::WorkloadManagement),
        ("PostgresqlTooManyConnections", Category::Database),
        ("PrometheusRuleEvaluationFailures", Category::Monitoring),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(name, expected)| {
            let got = classifier.classify(&alert(name));
            (got.category != *expected).then(|| format!("{name}: expected {expected}, got {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn ticket_subjects_and_labels_are_read() {
    let classifier = default_classifier();
    let ticket = Input { subject: "Transfers failing from T1_US_FNAL to T2_IT_Pisa".into(), ..Input::default() };
    assert_eq!(classifier.classify(&ticket).category, Category::DataTransfer);
    let labelled = Input {
        alertname: "ProbeFailed".into(),
        labels: vec![("service".into(), "voms".into()), ("instance".into(), "voms2.cern.ch:8443".into())],
        summary: "VOMS server probe failed, proxies cannot be issued".into(),
        ..Input::default()
    };
    assert_eq!(classifier.classify(&labelled).category, Category::Authentication);
    assert_eq!(
        labelled.fields(),
        ["ProbeFailed", "", "VOMS server probe failed, proxies cannot be issued", "", "voms"]
    );
}

#[test]
fn confidence_is_a_probability_and_low_confidence_is_other() {
    let classifier = default_classifier();
    let sure = classifier.classify(&alert("CephOSDDown"));
    assert_eq!(sure.decided_by, Decision::Model);
    assert!(sure.confidence > 0.5 && sure.confidence <= 1.0, "{sure:?}");
    let strict = default_classifier().with_threshold(0.999_999);
    let unsure = strict.classify(&alert("CephOSDDown"));
    assert_eq!(unsure.category, Category::Other);
    assert_eq!(unsure.decided_by, Decision::BelowThreshold { predicted: Category::Storage });
    assert!((unsure.confidence - sure.confidence).abs() < 1e-12);
}

#[test]
fn rules_decide_before_the_model() {
    let rules = RuleSet::new(vec![
        KeywordRule::new("heartbeat", Category::Other, &["watchdog", "heartbeat"]).expect("rule"),
        KeywordRule::new("ceph", Category::Network, &["ceph osd"]).expect("rule"),
    ]);
    let classifier = default_classifier().with_rules(rules);
    let decided = classifier.classify(&alert("CephOSDDown"));
    assert_eq!((decided.category, decided.confidence), (Category::Network, 1.0));
    assert_eq!(decided.decided_by, Decision::Rule("ceph".into()));
    assert_eq!(classifier.classify(&alert("EOSSpaceLow")).decided_by, Decision::Model);
}

#[test]
fn the_default_model_is_trained_once_and_deterministically() {
    let header = default_model().header();
    assert_eq!(header.model_id, "default-1");
    assert_eq!(header.categories.len(), Category::ALL.len());
    assert!(std::ptr::eq(default_model(), default_model()));
    let retrained = triage_core::classify::Model::train(
        &triage_core::classify::default_model::default_examples(),
        &triage_core::classify::default_model::default_train_options(),
    )
    .expect("trains");
    assert_eq!(retrained.to_json(), default_model().to_json());
}

#[test]
fn every_ggus_issue_type_maps_onto_a_category() {
    let csv = include_str!("../../../testdata/classify/ggus_issue_types.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut seen = 0;
    for row in reader.records() {
        let row = row.expect("valid csv");
        let issue_type = row.get(1).expect("issue_type column");
        assert!(Category::from_ggus_issue_type(issue_type).is_some(), "{issue_type} is not mapped");
        seen += 1;
    }
    assert!(seen > 50);
    assert_eq!(Category::from_ggus_issue_type("Storage Systems"), Some(Category::Storage));
    assert_eq!(Category::from_ggus_issue_type("CMS_Data Transfers"), Some(Category::DataTransfer));
}
