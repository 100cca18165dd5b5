//! An Alertmanager-compatible server under test: the real Prometheus Alertmanager or triage,
//! started with a given `alertmanager.yml` on a free loopback port.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use super::DEADLINE;
use super::proc::{Proc, free_port};

/// Which implementation a [`Peer`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Alertmanager,
    Triage,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Alertmanager => "alertmanager",
            Kind::Triage => "triage",
        }
    }
}

/// A running Alertmanager-compatible server. Dropping it stops the process and removes its
/// data directory.
pub struct Peer {
    pub kind: Kind,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Kept for its drop: stops the process.
    _proc: Proc,
    // Dropped after `_proc` (fields drop in declaration order), so the process is gone first.
    _dir: TempDir,
}

impl Peer {
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}

/// Starts the real Alertmanager (`prometheus-alertmanager`, clustering off).
pub async fn start_alertmanager(config_yaml: &str) -> Peer {
    start_peer(Kind::Alertmanager, config_yaml).await
}

/// Starts triage (`triage serve`) from this build, with a fresh data directory.
pub async fn start_triage(config_yaml: &str) -> Peer {
    start_peer(Kind::Triage, config_yaml).await
}

/// Starts a peer of the given kind and waits until `/-/ready` answers.
pub async fn start_peer(kind: Kind, config_yaml: &str) -> Peer {
    let dir = tempfile::Builder::new().prefix(&format!("triage-test-{}-", kind.name())).tempdir().expect("temp dir");
    std::fs::write(dir.path().join("alertmanager.yml"), config_yaml).expect("write config");
    start_peer_in(kind, dir).await
}

/// Starts a peer of the given kind on `dir/alertmanager.yml` (with whatever files it refers to
/// beside it) and waits until `/-/ready` answers. The directory goes with the peer.
pub async fn start_peer_in(kind: Kind, dir: TempDir) -> Peer {
    let config_path = dir.path().join("alertmanager.yml");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("create data dir");

    let (proc, url) = start_listening(kind.name(), "/-/ready", |port| {
        let listen = format!("127.0.0.1:{port}");
        match kind {
            Kind::Alertmanager => {
                let mut cmd = Command::new("prometheus-alertmanager");
                cmd.arg(format!("--config.file={}", config_path.display()))
                    .arg(format!("--storage.path={}", data.display()))
                    .arg(format!("--web.listen-address={listen}"))
                    .arg("--cluster.listen-address=");
                cmd
            }
            Kind::Triage => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
                cmd.env("NO_COLOR", "1")
                    .arg("serve")
                    .arg("--config")
                    .arg(&config_path)
                    .arg("--listen")
                    .arg(&listen)
                    .arg("--data-dir")
                    .arg(&data);
                cmd
            }
        }
    })
    .await;
    Peer { kind, url, _proc: proc, _dir: dir }
}

/// Starts the triage binary with `config` and `data` (kept by the caller, so a test can
/// restart on the same data directory) and waits until it is ready.
pub async fn start_triage_at(config: &Path, data: &Path) -> (Proc, String) {
    start_listening("triage", "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data);
        cmd
    })
    .await
}

/// Writes `config_yaml` to `dir/alertmanager.yml` and starts triage with it and the data
/// directory `dir/data`, so that a later call restarts it on the same data.
pub async fn start_triage_in(dir: &Path, config_yaml: &str) -> (Proc, String) {
    let config = dir.join("alertmanager.yml");
    std::fs::write(&config, config_yaml).expect("write alertmanager.yml");
    start_triage_at(&config, &dir.join("data")).await
}

/// Starts a server on a free port and waits until `ready_path` answers 2xx. A process that
/// exits before it is ready because another process took the port is retried on a new port,
/// up to three times in all.
pub async fn start_listening(
    name: &str,
    ready_path: &str,
    command_for_port: impl Fn(u16) -> Command,
) -> (Proc, String) {
    let mut failures = Vec::new();
    for _attempt in 0..3 {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut proc = Proc::spawn(name, command_for_port(port));
        match proc.wait_http_ok(&format!("{url}{ready_path}"), DEADLINE).await {
            Ok(()) => return (proc, url),
            Err(e) => {
                let log = proc.log_tail(6000).to_lowercase();
                let lost_port =
                    proc.exited().is_some() && (log.contains("address already in use") || log.contains("bind"));
                failures.push(format!("{e}\n{}", proc.report()));
                if !lost_port {
                    break;
                }
            }
        }
    }
    panic!("could not start {name}:\n{}", failures.join("\n"));
}
