//! The connection part of Prometheus' `http_config` (common config), applied by giving an
//! integration its own HTTP client: `tls_config` (`ca`/`ca_file`, `cert`/`cert_file` with
//! `key`/`key_file`, `insecure_skip_verify`, `min_version`, `max_version`), `proxy_url` with
//! `no_proxy` and `proxy_connect_header`, `proxy_from_environment`, `follow_redirects` and
//! `enable_http2` (accepted: triage speaks HTTP/1.1, which every receiver accepts).
//! Credentials (`authorization`, `basic_auth`, `bearer_token`) are [`super::http_auth`]'s.
//!
//! An integration's `http_config` replaces the global one as a whole, as in Alertmanager.
//! Integrations whose settings are the same share one client ([`client_for`] keeps them by
//! settings and by the identity of the files they name, so a renewed certificate gives a new
//! client at the next reload). What triage does not apply is listed by [`not_applied`] and is
//! a configuration error: never accepted and ignored.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use triage_core::config::Raw;
use yaml_serde::Value;

/// The keys of `http_config` that only carry credentials (applied per request).
const AUTH_KEYS: [&str; 5] = ["authorization", "basic_auth", "bearer_token", "bearer_token_file", "oauth2"];
/// The keys applied by a client of its own.
const CLIENT_KEYS: [&str; 7] = [
    "tls_config",
    "proxy_url",
    "no_proxy",
    "proxy_from_environment",
    "proxy_connect_header",
    "follow_redirects",
    "enable_http2",
];
/// The keys of `tls_config` applied.
const TLS_KEYS: [&str; 9] =
    ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "insecure_skip_verify", "min_version", "max_version"];

/// The `http_config` in effect: the integration's, else the global one.
pub fn effective<'a>(own: Option<&'a Raw>, global: Option<&'a Raw>) -> Option<&'a Raw> {
    own.or(global)
}

/// The keys of an `http_config` triage does not apply (`oauth2`, `tls_config.server_name`,
/// ...), each with the path to it.
pub fn not_applied(raw: &Raw) -> Vec<String> {
    let Value::Mapping(m) = raw.value() else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in m {
        let Some(k) = k.as_str() else { continue };
        if k == "oauth2" {
            if let Value::Mapping(o) = v {
                for ok in o.keys().filter_map(Value::as_str) {
                    if !super::oauth2::KEYS.contains(&ok) {
                        out.push(format!("oauth2.{ok}"));
                    }
                }
            }
        } else if k == "tls_config" {
            if let Value::Mapping(t) = v {
                for tk in t.keys().filter_map(Value::as_str) {
                    if !TLS_KEYS.contains(&tk) {
                        out.push(format!("tls_config.{tk}"));
                    }
                }
            }
        } else if !AUTH_KEYS.contains(&k) && !CLIENT_KEYS.contains(&k) {
            out.push(k.to_string());
        }
    }
    out
}

fn get<'a>(m: &'a Value, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

