//! Fetching CERN Service Status Board outages: from MONIT's InfluxDB (directly, or through a
//! Grafana datasource proxy) and from ServiceNow's REST table API.
//!
//! One request per call, no loop and no state: a poller calls [`fetch_ssb`] or
//! [`fetch_servicenow`] on its own schedule with its own `reqwest::Client`, whose timeout
//! bounds each request. Bodies are read up to the endpoint's byte cap and parsed by
//! `triage_core::outage::ssb`. Every failure is one line naming the server (its URL without
//! credentials or query, see [`server_name`]) and the cause: unreachable, timed out, HTTP
//! status with the server's error text, or an unreadable body. Passwords and tokens appear
//! neither in errors (even when a server echoes them back) nor in `Debug` output.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use triage_core::outage::record::Outage;
use triage_core::outage::ssb::{
    ParseLimits, SsbWindow, parse_influx_outages, parse_servicenow_outages, servicenow_query, ssb_outages_to_records,
    window_query,
};

use crate::net::cause::{cause_of, one_line};

/// How to reach the InfluxDB that holds the SSB.
#[derive(Clone, PartialEq, Eq)]
pub enum InfluxAccess {
    /// InfluxDB's own HTTP API: `<base_url>/query`.
    Direct {
        /// e.g. `http://127.0.0.1:8086`.
        base_url: String,
        /// User name and password, when InfluxDB has authentication on.
        basic_auth: Option<(String, String)>,
    },
    /// A Grafana datasource proxy: `<base_url>/api/datasources/proxy/<id>/query`.
    GrafanaProxy {
        /// Grafana's URL, e.g. `https://monit-grafana.cern.ch`.
        base_url: String,
        /// The InfluxDB datasource's numeric id (9474 for MONIT's SSB).
        datasource_id: u64,
        /// A Grafana API token, sent as `Authorization: Bearer`.
        bearer_token: String,
    },
}

impl fmt::Debug for InfluxAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InfluxAccess::Direct { base_url, basic_auth } => f
                .debug_struct("Direct")
                .field("base_url", &server_name(base_url))
                .field("basic_auth", &basic_auth.as_ref().map(|(user, _)| (user, "<redacted>")))
                .finish(),
            InfluxAccess::GrafanaProxy { base_url, datasource_id, .. } => f
                .debug_struct("GrafanaProxy")
                .field("base_url", &server_name(base_url))
                .field("datasource_id", datasource_id)
                .field("bearer_token", &"<redacted>")
                .finish(),
        }
    }
}

/// Where and what to fetch from the SSB's InfluxDB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsbEndpoint {
    /// How to reach it.
    pub access: InfluxAccess,
    /// The database, e.g. `monit_production_ssb_otgs`.
    pub database: String,
    /// The measurement, normally `outages`.
    pub measurement: String,
    /// Keep outages that ended up to this long ago.
    pub lookback: SignedDuration,
    /// Keep outages that begin up to this far ahead.
    pub lookahead: SignedDuration,
    /// Query points stamped up to this long ago (how old an open-ended outage may be).
    pub history: SignedDuration,
    /// Body size and row caps.
    pub limits: ParseLimits,
}

impl SsbEndpoint {
    /// The window around `now` this endpoint fetches.
    pub fn window(&self, now: Timestamp) -> SsbWindow {
        SsbWindow { now, lookback: self.lookback, lookahead: self.lookahead, history: self.history }
    }

    /// The `/query` URL without its parameters.
    pub fn query_url(&self) -> String {
        match &self.access {
            InfluxAccess::Direct { base_url, .. } => format!("{}/query", base_url.trim_end_matches('/')),
            InfluxAccess::GrafanaProxy { base_url, datasource_id, .. } => {
                format!("{}/api/datasources/proxy/{datasource_id}/query", base_url.trim_end_matches('/'))
            }
        }
    }
}

/// The SSB outages overlapping the endpoint's window around `now`, one per `ssbNumber`.
pub async fn fetch_ssb(
    client: &reqwest::Client,
    endpoint: &SsbEndpoint,
    now: Timestamp,
) -> Result<Vec<Outage>, String> {
    let window = endpoint.window(now);
    let query = window_query(&endpoint.measurement, &window, endpoint.limits.max_rows);
    let base = endpoint.query_url();
    let params: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("db", &endpoint.database)
        .append_pair("q", &query)
        .append_pair("epoch", "ms")
        .finish();
    let mut request = client.get(format!("{base}?{params}"));
    request = match &endpoint.access {
        InfluxAccess::Direct { basic_auth: Some((user, password)), .. } => request.basic_auth(user, Some(password)),
        InfluxAccess::Direct { basic_auth: None, .. } => request,
        InfluxAccess::GrafanaProxy { bearer_token, .. } => request.bearer_auth(bearer_token),
    };
    let server = server_name(&base);
    let secrets: Vec<&str> = match &endpoint.access {
        InfluxAccess::Direct { basic_auth, .. } => basic_auth.iter().map(|(_, password)| password.as_str()).collect(),
        InfluxAccess::GrafanaProxy { bearer_token, .. } => vec![bearer_token.as_str()],
    };
    let body = send_capped(request, &server, "SSB InfluxDB", endpoint.limits.max_bytes, &secrets).await?;
    let rows = parse_influx_outages(&body, &endpoint.limits)
        .map_err(|e| one_line(&format!("SSB InfluxDB at {server}: {e}")))?;
    let mut outages = ssb_outages_to_records(&rows);
    outages.retain(|o| window.overlaps(o));
    Ok(outages)
}

