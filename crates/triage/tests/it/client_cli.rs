//! The client commands (`triage alerts|silences|outages|incidents|query`) run as the real
//! binary against a real `triage serve`, a real VictoriaMetrics and a real InfluxDB 1.x, and
//! against an in-process stand-in for Elasticsearch's `_search` (no Elasticsearch here).
//! Output goes to pipes, so it must carry no colour codes.

use crate::support::influx;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::support::{AlertSpec, DEADLINE, poll, post_alerts};
use serde_json::{Value, json};

const CONFIG: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
receivers:
  - name: default
"#;

/// Runs `triage ARGS` with no client configuration and no colours asked for.
async fn triage(args: &[&str]) -> Output {
    triage_with_env(args, &[]).await
}

async fn triage_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.args(args)
        .env_remove("TRIAGE_URL")
        .env_remove("TRIAGE_TOKEN_FILE")
        .env_remove("NO_COLOR")
        .env("TRIAGE_CLIENT_CONFIG", "/nonexistent/triage-client.yml")
        .kill_on_drop(true);
    for (name, value) in env {
        cmd.env(name, value);
    }
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("triage {args:?} did not finish"))
        .expect("run triage")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stdout of a command that must succeed, checked for colour codes.
fn ok_stdout(args: &[&str], out: &Output) -> String {
    assert!(out.status.success(), "triage {args:?} failed: {}\n{}", stderr(out), stdout(out));
    let text = stdout(out);
    assert!(!text.contains('\x1b'), "colour codes on a pipe: {text:?}");
    text
}

async fn run_ok(args: &[&str]) -> String {
    ok_stdout(args, &triage(args).await)
}

async fn run_json(args: &[&str]) -> Value {
    let text = run_ok(args).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("triage {args:?}: not JSON ({e}): {text}"))
}

fn alertnames(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sample_alerts() -> Vec<AlertSpec> {
    vec![
        AlertSpec::new(&[
            ("alertname", "DiskFull"),
            ("severity", "warning"),
            ("site", "T2_CH_CSCS"),
            ("instance", "se1"),
        ])
        .annotations(&[("summary", "disk almost full")]),
        AlertSpec::new(&[("alertname", "DiskSlow"), ("severity", "info"), ("site", "T1_DE_KIT"), ("instance", "se2")]),
        AlertSpec::new(&[
            ("alertname", "SRMDown"),
            ("severity", "critical"),
            ("site", "T2_CH_CSCS"),
            ("instance", "srm"),
        ]),
    ]
}

/// Starts triage in `dir`, posts the sample alerts and waits until the CLI lists them.
async fn triage_with_alerts(dir: &Path) -> (crate::support::Proc, String) {
    let (proc, url) = crate::support::peer::start_triage_in(dir, CONFIG).await;
    post_alerts(&url, &sample_alerts()).await;
    let listed = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let out = triage(&["alerts", "--url", &url, "-o", "json"]).await;
            let list: Value = serde_json::from_slice(&out.stdout).ok()?;
            (list.as_array()?.len() == 3).then_some(())
        }
    })
    .await;
    assert!(listed.is_some(), "the three alerts never showed in `triage alerts`");
    (proc, url)
}

