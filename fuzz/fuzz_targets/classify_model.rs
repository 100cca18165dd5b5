//! Fuzzes the classifier model loader: no bytes make it panic, a model that loads writes a
//! file that loads again to the same model, and a loaded model classifies without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::classify::{Classifier, Input, Model};

fuzz_target!(|data: &[u8]| {
    match Model::from_json(data) {
        Ok(model) => {
            let json = model.to_json();
            let reloaded = Model::from_json(json.as_bytes()).expect("a written model loads");
            assert_eq!(reloaded.to_json(), json);
            let input = Input { alertname: "CephOSDDown".into(), summary: "disk full".into(), ..Input::default() };
            let classification = Classifier::new(model).classify(&input);
            let _ = classification.category.as_str();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
