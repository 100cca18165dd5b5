//! Outage sources end to end, with the real binary: a GOCDB downtime and a GGUS ticket feed
//! served by a document server the test controls, maintenance windows through the API.
//!
//! - A scheduled downtime hides exactly its host's alerts (visible in the alert status, the
//!   outage listing and the suppression record); when it ends with the alert still firing,
//!   one notification says so.
//! - A source that breaks (unreadable document, HTTP 500, unreachable) keeps its last good
//!   state: nothing is notified or resolved because of it, and `/metrics` shows the failure.
//! - An open ticket turns its site's alerts into one notification with the ticket's link; with
//!   `ticket_alerts` the ticket is an alert, resolved when the ticket is solved.
//! - The last good state and the windows survive a restart with the source down.

use std::sync::{Arc, Mutex};

use crate::support::{AlertSpec, DEADLINE, WebhookSink, client, get_json, poll, post_alerts};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// What the document server answers.
#[derive(Clone)]
struct Doc {
    status: u16,
    body: String,
}

/// A document server whose answer the test changes.
struct DocServer {
    url: String,
    doc: Arc<Mutex<Doc>>,
    task: tokio::task::JoinHandle<()>,
}

impl DocServer {
    async fn start(body: String) -> DocServer {
        let doc = Arc::new(Mutex::new(Doc { status: 200, body }));
        let app = Router::new()
            .fallback(|State(doc): State<Arc<Mutex<Doc>>>| async move {
                let d = doc.lock().unwrap().clone();
                (StatusCode::from_u16(d.status).unwrap(), d.body)
            })
            .with_state(Arc::clone(&doc));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/feed", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        DocServer { url, doc, task }
    }

    fn set(&self, status: u16, body: impl Into<String>) {
        *self.doc.lock().unwrap() = Doc { status, body: body.into() };
    }
}

impl Drop for DocServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A GOCDB `get_downtime` document with one downtime of two endpoints of one host.
fn gocdb_doc(host: &str, start: Timestamp, end: Timestamp) -> String {
    let endpoint = |service: &str| {
        format!(
            r#"<DOWNTIME ID="9001" PRIMARY_KEY="9001G0" CLASSIFICATION="SCHEDULED">
    <PRIMARY_KEY>9001G0</PRIMARY_KEY><HOSTNAME>{host}</HOSTNAME><SERVICE_TYPE>{service}</SERVICE_TYPE>
    <ENDPOINT>{host}{service}</ENDPOINT><HOSTED_BY>SITE-A</HOSTED_BY>
    <GOCDB_PORTAL_URL>https://goc.example.org/portal/index.php?Page_Type=Downtime&amp;id=9001</GOCDB_PORTAL_URL>
    <SEVERITY>OUTAGE</SEVERITY><DESCRIPTION>Storage upgrade</DESCRIPTION>
    <START_DATE>{}</START_DATE><END_DATE>{}</END_DATE></DOWNTIME>"#,
            start.as_second(),
            end.as_second()
        )
    };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<results>{}{}</results>", endpoint("SRM"), endpoint("webdav"))
}

fn ggus_csv(id: &str, status: &str) -> String {
    format!(
        "Ticket-ID;Type;VO;Site;Priority;Responsible_Unit;Status;Last_Update;Subject;Scope\n\
         {id};TEAM;cms;CSCS-LCG2;very urgent;NGI_CH;{status};2026-11-22 10:00:00;Transfers failing at CSCS;WLCG\n\
         777;USER;atlas;CSCS-LCG2;urgent;NGI_CH;assigned;2026-11-22 10:00:00;Not ours;WLCG\n"
    )
}

fn config(sink: &WebhookSink, sources: &str) -> String {
    format!(
        r#"
route:
  receiver: ops
  group_by: [alertname, instance]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ops
    webhook_configs: [{{url: '{}', send_resolved: false}}]
outages:
  site_aliases:
    SITE-A: T2_XX_Test
    CSCS-LCG2: T2_CH_CSCS
  sources:
{sources}
"#,
        sink.url("/hook")
    )
}

