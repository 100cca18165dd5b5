//! SSB outage fetching (`triage::sources::outages::ssb`) against a real InfluxDB 1.x loaded with outage
//! points in MONIT's schema, against in-process stand-ins for a Grafana datasource proxy and
//! ServiceNow's table API, and against failing servers: every failure is one clear line naming
//! the server, never a panic, and never shows a password or token.
//!
//! The recorded InfluxDB answer in `testdata/ssb/` is what the real InfluxDB answers to the
//! query `fetch_ssb` sends for [`NOW`]; the first test checks that it still is (run it with
//! `TRIAGE_RECORD_SSB=1` to write the file anew).

use crate::support::influx;

use std::path::PathBuf;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use triage::sources::outages::ssb::{InfluxAccess, SsbEndpoint, fetch_ssb};
use triage_core::outage::record::{Outage, OutageKind, OutageScope};
use triage_core::outage::ssb::ParseLimits;

use influx::{ADMIN_PASSWORD, ADMIN_USER};

/// The present of every test here: 2026-01-10T12:00:00Z.
const NOW_MS: i64 = 1_768_046_400_000;
const HOUR_MS: i64 = 3_600_000;
const DATABASE: &str = "monit_production_ssb_otgs";
const RECORDED_ANSWER: &str = "ssb/influx_outages_answer.json";

/// Outage points as MONIT writes them (`time` = `begin`), with descriptions holding quotes,
/// backslashes, commas, `=`, and non-ASCII text, and tags holding spaces, commas and `=`.
/// In the window [NOW-1h, NOW+24h] (query history 30 days): OTG0100003 (open-ended, began 3
/// days ago), OTG0100001 (planned, running), OTG0100002 (incident, running), OTG0100006
/// (planned, in 6 hours). OTG0100004 ended 5 hours ago (returned by InfluxDB, dropped by the
/// window), OTG0100005 begins in 48 hours and OTG0100007 is 40 days old (not queried).
fn outage_lines() -> String {
    let point = |tags: &str, fields: &str, begin: i64| format!("outages,{tags} {fields} {begin}\n");
    let ms = |hours: i64| NOW_MS + hours * HOUR_MS;
    [
        point(
            r"feName=Linux\ Support,seName=Linux\ Operating\ System",
            &format!(
                r#"ssbNumber="OTG0100001",type="Planned Intervention",shortDescription="Kernel upgrade, \"lxplus\" nodes = reboot \\ 50%",description="IT Infrastructure Services",monitState="OPEN",sysModCount=2i,begin={}i,end={}i"#,
                ms(-2),
                ms(2)
            ),
            ms(-2),
        ),
        point(
            r"feName=Storage,seName=EOS\,\ CMS\=instance",
            &format!(
                r#"ssbNumber="OTG0100002",type="Service Incident",shortDescription="Störung: EOS ⚠ unreachable; 'quotes' & <xml/>",description="Storage Services",monitState="OPEN",sysModCount=1i,begin={}i,end={}i"#,
                NOW_MS - HOUR_MS / 2,
                ms(1)
            ),
            NOW_MS - HOUR_MS / 2,
        ),
        point(
            r"feName=Database,seName=Oracle",
            &format!(
                r#"ssbNumber="OTG0100003",type="Service Change",shortDescription="Open-ended: database migration → new hardware",description="Database Services",monitState="OPEN",sysModCount=5i,begin={}i"#,
                ms(-72)
            ),
            ms(-72),
        ),
        point(
            r"feName=Network,seName=Network\ Service",
            &format!(
                r#"ssbNumber="OTG0100004",type="Planned Intervention",shortDescription="Router firmware (already over)",description="Network Services",monitState="CLOSED",sysModCount=3i,begin={}i,end={}i"#,
                ms(-10),
                ms(-5)
            ),
            ms(-10),
        ),
        point(
            r"feName=Network,seName=Network\ Service",
            &format!(
                r#"ssbNumber="OTG0100005",type="Planned Intervention",shortDescription="Far future intervention",description="Network Services",monitState="OPEN",sysModCount=1i,begin={}i,end={}i"#,
                ms(48),
                ms(50)
            ),
            ms(48),
        ),
        point(
            r"feName=Batch,seName=HTCondor",
            &format!(
                r#"ssbNumber="OTG0100006",type="Planned Intervention",shortDescription="Condor central manager upgrade",description="Batch Services",monitState="OPEN",sysModCount=1i,begin={}i,end={}i"#,
                ms(6),
                ms(8)
            ),
            ms(6),
        ),
        point(
            r"feName=Batch,seName=HTCondor",
            &format!(
                r#"ssbNumber="OTG0100007",type="Planned Intervention",shortDescription="Ancient history",description="Batch Services",monitState="CLOSED",sysModCount=1i,begin={}i,end={}i"#,
                ms(-40 * 24),
                ms(-39 * 24)
            ),
            ms(-40 * 24),
        ),
    ]
    .concat()
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).expect("test timestamp")
}

