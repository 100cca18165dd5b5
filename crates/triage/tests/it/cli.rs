//! The command line of the real binary: `check-config`, `--version`, and SIGHUP reload.

use std::path::PathBuf;
use std::process::Command;

use crate::support::peer::start_triage_at;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

fn triage(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn check_config_accepts_a_valid_file() {
    let (code, out) = triage(&["check-config", testdata("config/cms-like.yml").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn check_config_lists_every_problem_and_exits_1() {
    let (code, out) = triage(&["check-config", testdata("config/invalid/many-errors.yml").to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAILED"), "{out}");
    let problems = out.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(problems, 10, "every problem on its own line:\n{out}");
}

#[test]
fn check_config_names_each_field_that_is_not_a_go_template() {
    let (code, out) = triage(&["check-config", testdata("config/channels.yml").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let problems: Vec<&str> = out.lines().filter(|l| l.contains("not a valid Go template")).collect();
    assert_eq!(problems.len(), 1, "{out}");
    assert!(problems[0].contains(r#"receiver "ops" slack_configs[1].title: not a valid Go template"#), "{out}");
    assert!(problems[0].ends_with("every notification of this integration fails"), "{out}");
}

#[test]
fn template_render_shows_every_field_of_a_receiver() {
    let config = testdata("config/channels.yml");
    let (code, out) = triage(&["template", "render", "--config", config.to_str().unwrap(), "--receiver", "ops"]);
    assert_eq!(code, 0, "{out}");
    for want in [
        "==> email_configs[0].subject <==\n[CRITICAL] [FIRING:2] SquidDown T2_CH_CERN (frontier-squid)",
        "==> email_configs[0].headers.X-Triage-Site <==\nT2_CH_CERN",
        "==> slack_configs[0].title <==\n[FIRING:2] SquidDown",
        "==> mattermost_configs[0].text <==",
        "\"instructions\": [",
        "Restart the squid on squid-01.cern.ch:3128",
        "==> slack_configs[0].fields <==\n[{\"short\":true,\"title\":\"Site\",\"value\":\"T2_CH_CERN\"}]",
        "warning: receiver \"ops\" slack_configs[1].title",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let (code, _) = triage(&["template", "render", "--receiver", "nobody"]);
    assert_eq!(code, 1);
}

#[test]
fn check_config_fails_on_any_bad_file_among_several() {
    let good = testdata("config/cms-like.yml");
    let bad = testdata("config/invalid/unknown-key.yml");
    let (code, out) = triage(&["check-config", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = triage(&["check-config", "/nonexistent/alertmanager.yml"]);
    assert_eq!(code, 1);
    assert!(out.contains("cannot read"), "{out}");
}

#[test]
fn version_is_printed() {
    let (code, out) = triage(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("triage "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, "route:\n  receiver: a\nreceivers:\n  - name: a\n").unwrap();
    let data = dir.path().join("data");
    let (proc, url) = start_triage_at(&config, &data).await;
    std::fs::write(&config, "route:\n  receiver: b\nreceivers:\n  - name: a\n  - name: b\n").unwrap();
    assert!(Command::new("kill").arg("-HUP").arg(proc.pid().to_string()).status().unwrap().success());
    let reloaded = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let v: serde_json::Value =
                crate::support::client().get(format!("{url}/api/v2/receivers")).send().await.ok()?.json().await.ok()?;
            (v.as_array()?.len() == 2).then_some(())
        }
    })
    .await;
    assert!(reloaded.is_some(), "SIGHUP did not reload the configuration");
}

/// `serve` with the built-in configuration, stderr going to a file and `NO_COLOR` unset: no
/// ANSI colour codes; the start-up lines give the web UI's address and warn that nothing is
/// notified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_log_names_the_ui_and_warns_without_notifications_and_has_no_colours_in_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (proc, url) = crate::support::peer::start_listening("triage", "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.env_remove("NO_COLOR")
            .env_remove("RUST_LOG")
            .env_remove("TRIAGE_CONFIG")
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data);
        cmd
    })
    .await;
    let log = proc.log_tail(64 * 1024);
    assert!(!log.contains('\u{1b}'), "colour codes in a log file:\n{log}");
    assert!(log.contains(&format!("web UI at {url}/")), "{log}");
    assert!(log.contains("WARN") && log.contains("sends no notification"), "{log}");
}

/// Every subcommand's `--help` ends with examples, and no usage line shows `--url` as required
/// (it has a default, a client configuration or an environment variable).
#[test]
fn every_subcommand_help_has_examples_and_no_required_url() {
    let commands: &[&[&str]] = &[
        &["serve"],
        &["check-config"],
        &["template"],
        &["agent"],
        &["poll"],
        &["ggus"],
        &["anomaly"],
        &["maintenance"],
        &["maintenance", "add"],
        &["maintenance", "list"],
        &["maintenance", "end"],
        &["nats"],
        &["alerts"],
        &["silences"],
        &["outages"],
        &["incidents"],
        &["analytics"],
        &["query"],
        &["top"],
        &["replay"],
        &["train"],
        &["eval"],
    ];
    for args in commands {
        let (code, help) = triage(&[args, &["--help"][..]].concat());
        assert_eq!(code, 0, "{args:?}");
        assert!(help.contains("\nExamples:\n  triage "), "{args:?} --help has no examples:\n{help}");
    }
    for args in [&["query", "vm"][..], &["query", "influx"], &["query", "es"], &["alerts"], &["maintenance", "list"]] {
        let (_, help) = triage(&[args, &["--help"][..]].concat());
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap_or_default();
        assert!(!usage.contains("--url"), "{args:?}: {usage}");
    }
}
