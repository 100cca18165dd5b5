//! The trained model: training errors, determinism, the file format's round trip, and
//! corrupt, truncated or foreign model files.

use triage_core::classify::{Category, Example, Model, ModelFormatError, TrainError, TrainOptions};

fn small_set() -> Vec<Example> {
    let rows = [
        ("CephOSDDown", "A Ceph OSD is down", Category::Storage),
        ("EOSSpaceLow", "EOS disk space almost full", Category::Storage),
        ("DCachePoolOffline", "dCache pool offline", Category::Storage),
        ("LinkDown", "network link of the router down", Category::Network),
        ("PacketLossHigh", "network packet loss between sites", Category::Network),
        ("DNSFailures", "DNS resolution fails", Category::Network),
        ("HostCertificateExpired", "the host certificate expired", Category::Authentication),
        ("VOMSProxyExpired", "VOMS proxy expired", Category::Authentication),
        ("KerberosTicketRenewalFailed", "Kerberos ticket renewal failed", Category::Authentication),
    ];
    rows.into_iter().map(|(n, d, c)| Example::new([n, d], c)).collect()
}

fn options() -> TrainOptions {
    TrainOptions { model_id: "test-1".into(), trained_at: "2026-12-06".into(), ..TrainOptions::default() }
}

fn small_model() -> Model {
    Model::train(&small_set(), &options()).expect("trains")
}

#[test]
fn a_small_model_learns_its_training_set() {
    let model = small_model();
    assert_eq!(model.header().categories, [Category::Storage, Category::Network, Category::Authentication]);
    assert_eq!(model.header().examples, 9);
    for e in small_set() {
        assert_eq!(model.predict(&e.fields).0, e.category, "{:?}", e.fields);
    }
    let probabilities = model.probabilities(&["CephOSDDown"]);
    let total: f64 = probabilities.iter().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-9, "probabilities sum to one: {total}");
    assert!(probabilities.windows(2).all(|w| w[0].1 >= w[1].1), "most likely first");
}

#[test]
fn text_without_known_words_still_gets_a_valid_answer() {
    let (_, confidence) = small_model().predict(&["zzz qqq"]);
    assert!(confidence > 0.0 && confidence < 1.0);
    let (_, confidence) = small_model().predict::<&str>(&[]);
    assert!(confidence > 0.0 && confidence < 1.0);
}

#[test]
fn training_refuses_empty_and_single_category_sets() {
    assert_eq!(Model::train(&[], &options()), Err(TrainError::Empty));
    let storage_only: Vec<Example> = small_set().into_iter().filter(|e| e.category == Category::Storage).collect();
    assert_eq!(Model::train(&storage_only, &options()), Err(TrainError::SingleCategory(Category::Storage)));
    let no_words = vec![Example::new(["42"], Category::Storage), Example::new(["--"], Category::Network)];
    assert_eq!(Model::train(&no_words, &options()), Err(TrainError::NoWords));
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let first = small_model().to_json();
    let second = small_model().to_json();
    assert_eq!(first, second);
    let mut reseeded = options();
    reseeded.sgd.seed = 7;
    let other = Model::train(&small_set(), &reseeded).expect("trains");
    assert_ne!(other.to_json(), first, "the seed changes the example order and so the weights");
}

#[test]
fn a_model_file_round_trips() {
    let model = small_model();
    let json = model.to_json();
    let loaded = Model::from_json(json.as_bytes()).expect("loads");
    assert_eq!(loaded.header(), model.header());
    assert_eq!(loaded.to_json(), json);
    for text in ["CephOSDDown", "VOMS proxy", "packet loss", "unknown words"] {
        assert_eq!(loaded.probabilities(&[text]), model.probabilities(&[text]));
    }
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["format"], "triage-classifier");
    assert_eq!(value["format_version"], 1);
    assert_eq!(value["model_id"], "test-1");
    assert_eq!(value["trained_at"], "2026-12-06");
}

