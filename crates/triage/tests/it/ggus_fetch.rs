//! GGUS fetching (`triage::sources::outages::ggus`) against in-process servers serving the real GGUS export
//! of `testdata/ggus/`: an HTTPS server that requires a client certificate signed by a test
//! CA (fetched with a certificate and key, and with a proxy-format file; refused without a
//! certificate), a plain-HTTP server that requires a bearer token, and failing servers. Every
//! failure is one line naming the server; no token shows in errors or `Debug`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use triage::sources::outages::ggus::{
    GgusAuth, GgusEndpoint, GgusFetchError, SourceKind, build_client, fetch_document, fetch_ggus,
};
use triage_core::outage::ggus::{GgusField, GgusFormat, GgusLimits, GgusTicket, parse_ggus};

use servers::{Reply, Request, TestPki};

const EXPORT_XML: &str = "ggus/ggus_tickets_export_2020-02-21.xml";

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

fn export_xml() -> Vec<u8> {
    std::fs::read(testdata(EXPORT_XML)).expect("GGUS export")
}

/// The export's 88 tickets as the core parser reads them.
fn export_tickets() -> Vec<GgusTicket> {
    let tickets = parse_ggus(&export_xml(), Some(GgusFormat::Xml)).expect("parse the export");
    assert_eq!(tickets.len(), 88);
    tickets
}

/// The same tickets as the portal's `;`-separated CSV export.
fn export_csv() -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer.write_record(GgusField::ALL.map(GgusField::export_name)).expect("CSV header");
    for ticket in export_tickets() {
        writer.write_record(GgusField::ALL.map(|f| f.get(&ticket))).expect("CSV row");
    }
    writer.into_inner().expect("CSV bytes")
}

fn endpoint(url: &str, format: Option<GgusFormat>, auth: GgusAuth, server_ca: Option<&Path>) -> GgusEndpoint {
    GgusEndpoint {
        url: url.into(),
        format,
        limits: GgusLimits::default(),
        auth,
        server_ca: server_ca.map(Path::to_path_buf),
    }
}

/// One line, naming `server`, containing every `parts`, without `secrets`.
fn assert_clear(error: &GgusFetchError, server: &str, parts: &[&str], secrets: &[&str]) {
    let text = error.to_string();
    assert!(!text.contains('\n'), "not one line: {text}");
    assert!(text.contains(server), "does not name {server}: {text}");
    for part in parts {
        assert!(text.contains(part), "lacks {part:?}: {text}");
    }
    for secret in secrets {
        assert!(!text.contains(secret) && !format!("{error:?}").contains(secret), "shows a secret: {text}");
    }
}

fn serve_export(body: Vec<u8>) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |request: &Request| {
        if request.path.starts_with("/index.php?mode=ticket_search") {
            Reply::ok(body.clone())
        } else {
            Reply::status(404, b"no such page".to_vec())
        }
    }
}

const SEARCH_PATH: &str = "/index.php?mode=ticket_search&status=open&export=xml";

#[tokio::test]
async fn client_certificate_fetches_the_export_over_mutual_tls() {
    let pki = TestPki::new();
    let server = servers::start_https(&pki, serve_export(export_xml())).await;
    let url = format!("{}{SEARCH_PATH}", server.url);
    let auth = GgusAuth::ClientCertificate { cert: pki.client_cert.clone(), key: pki.client_key.clone() };
    let endpoint = endpoint(&url, Some(GgusFormat::Xml), auth, Some(&pki.ca_file));
    let client = endpoint.build_client(Duration::from_secs(20)).expect("client");
    assert_eq!(fetch_ggus(&endpoint, &client).await.expect("tickets"), export_tickets());
    assert_eq!(server.subjects(), ["triage robot"]);
}

#[tokio::test]
async fn grid_proxy_file_fetches_the_csv_export() {
    let pki = TestPki::new();
    let server = servers::start_https(&pki, serve_export(export_csv())).await;
    let url = format!("{}{SEARCH_PATH}", server.url);
    let endpoint = endpoint(&url, None, GgusAuth::Proxy { file: pki.proxy_file.clone() }, Some(&pki.ca_file));
    let client = endpoint.build_client(Duration::from_secs(20)).expect("client");
    assert_eq!(fetch_ggus(&endpoint, &client).await.expect("tickets"), export_tickets());
    assert_eq!(server.subjects(), ["triage robot proxy"]);
}

