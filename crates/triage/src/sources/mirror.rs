//! Mirrors triage's silences to the upstream Alertmanagers of `alertmanager_configs` with
//! `silences: true` (middleware mode).
//!
//! The upstream is the record of what is mirrored: each mirror's comment ends with
//! `[triage <local id>]`. A pass lists the upstream's silences, creates the mirrors that are
//! missing, updates those whose triage silence changed since the last pass and expires the
//! mirrors of silences that ended or are gone in triage. Passes run when a silence changes,
//! at start and every minute, so an unreachable upstream catches up, and a restart creates
//! no duplicates.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use triage_core::silence::{GettableSilence, Silence, SilenceState};

use crate::engine::{MirrorTrigger, Shared};
use crate::notify::compose::UpstreamChannel;
use crate::notify::upstream::{UpstreamSilence, UpstreamTarget};
use crate::notify::webhook::without_url;
use crate::notify::{DeliveryError, Notifiers};

/// How often a pass runs without a change.
const EVERY: Duration = Duration::from_secs(60);
/// The most bytes read of an upstream's silence list.
const MAX_LIST_BYTES: usize = 32 << 20;

/// What a pass did to one upstream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Mirrors created or updated.
    pub written: usize,
    /// Mirrors expired.
    pub expired: usize,
}

/// Starts the mirroring task; `trigger` wakes it.
pub fn spawn(shared: Arc<Shared>, notifiers: Arc<Notifiers>, trigger: MirrorTrigger) {
    let wake = trigger;
    tokio::spawn(async move {
        // Local silence id → the `updated_at` last written, per upstream.
        let mut written: HashMap<(String, String), Timestamp> = HashMap::new();
        loop {
            let targets = upstreams(&notifiers);
            for (key, target, own_client) in &targets {
                let silences: Vec<Silence> = shared.engine.read().silences.iter().cloned().collect();
                let now = shared.clock.now();
                let client = own_client.as_ref().unwrap_or(notifiers.client());
                match pass(client, target, key, &silences, &mut written, now).await {
                    Ok(r) if r != PassReport::default() => {
                        tracing::info!(upstream = %key, written = r.written, expired = r.expired, "mirrored silences")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(upstream = %key, error = %e, "mirroring silences failed; retrying later"),
                }
            }
            tokio::select! {
                _ = wake.poked() => {}
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    });
}

/// The upstreams that mirror silences, keyed `receiver/index`, with their own HTTP client
/// when their `http_config` has one.
fn upstreams(notifiers: &Notifiers) -> Vec<(String, UpstreamTarget, Option<reqwest::Client>)> {
    let mut out = Vec::new();
    for (receiver, list) in notifiers.targets().iter() {
        for (i, t) in list.iter().enumerate() {
            if let Some(ch) = t.as_any().downcast_ref::<UpstreamChannel>()
                && ch.silences
            {
                out.push((format!("{receiver}/{i}"), ch.target.clone(), ch.client.clone()));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The local id in a mirror's comment.
fn local_id_of(comment: &str) -> Option<&str> {
    let start = comment.rfind("[triage ")?;
    let rest = &comment[start + "[triage ".len()..];
    let id = rest.strip_suffix(']')?;
    (!id.is_empty() && !id.contains(char::is_whitespace)).then_some(id)
}

/// The upstream's mirrors that still mute or will: local id → upstream ids (more than one
/// when a retried create made a duplicate).
async fn mirrors(client: &reqwest::Client, target: &UpstreamTarget) -> Result<HashMap<String, Vec<String>>, String> {
    let base = target.url.resolve().map_err(|e| e.to_string())?;
    let url = format!("{}/api/v2/silences", base.trim_end_matches('/'));
    let request = target.authorized(client.get(&url)).map_err(|e| e.to_string())?;
    let resp = request.send().await.map_err(|e| format!("listing silences: {}", without_url(&e)))?;
    if !resp.status().is_success() {
        return Err(format!("listing silences: status {}", resp.status().as_u16()));
    }
    if resp.content_length().is_some_and(|n| n as usize > MAX_LIST_BYTES) {
        return Err("listing silences: the answer is too large".into());
    }
    let body = resp.bytes().await.map_err(|e| format!("listing silences: {}", without_url(&e)))?;
    if body.len() > MAX_LIST_BYTES {
        return Err("listing silences: the answer is too large".into());
    }
    let list: Vec<GettableSilence> =
        serde_json::from_slice(&body).map_err(|e| format!("listing silences: unreadable answer: {e}"))?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for s in list.into_iter().filter(|s| s.status.state != SilenceState::Expired) {
        if let Some(local) = local_id_of(&s.comment) {
            out.entry(local.to_string()).or_default().push(s.id);
        }
    }
    Ok(out)
}

/// One pass against one upstream.
pub async fn pass(
    client: &reqwest::Client,
    target: &UpstreamTarget,
    key: &str,
    silences: &[Silence],
    written: &mut HashMap<(String, String), Timestamp>,
    now: Timestamp,
) -> Result<PassReport, String> {
    let upstream = mirrors(client, target).await?;
    let mut report = PassReport::default();
    let live: HashMap<&str, &Silence> =
        silences.iter().filter(|s| s.state(now) != SilenceState::Expired).map(|s| (s.id.as_str(), s)).collect();
    for (local, s) in &live {
        let slot = (key.to_string(), local.to_string());
        let ids = upstream.get(*local).map(Vec::as_slice).unwrap_or_default();
        for duplicate in ids.iter().skip(1) {
            target.expire_silence(client, duplicate).await.map_err(|e| e.to_string())?;
            report.expired += 1;
        }
        if !ids.is_empty() && written.get(&slot) == Some(&s.updated_at) {
            continue;
        }
        let mut body = UpstreamSilence::from_silence(s);
        body.id = ids.first().cloned();
        target.create_silence(client, &body).await.map_err(|e: DeliveryError| e.to_string())?;
        written.insert(slot, s.updated_at);
        report.written += 1;
    }
    for (local, ids) in &upstream {
        if !live.contains_key(local.as_str()) {
            for id in ids {
                target.expire_silence(client, id).await.map_err(|e| e.to_string())?;
                report.expired += 1;
            }
            written.remove(&(key.to_string(), local.clone()));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_ids_are_read_from_the_marker() {
        assert_eq!(local_id_of("maintenance [triage 1b2c-3d]"), Some("1b2c-3d"));
        assert_eq!(local_id_of("[triage x]"), Some("x"));
        assert_eq!(local_id_of("no marker"), None);
        assert_eq!(local_id_of("[triage ]"), None);
        assert_eq!(local_id_of("[triage a b]"), None);
        assert_eq!(local_id_of("[triage a] trailing"), None);
    }
}
