//! E-mail through the real server: triage sends a notification over STARTTLS with AUTH to an
//! in-process SMTP server, with the default subject and both bodies (runbook instructions
//! included) and a PNG plot and CSV of the alert's series, fetched from a real
//! VictoriaMetrics.

use crate::support::smtp::{Account, Security, TestCert, start_mailin};
use mail_parser::MimeHeaders;
use serde_json::json;

const CONFIG: &str = r#"
global:
  smtp_smarthost: 127.0.0.1:SMTP_PORT
  smtp_from: 'triage <triage@example.org>'
  smtp_auth_username: alice
  smtp_auth_password_file: PASSWORD_FILE
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
receivers:
  - name: ops
    email_configs:
      - to: 'ops@example.org, oncall@example.org'
        tls_config: {ca_file: CA_FILE}
        plot: {range: 30m}
runbooks:
  - name: Disk full
    matchers: ['alertname="DiskFull"']
    instructions: 'Clean /data on {{ labels.instance }}.'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_arrives_as_an_email_with_instructions_and_a_plot() {
    if !crate::support::have_binaries(
        "an_alert_arrives_as_an_email_with_instructions_and_a_plot",
        &["victoria-metrics"],
    ) {
        return;
    }
    let vm = crate::support::start_victoria_metrics().await;
    let now = jiff::Timestamp::now().as_millisecond();
    let lines: String = (0..30)
        .map(|i| format!("disk_used_ratio{{instance=\"db-1\"}} 0.{} {}\n", 60 + i, now - (30 - i) * 60_000))
        .collect();
    let client = crate::support::client();
    let r = client.post(format!("{}/api/v1/import/prometheus", vm.url)).body(lines).send().await.unwrap();
    assert!(r.status().is_success());
    client.get(format!("{}/internal/force_flush", vm.url)).send().await.unwrap();

    let cert = TestCert::new();
    let account = Account { user: "alice".into(), password: "s3cret-pw".into() };
    let smtp = start_mailin(Security::StartTls(&cert, account));
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("smtp-password");
    std::fs::write(&password, "s3cret-pw\n").unwrap();
    let config = CONFIG
        .replace("SMTP_PORT", &smtp.addr.port().to_string())
        .replace("PASSWORD_FILE", password.to_str().unwrap())
        .replace("CA_FILE", cert.cert_path.to_str().unwrap())
        .replace("plot: {range: 30m}", &format!("plot: {{range: 30m, datasource_url: '{}'}}", vm.url));
    let triage = crate::support::start_triage(&config).await;

    // VictoriaMetrics indexes new series asynchronously: wait until the query answers.
    let generator = format!("{}/graph?g0.expr=disk_used_ratio", vm.url);
    let query = format!("{}/api/v1/query?query=disk_used_ratio", vm.url);
    crate::support::poll(crate::support::DEADLINE, || {
        let (client, query) = (client.clone(), query.clone());
        async move {
            let v: serde_json::Value = client.get(&query).send().await.ok()?.json().await.ok()?;
            (!v["data"]["result"].as_array()?.is_empty()).then_some(())
        }
    })
    .await
    .expect("VictoriaMetrics answers the query");

    let alert = json!([{"labels": {"alertname": "DiskFull", "instance": "db-1", "site": "T2_CH_CERN", "severity": "critical"},
                        "annotations": {"summary": "disk 89% full"}, "generatorURL": generator}]);
    let r = client.post(format!("{}/api/v2/alerts", triage.url)).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());

    let mails = smtp.inbox.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.user.as_deref(), Some("alice"), "authenticated");
    assert_eq!(mail.to, vec!["ops@example.org", "oncall@example.org"]);
    let message = mail_parser::MessageParser::default().parse(&mail.data).expect("a parsable message");
    assert_eq!(message.subject(), Some("[FIRING:1] DiskFull (db-1 critical T2_CH_CERN)"));
    let html = message.body_html(0).expect("html part");
    for want in ["disk 89% full", "T2_CH_CERN", "Clean /data on db-1.", "critical", "<table"] {
        assert!(html.contains(want), "html lacks {want:?}:\n{html}");
    }
    let raw = String::from_utf8_lossy(&mail.data);
    assert!(raw.contains("multipart/alternative") && !raw.contains("text/plain"), "no text part: {raw}");
    let attachments: Vec<_> = message.attachments().collect();
    let names: Vec<&str> = attachments.iter().filter_map(|a| a.attachment_name()).collect();
    assert_eq!(names, vec!["1-DiskFull.png", "1-DiskFull.csv"], "warnings: {:?}", deliveries(&triage.url).await);
    let png = png::Decoder::new(std::io::Cursor::new(attachments[0].contents())).read_info().expect("a PNG");
    assert_eq!((png.info().width, png.info().height), (900, 400));
    let mut csv = csv::Reader::from_reader(attachments[1].contents());
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() >= 10, "{} rows", rows.len());
    assert_eq!(&rows[0][0], r#"disk_used_ratio{instance="db-1"}"#);
}

async fn deliveries(url: &str) -> serde_json::Value {
    crate::support::client().get(format!("{url}/api/v2/deliveries")).send().await.unwrap().json().await.unwrap()
}

/// A plot without `datasource_url` never queries the host an alert's generatorURL names (the
/// alert's sender chooses it): the e-mail goes out without a plot, saying why, and the hostile
/// host receives no connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_generator_url_is_not_queried() {
    let hostile = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    hostile.set_nonblocking(true).unwrap();
    let hostile_url = format!("http://{}/graph?g0.expr=up", hostile.local_addr().unwrap());

    let cert = TestCert::new();
    let account = Account { user: "alice".into(), password: "s3cret-pw".into() };
    let smtp = start_mailin(Security::StartTls(&cert, account));
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("smtp-password");
    std::fs::write(&password, "s3cret-pw\n").unwrap();
    let config = CONFIG
        .replace("SMTP_PORT", &smtp.addr.port().to_string())
        .replace("PASSWORD_FILE", password.to_str().unwrap())
        .replace("CA_FILE", cert.cert_path.to_str().unwrap());
    let triage = crate::support::start_triage(&config).await;

    let alert = json!([{"labels": {"alertname": "DiskFull", "instance": "db-1"},
                        "annotations": {"summary": "disk 89% full"}, "generatorURL": hostile_url}]);
    let r = crate::support::client().post(format!("{}/api/v2/alerts", triage.url)).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());

    let mails = smtp.inbox.wait_for(1).await;
    let message = mail_parser::MessageParser::default().parse(&mails[0].data).expect("a parsable message");
    assert_eq!(message.attachments().count(), 0, "no plot from an unconfigured host");
    match hostile.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the generator URL's host was contacted: {other:?}"),
    }
    let url = triage.url.clone();
    let said = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let said = deliveries(&url).await.to_string();
            said.contains("TRIAGE_PLOT_GENERATOR_HOSTS").then_some(said)
        }
    })
    .await;
    assert!(said.is_some(), "the delivery says why there is no plot: {}", deliveries(&triage.url).await);
}
