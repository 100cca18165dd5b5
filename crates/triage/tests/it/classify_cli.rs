//! `triage train` and `triage eval classify`, run as the built binary.

use std::path::Path;
use std::process::{Command, Output};

const TRAINING_CSV: &str = "\
name,description,category
CephOSDDown,A Ceph OSD is down,storage
EOSSpaceLow,EOS disk space almost full,storage
DCachePoolOffline,dCache pool offline,storage
LinkDown,network link of the router down,network
PacketLossHigh,network packet loss between sites,network
DNSFailures,DNS resolution fails,network
HostCertificateExpired,the host certificate expired,authentication
VOMSProxyExpired,VOMS proxy expired,authentication
KerberosTicketRenewalFailed,Kerberos ticket renewal failed,authentication
";

fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().expect("the triage binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write test file");
    path.display().to_string()
}

fn train(input: &str, output: &str) -> Output {
    triage(&[
        "train",
        "--input",
        input,
        "--text-columns",
        "name,description",
        "--label-column",
        "category",
        "--output",
        output,
        "--trained-at",
        "2026-12-06",
        "--model-id",
        "cli-test",
    ])
}

#[test]
fn train_then_eval_prints_the_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "train.csv", TRAINING_CSV.as_bytes());
    let model = dir.path().join("model.json").display().to_string();
    let trained = train(&input, &model);
    assert!(trained.status.success(), "{}", text(&trained.stderr));
    // One line saying what was trained, and no progress spinner off a terminal.
    let said = text(&trained.stderr);
    assert!(
        said.starts_with("triage: trained model cli-test on 9 examples: 3 categories, ")
            && said.ends_with(&format!(" terms, written to {model}\n"))
            && said.lines().count() == 1,
        "{said:?}"
    );
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).expect("model written")).expect("json");
    assert_eq!(file["format_version"], 1);
    assert_eq!(file["model_id"], "cli-test");
    assert_eq!(file["trained_at"], "2026-12-06");

    let evaluated = triage(&["eval", "classify", "--model", &model, "--input", &input]);
    assert!(evaluated.status.success(), "{}", text(&evaluated.stderr));
    let report = text(&evaluated.stdout);
    assert!(report.contains("accuracy 1.000"), "{report}");
    assert!(report.contains("macro_f1 1.000"), "{report}");
    assert!(report.lines().any(|l| l.starts_with("storage ") && l.ends_with(" 3")), "{report}");
    assert!(report.contains("precision") && report.contains("recall"), "{report}");
}

#[test]
fn training_twice_gives_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "train.csv", TRAINING_CSV.as_bytes());
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    assert!(train(&input, &a.display().to_string()).status.success());
    assert!(train(&input, &b.display().to_string()).status.success());
    assert_eq!(std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
}

#[test]
fn eval_without_a_model_uses_the_default_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "eval.csv", TRAINING_CSV.as_bytes());
    let evaluated = triage(&["eval", "classify", "--input", &input]);
    assert!(evaluated.status.success(), "{}", text(&evaluated.stderr));
    assert!(text(&evaluated.stdout).contains("model default-1"));
}

#[test]
fn feedback_overrides_the_training_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "train.csv", TRAINING_CSV.as_bytes());
    let feedback = write(
        dir.path(),
        "feedback.csv",
        b"name,description,category,at\nCephOSDDown,A Ceph OSD is down,network,2026-12-06T10:00:00Z\n",
    );
    let model = dir.path().join("model.json").display().to_string();
    let trained = triage(&[
        "train",
        "--input",
        &input,
        "--text-columns",
        "name,description",
        "--label-column",
        "category",
        "--output",
        &model,
        "--feedback",
        &feedback,
    ]);
    assert!(trained.status.success(), "{}", text(&trained.stderr));
    let evaluated = triage(&["eval", "classify", "--model", &model, "--input", &input, "--threshold", "0"]);
    let report = text(&evaluated.stdout);
    assert!(!report.contains("accuracy 1.000"), "the fed-back row now disagrees with the CSV: {report}");
}

fn assert_fails_naming(output: &Output, needles: &[&str]) {
    assert!(!output.status.success(), "expected failure");
    let stderr = text(&output.stderr);
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
}

#[test]
fn bad_training_input_fails_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("m.json").display().to_string();
    let unknown_column = write(dir.path(), "cols.csv", TRAINING_CSV.as_bytes());
    let output = triage(&[
        "train",
        "--input",
        &unknown_column,
        "--text-columns",
        "name,summary",
        "--label-column",
        "category",
        "--output",
        &out,
    ]);
    assert_fails_naming(&output, &["cols.csv", "line 1", "\"summary\""]);

    let empty = write(dir.path(), "empty.csv", b"name,description,category\n");
    assert_fails_naming(&train(&empty, &out), &["empty.csv", "empty"]);

    let single = write(dir.path(), "single.csv", b"name,description,category\nA,disk,storage\nB,pool,storage\n");
    assert_fails_naming(&train(&single, &out), &["single.csv", "storage", "two categories"]);

    let ragged = write(dir.path(), "ragged.csv", b"name,description,category\nA,disk,storage\nB,pool\n");
    assert_fails_naming(&train(&ragged, &out), &["ragged.csv", "line 3"]);

    let label = write(dir.path(), "label.csv", b"name,description,category\nA,disk,storage\nB,link,netwrk\n");
    assert_fails_naming(&train(&label, &out), &["label.csv", "line 3", "netwrk"]);

    let missing = dir.path().join("missing.csv").display().to_string();
    assert_fails_naming(&train(&missing, &out), &["missing.csv", "cannot read"]);
    assert!(!Path::new(&out).exists(), "no model is written on failure");
}

#[test]
fn a_corrupt_model_file_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "train.csv", TRAINING_CSV.as_bytes());
    let model = dir.path().join("model.json");
    assert!(train(&input, &model.display().to_string()).status.success());
    let bytes = std::fs::read(&model).expect("model");
    let truncated = write(dir.path(), "truncated.json", &bytes[..bytes.len() / 2]);
    let output = triage(&["eval", "classify", "--model", &truncated, "--input", &input]);
    assert_fails_naming(&output, &["truncated.json", "not a valid model file"]);

    let future = String::from_utf8_lossy(&bytes).replacen("\"format_version\":1", "\"format_version\":9", 1);
    let future = write(dir.path(), "future.json", future.as_bytes());
    let output = triage(&["eval", "classify", "--model", &future, "--input", &input]);
    assert_fails_naming(&output, &["future.json", "version 9"]);

    let garbage = write(dir.path(), "garbage.json", b"\x00\x01\x02 not a model");
    let output = triage(&["eval", "classify", "--model", &garbage, "--input", &input]);
    assert_fails_naming(&output, &["garbage.json"]);
}

#[test]
fn eval_input_with_other_columns_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "other.csv", b"subject,kind\nDisk full,storage\n");
    let output = triage(&["eval", "classify", "--input", &input]);
    assert_fails_naming(&output, &["other.csv", "line 1", "\"name\""]);
    let output =
        triage(&["eval", "classify", "--input", &input, "--text-columns", "subject", "--label-column", "kind"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}
