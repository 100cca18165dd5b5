//! The e-mail integration against real SMTP servers on 127.0.0.1: mailin-embedded in this
//! process (STARTTLS and plain), an implicit-TLS server on port 465, and aiosmtpd in its own
//! process. Delivered messages are parsed back and checked header by header and part by part;
//! failures (unreachable server, untrusted certificate, wrong password, missing STARTTLS,
//! rejected recipients, a server that never answers) must be classified and explained.
//!
//! Also here: fetching an alert's series from a real VictoriaMetrics for the attachments.

use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use triage::net::secret::SecretSource;
use triage::notify::DeliveryError;
use triage::notify::attach::{Series, fetch_series, plot_png, series_csv};
use triage::notify::email::{Attachment, EmailContent, EmailTarget, EmailTls};

use crate::support::smtp::{
    Account, AiosmtpdMode, ImplicitTlsServer, Security, TestCert, have_aiosmtpd, start_aiosmtpd, start_mailin,
};

const USER: &str = "alice";
const PASSWORD: &str = "s3cret-pa55word";
const PNG_SIZE: (u32, u32) = (480, 240);

fn account() -> Account {
    Account { user: USER.to_string(), password: PASSWORD.to_string() }
}

/// A target for `smarthost` that trusts `cert` through a CA file and logs in as [`USER`].
fn target(smarthost: &str, cert: Option<&TestCert>) -> EmailTarget {
    EmailTarget {
        smarthost: smarthost.to_string(),
        from: "Triage Alerts <triage@example.org>".to_string(),
        to: vec!["ops@example.org".to_string(), "oncall@example.org".to_string()],
        hello: "triage.test".to_string(),
        auth_username: Some(USER.to_string()),
        auth_password: Some(SecretSource::Inline(PASSWORD.to_string())),
        auth_identity: None,
        require_tls: true,
        tls: EmailTls { ca_file: cert.map(|c| c.cert_path.clone()), server_name: None, insecure_skip_verify: false },
        timeout: Duration::from_secs(20),
    }
}

