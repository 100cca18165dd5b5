//! The e-mail integration: builds a MIME message (plain text and/or HTML, attachments, custom
//! headers) and delivers it over SMTP.
//!
//! Transport security follows the Alertmanager-compatible `email_configs` settings: a smarthost
//! on port 465 is spoken to with implicit TLS; any other port starts in plain text and, when
//! `require_tls` is set, upgrades with STARTTLS (a server that does not offer it is an error);
//! without `require_tls` the message goes out unencrypted. Credentials are only sent when a
//! username is configured, with AUTH PLAIN or LOGIN, and never over an unencrypted connection to
//! a host other than loopback.
//!
//! Failures say which step failed (connect, TLS, authentication, sending) and whether trying
//! again can help. The password never appears in a message or in `Debug` output.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes, MessageBuilder, MultiPart, SinglePart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use super::DeliveryError;
use crate::net::secret::SecretSource;
use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::compose::{EmailChannel, PlotSettings, email_attachments, email_content, go_data, triage_sections};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use triage_core::config::GlobalConfig;
use triage_core::config::channels::EmailConfig;
use triage_core::config::model::non_empty;
use triage_core::engine::Outgoing;

/// The port on which SMTP is spoken inside TLS from the first byte.
const IMPLICIT_TLS_PORT: u16 = 465;
/// The limit for one delivery when the configured timeout is zero.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The EHLO name when none is configured.
const DEFAULT_HELLO: &str = "localhost";
/// Headers that describe the MIME structure triage builds; configured values are ignored.
const STRUCTURAL_HEADERS: [&str; 3] = ["content-type", "content-transfer-encoding", "mime-version"];

/// How the SMTP server's certificate is checked.
#[derive(Debug, Clone, Default)]
pub struct EmailTls {
    /// A PEM file of CA certificates to trust instead of the built-in web roots.
    pub ca_file: Option<PathBuf>,
    /// The name expected in the server's certificate (default: the smarthost's host).
    pub server_name: Option<String>,
    /// Accept any certificate (testing only).
    pub insecure_skip_verify: bool,
}

/// A configured e-mail receiver integration.
#[derive(Clone)]
pub struct EmailTarget {
    /// The SMTP server as `host:port`.
    pub smarthost: String,
    /// The sender, `a@b` or `Name <a@b>`; also the envelope sender.
    pub from: String,
    /// The recipients, already split on commas; also the envelope recipients.
    pub to: Vec<String>,
    /// The name sent with EHLO.
    pub hello: String,
    /// Authenticate as this user (no authentication when unset).
    pub auth_username: Option<String>,
    /// The user's password.
    pub auth_password: Option<SecretSource>,
    /// The authorization identity sent with AUTH PLAIN.
    pub auth_identity: Option<String>,
    /// STARTTLS is mandatory on ports other than 465.
    pub require_tls: bool,
    /// Certificate checks.
    pub tls: EmailTls,
    /// The limit for one whole delivery (connect, TLS, authentication, sending).
    pub timeout: Duration,
}

impl fmt::Debug for EmailTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailTarget")
            .field("smarthost", &self.smarthost)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("hello", &self.hello)
            .field("auth_username", &self.auth_username)
            .field("auth_password", &self.auth_password.as_ref().map(|_| "<secret>"))
            .field("auth_identity", &self.auth_identity)
            .field("require_tls", &self.require_tls)
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A file attached to the message.
#[derive(Clone)]
pub struct Attachment {
    /// The name the recipient sees.
    pub filename: String,
    /// Its MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Its bytes.
    pub body: Vec<u8>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.body.len())
            .finish()
    }
}

/// What one notification e-mail says.
#[derive(Debug, Clone, Default)]
pub struct EmailContent {
    /// The subject (a `Subject` entry in `headers` replaces it).
    pub subject: String,
    /// Extra headers, in order; `From`, `To`, `Cc` and `Reply-To` replace the defaults shown to
    /// the reader (the envelope keeps the configured addresses).
    pub headers: Vec<(String, String)>,
    /// The plain-text part.
    pub text: Option<String>,
    /// The HTML part.
    pub html: Option<String>,
    /// Files attached after the text.
    pub attachments: Vec<Attachment>,
    /// The notification's idempotency key: the Message-ID is made of it (at the sender's
    /// domain), so that a second delivery of one notification has the Message-ID of the
    /// first; a random Message-ID when absent.
    pub notification_key: Option<String>,
}

