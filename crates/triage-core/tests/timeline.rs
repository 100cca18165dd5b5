//! Timeline acceptance tests: Prometheus Alertmanager's acceptance scenarios
//! (`test/with_api_v2/acceptance/*_test.go`) as data, run against the core engine on a fake
//! clock.
//!
//! Each `testdata/timelines/<name>.yml` holds an alertmanager.yml, inputs at given seconds
//! (alerts, silences, silence expiry, reload, restart), optional failing deliveries, and the
//! full list of webhook notifications expected. The runner ticks the engine at every wake-up
//! time, builds each notification's webhook message with `WebhookMessage::new`, and fails
//! listing both sides when received and expected differ. See `timeline/scenario.rs` for the
//! format; `TIMELINE_TRACE=1 cargo test ... -- --nocapture` prints what each scenario got.

#[path = "timeline/report.rs"]
mod report;
#[path = "timeline/runner.rs"]
mod runner;
#[path = "timeline/scenario.rs"]
mod scenario;

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/timelines")
}

fn check(name: &str) {
    let path = dir().join(format!("{name}.yml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sc: scenario::Scenario = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{name}.yml: {e}"));
    let t0 = sc.t0.as_deref().unwrap_or(scenario::DEFAULT_T0).parse().expect("t0");
    let got = runner::run(&sc).unwrap_or_else(|e| panic!("{name}.yml: {e}"));
    if std::env::var_os("TIMELINE_TRACE").is_some() {
        eprintln!("{name}.yml received:\n{}", report::render_all(&got, t0));
    }
    if let Err(diff) = report::compare(&got, &sc.expect, t0) {
        panic!("{name}.yml: notifications differ\n{diff}");
    }
}

macro_rules! timelines {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

timelines! {
    active_time_intervals,
    batching,
    failed_delivery_retry,
    failed_resolved_retry,
    group_by_all,
    group_by_labels,
    group_wait_old_alert,
    inhibit_both_resolve,
    inhibit_critical_warning,
    inhibit_equal_missing,
    inhibit_job_zone,
    inhibit_two_sided,
    max_alerts,
    merge_alerts,
    merge_resend,
    mute_time_intervals,
    no_group_by,
    refire_after_resolution,
    reload_in_flight,
    reload_keeps_groups,
    reload_regroup,
    repeat_interval,
    repeat_interval_strict,
    resolve_timeout,
    resolved_filter,
    restart,
    routing_continue,
    routing_duplicate_matchers,
    routing_match_deprecated,
    send_resolved,
    silence_after_notification,
    silence_delete_regex,
    silence_expire,
    silence_matchers,
    silence_pending_active_expired,
}

#[test]
fn every_scenario_file_is_run() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("testdata/timelines")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".yml").map(str::to_string))
        .collect();
    files.sort();
    let mut names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    names.sort();
    assert_eq!(files, names, "testdata/timelines/*.yml and the timelines! list differ");
}
