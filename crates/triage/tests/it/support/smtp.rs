//! SMTP servers for the e-mail tests, all on 127.0.0.1 and all recording what they accept:
//!
//! - [`start_mailin`]: mailin-embedded in this process, plain or with STARTTLS plus AUTH
//!   PLAIN/LOGIN for one user;
//! - [`ImplicitTlsServer`]: TLS from the first byte on port 465, built from rustls and the
//!   SMTP session engine of the `mailin` crate (mailin-embedded itself only offers STARTTLS);
//! - [`start_aiosmtpd`]: `tests/aiosmtpd_server.py`, an aiosmtpd server in its own process.
//!
//! Certificates come from [`TestCert`] (rcgen, self-signed for `localhost` and `127.0.0.1`).

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mailin::{Action, AuthMechanism, Handler, Response, response};
use tempfile::TempDir;

use super::proc::{Proc, free_port};
use super::{DEADLINE, poll};

/// A recipient every server here rejects with 550 (mailbox unavailable).
pub const REJECTED_RECIPIENT: &str = "rejected@example.org";
/// A recipient every mailin server here defers with 451 (try again later).
pub const DEFERRED_RECIPIENT: &str = "deferred@example.org";

/// The port on which SMTP clients speak implicit TLS.
pub const IMPLICIT_TLS_PORT: u16 = 465;

/// A self-signed certificate and its key, as PEM files in a temporary directory.
pub struct TestCert {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,

    _dir: TempDir,
}

impl TestCert {
    /// A new certificate for `localhost` and `127.0.0.1`.
    pub fn new() -> TestCert {
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let certified = rcgen::generate_simple_self_signed(names).expect("generate a test certificate");
        let dir = tempfile::Builder::new().prefix("triage-test-cert-").tempdir().expect("temp dir");
        let cert_pem = certified.cert.pem();
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        std::fs::write(&cert_path, &cert_pem).expect("write cert.pem");
        std::fs::write(&key_path, certified.signing_key.serialize_pem()).expect("write key.pem");
        TestCert { cert_path, key_path, _dir: dir }
    }

    fn rustls_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = vec![CertificateDer::from_pem_file(&self.cert_path).expect("read cert.pem")];
        let key = PrivateKeyDer::from_pem_file(&self.key_path).expect("read key.pem");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server certificate");
        Arc::new(config)
    }
}

/// One message a server accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The raw message as sent after DATA.
    pub data: Vec<u8>,
    /// The user that authenticated, if any.
    pub user: Option<String>,
}

/// The messages a server accepted, shared with its connection threads.
#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<ReceivedMail>>>);

impl Inbox {
    fn push(&self, mail: ReceivedMail) {
        self.0.lock().expect("inbox lock").push(mail);
    }

    /// Waits (bounded) until at least `count` messages arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let inbox = self.0.clone();
        poll(DEADLINE, || {
            let mails = inbox.lock().expect("inbox lock").clone();
            async move { (mails.len() >= count).then_some(mails) }
        })
        .await
        .unwrap_or_else(|| panic!("fewer than {count} messages arrived within {DEADLINE:?}"))
    }

    /// Every message so far.
    pub fn all(&self) -> Vec<ReceivedMail> {
        self.0.lock().expect("inbox lock").clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().expect("inbox lock").len()
    }
}

/// Who may log in.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: String,
    pub password: String,
}

/// A session handler that checks one account and records accepted messages.
#[derive(Clone)]
struct Recorder {
    account: Option<Account>,
    inbox: Inbox,
    user: Option<String>,
    current: Option<ReceivedMail>,
}

impl Recorder {
    fn new(account: Option<Account>, inbox: Inbox) -> Recorder {
        Recorder { account, inbox, user: None, current: None }
    }

