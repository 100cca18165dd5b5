//! One poll of one source: fetch its document with the source's credentials, parse it, and
//! turn it into outages (and, for GGUS, the tickets themselves).
//!
//! Credentials are read from their files at every poll, so a renewed grid proxy or token is
//! picked up without a restart. Errors name the source's URL (never a credential) and say
//! whether fetching or parsing failed.

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use triage_core::config::outages::{OutageSourceConfig, OutageSourceType, SourceAuth};
use triage_core::outage::convert::{ggus_outage, gocdb_outages};
use triage_core::outage::ggus::{GgusFormat, GgusLimits, GgusTicket, filter_vo, parse_ggus_with};
use triage_core::outage::gocdb::parse_gocdb_downtimes;
use triage_core::outage::record::Outage;
use triage_core::outage::ssb::ParseLimits;

use crate::ssb_source::{InfluxAccess, ServiceNowAuth, ServiceNowEndpoint, SsbEndpoint, fetch_servicenow, fetch_ssb};

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

/// An HTTP client with the source's timeout, trusted CAs and client certificate.
pub fn client_for(auth: &SourceAuth, timeout: Duration) -> Result<reqwest::Client, PollError> {
    let mut builder = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout);
    if let Some(ca) = &auth.ca_file {
        let pem = std::fs::read(ca).map_err(|e| PollError::fetch(format!("cannot read the CA file {ca}: {e}")))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| PollError::fetch(format!("the CA file {ca} holds no usable certificate: {e}")))?
        {
            builder = builder.add_root_certificate(cert);
        }
    }
    let identity_pem = match (&auth.proxy_file, &auth.cert_file, &auth.key_file) {
        (Some(proxy), _, _) => Some(
            std::fs::read(proxy).map_err(|e| PollError::fetch(format!("cannot read the proxy file {proxy}: {e}")))?,
        ),
        (None, Some(cert), Some(key)) => {
            let mut pem = std::fs::read(cert)
                .map_err(|e| PollError::fetch(format!("cannot read the certificate {cert}: {e}")))?;
            pem.push(b'\n');
            pem.extend(std::fs::read(key).map_err(|e| PollError::fetch(format!("cannot read the key {key}: {e}")))?);
            Some(pem)
        }
        _ => None,
    };
    if let Some(pem) = identity_pem {
        let identity = reqwest::Identity::from_pem(&pem)
            .map_err(|e| PollError::fetch(format!("the client certificate cannot be used: {e}")))?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| PollError::fetch(format!("cannot build the HTTP client: {e}")))
}

/// GETs `url` with the source's header credentials, reading at most `max_bytes`.
async fn get_document(
    client: &reqwest::Client,
    url: &str,
    auth: &SourceAuth,
    max_bytes: usize,
) -> Result<Vec<u8>, PollError> {
    let mut request = client.get(url);
    if let Some(f) = &auth.bearer_token_file {
        request = request.bearer_auth(read_secret(f, "token")?);
    } else if let (Some(user), Some(f)) = (&auth.username, &auth.password_file) {
        request = request.basic_auth(user, Some(read_secret(f, "password")?));
    }
    let mut response = request.send().await.map_err(|e| PollError::fetch(describe(url, &e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(PollError::fetch(format!("{url} answered HTTP {status}")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| PollError::fetch(describe(url, &e)))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(PollError::fetch(format!("{url} answered more than {max_bytes} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn describe(url: &str, e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "unreachable"
    } else {
        "failed"
    };
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    format!("{url} {what}: {cause}")
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
    let client = client_for(&source.auth, timeout)?;
    let lookback = duration(source.lookback, SignedDuration::from_hours(24));
    let lookahead = duration(source.lookahead, SignedDuration::from_hours(24 * 7));
    match source.source_type {
        OutageSourceType::Ggus => {
            let body = get_document(&client, &source.url, &source.auth, max_bytes).await?;
            let format = match source.format.as_deref() {
                Some("xml") => Some(GgusFormat::Xml),
                Some("csv") => Some(GgusFormat::Csv),
                Some("json") => Some(GgusFormat::Json),
                _ => None,
            };
            let limits = GgusLimits { max_bytes, ..GgusLimits::default() };
            let tickets = parse_ggus_with(&body, format, limits)
                .map_err(|e| PollError::parse(format!("GGUS answer from {}: {e}", source.url)))?;
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
            let body = get_document(&client, &source.url, &source.auth, max_bytes).await?;
            let downtimes = parse_gocdb_downtimes(&body, max_bytes)
                .map_err(|e| PollError::parse(format!("GOCDB answer from {}: {e}", source.url)))?;
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
