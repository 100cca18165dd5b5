//! Fuzzes Go templates: any text as a user template file or as a field either fails with a
//! typed error or renders within the limits (text and HTML), without panicking or hanging.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::go_template::{Data, Limits, Templates};
use triage_core::{Alert, LabelSet};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let limits = Limits { max_output_bytes: 1 << 16, max_value_bytes: 1 << 16, max_range_iterations: 10_000, ..Limits::default() };
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
    let d = Data::new("ops", &group, std::slice::from_ref(&alert), "http://triage", t);
    let Ok(set) = Templates::with_limits(&[("user.tmpl", source)], limits) else {
        let set = Templates::with_limits(&[], limits).unwrap();
        let _ = set.render_text(source, &d);
        let _ = set.render_html(source, &d);
        return;
    };
    let _ = set.render_text(r#"{{ template "user.tmpl" . }}"#, &d);
    let _ = set.render_html(source, &d);
});
