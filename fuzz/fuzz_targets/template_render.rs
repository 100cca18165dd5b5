//! Fuzzes notification templates: any text as a configured template field is either refused
//! with an error (and falls back) or renders within the fuel limit, without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::template::{Renderer, ViewInput};
use triage_core::{Alert, LabelSet};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let mut r = Renderer::new();
    let path = "ops/slack_configs[0].text";
    let _ = r.add_field(path, source);
    let t: jiff::Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
    let alert = Alert {
        labels: LabelSet::from_pairs([("alertname", "A"), ("site", "T2_X")]),
        annotations: LabelSet::from_pairs([("summary", "<b>&</b>")]),
        starts_at: t,
        ends_at: None,
        updated_at: t,
        generator_url: "http://g".into(),
        timeout: false,
    };
    let group = LabelSet::from_pairs([("alertname", "A")]);
    let view = r.view(&ViewInput {
        receiver: "ops",
        group_key: "k",
        group_labels: &group,
        alerts: std::slice::from_ref(&alert),
        suppressed: &[],
        external_url: "http://triage",
        now: t,
    });
    let _ = r.render_field(path, &view);
});