impl EmailTarget {
    /// Builds the message for `content`: headers, the text and/or HTML body (always
    /// multipart/alternative, as Alertmanager sends it) and the attachments (multipart/mixed).
    pub fn message(&self, content: &EmailContent) -> Result<Message, DeliveryError> {
        let from = parse_mailbox("from", &self.from)?;
        let to = self.recipients()?;
        let envelope = Envelope::new(Some(from.email.clone()), to.iter().map(|m| m.email.clone()).collect())
            .map_err(|e| permanent(format!("invalid e-mail envelope: {e}")))?;
        let message_id = content.notification_key.as_ref().map(|k| format!("<{k}.triage@{}>", from.email.domain()));
        let mut builder =
            Message::builder().from(from).subject(content.subject.clone()).message_id(message_id).envelope(envelope);
        for mailbox in to {
            builder = builder.to(mailbox);
        }
        let builder = apply_headers(builder, &content.headers)?;
        builder.multipart(mime_body(content)?).map_err(|e| permanent(format!("cannot build e-mail: {e}")))
    }

    /// Builds the message for `content` and delivers it to the smarthost.
    pub async fn send(&self, content: &EmailContent) -> Result<(), DeliveryError> {
        let message = self.message(content)?;
        let server = Smarthost::parse(&self.smarthost)?;
        let timeout = if self.timeout.is_zero() { DEFAULT_TIMEOUT } else { self.timeout };
        let session = Session { target: self, server: &server, timeout };
        match tokio::time::timeout(timeout, session.deliver(&message)).await {
            Ok(result) => result,
            Err(_) => Err(retryable(format!("SMTP delivery to {server} timed out after {timeout:?}"))),
        }
    }

    /// The recipients as mailboxes; at least one.
    fn recipients(&self) -> Result<Vec<Mailbox>, DeliveryError> {
        let to: Vec<Mailbox> = self
            .to
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| parse_mailbox("to", a))
            .collect::<Result<_, _>>()?;
        if to.is_empty() {
            return Err(permanent("no e-mail recipients configured (to is empty)".to_string()));
        }
        Ok(to)
    }

    /// The username and password, when a username is configured. Read (the password file
    /// included) only when the server offers authentication, as Alertmanager does.
    fn login(&self) -> Result<Option<Login>, DeliveryError> {
        let Some(username) = self.auth_username.as_ref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let password = match &self.auth_password {
            Some(source) => source.resolve()?,
            None => String::new(),
        };
        let identity = self.auth_identity.clone().filter(|i| !i.is_empty());
        Ok(Some(Login { username: username.clone(), password, identity }))
    }

    /// TLS settings for a connection to `host`.
    fn tls_parameters(&self, host: &str) -> Result<TlsParameters, DeliveryError> {
        let name = self.tls.server_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| host.to_string());
        let mut builder = TlsParameters::builder(name);
        if let Some(path) = &self.tls.ca_file {
            builder = builder.certificate_store(CertificateStore::None).add_root_certificate(read_ca_file(path)?);
        }
        if self.tls.insecure_skip_verify {
            builder = builder.dangerous_accept_invalid_certs(true).dangerous_accept_invalid_hostnames(true);
        }
        builder.build().map_err(|e| permanent(format!("invalid TLS settings for SMTP: {e}")))
    }

    fn hello(&self) -> ClientId {
        let name = if self.hello.is_empty() { DEFAULT_HELLO } else { self.hello.as_str() };
        ClientId::Domain(name.to_string())
    }
}

/// Reads the CA certificates of `path`; a file without any is an error.
fn read_ca_file(path: &std::path::Path) -> Result<Certificate, DeliveryError> {
    let pem =
        std::fs::read(path).map_err(|e| permanent(format!("cannot read SMTP CA file {}: {e}", path.display())))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(permanent(format!("SMTP CA file {} holds no PEM certificate", path.display())));
    }
    Certificate::from_pem(&pem).map_err(|e| permanent(format!("invalid SMTP CA file {}: {e}", path.display())))
}

