//! `triage ggus parse` and `triage ggus inject` as a user runs them: the real binary on the
//! real GGUS export, its JSON compared with the upstream parser's, its errors, and ticket
//! states written into a real VictoriaMetrics and read back with PromQL.

use crate::support::victoria;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const EXPORT: &str = "ggus/ggus_tickets_export_2020-02-21.xml";
const FIELDS: [&str; 10] =
    ["TicketID", "Type", "VO", "Site", "Priority", "ResponsibleUnit", "Status", "LastUpdate", "Subject", "Scope"];

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn triage(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().expect("run triage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The upstream parser's tickets: `{"Ticket": [...]}`.
fn upstream() -> Vec<Value> {
    let bytes = std::fs::read(testdata("ggus/ggus_tickets_export_2020-02-21.json")).unwrap();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    doc["Ticket"].as_array().unwrap().clone()
}

fn parsed(run: &Run) -> Vec<Value> {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", run.stdout))
}

fn assert_same(got: &[Value], want: &[Value]) {
    assert_eq!(got.len(), want.len(), "ticket count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), FIELDS.len(), "ticket #{}: keys {keys:?}", i + 1);
        for field in FIELDS {
            assert!(g[field].is_string(), "ticket #{}: {field} is not a string", i + 1);
            assert_eq!(g[field], w[field], "ticket #{} ({}): {field}", i + 1, w["TicketID"]);
        }
    }
}

#[test]
fn parse_prints_the_export_as_the_upstream_json() {
    let xml = testdata(EXPORT);
    assert_same(&parsed(&triage(&["ggus", "parse", xml.to_str().unwrap()])), &upstream());
    let explicit = triage(&["ggus", "parse", "--format", "xml", xml.to_str().unwrap()]);
    assert_same(&parsed(&explicit), &upstream());
}

#[test]
fn parse_keeps_one_vo() {
    let run = triage(&["ggus", "parse", "--vo", "cms", testdata(EXPORT).to_str().unwrap()]);
    let cms: Vec<Value> = upstream().into_iter().filter(|t| t["VO"] == "cms").collect();
    assert_eq!(cms.len(), 15);
    assert_same(&parsed(&run), &cms);
}

#[test]
fn parse_reads_a_semicolon_csv_of_the_same_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_path(&path).unwrap();
    let header = [
        "Ticket-ID",
        "Type",
        "VO",
        "Site",
        "Priority",
        "Responsible_Unit",
        "Status",
        "Last_Update",
        "Subject",
        "Scope",
    ];
    writer.write_record(header).unwrap();
    let mut tickets = upstream();
    tickets[2]["Subject"] = Value::from("dCache down; \"all\" pools offline");
    for t in &tickets {
        writer.write_record(FIELDS.map(|f| t[f].as_str().unwrap().to_string())).unwrap();
    }
    writer.flush().unwrap();
    drop(writer);
    assert_same(&parsed(&triage(&["ggus", "parse", path.to_str().unwrap()])), &tickets);
    assert_same(&parsed(&triage(&["ggus", "parse", "--format", "csv", path.to_str().unwrap()])), &tickets);
}

fn assert_fails(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, 1, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    assert!(run.stderr.starts_with("triage: "), "stderr: {}", run.stderr);
    for part in expected {
        assert!(run.stderr.contains(part), "stderr lacks {part:?}: {}", run.stderr);
    }
}

#[test]
fn parse_errors_exit_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let xml = std::fs::read(testdata(EXPORT)).unwrap();

    assert_fails(&triage(&["ggus", "parse", "/nonexistent/export.xml"]), &["cannot read /nonexistent/export.xml"]);

    let truncated = write("truncated.xml", &xml[..xml.len() / 2]);
    assert_fails(&triage(&["ggus", "parse", &truncated]), &["truncated.xml", "truncated XML", "line ", "<ticket> #"]);

    let commas = write("commas.csv", b"Ticket-ID,Type,VO,Site,Priority,Responsible_Unit,Status,Last_Update,Subject,Scope\n1,USER,cms,,urgent,U,new,t,s,WLCG\n");
    assert_fails(&triage(&["ggus", "parse", "--format", "csv", &commas]), &["does not split on ';'"]);

    let short = write("short.csv", b"Ticket-ID;Type;VO\n1;USER;cms\n");
    assert_fails(&triage(&["ggus", "parse", &short]), &["lacks column(s) Site, Priority"]);

    let latin1 = write("latin1.xml", b"<tickets>\n<ticket><Subject>Probl\xE8me</Subject></ticket></tickets>");
    assert_fails(&triage(&["ggus", "parse", &latin1]), &["line 2", "not UTF-8"]);

    assert_fails(
        &triage(&["ggus", "parse", "--max-bytes", "100", testdata(EXPORT).to_str().unwrap()]),
        &["larger than the limit of 100 bytes"],
    );

    let not_json = write("x.json", b"{\"Ticket\": [");
    assert_fails(&triage(&["ggus", "parse", &not_json]), &["GGUS JSON"]);
}

