//! `http_config`'s connection settings applied, through the real server: a webhook to a TLS
//! server that requires a client certificate (`tls_config` with `ca_file`, `cert_file`,
//! `key_file`, `min_version`; the same server refuses an integration without one), a webhook
//! through an HTTP proxy (`proxy_url`), OAuth 2.0 client credentials (token kept until it
//! expires, an invalid client a clear error), and a key triage does not apply refused by
//! check-config, naming the key.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::recorder::{Recorded, Recorder, Reply};
use crate::support::{DEADLINE, client, poll, start_triage};

/// A CA, a server certificate for 127.0.0.1 and a client certificate it signed, as PEM files:
/// (ca, server cert, server key, client cert, client key).
fn pki(dir: &Path) -> [PathBuf; 5] {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name.push(DnType::CommonName, "triage http_config test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    server_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().unwrap();
    let server = server_params.signed_by(&server_key, &ca).unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params.distinguished_name.push(DnType::CommonName, "triage");
    client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().unwrap();
    let client_cert = client_params.signed_by(&client_key, &ca).unwrap();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    [
        write("ca.pem", ca.pem()),
        write("server.pem", server.pem()),
        write("server.key", server_key.serialize_pem()),
        write("client.pem", client_cert.pem()),
        write("client.key", client_key.serialize_pem()),
    ]
}

/// Reads one HTTP/1.1 request (head and a Content-Length body) and answers 200.
async fn answer_one<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(s: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await.ok()?;
            let _ = s.shutdown().await;
            return Some(head);
        }
    }
}

