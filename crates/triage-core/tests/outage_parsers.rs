//! The outage parsers against real data: a GGUS export (XML, and CSV/JSON made from it)
//! compared field by field with the upstream parser's JSON of the same 88 tickets, a GOCDB
//! `get_downtime` answer compared with the ARGO connectors' expected parse, and bad or hostile
//! input that must end in a clear error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;
use triage_core::outage::ggus::priority::{TicketSeverity, severity_of_priority};
use triage_core::outage::ggus::series::ggus_samples;
use triage_core::outage::ggus::{
    GgusError, GgusField, GgusFormat, GgusLimits, GgusTicket, filter_vo, is_open, parse_ggus, parse_ggus_with,
};
use triage_core::outage::gocdb::{GocdbError, downtimes_within, parse_gocdb_downtimes};
use triage_core::outage::xml_records::{MAX_DEPTH, XmlRecordError};

fn testdata(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export_xml() -> Vec<u8> {
    testdata("ggus/ggus_tickets_export_2020-02-21.xml")
}

/// The upstream parser's output for the same export: `{"Ticket": [{TicketID, Type, …}]}`.
fn upstream_tickets() -> Vec<GgusTicket> {
    #[derive(serde::Deserialize)]
    struct Upstream {
        #[serde(rename = "Ticket")]
        ticket: Vec<GgusTicket>,
    }
    let bytes = testdata("ggus/ggus_tickets_export_2020-02-21.json");
    serde_json::from_slice::<Upstream>(&bytes).expect("upstream JSON").ticket
}

fn assert_same_tickets(got: &[GgusTicket], want: &[GgusTicket]) {
    assert_eq!(got.len(), want.len(), "ticket count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        for field in GgusField::ALL {
            assert_eq!(
                field.get(g),
                field.get(w),
                "ticket #{} (Ticket-ID {}): field {}",
                i + 1,
                w.ticket_id,
                field.export_name()
            );
        }
    }
}

#[test]
fn the_xml_export_parses_to_the_upstream_json_field_by_field() {
    let tickets = parse_ggus(&export_xml(), None).expect("parse the export");
    let upstream = upstream_tickets();
    assert_eq!(upstream.len(), 88);
    assert_same_tickets(&tickets, &upstream);
    // Entities are decoded: `APEL client &amp; Accounting Repository`.
    assert!(tickets.iter().any(|t| t.responsible_unit == "APEL client & Accounting Repository"));
    assert_eq!(parse_ggus(&export_xml(), Some(GgusFormat::Xml)).unwrap(), tickets);
}

#[test]
fn the_export_has_the_documented_vos_priorities_and_statuses() {
    let tickets = parse_ggus(&export_xml(), None).unwrap();
    assert_eq!(filter_vo(tickets.clone(), "cms").len(), 15);
    assert_eq!(filter_vo(tickets.clone(), "CMS").len(), 15);
    let mut severities: BTreeMap<TicketSeverity, usize> = BTreeMap::new();
    for t in &tickets {
        *severities.entry(severity_of_priority(&t.priority)).or_default() += 1;
    }
    let expected = [
        (TicketSeverity::Medium, 27),
        (TicketSeverity::High, 53),
        (TicketSeverity::Urgent, 5),
        (TicketSeverity::Critical, 3),
    ];
    assert_eq!(severities, BTreeMap::from(expected));
    // The export holds open tickets only.
    assert!(tickets.iter().all(|t| is_open(&t.status)), "every exported ticket is open");
}