async fn outages(base: &str) -> Vec<Value> {
    get_json(base, "/api/v2/outages").await.as_array().cloned().unwrap_or_default()
}

async fn metrics(base: &str) -> String {
    client().get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap()
}

/// Every alert notified so far, as `alertname@instance`, with its annotations.
fn notified(sink: &WebhookSink) -> Vec<(String, Value)> {
    sink.received()
        .iter()
        .flat_map(|r| r.body["alerts"].as_array().cloned().unwrap_or_default())
        .map(|a| {
            (
                format!(
                    "{}@{}",
                    a["labels"]["alertname"].as_str().unwrap_or(""),
                    a["labels"]["instance"].as_str().unwrap_or("")
                ),
                a["annotations"].clone(),
            )
        })
        .collect()
}

fn metric_value(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_gocdb_downtime_hides_its_hosts_alerts_and_a_broken_source_keeps_its_last_good_state() {
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    let server = DocServer::start(gocdb_doc("se1.example.org", now - hour, now + hour)).await;
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let sources =
        format!("    - {{name: gocdb, type: gocdb, url: '{}', interval: 200ms, timeout: 2s, retries: 0}}", server.url);
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &config(&sink, &sources)).await;

    let listed =
        poll(DEADLINE, || async { outages(&base).await.into_iter().find(|o| o["id"] == "gocdb:9001G0") }).await;
    let outage = listed.expect("the downtime is listed");
    assert_eq!(outage["kind"], "scheduled");
    assert_eq!(outage["active"], true);
    assert_eq!(outage["scope"]["hosts"], json!(["se1.example.org"]));
    assert_eq!(outage["scope"]["services"], json!(["SRM", "webdav"]));

    let inside =
        AlertSpec::new(&[("alertname", "DiskFull"), ("instance", "se1.example.org:9100"), ("site", "T2_XX_Test")]);
    let outside =
        AlertSpec::new(&[("alertname", "DiskFull"), ("instance", "se2.example.org:9100"), ("site", "T2_XX_Test")]);
    post_alerts(&base, &[inside.clone(), outside.clone()]).await;
    poll(DEADLINE, || async { (!sink.is_empty()).then_some(()) })
        .await
        .expect("the alert outside the downtime is notified");

    let alerts = get_json(&base, "/api/v2/alerts").await;
    let status_of = |instance: &str| {
        alerts.as_array().unwrap().iter().find(|a| a["labels"]["instance"] == instance).unwrap()["status"].clone()
    };
    assert_eq!(status_of("se1.example.org:9100")["state"], "suppressed");
    assert_eq!(status_of("se1.example.org:9100")["outage"], "gocdb:9001G0");
    assert_eq!(status_of("se2.example.org:9100")["state"], "active");

    let rows = poll(DEADLINE, || async {
        let rows = get_json(&base, "/api/v2/outages/gocdb:9001G0/suppressions").await;
        rows.as_array().filter(|r| !r.is_empty()).cloned()
    })
    .await
    .expect("the suppression is recorded");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["labels"]["instance"], "se1.example.org:9100", "{rows:?}");
    assert!(rows[0]["endedAt"].is_null());

    // The source breaks three ways; its last good state stays and nothing is notified.
    for (status, body, stage) in [
        (200, "<?xml version=\"1.0\"?><results><DOWNTIME ID=\"1\"><HOSTNAME>x".to_string(), "parse"),
        (500, "database down".to_string(), "fetch"),
        (200, "\u{feff}not xml at all \u{0}".to_string(), "parse"),
    ] {
        server.set(status, body);
        let label = format!("triage_outage_source_errors_total{{source=\"gocdb\",stage=\"{stage}\"}}");
        let before = metric_value(&metrics(&base).await, &label).unwrap_or(0.0);
        poll(DEADLINE, || async {
            (metric_value(&metrics(&base).await, &label).unwrap_or(0.0) > before).then_some(())
        })
        .await
        .unwrap_or_else(|| panic!("the {stage} failure is counted"));
        let text = metrics(&base).await;
        assert_eq!(metric_value(&text, "triage_outage_source_up{source=\"gocdb\"}"), Some(0.0), "{text}");
        let o = outages(&base).await;
        assert!(o.iter().any(|o| o["id"] == "gocdb:9001G0" && o["active"] == true), "last good state kept: {o:?}");
    }
    let notified_now = notified(&sink);
    assert!(notified_now.iter().all(|(n, _)| n != "DiskFull@se1.example.org:9100"), "{notified_now:?}");

    // The downtime is declared over: the alert still fires, so it is notified once, saying so.
    let end = Timestamp::now();
    server.set(200, gocdb_doc("se1.example.org", now - hour, end));
    let after =
        poll(DEADLINE, || async { notified(&sink).into_iter().find(|(n, _)| n == "DiskFull@se1.example.org:9100") })
            .await
            .expect("still failing after the maintenance");
    let note = after.1["note"].as_str().unwrap();
    assert!(note.starts_with("still failing after the maintenance GOCDB downtime 9001G0: Storage upgrade"), "{note}");
    let rows = get_json(&base, "/api/v2/suppressions?outage=gocdb:9001G0").await;
    assert_eq!(rows[0]["stillFiring"], true, "{rows}");
    assert!(!rows[0]["endedAt"].is_null());
    let text = metrics(&base).await;
    assert_eq!(metric_value(&text, "triage_outage_source_up{source=\"gocdb\"}"), Some(1.0));
}

