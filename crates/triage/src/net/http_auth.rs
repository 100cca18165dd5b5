//! Credentials from an integration's `http_config` (or the global one): the `authorization`
//! header (`type`, `credentials` or `credentials_file`), `basic_auth` (`username`, `password`
//! or `password_file`) and the older `bearer_token` / `bearer_token_file`. Files are read at
//! each request. The connection settings (TLS, proxies, OAuth 2) are `net::http_config`'s.

use std::fmt;

use base64::Engine as _;
use reqwest::RequestBuilder;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use triage_core::config::Raw;
use yaml_serde::Value;

use super::oauth2::OAuth2;
use super::retry::DeliveryError;
use super::secret::SecretSource;

/// How requests of an integration authenticate.
#[derive(Clone)]
pub enum HttpAuth {
    /// `Authorization: <scheme> <token>`.
    Token {
        /// `Bearer` unless configured otherwise.
        scheme: String,
        /// The credentials.
        token: SecretSource,
    },
    /// HTTP basic authentication.
    Basic {
        /// The user.
        username: String,
        /// The password, if any.
        password: Option<SecretSource>,
    },
    /// OAuth 2.0 client credentials (`oauth2`), a token fetched and kept (see [`OAuth2`]).
    OAuth2(std::sync::Arc<OAuth2>),
}