fn ssb(number: &str, kind: OutageKind, title: &str, begin: i64, end: Option<i64>, services: [&str; 2]) -> Outage {
    Outage {
        id: format!("ssb:{number}"),
        source: "ssb".into(),
        kind,
        title: title.into(),
        url: Some(format!("https://cern.service-now.com/service-portal?id=outage&n={number}")),
        starts_at: at(begin),
        ends_at: end.map(at),
        scope: OutageScope { services: services.map(String::from).to_vec(), ..OutageScope::default() },
    }
}

/// What `fetch_ssb` must return for [`outage_lines`] at [`NOW_MS`], in InfluxDB's time order.
fn expected_outages() -> Vec<Outage> {
    use OutageKind::{Scheduled, Unscheduled};
    vec![
        ssb(
            "OTG0100003",
            Scheduled,
            "Open-ended: database migration → new hardware",
            NOW_MS - 72 * HOUR_MS,
            None,
            ["Database", "Oracle"],
        ),
        ssb(
            "OTG0100001",
            Scheduled,
            r#"Kernel upgrade, "lxplus" nodes = reboot \ 50%"#,
            NOW_MS - 2 * HOUR_MS,
            Some(NOW_MS + 2 * HOUR_MS),
            ["Linux Support", "Linux Operating System"],
        ),
        ssb(
            "OTG0100002",
            Unscheduled,
            "Störung: EOS ⚠ unreachable; 'quotes' & <xml/>",
            NOW_MS - HOUR_MS / 2,
            Some(NOW_MS + HOUR_MS),
            ["Storage", "EOS, CMS=instance"],
        ),
        ssb(
            "OTG0100006",
            Scheduled,
            "Condor central manager upgrade",
            NOW_MS + 6 * HOUR_MS,
            Some(NOW_MS + 8 * HOUR_MS),
            ["Batch", "HTCondor"],
        ),
    ]
}

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

fn endpoint(access: InfluxAccess, limits: ParseLimits) -> SsbEndpoint {
    SsbEndpoint {
        access,
        database: DATABASE.into(),
        measurement: "outages".into(),
        lookback: SignedDuration::from_hours(1),
        lookahead: SignedDuration::from_hours(24),
        history: SignedDuration::from_hours(24 * 30),
        limits,
    }
}

fn direct(url: &str, basic_auth: Option<(&str, &str)>) -> InfluxAccess {
    InfluxAccess::Direct {
        base_url: url.into(),
        basic_auth: basic_auth.map(|(user, password)| (user.into(), password.into())),
    }
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).no_proxy().build().expect("reqwest client")
}

