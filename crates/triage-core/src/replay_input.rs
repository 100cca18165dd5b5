//! Reading an alert history for `triage replay`: Alertmanager alert JSON, one alert per line
//! (each with `startsAt`, and `endsAt` for its end) or one JSON array of them (what
//! `GET /api/v2/alerts` answers, or a body posted to it), or a CSV whose time column and label
//! columns the configuration's `replay` section names (each row fires from its time for
//! `fires_for`, renewed by later rows of the same labels). Errors name the file and line.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use crate::config::replay::ReplayConfig;
use crate::{Alert, LabelSet, PostableAlert};

/// One alert event of the history.
pub struct Event {
    /// When it arrives.
    pub at: Timestamp,
    /// The alert.
    pub alert: Alert,
}

fn time_of(value: &str) -> Result<Timestamp, String> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        let ms = (secs * 1000.0).round();
        if ms.is_finite() && ms.abs() < 9.0e15 {
            return Timestamp::from_millisecond(ms as i64).map_err(|e| e.to_string());
        }
    }
    v.parse::<Timestamp>().map_err(|_| format!("{v:?} is neither unix seconds nor an RFC 3339 time"))
}

fn read_json_lines(path: &Path, text: &str) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at_line = |e: String| format!("{}:{}: {e}", path.display(), i + 1);
        let posted: PostableAlert = serde_json::from_str(line).map_err(|e| at_line(e.to_string()))?;
        let start = posted.starts_at.ok_or_else(|| at_line("an alert needs startsAt".into()))?;
        let alert = posted.into_alert(start, SignedDuration::from_mins(5)).map_err(at_line)?;
        events.push(Event { at: start, alert });
    }
    Ok(events)
}

/// A JSON array of alerts; fields other than the postable ones (`status`, `fingerprint`,
/// `receivers`, ... of a listing) are ignored. Errors name the alert's index.
fn read_json_array(path: &Path, text: &str) -> Result<Vec<Event>, String> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("{}: not a JSON array of alerts: {e}", path.display()))?;
    let mut events = Vec::with_capacity(list.len());
    for (i, value) in list.into_iter().enumerate() {
        let at_alert = |e: String| format!("{}: alert {} of the array: {e}", path.display(), i + 1);
        let posted: PostableAlert = serde_json::from_value(value).map_err(|e| at_alert(e.to_string()))?;
        let start = posted.starts_at.ok_or_else(|| at_alert("an alert needs startsAt".into()))?;
        let alert = posted.into_alert(start, SignedDuration::from_mins(5)).map_err(at_alert)?;
        events.push(Event { at: start, alert });
    }
    Ok(events)
}

fn read_csv(path: &Path, bytes: &[u8], cfg: &ReplayConfig) -> Result<Vec<Event>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes);
    let header = reader.headers().map_err(|e| format!("{}:1: {e}", path.display()))?.clone();
    let column = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            format!(
                "{}:1: no column {name:?} (the file has {})",
                path.display(),
                header.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let time = column(&cfg.time_column)?;
    let name = cfg.alertname_column.as_deref().map(column).transpose()?;
    let labels: Vec<(String, usize)> =
        cfg.label_columns.iter().map(|c| column(c).map(|i| (c.clone(), i))).collect::<Result<_, _>>()?;
    let annotations: Vec<(String, usize)> =
        cfg.annotation_columns.iter().map(|c| column(c).map(|i| (c.clone(), i))).collect::<Result<_, _>>()?;
    let fires_for = cfg.fires_for.map_or(SignedDuration::from_mins(5), |d| d.get());
    let mut events = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("{}:{}: {e}", path.display(), e.position().map_or(0, |p| p.line())))?;
        let line = row.position().map_or(0, |p| p.line());
        let at = time_of(row.get(time).unwrap_or_default())
            .map_err(|e| format!("{}:{line}: column {:?}: {e}", path.display(), cfg.time_column))?;
        let mut ls = LabelSet::new();
        ls.insert("alertname".into(), name.and_then(|i| row.get(i)).unwrap_or("replay").into());
        for (c, i) in &labels {
            ls.insert(c.as_str().into(), row.get(*i).unwrap_or_default().into());
        }
        ls.remove_empty();
        let mut ann = LabelSet::new();
        for (c, i) in &annotations {
            ann.insert(c.as_str().into(), row.get(*i).unwrap_or_default().into());
        }
        ann.remove_empty();
        ls.validate().map_err(|e| format!("{}:{line}: {e}", path.display()))?;
        let alert = Alert {
            labels: ls,
            annotations: ann,
            starts_at: at,
            ends_at: Some(at.saturating_add(fires_for).unwrap_or(at)),
            updated_at: at,
            generator_url: String::new(),
            timeout: false,
        };
        events.push(Event { at, alert });
    }
    Ok(events)
}