/// Credentials for one delivery.
struct Login {
    username: String,
    password: String,
    identity: Option<String>,
}

/// The alternatives, wrapped with the attachments (multipart/mixed) when there are any.
fn mime_body(content: &EmailContent) -> Result<MultiPart, DeliveryError> {
    let text = text_body(content);
    if content.attachments.is_empty() {
        return Ok(text);
    }
    let mut mixed = MultiPart::mixed().multipart(text);
    for attachment in &content.attachments {
        mixed = mixed.singlepart(attachment_part(attachment)?);
    }
    Ok(mixed)
}

/// As Alertmanager sends it: always multipart/alternative, the text part (when there is one)
/// first, the HTML part (the preferred alternative) last.
fn text_body(content: &EmailContent) -> MultiPart {
    let mut alternative = MultiPart::alternative().build();
    if let Some(text) = &content.text {
        alternative = alternative.singlepart(SinglePart::plain(text.clone()));
    }
    if let Some(html) = &content.html {
        alternative = alternative.singlepart(SinglePart::html(html.clone()));
    }
    alternative
}

fn attachment_part(attachment: &Attachment) -> Result<SinglePart, DeliveryError> {
    let content_type = ContentType::parse(&attachment.content_type).map_err(|e| {
        permanent(format!(
            "attachment {:?} has an invalid content type {:?}: {e}",
            attachment.filename, attachment.content_type
        ))
    })?;
    Ok(lettre::message::Attachment::new(attachment.filename.clone()).body(attachment.body.clone(), content_type))
}

/// Adds the configured headers; a header replaces any earlier one of the same name.
fn apply_headers(mut builder: MessageBuilder, headers: &[(String, String)]) -> Result<MessageBuilder, DeliveryError> {
    for (name, value) in headers {
        let name = name.trim();
        let value = single_line(value);
        let lower = name.to_ascii_lowercase();
        builder = match lower.as_str() {
            "from" => builder.header(header::From::from(parse_mailboxes(name, &value)?)),
            "to" => builder.header(header::To::from(parse_mailboxes(name, &value)?)),
            "cc" => builder.header(header::Cc::from(parse_mailboxes(name, &value)?)),
            "reply-to" => builder.header(header::ReplyTo::from(parse_mailboxes(name, &value)?)),
            _ if STRUCTURAL_HEADERS.contains(&lower.as_str()) => {
                tracing::warn!(
                    header = name,
                    "ignoring a configured e-mail header that would break the MIME structure"
                );
                builder
            }
            _ => builder.raw_header(HeaderValue::new(header_name(&canonical_header_name(name))?, value)),
        };
    }
    Ok(builder)
}

/// `x-triage-group` → `X-Triage-Group`, as header names are conventionally written.
fn canonical_header_name(name: &str) -> String {
    let word = |w: &str| {
        let mut chars = w.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase())
            .unwrap_or_default()
    };
    name.split('-').map(word).collect::<Vec<_>>().join("-")
}

fn header_name(name: &str) -> Result<HeaderName, DeliveryError> {
    let valid = name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    let parsed = if valid { HeaderName::new_from_ascii(name.to_string()).ok() } else { None };
    parsed.ok_or_else(|| permanent(format!("invalid e-mail header name {name:?}")))
}