/// One line, naming `server`, containing every `parts`, without `secrets`.
fn assert_clear_error(error: &str, server: &str, parts: &[&str], secrets: &[&str]) {
    assert!(!error.contains('\n'), "not one line: {error}");
    assert!(error.contains(server), "does not name {server}: {error}");
    for part in parts {
        assert!(error.contains(part), "lacks {part:?}: {error}");
    }
    for secret in secrets {
        assert!(!error.contains(secret), "shows a secret: {error}");
    }
}

#[tokio::test]
async fn fetch_ssb_reads_outages_from_a_real_influxdb() {
    if !influx::have_influxd("fetch_ssb_reads_outages_from_a_real_influxdb") {
        return;
    }
    let server = influx::start_influx().await;
    server.admin_statement(&format!("CREATE DATABASE \"{DATABASE}\"")).await;
    server.write_lines(DATABASE, &outage_lines()).await;
    let http = client(Duration::from_secs(20));
    let now = at(NOW_MS);
    let limits = ParseLimits::default();
    let admin = Some((ADMIN_USER, ADMIN_PASSWORD));

    // The recorded answer is the real server's answer to the query fetch_ssb sends.
    let good = endpoint(direct(&server.url, admin), limits);
    let query = triage_core::outage::ssb::window_query("outages", &good.window(now), limits.max_rows);
    let live = server.raw_query(DATABASE, &query).await;
    let recorded_path = testdata(RECORDED_ANSWER);
    if std::env::var("TRIAGE_RECORD_SSB").as_deref() == Ok("1") {
        std::fs::write(&recorded_path, &live).expect("write the recorded answer");
    }
    let recorded = std::fs::read(&recorded_path).expect("recorded answer");
    let as_json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).expect("JSON answer");
    assert_eq!(as_json(&live), as_json(&recorded), "the live answer differs from {RECORDED_ANSWER}");

    // Direct access with basic auth: exactly the outages of the window.
    assert_eq!(fetch_ssb(&http, &good, now).await, Ok(expected_outages()));

    // Base URL with a trailing slash works the same.
    let slash = endpoint(direct(&format!("{}/", server.url), admin), limits);
    assert_eq!(fetch_ssb(&http, &slash, now).await, Ok(expected_outages()));

    // Without credentials, and with a wrong password: InfluxDB's 401, the password hidden.
    let anonymous = fetch_ssb(&http, &endpoint(direct(&server.url, None), limits), now).await.unwrap_err();
    assert_clear_error(&anonymous, &server.url, &["HTTP 401"], &[]);
    let wrong = "not-the-password-77";
    let wrong_password =
        fetch_ssb(&http, &endpoint(direct(&server.url, Some((ADMIN_USER, wrong))), limits), now).await.unwrap_err();
    assert_clear_error(&wrong_password, &server.url, &["HTTP 401", "authorization failed"], &[wrong]);

    // More rows than the cap is an error, not a shortened list (5 rows match the query).
    let capped = endpoint(direct(&server.url, admin), ParseLimits { max_rows: 4, ..limits });
    let too_many = fetch_ssb(&http, &capped, now).await.unwrap_err();
    assert_clear_error(&too_many, &server.url, &["more than 4 rows"], &[ADMIN_PASSWORD]);
    let exact = endpoint(direct(&server.url, admin), ParseLimits { max_rows: 5, ..limits });
    assert_eq!(fetch_ssb(&http, &exact, now).await, Ok(expected_outages()));

    // A database that does not exist: InfluxDB's own error text.
    let mut missing = endpoint(direct(&server.url, admin), limits);
    missing.database = "no_such_db".into();
    let not_found = fetch_ssb(&http, &missing, now).await.unwrap_err();
    assert_clear_error(&not_found, &server.url, &["database not found"], &[ADMIN_PASSWORD]);

    // A hostile measurement name stays one quoted identifier: no rows, no error.
    let mut hostile = endpoint(direct(&server.url, admin), limits);
    hostile.measurement = "outages\" WHERE 1=1; DROP DATABASE \"x".into();
    assert_eq!(fetch_ssb(&http, &hostile, now).await, Ok(Vec::new()));
}

