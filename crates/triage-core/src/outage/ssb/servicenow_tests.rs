//! Tests of the ServiceNow table API reader and query.

use jiff::SignedDuration;

use super::*;
use crate::outage::record::OutageKind;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn reads_outage_records() {
    let body = r#"{"result":[
        {"number":"OTG0001","sys_id":"0123456789abcdef0123456789abcdef","short_description":"DB patching",
         "begin":"2026-01-10 08:00:00","end":"2026-01-10 10:00:00","type":"planned",
         "cmdb_ci":{"display_value":"Oracle Service","link":"https://x/api/now/table/cmdb_ci/1","value":"1"}},
        {"number":"OUT42","short_description":"Storage degraded","begin":"2026-01-10T09:00:00Z","end":"",
         "type":"degradation","cmdb_ci":""},
        {"sys_id":"abc","begin":1767261600000,"type":"Planned Intervention","cmdb_ci":"EOS"}
    ]}"#;
    let outages = parse_servicenow_outages(body.as_bytes(), &ParseLimits::default()).unwrap();
    assert_eq!(
        outages[0],
        Outage {
            id: "servicenow:OTG0001".into(),
            source: "servicenow".into(),
            kind: OutageKind::Scheduled,
            title: "DB patching".into(),
            url: Some("https://cern.service-now.com/service-portal?id=outage&n=OTG0001".into()),
            starts_at: ts("2026-01-10T08:00:00Z"),
            ends_at: Some(ts("2026-01-10T10:00:00Z")),
            scope: OutageScope { services: vec!["Oracle Service".into()], ..OutageScope::default() },
        }
    );
    assert_eq!(outages[1].kind, OutageKind::Unscheduled);
    assert_eq!(outages[1].ends_at, None);
    assert!(outages[1].scope.is_empty());
    assert_eq!(outages[1].url, None);
    assert_eq!(outages[2].id, "servicenow:abc");
    assert_eq!(outages[2].starts_at, ts("2026-01-01T10:00:00Z"));
    assert_eq!(outages[2].scope.services, vec!["EOS".to_string()]);
}

#[test]
fn errors_are_clear() {
    let limits = ParseLimits::default();
    let failure = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
    assert_eq!(
        parse_servicenow_outages(failure.as_bytes(), &limits).unwrap_err().to_string(),
        "ServiceNow error: User Not Authenticated: Required to provide Auth information"
    );
    let bad_begin = r#"{"result":[{"number":"OTG1","begin":"next tuesday"}]}"#;
    let err = parse_servicenow_outages(bad_begin.as_bytes(), &limits).unwrap_err();
    assert!(err.to_string().starts_with("ServiceNow record 1 (\"OTG1\"): bad begin"), "{err}");
    let no_begin = r#"{"result":[{"number":"OTG1"}]}"#;
    assert!(matches!(parse_servicenow_outages(no_begin.as_bytes(), &limits), Err(ServiceNowError::BadValue { .. })));
    let no_id = r#"{"result":[{"begin":"2026-01-01 00:00:00"}]}"#;
    assert!(matches!(parse_servicenow_outages(no_id.as_bytes(), &limits), Err(ServiceNowError::BadValue { .. })));
    for body in ["[]", "{}", r#"{"result":{}}"#, r#"{"result":[1]}"#] {
        assert!(matches!(parse_servicenow_outages(body.as_bytes(), &limits), Err(ServiceNowError::Shape(_))), "{body}");
    }
    for body in ["", "{\"result\":[", "\u{0}"] {
        assert!(
            matches!(parse_servicenow_outages(body.as_bytes(), &limits), Err(ServiceNowError::NotJson(_))),
            "{body}"
        );
    }
}

#[test]
fn limits_hold() {
    let body =
        r#"{"result":[{"number":"1","begin":"2026-01-01 00:00:00"},{"number":"2","begin":"2026-01-01 00:00:00"}]}"#;
    assert_eq!(
        parse_servicenow_outages(body.as_bytes(), &ParseLimits { max_bytes: 10, max_rows: 10 }),
        Err(ServiceNowError::TooLarge { len: body.len(), max: 10 })
    );
    assert_eq!(
        parse_servicenow_outages(body.as_bytes(), &ParseLimits { max_rows: 1, ..ParseLimits::default() }),
        Err(ServiceNowError::TooManyRows { max: 1 })
    );
}

#[test]
fn hostile_values_do_not_panic() {
    for begin in ["1e300", "-9223372036854775808", "\"9999-99-99 99:99:99\"", "[]", "{}", "true"] {
        let body = format!(r#"{{"result":[{{"number":"x","begin":{begin}}}]}}"#);
        assert!(parse_servicenow_outages(body.as_bytes(), &ParseLimits::default()).is_err(), "{begin}");
    }
}

#[test]
fn query_selects_overlapping_outages() {
    let window = SsbWindow {
        now: ts("2026-01-10T12:00:00Z"),
        lookback: SignedDuration::from_hours(1),
        lookahead: SignedDuration::from_hours(2),
        history: SignedDuration::from_hours(1000),
    };
    assert_eq!(
        servicenow_query(&window),
        "begin<=2026-01-10 14:00:00^endISEMPTY^ORend>=2026-01-10 11:00:00^ORDERBYbegin"
    );
}