#[tokio::test]
async fn missing_or_foreign_certificates_are_refused_clearly() {
    let pki = TestPki::new();
    let server = servers::start_https(&pki, serve_export(export_xml())).await;
    let url = format!("{}{SEARCH_PATH}", server.url);
    let server_name = format!("{}/index.php", server.url);
    let timeout = Duration::from_secs(20);

    let anonymous = endpoint(&url, None, GgusAuth::None, Some(&pki.ca_file));
    let error = fetch_ggus(&anonymous, &anonymous.build_client(timeout).expect("client")).await.unwrap_err();
    assert_clear(&error, &server_name, &["requires a client certificate"], &[]);

    let foreign = GgusAuth::ClientCertificate { cert: pki.foreign_cert.clone(), key: pki.foreign_key.clone() };
    let foreign = endpoint(&url, None, foreign, Some(&pki.ca_file));
    let error = fetch_ggus(&foreign, &foreign.build_client(timeout).expect("client")).await.unwrap_err();
    assert_clear(&error, &server_name, &["refused the client certificate"], &[]);

    // Without the server's CA, the platform roots do not know the test CA.
    let auth = GgusAuth::ClientCertificate { cert: pki.client_cert.clone(), key: pki.client_key.clone() };
    let untrusted = endpoint(&url, None, auth, None);
    let error = fetch_ggus(&untrusted, &untrusted.build_client(timeout).expect("client")).await.unwrap_err();
    assert_clear(&error, &server_name, &["invalid peer certificate"], &[]);
    assert!(server.subjects().is_empty(), "{:?}", server.subjects());
}

#[test]
fn unusable_credential_files_are_named_without_their_content() {
    let pki = TestPki::new();
    let timeout = Duration::from_secs(5);
    let dir = pki.dir();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a credential file");
        path
    };
    let encrypted = write(
        "encrypted.key",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkq\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let garbage = write("garbage.pem", "not a certificate at all: hunter2\n");
    let missing = dir.join("no-such-file.pem");
    let cases = [
        (
            GgusAuth::ClientCertificate { cert: pki.client_cert.clone(), key: encrypted.clone() },
            None,
            &encrypted,
            "encrypted",
        ),
        (
            GgusAuth::ClientCertificate { cert: garbage.clone(), key: pki.client_key.clone() },
            None,
            &garbage,
            "no PEM certificate",
        ),
        (GgusAuth::Proxy { file: pki.client_cert.clone() }, None, &pki.client_cert, "no PEM private key"),
        (GgusAuth::Proxy { file: missing.clone() }, None, &missing, "No such file"),
        (GgusAuth::None, Some(garbage.as_path()), &garbage, "no PEM certificate"),
    ];
    for (auth, ca, path, reason) in cases {
        let error = build_client(SourceKind::Ggus, &auth, ca, timeout).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, GgusFetchError::Credentials { .. }), "{text}");
        assert!(text.contains(&path.display().to_string()) && text.contains(reason), "{text}");
        assert!(!text.contains("hunter2") && !text.contains('\n'), "{text}");
    }
}

