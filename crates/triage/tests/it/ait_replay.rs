//! The AIT alert data set's russellmitchell scenario (45,544 real IDS alerts) replayed with
//! `examples/ait/triage.yml`, which reads only the columns time, name, ip, host and short.
//! The answer key (time_label, and the attack phases' intervals) is read here only: at least
//! 99% fewer notifications than alerts, and every attack phase notified, where a phase
//! counts as notified when a notification sent during it, or within 5 minutes after its
//! end, carries an alert that one of the phase's rows started (same labels, same start).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;

use jiff::Timestamp;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (name, host, ip, short, unix second) → the phases its rows are labelled with.
fn answer_key() -> HashMap<(String, String, String, String, i64), HashSet<String>> {
    let mut key: HashMap<_, HashSet<String>> = HashMap::new();
    let mut rows = csv::Reader::from_path(root().join("testdata/ait/russellmitchell_alerts.csv")).unwrap();
    for row in rows.records() {
        let row = row.unwrap();
        let time: f64 = row[0].parse().unwrap();
        key.entry((row[1].to_string(), row[3].to_string(), row[2].to_string(), row[4].to_string(), time as i64))
            .or_default()
            .insert(row[5].to_string());
    }
    key
}

/// The attack phases of the scenario (the data set's false-positive periods left out).
fn phases() -> Vec<(String, Timestamp, Timestamp)> {
    let mut rows = csv::Reader::from_path(root().join("testdata/ait/attack_phases_utc.csv")).unwrap();
    let at = |s: &str| format!("{}Z", s.replace(' ', "T")).parse::<Timestamp>().unwrap();
    rows.records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "russellmitchell" && !r[1].starts_with("false_positive"))
        .map(|r| (r[1].to_string(), at(&r[2]), at(&r[3])))
        .collect()
}

#[test]
fn the_ait_history_is_reduced_by_99_percent_with_every_attack_phase_notified() {
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["replay", "--json", "--config"])
        .arg(root().join("examples/ait/triage.yml"))
        .arg("--input")
        .arg(root().join("testdata/ait/russellmitchell_alerts.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alerts_in = report["alerts_in"].as_u64().unwrap();
    let sent = report["notifications_out"].as_u64().unwrap();
    assert_eq!(alerts_in, 45_544);
    let reduction = 1.0 - sent as f64 / alerts_in as f64;
    assert!(reduction >= 0.99, "{sent} notifications: {:.2}% reduction", reduction * 100.0);

    let key = answer_key();
    let notifications = report["notifications"].as_array().unwrap();
    let five_minutes = jiff::SignedDuration::from_mins(5);
    let mut missed = Vec::new();
    let phases = phases();
    assert_eq!(phases.len(), 10);
    for (phase, start, end) in &phases {
        let notified = notifications.iter().any(|n| {
            let at: Timestamp = n["at"].as_str().unwrap().parse().unwrap();
            at >= *start
                && at <= end.checked_add(five_minutes).unwrap()
                && n["alerts"].as_array().unwrap().iter().any(|a| {
                    let l = &a["labels"];
                    let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
                    let started: Timestamp = a["startsAt"].as_str().unwrap().parse().unwrap();
                    key.get(&(s("alertname"), s("host"), s("ip"), s("short"), started.as_second()))
                        .is_some_and(|labels| labels.contains(phase))
                })
        });
        if !notified {
            missed.push(phase.clone());
        }
    }
    assert!(missed.is_empty(), "phases not notified: {missed:?}");
    // Incidents, not alert groups, are what is notified.
    assert!(report["incidents"].as_u64().unwrap() > 0);
    assert!(notifications.iter().all(|n| n["incident"].as_str().unwrap().len() == 16));
}
