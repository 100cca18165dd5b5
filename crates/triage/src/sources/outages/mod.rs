//! Outage sources: one poller per configured source (in `triage serve`, or alone in
//! `triage poll`, which hands its results to a server over HTTP), whose last good state the
//! engine loop keeps in the store, and what is restored from it at start.
//!
//! A poll that fails (source down, slow, an error answer, an unreadable document) changes
//! nothing: the last good outages stay in force, ticket alerts stay firing, the error goes to
//! the log and to `/metrics`. Only a successful parse replaces a source's outages.

pub mod fetch;
pub mod ggus;
pub mod http_sink;
pub mod poller;
pub mod sink;
pub mod source_poller;
pub mod ssb;
pub mod ticket_alerts;

use crate::engine::{OUTAGES_NS, OutageSets, WINDOWS_NS};

/// The outages and windows kept in the store's state table. Unreadable entries are logged
/// and skipped.
pub fn restore(states: &[(String, String, String)]) -> OutageSets {
    let mut sets = OutageSets::default();
    for (ns, key, value) in states {
        match ns.as_str() {
            OUTAGES_NS => match serde_json::from_str(value) {
                Ok(outages) => {
                    sets.sources.insert(key.clone(), outages);
                }
                Err(e) => tracing::error!(source = %key, error = %e, "skipping unreadable stored outages"),
            },
            WINDOWS_NS => match serde_json::from_str(value) {
                Ok(window) => {
                    sets.windows.insert(key.clone(), window);
                }
                Err(e) => tracing::error!(window = %key, error = %e, "skipping unreadable stored maintenance window"),
            },
            _ => {}
        }
    }
    sets
}
