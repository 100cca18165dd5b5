//! The stored form of notification log entries.

use serde::{Deserialize, Serialize};
use triage_core::labels::Fingerprint;
use triage_core::pipeline::NotifyLogEntry;

/// A notification log entry as JSON: fingerprints as hex, time in RFC 3339.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EntryJson {
    /// Firing fingerprints.
    pub firing: Vec<String>,
    /// Resolved fingerprints.
    pub resolved: Vec<String>,
    /// When it was sent.
    pub at: jiff::Timestamp,
}

impl From<&NotifyLogEntry> for EntryJson {
    fn from(e: &NotifyLogEntry) -> Self {
        EntryJson {
            firing: e.firing.iter().map(|f| f.to_string()).collect(),
            resolved: e.resolved.iter().map(|f| f.to_string()).collect(),
            at: e.at,
        }
    }
}

impl EntryJson {
    /// Back to the core type; `None` when a fingerprint is not hex.
    pub fn into_entry(self) -> Option<NotifyLogEntry> {
        let parse = |v: Vec<String>| -> Option<Vec<Fingerprint>> {
            let mut out: Vec<Fingerprint> = v.iter().map(|s| Fingerprint::parse(s)).collect::<Option<_>>()?;
            out.sort_unstable();
            Some(out)
        };
        Some(NotifyLogEntry { firing: parse(self.firing)?, resolved: parse(self.resolved)?, at: self.at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let e = NotifyLogEntry {
            firing: vec![Fingerprint(1), Fingerprint(0xffff_ffff_ffff_ffff)],
            resolved: vec![Fingerprint(7)],
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        let json = serde_json::to_string(&EntryJson::from(&e)).unwrap();
        let back: EntryJson = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_entry().unwrap(), e);
    }
}
