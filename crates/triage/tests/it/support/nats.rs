//! A nats-server with JetStream started by a test, on a free port of 127.0.0.1, with its own
//! store directory; stopped when dropped.

use tempfile::TempDir;

use super::{DEADLINE, Proc};

/// A running nats-server with its own store directory.
pub struct NatsServer {
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    _proc: Proc,
    // Dropped after `proc`, so the process is gone before its files.
    _dir: TempDir,
}

impl NatsServer {
    /// Starts `nats-server -js -a 127.0.0.1 -p -1 -sd DIR EXTRA...` and waits for the port it
    /// reports in its log.
    pub async fn start(extra: &[&str]) -> NatsServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = std::process::Command::new("nats-server");
        cmd.args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"]).arg(dir.path()).args(extra);
        let mut proc = Proc::spawn("nats-server", cmd);
        let marker = "Listening for client connections on 127.0.0.1:";
        let port = super::poll(DEADLINE, || {
            let log = proc.log_tail(64 * 1024);
            let port = log
                .split(marker)
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<u16>().ok()));
            let ready = log.contains("Server is ready");
            async move { port.filter(|_| ready) }
        })
        .await;
        let Some(port) = port else {
            panic!("nats-server did not report its port\n{}", proc.report());
        };
        NatsServer { url: format!("nats://127.0.0.1:{port}"), _proc: proc, _dir: dir }
    }
}