/// Header values are one line: line breaks become spaces, so a value cannot add headers.
fn single_line(value: &str) -> String {
    value.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

fn parse_mailbox(what: &str, value: &str) -> Result<Mailbox, DeliveryError> {
    value.trim().parse().map_err(|e| permanent(format!("invalid e-mail address in {what}: {value:?}: {e}")))
}

fn parse_mailboxes(what: &str, value: &str) -> Result<Mailboxes, DeliveryError> {
    value.trim().parse().map_err(|e| permanent(format!("invalid e-mail addresses in {what} header: {value:?}: {e}")))
}

/// The smarthost split into host and port.
#[derive(Debug)]
struct Smarthost {
    /// The host without IPv6 brackets.
    host: String,
    port: u16,
    /// As configured, for messages.
    text: String,
}

impl Smarthost {
    fn parse(text: &str) -> Result<Smarthost, DeliveryError> {
        let invalid = |why: &str| permanent(format!("invalid smarthost {text:?}: {why} (expected host:port)"));
        let (host, port) = text.trim().rsplit_once(':').ok_or_else(|| invalid("no port"))?;
        let port: u16 = port.parse().map_err(|_| invalid("the port is not a number from 1 to 65535"))?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if host.is_empty() || port == 0 {
            return Err(invalid("empty host or port 0"));
        }
        if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
            return Err(invalid("the host has characters a host name cannot have"));
        }
        Ok(Smarthost { host: host.to_string(), port, text: text.trim().to_string() })
    }

    fn implicit_tls(&self) -> bool {
        self.port == IMPLICIT_TLS_PORT
    }

    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
    }
}

impl fmt::Display for Smarthost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One delivery attempt to one smarthost.
struct Session<'a> {
    target: &'a EmailTarget,
    server: &'a Smarthost,
    timeout: Duration,
}

impl Session<'_> {
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        let mut conn = self.connect().await?;
        self.secure_authenticate_send(&mut conn, message).await?;
        // The message is accepted; a failing QUIT changes nothing. After a failure the
        // connection is just dropped: its stream may be unusable (a failed TLS upgrade).
        let _ = conn.quit().await;
        Ok(())
    }

    async fn secure_authenticate_send(
        &self,
        conn: &mut AsyncSmtpConnection,
        message: &Message,
    ) -> Result<(), DeliveryError> {
        if !self.server.implicit_tls() && self.target.require_tls {
            self.starttls(conn).await?;
        }
        if self.target.auth_username.as_ref().is_some_and(|u| !u.is_empty()) {
            self.authenticate(conn).await?;
        }
        conn.send(message.envelope(), &message.formatted()).await.map_err(|e| {
            classify(format!("SMTP server {} did not accept the message: {}", self.server, describe(&e)), &e)
        })?;
        Ok(())
    }

    /// Connects and reads the greeting and EHLO reply; on port 465 inside TLS.
    async fn connect(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let implicit = self.server.implicit_tls();
        let tls = if implicit { Some(self.target.tls_parameters(&self.server.host)?) } else { None };
        let address = (self.server.host.as_str(), self.server.port);
        AsyncSmtpConnection::connect_tokio1(address, Some(self.timeout), &self.target.hello(), tls, None).await.map_err(
            |e| {
                if implicit && is_tls_failure(&e) {
                    tls_failure(self.server, &e)
                } else {
                    classify(format!("cannot connect to SMTP server {}: {}", self.server, describe(&e)), &e)
                }
            },
        )
    }

    async fn starttls(&self, conn: &mut AsyncSmtpConnection) -> Result<(), DeliveryError> {
        if !conn.can_starttls() {
            return Err(permanent(format!(
                "SMTP server {} does not offer STARTTLS, but require_tls is set: enable TLS on the server, \
                 use port 465 for implicit TLS, or set require_tls to false",
                self.server
            )));
        }
        let tls = self.target.tls_parameters(&self.server.host)?;
        conn.starttls(tls, &self.target.hello()).await.map_err(|e| {
            if is_tls_failure(&e) {
                tls_failure(self.server, &e)
            } else {
                classify(format!("STARTTLS with SMTP server {} failed: {}", self.server, describe(&e)), &e)
            }
        })
    }

    /// Authenticates when the server offers AUTH PLAIN or LOGIN; only then is the password
    /// read (a password file that cannot be read fails the attempt, retryably).
    async fn authenticate(&self, conn: &mut AsyncSmtpConnection) -> Result<(), DeliveryError> {
        let user = self.target.auth_username.clone().unwrap_or_default();
        let Some(mechanism) = conn.server_info().get_auth_mechanism(&[Mechanism::Plain, Mechanism::Login]) else {
            tracing::warn!(server = %self.server, user, "SMTP server offers neither AUTH PLAIN nor LOGIN; sending without authentication");
            return Ok(());
        };
        if !conn.is_encrypted() && !self.server.is_loopback() {
            return Err(permanent(format!(
                "refusing to send the SMTP password of user {user:?} to {} over an unencrypted connection: \
                 set require_tls or use port 465",
                self.server
            )));
        }
        let login = match self.target.login() {
            Ok(Some(login)) => login,
            Ok(None) => return Ok(()),
            Err(e) => return Err(retryable(format!("SMTP authentication for user {user:?}: {e}"))),
        };
        let login = &login;
        let result = match (&login.identity, mechanism) {
            (Some(identity), Mechanism::Plain) => auth_plain_with_identity(conn, identity, login).await,
            _ => conn.auth(&[mechanism], &Credentials::new(user.clone(), login.password.clone())).await.map(drop),
        };
        result.map_err(|e| {
            let what = if e.is_transient() { "failed temporarily" } else { "failed" };
            let e = classify(
                format!("SMTP authentication {what} for user {user:?} at {}: {}", self.server, describe(&e)),
                &e,
            );
            hide_password(e, Some(login))
        })
    }
}

