//! Node threshold rules on a fake clock: cycles, `for`, resolution, services, stat patterns,
//! host filters, reloads, and the checks of the `logwatch` section.

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::config::logwatch::ThresholdRuleConfig;
use triage_core::nodewatch::{NodeAlert, NodeSeries, RuleSet, SeriesLimits};

const T0: i64 = 1_764_669_600_000;
const RESEND: SignedDuration = SignedDuration::from_secs(40);

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap()
}

fn rules(yaml: &str) -> RuleSet {
    let configs: Vec<ThresholdRuleConfig> = yaml_serde::from_str(yaml).unwrap();
    RuleSet::compile(&configs, RESEND).unwrap()
}

fn firing(alerts: &[NodeAlert]) -> Vec<(String, String)> {
    alerts.iter().filter(|a| !a.resolved).map(|a| (a.labels["alertname"].clone(), a.labels["host"].clone())).collect()
}

fn resolved(alerts: &[NodeAlert]) -> Vec<(String, String)> {
    alerts.iter().filter(|a| a.resolved).map(|a| (a.labels["alertname"].clone(), a.labels["host"].clone())).collect()
}

const CPU_RULE: &str = r#"
- name: NodeCpuHigh
  stat: cpu.percent
  op: ">"
  threshold: 90
  cycle: 1m
  for: 30s
"#;

#[test]
fn average_over_the_cycle_must_hold_for_the_for_duration() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules(CPU_RULE);
    // 10 s samples: 50% for a minute, then 100%.
    let mut t = T0;
    for _ in 0..6 {
        series.record("n1", t, [("cpu.percent", 50.0)]);
        t += 10_000;
    }
    assert!(set.evaluate(&series, at(t - 10_000)).is_empty());
    // One busy sample: the average of the minute is still below 90.
    series.record("n1", t, [("cpu.percent", 100.0)]);
    assert!(set.evaluate(&series, at(t)).is_empty());
    assert_eq!(set.active_count(), 0);
    let mut first_hold = None;
    let mut fired = None;
    for _ in 0..12 {
        t += 10_000;
        series.record("n1", t, [("cpu.percent", 100.0)]);
        let out = set.evaluate(&series, at(t));
        if set.active_count() == 1 && first_hold.is_none() {
            first_hold = Some(t);
        }
        if !out.is_empty() && fired.is_none() {
            fired = Some(t);
            let a = &out[0];
            assert_eq!(a.labels["stat"], "cpu.percent");
            assert_eq!(a.labels["severity"], "warning");
            assert_eq!(a.labels["source"], "logwatch");
            assert_eq!(a.annotations["threshold"], "90");
            assert_eq!(a.annotations["cycle"], "1m");
            assert!(a.annotations["summary"].contains("cpu.percent on n1"), "{:?}", a.annotations);
            assert_eq!(a.starts_at, at(t));
            assert_eq!(a.ends_at, at(t) + RESEND);
        }
    }
    let (first_hold, fired) = (first_hold.unwrap(), fired.unwrap());
    // The window (now - 1m, now] holds 6 samples; the average first exceeds 90 once 5 of
    // them are busy.
    assert_eq!(first_hold, T0 + 100_000);
    assert_eq!(fired - first_hold, 30_000, "fires once the condition held for `for`");
    // While it keeps firing, it is given out every evaluation with the same start.
    let out = set.evaluate(&series, at(t));
    assert_eq!(firing(&out), vec![("NodeCpuHigh".into(), "n1".into())]);
    assert_eq!(out[0].starts_at, at(fired));
    // Back to idle: resolves once the average drops.
    let mut resolved_at = None;
    for _ in 0..8 {
        t += 10_000;
        series.record("n1", t, [("cpu.percent", 10.0)]);
        let out = set.evaluate(&series, at(t));
        if !resolved(&out).is_empty() {
            resolved_at = Some(t);
            assert_eq!(out[0].ends_at, at(t));
            assert_eq!(out[0].starts_at, at(fired));
            break;
        }
    }
    assert!(resolved_at.is_some());
    assert!(set.evaluate(&series, at(t)).is_empty(), "a resolution is given out once");
}