#[tokio::test]
async fn grafana_proxy_path_sends_the_bearer_token_and_reads_the_recorded_answer() {
    let token = "glsa_test-token-0123456789";
    let window_now = at(NOW_MS);
    let proxy = stand_ins::GrafanaProxy::start(token, 9474, DATABASE, testdata(RECORDED_ANSWER)).await;
    let access = |bearer: &str| InfluxAccess::GrafanaProxy {
        base_url: proxy.url.clone(),
        datasource_id: 9474,
        bearer_token: bearer.into(),
    };
    let good = endpoint(access(token), ParseLimits::default());
    proxy.expect_query(triage_core::outage::ssb::window_query(
        "outages",
        &good.window(window_now),
        ParseLimits::default().max_rows,
    ));
    let http = client(Duration::from_secs(20));
    assert_eq!(fetch_ssb(&http, &good, window_now).await, Ok(expected_outages()));
    assert_eq!(proxy.requests(), 1);

    // A wrong token: Grafana's 401 text, and the token never shows (the stand-in echoes it).
    let wrong = "glsa_wrong-token-abcdef";
    let error = fetch_ssb(&http, &endpoint(access(wrong), ParseLimits::default()), window_now).await.unwrap_err();
    let server = format!("{}/api/datasources/proxy/9474/query", proxy.url);
    assert_clear_error(&error, &server, &["HTTP 401", "Invalid API key"], &[wrong, token]);

    // Another datasource id: the proxy's 404, still one line.
    let mut other = good.clone();
    other.access =
        InfluxAccess::GrafanaProxy { base_url: proxy.url.clone(), datasource_id: 1, bearer_token: token.into() };
    let error = fetch_ssb(&http, &other, window_now).await.unwrap_err();
    assert_clear_error(&error, &format!("{}/api/datasources/proxy/1/query", proxy.url), &["HTTP 404"], &[token]);

    // Debug output redacts the token, and a password in the base URL.
    let debug = format!("{good:?}");
    assert!(debug.contains("<redacted>") && !debug.contains(token), "{debug}");
    let with_userinfo = direct("http://monit:url-pass-42@127.0.0.1:1", Some(("reader", "basic-pass-43")));
    let debug = format!("{with_userinfo:?}");
    assert!(!debug.contains("url-pass-42") && !debug.contains("basic-pass-43"), "{debug}");
}

#[tokio::test]
async fn servicenow_path_reads_outage_records_with_basic_auth() {
    use triage::sources::outages::ssb::{ServiceNowAuth, ServiceNowEndpoint, fetch_servicenow};
    let stand_in =
        stand_ins::ServiceNow::start("svc-triage", "sn-pass-31337", testdata("ssb/servicenow_outages_answer.json"))
            .await;
    let endpoint = |auth: ServiceNowAuth| ServiceNowEndpoint {
        base_url: stand_in.url.clone(),
        table: "cmdb_ci_outage".into(),
        auth,
        lookback: SignedDuration::from_hours(1),
        lookahead: SignedDuration::from_hours(24),
        limits: ParseLimits::default(),
    };
    let good = endpoint(ServiceNowAuth::Basic("svc-triage".into(), "sn-pass-31337".into()));
    let http = client(Duration::from_secs(20));
    let outages = fetch_servicenow(&http, &good, at(NOW_MS)).await.expect("ServiceNow outages");
    let ids: Vec<&str> = outages.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["servicenow:OTG0100011", "servicenow:OTG0100012"], "{outages:?}");
    assert_eq!(outages[0].kind, OutageKind::Scheduled);
    assert_eq!(outages[0].title, "Oracle \"CMSR\" patching, 2nd node");
    assert_eq!(outages[0].starts_at, at(NOW_MS - HOUR_MS));
    assert_eq!(outages[0].ends_at, Some(at(NOW_MS + HOUR_MS)));
    assert_eq!(outages[0].scope.services, ["Oracle Database Service"]);
    assert_eq!(outages[1].kind, OutageKind::Unscheduled);
    assert_eq!(outages[1].ends_at, None);
    assert_eq!(stand_in.last_query().as_deref(), Some(stand_ins::servicenow_expected_query(at(NOW_MS)).as_str()));

    let wrong = endpoint(ServiceNowAuth::Basic("svc-triage".into(), "guess-000".into()));
    let error = fetch_servicenow(&http, &wrong, at(NOW_MS)).await.unwrap_err();
    let server = format!("{}/api/now/table/cmdb_ci_outage", stand_in.url);
    assert_clear_error(&error, &server, &["HTTP 401", "User Not Authenticated"], &["guess-000", "sn-pass-31337"]);
    let token = endpoint(ServiceNowAuth::Bearer("sn-token-5150".into()));
    let error = fetch_servicenow(&http, &token, at(NOW_MS)).await.unwrap_err();
    assert_clear_error(&error, &server, &["HTTP 401"], &["sn-token-5150"]);
    let debug = format!("{good:?} {token:?}");
    assert!(!debug.contains("sn-pass-31337") && !debug.contains("sn-token-5150"), "{debug}");
}