#[tokio::test]
async fn alerts_are_listed_filtered_and_sorted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = triage_with_alerts(dir.path()).await;

    let table = run_ok(&["alerts", "--url", &url]).await;
    for expected in
        ["SEVERITY", "ALERTNAME", "SITE", "DiskFull", "DiskSlow", "SRMDown", "disk almost full", "T1_DE_KIT"]
    {
        assert!(table.contains(expected), "missing {expected:?}:\n{table}");
    }

    let filtered =
        run_json(&["alerts", "--url", &url, "alertname=~\"Disk.*\"", "site=\"T2_CH_CSCS\"", "-o", "json"]).await;
    assert_eq!(alertnames(&filtered), ["DiskFull"]);
    let negated = run_json(&["alerts", "--url", &url, "alertname!~\"Disk.*\"", "--output", "json"]).await;
    assert_eq!(alertnames(&negated), ["SRMDown"]);

    let by_severity = run_json(&["alerts", "--url", &url, "--sort", "severity", "-o", "json"]).await;
    assert_eq!(alertnames(&by_severity), ["SRMDown", "DiskFull", "DiskSlow"]);
    let by_name = run_json(&["alerts", "--url", &url, "--sort", "alertname", "-o", "json"]).await;
    assert_eq!(alertnames(&by_name), ["DiskFull", "DiskSlow", "SRMDown"]);
    let by_site = run_json(&["alerts", "--url", &url, "--sort", "site", "-o", "json"]).await;
    assert_eq!(alertnames(&by_site), ["DiskSlow", "DiskFull", "SRMDown"]);

    // The table follows the sort too.
    let table = run_ok(&["alerts", "--url", &url, "--sort", "severity"]).await;
    let srm = table.find("SRMDown").expect("SRMDown row");
    let slow = table.find("DiskSlow").expect("DiskSlow row");
    assert!(srm < slow, "{table}");
}

#[tokio::test]
async fn incidents_without_a_policy_are_the_alert_groups() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = triage_with_alerts(dir.path()).await;
    let help = run_ok(&["incidents", "--help"]).await;
    assert!(help.contains("--state"), "{help}");
    let groups = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let list = run_json(&["incidents", "--url", &url, "-o", "json"]).await;
            (list.as_array()?.len() == 3).then_some(list)
        }
    })
    .await
    .expect("three groups (group_by alertname)");
    assert_eq!(groups[0]["labels"]["alertname"], "SRMDown", "most severe incident first: {groups}");
    let table = run_ok(&["incidents", "--url", &url]).await;
    assert!(
        table.contains("INCIDENT") && table.contains("alertname=\"DiskFull\"") && table.contains("open"),
        "{table}"
    );
}

#[tokio::test]
async fn silence_add_then_alert_is_silenced_then_expire() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = triage_with_alerts(dir.path()).await;

    let args = [
        "silences",
        "add",
        "alertname=\"DiskFull\"",
        "--comment",
        "disk swap",
        "--author",
        "alice",
        "--duration",
        "2h",
        "--url",
        &url,
    ];
    let id = run_ok(&args).await.trim().to_string();
    assert!(!id.is_empty() && !id.contains(' '), "silence ID {id:?}");

    let silenced = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let list = run_json(&["alerts", "--url", &url, "--silenced", "-o", "json"]).await;
            let names = alertnames(&list);
            (names == ["DiskFull"]).then_some(list)
        }
    })
    .await
    .expect("DiskFull listed as silenced");
    assert_eq!(silenced[0]["status"]["silencedBy"][0], id.as_str());
    let active = run_json(&["alerts", "--url", &url, "-o", "json"]).await;
    assert!(!alertnames(&active).contains(&"DiskFull".to_string()), "{active}");
    let table = run_ok(&["alerts", "--url", &url, "--silenced"]).await;
    assert!(table.contains("suppressed") && table.contains(&format!("silence {}", &id[..8])), "{table}");

    let listed = run_ok(&["silences", "--url", &url]).await;
    assert!(listed.contains(&id) && listed.contains("alertname=\"DiskFull\"") && listed.contains("alice"), "{listed}");
    assert!(listed.contains("disk swap") && listed.contains("active"), "{listed}");

    run_ok(&["silences", "expire", &id, "--url", &url]).await;
    let back = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let list = run_json(&["alerts", "--url", &url, "-o", "json"]).await;
            alertnames(&list).contains(&"DiskFull".to_string()).then_some(())
        }
    })
    .await;
    assert!(back.is_some(), "DiskFull never came back after the silence expired");
    let remaining = run_json(&["silences", "--url", &url, "-o", "json"]).await;
    assert_eq!(remaining, json!([]), "expired silences are hidden by default");
    let all = run_json(&["silences", "--url", &url, "--expired", "-o", "json"]).await;
    assert_eq!(all[0]["id"], id.as_str());
}

