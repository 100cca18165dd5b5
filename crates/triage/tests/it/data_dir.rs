//! The data directory and start-up errors, with the real binary: a second `serve` on the same
//! embedded store is refused with the holder's pid; a data directory that is a file, a
//! `triage.db` that is not a database and a missing configuration file each give one clear
//! message with the operating system's reason.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::peer::start_triage_at;

/// Runs `triage serve` with `args` and waits (bounded) for it to exit; fails if it keeps running.
fn serve_expecting_exit(args: &[&std::ffi::OsStr]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.env("NO_COLOR", "1")
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", crate::support::free_port()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start triage");
    let deadline = std::time::Instant::now() + crate::support::DEADLINE;
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("triage serve {args:?} did not exit: {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_data_dir_is_refused_with_the_holders_pid() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, "route:\n  receiver: a\nreceivers:\n  - name: a\n").unwrap();
    let data = dir.path().join("data");
    let (mut first, url) = start_triage_at(&config, &data).await;

    let out = serve_expecting_exit(&["--config".as_ref(), config.as_os_str(), "--data-dir".as_ref(), data.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the second serve must fail: {stderr}");
    assert!(stderr.contains("in use by another triage process"), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", first.pid())), "the message names the holder: {stderr}");

    // The first one is untouched and still serves.
    assert!(first.exited().is_none(), "{}", first.report());
    let ready = crate::support::client().get(format!("{url}/-/ready")).send().await.unwrap();
    assert!(ready.status().is_success());

    // Once the holder is gone (even killed), the directory is free again.
    drop(first);
    let (second, _) = start_triage_at(&config, &data).await;
    drop(second);
}

#[test]
fn a_data_dir_that_is_a_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = serve_expecting_exit(&["--data-dir".as_ref(), file.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("data directory {}", file.display())), "{stderr}");
    assert!(stderr.contains("not a directory"), "{stderr}");
    assert!(!stderr.contains("corrupt row"), "{stderr}");
}

#[test]
fn a_garbage_store_file_is_reported_once_and_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("triage.db"), vec![b'g'; 8192]).unwrap();
    let out = serve_expecting_exit(&["--data-dir".as_ref(), dir.path().as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.matches("is not an SQLite database").count(), 1, "{stderr}");
    assert!(!stderr.contains("file is not a database"), "SQLite's own words are not repeated: {stderr}");
}

#[test]
fn a_missing_config_file_says_the_os_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yml");
    let out = serve_expecting_exit(&[
        "--config".as_ref(),
        missing.as_os_str(),
        "--data-dir".as_ref(),
        dir.path().join("data").as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("No such file or directory"), "serve: {stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(&missing).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("No such file or directory"), "check-config: {stdout}");
}
