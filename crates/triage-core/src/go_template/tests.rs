//! Functions, the expander, user files, and hostile or broken templates.

use super::conformance_tests::recorded_group;
use super::{Data, GoTemplateError, Limits, MAX_TEMPLATE_DEPTH, Templates};
use crate::notify::expand::Expand;

fn data() -> Data {
    recorded_group("conformance", "team-x.ops")
}

fn text(source: &str) -> Result<String, GoTemplateError> {
    Templates::new(&[]).unwrap().render_text(source, &data())
}

fn ok(source: &str) -> String {
    text(source).unwrap_or_else(|e| panic!("{source}: {e}"))
}

#[test]
fn newer_functions() {
    assert_eq!(ok(r#"{{ trimSpace "  a b \n" }}"#), "a b");
    assert_eq!(ok(r#"{{ (index .Alerts 0).StartsAt | date "2006-01-02 15:04" }}"#), "2026-01-02 03:04");
    assert_eq!(ok(r#"{{ (index .Alerts 0).StartsAt | tz "Europe/Zurich" | date "15:04 MST" }}"#), "04:04 CET");
    assert_eq!(
        ok(r#"{{ (index .Alerts 0).StartsAt | tz "Europe/Zurich" }}"#),
        "2026-01-02 04:04:05.123456789 +0100 CET"
    );
    assert!(text(r#"{{ (index .Alerts 0).StartsAt | tz "No/Where" }}"#).is_err());
    // now is the data's notification time, not the wall clock.
    assert_eq!(ok("{{ now }}"), "2026-12-08 01:00:00 +0000 UTC");
    assert_eq!(ok("{{ since (index .Alerts 1).StartsAt }}"), "8157h55m0s");
    assert_eq!(
        ok("{{ humanizeDuration 3723 }} {{ humanizeDuration 0.25 }} {{ humanizeDuration \"90\" }}"),
        "1h 2m 3s 250ms 1m 30s"
    );
    assert_eq!(ok(r#"{{ urlUnescape "a%20b+c" }}"#), "a b c");
    assert_eq!(ok("{{ toJson .GroupLabels }}"), r#"{"alertname":"DiskFull","suite":"conformance"}"#);
    assert_eq!(ok(r#"{{ toJson (index .Alerts 2).EndsAt }}"#), r#""2026-01-02T05:00:00.5Z""#);
    assert_eq!(ok(r#"{{ base64encode "a?b" }} {{ base64decode "YT9i" }}"#), "YT9i a?b");
    assert_eq!(ok(r#"{{ $l := list 1 "a" }}{{ $l = append $l 2 }}{{ len $l }} {{ index $l 1 }}"#), "3 a");
    assert_eq!(ok(r#"{{ $d := dict "k" "v" "n" 1 }}{{ $d.k }} {{ index $d "n" }}"#), "v 1");
    assert!(text(r#"{{ dict "k" }}"#).is_err());
    assert_eq!(ok(r#"{{ toDate "2006-01-02" "2026-03-04" }}"#), "2026-03-04 00:00:00 +0000 UTC");
    assert_eq!(ok(r#"{{ toDate "2006-01-02" "junk" }}"#), "0001-01-01 00:00:00 +0000 UTC");
    assert!(text(r#"{{ mustToDate "2006-01-02" "junk" }}"#).is_err());
    assert_eq!(
        ok(r#"{{ .GroupLabels.Values.Join ":" }} {{ .GroupLabels.SortedPairs.String }}"#),
        "DiskFull:conformance alertname=DiskFull, suite=conformance"
    );
    assert_eq!(ok(r#"{{ routeLabels "x" }}|"#), "|");
}

#[test]
fn time_methods() {
    assert_eq!(
        ok("{{ (index .Alerts 0).StartsAt.UnixMilli }} {{ (index .Alerts 0).StartsAt.Year }}"),
        "1767323045123 2026"
    );
    assert_eq!(ok("{{ (index .Alerts 0).StartsAt.Weekday }} {{ (index .Alerts 0).StartsAt.Month }}"), "Friday January");
    assert!(text("{{ (index .Alerts 0).StartsAt.Nope }}").is_err());
}

#[test]
fn user_files_define_across_files_and_fields() {
    let a = r#"{{ define "team.title" }}[{{ template "team.tag" . }}] {{ .Status }}{{ end }}"#;
    let b = r#"{{ define "team.tag" }}{{ .CommonLabels.site }}{{ end }}{{ define "__alertmanager" }}Triage{{ end }}"#;
    let set = Templates::new(&[("/etc/am/a.tmpl", a), ("/etc/am/b.tmpl", b)]).unwrap();
    assert!(set.contains("a.tmpl"));
    let d = data();
    assert_eq!(set.render_text(r#"{{ template "team.title" . }}"#, &d).unwrap(), "[T2_CH_CERN] firing");
    // A user file replaces a default of the same name.
    assert_eq!(set.render_text(r#"{{ template "slack.default.username" . }}"#, &d).unwrap(), "Triage");
    // A field defines templates for itself.
    assert_eq!(
        set.render_text(r#"{{ define "x" }}<{{ . }}>{{ end }}{{ template "x" .Status }}"#, &d).unwrap(),
        "<firing>"
    );
    // An empty redefinition keeps the earlier body.
    let set = Templates::new(&[("c.tmpl", r#"{{ define "__alertmanager" }}{{ end }}"#)]).unwrap();
    assert_eq!(set.render_text(r#"{{ template "__alertmanager" . }}"#, &d).unwrap(), "Alertmanager");
}

#[test]
fn parse_errors_name_the_file() {
    let e = Templates::new(&[("broken.tmpl", "{{ define \"x\" }}{{ .Status ")]).unwrap_err();
    assert!(matches!(&e, GoTemplateError::Parse { file, .. } if file == "broken.tmpl"), "{e:?}");
    let e = Templates::new(&[("f.tmpl", "{{ nosuch 1 }}")]).unwrap_err();
    assert!(e.to_string().contains("function \"nosuch\" not defined"), "{e}");
    let set = Templates::new(&[]).unwrap();
    assert!(set.check("{{ .Status }}").is_ok());
    for broken in [
        "{{ if .Status }}x",
        "x{{ end }}",
        "{{ if }}x{{ end }}",
        "{{ range }}{{ end }}",
        "{{ .Status",
        "{{ template }}",
    ] {
        assert!(matches!(set.check(broken), Err(GoTemplateError::Parse { .. })), "{broken}");
    }
    assert!(matches!(set.check("{{ \"unterminated }}"), Err(GoTemplateError::Parse { .. })));
    let big = "x".repeat(Limits::default().max_source_bytes + 1);
    assert!(matches!(set.check(&big), Err(GoTemplateError::SourceTooLarge { .. })));
}

#[test]
fn expander_keeps_the_first_error_and_blanks_the_rest() {
    let set = Templates::new(&[]).unwrap();
    let d = data();
    let mut x = set.expander(&d);
    assert_eq!(x.text("{{ .Status }}"), "firing");
    assert_eq!(
        x.html("<b>{{ (index .Alerts 0).Annotations.summary }}</b>"),
        "<b>Disk &lt;full&gt; &amp; &#34;quoted&#34; it&#39;s</b>"
    );
    assert_eq!(x.text(""), "");
    assert_eq!(x.text("{{ .Nope }}"), "");
    // After an error every field is empty, as with Alertmanager's tmplText.
    assert_eq!(x.text("{{ .Status }}"), "");
    let e = x.finish().unwrap_err();
    assert!(e.to_string().contains("can't evaluate field Nope"), "{e}");
}

fn small() -> Templates {
    let limits = Limits {
        max_source_bytes: 4096,
        max_output_bytes: 10_000,
        max_value_bytes: 10_000,
        max_range_iterations: 1000,
    };
    Templates::with_limits(&[], limits).unwrap()
}

#[test]
fn hostile_range_is_bounded() {
    let e = small().render_text("{{ range $i := 100000000 }}{{ end }}", &data()).unwrap_err();
    assert_eq!(e, GoTemplateError::TooManyIterations { limit: 1000 });
    let nested = "{{ range .Alerts }}{{ range $.Alerts }}{{ range $.Alerts }}{{ range $.Alerts }}{{ range $.Alerts }}{{ range $.Alerts }}{{ range $.Alerts }}x{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}";
    assert!(matches!(small().render_text(nested, &data()), Err(GoTemplateError::TooManyIterations { .. })));
}

#[test]
fn hostile_output_and_values_are_bounded() {
    let d = data();
    let e = small().render_text("{{ range $i := 900 }}0123456789012345{{ end }}", &d).unwrap_err();
    assert_eq!(e, GoTemplateError::OutputTooLarge { limit: 10_000 });
    // Doubling a string by reassignment stops at the value limit.
    let doubling = r#"{{ $s := "0123456789" }}{{ range $i := 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}"#;
    assert_eq!(small().render_text(doubling, &d).unwrap_err(), GoTemplateError::ValueTooLarge { limit: 10_000 });
    let wide = r#"{{ $s := printf "%60000s" "x" }}{{ $t := printf "%s%s" $s $s }}"#;
    assert!(matches!(small().render_text(wide, &d), Err(GoTemplateError::ValueTooLarge { .. })));
    let joined = r#"{{ $s := printf "%9000s" "x" }}{{ join $s (stringSlice $s $s) }}"#;
    assert!(matches!(small().render_text(joined, &d), Err(GoTemplateError::ValueTooLarge { .. })));
    let replaced = r#"{{ $s := printf "%5000s" "x" }}{{ reReplaceAll "" $s $s }}"#;
    assert!(matches!(small().render_text(replaced, &d), Err(GoTemplateError::ValueTooLarge { .. })));
    // Within the limits, the same functions work.
    assert_eq!(small().render_text(r#"{{ printf "%5s|%-3d|" "ab" 7 }}"#, &d).unwrap(), "   ab|7  |");
}

#[test]
fn hostile_recursion_is_bounded() {
    let d = data();
    let e = small()
        .render_text(r#"{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}"#, &d)
        .unwrap_err();
    assert_eq!(e, GoTemplateError::TooDeep { limit: MAX_TEMPLATE_DEPTH });
    let a = r#"{{ define "a" }}{{ template "b" . }}{{ end }}{{ define "b" }}{{ template "a" . }}{{ end }}"#;
    let set = Templates::new(&[("loop.tmpl", a)]).unwrap();
    assert!(matches!(set.render_text(r#"{{ template "a" . }}"#, &d), Err(GoTemplateError::TooDeep { .. })));
    let deep = format!("{}x{}", "{{ if true }}".repeat(10_000), "{{ end }}".repeat(10_000));
    assert!(matches!(set.check(&deep), Err(GoTemplateError::Parse { .. })));
}

#[test]
fn truncated_sources_fail_cleanly() {
    let set = Templates::new(&[]).unwrap();
    let d = data();
    let source = r#"{{ range .Alerts }}{{ .Labels.instance | printf "%s" }}{{ end }}"#;
    for cut in 0..source.len() {
        // Every prefix either renders or fails with an error; none panics.
        let _ = set.render_text(&source[..cut], &d);
        let _ = set.render_html(&source[..cut], &d);
    }
}

#[test]
fn triage_texts_show_instructions_and_what_was_held_back() {
    use gotmpl::Value;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let map = |pairs: Vec<(&str, Value)>| {
        Value::Map(Arc::new(pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect::<BTreeMap<_, _>>()))
    };
    let s = |t: &str| Value::String(Arc::from(t));
    let set = Templates::new(&[]).unwrap();
    let mut d = data();
    // Without .Triage the texts are empty apart from Alertmanager's data.
    assert_eq!(set.render_text(r#"{{ template "triage.slack.text" . }}"#, &d).unwrap(), "Only 3% left");
    let link = map(vec![("Title", s("dashboard")), ("URL", s("https://d.example/x"))]);
    let instruction =
        map(vec![("Name", s("disk")), ("Text", s("Clean /data.")), ("Links", Value::List(vec![link].into()))]);
    let held =
        map(vec![("Alertname", s("DiskFull")), ("Location", s("T2_CH_CERN")), ("Reason", s("site in downtime"))]);
    let triage = map(vec![
        ("Category", s("storage")),
        ("Instructions", Value::List(vec![instruction].into())),
        ("Suppressed", Value::List(vec![held].into())),
    ]);
    d.extra.insert("Triage".to_string(), triage);
    assert_eq!(
        set.render_text(r#"{{ template "triage.slack.text" . }}"#, &d).unwrap(),
        "Category: storage\nOnly 3% left\nRunbook disk:\nClean /data.\n - dashboard: https://d.example/x\n\nHeld back (1):\n - DiskFull T2_CH_CERN: site in downtime\n"
    );
}
