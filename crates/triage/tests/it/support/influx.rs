//! A real InfluxDB 1.x (`influxd`, Debian package `influxdb`) for tests: started from a config
//! file in a temporary directory (meta, data and WAL there), HTTP on a free loopback port,
//! the RPC service on another loopback port, reporting, monitoring and every other listener
//! off, and authentication on with one admin user.
//!
//! Not declared in `support/mod.rs`: a test file that needs it declares
//! `#[path = "support/influx.rs"] mod influx;` next to `mod support;`.

use std::process::Command;

use tempfile::TempDir;

use crate::support::proc::{Proc, free_port};
use crate::support::{DEADLINE, find_binary};

/// The admin user created at start.
pub const ADMIN_USER: &str = "triage-admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "s3cret-pw-9f2c";

/// A running `influxd` with its own directories.
pub struct Influx {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:38123`.
    pub url: String,
    pub proc: Proc,
    client: reqwest::Client,
    // Dropped after `proc`, so the process is gone before its files.
    _dir: TempDir,
}

/// Whether `influxd` is installed. When it is not, the test fails naming the package, unless
/// `TRIAGE_SKIP_INTEROP=1`: then this prints `SKIPPED` and returns `false`.
#[must_use]
pub fn have_influxd(test: &str) -> bool {
    if find_binary("influxd").is_some() {
        return true;
    }
    if std::env::var("TRIAGE_SKIP_INTEROP").as_deref() == Ok("1") {
        eprintln!("SKIPPED {test}: missing influxd (TRIAGE_SKIP_INTEROP=1)");
        return false;
    }
    panic!(
        "{test}: influxd is not on PATH; install the Debian package influxdb \
         (`apt-get install influxdb`), or set TRIAGE_SKIP_INTEROP=1 to skip interop tests"
    );
}

/// The configuration file: everything under `dir`, only HTTP and RPC listening, on loopback.
fn config_text(dir: &std::path::Path, http_port: u16, rpc_port: u16) -> String {
    let d = dir.display();
    format!(
        r#"reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{d}/meta"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
  https-enabled = false

[subscriber]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[continuous_queries]
  enabled = false
"#
    )
}

/// Starts `influxd`, waits for `/ping` and creates the admin user. Retries with other ports
/// if one was taken meanwhile.
pub async fn start_influx() -> Influx {
    let mut failures = Vec::new();
    for _attempt in 0..3 {
        let dir = tempfile::Builder::new().prefix("triage-test-influx-").tempdir().expect("temp dir");
        let (http_port, rpc_port) = (free_port(), free_port());
        let config = dir.path().join("influxdb.conf");
        std::fs::write(&config, config_text(dir.path(), http_port, rpc_port)).expect("write influxdb.conf");
        let mut cmd = Command::new("influxd");
        cmd.arg("-config").arg(&config).env("INFLUXDB_DATA_QUERY_LOG_ENABLED", "false");
        let mut proc = Proc::spawn("influxd", cmd);
        let url = format!("http://127.0.0.1:{http_port}");
        match proc.wait_http_ok(&format!("{url}/ping"), DEADLINE).await {
            Ok(()) => {
                let influx = Influx { url, proc, client: crate::support::client(), _dir: dir };
                // With authentication on and no user yet, InfluxDB accepts this one statement.
                influx
                    .query_unauthenticated(&format!(
                        "CREATE USER \"{ADMIN_USER}\" WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
                    ))
                    .await;
                return influx;
            }
            Err(e) => {
                let log = proc.log_tail(6000).to_lowercase();
                let lost_port = proc.exited().is_some() && log.contains("address already in use");
                failures.push(format!("{e}\n{}", proc.report()));
                if !lost_port {
                    break;
                }
            }
        }
    }
    panic!("could not start influxd:\n{}", failures.join("\n"));
}

/// `pairs` URL-encoded as a query string or form body.
fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

impl Influx {
    async fn query_unauthenticated(&self, statement: &str) {
        let response = self
            .client
            .post(format!("{}/query", self.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&[("q", statement)]))
            .send()
            .await
            .expect("influxd /query");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success() && !body.contains("\"error\""), "{statement}: HTTP {status}: {body}");
    }

    /// Runs a statement as the admin user (e.g. `CREATE DATABASE x`); fails the test on error.
    pub async fn admin_statement(&self, statement: &str) {
        let response = self
            .client
            .post(format!("{}/query", self.url))
            .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&[("q", statement)]))
            .send()
            .await
            .expect("influxd /query");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success() && !body.contains("\"error\""), "{statement}: HTTP {status}: {body}");
    }

    /// Writes line-protocol `lines` (timestamps in milliseconds) into `database`.
    pub async fn write_lines(&self, database: &str, lines: &str) {
        let response = self
            .client
            .post(format!("{}/write?db={database}&precision=ms", self.url))
            .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
            .body(lines.to_owned())
            .send()
            .await
            .expect("influxd /write");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 204, "write: {body}\n{lines}\n{}", self.proc.log_tail(3000));
    }

    /// The raw body of a `GET /query` as the admin user with `epoch=ms`.
    pub async fn raw_query(&self, database: &str, query: &str) -> Vec<u8> {
        let response = self
            .client
            .get(format!("{}/query?{}", self.url, form(&[("db", database), ("q", query), ("epoch", "ms")])))
            .basic_auth(ADMIN_USER, Some(ADMIN_PASSWORD))
            .send()
            .await
            .expect("influxd /query");
        assert!(response.status().is_success(), "query {query}: HTTP {}", response.status());
        response.bytes().await.expect("query body").to_vec()
    }
}
