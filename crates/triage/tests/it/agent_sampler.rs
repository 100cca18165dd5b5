//! The node sampler of `triage agent` against the real `/proc` of the machine running the tests,
//! and the JSON line writer across a log rotation. No assertion depends on timing.

use std::fs;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use triage::cli::agent::{ProcFs, Sample, SampleWriter, Sampler, SamplerConfig, ServiceCheck};

fn real_meminfo_kib(key: &str) -> u64 {
    let text = fs::read_to_string("/proc/meminfo").unwrap();
    let line = text.lines().find(|line| line.starts_with(&format!("{key}:"))).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn real_load1() -> f64 {
    let text = fs::read_to_string("/proc/loadavg").unwrap();
    text.split_whitespace().next().unwrap().parse().unwrap()
}

fn own_comm() -> String {
    fs::read_to_string("/proc/self/comm").unwrap().trim_end().to_owned()
}

fn start() -> Timestamp {
    "2026-05-01T12:00:00Z".parse().unwrap()
}

fn take_two_samples(config: SamplerConfig) -> (Sample, Sample) {
    let mut sampler = Sampler::new(config);
    let first = sampler.sample(start()).unwrap();
    let second = sampler.sample(start() + SignedDuration::from_secs(1)).unwrap();
    (first, second)
}

#[test]
fn mem_total_matches_proc_meminfo() {
    let info = ProcFs::default().meminfo().unwrap();
    assert_eq!(info.mem_total_kib, real_meminfo_kib("MemTotal"));
    assert_eq!(info.swap_total_kib, real_meminfo_kib("SwapTotal"));
    assert!((0.0..=100.0).contains(&info.mem_used_percent()));
}

#[test]
fn load1_is_what_proc_loadavg_says_around_the_sample() {
    let before = real_load1();
    let sample = Sampler::new(SamplerConfig::default()).sample(start()).unwrap();
    let after = real_load1();
    let (low, high) = (before.min(after), before.max(after));
    assert!((low..=high).contains(&sample.load1), "load1 {} outside {low}..={high}", sample.load1);
    assert!(sample.load5 >= 0.0 && sample.load15 >= 0.0);
}

#[test]
fn percentages_are_within_range() {
    let config = SamplerConfig { host: "this-node".into(), mounts: vec!["/".into()], ..SamplerConfig::default() };
    let (first, second) = take_two_samples(config);
    for sample in [&first, &second] {
        assert_eq!(sample.host, "this-node");
        assert!((0.0..=100.0).contains(&sample.cpu_percent), "cpu {}", sample.cpu_percent);
        assert!((0.0..=100.0).contains(&sample.mem_used_percent));
        assert!((0.0..=100.0).contains(&sample.swap_used_percent));
        assert_eq!(sample.disks.len(), 1);
        assert_eq!(sample.disks[0].mount, "/");
        assert!((0.0..=100.0).contains(&sample.disks[0].used_percent));
    }
    assert!(first.net.is_empty());
    for net in &second.net {
        assert_ne!(net.iface, "lo");
        assert!(net.rx_bytes_per_s >= 0.0 && net.tx_bytes_per_s >= 0.0);
    }
}

#[test]
fn running_processes_are_up_and_made_up_ones_down() {
    let pid1 = fs::read_to_string("/proc/1/comm").unwrap().trim_end().to_owned();
    let services = vec![
        ServiceCheck::Process(own_comm()),
        ServiceCheck::Process(pid1),
        ServiceCheck::Process("no-such-daemon-7f3a".into()),
    ];
    let sample = Sampler::new(SamplerConfig { services, ..SamplerConfig::default() }).sample(start()).unwrap();
    let states: Vec<Option<bool>> = sample.services.iter().map(|service| service.up).collect();
    assert_eq!(states, vec![Some(true), Some(true), Some(false)]);
}

#[test]
fn a_made_up_systemd_unit_is_not_up() {
    let services = vec![ServiceCheck::Systemd("no-such-unit-7f3a.service".into())];
    let sample = Sampler::new(SamplerConfig { services, ..SamplerConfig::default() }).sample(start()).unwrap();
    // Down where systemd runs, unknown where it does not; never up.
    assert_ne!(sample.services[0].up, Some(true));
}

fn json_lines(path: &std::path::Path) -> Vec<serde_json::Map<String, Value>> {
    let text = fs::read_to_string(path).unwrap();
    text.lines().map(|line| serde_json::from_str::<Value>(line).unwrap().as_object().unwrap().clone()).collect()
}

#[test]
fn writer_produces_json_lines_and_survives_rename_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.log");
    let rotated = dir.path().join("agent.log.1");
    let config = SamplerConfig {
        host: "this-node".into(),
        mounts: vec!["/".into()],
        services: vec![ServiceCheck::Process(own_comm())],
    };
    let (first, second) = take_two_samples(config);
    let mut writer = SampleWriter::new(&path, false);

    writer.append(&first).unwrap();
    writer.append(&second).unwrap();
    fs::rename(&path, &rotated).unwrap();
    writer.append(&second).unwrap();

    let old_lines = json_lines(&rotated);
    let new_lines = json_lines(&path);
    assert_eq!(old_lines.len(), 2);
    assert_eq!(new_lines.len(), 1);
    let line = &new_lines[0];
    assert_eq!(line["host"], "this-node");
    assert_eq!(line["@timestamp"], "2026-05-01T12:00:01Z");
    assert!(line["cpu.percent"].is_f64());
    assert!(line["mem.used_percent"].is_f64());
    assert!(line["disk./.used_percent"].is_f64());
    assert_eq!(line[&format!("service.{}.up", own_comm())], true);
}

/// `triage agent --unit` for a unit that does not exist (or on a node without systemd, as in
/// most test containers): one warning at start, a start line, and every sample marks the unit
/// `missing` instead of writing `null`.
#[test]
fn a_missing_unit_is_warned_about_once_and_marked_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("samples.jsonl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_triage"))
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .args(["agent", "--unit", "no-such-unit-for-triage-tests.service", "--interval", "10ms", "--count", "3"])
        .arg("--output")
        .arg(&out_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("no-such-unit-for-triage-tests.service").count(), 2, "one warning naming it: {stderr}");
    assert_eq!(stderr.matches("cannot be checked").count(), 1, "{stderr}");
    assert!(stderr.contains("triage agent started"), "{stderr}");
    let text = fs::read_to_string(&out_file).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    for line in &lines {
        assert_eq!(line["service.no-such-unit-for-triage-tests.service.missing"], true, "{line}");
        assert!(line.get("service.no-such-unit-for-triage-tests.service.up").is_none(), "no null state: {line}");
    }
}