#[tokio::test]
async fn outages_empty_then_a_maintenance_window() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), CONFIG).await;
    assert_eq!(run_json(&["outages", "--url", &url, "-o", "json"]).await, json!([]));
    let empty = run_ok(&["outages", "--url", &url]).await;
    assert!(empty.starts_with("ID"), "{empty}");

    let now = jiff::Timestamp::now();
    let window = json!({
        "matchers": ["site=\"T2_XX_Test\""],
        "reason": "dCache upgrade",
        "owner": "alice",
        "startsAt": (now - jiff::SignedDuration::from_mins(5)).to_string(),
        "endsAt": (now + jiff::SignedDuration::from_hours(2)).to_string(),
    });
    let response = crate::support::client()
        .post(format!("{url}/api/v2/maintenances"))
        .json(&window)
        .send()
        .await
        .expect("POST /api/v2/maintenances");
    assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());

    let outages = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let list = run_json(&["outages", "--url", &url, "-o", "json"]).await;
            (!list.as_array()?.is_empty()).then_some(list)
        }
    })
    .await
    .expect("the window listed as an outage");
    let id = outages[0]["id"].as_str().expect("outage id").to_string();
    assert_eq!(outages[0]["active"], true, "{outages}");
    let table = run_ok(&["outages", "--url", &url]).await;
    assert!(table.contains(&id) && table.contains("maintenance") && table.contains("yes"), "{table}");

    let suppressions = run_json(&["outages", "suppressions", &id, "--url", &url, "-o", "json"]).await;
    assert!(suppressions.is_array(), "{suppressions}");
    let table = run_ok(&["outages", "suppressions", &id, "--url", &url]).await;
    assert!(table.starts_with("FINGERPRINT"), "{table}");
}

#[tokio::test]
async fn errors_say_what_to_do() {
    let port = crate::support::free_port();
    let nowhere = format!("http://127.0.0.1:{port}");
    let out = triage(&["alerts", "--url", &nowhere]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!("is triage running at {nowhere}?")), "{}", stderr(&out));

    let out = triage(&["alerts", "--url", "ftp://example.org"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid URL"), "{}", stderr(&out));

    let out = triage(&["alerts", "--url", &nowhere, "alertname=~\"Disk(\""]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("invalid matcher") && message.contains("\n  alertname=~\"Disk(\"\n             ^^^^^^^"),
        "{message}"
    );

    let out = triage(&["alerts", "--url", &nowhere, "--token-file", "/nonexistent/token"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--token-file"), "{}", stderr(&out));

    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), CONFIG).await;
    let out = triage(&["silences", "expire", "no-such-silence", "--url", &url]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no silence with ID \"no-such-silence\""), "{}", stderr(&out));

    let wrong_base = format!("{url}/nothing-here");
    let out = triage(&["alerts", "--url", &wrong_base]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("(HTTP 404)") && stderr(&out).contains("base URL of triage"), "{}", stderr(&out));

    let out = triage(&["silences", "add", "severity", "--comment", "x", "--author", "a", "--url", &url]).await;
    assert_eq!(out.status.code(), Some(2));
    let out =
        triage(&["silences", "add", "a=\"b\"", "--comment", "x", "--author", "a", "--duration", "soon", "--url", &url])
            .await;
    assert!(stderr(&out).contains("not a duration"), "{}", stderr(&out));
}