/// The events of a history file (`path` names it in errors), in time order. A CSV needs
/// `csv`, the configuration's `replay` section.
pub fn read_history(path: &Path, bytes: &[u8], csv: Option<&ReplayConfig>) -> Result<Vec<Event>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))?;
    let start = text.trim_start();
    let mut events = if start.starts_with('{') {
        read_json_lines(path, text)?
    } else if start.starts_with('[') {
        read_json_array(path, text)?
    } else {
        let cfg = csv.ok_or_else(|| {
            format!("{} is a CSV file: the configuration needs a `replay` section naming its columns", path.display())
        })?;
        read_csv(path, bytes, cfg)?
    };
    events.sort_by_key(|e| e.at);
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_cfg() -> ReplayConfig {
        ReplayConfig {
            time_column: "time".into(),
            alertname_column: Some("name".into()),
            label_columns: vec!["host".into()],
            annotation_columns: vec![],
            fires_for: None,
        }
    }

    fn read(bytes: &[u8]) -> Result<Vec<Event>, String> {
        read_history(Path::new("h.csv"), bytes, Some(&csv_cfg()))
    }

    #[test]
    fn a_json_array_as_the_api_lists_alerts_is_read() {
        let listing = br#"[
          {"labels": {"alertname": "B"}, "startsAt": "2026-01-01T10:05:00.000Z", "endsAt": "2026-01-01T10:20:00.000Z",
           "fingerprint": "0000000000000001", "receivers": [{"name": "a"}], "updatedAt": "2026-01-01T10:05:00.000Z",
           "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}},
          {"labels": {"alertname": "A"}, "startsAt": "2026-01-01T10:00:00Z"}
        ]"#;
        let events = read_history(Path::new("alerts.json"), listing, None).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].alert.labels.value("alertname"), "A");
        assert_eq!(events[1].alert.ends_at, Some("2026-01-01T10:20:00Z".parse().unwrap()));
        let Err(err) = read_history(Path::new("alerts.json"), br#"[{"labels": {"a": "b"}}]"#, None) else {
            panic!("an alert without startsAt is refused");
        };
        assert_eq!(err, "alerts.json: alert 1 of the array: an alert needs startsAt");
    }

    #[test]
    fn rows_become_alerts_in_time_order() {
        let events = read(b"time,name,host\n1700000060,B,h2\n2023-11-14T22:13:20Z,A,h1\n").unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].alert.labels.value("alertname"), "A");
        assert_eq!(events[1].alert.ends_at, Some(events[1].at + SignedDuration::from_mins(5)));
    }

    #[test]
    fn malformed_truncated_hostile_and_oversized_input_is_refused_with_file_and_line() {
        let cases: [(&[u8], &str); 6] = [
            (b"time,name,host\n1700000000,A,h1\nyesterday,B,h2\n", "h.csv:3"),
            (b"when,name,host\n1,A,h1\n", "no column \"time\""),
            (b"time,name,host\n1,A\n", "h.csv:2"),
            (b"time,name,host\n1,A,\xff\xfe\n", "not UTF-8"),
            (b"{\"labels\": {\"alertname\": \"A\"}, \"startsAt\": \"2023-11-14T22:13:20Z\"\n", "h.csv:1"),
            (b"{\"labels\": {\"alertname\": \"A\"}}\n", "needs startsAt"),
        ];
        for (input, needle) in cases {
            let err = read(input).map(|e| e.len()).unwrap_err();
            assert!(err.contains(needle), "{needle:?} not in {err:?}");
        }
        // A CSV without a replay section says what is missing.
        let err = read_history(Path::new("h.csv"), b"time,name\n1,A\n", None).map(|e| e.len()).unwrap_err();
        assert!(err.contains("`replay` section"), "{err}");
        // A 1 MB label value is read, not a crash; a huge time is refused.
        let big = format!("time,name,host\n1,A,{}\n", "x".repeat(1 << 20));
        assert_eq!(read(big.as_bytes()).unwrap()[0].alert.labels.value("host").len(), 1 << 20);
        assert!(read(b"time,name,host\n1e300,A,h\n").is_err());
    }
}
