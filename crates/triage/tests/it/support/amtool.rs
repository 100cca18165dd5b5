//! Running the real `amtool` against a peer, with a clean environment (UTC, no user config).

use std::process::Stdio;

use tempfile::TempDir;

/// What one `amtool` run printed.
#[derive(Clone, Debug)]
pub struct AmtoolOutput {
    /// The arguments after `--alertmanager.url`, for messages.
    pub args: Vec<String>,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl AmtoolOutput {
    /// Panics with the full output unless amtool exited 0.
    pub fn expect_ok(self) -> AmtoolOutput {
        assert!(self.success, "amtool {:?} failed:\n{}", self.args, self.describe());
        self
    }

    pub fn describe(&self) -> String {
        format!(
            "amtool {} (success={})\nstdout:\n{}\nstderr:\n{}",
            self.args.join(" "),
            self.success,
            self.stdout,
            self.stderr
        )
    }
}

/// An `amtool` bound to one Alertmanager URL.
pub struct Amtool {
    url: String,
    // An empty $HOME, so no ~/.config/prometheus/amtool.yml changes defaults.
    home: TempDir,
}

impl Amtool {
    pub fn new(alertmanager_url: &str) -> Amtool {
        Amtool {
            url: alertmanager_url.to_owned(),
            home: tempfile::Builder::new().prefix("triage-test-amtool-home-").tempdir().expect("temp home"),
        }
    }

    /// Runs `amtool --alertmanager.url=URL ARGS...` and returns what it printed.
    pub async fn run(&self, args: &[&str]) -> AmtoolOutput {
        let out = tokio::process::Command::new("amtool")
            .arg(format!("--alertmanager.url={}", self.url))
            .args(args)
            .env("TZ", "UTC")
            .env("HOME", self.home.path())
            .env("USER", "triage-test")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run amtool: {e}"));
        AmtoolOutput {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