/// An in-process server standing in for Elasticsearch (`POST /{index}/_search`) and for a
/// triage behind a token (`GET /api/v2/alerts` wants `Bearer s3cret`).
async fn start_stand_in() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>, tokio::task::JoinHandle<()>) {
    use axum::extract::Path as UrlPath;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};

    let (seen_tx, seen_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let search = move |UrlPath(index): UrlPath<String>, body: axum::body::Bytes| {
        let seen = seen_tx.clone();
        async move {
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let _ = seen.send(json!({"index": index, "body": request}));
            if index != "monit_prod_cms_raw_*" {
                let missing = json!({"error": {"root_cause": [{"type": "index_not_found_exception", "reason": format!("no such index [{index}]")}], "type": "index_not_found_exception", "reason": "no such index"}, "status": 404});
                return (StatusCode::NOT_FOUND, axum::Json(missing));
            }
            // The shape of a real `_search` answer (Elasticsearch 7).
            let answer = json!({
                "took": 3, "timed_out": false,
                "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0},
                "hits": {
                    "total": {"value": 2, "relation": "eq"}, "max_score": 1.0,
                    "hits": [
                        {"_index": "monit_prod_cms_raw_2026.12.06", "_type": "_doc", "_id": "a1", "_score": 1.0,
                         "_source": {"data": {"site": "T2_CH_CSCS", "status": "failed"}, "metadata": {"timestamp": 1765015200000_i64}}},
                        {"_index": "monit_prod_cms_raw_2026.12.06", "_type": "_doc", "_id": "a2", "_score": 1.0,
                         "_source": {"data": {"site": "T2_CH_CSCS", "status": "failed", "note": "ünïcode"}, "metadata": {"timestamp": 1765015260000_i64}}}
                    ]
                }
            });
            (StatusCode::OK, axum::Json(answer))
        }
    };
    let alerts = |headers: HeaderMap| async move {
        match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some("Bearer s3cret") => (StatusCode::OK, "[]"),
            _ => (StatusCode::UNAUTHORIZED, "{\"error\":\"unauthorized\"}"),
        }
    };
    let app = axum::Router::new().route("/{index}/_search", post(search)).route("/api/v2/alerts", get(alerts));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen_rx, server)
}

#[tokio::test]
async fn query_es_prints_sources_as_json_lines() {
    let (url, mut seen, server) = start_stand_in().await;
    let args = [
        "query",
        "es",
        "monit_prod_cms_raw_*",
        "data.site:T2_CH_CSCS AND data.status:failed",
        "--url",
        &url,
        "--size",
        "5",
    ];
    let text = run_ok(&args).await;
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[1]["data"]["note"], "ünïcode");
    assert_eq!(lines[0]["metadata"]["timestamp"], 1765015200000_i64);
    let request = seen.recv().await.expect("the request reached the server");
    assert_eq!(request["index"], "monit_prod_cms_raw_*");
    assert_eq!(request["body"]["query"]["query_string"]["query"], "data.site:T2_CH_CSCS AND data.status:failed");
    assert_eq!(request["body"]["size"], 5);

    let out = triage(&["query", "es", "other", "x", "--url", &url]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("index_not_found_exception"), "{}", stderr(&out));
    server.abort();
}

#[tokio::test]
async fn token_comes_from_the_flag_or_the_config_file_and_401_says_check_it() {
    let (url, _seen, server) = start_stand_in().await;
    let out = triage(&["alerts", "--url", &url]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("401") && stderr(&out).contains("check --token-file"), "{}", stderr(&out));

    let dir = tempfile::tempdir().expect("temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").expect("write token");
    let token_arg = token.to_str().expect("utf-8 path");
    run_ok(&["alerts", "--url", &url, "--token-file", token_arg]).await;

    let config = dir.path().join("client.yml");
    std::fs::write(&config, format!("url: {url}\ntoken_file: token\n")).expect("write client.yml");
    let out =
        triage_with_env(&["alerts", "-o", "json"], &[("TRIAGE_CLIENT_CONFIG", config.to_str().expect("utf-8"))]).await;
    assert_eq!(ok_stdout(&["alerts"], &out).trim(), "[]");
    server.abort();
}