#[test]
fn every_truncation_of_a_model_file_is_an_error() {
    let json = small_model().to_json();
    for len in 0..json.len() {
        assert!(Model::from_json(&json.as_bytes()[..len]).is_err(), "prefix of {len} bytes loaded");
    }
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Model, ModelFormatError> {
    let mut value: serde_json::Value = serde_json::from_str(&small_model().to_json()).expect("json");
    edit(&mut value);
    Model::from_json(value.to_string().as_bytes())
}

#[test]
fn foreign_and_future_files_are_named_as_such() {
    assert!(matches!(Model::from_json(b"not json"), Err(ModelFormatError::NotJson(_))));
    assert!(matches!(Model::from_json(b"[1,2]"), Err(ModelFormatError::NotAModel { found: None })));
    assert!(matches!(Model::from_json(b"{\"format\": 3}"), Err(ModelFormatError::NotAModel { found: Some(_) })));
    assert!(matches!(Model::from_json(b"{}"), Err(ModelFormatError::NotAModel { found: None })));
    let other = edited(|v| v["format"] = "something-else".into());
    assert_eq!(other.err(), Some(ModelFormatError::NotAModel { found: Some("something-else".into()) }));
    let future = edited(|v| v["format_version"] = 2.into());
    assert_eq!(future.err(), Some(ModelFormatError::UnsupportedVersion { found: 2 }));
    let message = edited(|v| v["format_version"] = 2.into()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("version 2") && message.contains("version 1"), "{message}");
}

/// One change to a model file's JSON.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn inconsistent_tables_are_refused() {
    let cases: Vec<(&str, Edit)> = vec![
        ("short weight row", Box::new(|v| v["weights"][0] = serde_json::json!([0.1]))),
        ("missing weight row", Box::new(|v| v["weights"].as_array_mut().map(|a| a.pop()).map(drop).unwrap_or(()))),
        ("idf too short", Box::new(|v| v["idf"].as_array_mut().map(|a| a.pop()).map(drop).unwrap_or(()))),
        ("negative idf", Box::new(|v| v["idf"][0] = serde_json::json!(-1.0))),
        ("unknown category", Box::new(|v| v["categories"][0] = "disks".into())),
        ("duplicate category", Box::new(|v| v["categories"][1] = v["categories"][0].clone())),
        ("duplicate term", Box::new(|v| v["vocabulary"][1] = v["vocabulary"][0].clone())),
        ("bias too short", Box::new(|v| v["bias"] = serde_json::json!([0.0]))),
        ("missing field", Box::new(|v| drop(v.as_object_mut().map(|o| o.remove("vocabulary"))))),
        ("wrong type", Box::new(|v| v["examples"] = "many".into())),
        ("unknown field", Box::new(|v| v["extra"] = 1.into())),
    ];
    for (name, edit) in cases {
        match edited(edit) {
            Err(ModelFormatError::Inconsistent(_) | ModelFormatError::Malformed(_)) => {}
            other => panic!("{name}: expected an inconsistency error, got {other:?}"),
        }
    }
}

#[test]
fn an_overflowing_weight_is_refused() {
    let json = small_model().to_json();
    let broken = json.replacen("\"bias\":[", "\"bias\":[1e999,", 1);
    assert!(Model::from_json(broken.as_bytes()).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Flipping bytes of a valid model file gives an error or a model, never a panic; a model
    /// that loads classifies.
    #[test]
    fn mutated_model_files_never_panic(edits in proptest::collection::vec((0usize..100_000, proptest::prelude::any::<u8>()), 1..8)) {
        let mut bytes = small_model().to_json().into_bytes();
        for (at, byte) in edits {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        if let Ok(model) = Model::from_json(&bytes) {
            let _ = model.predict(&["CephOSDDown", "disk full"]);
            proptest::prop_assert!(Model::from_json(model.to_json().as_bytes()).is_ok());
        }
    }
}
