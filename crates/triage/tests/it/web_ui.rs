//! The web UI, with the real binary:
//!
//! - Its files are served from the binary with their content types, validators (`304` on a
//!   matching `If-None-Match`) and a content security policy; `/` redirects to `/ui/`; every
//!   module a page imports exists.
//! - In a real headless Chromium (Debian's `chromium`, driven by npm `playwright-core` from
//!   `tests/ui/ui_check.mjs`): alerts posted through the API appear, group and filter; a
//!   silence and a maintenance window created in the UI's forms suppress their alerts (the
//!   API says so, with the silence id and the outage), are edited, ended and expired there;
//!   an inhibited alert is shown with the alert inhibiting it;
//!   feedback given on an alert is stored; server text is never run; incidents and analytics
//!   show the server's own answers, and render fuller answers of the same shape. The effects are
//!   checked again here through the API once the browser is gone. Screenshots (light and
//!   dark) are written to `$CARGO_TARGET_DIR/ui-artifacts/<run>/`, whose path is printed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::support::{AlertSpec, DEADLINE, get_json, post_alerts};
use serde_json::Value;

/// How long the whole browser check may take on a busy machine before it is stopped.
const BROWSER_DEADLINE: Duration = Duration::from_secs(600);

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
inhibit_rules:
  - source_matchers: [alertname="UiNodeDown"]
    target_matchers: [severity="warning"]
    equal: [site]
classification: {}
flapping: {changes: 2, window: 1h}
"#;

fn ui_test_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui")
}

/// The cargo target directory: the binary under test lives in `<target>/<profile>/`.
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_triage"));
    bin.parent().and_then(Path::parent).expect("the binary is in <target>/<profile>/").to_path_buf()
}

