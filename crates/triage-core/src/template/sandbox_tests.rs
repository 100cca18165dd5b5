//! Tests of the template sandbox: no file reached through `include`, `import` or `extends`,
//! no environment or file function, and hostile loops, recursion and repetition stopped with
//! a clear error, after which the field falls back to its default.

use super::*;
use crate::labels::LabelSet;

const FIELD: &str = "ops/slack_configs[0].text";

fn view(r: &Renderer) -> View {
    let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
    let alert = Alert {
        labels: LabelSet::from_pairs([("alertname", "DiskFull"), ("instance", "db-1")]),
        annotations: LabelSet::default(),
        starts_at: t,
        ends_at: None,
        updated_at: t,
        generator_url: "http://prom:9090/graph".into(),
        timeout: false,
    };
    let group = LabelSet::from_pairs([("alertname", "DiskFull")]);
    r.view(&ViewInput {
        receiver: "ops",
        group_key: "{}:{}",
        group_labels: &group,
        alerts: std::slice::from_ref(&alert),
        suppressed: &[],
        external_url: "http://triage:9193",
        now: t,
    })
}

/// Renders `source` as a configured field: the error it falls back with, after checking that
/// the default was sent instead.
fn fallback_error(source: &str) -> String {
    let mut r = Renderer::new();
    r.add_field(FIELD, source).unwrap_or_else(|e| panic!("{source}: does not compile: {e}"));
    let v = view(&r);
    let out = r.render_field(FIELD, &v);
    let default = r.render_source(default_for(FIELD), FIELD, &context(&v)).unwrap();
    assert_eq!(out.text, default, "{source}: the default is sent");
    let error = out.error.unwrap_or_else(|| panic!("{source}: rendered without error"));
    assert!(error.starts_with(&format!("template {FIELD} failed: ")) && error.ends_with("sent the default"), "{error}");
    error
}

#[test]
fn include_import_and_extends_never_read_files() {
    // (This crate does no I/O, tests included: the files named exist on any Linux machine.)
    let names = [
        "/etc/passwd",
        "../../x",
        "../../../../../../etc/passwd",
        "file:///etc/passwd",
        "/proc/self/environ",
        "Cargo.toml",
        "src/lib.rs",
        "http://example.invalid/t",
    ];
    for name in names {
        for source in [
            format!("{{% include {name:?} %}}"),
            format!("{{% import {name:?} as m %}}{{{{ m.x }}}}"),
            format!("{{% from {name:?} import x %}}"),
            format!("{{% extends {name:?} %}}"),
            format!("{{% include [{name:?}, \"/etc/hostname\"] %}}"),
        ] {
            let error = fallback_error(&source);
            assert!(error.contains("template not found") && error.contains(name), "{source}: {error}");
            assert!(!error.contains("root:") && !error.contains("[package]"), "{error}");
        }
        // `triage template render --template` renders through the same environment.
        let r = Renderer::new();
        let e = r.render_source(&format!("{{% include {name:?} %}}"), "cli", &context(&view(&r))).unwrap_err();
        assert!(e.contains("template not found"), "{e}");
    }
    // `ignore missing` only hides the refusal: nothing is read.
    let mut r = Renderer::new();
    r.add_field(FIELD, "[{% include '/etc/passwd' ignore missing %}]").unwrap();
    assert_eq!(r.render_field(FIELD, &view(&r)), Rendered { text: "[]".into(), error: None });
}

#[test]
fn configured_templates_can_include_each_other_by_name() {
    let mut r = Renderer::new();
    r.add_field("ops/slack_configs[0].title", "Disk on {{ alerts[0].labels.instance }}").unwrap();
    r.add_field(FIELD, "{% include 'field:ops/slack_configs[0].title' %}!").unwrap();
    assert_eq!(r.render_field(FIELD, &view(&r)), Rendered { text: "Disk on db-1!".into(), error: None });
}