#[tokio::test]
async fn failing_servers_give_one_clear_line_each() {
    let recorded = std::fs::read(testdata(RECORDED_ANSWER)).expect("recorded answer");
    let now = at(NOW_MS);
    let limits = ParseLimits::default();
    let quick = client(Duration::from_millis(500));

    // Nobody listening.
    let closed_port = stand_ins::closed_port();
    let url = format!("http://127.0.0.1:{closed_port}");
    let error = fetch_ssb(&quick, &endpoint(direct(&url, Some(("u", "pw-1"))), limits), now).await.unwrap_err();
    assert_clear_error(&error, &format!("{url}/query"), &["cannot connect"], &["pw-1"]);

    // Accepts and never answers: the client's timeout.
    let silent = stand_ins::RawServer::start(None).await;
    let error = fetch_ssb(&quick, &endpoint(direct(&silent.url, None), limits), now).await.unwrap_err();
    assert_clear_error(&error, &silent.url, &["timed out"], &[]);

    // HTTP 500 with InfluxDB's error body, and a proxy's HTML page.
    let cases: [(u16, &[u8], &str); 2] = [
        (
            500,
            br#"{"error":"engine: shard 7 is corrupt"}"#,
            "HTTP 500 Internal Server Error: engine: shard 7 is corrupt",
        ),
        (502, b"<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>", "HTTP 502 Bad Gateway: <html><body> <h1>502"),
    ];
    for (status, body, expected) in cases {
        let server = stand_ins::RawServer::start(Some(stand_ins::http_answer(status, body, None))).await;
        let error = fetch_ssb(&quick, &endpoint(direct(&server.url, None), limits), now).await.unwrap_err();
        assert_clear_error(&error, &server.url, &[expected], &[]);
    }

    // A complete answer whose JSON is cut in the middle.
    let half = &recorded[..recorded.len() / 2];
    let server = stand_ins::RawServer::start(Some(stand_ins::http_answer(200, half, None))).await;
    let error = fetch_ssb(&quick, &endpoint(direct(&server.url, None), limits), now).await.unwrap_err();
    assert_clear_error(&error, &server.url, &["not JSON", "EOF while parsing"], &[]);

    // A connection closed before the announced length arrived.
    let server = stand_ins::RawServer::start(Some(stand_ins::http_answer(200, half, Some(recorded.len())))).await;
    let error = fetch_ssb(&quick, &endpoint(direct(&server.url, None), limits), now).await.unwrap_err();
    assert_clear_error(&error, &server.url, &["reading the answer failed"], &[]);

    // Larger than the byte cap, announced or streamed.
    let capped = ParseLimits { max_bytes: 512, ..limits };
    for length in [None, Some(recorded.len())] {
        let server = stand_ins::RawServer::start(Some(stand_ins::http_answer(200, &recorded, length))).await;
        let error = fetch_ssb(&quick, &endpoint(direct(&server.url, None), capped), now).await.unwrap_err();
        assert_clear_error(&error, &server.url, &["larger than the limit of 512 bytes"], &[]);
    }

    // Valid JSON of another shape, and an empty 200.
    for (body, expected) in [(&b"[1,2,3]"[..], "not a JSON object"), (b"", "not JSON")] {
        let server = stand_ins::RawServer::start(Some(stand_ins::http_answer(200, body, None))).await;
        let error = fetch_ssb(&quick, &endpoint(direct(&server.url, None), limits), now).await.unwrap_err();
        assert_clear_error(&error, &server.url, &[expected], &[]);
    }
}

