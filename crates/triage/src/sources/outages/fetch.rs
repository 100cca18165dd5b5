//! One poll of one source: fetch its document with the source's credentials, parse it, and
//! turn it into outages (and, for GGUS, the tickets themselves).
//!
//! Credentials are read from their files at every poll, so a renewed grid proxy or token is
//! picked up without a restart. GGUS and GOCDB documents are fetched by `ggus_fetch` (client
//! certificate, grid proxy or token), SSB and ServiceNow by `ssb_source`. Errors name the
//! source's server (never a credential) and say whether fetching or parsing failed.

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use triage_core::config::outages::{OutageSourceConfig, OutageSourceType, SourceAuth};
use triage_core::outage::convert::{ggus_outage, gocdb_outages};
use triage_core::outage::ggus::{GgusFormat, GgusLimits, GgusTicket, filter_vo};
use triage_core::outage::gocdb::parse_gocdb_downtimes;
use triage_core::outage::record::Outage;
use triage_core::outage::ssb::ParseLimits;

use crate::sources::outages::ggus::{
    GgusAuth, GgusEndpoint, GgusFetchError, SourceKind, build_client, fetch_document, fetch_ggus,
};
use crate::sources::outages::ssb::{
    InfluxAccess, ServiceNowAuth, ServiceNowEndpoint, SsbEndpoint, fetch_servicenow, fetch_ssb, server_name,
};

/// The default cap on a source's answer.
pub const DEFAULT_MAX_BYTES: usize = 16 << 20;

/// What a successful poll produced.
#[derive(Clone, Debug, Default)]
pub struct Fetched {
    /// The source's outages now.
    pub outages: Vec<Outage>,
    /// GGUS: every ticket of the document (after the VO filter), open or not.
    pub tickets: Option<Vec<GgusTicket>>,
}

/// Why a poll failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PollError {
    /// `fetch`, `parse` or `poll` (a source whose client does both).
    pub stage: &'static str,
    /// What went wrong, in one line.
    pub message: String,
}

impl PollError {
    fn fetch(message: String) -> PollError {
        PollError { stage: "fetch", message }
    }
    fn parse(message: String) -> PollError {
        PollError { stage: "parse", message }
    }
}

fn read_secret(path: &str, what: &str) -> Result<String, PollError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| PollError::fetch(format!("cannot read the {what} file {path}: {e}")))
}

/// The credentials a document source presents: a proxy, else a certificate and key, else a
/// token.
fn document_auth(auth: &SourceAuth) -> GgusAuth {
    match (&auth.proxy_file, &auth.cert_file, &auth.key_file, &auth.bearer_token_file) {
        (Some(file), ..) => GgusAuth::Proxy { file: file.into() },
        (None, Some(cert), Some(key), _) => GgusAuth::ClientCertificate { cert: cert.into(), key: key.into() },
        (None, _, _, Some(path)) => GgusAuth::BearerTokenFile { path: path.into() },
        _ => GgusAuth::None,
    }
}

/// An HTTP client with the source's timeout, its client certificate and, when given, its CA
/// file as the only trusted roots.
fn client_for(kind: SourceKind, auth: &SourceAuth, timeout: Duration) -> Result<reqwest::Client, PollError> {
    build_client(kind, &document_auth(auth), auth.ca_file.as_deref().map(std::path::Path::new), timeout)
        .map_err(|e| PollError::fetch(e.to_string()))
}

fn fetch_error(e: GgusFetchError) -> PollError {
    match e {
        GgusFetchError::Parse { .. } => PollError::parse(e.to_string()),
        _ => PollError::fetch(e.to_string()),
    }
}

fn duration(d: Option<triage_core::config::duration::PromDuration>, default: SignedDuration) -> SignedDuration {
    d.map_or(default, |d| d.get())
}