/// A TLS server on 127.0.0.1 that requires a client certificate from `ca`; records the
/// request heads it served and counts refused handshakes.
struct MtlsServer {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
    refused: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MtlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn mtls_server(ca: &Path, cert: &Path, key: &Path) -> MtlsServer {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().unwrap();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0));
    let (h, r) = (heads.clone(), refused.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (acceptor, h, r) = (acceptor.clone(), h.clone(), r.clone());
            tokio::spawn(async move {
                match acceptor.accept(tcp).await {
                    Ok(mut tls) => {
                        if let Some(head) = answer_one(&mut tls).await {
                            h.lock().unwrap().push(head);
                        }
                    }
                    Err(_) => *r.lock().unwrap() += 1,
                }
            });
        }
    });
    MtlsServer { port, heads, refused, task }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_reaches_a_server_that_requires_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let [ca, server_cert, server_key, client_cert, client_key] = pki(dir.path());
    let server = mtls_server(&ca, &server_cert, &server_key).await;
    let config = format!(
        r#"
route: {{receiver: ops, group_by: [alertname], group_wait: 0s}}
receivers:
  - name: ops
    webhook_configs:
      - url: https://127.0.0.1:{port}/with-cert
        http_config:
          tls_config: {{ca_file: {ca}, cert_file: {cert}, key_file: {key}, min_version: TLS12}}
      - url: https://127.0.0.1:{port}/without-cert
        http_config:
          tls_config: {{ca_file: {ca}}}
"#,
        port = server.port,
        ca = ca.display(),
        cert = client_cert.display(),
        key = client_key.display()
    );
    let peer = start_triage(&config).await;
    let r = client()
        .post(format!("{}/api/v2/alerts", peer.url))
        .json(&json!([{"labels": {"alertname": "DiskFull"}}]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let heads = poll(DEADLINE, || async {
        let h = server.heads.lock().unwrap().clone();
        (!h.is_empty() && *server.refused.lock().unwrap() > 0).then_some(h)
    })
    .await
    .expect("the webhook with the certificate is served, the one without is refused");
    assert!(heads.iter().all(|h| h.starts_with("POST /with-cert ")), "{heads:?}");
}

/// A forward proxy for plain HTTP: records the request line and relays to the origin.
async fn proxy() -> (u16, Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else { return };
            let s = s.clone();
            tokio::spawn(async move {
                // The proxy answers itself: what matters is that the request came through it,
                // in absolute form.
                if let Some(head) = answer_one(&mut tcp).await {
                    s.lock().unwrap().push(head.lines().next().unwrap_or_default().to_string());
                }
            });
        }
    });
    (port, seen, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_goes_through_its_proxy() {
    let (port, seen, task) = proxy().await;
    let config = format!(
        r#"
route: {{receiver: ops, group_wait: 0s}}
receivers:
  - name: ops
    webhook_configs:
      - url: http://receiver.invalid:8080/hook
        http_config: {{proxy_url: 'http://127.0.0.1:{port}'}}
"#
    );
    let peer = start_triage(&config).await;
    let r = client()
        .post(format!("{}/api/v2/alerts", peer.url))
        .json(&json!([{"labels": {"alertname": "DiskFull"}}]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let lines = poll(DEADLINE, || async {
        let l = seen.lock().unwrap().clone();
        (!l.is_empty()).then_some(l)
    })
    .await
    .expect("the request went through the proxy");
    assert_eq!(lines[0], "POST http://receiver.invalid:8080/hook HTTP/1.1");
    task.abort();
}

#[test]
fn keys_triage_does_not_apply_are_check_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alertmanager.yml");
    std::fs::write(
        &path,
        "route: {receiver: ops}\nreceivers:\n  - name: ops\n    pagerduty_configs:\n      - routing_key: k\n        http_config:\n          tls_config: {server_name: pd.example.org}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("pagerduty_configs[0]") && text.contains("tls_config.server_name"), "{text}");
}

const OAUTH2: &str = r#"
route: {receiver: ops, group_by: [alertname], group_wait: 0s}
receivers:
  - name: ops
    webhook_configs:
      - url: REC/hook
        http_config:
          oauth2:
            client_id: triage
            client_secret: oauth-very-secret
            token_url: REC/token
            scopes: [alerts]
            endpoint_params: {audience: receivers}
"#;

async fn post(url: &str, name: &str) {
    let r = client()
        .post(format!("{url}/api/v2/alerts"))
        .json(&json!([{"labels": {"alertname": name}}]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

async fn requests(rec: &Recorder, n: usize) -> Vec<Recorded> {
    poll(DEADLINE, || async move {
        let got = rec.requests();
        (got.len() >= n).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("{n} requests: {:?}", rec.requests()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_tokens_are_fetched_kept_until_expiry_and_refetched() {
    let rec = Recorder::start();
    // Expires in 11 s: used for 1 s (ten seconds of margin, as golang.org/x/oauth2).
    rec.reply(Reply::json(json!({"access_token": "tok-a", "token_type": "bearer", "expires_in": 11})));
    rec.reply(Reply::ok());
    rec.reply(Reply::ok());
    let peer = start_triage(&OAUTH2.replace("REC", &rec.url(""))).await;
    post(&peer.url, "A").await;
    post(&peer.url, "B").await;
    let got = requests(&rec, 3).await;
    assert_eq!((got[0].method.as_str(), got[0].path.as_str()), ("POST", "/token"));
    assert_eq!(got[0].header("authorization"), Some("Basic dHJpYWdlOm9hdXRoLXZlcnktc2VjcmV0"));
    assert_eq!(got[0].text(), "audience=receivers&grant_type=client_credentials&scope=alerts");
    for r in &got[1..] {
        assert_eq!((r.path.as_str(), r.header("authorization")), ("/hook", Some("Bearer tok-a")), "kept: {got:?}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    rec.reply(Reply::json(json!({"access_token": "tok-b", "expires_in": 3600})));
    post(&peer.url, "C").await;
    let got = requests(&rec, 5).await;
    assert_eq!(got[3].path, "/token", "expired token fetched again: {got:?}");
    assert_eq!(got[4].header("authorization"), Some("Bearer tok-b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_oauth2_client_is_a_clear_error_without_the_secret() {
    let rec = Recorder::start();
    rec.reply(Reply::new(401, r#"{"error":"invalid_client"}"#));
    let peer = start_triage(&OAUTH2.replace("REC", &rec.url(""))).await;
    post(&peer.url, "A").await;
    let row = poll(DEADLINE, || async {
        let v: serde_json::Value =
            client().get(format!("{}/api/v2/deliveries", peer.url)).send().await.ok()?.json().await.ok()?;
        v.as_array()?.iter().find(|r| r["state"] == "failed").cloned()
    })
    .await
    .expect("the delivery fails");
    let error = row["lastError"].as_str().unwrap();
    assert!(error.contains("oauth2: the token endpoint answered 401") && error.contains("invalid_client"), "{error}");
    assert!(!error.contains("oauth-very-secret"), "{error}");
    assert_eq!(rec.requests().len(), 1, "not retried, the hook never called");
}