/// In-process servers standing in for Grafana, ServiceNow and misbehaving servers.
mod stand_ins {
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::{Path, RawQuery, State};
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use base64::Engine as _;
    use jiff::{SignedDuration, Timestamp};
    use parking_lot::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use triage_core::outage::ssb::{SsbWindow, servicenow_query};

    async fn serve(router: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a stand-in");
        let url = format!("http://{}", listener.local_addr().expect("stand-in address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }

    fn params(raw: Option<String>) -> Vec<(String, String)> {
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn json(status: StatusCode, body: Vec<u8>) -> Response {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }

    struct ProxyState {
        token: String,
        datasource_id: u64,
        database: String,
        answer: Vec<u8>,
        expected_query: Mutex<Option<String>>,
        requests: AtomicUsize,
    }

    /// A Grafana datasource proxy in front of a recorded InfluxDB answer: checks the bearer
    /// token, the datasource id and the query parameters, then answers the recording.
    pub struct GrafanaProxy {
        pub url: String,
        state: Arc<ProxyState>,
    }

    impl GrafanaProxy {
        pub async fn start(token: &str, datasource_id: u64, database: &str, answer: PathBuf) -> GrafanaProxy {
            let state = Arc::new(ProxyState {
                token: token.into(),
                datasource_id,
                database: database.into(),
                answer: std::fs::read(answer).expect("recorded answer"),
                expected_query: Mutex::new(None),
                requests: AtomicUsize::new(0),
            });
            let router = axum::Router::new()
                .route("/api/datasources/proxy/{id}/query", axum::routing::get(proxy_query))
                .with_state(state.clone());
            GrafanaProxy { url: serve(router).await, state }
        }

        /// Answers only requests whose `q` is `query`.
        pub fn expect_query(&self, query: String) {
            *self.state.expected_query.lock() = Some(query);
        }

        /// How many requests were answered with the recording.
        pub fn requests(&self) -> usize {
            self.state.requests.load(Ordering::SeqCst)
        }
    }

    async fn proxy_query(
        State(state): State<Arc<ProxyState>>,
        Path(id): Path<u64>,
        headers: HeaderMap,
        RawQuery(raw): RawQuery,
    ) -> Response {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if authorization != format!("Bearer {}", state.token) {
            // Grafana's wording, with the rejected header echoed back to prove it is redacted.
            let body = serde_json::json!({ "message": format!("Invalid API key ({authorization})") });
            return json(StatusCode::UNAUTHORIZED, body.to_string().into_bytes());
        }
        if id != state.datasource_id {
            return json(StatusCode::NOT_FOUND, br#"{"message":"Data source not found"}"#.to_vec());
        }
        let params = params(raw);
        let expected = state.expected_query.lock().clone();
        let query_ok = expected.is_none_or(|q| param(&params, "q") == Some(q.as_str()));
        if param(&params, "db") != Some(state.database.as_str()) || param(&params, "epoch") != Some("ms") || !query_ok {
            let body = serde_json::json!({ "error": format!("unexpected parameters {params:?}") });
            return json(StatusCode::BAD_REQUEST, body.to_string().into_bytes());
        }
        state.requests.fetch_add(1, Ordering::SeqCst);
        json(StatusCode::OK, state.answer.clone())
    }

    struct ServiceNowState {
        authorization: String,
        answer: Vec<u8>,
        last_query: Mutex<Option<String>>,
    }

    /// ServiceNow's table API for one user: checks basic auth and `Accept`, records the
    /// `sysparm_query`, answers a fixed body.
    pub struct ServiceNow {
        pub url: String,
        state: Arc<ServiceNowState>,
    }

    impl ServiceNow {
        pub async fn start(user: &str, password: &str, answer: PathBuf) -> ServiceNow {
            let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let state = Arc::new(ServiceNowState {
                authorization: format!("Basic {credentials}"),
                answer: std::fs::read(answer).expect("ServiceNow answer"),
                last_query: Mutex::new(None),
            });
            let router = axum::Router::new()
                .route("/api/now/table/{table}", axum::routing::get(table_query))
                .with_state(state.clone());
            ServiceNow { url: serve(router).await, state }
        }

        /// The `sysparm_query` of the last authenticated request.
        pub fn last_query(&self) -> Option<String> {
            self.state.last_query.lock().clone()
        }
    }

    async fn table_query(
        State(state): State<Arc<ServiceNowState>>,
        Path(table): Path<String>,
        headers: HeaderMap,
        RawQuery(raw): RawQuery,
    ) -> Response {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if authorization != state.authorization {
            let body = br#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
            return json(StatusCode::UNAUTHORIZED, body.to_vec());
        }
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if table != "cmdb_ci_outage" || accept != "application/json" {
            let body = br#"{"error":{"message":"Invalid table or Accept header"},"status":"failure"}"#;
            return json(StatusCode::BAD_REQUEST, body.to_vec());
        }
        let params = params(raw);
        *state.last_query.lock() = param(&params, "sysparm_query").map(str::to_owned);
        json(StatusCode::OK, state.answer.clone())
    }

    /// The `sysparm_query` `fetch_servicenow` sends at `now` for a 1 h lookback, 24 h lookahead.
    pub fn servicenow_expected_query(now: Timestamp) -> String {
        servicenow_query(&SsbWindow {
            now,
            lookback: SignedDuration::from_hours(1),
            lookahead: SignedDuration::from_hours(24),
            history: SignedDuration::ZERO,
        })
    }

    /// A loopback port nobody listens on (bound, then released).
    pub fn closed_port() -> u16 {
        crate::support::free_port()
    }

    /// A TCP server that reads each request head and writes fixed bytes, then closes; or,
    /// without bytes, never answers (and lets the client give up).
    pub struct RawServer {
        pub url: String,
    }

    impl RawServer {
        pub async fn start(answer: Option<Vec<u8>>) -> RawServer {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a raw server");
            let url = format!("http://{}", listener.local_addr().expect("raw server address"));
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let answer = answer.clone();
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        match answer {
                            Some(bytes) => {
                                let _ = stream.write_all(&bytes).await;
                                let _ = stream.shutdown().await;
                            }
                            // Hold the connection until the client closes it.
                            None => {
                                while let Ok(n) = stream.read(&mut buf).await {
                                    if n == 0 {
                                        break;
                                    }
                                }
                            }
                        }
                    });
                }
            });
            RawServer { url }
        }
    }

    /// An HTTP/1.1 answer: `status`, JSON content type, `Content-Length: length` when given
    /// (else the body runs to the close), then `body`.
    pub fn http_answer(status: u16, body: &[u8], length: Option<usize>) -> Vec<u8> {
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
        let mut out = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nConnection: close\r\n");
        if let Some(length) = length {
            out.push_str(&format!("Content-Length: {length}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }
}