/// AUTH PLAIN with an authorization identity, which the generic mechanism does not send.
async fn auth_plain_with_identity(
    conn: &mut AsyncSmtpConnection,
    identity: &str,
    login: &Login,
) -> Result<(), SmtpError> {
    let token = base64(format!("{identity}\0{}\0{}", login.username, login.password).as_bytes());
    let response = conn.command(format!("AUTH PLAIN {token}\r\n")).await?;
    if response.has_code(334) {
        conn.command(format!("{token}\r\n")).await?;
    }
    Ok(())
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An SMTP error as text: the reply code and text for a negative reply, else the innermost
/// cause (e.g. "Connection refused", "invalid peer certificate: UnknownIssuer").
fn describe(e: &SmtpError) -> String {
    if e.status().is_some() {
        return e.to_string();
    }
    let mut innermost: &dyn std::error::Error = e;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

/// 4xx replies, network trouble and timeouts may pass; 5xx replies, client-side refusals and TLS
/// problems will not.
fn classify(message: String, e: &SmtpError) -> DeliveryError {
    if e.is_permanent() || e.is_client() || e.is_tls() { permanent(message) } else { retryable(message) }
}

/// Whether a connect or STARTTLS error comes from the TLS handshake itself (rustls reports
/// certificate and protocol problems as invalid data), not from the network.
fn is_tls_failure(e: &SmtpError) -> bool {
    if e.is_tls() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::InvalidData;
        }
        source = err.source();
    }
    false
}

fn tls_failure(server: &Smarthost, e: &SmtpError) -> DeliveryError {
    permanent(format!(
        "TLS handshake with SMTP server {server} failed: {} (check tls_config: ca_file, server_name)",
        describe(e)
    ))
}

/// Replaces the password wherever it might have slipped into a message.
fn hide_password(e: DeliveryError, login: Option<&Login>) -> DeliveryError {
    // Replacing a one- or two-character "password" would only garble the message.
    let Some(password) = login.map(|l| l.password.as_str()).filter(|p| p.len() >= 3) else {
        return e;
    };
    match e {
        DeliveryError::Retryable { message, after } => {
            DeliveryError::Retryable { message: message.replace(password, "<secret>"), after }
        }
        DeliveryError::Permanent(message) => DeliveryError::Permanent(message.replace(password, "<secret>")),
    }
}

fn permanent(message: String) -> DeliveryError {
    DeliveryError::Permanent(message)
}

fn retryable(message: String) -> DeliveryError {
    DeliveryError::Retryable { message, after: None }
}