#[test]
fn inject_refuses_an_unreachable_victoriametrics() {
    let port = crate::support::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let run = triage(&["ggus", "inject", "--vm", &url, "--timeout-secs", "5", testdata(EXPORT).to_str().unwrap()]);
    assert_fails(&run, &["cannot reach VictoriaMetrics", &url]);
    let run = triage(&["ggus", "inject", "--vm", "localhost:8428", testdata(EXPORT).to_str().unwrap()]);
    assert_fails(&run, &["must start with http://"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inject_writes_ticket_counts_that_victoriametrics_answers() {
    if !crate::support::have_binaries("inject_writes_ticket_counts_that_victoriametrics_answers", &["victoria-metrics"])
    {
        return;
    }
    let vm = victoria::start_fresh_victoria_metrics().await;
    let (url, file) = (vm.url.clone(), testdata(EXPORT));
    let run = tokio::task::spawn_blocking(move || triage(&["ggus", "inject", "--vm", &url, file.to_str().unwrap()]))
        .await
        .unwrap();
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, format!("imported 181 samples (88 tickets, 88 open) into {}\n", vm.url));
    assert_eq!(run.stderr, "", "no progress bar off a terminal");

    // Every exported ticket is open: count them per site (no Site label when the export has none).
    let mut want: BTreeMap<String, f64> = BTreeMap::new();
    for t in upstream() {
        *want.entry(t["Site"].as_str().unwrap().to_string()).or_default() += 1.0;
    }
    let client = crate::support::client();
    vm.force_flush(&client).await;
    let got = crate::support::poll(crate::support::DEADLINE, || {
        let (client, vm) = (client.clone(), &vm);
        async move {
            let rows = vm.query(&client, "sum by (site) (ggus_open_tickets)").await?;
            let got: BTreeMap<String, f64> =
                rows.into_iter().map(|(labels, v)| (labels.get("site").cloned().unwrap_or_default(), v)).collect();
            (got.values().sum::<f64>() == 88.0).then_some(got)
        }
    })
    .await
    .unwrap_or_else(|| panic!("VictoriaMetrics never answered 88 open tickets\n{}", vm.proc.log_tail(3000)));
    assert_eq!(got, want);

    let tickets = vm.query(&client, "count(ggus_ticket)").await.unwrap();
    assert_eq!(tickets[0].1, 88.0);
    let cms = vm.query(&client, r#"sum(ggus_open_tickets{vo="cms"})"#).await.unwrap();
    assert_eq!(cms[0].1, 15.0);
    let one = vm.query(&client, r#"ggus_ticket{ticket_id="145683"}"#).await.unwrap();
    assert_eq!(one.len(), 1);
    let labels = &one[0].0;
    assert_eq!(labels.get("priority").map(String::as_str), Some("very urgent"));
    assert_eq!(labels.get("severity").map(String::as_str), Some("urgent"));
    assert_eq!(labels.get("status").map(String::as_str), Some("new"));
    assert_eq!(labels.get("vo").map(String::as_str), Some("none"));
    let statuses = vm.query(&client, "sum by (status) (ggus_tickets_by_status)").await.unwrap();
    let by_status: BTreeMap<String, f64> = statuses.into_iter().map(|(l, v)| (l["status"].clone(), v)).collect();
    let expected =
        [("assigned", 48.0), ("in progress", 34.0), ("new", 1.0), ("on hold", 1.0), ("waiting for reply", 4.0)];
    assert_eq!(by_status, expected.into_iter().map(|(s, n)| (s.to_string(), n)).collect());
}