#[test]
fn no_function_or_filter_reaches_files_or_the_environment() {
    // Python-style escapes to globals do not exist: undefined, or an error.
    for source in ["{{ env.HOME }}", "{{ environ }}{{ config }}{{ self }}", "{{ range.__globals__ }}{{ ''.__class__ }}"]
    {
        let mut r = Renderer::new();
        r.add_field(FIELD, source).unwrap();
        let out = r.render_field(FIELD, &view(&r));
        assert!(out.error.is_some() || out.text.is_empty(), "{source}: {out:?}");
    }
    for call in [
        "{{ env('HOME') }}",
        "{{ getenv('HOME') }}",
        "{{ open('/etc/passwd') }}",
        "{{ read_file('/etc/passwd') }}",
        "{{ include_file('/etc/passwd') }}",
        "{{ fetch('http://example.invalid') }}",
        "{{ '/etc/passwd'|read }}",
        "{{ '/etc/passwd'|file }}",
        "{{ 'HOME'|env }}",
        "{{ 'http://example.invalid'|urlopen }}",
    ] {
        let error = fallback_error(call);
        assert!(error.contains("unknown function") || error.contains("unknown filter"), "{call}: {error}");
    }
}

#[test]
fn hostile_loops_stop_with_a_clear_error() {
    let error = fallback_error("{% for i in range(100000000) %}x{% endfor %}");
    assert!(error.contains("range has too many elements"), "{error}");
    for source in [
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% set k = i * j %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% if false %}{% continue %}{% endif %}{% endfor %}{% endfor %}",
    ] {
        let error = fallback_error(source);
        assert!(error.contains("engine ran out of fuel"), "{source}: {error}");
    }
}

#[test]
fn deep_recursion_stops_at_the_limit() {
    let error = fallback_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    assert!(error.contains("recursion limit exceeded"), "{error}");
    let error =
        fallback_error("{% macro f(n) %}{% for i in range(2) %}{{ f(n + 1) }}{% endfor %}{% endmacro %}{{ f(0) }}");
    assert!(error.contains("recursion limit exceeded"), "{error}");
    // A template including itself.
    let error = fallback_error(&format!("x{{% include 'field:{FIELD}' %}}"));
    assert!(error.contains("recursion limit exceeded"), "{error}");
    // Within the limit, recursion works.
    let mut r = Renderer::new();
    r.add_field(FIELD, "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}")
        .unwrap();
    assert_eq!(r.render_field(FIELD, &view(&r)).text, "54321");
}

#[test]
fn huge_strings_and_outputs_stop_before_they_exhaust_memory() {
    for source in [
        // Over minijinja's own cap, refused before allocating.
        "{{ 'x' * 1000000000 }}",
        // Under that cap, but more than the fuel pays for.
        "{{ 'x' * 99999999 }}{{ 'x' * 99999999 }}",
        "{% set a = 'x' * 10000000 %}{% set b = a ~ a ~ a ~ a %}{% set c = b ~ b ~ b ~ b %}{{ c ~ c ~ c ~ c }}",
        "{% for i in range(100000) %}{{ 'x' * 1000000 }}{% endfor %}",
        "{% for i in range(100000) %}{% set s = 'x' * 1000000 %}{% endfor %}",
        "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "{{ (range(100000)|list) * 100000 }}",
        "{% for i in range(100000) %}{{ range(100000)|join(',') }}{% endfor %}",
    ] {
        let error = fallback_error(source);
        let clear = ["engine ran out of fuel", "repeated string is too large", "too large", "too many"];
        assert!(clear.iter().any(|c| error.contains(c)), "{source}: {error}");
    }
    // A long but reasonable output still renders.
    let mut r = Renderer::new();
    r.add_field(FIELD, "{{ 'x' * 1000000 }}").unwrap();
    let out = r.render_field(FIELD, &view(&r));
    assert_eq!((out.text.len(), out.error), (1_000_000, None));
}