#[test]
fn a_short_spike_never_fires() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules(CPU_RULE);
    for i in 0..30 {
        let v = if (10..14).contains(&i) { 100.0 } else { 80.0 };
        let t = T0 + i * 10_000;
        series.record("n1", t, [("cpu.percent", v)]);
        assert!(set.evaluate(&series, at(t)).is_empty(), "sample {i}");
    }
}

#[test]
fn hosts_are_independent_and_filtered() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules(
        r#"
- name: Load
  stat: load.1
  threshold: 4
  cycle: 30s
  hosts: "worker-.*"
"#,
    );
    for host in ["worker-1", "worker-2", "db-1"] {
        let v = if host == "worker-2" { 1.0 } else { 8.0 };
        series.record(host, T0, [("load.1", v)]);
    }
    let out = set.evaluate(&series, at(T0));
    assert_eq!(firing(&out), vec![("Load".into(), "worker-1".into())]);
}

#[test]
fn service_rules_fire_on_the_latest_sample() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules("- name: SshdDown\n  service: sshd\n  for: 20s\n  labels: {severity: critical}\n");
    series.record("n1", T0, [("service.sshd.up", 1.0)]);
    series.record("n1", T0 + 10_000, [("service.sshd.up", 0.0)]);
    assert!(set.evaluate(&series, at(T0 + 10_000)).is_empty());
    series.record("n1", T0 + 20_000, [("service.sshd.up", 0.0)]);
    assert!(set.evaluate(&series, at(T0 + 20_000)).is_empty());
    series.record("n1", T0 + 30_000, [("service.sshd.up", 0.0)]);
    let out = set.evaluate(&series, at(T0 + 30_000));
    assert_eq!(firing(&out), vec![("SshdDown".into(), "n1".into())]);
    assert_eq!(out[0].labels["service"], "sshd");
    assert_eq!(out[0].labels["severity"], "critical");
    assert!(!out[0].annotations.contains_key("threshold"));
    assert_eq!(out[0].annotations["summary"], "service sshd is down on n1");
    series.record("n1", T0 + 40_000, [("service.sshd.up", 1.0)]);
    let out = set.evaluate(&series, at(T0 + 40_000));
    assert_eq!(resolved(&out), vec![("SshdDown".into(), "n1".into())]);
}

#[test]
fn stat_patterns_give_one_alert_per_stat_and_templates_fill_in() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules(
        r#"
- name: DiskFull
  stat: "disk.*.used_percent"
  op: ">="
  threshold: 95
  reduce: max
  annotations:
    summary: "{stat} of {host} at {value}% ({op} {threshold} over {cycle})"
"#,
    );
    series.record(
        "n1",
        T0,
        [("disk./.used_percent", 97.25), ("disk./data.used_percent", 95.0), ("disk./tmp.used_percent", 3.0)],
    );
    let out = set.evaluate(&series, at(T0));
    let mut stats: Vec<_> = out.iter().map(|a| a.labels["stat"].clone()).collect();
    stats.sort();
    assert_eq!(stats, vec!["disk./.used_percent", "disk./data.used_percent"]);
    let root = out.iter().find(|a| a.labels["stat"] == "disk./.used_percent").unwrap();
    assert_eq!(root.annotations["summary"], "disk./.used_percent of n1 at 97.25% (>= 95 over 5m)");
}

#[test]
fn no_samples_in_the_cycle_resolves() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules("- name: MemHigh\n  stat: mem.used_percent\n  threshold: 80\n  cycle: 1m\n");
    series.record("n1", T0, [("mem.used_percent", 95.0)]);
    assert_eq!(firing(&set.evaluate(&series, at(T0))).len(), 1);
    let out = set.evaluate(&series, at(T0 + 61_000));
    assert_eq!(resolved(&out), vec![("MemHigh".into(), "n1".into())]);
}