/// How to authenticate to ServiceNow.
#[derive(Clone, PartialEq, Eq)]
pub enum ServiceNowAuth {
    /// No credentials.
    None,
    /// User name and password.
    Basic(String, String),
    /// An OAuth access token.
    Bearer(String),
}

impl fmt::Debug for ServiceNowAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceNowAuth::None => f.write_str("None"),
            ServiceNowAuth::Basic(user, _) => write!(f, "Basic({user:?}, <redacted>)"),
            ServiceNowAuth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Where and what to fetch from ServiceNow's table API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceNowEndpoint {
    /// The instance URL, e.g. `https://cern.service-now.com`.
    pub base_url: String,
    /// The outage table, e.g. `cmdb_ci_outage`.
    pub table: String,
    /// Credentials.
    pub auth: ServiceNowAuth,
    /// Keep outages that ended up to this long ago.
    pub lookback: SignedDuration,
    /// Keep outages that begin up to this far ahead.
    pub lookahead: SignedDuration,
    /// Body size and record caps.
    pub limits: ParseLimits,
}

/// The ServiceNow outages overlapping the endpoint's window around `now`.
pub async fn fetch_servicenow(
    client: &reqwest::Client,
    endpoint: &ServiceNowEndpoint,
    now: Timestamp,
) -> Result<Vec<Outage>, String> {
    let window =
        SsbWindow { now, lookback: endpoint.lookback, lookahead: endpoint.lookahead, history: SignedDuration::ZERO };
    let table: String = form_urlencoded::byte_serialize(endpoint.table.as_bytes()).collect();
    let base = format!("{}/api/now/table/{table}", endpoint.base_url.trim_end_matches('/'));
    let params: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("sysparm_query", &servicenow_query(&window))
        .append_pair("sysparm_display_value", "false")
        .append_pair("sysparm_exclude_reference_link", "true")
        .append_pair("sysparm_limit", &endpoint.limits.max_rows.saturating_add(1).to_string())
        .finish();
    let mut request = client.get(format!("{base}?{params}")).header("Accept", "application/json");
    request = match &endpoint.auth {
        ServiceNowAuth::None => request,
        ServiceNowAuth::Basic(user, password) => request.basic_auth(user, Some(password)),
        ServiceNowAuth::Bearer(token) => request.bearer_auth(token),
    };
    let server = server_name(&base);
    let secrets: Vec<&str> = match &endpoint.auth {
        ServiceNowAuth::None => Vec::new(),
        ServiceNowAuth::Basic(_, password) => vec![password.as_str()],
        ServiceNowAuth::Bearer(token) => vec![token.as_str()],
    };
    let body = send_capped(request, &server, "ServiceNow", endpoint.limits.max_bytes, &secrets).await?;
    let mut outages = parse_servicenow_outages(&body, &endpoint.limits)
        .map_err(|e| one_line(&format!("ServiceNow at {server}: {e}")))?;
    outages.retain(|o| window.overlaps(o));
    Ok(outages)
}

/// `url` without user name, password, query or fragment: how errors name a server.
pub fn server_name(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => {
            let without_query = url.split(['?', '#']).next().unwrap_or_default();
            match without_query.split_once("://") {
                Some((scheme, rest)) => {
                    let host_and_path = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
                    format!("{scheme}://{host_and_path}")
                }
                None => without_query.to_owned(),
            }
        }
    }
}

/// Sends `request` and reads at most `max_bytes` of a 2xx body. `what` and `server` name the
/// server in errors; `secrets` are blanked out of any error text the server sends back.
async fn send_capped(
    request: reqwest::RequestBuilder,
    server: &str,
    what: &str,
    max_bytes: usize,
    secrets: &[&str],
) -> Result<Vec<u8>, String> {
    let mut response = request.send().await.map_err(|e| describe(what, server, &e))?;
    let status = response.status();
    let crate::net::body::Capped { body, over, error } = crate::net::body::read_capped(&mut response, max_bytes).await;
    if let Some(e) = error
        && status.is_success()
    {
        return Err(format!("{what} at {server}: reading the answer failed: {}", cause_of(&e)));
    }
    if !status.is_success() {
        return Err(format!("{what} at {server} answered HTTP {status}{}", error_text(&body, secrets)));
    }
    if over {
        return Err(format!("{what} at {server}: answer is larger than the limit of {max_bytes} bytes"));
    }
    Ok(body)
}

/// `: <text>` from an error body: InfluxDB's `{"error":".."}`, ServiceNow's
/// `{"error":{"message":".."}}`, Grafana's `{"message":".."}`, or the start of the raw text;
/// on one line, at most 300 characters, with `secrets` blanked out.
fn error_text(body: &[u8], secrets: &[&str]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| {
        let error = v.get("error").or_else(|| v.get("message"))?.clone();
        Some(match error {
            serde_json::Value::String(s) => s,
            other => other.get("message").and_then(|m| m.as_str()).map(str::to_owned).unwrap_or(other.to_string()),
        })
    });
    let mut text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "<redacted>");
    }
    if text.is_empty() {
        return String::new();
    }
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    format!(": {text}")
}

/// One line for a transport error: timeout, refused connection, or the innermost cause. The
/// request URL (which carries the query) is left out; `server` names the server.
fn describe(what: &str, server: &str, error: &reqwest::Error) -> String {
    let cause = cause_of(error);
    if error.is_timeout() {
        format!("{what} at {server}: request timed out ({cause})")
    } else if error.is_connect() {
        format!("{what} at {server}: cannot connect: {cause}")
    } else {
        format!("{what} at {server}: request failed: {cause}")
    }
}
