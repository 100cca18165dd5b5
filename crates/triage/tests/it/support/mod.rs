//! Helpers shared by the interop tests: starting real programs (Alertmanager, triage,
//! Prometheus, VictoriaMetrics, vmalert, PostgreSQL) on loopback ports, a webhook sink that records
//! notifications, and small HTTP and `amtool` clients.
//!
//! Every program a test starts is owned by a [`Proc`] guard that kills it on drop, and every
//! wait polls a condition against a bounded deadline: nothing here asserts on elapsed time.

pub mod amtool;
pub mod api;
pub mod in_process;
pub mod influx;
pub mod nats;
pub mod peer;
pub mod postgres;
pub mod proc;
pub mod recorder;
pub mod smtp;
pub mod sources;
pub mod victoria;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use amtool::{Amtool, AmtoolOutput};
pub use api::{AlertSpec, client, get_json, post_alerts};
pub use peer::{Kind, Peer, start_alertmanager, start_peer, start_triage};
pub use proc::{Proc, free_port};
pub use sources::{start_prometheus, start_victoria_metrics, start_vmalert};
pub use webhook::{Received, WebhookSink};

/// How long any single wait on a started program may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The Debian package that ships each external binary the interop tests use.
fn package_of(bin: &str) -> &'static str {
    match bin {
        "prometheus-alertmanager" | "amtool" => "prometheus-alertmanager",
        "prometheus" | "promtool" => "prometheus",
        "victoria-metrics" | "vmalert" => "victoria-metrics",
        "influxd" => "influxdb",
        "chromium" => "chromium",
        "node" | "npm" => "nodejs npm",
        "nats-server" => "nats-server",
        "initdb" | "postgres" | "pg_isready" | "createdb" | "psql" => "postgresql",
        _ => "(unknown package)",
    }
}

/// Finds `bin` on `PATH`.
pub fn find_binary(bin: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(bin)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// Checks that every binary in `bins` is installed. When one is missing the test fails with a
/// message naming the package, unless `TRIAGE_SKIP_INTEROP=1` is set: then this prints
/// `SKIPPED` and returns `false`, and the caller returns early.
#[must_use]
pub fn have_binaries(test: &str, bins: &[&str]) -> bool {
    let missing: Vec<&str> = bins.iter().copied().filter(|b| find_binary(b).is_none()).collect();
    if missing.is_empty() {
        return true;
    }
    let packages: Vec<&str> = missing.iter().map(|b| package_of(b)).collect();
    if std::env::var("TRIAGE_SKIP_INTEROP").as_deref() == Ok("1") {
        eprintln!("SKIPPED {test}: missing {missing:?} (TRIAGE_SKIP_INTEROP=1)");
        return false;
    }
    panic!(
        "{test}: required binaries {missing:?} are not on PATH; install the Debian packages \
         {packages:?} (`apt-get install {}`), or set TRIAGE_SKIP_INTEROP=1 to skip interop tests",
        packages.join(" ")
    );
}

/// Polls `cond` every 50 ms until it returns `Some`, or `timeout` passes (then `None`).
pub async fn poll<T, F, Fut>(timeout: Duration, mut cond: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = cond().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