#[test]
fn a_reload_keeps_firing_alerts_and_resolves_removed_rules() {
    let mut series = NodeSeries::new(SeriesLimits::default());
    let mut set = rules("- {name: A, stat: x, threshold: 1}\n- {name: B, stat: x, threshold: 2}\n");
    series.record("n1", T0, [("x", 5.0)]);
    let first = set.evaluate(&series, at(T0));
    assert_eq!(firing(&first).len(), 2);
    let mut reloaded = rules("- {name: A, stat: x, threshold: 1}\n");
    reloaded.take_states(set);
    let out = reloaded.evaluate(&series, at(T0 + 1000));
    assert_eq!(firing(&out), vec![("A".into(), "n1".into())]);
    assert_eq!(resolved(&out), vec![("B".into(), "n1".into())]);
    let a = out.iter().find(|a| !a.resolved).unwrap();
    assert_eq!(a.starts_at, at(T0), "the firing alert keeps its start across the reload");
}

fn config_errors(logwatch: &str) -> String {
    let yaml = format!("route: {{receiver: r}}\nreceivers: [{{name: r}}]\nlogwatch:\n{logwatch}");
    match Config::from_yaml(&yaml) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_logwatch_section_is_checked() {
    let ok = r#"
  files:
    - paths: ["/var/log/nodes/*.jsonl"]
    - paths: ["/var/log/kv.log"]
      format: key_value
    - paths: ["/var/log/ship.json"]
      format: shipper_json
      message_format: regex
      pattern: 'cpu=(?P<cpu>\d+)'
  push: {bearer_token: s3cret}
  rules:
    - {name: Cpu, stat: cpu.percent, threshold: 90, cycle: 5m, for: 2m}
    - {name: Sshd, service: sshd}
"#;
    assert_eq!(config_errors(ok), "");
    let cases = [
        ("  rules: [{name: A, stat: x}]\n", "logwatch.rules[0].threshold"),
        ("  rules: [{name: A, service: s, threshold: 1}]\n", "a service rule has no threshold"),
        ("  rules: [{name: A, stat: x, service: s, threshold: 1}]\n", "not both"),
        ("  rules: [{name: A, threshold: 1}]\n", "needs a non-empty `stat` or `service`"),
        ("  rules: [{name: A, stat: x, threshold: 1, cycle: 0s}]\n", "cycle"),
        ("  rules: [{name: A, stat: x, threshold: 1, hosts: '('}]\n", "logwatch.rules[0].hosts"),
        ("  rules: [{name: A, stat: x, threshold: 1, labels: {host: h}}]\n", "set by the rule itself"),
        ("  rules: [{name: A, stat: x, threshold: 1}, {name: A, stat: y, threshold: 1}]\n", "used twice"),
        ("  rules: [{name: A, stat: x, threshold: 1, op: '=>'}]\n", "logwatch"),
        ("  files: [{paths: []}]\n", "logwatch.files[0].paths"),
        ("  files: [{paths: ['/var/*/x.log']}]\n", "file name only"),
        ("  files: [{paths: [a], format: regex}]\n", "needs a pattern"),
        ("  files: [{paths: [a], format: regex, pattern: 'no captures'}]\n", "logwatch.files[0].pattern"),
        ("  files: [{paths: [a], pattern: 'x'}]\n", "only for format regex"),
        ("  files: [{paths: [a], message_format: json}]\n", "only for format shipper_json"),
        ("  files: [{paths: [a], format: xml}]\n", "logwatch"),
        ("  push: {}\n", "exactly one of bearer_token"),
        ("  max_hosts: 0\n", "logwatch.max_hosts"),
        ("  bogus: 1\n", "bogus"),
    ];
    for (section, expected) in cases {
        let errors = config_errors(section);
        assert!(errors.contains(expected), "{section:?}: expected {expected:?} in {errors:?}");
    }
}
