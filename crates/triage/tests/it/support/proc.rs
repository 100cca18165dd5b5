//! A started program owned by the test: killed on drop, its stdout and stderr kept in a
//! temporary file whose tail goes into failure messages.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tempfile::TempDir;

/// Returns a port that was free a moment ago: bound on 127.0.0.1:0, then released.
/// Callers that race another process for it retry (see [`crate::support::peer`]).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// A child process that is killed (and reaped) when dropped.
pub struct Proc {
    name: String,
    child: Child,
    log_path: PathBuf,
    _log_dir: TempDir,
}

impl Proc {
    /// Starts `cmd` with stdin closed and stdout+stderr going to a temporary log file.
    pub fn spawn(name: &str, mut cmd: Command) -> Proc {
        let log_dir = tempfile::Builder::new()
            .prefix(&format!("triage-test-{name}-log-"))
            .tempdir()
            .expect("temp dir for process log");
        let log_path = log_dir.path().join("output.log");
        let log = File::create(&log_path).expect("create process log");
        cmd.stdin(Stdio::null()).stdout(log.try_clone().expect("clone log handle")).stderr(log);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Proc { name: name.to_owned(), child, log_path, _log_dir: log_dir }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has already ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the process to end; its status, or `None` if it still runs.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last `max` bytes the process wrote to stdout and stderr.
    pub fn log_tail(&self, max: u64) -> String {
        let Ok(mut f) = File::open(&self.log_path) else {
            return String::new();
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len > max {
            let _ = f.seek(SeekFrom::Start(len - max));
        }
        let mut buf = Vec::new();
        let _ = f.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// A description of the process state and its output tail, for failure messages.
    pub fn report(&mut self) -> String {
        let state = match self.exited() {
            Some(status) => format!("exited with {status}"),
            None => "still running".to_owned(),
        };
        format!(
            "--- {} (pid {}, {state}), last output:\n{}\n--- end of {} output",
            self.name,
            self.pid(),
            self.log_tail(6000),
            self.name
        )
    }

    /// Polls `url` until it answers 2xx. Fails early if the process exits.
    pub async fn wait_http_ok(&mut self, url: &str, timeout: Duration) -> Result<(), String> {
        let client = super::client();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Err(format!("{} exited with {status} before {url} was ready", self.name));
            }
            let last = match client.get(url).timeout(Duration::from_secs(2)).send().await {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp) => format!("HTTP {}", resp.status()),
                Err(e) => e.to_string(),
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(format!("{} not ready at {url} within {timeout:?} (last: {last})", self.name));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.report());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