/// An e-mail integration with the global SMTP settings filled in.
pub(crate) fn email_channel(
    receiver: &str,
    index: usize,
    c: &EmailConfig,
    g: &GlobalConfig,
    timeout: Duration,
) -> Result<EmailChannel, String> {
    let pick = |own: &Option<String>, global: &Option<String>| non_empty(own).or(non_empty(global)).map(str::to_string);
    let password = SecretSource::from_pair(
        c.auth_password.as_ref().map(|p| p.expose()),
        c.auth_password_file.as_deref(),
    )
    .or_else(|| {
        SecretSource::from_pair(g.smtp_auth_password.as_ref().map(|p| p.expose()), g.smtp_auth_password_file.as_deref())
    });
    let tls = c.tls_config.clone().or_else(|| g.smtp_tls_config.clone()).unwrap_or_default();
    let target = EmailTarget {
        smarthost: pick(&c.smarthost, &g.smtp_smarthost)
            .ok_or_else(|| format!("receiver {receiver:?} email_configs[{index}]: no smarthost"))?,
        from: pick(&c.from, &g.smtp_from)
            .ok_or_else(|| format!("receiver {receiver:?} email_configs[{index}]: no from address"))?,
        to: c.to.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        hello: pick(&c.hello, &g.smtp_hello).unwrap_or_else(|| "localhost".to_string()),
        auth_username: pick(&c.auth_username, &g.smtp_auth_username),
        auth_password: password,
        auth_identity: pick(&c.auth_identity, &g.smtp_auth_identity),
        require_tls: c.require_tls.unwrap_or(g.smtp_require_tls()),
        tls: EmailTls {
            ca_file: tls.ca_file.map(Into::into),
            server_name: tls.server_name,
            insecure_skip_verify: tls.insecure_skip_verify,
        },
        timeout,
    };
    let plot = c.plot.as_ref().map(|p| PlotSettings {
        datasource: p.datasource_url.clone(),
        range: p.range.and_then(|d| Duration::try_from(d.get()).ok()).unwrap_or(Duration::from_secs(3600)),
        csv: p.csv,
        max_alerts: p.max_alerts.unwrap_or(3),
    });
    let mut config = c.clone();
    config.from = Some(target.from.clone());
    Ok(EmailChannel { target, config, rich: false, plot })
}

/// The registration of `email_configs`.
pub const KIND: Kind = Kind { key: "email_configs", build };

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let c = &b.receiver.email_configs[b.index];
    let mut channel = email_channel(&b.receiver.name, b.index, c, b.config.global(), b.timeout)?;
    channel.rich = triage_sections(b.config);
    Ok(Arc::new(channel))
}