fn text(m: &Value, key: &str) -> Option<String> {
    match get(m, key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn flag(m: &Value, key: &str) -> Option<bool> {
    get(m, key).and_then(Value::as_bool)
}

/// Inline PEM text, else the contents of its file.
fn pem(m: &Value, key: &str) -> Result<Option<Vec<u8>>, String> {
    if let Some(inline) = text(m, key) {
        return Ok(Some(inline.into_bytes()));
    }
    match text(m, &format!("{key}_file")) {
        Some(path) => {
            std::fs::read(&path).map(Some).map_err(|e| format!("tls_config.{key}_file: cannot read {path}: {e}"))
        }
        None => Ok(None),
    }
}

fn tls_version(v: &str, key: &str) -> Result<reqwest::tls::Version, String> {
    match v {
        "TLS10" => Ok(reqwest::tls::Version::TLS_1_0),
        "TLS11" => Ok(reqwest::tls::Version::TLS_1_1),
        "TLS12" => Ok(reqwest::tls::Version::TLS_1_2),
        "TLS13" => Ok(reqwest::tls::Version::TLS_1_3),
        other => Err(format!("tls_config.{key}: unknown TLS version {other:?} (TLS10, TLS11, TLS12 or TLS13)")),
    }
}

/// Whether the settings need a client of their own.
fn needs_client(raw: &Raw) -> bool {
    match raw.value() {
        Value::Mapping(m) => m.keys().filter_map(Value::as_str).any(|k| CLIENT_KEYS.contains(&k)),
        _ => false,
    }
}

/// Builds the client for `raw` (its requests bounded by `timeout`).
pub fn build_client(raw: &Raw, timeout: Duration) -> Result<reqwest::Client, String> {
    let m = raw.value();
    let mut b = super::client::builder(timeout);
    if let Some(tls) = get(m, "tls_config") {
        if let Some(ca) = pem(tls, "ca")? {
            let certs = reqwest::Certificate::from_pem_bundle(&ca).map_err(|e| format!("tls_config.ca: {e}"))?;
            b = b.tls_certs_only(certs);
        }
        match (pem(tls, "cert")?, pem(tls, "key")?) {
            (Some(mut cert), Some(key)) => {
                cert.push(b'\n');
                cert.extend_from_slice(&key);
                let id = reqwest::Identity::from_pem(&cert).map_err(|e| format!("tls_config.cert and key: {e}"))?;
                b = b.identity(id);
            }
            (None, None) => {}
            _ => return Err("tls_config: cert and key must be given together".into()),
        }
        if flag(tls, "insecure_skip_verify") == Some(true) {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        if let Some(v) = text(tls, "min_version") {
            b = b.tls_version_min(tls_version(&v, "min_version")?);
        }
        if let Some(v) = text(tls, "max_version") {
            b = b.tls_version_max(tls_version(&v, "max_version")?);
        }
    }
    if flag(m, "follow_redirects") == Some(false) {
        b = b.redirect(reqwest::redirect::Policy::none());
    }
    // Prometheus uses a proxy only when told to; reqwest would read the environment.
    b = b.no_proxy();
    if let Some(url) = text(m, "proxy_url") {
        let mut proxy = reqwest::Proxy::all(&url).map_err(|e| format!("proxy_url: {e}"))?;
        if let Some(list) = text(m, "no_proxy") {
            proxy = proxy.no_proxy(reqwest::NoProxy::from_string(&list));
        }
        if let Some(Value::Mapping(h)) = get(m, "proxy_connect_header") {
            let mut headers = HeaderMap::new();
            for (name, values) in h {
                let name = name.as_str().unwrap_or_default();
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("proxy_connect_header: {name:?} is not a header name"))?;
                let values = match values {
                    Value::Sequence(s) => s.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => vec![],
                };
                for v in values {
                    let mut v = HeaderValue::from_str(&v)
                        .map_err(|_| format!("proxy_connect_header: a value of {name} is not a header value"))?;
                    v.set_sensitive(true);
                    headers.append(name.clone(), v);
                }
            }
            proxy = proxy.headers(headers);
        }
        b = b.proxy(proxy);
    } else if flag(m, "proxy_from_environment") == Some(true) {
        for p in env_proxies()? {
            b = b.proxy(p);
        }
    }
    b.build().map_err(|e| format!("cannot build its HTTP client: {e}"))
}

/// The proxies of `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (either case), as Go reads them.
fn env_proxies() -> Result<Vec<reqwest::Proxy>, String> {
    let var = |n: &str| std::env::var(n).or_else(|_| std::env::var(n.to_lowercase())).ok().filter(|v| !v.is_empty());
    let no_proxy = reqwest::NoProxy::from_env();
    let mut out = Vec::new();
    if let Some(u) = var("HTTP_PROXY") {
        out.push(reqwest::Proxy::http(&u).map_err(|e| format!("HTTP_PROXY: {e}"))?.no_proxy(no_proxy.clone()));
    }
    if let Some(u) = var("HTTPS_PROXY") {
        out.push(reqwest::Proxy::https(&u).map_err(|e| format!("HTTPS_PROXY: {e}"))?.no_proxy(no_proxy));
    }
    Ok(out)
}

/// What identifies a client: the settings and the files they name (path, size, time).
fn cache_key(raw: &Raw, timeout: Duration) -> String {
    let mut key = format!("{timeout:?}\n{}", yaml_serde::to_string(raw.value()).unwrap_or_default());
    if let Some(tls) = get(raw.value(), "tls_config") {
        for f in ["ca_file", "cert_file", "key_file"] {
            if let Some(path) = text(tls, f) {
                let meta = std::fs::metadata(&path).ok();
                key.push_str(&format!(
                    "\n{path} {:?} {:?}",
                    meta.as_ref().map(|m| m.len()),
                    meta.and_then(|m| m.modified().ok())
                ));
            }
        }
    }
    key
}

/// The client of an integration whose `http_config` is `own` (else `global`): `None` when
/// the shared client will do (no connection setting), an error naming the key when a setting
/// is not applied by triage or cannot be used.
pub fn client_for(
    own: Option<&Raw>,
    global: Option<&Raw>,
    timeout: Duration,
) -> Result<Option<reqwest::Client>, String> {
    let Some(raw) = effective(own, global) else { return Ok(None) };
    let missing = not_applied(raw);
    if !missing.is_empty() {
        return Err(format!("http_config: {} not implemented by triage", missing.join(", ")));
    }
    if !needs_client(raw) {
        return Ok(None);
    }
    static CLIENTS: OnceLock<Mutex<HashMap<String, reqwest::Client>>> = OnceLock::new();
    let key = cache_key(raw, timeout);
    let clients = CLIENTS.get_or_init(Default::default);
    if let Some(c) = clients.lock().expect("client cache").get(&key) {
        return Ok(Some(c.clone()));
    }
    let client = build_client(raw, timeout).map_err(|e| format!("http_config: {e}"))?;
    clients.lock().expect("client cache").insert(key, client.clone());
    Ok(Some(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(yaml: &str) -> Raw {
        Raw(yaml_serde::from_str(yaml).unwrap())
    }

    #[test]
    fn what_is_not_applied_is_named() {
        let r = raw(
            "oauth2: {client_id: a, proxy_url: http://o}\ntls_config: {server_name: x, ca_file: /c}\nproxy_url: http://p\nhttp_headers: {}",
        );
        assert_eq!(not_applied(&r), vec!["oauth2.proxy_url", "tls_config.server_name", "http_headers"]);
        let err = client_for(Some(&r), None, Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("oauth2.proxy_url") && err.contains("tls_config.server_name"), "{err}");
        assert!(not_applied(&raw("basic_auth: {username: u}\nfollow_redirects: false\nenable_http2: true")).is_empty());
    }

    #[test]
    fn credentials_alone_use_the_shared_client_and_same_settings_share_one() {
        let t = Duration::from_secs(5);
        assert!(client_for(Some(&raw("basic_auth: {username: u}")), None, t).unwrap().is_none());
        assert!(client_for(None, Some(&raw("proxy_url: http://127.0.0.1:1")), t).unwrap().is_some());
        assert_eq!(cache_key(&raw("proxy_url: http://a"), t), cache_key(&raw("proxy_url: http://a"), t));
        assert_ne!(cache_key(&raw("proxy_url: http://a"), t), cache_key(&raw("proxy_url: http://b"), t));
    }

    #[test]
    fn bad_settings_are_errors() {
        let t = Duration::from_secs(5);
        let e = client_for(Some(&raw("tls_config: {min_version: TLS14}")), None, t).unwrap_err();
        assert!(e.contains("min_version"), "{e}");
        let e = client_for(Some(&raw("tls_config: {ca_file: /nonexistent/ca.pem}")), None, t).unwrap_err();
        assert!(e.contains("ca_file"), "{e}");
        let e = client_for(Some(&raw("tls_config: {cert_file: /nonexistent/c.pem}")), None, t).unwrap_err();
        assert!(e.contains("cert_file") || e.contains("together"), "{e}");
    }
}