#[tokio::test]
async fn an_open_ticket_makes_one_incident_and_its_alert_resolves_when_solved() {
    let server = DocServer::start(ggus_csv("145685", "in progress")).await;
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let sources = format!(
        "    - {{name: ggus, type: ggus, url: '{}', format: csv, vo: cms, ticket_alerts: true, interval: 200ms, retries: 0}}",
        server.url
    );
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &config(&sink, &sources)).await;
    let listed = poll(DEADLINE, || async { (outages(&base).await.len() == 1).then_some(()) }).await;
    listed.expect("one cms ticket listed");
    assert_eq!(outages(&base).await[0]["id"], "ggus:145685");

    let at_site = |name: &str, instance: &str| {
        AlertSpec::new(&[("alertname", name), ("instance", instance), ("site", "T2_CH_CSCS")])
    };
    post_alerts(
        &base,
        &[
            at_site("TransferFailures", "fts1"),
            at_site("SAMTestFailed", "se1"),
            at_site("DiskFull", "se2"),
            AlertSpec::new(&[("alertname", "DiskFull"), ("instance", "se9"), ("site", "T1_DE_KIT")]),
        ],
    )
    .await;
    let incident = poll(DEADLINE, || async {
        sink.received().into_iter().find(|r| r.body["groupLabels"]["outage"] == "ggus:145685")
    })
    .await
    .expect("one notification for the ticket's site");
    let alerts = incident.body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 3, "{}", incident.body);
    for a in alerts {
        assert_eq!(a["annotations"]["outage_url"], "https://ggus.eu/index.php?mode=ticket_info&ticket_id=145685");
    }
    poll(DEADLINE, || async { notified(&sink).iter().any(|(n, _)| n == "DiskFull@se9").then_some(()) })
        .await
        .expect("the other site notifies on its own");
    let at_cscs = sink
        .received()
        .iter()
        .filter(|r| r.body["alerts"].as_array().unwrap().iter().any(|a| a["labels"]["site"] == "T2_CH_CSCS"))
        .count();
    assert_eq!(at_cscs, 1, "not one message per alert");

    // The ticket as an alert, with the labels CMS used.
    let ticket_alert =
        |alerts: &Value| alerts.as_array().unwrap().iter().find(|a| a["labels"]["alertname"] == "ggus-145685").cloned();
    let ta = poll(DEADLINE, || async { ticket_alert(&get_json(&base, "/api/v2/alerts").await) })
        .await
        .expect("ticket alert");
    assert_eq!(ta["labels"]["service"], "GGUS");
    assert_eq!(ta["labels"]["Site"], "CSCS-LCG2");
    assert_eq!(ta["labels"]["VO"], "cms");
    assert_eq!(ta["labels"]["Priority"], "very urgent");
    assert_eq!(ta["labels"]["severity"], "urgent");
    assert!(
        get_json(&base, "/api/v2/alerts")
            .await
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["labels"]["alertname"] != "ggus-777"),
        "VO filter"
    );

    // A broken feed resolves nothing.
    server.set(200, "Ticket-ID,Type,VO\n1,2,3\n");
    let label = "triage_outage_source_errors_total{source=\"ggus\",stage=\"parse\"}";
    poll(DEADLINE, || async { metric_value(&metrics(&base).await, label).filter(|v| *v >= 2.0) })
        .await
        .expect("parse errors counted");
    assert!(ticket_alert(&get_json(&base, "/api/v2/alerts").await).is_some(), "a parse failure resolves nothing");
    assert_eq!(outages(&base).await.len(), 1);

    // Solved: the ticket alert resolves and the outage goes.
    server.set(200, ggus_csv("145685", "solved"));
    poll(DEADLINE, || async {
        let gone = ticket_alert(&get_json(&base, "/api/v2/alerts?active=true").await).is_none();
        (gone && outages(&base).await.is_empty()).then_some(())
    })
    .await
    .expect("the solved ticket's alert resolves and its outage ends");
}

