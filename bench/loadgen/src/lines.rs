//! `loadgen lines`: the node monitoring hot path, measured in process on one thread. It
//! builds agent-shaped lines (JSON and key=value, 1000 hosts, 16 stats each), then times
//! parsing them, taking out the sample and recording it into the bounded per-host series,
//! with the rules evaluated every `--evaluate-every` lines as the server does on its timer.
//! One JSON line per format on stdout; `lines_per_s` is per core (one thread).

use std::time::Instant;

use anyhow::Result;
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use triage_core::config::logwatch::ThresholdRuleConfig;
use triage_core::logline::{LineFormat, LineParser};
use triage_core::nodewatch::{LineOutcome, NodeSeries, RuleSet, SampleFields, SeriesLimits, ingest_line};

/// Options of `loadgen lines`.
#[derive(Args)]
pub struct LinesArgs {
    /// Lines per format.
    #[arg(long, default_value_t = 1_000_000)]
    lines: usize,
    /// Distinct hosts.
    #[arg(long, default_value_t = 1000)]
    hosts: usize,
    /// Evaluate the rules after this many lines.
    #[arg(long, default_value_t = 100_000)]
    evaluate_every: usize,
}

/// Builds the line of a host's i-th sample.
type MakeLine = fn(usize, usize, Timestamp) -> Vec<u8>;

const T0_MS: i64 = 1_796_205_600_000;

fn stats(host: usize, i: usize) -> Vec<(String, f64)> {
    let x = ((host * 7919 + i * 104_729) % 1000) as f64 / 10.0;
    vec![
        ("cpu.percent".into(), x),
        ("load.1".into(), x / 25.0),
        ("load.5".into(), x / 30.0),
        ("load.15".into(), x / 35.0),
        ("mem.used_percent".into(), 100.0 - x / 2.0),
        ("swap.used_percent".into(), x / 10.0),
        ("disk./.used_percent".into(), 40.0 + x / 5.0),
        ("disk./data.used_percent".into(), 60.0 + x / 4.0),
        ("net.eth0.rx_bytes_per_s".into(), x * 12_345.0),
        ("net.eth0.tx_bytes_per_s".into(), x * 6_789.0),
        ("net.lo.rx_bytes_per_s".into(), x * 10.0),
        ("net.lo.tx_bytes_per_s".into(), x * 10.0),
        ("service.sshd.up".into(), 1.0),
        ("service.xrootd.up".into(), if x > 99.0 { 0.0 } else { 1.0 }),
        ("service.condor.up".into(), 1.0),
        ("service.cvmfs.up".into(), 1.0),
    ]
}

fn json_line(host: usize, i: usize, at: Timestamp) -> Vec<u8> {
    let mut object = serde_json::Map::new();
    object.insert("@timestamp".into(), json!(at.to_string()));
    object.insert("host".into(), json!(format!("node-{host:04}.example.org")));
    for (name, v) in stats(host, i) {
        let value = if name.starts_with("service.") { json!(v == 1.0) } else { json!(v) };
        object.insert(name, value);
    }
    serde_json::to_vec(&object).expect("serialises")
}

fn kv_line(host: usize, i: usize, at: Timestamp) -> Vec<u8> {
    let mut line = format!("@timestamp={at} host=node-{host:04}.example.org");
    for (name, v) in stats(host, i) {
        if name.starts_with("service.") {
            line.push_str(&format!(" {name}={}", v == 1.0));
        } else {
            line.push_str(&format!(" {name}={v}"));
        }
    }
    line.into_bytes()
}

fn rules() -> RuleSet {
    let yaml = r#"
- {name: NodeCpuHigh, stat: cpu.percent, threshold: 90, cycle: 5m, for: 2m}
- {name: NodeMemHigh, stat: mem.used_percent, threshold: 95, cycle: 5m}
- {name: NodeDiskFull, stat: "disk.*.used_percent", op: ">=", threshold: 95, reduce: max}
- {name: XrootdDown, service: xrootd}
"#;
    let configs: Vec<ThresholdRuleConfig> = yaml_serde::from_str(yaml).expect("bench rules are valid");
    RuleSet::compile(&configs, SignedDuration::from_mins(1)).expect("rules compile")
}

/// Runs the benchmark.
pub fn run(args: LinesArgs) -> Result<()> {
    let formats: [(&str, LineFormat, MakeLine); 2] =
        [("json", LineFormat::Json, json_line), ("key_value", LineFormat::KeyValue, kv_line)];
    for (name, format, make) in formats {
        // Samples every 10 s per host, as agents at their default interval send them.
        let lines: Vec<Vec<u8>> = (0..args.lines)
            .map(|i| {
                let host = i % args.hosts;
                let at = Timestamp::from_millisecond(T0_MS + (i / args.hosts) as i64 * 10_000).expect("time");
                make(host, i, at)
            })
            .collect();
        let bytes: usize = lines.iter().map(Vec::len).sum();
        let parser = LineParser::new(format);
        let fields = SampleFields::default();
        let mut series = NodeSeries::new(SeriesLimits::default());
        let mut rules = rules();
        let (mut recorded, mut alerts) = (0usize, 0usize);
        let start = Instant::now();
        for (i, line) in lines.iter().enumerate() {
            if let LineOutcome::Recorded { .. } = ingest_line(&parser, &fields, line, T0_MS, &mut series) {
                recorded += 1;
            }
            if (i + 1) % args.evaluate_every == 0 {
                let now = Timestamp::from_millisecond(T0_MS + (i / args.hosts) as i64 * 10_000).expect("time");
                series.prune(now.as_millisecond());
                alerts += rules.evaluate(&series, now).len();
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        anyhow::ensure!(recorded == lines.len(), "{name}: only {recorded} of {} lines recorded", lines.len());
        println!(
            "{}",
            json!({
                "phase": "lines",
                "format": name,
                "lines": lines.len(),
                "mean_line_bytes": bytes / lines.len().max(1),
                "hosts": args.hosts,
                "seconds": seconds,
                "lines_per_s": lines.len() as f64 / seconds,
                "mb_per_s": bytes as f64 / seconds / 1e6,
                "rule_alerts": alerts,
            })
        );
    }
    Ok(())
}