/// Polls `source` once. `previous` is its last good state (GGUS tickets keep the time they
/// were first seen).
pub async fn poll(source: &OutageSourceConfig, previous: &[Outage], now: Timestamp) -> Result<Fetched, PollError> {
    let timeout =
        Duration::try_from(duration(source.timeout, SignedDuration::from_secs(30))).unwrap_or(Duration::from_secs(30));
    let max_bytes = source.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    let client = client_for(source.source_type.into(), &source.auth, timeout)?;
    let lookback = duration(source.lookback, SignedDuration::from_hours(24));
    let lookahead = duration(source.lookahead, SignedDuration::from_hours(24 * 7));
    match source.source_type {
        OutageSourceType::Ggus => {
            let format = match source.format.as_deref() {
                Some("xml") => Some(GgusFormat::Xml),
                Some("csv") => Some(GgusFormat::Csv),
                Some("json") => Some(GgusFormat::Json),
                _ => None,
            };
            let endpoint = GgusEndpoint {
                url: source.url.clone(),
                format,
                limits: GgusLimits { max_bytes, ..GgusLimits::default() },
                auth: document_auth(&source.auth),
                server_ca: source.auth.ca_file.as_ref().map(Into::into),
            };
            let tickets = fetch_ggus(&endpoint, &client).await.map_err(fetch_error)?;
            let tickets = match &source.vo {
                Some(vo) => filter_vo(tickets, vo),
                None => tickets,
            };
            let seen: HashMap<&str, Timestamp> = previous.iter().map(|o| (o.id.as_str(), o.starts_at)).collect();
            let outages = tickets
                .iter()
                .filter_map(|t| {
                    let first = seen.get(format!("ggus:{}", t.ticket_id.trim()).as_str()).copied().unwrap_or(now);
                    ggus_outage(t, first)
                })
                .collect();
            Ok(Fetched { outages, tickets: Some(tickets) })
        }
        OutageSourceType::Gocdb => {
            let body = fetch_document(SourceKind::Gocdb, &source.url, &document_auth(&source.auth), max_bytes, &client)
                .await
                .map_err(fetch_error)?;
            let downtimes = parse_gocdb_downtimes(&body, max_bytes)
                .map_err(|e| PollError::parse(format!("GOCDB answer from {}: {e}", server_name(&source.url))))?;
            let from = now.checked_sub(lookback).unwrap_or(now);
            let to = now.checked_add(lookahead).unwrap_or(now);
            let outages = gocdb_outages(&downtimes)
                .into_iter()
                .filter(|o| o.ends_at.is_none_or(|e| e >= from) && o.starts_at <= to)
                .collect();
            Ok(Fetched { outages, tickets: None })
        }
        OutageSourceType::Ssb => {
            let access = match source.grafana_datasource_id {
                Some(id) => InfluxAccess::GrafanaProxy {
                    base_url: source.url.clone(),
                    datasource_id: id,
                    bearer_token: match &source.auth.bearer_token_file {
                        Some(f) => read_secret(f, "token")?,
                        None => String::new(),
                    },
                },
                None => InfluxAccess::Direct {
                    base_url: source.url.clone(),
                    basic_auth: match (&source.auth.username, &source.auth.password_file) {
                        (Some(u), Some(f)) => Some((u.clone(), read_secret(f, "password")?)),
                        _ => None,
                    },
                },
            };
            let endpoint = SsbEndpoint {
                access,
                database: source.database.clone().unwrap_or_else(|| "monit_production_ssb_otgs".into()),
                measurement: source.measurement.clone().unwrap_or_else(|| "outages".into()),
                lookback,
                lookahead,
                history: SignedDuration::from_hours(24 * 90),
                limits: ParseLimits { max_bytes, ..ParseLimits::default() },
            };
            let outages =
                fetch_ssb(&client, &endpoint, now).await.map_err(|message| PollError { stage: "poll", message })?;
            Ok(Fetched { outages, tickets: None })
        }
        OutageSourceType::Servicenow => {
            let auth = match (&source.auth.bearer_token_file, &source.auth.username, &source.auth.password_file) {
                (Some(f), _, _) => ServiceNowAuth::Bearer(read_secret(f, "token")?),
                (None, Some(u), Some(f)) => ServiceNowAuth::Basic(u.clone(), read_secret(f, "password")?),
                _ => ServiceNowAuth::None,
            };
            let endpoint = ServiceNowEndpoint {
                base_url: source.url.clone(),
                table: "cmdb_ci_outage".into(),
                auth,
                lookback,
                lookahead,
                limits: ParseLimits { max_bytes, ..ParseLimits::default() },
            };
            let outages = fetch_servicenow(&client, &endpoint, now)
                .await
                .map_err(|message| PollError { stage: "poll", message })?;
            Ok(Fetched { outages, tickets: None })
        }
    }
}