#[tokio::test]
async fn maintenance_windows_and_last_good_states_survive_a_restart_with_the_source_down() {
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    let server = DocServer::start(gocdb_doc("ce1.example.org", now - hour, now + hour)).await;
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let sources = format!("    - {{name: gocdb, type: gocdb, url: '{}', interval: 200ms, retries: 0}}", server.url);
    let yaml = config(&sink, &sources);
    let (proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    poll(DEADLINE, || async { (!outages(&base).await.is_empty()).then_some(()) }).await.expect("downtime listed");

    // Windows: a bad one is refused with the reason, a good one is created.
    let bad = client()
        .post(format!("{base}/api/v2/maintenances"))
        .json(&json!({"matchers": ["site=~\"(\""], "reason": "x", "owner": "alice", "startsAt": now.to_string(), "endsAt": (now + hour).to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("matcher"));
    let created: Value = client()
        .post(format!("{base}/api/v2/maintenances"))
        .json(&json!({"matchers": ["site=\"T2_XX_Test\""], "reason": "dCache upgrade", "owner": "alice",
                      "startsAt": (now - hour).to_string(), "endsAt": (now + hour).to_string()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(!id.is_empty());

    drop(proc);
    server.set(503, "down for maintenance");
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    let ids: Vec<String> = outages(&base).await.iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
    assert!(ids.contains(&"gocdb:9001G0".to_string()), "{ids:?}");
    assert!(ids.contains(&format!("maintenance:{id}")), "{ids:?}");
    poll(DEADLINE, || async {
        metric_value(&metrics(&base).await, "triage_outage_source_up{source=\"gocdb\"}").filter(|v| *v == 0.0)
    })
    .await
    .expect("the source is down");

    let a = AlertSpec::new(&[("alertname", "SAMFailed"), ("instance", "srm.example.org"), ("site", "T2_XX_Test")]);
    post_alerts(&base, &[a]).await;
    let alerts = get_json(&base, "/api/v2/alerts").await;
    assert_eq!(alerts[0]["status"]["outage"], format!("maintenance:{id}"));

    // Ending the window now: the alert still fires and is notified, once, saying so.
    let ended = client().delete(format!("{base}/api/v2/maintenance/{id}")).send().await.unwrap();
    assert_eq!(ended.status(), 200);
    let (_, ann) =
        poll(DEADLINE, || async { notified(&sink).into_iter().find(|(n, _)| n == "SAMFailed@srm.example.org") })
            .await
            .expect("notified after the window ended");
    assert!(ann["note"].as_str().unwrap().contains("dCache upgrade (alice)"), "{ann}");
    let again = client().delete(format!("{base}/api/v2/maintenance/{id}")).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert_eq!(client().delete(format!("{base}/api/v2/maintenance/nope")).send().await.unwrap().status(), 404);
    // The group flushes again and finds nothing new to say (newest decisions come first).
    poll(DEADLINE, || async {
        let decisions = get_json(&base, "/api/v2/notifications").await;
        let of_group: Vec<Value> = decisions
            .as_array()?
            .iter()
            .filter(|d| d["groupKey"].as_str().is_some_and(|k| k.contains("SAMFailed")))
            .cloned()
            .collect();
        let sent = of_group.iter().position(|d| d["outcome"] == "sent")?;
        of_group[..sent].iter().any(|d| d["outcome"] == "skipped" && d["detail"] == "unchanged").then_some(())
    })
    .await
    .expect("a later flush of the group skipped as unchanged");
    assert_eq!(notified(&sink).iter().filter(|(n, _)| n == "SAMFailed@srm.example.org").count(), 1);
}

fn triage_cli(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_maintenance_command_adds_lists_and_ends_windows() {
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &config(&sink, "    []")).await;
    let b = base.clone();
    let add = move |extra: &[&str]| {
        let mut args = vec!["maintenance", "add", "--url", b.as_str(), "--reason", "kernel update", "--owner", "bob"];
        args.extend_from_slice(extra);
        triage_cli(&args)
    };
    let (ok, id, err) = tokio::task::spawn_blocking({
        let add = add.clone();
        move || add(&["--matcher", "site=\"T2_XX_Test\"", "--matcher", "instance=~\"wn.*\"", "--duration", "2h"])
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    let id = id.trim().to_string();
    assert_eq!(id.len(), 36, "a uuid: {id}");

    let b = base.clone();
    let (ok, table, _) =
        tokio::task::spawn_blocking(move || triage_cli(&["maintenance", "list", "--url", &b])).await.unwrap();
    assert!(ok);
    let row = table.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains(" yes ") && row.contains("kernel update") && row.contains("site=\"T2_XX_Test\""), "{row}");
    // Times in seconds, without the fraction.
    let starts = row.split_whitespace().nth(3).unwrap_or_default();
    assert!(starts.len() == "08:00:00Z".len() && starts.ends_with('Z'), "{row}");

    let (ok, _, err) = tokio::task::spawn_blocking({
        let add = add.clone();
        move || add(&["--matcher", "site=~\"(\"", "--duration", "1h"])
    })
    .await
    .unwrap();
    assert!(!ok && err.contains("matcher"), "{err}");
    let (ok, _, err) =
        tokio::task::spawn_blocking(move || add(&["--matcher", "site=\"x\"", "--end", "tomorrow"])).await.unwrap();
    assert!(!ok && err.contains("--end"), "{err}");

    let (b, i) = (base.clone(), id.clone());
    let (ok, _, err) =
        tokio::task::spawn_blocking(move || triage_cli(&["maintenance", "end", "--url", &b, &i])).await.unwrap();
    assert!(ok, "{err}");
    let (b, i) = (base.clone(), id.clone());
    let (ok, _, err) =
        tokio::task::spawn_blocking(move || triage_cli(&["maintenance", "end", "--url", &b, &i])).await.unwrap();
    assert!(!ok && err.contains("already ended"), "{err}");
    let (b, i) = (base.clone(), id.clone());
    let (ok, json, _) =
        tokio::task::spawn_blocking(move || triage_cli(&["maintenance", "list", "--url", &b, "--json"])).await.unwrap();
    assert!(ok);
    let listed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(listed[0]["id"], i.as_str());
    assert_eq!(listed[0]["active"], false);
    // `-o json`, like every other command; `--json` stays as a hidden alias.
    let b = base.clone();
    let (ok, json_o, err) =
        tokio::task::spawn_blocking(move || triage_cli(&["maintenance", "list", "--url", &b, "-o", "json"]))
            .await
            .unwrap();
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&json_o).unwrap(), listed);

    let port = crate::support::free_port();
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        triage_cli(&["maintenance", "list", "--url", &format!("http://127.0.0.1:{port}")])
    })
    .await
    .unwrap();
    assert!(!ok && err.contains("is triage running there"), "{err}");
}