#[tokio::test]
async fn query_vm_instant_and_range() {
    if !crate::support::have_binaries("query_vm_instant_and_range", &["victoria-metrics"]) {
        return;
    }
    let vm = crate::support::start_victoria_metrics().await;
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let at = |minutes_ago: i64| now_ms - minutes_ago * 60_000;
    let line = json!({
        "metric": {"__name__": "triage_test_transfers_failed", "site": "T2_CH_CSCS"},
        "values": [1.0, 4.0, 9.0],
        "timestamps": [at(9), at(6), at(3)],
    });
    let client = crate::support::client();
    let response =
        client.post(format!("{}/api/v1/import", vm.url)).body(format!("{line}\n")).send().await.expect("import");
    assert!(response.status().is_success(), "import: {}", response.status());
    let flushed = client.get(format!("{}/internal/force_flush", vm.url)).send().await.expect("force_flush");
    assert!(flushed.status().is_success());

    let instant = poll(DEADLINE, || {
        let url = vm.url.clone();
        async move {
            let list = run_json(&["query", "vm", "triage_test_transfers_failed", "--url", &url, "-o", "json"]).await;
            (list.as_array()?.len() == 1).then_some(list)
        }
    })
    .await
    .expect("the imported series answers an instant query");
    assert_eq!(instant[0]["metric"]["site"], "T2_CH_CSCS");
    assert_eq!(instant[0]["value"][1], 9.0);
    let table = run_ok(&["query", "vm", "triage_test_transfers_failed", "--url", &vm.url]).await;
    assert!(table.contains("triage_test_transfers_failed{site=\"T2_CH_CSCS\"}") && table.contains('9'), "{table}");

    let range = run_json(&[
        "query",
        "vm",
        "triage_test_transfers_failed",
        "--url",
        &vm.url,
        "--range",
        "15m",
        "--step",
        "1m",
        "-o",
        "json",
    ])
    .await;
    let values = range[0]["values"].as_array().expect("values");
    assert!(values.len() >= 3, "{range}");
    let table =
        run_ok(&["query", "vm", "triage_test_transfers_failed", "--url", &vm.url, "--range", "15m", "--step", "1m"])
            .await;
    assert!(table.contains("POINTS") && table.contains("T2_CH_CSCS"), "{table}");

    let out = triage(&["query", "vm", "rate(", "--url", &vm.url]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rejected the query"), "{}", stderr(&out));
}

#[tokio::test]
async fn query_influx_prints_series() {
    if !influx::have_influxd("query_influx_prints_series") {
        return;
    }
    let db = influx::start_influx().await;
    db.admin_statement("CREATE DATABASE monit").await;
    let base_ms = 1_765_015_200_000_i64;
    db.write_lines(
        "monit",
        &format!(
            "outages,site=T2_CH_CSCS ssbNumber=\"OTG0100001\",state=\"OPEN\" {base_ms}\n\
             outages,site=T1_DE_KIT ssbNumber=\"OTG0100002\",state=\"CLOSED\" {}\n",
            base_ms + 60_000
        ),
    )
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let password = dir.path().join("password");
    std::fs::write(&password, format!("{}\n", influx::ADMIN_PASSWORD)).expect("write password");
    let password_arg = password.to_str().expect("utf-8 path");
    let base = [
        "query",
        "influx",
        "SELECT * FROM outages",
        "--url",
        &db.url,
        "--db",
        "monit",
        "--user",
        influx::ADMIN_USER,
        "--password-file",
        password_arg,
    ];

    let mut json_args = base.to_vec();
    json_args.extend(["-o", "json"]);
    let series = run_json(&json_args).await;
    assert_eq!(series[0]["name"], "outages", "{series}");
    let columns: Vec<&str> =
        series[0]["columns"].as_array().expect("columns").iter().filter_map(Value::as_str).collect();
    assert_eq!(columns, ["time", "site", "ssbNumber", "state"]);
    assert_eq!(series[0]["values"].as_array().map(Vec::len), Some(2));
    assert_eq!(series[0]["values"][0][0], "2025-12-06T10:00:00Z");

    let table = run_ok(&base).await;
    assert!(table.starts_with("outages\n"), "{table}");
    assert!(table.contains("SSBNUMBER") && table.contains("OTG0100002") && table.contains("T1_DE_KIT"), "{table}");

    let grouped = run_json(&[
        "query",
        "influx",
        "SELECT count(ssbNumber) FROM outages GROUP BY site",
        "--url",
        &db.url,
        "--db",
        "monit",
        "--user",
        influx::ADMIN_USER,
        "--password-file",
        password_arg,
        "-o",
        "json",
    ])
    .await;
    assert_eq!(grouped.as_array().map(Vec::len), Some(2), "{grouped}");
    assert_eq!(grouped[0]["tags"]["site"], "T1_DE_KIT");

    let out = triage(&[
        "query",
        "influx",
        "SELECT nonsense FROM",
        "--url",
        &db.url,
        "--db",
        "monit",
        "--user",
        influx::ADMIN_USER,
        "--password-file",
        password_arg,
    ])
    .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rejected the query"), "{}", stderr(&out));

    std::fs::write(&password, "wrong").expect("write password");
    let out = triage(&base).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("401") && stderr(&out).contains("--password-file"), "{}", stderr(&out));
}

