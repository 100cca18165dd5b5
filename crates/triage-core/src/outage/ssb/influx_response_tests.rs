//! Tests of the InfluxDB answer reader: real-format answers, malformed, truncated, oversized
//! and hostile input.

use super::*;
use crate::outage::record::OutageKind;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const COLUMNS: &str = r#"["time","begin","description","end","feName","seName","shortDescription","ssbNumber","type"]"#;

fn answer(values: &str) -> String {
    format!(
        r#"{{"results":[{{"statement_id":0,"series":[{{"name":"outages","columns":{COLUMNS},"values":[{values}]}}]}}]}}"#
    )
}

#[test]
fn reads_planned_unplanned_and_open_ended_rows() {
    let body = answer(
        r#"["2020-11-29T23:00:00Z",1606690800000,"IT Infrastructure Services",null,"Linux Support","Linux Operating System","End of support for SLC6","OTG0054345","Service Change"],
           ["2026-01-01T10:00:00Z",1767261600000.0,"Network Services",1767268800000,"Network","Network Service","Router upgrade","OTG0001","Planned Intervention"],
           ["2026-01-01T11:00:00Z","2026-01-01T11:00:00Z",null,"2026-01-01T12:00:00Z","EOS","EOS","EOS down","OTG0002","Service Incident"]"#,
    );
    let rows = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].end, None);
    assert_eq!(rows[0].time, Some(ts("2020-11-29T23:00:00Z")));
    let records = ssb_outages_to_records(&rows);
    assert_eq!(
        records[0],
        Outage {
            id: "ssb:OTG0054345".into(),
            source: "ssb".into(),
            kind: OutageKind::Scheduled,
            title: "End of support for SLC6".into(),
            url: Some("https://cern.service-now.com/service-portal?id=outage&n=OTG0054345".into()),
            starts_at: ts("2020-11-29T23:00:00Z"),
            ends_at: None,
            scope: OutageScope {
                services: vec!["Linux Support".into(), "Linux Operating System".into()],
                ..OutageScope::default()
            },
        }
    );
    assert_eq!(records[1].kind, OutageKind::Scheduled);
    assert_eq!(records[1].starts_at, ts("2026-01-01T10:00:00Z"));
    assert_eq!(records[1].ends_at, Some(ts("2026-01-01T12:00:00Z")));
    assert_eq!(records[2].kind, OutageKind::Unscheduled);
    assert_eq!(records[2].scope.services, vec!["EOS".to_string()], "fe and se deduplicated");
}

#[test]
fn columns_in_any_order_and_without_end_or_time() {
    let body = r#"{"results":[{"series":[{"name":"outages","columns":["type","ssbNumber","begin"],
        "values":[["Incident","OTG9",1000]]}]}]}"#;
    let rows = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(rows[0].ssb_number, "OTG9");
    assert_eq!(rows[0].begin, Timestamp::from_millisecond(1000).unwrap());
    assert_eq!(rows[0].end, None);
    let outage = rows[0].to_outage();
    assert!(outage.scope.is_empty());
    assert_eq!(outage.title, "");
}

#[test]
fn empty_answers_have_no_rows() {
    for body in [r#"{"results":[{"statement_id":0}]}"#, r#"{"results":[]}"#] {
        assert_eq!(parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap(), vec![]);
    }
}

#[test]
fn latest_update_of_an_outage_wins() {
    let body = answer(
        r#"["2026-01-01T12:00:00Z",1000,null,3000,null,null,"second","OTG1","Planned Intervention"],
           ["2026-01-01T10:00:00Z",1000,null,2000,null,null,"first","OTG1","Planned Intervention"],
           ["2026-01-01T10:00:00Z",5000,null,null,null,null,"other","OTG2","Incident"]"#,
    );
    let rows = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap();
    let records = ssb_outages_to_records(&rows);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].title, "second");
    assert_eq!(records[1].id, "ssb:OTG2");
}

#[test]
fn influx_errors_are_reported() {
    let top = r#"{"error":"error parsing query: found EOF"}"#;
    assert_eq!(
        parse_influx_outages(top.as_bytes(), &ParseLimits::default()),
        Err(SsbError::Influx("error parsing query: found EOF".into()))
    );
    let per_result = r#"{"results":[{"statement_id":0,"error":"database not found: x"}]}"#;
    let err = parse_influx_outages(per_result.as_bytes(), &ParseLimits::default()).unwrap_err();
    assert_eq!(err.to_string(), "InfluxDB error: database not found: x");
}