/// A fresh directory for this run's screenshots and logs.
fn artifact_dir() -> PathBuf {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let dir = target_dir().join("ui-artifacts").join(format!("{stamp}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The oldest Node that the locked `playwright-core` runs on (its `engines`).
const NODE_MAJOR: u32 = 20;

/// Fails with a clear message when `node` is older than the UI check needs.
fn check_node_version() {
    let out = Command::new("node").arg("--version").output().expect("run node --version");
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major: u32 = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    assert!(
        major >= NODE_MAJOR,
        "node {version} is too old for the UI check: playwright-core (tests/ui/package-lock.json) needs Node \
         {NODE_MAJOR} or newer"
    );
}

/// Installs the locked npm packages of the UI check when they are missing.
fn ensure_node_modules() {
    check_node_version();
    let dir = ui_test_dir();
    if dir.join("node_modules/playwright-core/package.json").exists() {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `npm ci` in {}: {e}", dir.display()));
    assert!(
        out.status.success(),
        "`npm ci` in {} failed ({}); the UI test needs npm `playwright-core` from package-lock.json \
         (`.ci/run` installs it):\n{}{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A program started in its own process group; dropping it kills the whole group (node and
/// the Chromium processes it started), whatever state they are in.
struct Group {
    child: Child,
}

impl Group {
    fn spawn(mut cmd: Command) -> Group {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        Group { child: cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}")) }
    }

    /// Waits for the exit, or `None` once `timeout` passed.
    async fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        crate::support::poll(timeout, || {
            let status = self.child.try_wait().expect("wait on the child");
            async move { status }
        })
        .await
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }
}

/// The alerts the browser check expects, by name.
fn alerts() -> Vec<AlertSpec> {
    vec![
        AlertSpec::new(&[
            ("alertname", "UiDiskFull"),
            ("site", "T2_CH_CSCS"),
            ("instance", "se1.cscs.ch:9100"),
            ("service", "dcache"),
            ("severity", "critical"),
        ])
        .annotations(&[
            ("summary", "Disk almost full on the dCache pool"),
            ("runbook_url", "https://runbooks.example.org/disk-full"),
            ("dashboard", "https://grafana.example.org/d/disk"),
        ]),
        AlertSpec::new(&[
            ("alertname", "UiTransferErrors"),
            ("site", "T1_DE_KIT"),
            ("service", "fts"),
            ("severity", "warning"),
        ])
        .annotations(&[("summary", "FTS transfer failures to T1_DE_KIT")]),
        AlertSpec::new(&[
            ("alertname", "UiNodeDown"),
            ("site", "T2_IT_Pisa"),
            ("instance", "node7.pi.infn.it:9100"),
            ("severity", "critical"),
        ])
        .annotations(&[("summary", "node7 does not answer")]),
        AlertSpec::new(&[("alertname", "UiPisaSlow"), ("site", "T2_IT_Pisa"), ("severity", "warning")])
            .annotations(&[("summary", "transfers to T2_IT_Pisa are slow")]),
        AlertSpec::new(&[("alertname", "UiHostile"), ("site", "T2_XX_Test"), ("severity", "info")]).annotations(&[
            ("summary", "<img src=x onerror=\"window.__xss=1\">"),
            ("description", "<script>window.__xss=2</script>"),
            ("runbook_url", "javascript:window.__xss=3"),
        ]),
    ]
}

fn find<'a>(alerts: &'a Value, name: &str) -> &'a Value {
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == name)
        .unwrap_or_else(|| panic!("{name} listed"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ui_in_chromium_shows_alerts_and_its_forms_take_effect() {
    if !crate::support::have_binaries("web_ui", &["node", "npm", "chromium"]) {
        return;
    }
    ensure_node_modules();
    let peer = crate::support::start_triage(CONFIG).await;
    let base = peer.url.clone();
    post_alerts(&base, &alerts()).await;

    let artifacts = artifact_dir();
    let log = artifacts.join("ui_check.log");
    let log_file = std::fs::File::create(&log).expect("create the check's log");
    let mut cmd = Command::new("node");
    cmd.arg("ui_check.mjs")
        .arg(&base)
        .arg(&artifacts)
        .current_dir(ui_test_dir())
        .env("CHROMIUM", crate::support::find_binary("chromium").expect("chromium on PATH"))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("clone log handle"))
        .stderr(log_file);
    let mut node = Group::spawn(cmd);
    let status = node.wait(BROWSER_DEADLINE).await;
    drop(node);
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    println!("{output}");
    println!("UI artifacts (screenshots, log): {}", artifacts.display());
    let status =
        status.unwrap_or_else(|| panic!("the browser check did not end within {BROWSER_DEADLINE:?}:\n{output}"));
    assert!(status.success(), "the browser check failed ({status}); artifacts in {}:\n{output}", artifacts.display());
    assert!(output.contains("UI CHECK PASSED"), "{output}");
    for shot in ["light-alerts", "light-suppressed", "light-analytics", "dark-alerts", "dark-outages"] {
        assert!(artifacts.join(format!("{shot}.png")).exists(), "screenshot {shot} missing in {}", artifacts.display());
    }

    // What the UI did, seen through the API.
    let listed = get_json(&base, "/api/v2/alerts").await;
    let feedback =
        crate::support::client().get(format!("{base}/api/v2/feedback")).send().await.unwrap().text().await.unwrap();
    for (name, category) in [("UiDiskFull", "database"), ("UiHostile", "noise")] {
        let fp = find(&listed, name)["fingerprint"].as_str().unwrap().to_string();
        assert!(
            feedback.lines().any(|l| l.contains(&fp) && l.ends_with(&format!(",{category}"))),
            "feedback {category} on {name} stored:\n{feedback}"
        );
    }
    let silences = get_json(&base, "/api/v2/silences").await;
    let silence = silences.as_array().unwrap().iter().find(|s| s["createdBy"] == "ui-test").expect("the UI's silence");
    assert_eq!(silence["comment"], "silenced from the UI test");
    assert_eq!(silence["status"]["state"], "expired", "expired from the UI: {silence}");
    assert_eq!(silence["matchers"][0]["name"], "alertname");
    assert_eq!(silence["matchers"][0]["value"], "UiTransferErrors");

    let windows = get_json(&base, "/api/v2/maintenances").await;
    let window = &windows.as_array().unwrap()[..];
    assert_eq!(window.len(), 1, "{windows}");
    assert_eq!(window[0]["reason"], "kernel and firmware upgrade");
    assert_eq!(window[0]["owner"], "ui-test");
    assert_eq!(window[0]["active"], false, "ended from the UI: {windows}");
    let id = window[0]["id"].as_str().unwrap();
    let hidden = get_json(&base, &format!("/api/v2/outages/maintenance:{id}/suppressions")).await;
    let rows = hidden.as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["labels"]["alertname"] == "UiNodeDown" && !r["endedAt"].is_null()),
        "the window hid UiNodeDown until it ended: {hidden}"
    );
    for name in ["UiNodeDown", "UiTransferErrors"] {
        assert_eq!(find(&listed, name)["status"]["state"], "active", "{name} notifies again");
    }
}

/// A client that shows redirects instead of following them.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(DEADLINE)
        .build()
        .expect("reqwest client")
}

#[tokio::test]
async fn ui_files_are_served_with_types_validators_and_a_policy() {
    let peer = crate::support::start_triage(CONFIG).await;
    let base = &peer.url;
    let http = raw_client();

    for path in ["/", "/ui"] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert!(r.status().is_redirection(), "{path}: {}", r.status());
        let to = r.url().join(r.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(to.path(), "/ui/", "{path}");
    }

    let page = http.get(format!("{base}/ui/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="js/main.js"></script>"#));

    // Every module reachable from main.js is served as JavaScript.
    let import = regex::Regex::new(r#"from '\./([a-z_]+\.js)'"#).unwrap();
    let mut todo = vec!["main.js".to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(file) = todo.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let r = http.get(format!("{base}/ui/js/{file}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "js/{file}");
        assert_eq!(r.headers()["content-type"], "text/javascript; charset=utf-8", "js/{file}");
        let text = r.text().await.unwrap();
        todo.extend(import.captures_iter(&text).map(|c| c[1].to_string()));
    }
    assert!(seen.len() >= 10, "{seen:?}");

    let css = http.get(format!("{base}/ui/style.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let etag = css.headers()["etag"].clone();
    let again = http.get(format!("{base}/ui/style.css")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    for missing in ["/ui/nope.js", "/ui/js/../../Cargo.toml", "/ui/js/"] {
        let r = http.get(format!("{base}{missing}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{missing}");
    }
    // The API is not shadowed by the UI's routes.
    assert_eq!(http.get(format!("{base}/api/v2/status")).send().await.unwrap().status(), 200);
}