    fn login(&mut self, user: &str, password: &str) -> Response {
        match &self.account {
            Some(a) if a.user == user && a.password == password => {
                self.user = Some(user.to_string());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        match to {
            REJECTED_RECIPIENT => response::NO_MAILBOX,
            DEFERRED_RECIPIENT => response::INTERNAL_ERROR,
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        let (from, to, user) = (from.to_string(), to.to_vec(), self.user.clone());
        self.current = Some(ReceivedMail { from, to, data: Vec::new(), user });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = &mut self.current {
            mail.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            self.inbox.push(mail);
        }
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, password: &str) -> Response {
        self.login(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.login(username, password)
    }
}

/// How a mailin-embedded server secures connections.
pub enum Security<'a> {
    /// Plain text only: no STARTTLS, no AUTH.
    Plain,
    /// STARTTLS with this certificate, then AUTH PLAIN/LOGIN for the account.
    StartTls(&'a TestCert, Account),
    /// As `StartTls`, offering only AUTH LOGIN.
    StartTlsLoginOnly(&'a TestCert, Account),
}

/// A mailin-embedded server running in a background thread for the rest of the process.
pub struct MailinServer {
    pub addr: SocketAddr,
    pub inbox: Inbox,
}

/// Starts mailin-embedded on a free loopback port.
pub fn start_mailin(security: Security<'_>) -> MailinServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let inbox = Inbox::default();
    let account = match &security {
        Security::Plain => None,
        Security::StartTls(_, account) | Security::StartTlsLoginOnly(_, account) => Some(account.clone()),
    };
    let mut server = mailin_embedded::Server::new(Recorder::new(account, inbox.clone()));
    server.with_name("mailin.test").with_tcp_listener(listener).with_num_threads(4);
    let (cert, mechanisms) = match security {
        Security::Plain => return serve_in_background(server, addr, inbox),
        Security::StartTls(cert, _) => (cert, &[AuthMechanism::Plain, AuthMechanism::Login][..]),
        Security::StartTlsLoginOnly(cert, _) => (cert, &[AuthMechanism::Login][..]),
    };
    let ssl = mailin_embedded::SslConfig::SelfSigned {
        cert_path: cert.cert_path.display().to_string(),
        key_path: cert.key_path.display().to_string(),
    };
    server.with_ssl(ssl).expect("mailin TLS setup");
    for mechanism in mechanisms {
        server.with_auth(mechanism.clone());
    }
    serve_in_background(server, addr, inbox)
}

fn serve_in_background(server: mailin_embedded::Server<Recorder>, addr: SocketAddr, inbox: Inbox) -> MailinServer {
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            eprintln!("mailin-embedded stopped: {e}");
        }
    });
    MailinServer { addr, inbox }
}

/// An SMTP server speaking TLS from the first byte on 127.0.0.1:465; stops when dropped.
pub struct ImplicitTlsServer {
    pub inbox: Inbox,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ImplicitTlsServer {
    /// Starts the server, waiting (bounded) while another process holds port 465. `None` when
    /// this process may not bind a port below 1024.
    pub fn start(cert: &TestCert, account: Account) -> Option<ImplicitTlsServer> {
        let listener = bind_implicit_tls_port()?;
        let inbox = Inbox::default();
        let stop = Arc::new(AtomicBool::new(false));
        let recorder = Recorder::new(Some(account), inbox.clone());
        let config = cert.rustls_config();
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || accept_loop(listener, config, recorder, stopping));
        Some(ImplicitTlsServer { inbox, stop, thread: Some(thread) })
    }
}

impl Drop for ImplicitTlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and releases the port.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, IMPLICIT_TLS_PORT));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bind_implicit_tls_port() -> Option<TcpListener> {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, IMPLICIT_TLS_PORT)) {
            Ok(listener) => return Some(listener),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return None,
            Err(e) if std::time::Instant::now() >= deadline => panic!("cannot bind 127.0.0.1:465: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn accept_loop(listener: TcpListener, config: Arc<rustls::ServerConfig>, recorder: Recorder, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let (config, recorder) = (config.clone(), recorder.clone());
        std::thread::spawn(move || {
            let _ = serve_implicit_tls(stream, config, recorder);
        });
    }
}

/// One connection: TLS handshake, then an SMTP session that knows it is encrypted.
fn serve_implicit_tls(stream: TcpStream, config: Arc<rustls::ServerConfig>, recorder: Recorder) -> std::io::Result<()> {
    stream.set_read_timeout(Some(DEADLINE))?;
    let remote = stream.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let tls = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut stream = BufReader::new(rustls::StreamOwned::new(tls, stream));
    let mut session = mailin::SessionBuilder::new("implicit.test")
        .enable_auth(AuthMechanism::Plain)
        .enable_auth(AuthMechanism::Login)
        .build(remote, recorder);
    session.tls_active();
    reply(stream.get_mut(), &session.greeting())?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if stream.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::Reply => reply(stream.get_mut(), &response)?,
            Action::Close | Action::UpgradeTls => return reply(stream.get_mut(), &response),
            Action::NoReply => {}
        }
    }
}

fn reply(out: &mut impl Write, response: &Response) -> std::io::Result<()> {
    response.write_to(out)?;
    out.flush()
}