fn sample_series() -> Vec<Series> {
    let t0 = 1_700_000_000_000;
    let load = (0..60).map(|i| (t0 + i * 60_000, 1.0 + (i as f64 / 8.0).sin())).collect();
    let errors = (0..60).map(|i| (t0 + i * 60_000, if i == 30 { f64::NAN } else { i as f64 / 30.0 })).collect();
    vec![
        Series { name: r#"node_load1{instance="db-1"}"#.to_string(), points: load },
        Series { name: r#"errors{job="api", note="a,b"}"#.to_string(), points: errors },
    ]
}

fn content() -> EmailContent {
    let series = sample_series();
    let png = plot_png("HighLoad on db-1", &series, None, PNG_SIZE.0, PNG_SIZE.1).expect("plot");
    EmailContent {
        subject: "[FIRING:2] HighLoad".to_string(),
        headers: vec![
            ("X-Triage-Receiver".to_string(), "team-db".to_string()),
            ("Subject".to_string(), "[FIRING:2] HighLoad (db-1, db-2)".to_string()),
        ],
        text: Some("HighLoad is firing on db-1 and db-2.\nSee the attached graph.".to_string()),
        html: Some("<h1>HighLoad</h1><p>firing on <b>db-1</b> and <b>db-2</b></p>".to_string()),
        attachments: vec![
            Attachment { filename: "highload.png".to_string(), content_type: "image/png".to_string(), body: png },
            Attachment {
                filename: "highload.csv".to_string(),
                content_type: "text/csv".to_string(),
                body: series_csv(&series),
            },
        ],
        notification_key: None,
    }
}

/// Parses `raw` and checks everything [`content`] put into it.
fn check_delivered_message(raw: &[u8]) {
    let message = MessageParser::default().parse(raw).expect("a parsable message");
    let from = message.from().and_then(|a| a.first()).expect("From");
    assert_eq!((from.name(), from.address()), (Some("Triage Alerts"), Some("triage@example.org")));
    let to: Vec<&str> = message.to().expect("To").iter().filter_map(|a| a.address()).collect();
    assert_eq!(to, ["ops@example.org", "oncall@example.org"]);
    assert_eq!(message.subject(), Some("[FIRING:2] HighLoad (db-1, db-2)"));
    let subjects = message.headers().iter().filter(|h| h.name().eq_ignore_ascii_case("subject")).count();
    assert_eq!(subjects, 1, "exactly one Subject header");
    assert!(message.date().is_some_and(|d| d.year >= 2024), "a Date header");
    assert!(message.message_id().is_some_and(|id| id.contains('@')), "a Message-ID header");
    assert_eq!(message.header_raw("X-Triage-Receiver").map(str::trim), Some("team-db"));
    let text = message.body_text(0).expect("text part");
    assert_eq!(text.trim_end(), "HighLoad is firing on db-1 and db-2.\nSee the attached graph.".replace('\n', "\r\n"));
    let html = message.body_html(0).expect("html part");
    assert!(html.contains("<h1>HighLoad</h1><p>firing on <b>db-1</b> and <b>db-2</b></p>"), "{html}");
    check_attachments(&message);
}

fn check_attachments(message: &mail_parser::Message<'_>) {
    let attachments: Vec<_> = message.attachments().collect();
    assert_eq!(attachments.len(), 2);
    let png = attachments[0];
    assert_eq!(png.attachment_name(), Some("highload.png"));
    let png_type = png.content_type().expect("png content type");
    assert_eq!((png_type.ctype(), png_type.subtype()), ("image", Some("png")));
    assert_eq!(png_dimensions(png.contents()), PNG_SIZE);
    let csv = attachments[1];
    assert_eq!(csv.attachment_name(), Some("highload.csv"));
    let csv_type = csv.content_type().expect("csv content type");
    assert_eq!((csv_type.ctype(), csv_type.subtype()), ("text", Some("csv")));
    check_csv(csv.contents());
}

fn png_dimensions(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a decodable PNG");
    (reader.info().width, reader.info().height)
}

fn check_csv(bytes: &[u8]) {
    let mut reader = csv::Reader::from_reader(bytes);
    assert_eq!(reader.headers().expect("CSV header"), vec!["series", "timestamp", "value"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("CSV row")).collect();
    assert_eq!(rows.len(), 120);
    assert_eq!(&rows[0][0], r#"node_load1{instance="db-1"}"#);
    assert_eq!(&rows[0][1], "2023-11-14T22:13:20Z");
    assert_eq!(&rows[0][2], "1");
    assert_eq!(&rows[60][0], r#"errors{job="api", note="a,b"}"#);
    assert_eq!(&rows[90][2], "NaN");
    assert_eq!(&rows[119][1], "2023-11-14T23:12:20Z");
}

fn expect_permanent(result: Result<(), DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Permanent(message)) => message,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

fn expect_retryable(result: Result<(), DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Retryable { message, .. }) => message,
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

#[tokio::test]
async fn starttls_with_auth_plain_delivers_to_mailin() {
    let cert = TestCert::new();
    let server = start_mailin(Security::StartTls(&cert, account()));
    let email = target(&server.addr.to_string(), Some(&cert));
    email.send(&content()).await.expect("delivery over STARTTLS");
    let mails = server.inbox.wait_for(1).await;
    assert_eq!(mails[0].user.as_deref(), Some(USER), "authenticated as the configured user");
    assert_eq!(mails[0].from, "triage@example.org");
    assert_eq!(mails[0].to, ["ops@example.org", "oncall@example.org"]);
    check_delivered_message(&mails[0].data);

    let mut with_identity = email.clone();
    with_identity.auth_identity = Some(USER.to_string());
    with_identity.send(&content()).await.expect("AUTH PLAIN with an authorization identity");
    assert_eq!(server.inbox.wait_for(2).await[1].user.as_deref(), Some(USER));
}

#[tokio::test]
async fn starttls_with_auth_login_delivers_to_mailin() {
    let cert = TestCert::new();
    let server = start_mailin(Security::StartTlsLoginOnly(&cert, account()));
    target(&server.addr.to_string(), Some(&cert)).send(&content()).await.expect("delivery with AUTH LOGIN");
    let mails = server.inbox.wait_for(1).await;
    assert_eq!(mails[0].user.as_deref(), Some(USER));
    check_delivered_message(&mails[0].data);
}

#[tokio::test]
async fn password_from_a_file_and_skipped_verification_also_deliver() {
    let cert = TestCert::new();
    let server = start_mailin(Security::StartTls(&cert, account()));
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let mut email = target(&server.addr.to_string(), None);
    email.auth_password = Some(SecretSource::File(password_file));
    email.tls.insecure_skip_verify = true;
    email.send(&content()).await.expect("delivery without certificate verification");
    assert_eq!(server.inbox.wait_for(1).await[0].user.as_deref(), Some(USER));
}

#[tokio::test]
async fn plain_delivery_when_tls_is_not_required() {
    let server = start_mailin(Security::Plain);
    let mut email = target(&server.addr.to_string(), None);
    email.require_tls = false;
    email.auth_username = None;
    email.auth_password = None;
    email.send(&content()).await.expect("plain-text delivery");
    let mails = server.inbox.wait_for(1).await;
    assert_eq!(mails[0].user, None);
    check_delivered_message(&mails[0].data);
}

#[tokio::test]
async fn implicit_tls_on_port_465() {
    let cert = TestCert::new();
    let Some(server) = ImplicitTlsServer::start(&cert, account()) else {
        eprintln!("SKIPPED implicit_tls_on_port_465: this process may not bind 127.0.0.1:465 (needs root)");
        return;
    };
    let email = target("127.0.0.1:465", Some(&cert));
    email.send(&content()).await.expect("delivery over implicit TLS");
    let mails = server.inbox.wait_for(1).await;
    assert_eq!(mails[0].user.as_deref(), Some(USER));
    check_delivered_message(&mails[0].data);

    let mut untrusted = email.clone();
    untrusted.tls.ca_file = None;
    let message = expect_permanent(untrusted.send(&content()).await);
    assert!(message.contains("TLS handshake with SMTP server 127.0.0.1:465 failed"), "{message}");
    drop(server);

    if !have_aiosmtpd("implicit_tls_on_port_465 (aiosmtpd part)") {
        return;
    }
    let aiosmtpd = start_aiosmtpd(AiosmtpdMode::Implicit, &cert, &account()).await;
    email
        .send(&content())
        .await
        .unwrap_or_else(|e| panic!("aiosmtpd implicit TLS: {e}\n{}", aiosmtpd.proc.log_tail(4000)));
    let mails = aiosmtpd.wait_for(1).await;
    assert_eq!(mails[0].meta["login"], USER);
    check_delivered_message(&mails[0].data);
}

#[tokio::test]
async fn starttls_with_auth_delivers_to_aiosmtpd() {
    if !have_aiosmtpd("starttls_with_auth_delivers_to_aiosmtpd") {
        return;
    }
    let cert = TestCert::new();
    let server = start_aiosmtpd(AiosmtpdMode::StartTls, &cert, &account()).await;
    let email = target(&server.smarthost(), Some(&cert));
    email.send(&content()).await.unwrap_or_else(|e| panic!("aiosmtpd STARTTLS: {e}\n{}", server.proc.log_tail(4000)));
    let mails = server.wait_for(1).await;
    assert_eq!(mails[0].meta["authenticated"], true);
    assert_eq!(mails[0].meta["login"], USER);
    assert_eq!(mails[0].meta["mail_from"], "triage@example.org");
    assert_eq!(mails[0].meta["rcpt_tos"], serde_json::json!(["ops@example.org", "oncall@example.org"]));
    check_delivered_message(&mails[0].data);

    let mut wrong = email.clone();
    wrong.auth_password = Some(SecretSource::Inline("not-the-password".to_string()));
    let message = expect_permanent(wrong.send(&content()).await);
    assert!(message.contains(&format!("SMTP authentication failed for user \"{USER}\"")), "{message}");
    assert!(message.contains("535"), "{message}");
    assert!(!message.contains("not-the-password"), "{message}");
}

#[tokio::test]
async fn unreachable_server_is_retryable() {
    let port = crate::support::free_port();
    let email = target(&format!("127.0.0.1:{port}"), None);
    let message = expect_retryable(email.send(&content()).await);
    assert!(message.contains(&format!("cannot connect to SMTP server 127.0.0.1:{port}")), "{message}");
}

#[tokio::test]
async fn server_that_never_answers_is_retryable() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut email = target(&silent.local_addr().unwrap().to_string(), None);
    email.timeout = Duration::from_secs(1);
    let message = expect_retryable(email.send(&content()).await);
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn untrusted_certificate_is_permanent() {
    let cert = TestCert::new();
    let server = start_mailin(Security::StartTls(&cert, account()));
    let message = expect_permanent(target(&server.addr.to_string(), None).send(&content()).await);
    assert!(message.contains(&format!("TLS handshake with SMTP server {} failed", server.addr)), "{message}");
    assert!(message.contains("certificate"), "{message}");

    let mut wrong_name = target(&server.addr.to_string(), Some(&cert));
    wrong_name.tls.server_name = Some("mail.example.org".to_string());
    let message = expect_permanent(wrong_name.send(&content()).await);
    assert!(message.contains("TLS handshake") && message.contains("certificate"), "{message}");
    assert_eq!(server.inbox.len(), 0);
}

#[tokio::test]
async fn wrong_password_is_permanent_and_names_the_user() {
    let cert = TestCert::new();
    let server = start_mailin(Security::StartTls(&cert, account()));
    let mut email = target(&server.addr.to_string(), Some(&cert));
    email.auth_password = Some(SecretSource::Inline("wrong-password-123".to_string()));
    let message = expect_permanent(email.send(&content()).await);
    let expected = format!("SMTP authentication failed for user \"{USER}\" at {}", server.addr);
    assert!(message.contains(&expected), "{message}");
    assert!(message.contains("535"), "{message}");
    assert!(!message.contains("wrong-password-123") && !message.contains(PASSWORD), "{message}");
    assert_eq!(server.inbox.len(), 0);
}

#[tokio::test]
async fn required_tls_without_starttls_is_permanent() {
    let server = start_mailin(Security::Plain);
    let message = expect_permanent(target(&server.addr.to_string(), None).send(&content()).await);
    assert!(message.contains(&format!("SMTP server {} does not offer STARTTLS", server.addr)), "{message}");
    assert!(message.contains("require_tls"), "{message}");
    assert_eq!(server.inbox.len(), 0);
}

#[tokio::test]
async fn rejected_recipients_are_permanent_or_retryable_by_reply_code() {
    let server = start_mailin(Security::Plain);
    let mut email = target(&server.addr.to_string(), None);
    email.require_tls = false;
    email.auth_username = None;
    email.to = vec![crate::support::smtp::REJECTED_RECIPIENT.to_string()];
    let message = expect_permanent(email.send(&content()).await);
    assert!(message.contains("did not accept the message") && message.contains("550"), "{message}");
    email.to = vec![crate::support::smtp::DEFERRED_RECIPIENT.to_string()];
    let message = expect_retryable(email.send(&content()).await);
    assert!(message.contains("451"), "{message}");
    assert_eq!(server.inbox.len(), 0);
}

// ---------------------------------------------------------------------------------------------
// Series for attachments, from a real VictoriaMetrics

/// Imports Prometheus text-format samples (timestamps in milliseconds) and flushes them.
async fn import_samples(base: &str, lines: &str) {
    let client = crate::support::client();
    let resp = client.post(format!("{base}/api/v1/import/prometheus")).body(lines.to_string()).send().await.unwrap();
    assert!(resp.status().is_success(), "import: {}", resp.status());
    let resp = client.get(format!("{base}/internal/force_flush")).send().await.unwrap();
    assert!(resp.status().is_success(), "force_flush: {}", resp.status());
}

/// Polls `fetch_series` until it returns `count` series (VictoriaMetrics indexes asynchronously).
async fn fetch_until(generator_url: &str, end: jiff::Timestamp, range: Duration, count: usize) -> Vec<Series> {
    let client = reqwest::Client::new();
    let found = crate::support::poll(crate::support::DEADLINE, || {
        let client = client.clone();
        let url = generator_url.to_string();
        async move { fetch_series(&client, &url, None, end, range).await.ok().filter(|s| s.len() == count) }
    })
    .await;
    match found {
        Some(series) => series,
        None => {
            let last = fetch_series(&client, generator_url, None, end, range).await;
            panic!("expected {count} series from {generator_url}, last result: {last:?}")
        }
    }
}

#[tokio::test]
async fn attach_fetch_series_from_victoria_metrics() {
    if !crate::support::have_binaries("attach_fetch_series_from_victoria_metrics", &["victoria-metrics"]) {
        return;
    }
    let vm = crate::support::start_victoria_metrics().await;
    let now = jiff::Timestamp::now().as_millisecond();
    let start = now - now.rem_euclid(60_000) - 3_600_000;
    let mut lines = String::new();
    for i in 0..60 {
        lines.push_str(&format!("cpu_load{{host=\"a\"}} {i} {}\n", start + i * 10_000));
        lines.push_str(&format!("cpu_load{{host=\"b\"}} {} {}\n", 100 + i, start + i * 10_000));
    }
    for h in 0..12 {
        lines.push_str(&format!("disk_used{{host=\"h{h:02}\"}} {h} {}\n", start + 300_000));
    }
    import_samples(&vm.url, &lines).await;

    let end = jiff::Timestamp::from_millisecond(start + 590_000).unwrap();
    let range = Duration::from_secs(590);
    let generator = format!("{}/graph?g0.expr={}&g0.tab=1", vm.url, "cpu_load%7Bhost%3D~%22a%7Cb%22%7D");
    let series = fetch_until(&generator, end, range, 2).await;
    assert_eq!(series[0].name, r#"cpu_load{host="a"}"#);
    assert_eq!(series[1].name, r#"cpu_load{host="b"}"#);
    for (s, offset) in series.iter().zip([0.0, 100.0]) {
        assert!(s.points.len() >= 50 && s.points.len() <= 301, "{} points", s.points.len());
        let values: Vec<f64> = s.points.iter().map(|p| p.1 - offset).collect();
        assert!(values.iter().all(|v| v.fract() == 0.0 && (0.0..60.0).contains(v)), "{values:?}");
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "values only grow: {values:?}");
        assert_eq!(values.last(), Some(&59.0));
        assert!(values[0] <= 1.0, "{values:?}");
        assert!(s.points.iter().all(|p| p.0 >= start && p.0 <= start + 590_000), "{:?}", s.points);
    }
    let csv = series_csv(&series);
    let rows = csv::Reader::from_reader(&csv[..]).records().count();
    assert_eq!(rows, series[0].points.len() + series[1].points.len());
    let png = plot_png("cpu_load", &series, Some(0.5), 600, 300).unwrap();
    assert_eq!(png_dimensions(&png), (600, 300));

    let many = format!("{}/graph?g0.expr=disk_used", vm.url);
    let series = fetch_until(&many, end, range, 10).await;
    assert_eq!(series[0].name, r#"disk_used{host="h00"}"#);
    assert_eq!(series[9].name, r#"disk_used{host="h09"} (+2 more series not shown)"#);

    let client = reqwest::Client::new();
    let bad = format!("{}/graph?g0.expr=sum(", vm.url);
    let err = fetch_series(&client, &bad, None, end, range).await.unwrap_err();
    assert!(err.contains("query_range at") && err.contains("HTTP 4"), "{err}");
    let via_datasource =
        fetch_series(&client, "http://prometheus.invalid/graph?g0.expr=cpu_load", Some(&vm.url), end, range)
            .await
            .unwrap();
    assert_eq!(via_datasource.len(), 2);
    let down = format!("http://127.0.0.1:{}/graph?g0.expr=up", crate::support::free_port());
    let err = fetch_series(&client, &down, None, end, range).await.unwrap_err();
    assert!(err.contains("query_range request to http://127.0.0.1:"), "{err}");
}