impl Integration for EmailChannel {
    fn kind(&self) -> &'static str {
        "email"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        Box::pin(async move {
            let data = go_data(&input, self.rich);
            let mut expander = input.templates.expander(&data);
            let (target, mut content) = email_content(self, &mut expander);
            if let Err(e) = expander.finish() {
                let failed = super::slack::Failed(DeliveryError::Permanent(format!("email: template: {e}")));
                return (Box::new(failed) as Box<dyn Prepared>, Vec::new());
            }
            let mut warnings = Vec::new();
            content.notification_key = Some(input.out.idempotency_key());
            if let Some(plot) = &self.plot {
                let (files, w) = email_attachments(input.client, input.node_series, plot, input.out).await;
                content.attachments = files;
                warnings.extend(w);
            }
            let prepared = EmailSend { target, content };
            (Box::new(prepared) as Box<dyn Prepared>, warnings)
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An e-mail ready to send.
struct EmailSend {
    target: EmailTarget,
    content: EmailContent,
}

impl Prepared for EmailSend {
    fn send<'a>(&'a self, _: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.target.send(&self.content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> EmailTarget {
        EmailTarget {
            smarthost: "mail.example.org:587".to_string(),
            from: "Triage <triage@example.org>".to_string(),
            to: vec!["ops@example.org".to_string(), " oncall@example.org ".to_string()],
            hello: "triage.example.org".to_string(),
            auth_username: Some("alice".to_string()),
            auth_password: Some(SecretSource::Inline("hunter2-secret".to_string())),
            auth_identity: None,
            require_tls: true,
            tls: EmailTls::default(),
            timeout: Duration::from_secs(5),
        }
    }

    fn content() -> EmailContent {
        EmailContent {
            subject: "[FIRING:1] HighLoad".to_string(),
            headers: vec![("X-Triage-Group".to_string(), "{}:{alertname=\"HighLoad\"}".to_string())],
            text: Some("plain body".to_string()),
            html: Some("<p>html body</p>".to_string()),
            attachments: vec![
                Attachment {
                    filename: "graph.png".to_string(),
                    content_type: "image/png".to_string(),
                    body: vec![0x89, b'P', b'N', b'G', 0, 1, 2],
                },
                Attachment {
                    filename: "data.csv".to_string(),
                    content_type: "text/csv".to_string(),
                    body: b"series,timestamp,value\n".to_vec(),
                },
            ],
            notification_key: None,
        }
    }

    fn formatted(target: &EmailTarget, content: &EmailContent) -> String {
        String::from_utf8(target.message(content).expect("message").formatted()).expect("ASCII message")
    }

    fn header_lines<'a>(raw: &'a str, name: &str) -> Vec<&'a str> {
        let head = raw.split("\r\n\r\n").next().unwrap_or_default();
        head.lines()
            .filter(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))
            .collect()
    }

    #[test]
    fn message_has_the_standard_and_custom_headers() {
        let raw = formatted(&target(), &content());
        assert_eq!(header_lines(&raw, "From"), ["From: Triage <triage@example.org>"]);
        assert_eq!(header_lines(&raw, "To"), ["To: ops@example.org, oncall@example.org"]);
        assert_eq!(header_lines(&raw, "Subject"), ["Subject: [FIRING:1] HighLoad"]);
        assert_eq!(header_lines(&raw, "Date").len(), 1);
        assert_eq!(header_lines(&raw, "Message-ID").len(), 1);
        assert_eq!(header_lines(&raw, "X-Triage-Group"), ["X-Triage-Group: {}:{alertname=\"HighLoad\"}"]);
    }

    #[test]
    fn the_message_id_comes_from_the_notification_key() {
        let mut c = content();
        c.notification_key = Some("00ff00ff00ff00ff".into());
        let first = formatted(&target(), &c);
        let again = formatted(&target(), &c);
        assert_eq!(header_lines(&first, "Message-ID"), ["Message-ID: <00ff00ff00ff00ff.triage@example.org>"]);
        assert_eq!(header_lines(&first, "Message-ID"), header_lines(&again, "Message-ID"));
        let random = formatted(&target(), &content());
        assert_ne!(header_lines(&random, "Message-ID"), header_lines(&first, "Message-ID"));
    }

    #[test]
    fn subject_header_replaces_the_subject() {
        let mut c = content();
        c.headers.push(("subject".to_string(), "Overridden".to_string()));
        let raw = formatted(&target(), &c);
        assert_eq!(header_lines(&raw, "Subject"), ["Subject: Overridden"]);
    }

    #[test]
    fn from_and_to_headers_replace_what_the_reader_sees_but_not_the_envelope() {
        let mut c = content();
        c.headers.push(("From".to_string(), "Alerts <alerts@example.org>".to_string()));
        c.headers.push(("To".to_string(), "team@example.org".to_string()));
        let message = target().message(&c).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert_eq!(header_lines(&raw, "From"), ["From: Alerts <alerts@example.org>"]);
        assert_eq!(header_lines(&raw, "To"), ["To: team@example.org"]);
        assert_eq!(message.envelope().from().unwrap().to_string(), "triage@example.org");
        let to: Vec<String> = message.envelope().to().iter().map(|a| a.to_string()).collect();
        assert_eq!(to, ["ops@example.org", "oncall@example.org"]);
    }

    #[test]
    fn header_values_cannot_inject_headers() {
        let mut c = content();
        c.headers.push(("X-Note".to_string(), "one\r\nBcc: evil@example.org".to_string()));
        let raw = formatted(&target(), &c);
        assert!(header_lines(&raw, "Bcc").is_empty(), "{raw}");
        assert_eq!(header_lines(&raw, "X-Note"), ["X-Note: one Bcc: evil@example.org"]);
    }

    #[test]
    fn structural_headers_are_ignored_and_bad_names_rejected() {
        let mut c = content();
        c.headers.push(("Content-Type".to_string(), "text/plain".to_string()));
        let raw = formatted(&target(), &c);
        assert!(header_lines(&raw, "Content-Type")[0].contains("multipart/mixed"), "{raw}");
        c.headers.push(("Bad Name".to_string(), "x".to_string()));
        assert!(matches!(target().message(&c), Err(DeliveryError::Permanent(m)) if m.contains("header name")));
    }

    #[test]
    fn both_parts_are_alternative_inside_mixed_with_attachments() {
        let raw = formatted(&target(), &content());
        let mixed = raw.find("multipart/mixed").expect("mixed");
        let alternative = raw.find("multipart/alternative").expect("alternative");
        let plain = raw.find("text/plain; charset=utf-8").expect("plain");
        let html = raw.find("text/html; charset=utf-8").expect("html");
        let png = raw.find("Content-Type: image/png").expect("png");
        let csv = raw.find("Content-Type: text/csv").expect("csv");
        assert!(mixed < alternative && alternative < plain && plain < html && html < png && png < csv, "{raw}");
        assert!(raw.contains("filename=\"graph.png\""));
        assert!(raw.contains("filename=\"data.csv\""));
        assert!(raw.contains("plain body") && raw.contains("<p>html body</p>"));
    }

    #[test]
    fn one_part_is_still_an_alternative_as_alertmanager_sends_it() {
        let mut c = content();
        c.attachments.clear();
        c.text = None;
        c.html = Some("<b>x</b>".to_string());
        let raw = formatted(&target(), &c);
        assert!(header_lines(&raw, "Content-Type")[0].contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/html") && !raw.contains("text/plain") && !raw.contains("multipart/mixed"), "{raw}");
    }

    #[test]
    fn bad_addresses_and_content_types_are_permanent() {
        let mut t = target();
        t.from = "not an address".to_string();
        assert!(matches!(t.message(&content()), Err(DeliveryError::Permanent(m)) if m.contains("from")));
        let mut t = target();
        t.to = vec![" ".to_string()];
        assert!(matches!(t.message(&content()), Err(DeliveryError::Permanent(m)) if m.contains("recipients")));
        let mut c = content();
        c.attachments[0].content_type = "not a type".to_string();
        assert!(matches!(target().message(&c), Err(DeliveryError::Permanent(m)) if m.contains("graph.png")));
    }

    #[test]
    fn debug_never_prints_the_password() {
        let printed = format!("{:?}", target());
        assert!(!printed.contains("hunter2-secret"), "{printed}");
        assert!(printed.contains("<secret>"));
        assert!(format!("{:?}", content()).contains("bytes: 7"));
    }

    #[test]
    fn smarthost_parsing() {
        let s = Smarthost::parse("mail.example.org:465").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.implicit_tls()), ("mail.example.org", 465, true));
        let s = Smarthost::parse("[::1]:25").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.is_loopback()), ("::1", 25, true));
        assert!(Smarthost::parse("localhost:2525").unwrap().is_loopback());
        assert!(Smarthost::parse("[::ffff:127.0.0.1]:25").unwrap().is_loopback());
        assert!(!Smarthost::parse("192.0.2.1:25").unwrap().is_loopback());
        for bad in ["mail.example.org", ":25", "host:0", "host:99999", "host:x", "a b:25", "u@h:25"] {
            assert!(matches!(Smarthost::parse(bad), Err(DeliveryError::Permanent(_))), "{bad}");
        }
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\0alice\0pw"), "AGFsaWNlAHB3");
    }

    #[test]
    fn hidden_password_in_errors() {
        let login = Login { username: "alice".into(), password: "hunter2-secret".into(), identity: None };
        let e = hide_password(permanent("echo hunter2-secret".into()), Some(&login));
        assert!(matches!(e, DeliveryError::Permanent(m) if m == "echo <secret>"));
    }

    #[tokio::test]
    async fn invalid_smarthost_fails_before_connecting() {
        let mut t = target();
        t.smarthost = "no-port".to_string();
        let err = t.send(&content()).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent(m) if m.contains("smarthost")));
    }
}
