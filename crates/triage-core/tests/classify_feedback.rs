//! Operator feedback merged into a training set: newest wins, noise removes, and the model
//! trained with it follows it.

use jiff::Timestamp;
use triage_core::classify::feedback::read_feedback_csv;
use triage_core::classify::{
    Category, Example, FeedbackLabel, FeedbackRecord, Model, TrainOptions, merge_feedback, train_with_feedback,
};

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).expect("valid time")
}

fn feedback(fields: &[&str], label: FeedbackLabel, seconds: i64) -> FeedbackRecord {
    FeedbackRecord { fingerprint: None, fields: fields.iter().map(|s| s.to_string()).collect(), label, at: at(seconds) }
}

fn base() -> Vec<Example> {
    vec![
        Example::new(["SquidDown", "frontier squid down"], Category::ServiceDown),
        Example::new(["LinkDown", "network link down"], Category::Network),
        Example::new(["DiskFull", "disk is full"], Category::Storage),
    ]
}

#[test]
fn feedback_overrides_older_labels_of_the_same_text() {
    let merged = merge_feedback(
        &base(),
        &[feedback(&["squid_down", "Frontier SQUID down!"], FeedbackLabel::Category(Category::Database), 10)],
    );
    assert_eq!(merged.len(), 3);
    let squid: Vec<_> = merged.iter().filter(|e| e.fields[1].to_lowercase().contains("squid")).collect();
    assert_eq!(squid.len(), 1, "the base label is replaced, not kept beside");
    assert_eq!(squid[0].category, Category::Database);
}

#[test]
fn the_newest_feedback_wins_whatever_the_order() {
    let fields = ["DiskFull", "disk is full"];
    let newer = feedback(&fields, FeedbackLabel::Category(Category::Compute), 20);
    let older = feedback(&fields, FeedbackLabel::Category(Category::Monitoring), 10);
    for records in [vec![newer.clone(), older.clone()], vec![older, newer]] {
        let merged = merge_feedback(&base(), &records);
        let disk: Vec<_> = merged.iter().filter(|e| e.fields[0] == "DiskFull").collect();
        assert_eq!(disk.len(), 1);
        assert_eq!(disk[0].category, Category::Compute);
    }
}

#[test]
fn noise_removes_the_text_and_new_texts_are_added() {
    let merged = merge_feedback(
        &base(),
        &[
            feedback(&["LinkDown", "network link down"], FeedbackLabel::Noise, 5),
            feedback(&["RucioRuleStuck", "rule stuck"], FeedbackLabel::Category(Category::DataTransfer), 6),
        ],
    );
    assert!(merged.iter().all(|e| e.fields[0] != "LinkDown"));
    assert!(merged.iter().any(|e| e.fields[0] == "RucioRuleStuck" && e.category == Category::DataTransfer));
    assert_eq!(merged.len(), 3);
}

#[test]
fn a_model_trained_with_feedback_follows_it() {
    let options = TrainOptions { model_id: "fb".into(), ..TrainOptions::default() };
    let plain = Model::train(&base(), &options).expect("trains");
    assert_eq!(plain.predict(&["SquidDown", "frontier squid down"]).0, Category::ServiceDown);
    let corrected = train_with_feedback(
        &base(),
        &[feedback(&["SquidDown", "frontier squid down"], FeedbackLabel::Category(Category::Database), 1)],
        &options,
    )
    .expect("trains");
    assert_eq!(corrected.predict(&["SquidDown", "frontier squid down"]).0, Category::Database);
}

#[test]
fn feedback_reads_from_csv_with_optional_at_and_fingerprint() {
    let csv = "name,description,category,at,fingerprint\n\
               DiskFull,disk is full,noise,2026-12-01T10:00:00Z,abc123\n\
               LinkDown,network link down,Network,,\n";
    let columns = ["name".to_string(), "description".to_string()];
    let records = read_feedback_csv(csv.as_bytes(), &columns, "category").expect("reads");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].label, FeedbackLabel::Noise);
    assert_eq!(records[0].fingerprint.as_deref(), Some("abc123"));
    assert_eq!(records[0].at, "2026-12-01T10:00:00Z".parse::<Timestamp>().expect("time"));
    assert_eq!(records[1].label, FeedbackLabel::Category(Category::Network));
    assert_eq!(records[1].at, Timestamp::UNIX_EPOCH);
    let bad = "name,description,category,at\nA,b,storage,yesterday\n";
    let error = read_feedback_csv(bad.as_bytes(), &columns, "category").expect_err("bad time");
    assert!(error.to_string().starts_with("line 2:"), "{error}");
}