/// An alert held by a maintenance window is `suppressed` and silenced by the window's id, as
/// the real amtool reads it: hidden by a default `amtool alert query`, listed with `--silenced`
/// and its silencedBy naming the window; `triage alerts` gives the reason in its own column and
/// the `host` of a node alert as its instance.
#[tokio::test]
async fn an_alert_in_a_maintenance_window_is_silenced_by_it_for_amtool() {
    if !crate::support::have_binaries("an_alert_in_a_maintenance_window_is_silenced_by_it_for_amtool", &["amtool"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (_triage, url) = crate::support::peer::start_triage_in(dir.path(), CONFIG).await;
    let now = jiff::Timestamp::now();
    let window = json!({
        "matchers": ["site=\"T2_XX_Test\""],
        "reason": "dCache upgrade",
        "owner": "alice",
        "startsAt": (now - jiff::SignedDuration::from_mins(5)).to_string(),
        "endsAt": (now + jiff::SignedDuration::from_hours(2)).to_string(),
    });
    let response =
        crate::support::client().post(format!("{url}/api/v2/maintenances")).json(&window).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.text().await.unwrap_or_default());
    post_alerts(
        &url,
        &[
            AlertSpec::new(&[("alertname", "NodeDown"), ("site", "T2_XX_Test"), ("host", "node17.example.org")]),
            AlertSpec::new(&[("alertname", "Other"), ("site", "T1_YY_Elsewhere"), ("instance", "db1:9100")]),
        ],
    )
    .await;

    let amtool = crate::support::Amtool::new(&url);
    let held = poll(DEADLINE, || {
        let amtool = &amtool;
        async move {
            let out = amtool.run(&["-o", "json", "alert", "query", "--silenced", "alertname=NodeDown"]).await;
            let list: Vec<Value> = serde_json::from_str(&out.stdout).ok()?;
            let ids = list.first()?.pointer("/status/silencedBy")?.as_array()?.clone();
            (!ids.is_empty()).then_some((list[0].clone(), ids))
        }
    })
    .await
    .expect("amtool lists the held alert with a silencedBy");
    let (alert, ids) = held;
    assert_eq!(alert["status"]["state"], "suppressed", "{alert}");
    let outage = ids[0].as_str().unwrap_or_default().to_string();
    assert!(outage.starts_with("maintenance:") && ids.len() == 1, "{alert}");
    // triage's own listing says the same, with the outage named (amtool drops fields it
    // does not know).
    let listed = run_json(&["alerts", "--url", &url, "--silenced", "-o", "json"]).await;
    assert_eq!(listed[0]["status"]["outage"], outage.as_str(), "{listed}");

    let default = amtool.run(&["alert", "query"]).await.expect_ok();
    assert!(!default.stdout.contains("NodeDown"), "a silenced alert is hidden by default:\n{}", default.stdout);
    assert!(default.stdout.contains("Other"), "{}", default.stdout);

    let table = run_ok(&["alerts", "--url", &url]).await;
    assert!(
        !table.contains("NodeDown") && table.contains("Other"),
        "held alerts need --silenced, as in amtool: {table}"
    );
    let table = run_ok(&["alerts", "--url", &url, "--silenced"]).await;
    let header = table.lines().next().unwrap_or_default();
    assert!(header.contains("REASON"), "{table}");
    let row = table.lines().find(|l| l.contains("NodeDown")).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("suppressed") && row.contains(&format!("outage {outage}")), "{table}");
    assert!(row.contains("node17.example.org"), "the host shows as the instance: {table}");
}