impl fmt::Debug for HttpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpAuth::Token { scheme, token } => write!(f, "{scheme} {token:?}"),
            HttpAuth::Basic { username, .. } => write!(f, "basic {username}:<secret>"),
            HttpAuth::OAuth2(o) => write!(f, "{o:?}"),
        }
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl HttpAuth {
    /// The credentials of `http_config`, falling back to the global `http_config`.
    pub fn from_configs(own: Option<&Raw>, global: Option<&Raw>) -> Option<HttpAuth> {
        own.and_then(|r| HttpAuth::from_value(r.value()))
            .or_else(|| global.and_then(|r| HttpAuth::from_value(r.value())))
    }

    /// The credentials of an integration whose kind applies `oauth2` too: those of its
    /// `http_config`, else of the global one. An `oauth2` block without `token_url` is an
    /// error.
    pub fn for_integration(own: Option<&Raw>, global: Option<&Raw>) -> Result<Option<HttpAuth>, String> {
        for raw in [own, global].into_iter().flatten() {
            if let Some(o) = OAuth2::from_config(raw)? {
                return Ok(Some(HttpAuth::OAuth2(std::sync::Arc::new(o))));
            }
            if let Some(a) = HttpAuth::from_value(raw.value()) {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    fn from_value(v: &Value) -> Option<HttpAuth> {
        // A key written without a value (`authorization: null`) is an absent one.
        let get = |key: &str| v.get(key).filter(|x| !x.is_null());
        if let Some(a) = get("authorization") {
            let token = SecretSource::from_pair(str_of(a, "credentials"), str_of(a, "credentials_file"))?;
            let scheme = str_of(a, "type").unwrap_or("Bearer").to_string();
            return Some(HttpAuth::Token { scheme, token });
        }
        if let Some(b) = get("basic_auth") {
            let username = str_of(b, "username").unwrap_or_default().to_string();
            let password = SecretSource::from_pair(str_of(b, "password"), str_of(b, "password_file"));
            return Some(HttpAuth::Basic { username, password });
        }
        let token = SecretSource::from_pair(str_of(v, "bearer_token"), str_of(v, "bearer_token_file"))?;
        Some(HttpAuth::Token { scheme: "Bearer".into(), token })
    }

    /// The bearer token, when this is one (Slack's Web API takes only that).
    pub fn bearer(&self) -> Option<&SecretSource> {
        match self {
            HttpAuth::Token { scheme, token } if scheme.eq_ignore_ascii_case("bearer") => Some(token),
            _ => None,
        }
    }

    /// The `Authorization` header value now (files are read again).
    pub fn header(&self) -> Result<HeaderValue, DeliveryError> {
        let text = match self {
            HttpAuth::Token { scheme, token } => format!("{scheme} {}", token.resolve()?),
            HttpAuth::Basic { username, password } => {
                let password = match password {
                    Some(p) => p.resolve()?,
                    None => String::new(),
                };
                let pair = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
                format!("Basic {pair}")
            }
            HttpAuth::OAuth2(_) => {
                return Err(DeliveryError::Permanent("oauth2 is not applied to this kind of receiver".into()));
            }
        };
        let mut value = HeaderValue::from_str(&text)
            .map_err(|_| DeliveryError::Permanent("http_config credentials are not a valid header value".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// Adds the `Authorization` header of `auth`, if any.
pub fn authorize(request: RequestBuilder, auth: Option<&HttpAuth>) -> Result<RequestBuilder, DeliveryError> {
    match auth {
        Some(a) => Ok(request.header(AUTHORIZATION, a.header()?)),
        None => Ok(request),
    }
}

/// Adds the `Authorization` header of `auth`, if any, fetching an OAuth 2.0 token with
/// `client` when one is needed.
pub async fn authorize_async(
    client: &reqwest::Client,
    request: RequestBuilder,
    auth: Option<&HttpAuth>,
) -> Result<RequestBuilder, DeliveryError> {
    match auth {
        Some(HttpAuth::OAuth2(o)) => Ok(request.header(AUTHORIZATION, o.header(client).await?)),
        other => authorize(request, other),
    }
}

/// Drops a kept OAuth 2.0 token after the server answered `status` 401 to it.
pub async fn refused(auth: Option<&HttpAuth>, status: u16) {
    if status == 401
        && let Some(HttpAuth::OAuth2(o)) = auth
    {
        o.forget().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(yaml: &str) -> Raw {
        Raw(yaml_serde::from_str(yaml).unwrap())
    }

    #[test]
    fn the_three_forms_and_the_global_fallback() {
        let a = HttpAuth::from_configs(Some(&raw("authorization: {credentials: t0k}")), None).unwrap();
        assert_eq!(a.header().unwrap(), "Bearer t0k");
        assert!(a.bearer().is_some());
        let a = HttpAuth::from_configs(Some(&raw("authorization: {type: Token, credentials: x}")), None).unwrap();
        assert_eq!(a.header().unwrap(), "Token x");
        assert!(a.bearer().is_none());
        let a = HttpAuth::from_configs(Some(&raw("basic_auth: {username: alice, password: pw}")), None).unwrap();
        assert_eq!(a.header().unwrap(), "Basic YWxpY2U6cHc=");
        let a = HttpAuth::from_configs(Some(&raw("bearer_token: old")), None).unwrap();
        assert_eq!(a.header().unwrap(), "Bearer old");
        let global = raw("basic_auth: {username: g}");
        let a = HttpAuth::from_configs(Some(&raw("follow_redirects: true")), Some(&global)).unwrap();
        assert_eq!(a.header().unwrap(), "Basic Zzo=");
        assert!(HttpAuth::from_configs(None, None).is_none());
    }

    #[test]
    fn files_are_read_at_each_request_and_secrets_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("token");
        std::fs::write(&f, "one\n").unwrap();
        let a =
            HttpAuth::from_configs(Some(&raw(&format!("authorization: {{credentials_file: {}}}", f.display()))), None)
                .unwrap();
        assert_eq!(a.header().unwrap(), "Bearer one");
        std::fs::write(&f, "two").unwrap();
        assert_eq!(a.header().unwrap(), "Bearer two");
        assert!(a.header().unwrap().is_sensitive());
        let b = HttpAuth::from_configs(Some(&raw("basic_auth: {username: alice, password: hunter2}")), None).unwrap();
        assert!(!format!("{b:?}").contains("hunter2"));
        let bad = HttpAuth::from_configs(Some(&raw("authorization: {credentials: \"a\\nb\"}")), None).unwrap();
        assert!(matches!(bad.header(), Err(DeliveryError::Permanent(_))));
    }

    #[test]
    fn a_key_without_a_value_is_absent() {
        let a =
            HttpAuth::from_configs(Some(&raw("authorization: null\nbasic_auth: {username: am, password: pw}")), None)
                .unwrap();
        assert_eq!(a.header().unwrap(), "Basic YW06cHc=");
    }
}