/// Whether aiosmtpd can be imported by `python3`. When not, the test fails with install
/// instructions, unless `TRIAGE_SKIP_INTEROP=1`: then this prints `SKIPPED` and returns false.
#[must_use]
pub fn have_aiosmtpd(test: &str) -> bool {
    let importable =
        Command::new("python3").args(["-c", "import aiosmtpd"]).output().map(|o| o.status.success()).unwrap_or(false);
    if importable {
        return true;
    }
    if std::env::var("TRIAGE_SKIP_INTEROP").as_deref() == Ok("1") {
        eprintln!("SKIPPED {test}: python3 cannot import aiosmtpd (TRIAGE_SKIP_INTEROP=1)");
        return false;
    }
    panic!(
        "{test}: python3 cannot import aiosmtpd; install it (`python3 -m pip install aiosmtpd`), \
         or set TRIAGE_SKIP_INTEROP=1 to skip interop tests"
    );
}

/// The TLS mode of the aiosmtpd server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AiosmtpdMode {
    StartTls,
    Implicit,
}

/// A running aiosmtpd server; its accepted messages land in [`Aiosmtpd::maildir`].
pub struct Aiosmtpd {
    pub port: u16,
    pub proc: Proc,
    maildir: TempDir,
}

/// A message aiosmtpd accepted, with the envelope it recorded.
#[derive(Debug, Clone)]
pub struct AiosmtpdMail {
    pub data: Vec<u8>,
    pub meta: serde_json::Value,
}

const CANNOT_BIND_EXIT_CODE: i32 = 3;

/// Starts `tests/aiosmtpd_server.py` (on port 465 for [`AiosmtpdMode::Implicit`], else on a free
/// port), retrying while the port is taken, and waits until it says it is ready.
pub async fn start_aiosmtpd(mode: AiosmtpdMode, cert: &TestCert, account: &Account) -> Aiosmtpd {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aiosmtpd_server.py");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let port = if mode == AiosmtpdMode::Implicit { IMPLICIT_TLS_PORT } else { free_port() };
        let maildir = tempfile::Builder::new().prefix("triage-test-aiosmtpd-").tempdir().expect("temp dir");
        let mut cmd = Command::new("python3");
        cmd.arg(&script)
            .arg(format!("--port={port}"))
            .arg(format!("--mode={}", if mode == AiosmtpdMode::Implicit { "implicit" } else { "starttls" }))
            .arg(format!("--cert={}", cert.cert_path.display()))
            .arg(format!("--key={}", cert.key_path.display()))
            .arg(format!("--user={}", account.user))
            .arg(format!("--password={}", account.password))
            .arg(format!("--maildir={}", maildir.path().display()));
        let mut proc = Proc::spawn("aiosmtpd", cmd);
        let ready = format!("READY {port}");
        let outcome = poll(DEADLINE, || {
            let started = proc.log_tail(4000).contains(&ready);
            let exited = proc.exited();
            async move {
                match (started, exited) {
                    (true, _) => Some(Ok(())),
                    (false, Some(status)) => Some(Err(status)),
                    (false, None) => None,
                }
            }
        })
        .await;
        match outcome {
            Some(Ok(())) => return Aiosmtpd { port, proc, maildir },
            Some(Err(status))
                if status.code() == Some(CANNOT_BIND_EXIT_CODE) && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => panic!("aiosmtpd did not start:\n{}", proc.report()),
        }
    }
}

impl Aiosmtpd {
    pub fn smarthost(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits (bounded) until at least `count` messages were written, and returns them in order.
    pub async fn wait_for(&self, count: usize) -> Vec<AiosmtpdMail> {
        let dir = self.maildir.path().to_path_buf();
        let mails = poll(DEADLINE, || {
            let mails = read_maildir(&dir);
            async move { (mails.len() >= count).then_some(mails) }
        })
        .await;
        mails.unwrap_or_else(|| panic!("aiosmtpd received fewer than {count} messages within {DEADLINE:?}"))
    }
}

fn read_maildir(dir: &Path) -> Vec<AiosmtpdMail> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    names.sort();
    names
        .iter()
        .map(|eml| {
            let data = std::fs::read(eml).expect("read .eml");
            let meta = std::fs::read(eml.with_extension("json")).expect("read .json");
            AiosmtpdMail { data, meta: serde_json::from_slice(&meta).expect("aiosmtpd metadata JSON") }
        })
        .collect()
}