/// The tickets as a `;`-separated export, header included.
fn to_csv(tickets: &[GgusTicket]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer.write_record(GgusField::ALL.map(GgusField::export_name)).unwrap();
    for t in tickets {
        writer.write_record(GgusField::ALL.map(|f| f.get(t))).unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn a_csv_of_the_same_tickets_parses_to_the_same_tickets() {
    let mut tickets = upstream_tickets();
    tickets[0].subject = "Transfers to T1_ES_PIC failing; \"permission denied\" on 'srm'".into();
    tickets[1].responsible_unit = "A;B".into();
    let csv = to_csv(&tickets);
    assert!(std::str::from_utf8(&csv).unwrap().contains("\"\"permission denied\"\""), "the writer quoted");
    assert_eq!(GgusFormat::sniff(&csv), GgusFormat::Csv);
    assert_same_tickets(&parse_ggus(&csv, None).expect("parse the CSV"), &tickets);
}

#[test]
fn a_json_array_of_the_same_tickets_parses_to_the_same_tickets() {
    let tickets = upstream_tickets();
    let json = serde_json::to_vec(&tickets).unwrap();
    assert_same_tickets(&parse_ggus(&json, None).unwrap(), &tickets);
    // And the upstream file itself, wrapper object and all.
    let upstream = testdata("ggus/ggus_tickets_export_2020-02-21.json");
    assert_same_tickets(&parse_ggus(&upstream, None).unwrap(), &tickets);
}

#[test]
fn the_gocdb_sample_gives_the_expected_downtimes_of_2017_01_19() {
    let downtimes = parse_gocdb_downtimes(&testdata("gocdb/gocdb_get_downtime_sample.xml"), 1 << 20).unwrap();
    assert_eq!(downtimes.len(), 3);
    let first = &downtimes[0];
    assert_eq!(
        (first.id.as_str(), first.primary_key.as_str(), first.classification.as_str()),
        ("22154", "100728G0", "SCHEDULED")
    );
    assert_eq!(first.portal_url, "https://goc.egi.eu/portal/index.php?Page_Type=Downtime&id=22154");
    assert_eq!((first.severity.as_str(), first.hosted_by.as_str()), ("OUTAGE", "ZA-MERAKA"));
    assert_eq!(first.start, "2016-12-19T00:00:00Z".parse::<Timestamp>().unwrap());
    assert_eq!(first.end, "2017-02-28T00:00:00Z".parse::<Timestamp>().unwrap());
    assert_eq!(first.insert_date, Some(Timestamp::from_second(1_481_808_624).unwrap()));
    assert_eq!(first.formatted_start.as_deref(), Some("2016-12-19 00:00"));
    assert_eq!(downtimes[2].endpoint, "ce1.grid.lebedev.ruAPEL");

    let from: Timestamp = "2017-01-19T00:00:00Z".parse().unwrap();
    let to: Timestamp = "2017-01-19T23:59:00Z".parse().unwrap();
    let windows = downtimes_within(&downtimes, from, to);
    let expected: Vec<BTreeMap<String, String>> =
        serde_json::from_slice(&testdata("gocdb/expected_downtimes_2017-01-19.json")).unwrap();
    assert_eq!(windows.len(), expected.len());
    for (i, (got, want)) in windows.iter().zip(&expected).enumerate() {
        assert_eq!(got.hostname, want["hostname"], "downtime {i}: hostname");
        assert_eq!(got.service, want["service"], "downtime {i}: service");
        assert_eq!(got.start_time.to_string(), want["start_time"], "downtime {i}: start_time");
        assert_eq!(got.end_time.to_string(), want["end_time"], "downtime {i}: end_time");
    }
    // The serialised form has the expected JSON's shape too.
    assert_eq!(serde_json::to_value(&windows).unwrap(), serde_json::to_value(&expected).unwrap());
}

#[test]
fn truncated_xml_names_the_open_element_and_ticket_at_every_cut() {
    let xml = export_xml();
    let end = xml.len() - b"</tickets>\n".len();
    for cut in (60..end).step_by(97) {
        let err = parse_ggus(&xml[..cut], Some(GgusFormat::Xml)).expect_err("a truncated export");
        let message = err.to_string();
        assert!(message.contains("line "), "cut at {cut}: {message}");
    }
    // Cut inside the 4th ticket's Subject text.
    let text = std::str::from_utf8(&xml).unwrap();
    let subject = text.match_indices("<Subject>").nth(3).unwrap().0 + 12;
    let err = parse_ggus(&xml[..subject], None).unwrap_err();
    let GgusError::Xml(XmlRecordError::Truncated { element, line, context }) = &err else { panic!("{err:?}") };
    assert_eq!((element.as_str(), *line), ("Subject", 48));
    assert_eq!(context, " (in <ticket> #4, starting at line 39)");
}

#[test]
fn a_comma_separated_csv_is_named_as_such() {
    let csv = String::from_utf8(to_csv(&upstream_tickets())).unwrap().replace(';', ",");
    let err = parse_ggus(csv.as_bytes(), None).unwrap_err();
    assert!(matches!(err, GgusError::CsvDelimiter { found: ',', .. }), "{err:?}");
    assert!(err.to_string().contains("does not split on ';'"), "{err}");
}

#[test]
fn missing_csv_columns_are_listed() {
    let err = parse_ggus(b"Ticket-ID;Type;VO;Site;Priority\n1;USER;cms;X;urgent\n", Some(GgusFormat::Csv)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "GGUS CSV: the header lacks column(s) Responsible_Unit, Status, Last_Update, Subject, Scope \
         (header: \"Ticket-ID;Type;VO;Site;Priority\")"
    );
}

#[test]
fn an_unknown_priority_is_unknown_not_a_panic() {
    let xml = String::from_utf8(export_xml()).unwrap().replacen(
        "<Priority>urgent</Priority>",
        "<Priority>urgent-ish</Priority>",
        1,
    );
    let tickets = parse_ggus(xml.as_bytes(), None).unwrap();
    let odd = tickets.iter().find(|t| t.priority == "urgent-ish").unwrap();
    assert_eq!(severity_of_priority(&odd.priority), TicketSeverity::Unknown);
    let samples = ggus_samples(&tickets, Timestamp::UNIX_EPOCH);
    let sample = samples.iter().find(|s| s.metric.get("ticket_id") == Some(&odd.ticket_id)).unwrap();
    assert_eq!(sample.metric["severity"], "unknown");
}

#[test]
fn non_utf8_bytes_are_refused_with_their_line() {
    let mut xml = export_xml();
    let at = xml.windows(7).position(|w| w == b"COManag").unwrap();
    xml[at] = 0xC9; // Latin-1 'É' is not UTF-8.
    let err = parse_ggus(&xml, None).unwrap_err();
    assert_eq!(err, GgusError::NotUtf8 { line: 12, offset: at });
    let err = parse_gocdb_downtimes(b"<results>\n\xFF</results>", 100).unwrap_err();
    assert_eq!(err, GocdbError::NotUtf8 { line: 2, offset: 10 });
}

#[test]
fn oversized_input_and_too_many_tickets_are_refused() {
    let xml = export_xml();
    let small = GgusLimits { max_bytes: 1000, max_tickets: 1000 };
    assert_eq!(parse_ggus_with(&xml, None, small), Err(GgusError::TooLarge { len: xml.len(), max: 1000 }));
    let few = GgusLimits { max_bytes: 1 << 20, max_tickets: 10 };
    assert_eq!(parse_ggus_with(&xml, None, few), Err(GgusError::TooManyTickets { max: 10 }));
    let csv = to_csv(&upstream_tickets());
    assert_eq!(parse_ggus_with(&csv, None, few), Err(GgusError::TooManyTickets { max: 10 }));
    assert!(matches!(parse_gocdb_downtimes(&xml, 100), Err(GocdbError::TooLarge { .. })));
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let depth = 100_000;
    let nested = format!("<tickets><ticket>{}{}</ticket></tickets>", "<a>".repeat(depth), "</a>".repeat(depth));
    let err = parse_ggus(nested.as_bytes(), None).unwrap_err();
    assert_eq!(err, GgusError::Xml(XmlRecordError::TooDeep { line: 1, max: MAX_DEPTH }));
    let nested = format!("<results>{}", "<DOWNTIME>".repeat(depth));
    assert!(matches!(
        parse_gocdb_downtimes(nested.as_bytes(), 1 << 20),
        Err(GocdbError::Xml(XmlRecordError::TooDeep { .. }))
    ));
    let json = "[".repeat(depth);
    assert!(matches!(parse_ggus(json.as_bytes(), None), Err(GgusError::Json(_))));
}

#[test]
fn entity_expansion_and_external_entities_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE tickets [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<tickets><ticket><Subject>&lol3;</Subject></ticket></tickets>"#;
    let err = parse_ggus(laughs.as_bytes(), None).unwrap_err();
    assert_eq!(err, GgusError::Xml(XmlRecordError::Doctype { line: 2 }));
    let external = "<!DOCTYPE results [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><results>&x;</results>";
    assert!(matches!(
        parse_gocdb_downtimes(external.as_bytes(), 1 << 20),
        Err(GocdbError::Xml(XmlRecordError::Doctype { .. }))
    ));
    let undeclared = "<tickets>\n<ticket><Subject>&lol3;</Subject></ticket></tickets>";
    let err = parse_ggus(undeclared.as_bytes(), None).unwrap_err();
    assert_eq!(err.to_string(), "GGUS XML: line 2: unknown entity &lol3;");
}

#[test]
fn other_xml_documents_are_named_by_their_root() {
    let err = parse_ggus(&testdata("gocdb/gocdb_get_downtime_sample.xml"), None).unwrap_err();
    assert_eq!(err.to_string(), "GGUS XML: line 2: expected root element <tickets>, found <results>");
    let err = parse_gocdb_downtimes(&export_xml(), 1 << 20).unwrap_err();
    assert!(err.to_string().contains("expected root element <results>, found <tickets>"), "{err}");
    assert_eq!(parse_ggus(b"  \n", None), Err(GgusError::Empty));
}
