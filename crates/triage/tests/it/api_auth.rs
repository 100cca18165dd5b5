//! Security of the API with the real binary and a web configuration file: every endpoint
//! refuses a missing or wrong credential; a read token reads but cannot write; a write token
//! and a basic auth user (bcrypt) can do both; probes stay open; a client over its rate limit
//! gets 429; `tls_server_config` serves HTTPS only, trusted through the test CA.

use std::path::Path;
use std::process::Command;

use crate::support::peer::start_listening;
use crate::support::proc::{Proc, free_port};
use crate::support::{DEADLINE, client};
use reqwest::{Method, StatusCode};

const CONFIG: &str = "route: {receiver: ops}\nreceivers: [{name: ops}]\n";

/// Every route of the API, with a body where it takes one.
const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("GET", "/api/v2/alerts", ""),
    ("POST", "/api/v2/alerts", "[]"),
    ("GET", "/api/v2/alerts/groups", ""),
    ("GET", "/api/v2/silences", ""),
    ("POST", "/api/v2/silences", "{}"),
    ("GET", "/api/v2/silence/0000", ""),
    ("DELETE", "/api/v2/silence/0000", ""),
    ("GET", "/api/v2/status", ""),
    ("GET", "/api/v2/receivers", ""),
    ("POST", "/-/reload", ""),
    ("GET", "/metrics", ""),
    ("GET", "/api/v2/history", ""),
    ("GET", "/api/v2/notifications", ""),
    ("GET", "/api/v2/deliveries", ""),
    ("GET", "/api/v2/nodes", ""),
    ("POST", "/api/v2/nodes/samples", "[]"),
    ("POST", "/api/v2/classify", "{}"),
    ("GET", "/api/v2/feedback", ""),
    ("POST", "/api/v2/feedback", "{}"),
    ("GET", "/api/v2/outages", ""),
    ("GET", "/api/v2/outages/x/suppressions", ""),
    ("PUT", "/api/v2/outages/sources/x", "[]"),
    ("DELETE", "/api/v2/outages/sources/x", ""),
    ("GET", "/api/v2/suppressions", ""),
    ("GET", "/api/v2/incidents", ""),
    ("GET", "/api/v2/incidents/x", ""),
    ("GET", "/api/v2/analytics", ""),
    ("GET", "/api/v2/maintenances", ""),
    ("POST", "/api/v2/maintenances", "{}"),
    ("DELETE", "/api/v2/maintenance/x", ""),
    ("GET", "/ui/", ""),
    ("GET", "/api/v1/alerts", ""),
];

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

async fn start(dir: &Path, web: &str) -> (Proc, String) {
    let config = write(dir, "alertmanager.yml", CONFIG);
    let web = write(dir, "web.yml", web);
    let data = dir.join("data");
    start_listening("triage", "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.args(["serve", "--config", &config, "--web.config.file", &web, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data);
        cmd
    })
    .await
}

/// The status and body of a request.
async fn call_text(base: &str, method: &str, path: &str, body: &str, auth: Option<&str>) -> (StatusCode, String) {
    let mut req = client().request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{base}{path}"));
    if !body.is_empty() {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    (resp.status(), resp.text().await.unwrap_or_default())
}

async fn call(base: &str, method: &str, path: &str, body: &str, auth: Option<&str>) -> StatusCode {
    call_text(base, method, path, body, auth).await.0
}

/// The guard's refusal of a read token's write.
const READ_ONLY: &str = "may only read";

#[tokio::test(flavor = "multi_thread")]
async fn tokens_and_users_are_checked_on_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "read.token", "r-secret-1\n");
    write(dir.path(), "write.token", "w-secret-2\n");
    let hash = bcrypt::hash("alice-password", 4).unwrap();
    let web = format!(
        "basic_auth_users: {{alice: '{hash}'}}\n\
         bearer_tokens:\n  - {{name: grafana, token_file: read.token, scope: read}}\n  - {{name: vmalert, token_file: write.token, scope: write}}\n"
    );
    let (_triage, base) = start(dir.path(), &web).await;
    use base64::Engine as _;
    let basic = |user: &str, password: &str| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
    };
    for (method, path, body) in ENDPOINTS {
        for wrong in [
            None,
            Some("Bearer nope"),
            Some("Bearer r-secret-"),
            Some(basic("alice", "wrong").as_str()),
            Some("Basic !!"),
        ] {
            let status = call(&base, method, path, body, wrong).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} with {wrong:?}");
        }
        // (An endpoint may still refuse for its own reasons, e.g. node pushes without a push
        // token configured: only the guard's answers are checked.)
        let (read, text) = call_text(&base, method, path, body, Some("Bearer r-secret-1")).await;
        if *method == "GET" {
            assert!(read != StatusCode::UNAUTHORIZED && !text.contains(READ_ONLY), "{method} {path}: {read}");
        } else {
            assert!(read == StatusCode::FORBIDDEN && text.contains(READ_ONLY), "a read token cannot {method} {path}");
        }
        for good in ["Bearer w-secret-2".to_string(), basic("alice", "alice-password")] {
            let (status, text) = call_text(&base, method, path, body, Some(&good)).await;
            assert!(status != StatusCode::UNAUTHORIZED && !text.contains(READ_ONLY), "{method} {path}: {status}");
        }
    }
    // Probes stay open; the refusal names the scheme.
    assert_eq!(call(&base, "GET", "/-/healthy", "", None).await, StatusCode::OK);
    assert_eq!(call(&base, "GET", "/-/ready", "", None).await, StatusCode::OK);
    let resp = client().get(format!("{base}/api/v2/alerts")).send().await.unwrap();
    assert_eq!(resp.headers()["www-authenticate"], "Basic realm=\"triage\"");
    let text = resp.text().await.unwrap();
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_over_its_rate_limit_gets_429() {
    let dir = tempfile::tempdir().unwrap();
    let (_triage, base) = start(dir.path(), "rate_limit: {per_second: 0.01, burst: 5}\n").await;
    // The readiness probe of the start took some of the burst; the rest is spent here.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(call(&base, "GET", "/api/v2/status", "", None).await);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(ok <= 5, "at most the burst passes: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_web_configuration_stops_the_start_with_its_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "alertmanager.yml", CONFIG);
    let web = write(dir.path(), "web.yml", "bearer_tokens: [{name: x, token_file: none.token, scope: admin}]\n");
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["serve", "--config", &config, "--web.config.file", &web, "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("web.yml") && err.contains("scope"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_server_config_serves_https_trusted_through_the_ca() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "triage API test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    server_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = server_params.signed_by(&key, &ca).unwrap();
    write(dir.path(), "server.crt", &cert.pem());
    write(dir.path(), "server.key", &key.serialize_pem());
    let config = write(dir.path(), "alertmanager.yml", CONFIG);
    let web = write(dir.path(), "web.yml", "tls_server_config: {cert_file: server.crt, key_file: server.key}\n");
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.args(["serve", "--config", &config, "--web.config.file", &web, "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path().join("data"));
    let mut triage = Proc::spawn("triage", cmd);
    let trusted = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}/-/ready");
    let ready = crate::support::poll(DEADLINE, || {
        let (trusted, url) = (trusted.clone(), url.clone());
        async move { trusted.get(&url).send().await.ok().filter(|r| r.status().is_success()) }
    })
    .await;
    assert!(ready.is_some(), "HTTPS never answered: {}", triage.report());
    // Plain HTTP and an untrusting client get nowhere.
    assert!(client().get(format!("http://127.0.0.1:{port}/-/ready")).send().await.is_err());
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