#[test]
fn missing_columns_are_named() {
    let body = r#"{"results":[{"series":[{"name":"outages","columns":["time","type"],"values":[]}]}]}"#;
    let err = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap_err();
    assert_eq!(
        err,
        SsbError::MissingColumns { series: "outages".into(), missing: vec!["begin".into(), "ssbNumber".into()] }
    );
    assert!(err.to_string().contains("\"begin\", \"ssbNumber\""), "{err}");
}

#[test]
fn bad_begin_names_the_row() {
    let body = answer(
        r#"["t",1000,null,null,null,null,"ok","OTG1","x"],
           ["t","yesterday",null,null,null,null,"bad","OTG2","x"]"#,
    );
    let err = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap_err();
    assert!(
        matches!(&err, SsbError::BadValue { row: 2, column, ssb_number, .. } if column == "begin" && ssb_number == "OTG2"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("SSB row 2 (ssbNumber \"OTG2\"): bad begin"), "{err}");
    for begin in ["null", "true", "[1]", "1e300", "-1e30", "9223372036854775807", "\"\""] {
        let body = answer(&format!(r#"["t",{begin},null,null,null,null,"x","OTG3","x"]"#));
        let err = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap_err();
        assert!(matches!(err, SsbError::BadValue { row: 1, .. }), "{begin}: {err:?}");
    }
}

#[test]
fn bad_end_and_missing_number_are_errors() {
    let body = answer(r#"["t",1000,null,"soon",null,null,"x","OTG1","x"]"#);
    assert!(matches!(
        parse_influx_outages(body.as_bytes(), &ParseLimits::default()),
        Err(SsbError::BadValue { column, .. }) if column == "end"
    ));
    let body = answer(r#"["t",1000,null,null,null,null,"x",null,"x"]"#);
    assert!(matches!(
        parse_influx_outages(body.as_bytes(), &ParseLimits::default()),
        Err(SsbError::BadValue { column, .. }) if column == "ssbNumber"
    ));
}

#[test]
fn malformed_and_truncated_answers_are_errors() {
    let good = answer(r#"["t",1000,null,null,null,null,"x","OTG1","x"]"#);
    for cut in [0, 1, 10, good.len() / 2, good.len() - 1] {
        let err = parse_influx_outages(&good.as_bytes()[..cut], &ParseLimits::default()).unwrap_err();
        assert!(matches!(err, SsbError::NotJson(_)), "cut at {cut}: {err:?}");
    }
    for body in [
        "[]",
        "42",
        r#"{"results":{}}"#,
        r#"{"results":[{"series":{}}]}"#,
        r#"{"results":[{"series":[{"name":"outages"}]}]}"#,
        r#"{"results":[{"series":[{"name":"outages","columns":["begin","ssbNumber"],"values":{}}]}]}"#,
        r#"{"results":[{"series":[{"name":"outages","columns":["begin","ssbNumber"],"values":[1]}]}]}"#,
    ] {
        let err = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap_err();
        assert!(matches!(err, SsbError::Shape(_)), "{body}: {err:?}");
    }
    assert!(matches!(parse_influx_outages(b"\xff\xfe not json", &ParseLimits::default()), Err(SsbError::NotJson(_))));
}

#[test]
fn short_rows_and_odd_cells_do_not_panic() {
    let body = r#"{"results":[{"series":[{"name":"outages","columns":["begin","ssbNumber",7,null,"end"],
        "values":[[1000,"OTG1"],[1000,42,{"a":1},[],null]]}]}]}"#;
    let rows = parse_influx_outages(body.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].ssb_number, "42");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let limits = ParseLimits { max_bytes: 10, max_rows: 10 };
    assert_eq!(parse_influx_outages(b"{\"results\":[]}", &limits), Err(SsbError::TooLarge { len: 14, max: 10 }));
}

#[test]
fn too_many_rows_is_an_error() {
    let row = r#"["t",1000,null,null,null,null,"x","OTG1","x"]"#;
    let body = answer(&[row; 4].join(","));
    let limits = ParseLimits { max_rows: 3, ..ParseLimits::default() };
    assert_eq!(parse_influx_outages(body.as_bytes(), &limits), Err(SsbError::TooManyRows { max: 3 }));
    let limits = ParseLimits { max_rows: 4, ..ParseLimits::default() };
    assert_eq!(parse_influx_outages(body.as_bytes(), &limits).unwrap().len(), 4);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(parse_influx_outages(body.as_bytes(), &ParseLimits::default()), Err(SsbError::NotJson(_))));
    let long = format!(r#"{{"error":"{}"}}"#, "x".repeat(100_000));
    assert!(matches!(parse_influx_outages(long.as_bytes(), &ParseLimits::default()), Err(SsbError::Influx(_))));
}