#[tokio::test]
async fn bearer_token_is_read_from_its_file_at_each_request() {
    let expected = Arc::new(Mutex::new("tok-first-1111".to_owned()));
    let wanted = expected.clone();
    let xml = export_xml();
    let server = servers::start_http(move |request: &Request| {
        let authorization = request.header("authorization").unwrap_or_default();
        if authorization == format!("Bearer {}", wanted.lock()) {
            Reply::ok(xml.clone())
        } else {
            // Echoes the rejected header, as some servers do: it must not reach the error.
            Reply::status(401, format!("{{\"error\":\"invalid token in '{authorization}'\"}}").into_bytes())
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("ggus.token");
    std::fs::write(&token_file, "tok-first-1111\n").expect("token file");
    let url = format!("{}/api/v1/tickets?vo=cms", server.url);
    let endpoint = endpoint(&url, Some(GgusFormat::Xml), GgusAuth::BearerTokenFile { path: token_file.clone() }, None);
    let client = endpoint.build_client(Duration::from_secs(20)).expect("client");
    assert_eq!(fetch_ggus(&endpoint, &client).await.expect("tickets").len(), 88);

    // A renewed token is used by the next request, with the same client.
    std::fs::write(&token_file, "  tok-second-2222 \n").expect("renew the token");
    *expected.lock() = "tok-second-2222".into();
    assert_eq!(fetch_ggus(&endpoint, &client).await.expect("tickets").len(), 88);

    // The server wants another token: 401, the server's text, the token blanked.
    *expected.lock() = "tok-third-3333".into();
    let error = fetch_ggus(&endpoint, &client).await.unwrap_err();
    let server_name = format!("{}/api/v1/tickets", server.url);
    assert_clear(&error, &server_name, &["HTTP 401", "invalid token", "<redacted>"], &["tok-second-2222"]);
    assert!(!error.to_string().contains("vo=cms"), "{error}");

    // An empty token file is refused before sending.
    std::fs::write(&token_file, "\n").expect("empty the token");
    let error = fetch_ggus(&endpoint, &client).await.unwrap_err();
    assert!(matches!(error, GgusFetchError::Credentials { .. }) && error.to_string().contains("empty"), "{error}");

    let debug = format!("{endpoint:?}");
    assert!(debug.contains("ggus.token") && !debug.contains("tok-"), "{debug}");
    let with_userinfo =
        self::endpoint("https://robot:pw-in-url-99@ggus.example/x?token=q-77", None, GgusAuth::None, None);
    let debug = format!("{with_userinfo:?}");
    assert!(!debug.contains("pw-in-url-99") && !debug.contains("q-77"), "{debug}");
}

#[tokio::test]
async fn failing_servers_give_one_clear_line_each() {
    let xml = export_xml();
    let quick = Duration::from_millis(500);
    let fetch = |url: String, limits: GgusLimits| async move {
        let mut endpoint = endpoint(&url, None, GgusAuth::None, None);
        endpoint.limits = limits;
        let client = build_client(SourceKind::Ggus, &GgusAuth::None, None, quick).expect("client");
        fetch_ggus(&endpoint, &client).await.unwrap_err()
    };
    let limits = GgusLimits::default();

    let closed = format!("http://127.0.0.1:{}/export", servers::closed_port());
    assert_clear(&fetch(closed.clone(), limits).await, &closed, &["cannot connect"], &[]);

    for (status, body, parts) in [
        (401, &b"Unauthorized"[..], ["HTTP 401 Unauthorized", "Unauthorized"]),
        (403, b"<h1>Forbidden</h1>\n<p>DN not registered</p>", ["HTTP 403 Forbidden", "DN not registered"]),
        (500, b"Internal error: database unavailable", ["HTTP 500 Internal Server Error", "database unavailable"]),
    ] {
        let server = servers::start_http(move |_: &Request| Reply::status(status, body.to_vec())).await;
        assert_clear(&fetch(format!("{}/export", server.url), limits).await, &server.url, &parts, &[]);
    }

    let silent = servers::start_http(|_: &Request| Reply::stall()).await;
    assert_clear(&fetch(format!("{}/export", silent.url), limits).await, &silent.url, &["timed out"], &[]);

    let small = GgusLimits { max_bytes: 1000, ..limits };
    for announce in [true, false] {
        let body = xml.clone();
        let server = servers::start_http(move |_: &Request| Reply::ok(body.clone()).announce_length(announce)).await;
        let error = fetch(format!("{}/export", server.url), small).await;
        assert_clear(&error, &server.url, &["larger than the limit of 1000 bytes"], &[]);
    }

    let mut latin1 = b"<tickets><ticket><Ticket-ID>1</Ticket-ID><Subject>Probl\xe8me</Subject>".to_vec();
    latin1.extend_from_slice(b"</ticket></tickets>");
    let server = servers::start_http(move |_: &Request| Reply::ok(latin1.clone())).await;
    let error = fetch(format!("{}/export", server.url), limits).await;
    assert_clear(&error, &server.url, &["not UTF-8", "offset 55"], &[]);

    let body = xml.clone();
    let cut =
        servers::start_http(move |_: &Request| Reply::ok(body[..body.len() / 2].to_vec()).claim_length(body.len()))
            .await;
    assert_clear(&fetch(format!("{}/export", cut.url), limits).await, &cut.url, &["reading the answer failed"], &[]);

    let half = xml[..xml.len() / 2].to_vec();
    let server = servers::start_http(move |_: &Request| Reply::ok(half.clone())).await;
    assert_clear(&fetch(format!("{}/export", server.url), limits).await, &server.url, &["GGUS XML"], &[]);
}

/// The test PKI and the in-process HTTP(S) servers.
mod servers {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use parking_lot::Mutex;
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tempfile::TempDir;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    /// A test CA, a server certificate for 127.0.0.1 it signed, a client certificate and key,
    /// a proxy-format file (proxy certificate, key, then the intermediate "user" certificate
    /// that signed it), and a client certificate from a CA the server does not trust.
    pub struct TestPki {
        dir: TempDir,
        pub ca_file: PathBuf,
        pub client_cert: PathBuf,
        pub client_key: PathBuf,
        pub proxy_file: PathBuf,
        pub foreign_cert: PathBuf,
        pub foreign_key: PathBuf,
        ca_der: CertificateDer<'static>,
        server_der: CertificateDer<'static>,
        server_key_der: Vec<u8>,
        /// Client leaf certificates by the name `subjects` reports.
        leaf_names: Vec<(Vec<u8>, String)>,
    }

    fn params(common_name: &str, sans: &[&str]) -> CertificateParams {
        let mut params = CertificateParams::new(sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .expect("certificate params");
        params.distinguished_name.push(DnType::CommonName, common_name);
        params
    }

    fn ca_params(common_name: &str, constraints: BasicConstraints) -> CertificateParams {
        let mut params = params(common_name, &[]);
        params.is_ca = IsCa::Ca(constraints);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params
    }

    fn client_params(common_name: &str) -> CertificateParams {
        let mut params = params(common_name, &[]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params
    }

    fn key() -> KeyPair {
        KeyPair::generate().expect("key pair")
    }

    impl TestPki {
        pub fn new() -> TestPki {
            let dir = tempfile::Builder::new().prefix("triage-test-ggus-pki-").tempdir().expect("temp dir");
            let write = |name: &str, text: &str| {
                let path = dir.path().join(name);
                std::fs::write(&path, text).expect("write PKI file");
                path
            };
            let ca = CertifiedIssuer::self_signed(ca_params("triage test CA", BasicConstraints::Unconstrained), key())
                .expect("test CA");
            let mut server_params = params("127.0.0.1", &["127.0.0.1", "localhost"]);
            server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let server_key = key();
            let server = server_params.signed_by(&server_key, &ca).expect("server certificate");

            let client_key = key();
            let client = client_params("triage robot").signed_by(&client_key, &ca).expect("client certificate");

            let user = CertifiedIssuer::signed_by(
                ca_params("triage robot user", BasicConstraints::Constrained(0)),
                key(),
                &ca,
            )
            .expect("user certificate");
            let proxy_key = key();
            let proxy = client_params("triage robot proxy").signed_by(&proxy_key, &user).expect("proxy certificate");

            let foreign_ca =
                CertifiedIssuer::self_signed(ca_params("someone else's CA", BasicConstraints::Unconstrained), key())
                    .expect("foreign CA");
            let foreign_key = key();
            let foreign = client_params("stranger").signed_by(&foreign_key, &foreign_ca).expect("foreign certificate");

            TestPki {
                ca_file: write("ca.pem", &ca.pem()),
                client_cert: write("client.pem", &client.pem()),
                client_key: write("client.key", &client_key.serialize_pem()),
                proxy_file: write(
                    "x509up_u1000",
                    &format!("{}{}{}", proxy.pem(), proxy_key.serialize_pem(), user.pem()),
                ),
                foreign_cert: write("foreign.pem", &foreign.pem()),
                foreign_key: write("foreign.key", &foreign_key.serialize_pem()),
                ca_der: ca.der().clone(),
                server_der: server.der().clone(),
                server_key_der: server_key.serialize_der(),
                leaf_names: vec![
                    (client.der().to_vec(), "triage robot".into()),
                    (proxy.der().to_vec(), "triage robot proxy".into()),
                    (foreign.der().to_vec(), "stranger".into()),
                ],
                dir,
            }
        }

        pub fn dir(&self) -> &Path {
            self.dir.path()
        }

        fn server_config(&self) -> rustls::ServerConfig {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca_der.clone()).expect("trust the test CA");
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .expect("client verifier");
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_client_cert_verifier(verifier)
                .with_single_cert(vec![self.server_der.clone()], key)
                .expect("server certificate")
        }
    }

    /// A request as the handler sees it.
    pub struct Request {
        /// Path and query, e.g. `/export?x=1`.
        pub path: String,
        headers: Vec<(String, String)>,
    }

    impl Request {
        /// A header's value (names compared without case).
        pub fn header(&self, name: &str) -> Option<String> {
            self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
        }
    }

    /// What the server answers.
    pub struct Reply {
        status: u16,
        body: Vec<u8>,
        announce_length: bool,
        claimed_length: Option<usize>,
        stall: bool,
    }

    impl Reply {
        pub fn ok(body: Vec<u8>) -> Reply {
            Reply::status(200, body)
        }

        pub fn status(status: u16, body: Vec<u8>) -> Reply {
            Reply { status, body, announce_length: true, claimed_length: None, stall: false }
        }

        /// Never answers; holds the connection until the client closes it.
        pub fn stall() -> Reply {
            Reply { stall: true, ..Reply::status(200, Vec::new()) }
        }

        /// With `false`, no `Content-Length`: the body runs to the close.
        pub fn announce_length(mut self, announce: bool) -> Reply {
            self.announce_length = announce;
            self
        }

        /// Announces `length` bytes whatever the body's size.
        pub fn claim_length(mut self, length: usize) -> Reply {
            self.claimed_length = Some(length);
            self
        }

        fn head(&self) -> Vec<u8> {
            let reason = axum::http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Unknown");
            let mut head =
                format!("HTTP/1.1 {} {reason}\r\nContent-Type: text/plain\r\nConnection: close\r\n", self.status);
            match (self.claimed_length, self.announce_length) {
                (Some(length), _) => head.push_str(&format!("Content-Length: {length}\r\n")),
                (None, true) => head.push_str(&format!("Content-Length: {}\r\n", self.body.len())),
                (None, false) => {}
            }
            head.push_str("\r\n");
            head.into_bytes()
        }
    }

    type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

    /// Reads one request head, answers it, closes. `false` if no request arrived.
    async fn answer_one<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, handler: &Handler) -> bool {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
            if head.len() > 65536 {
                return false;
            }
        }
        let text = String::from_utf8_lossy(&head);
        let mut lines = text.split("\r\n");
        let path = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
        let headers =
            lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
        let reply = handler(&Request { path, headers });
        if reply.stall {
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
            return true;
        }
        let _ = stream.write_all(&reply.head()).await;
        let _ = stream.write_all(&reply.body).await;
        let _ = stream.shutdown().await;
        true
    }

    /// A plain-HTTP server.
    pub struct HttpServer {
        pub url: String,
    }

    pub async fn start_http(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> HttpServer {
        let handler: Handler = Arc::new(handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let handler = handler.clone();
                tokio::spawn(async move { answer_one(&mut stream, &handler).await });
            }
        });
        HttpServer { url }
    }

    /// An HTTPS server requiring a client certificate from the test CA.
    pub struct HttpsServer {
        pub url: String,
        subjects: Arc<Mutex<Vec<String>>>,
    }

    impl HttpsServer {
        /// The names of the client certificates of the requests answered so far.
        pub fn subjects(&self) -> Vec<String> {
            self.subjects.lock().clone()
        }
    }

    pub async fn start_https(
        pki: &TestPki,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> HttpsServer {
        let handler: Handler = Arc::new(handler);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("https://{}", listener.local_addr().expect("address"));
        let subjects = Arc::new(Mutex::new(Vec::new()));
        let (seen, names) = (subjects.clone(), pki.leaf_names.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, handler, seen, names) = (acceptor.clone(), handler.clone(), seen.clone(), names.clone());
                tokio::spawn(async move {
                    let mut tls = match acceptor.accept(stream).into_fallible().await {
                        Ok(tls) => tls,
                        // Refused: the alert is sent; read until the client closes, so that
                        // closing first cannot reset the connection before the alert is read.
                        Err((_, mut raw)) => {
                            let mut buf = [0u8; 4096];
                            while let Ok(n) = raw.read(&mut buf).await {
                                if n == 0 {
                                    break;
                                }
                            }
                            return;
                        }
                    };
                    let leaf = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
                    if answer_one(&mut tls, &handler).await {
                        let name = names.iter().find(|(der, _)| Some(der) == leaf.as_ref()).map(|(_, n)| n.clone());
                        seen.lock().push(name.unwrap_or_else(|| "(unknown)".into()));
                    }
                });
            }
        });
        HttpsServer { url, subjects }
    }

    /// A loopback port nobody listens on (bound, then released).
    pub fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
    }
}

#[tokio::test]
async fn gocdb_documents_and_clients_name_gocdb_in_their_errors() {
    let quick = Duration::from_millis(500);
    let client = build_client(SourceKind::Gocdb, &GgusAuth::None, None, quick).expect("client");
    let closed = format!("http://127.0.0.1:{}/gocdb/", servers::closed_port());
    let error = fetch_document(SourceKind::Gocdb, &closed, &GgusAuth::None, 1024, &client).await.unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("GOCDB at http://127.0.0.1:") && text.contains("cannot connect"), "{text}");
    let missing = PathBuf::from("/nonexistent/x509up_u1000");
    let error = build_client(SourceKind::Gocdb, &GgusAuth::Proxy { file: missing }, None, quick).unwrap_err();
    assert!(error.to_string().starts_with("GOCDB credentials: cannot use /nonexistent/x509up_u1000"), "{error}");
    assert_eq!(SourceKind::from(triage_core::config::outages::OutageSourceType::Servicenow).to_string(), "ServiceNow");
}
