//! The InfluxQL query that fetches the SSB outages relevant to a time window.
//!
//! An outage is relevant when it overlaps `[now - lookback, now + lookahead]`. InfluxQL cannot
//! select "field `end` absent or after X", so the query bounds the point `time` (MONIT stamps
//! an outage point with its `begin`; an update time is never later than now) to
//! `[now - history, now + lookahead]` and [`SsbWindow::overlaps`] does the rest on the rows.
//! `history` bounds how long ago an open-ended outage may have begun and still be seen.
//!
//! Everything interpolated is quoted: identifiers in double quotes, strings in single quotes,
//! with backslashes and the quote character escaped, and control characters removed.

use jiff::{SignedDuration, Timestamp};

use crate::outage::record::Outage;

/// The time window outages are fetched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SsbWindow {
    /// The present.
    pub now: Timestamp,
    /// How far back an outage may have ended and still be wanted.
    pub lookback: SignedDuration,
    /// How far ahead an outage may begin and already be wanted (announced maintenance).
    pub lookahead: SignedDuration,
    /// How far back an outage may have begun (bounds the query on `time`).
    pub history: SignedDuration,
}

impl SsbWindow {
    /// The earliest instant of the window (`now - lookback`), saturating.
    pub fn from(&self) -> Timestamp {
        self.now.checked_sub(magnitude(self.lookback)).unwrap_or(Timestamp::MIN)
    }

    /// The latest instant of the window (`now + lookahead`), saturating.
    pub fn to(&self) -> Timestamp {
        self.now.checked_add(magnitude(self.lookahead)).unwrap_or(Timestamp::MAX)
    }

    /// The earliest point `time` queried (`now - history`), saturating.
    pub fn history_start(&self) -> Timestamp {
        self.now.checked_sub(magnitude(self.history)).unwrap_or(Timestamp::MIN)
    }

    /// Whether `outage` overlaps the window: begins by its end, and is open-ended or ends
    /// after its start.
    pub fn overlaps(&self, outage: &Outage) -> bool {
        outage.starts_at <= self.to() && outage.ends_at.is_none_or(|end| end > self.from())
    }
}

/// The length of `d` whatever its sign (`MIN` saturates to `MAX`).
fn magnitude(d: SignedDuration) -> SignedDuration {
    if d.is_negative() { d.checked_neg().unwrap_or(SignedDuration::MAX) } else { d }
}

/// `name` as an InfluxQL identifier: `"name"`, with `\` and `"` escaped.
pub fn quote_identifier(name: &str) -> String {
    quote(name, '"')
}

/// `value` as an InfluxQL string literal: `'value'`, with `\` and `'` escaped.
pub fn quote_string(value: &str) -> String {
    quote(value, '\'')
}

fn quote(text: &str, mark: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(mark);
    for c in text.chars().filter(|c| !c.is_control()) {
        if c == '\\' || c == mark {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(mark);
    out
}

/// `SELECT * FROM "<measurement>" WHERE time >= '<now-history>' AND time <= '<now+lookahead>'
/// LIMIT <max_rows + 1>`: one row over the cap, so an answer that hits it is recognised as
/// too many rather than silently cut.
pub fn window_query(measurement: &str, window: &SsbWindow, max_rows: usize) -> String {
    format!(
        "SELECT * FROM {} WHERE time >= {} AND time <= {} LIMIT {}",
        quote_identifier(measurement),
        quote_string(&window.history_start().to_string()),
        quote_string(&window.to().to_string()),
        max_rows.saturating_add(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outage::record::{OutageKind, OutageScope};

    fn window() -> SsbWindow {
        SsbWindow {
            now: "2026-01-10T12:00:00Z".parse().unwrap(),
            lookback: SignedDuration::from_hours(1),
            lookahead: SignedDuration::from_hours(24),
            history: SignedDuration::from_hours(24 * 30),
        }
    }

    #[test]
    fn query_bounds_time_and_limits_rows() {
        assert_eq!(
            window_query("outages", &window(), 100),
            "SELECT * FROM \"outages\" WHERE time >= '2025-12-11T12:00:00Z' AND time <= '2026-01-11T12:00:00Z' LIMIT 101"
        );
    }

    #[test]
    fn hostile_names_stay_quoted() {
        assert_eq!(quote_identifier(r#"out"; DROP DATABASE x; --"#), r#""out\"; DROP DATABASE x; --""#);
        assert_eq!(quote_identifier("a\\\"b\nc"), r#""a\\\"bc""#);
        assert_eq!(quote_string("it's"), r"'it\'s'");
        assert_eq!(quote_string("\\'"), r"'\\\''");
        let q = window_query("x\" OR 1=1", &window(), usize::MAX);
        assert!(q.starts_with(r#"SELECT * FROM "x\" OR 1=1" WHERE"#), "{q}");
        assert!(q.ends_with(&format!("LIMIT {}", usize::MAX)), "{q}");
    }

    #[test]
    fn extreme_windows_saturate() {
        let w = SsbWindow {
            now: Timestamp::MAX,
            lookback: SignedDuration::MIN,
            lookahead: SignedDuration::MAX,
            history: SignedDuration::MAX,
        };
        assert_eq!(w.to(), Timestamp::MAX);
        assert_eq!(w.history_start(), Timestamp::MIN);
        let _ = window_query("outages", &w, 1);
    }

    #[test]
    fn overlap_covers_open_ended_and_future_outages() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let outage = |start: &str, end: Option<&str>| Outage {
            id: "ssb:1".into(),
            source: "ssb".into(),
            kind: OutageKind::Scheduled,
            title: String::new(),
            url: None,
            starts_at: t(start),
            ends_at: end.map(t),
            scope: OutageScope::default(),
        };
        let w = window();
        assert!(w.overlaps(&outage("2025-01-01T00:00:00Z", None)));
        assert!(w.overlaps(&outage("2026-01-11T11:00:00Z", Some("2026-01-11T13:00:00Z"))));
        assert!(w.overlaps(&outage("2026-01-10T10:00:00Z", Some("2026-01-10T11:30:00Z"))));
        assert!(!w.overlaps(&outage("2026-01-10T09:00:00Z", Some("2026-01-10T11:00:00Z"))));
        assert!(!w.overlaps(&outage("2026-01-11T12:00:01Z", None)));
    }
}
