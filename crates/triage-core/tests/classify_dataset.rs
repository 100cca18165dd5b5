//! Labelled CSV, held-out splits and the evaluation figures.

use triage_core::classify::dataset::DatasetError;
use triage_core::classify::metrics::Evaluation;
use triage_core::classify::{Category, Example, read_labelled_csv, split_held_out};

fn columns() -> Vec<String> {
    vec!["name".to_string(), "description".to_string()]
}

#[test]
fn labelled_csv_reads_the_named_columns_in_order() {
    let csv = "category,description,name\nstorage,disk full,DiskFull\nNetwork,link down,LinkDown\n";
    let examples = read_labelled_csv(csv.as_bytes(), &columns(), "category").expect("reads");
    assert_eq!(examples[0], Example::new(["DiskFull", "disk full"], Category::Storage));
    assert_eq!(examples[1].category, Category::Network);
}

#[test]
fn bad_csv_names_the_line() {
    let unknown = read_labelled_csv(b"name,category\nA,storage\n", &columns(), "category");
    assert!(matches!(unknown, Err(DatasetError::UnknownColumn { ref column, .. }) if column == "description"));
    let short = read_labelled_csv(b"name,description,category\nA,b,storage\nC,d\n", &columns(), "category");
    assert!(matches!(short, Err(DatasetError::Malformed { line: 3, .. })), "{short:?}");
    let label = read_labelled_csv(b"name,description,category\nA,b,storage\nC,d,disks\n", &columns(), "category");
    assert!(matches!(label, Err(DatasetError::BadValue { line: 3, .. })), "{label:?}");
    let quoted = read_labelled_csv(b"name,description,category\n\"A,b,storage\n", &columns(), "category");
    assert!(quoted.is_err());
    let binary = read_labelled_csv(b"name,description,category\nA,\xff\xfe,storage\n", &columns(), "category");
    assert!(matches!(binary, Err(DatasetError::Malformed { line: 2, .. })), "{binary:?}");
}

fn many() -> Vec<Example> {
    (0..50)
        .map(|i| Example::new([format!("alert{i}")], if i % 5 == 0 { Category::Network } else { Category::Storage }))
        .collect()
}

#[test]
fn the_held_out_split_is_stratified_and_independent_of_order() {
    let (train, held_out) = split_held_out(&many(), 20, 1);
    assert_eq!(held_out.len(), 10);
    assert_eq!(train.len(), 40);
    assert_eq!(held_out.iter().filter(|e| e.category == Category::Network).count(), 2);
    let mut reversed = many();
    reversed.reverse();
    let (_, held_out_again) = split_held_out(&reversed, 20, 1);
    let names = |v: &[Example]| {
        let mut n: Vec<String> = v.iter().map(|e| e.fields[0].clone()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&held_out), names(&held_out_again));
    let (_, other_seed) = split_held_out(&many(), 20, 2);
    assert_ne!(names(&held_out), names(&other_seed));
}

#[test]
fn a_lone_example_of_a_category_stays_in_training() {
    let examples = vec![Example::new(["a"], Category::Other), Example::new(["b"], Category::Storage)];
    let (train, held_out) = split_held_out(&examples, 20, 1);
    assert_eq!((train.len(), held_out.len()), (2, 0));
}

#[test]
fn evaluation_figures_match_a_hand_computation() {
    use Category::{Network as N, Storage as S};
    // storage: tp 2, fp 1, fn 1 → p 2/3, r 2/3; network: tp 1, fp 1, fn 1 → p 1/2, r 1/2.
    let evaluation = Evaluation::of(&[(S, S), (S, S), (S, N), (N, N), (N, S)]);
    assert_eq!(evaluation.total, 5);
    assert!((evaluation.accuracy - 0.6).abs() < 1e-12);
    let storage = &evaluation.per_category[0];
    assert_eq!((storage.category, storage.support), (S, 3));
    assert!((storage.precision - 2.0 / 3.0).abs() < 1e-12 && (storage.recall - 2.0 / 3.0).abs() < 1e-12);
    assert!((evaluation.macro_f1 - (2.0 / 3.0 + 0.5) / 2.0).abs() < 1e-12);
    assert_eq!(Evaluation::of(&[]).accuracy, 0.0);
}
