//! Where the store lives, as a URL: `postgres://user:pass@host:5432/db` selects the
//! PostgreSQL store. The password never shows: [`StoreUrl`]'s `Debug` and `Display` and every
//! error print the URL with the password replaced by `***`.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// A parsed store URL (only PostgreSQL for now; no URL means the embedded SQLite store).
#[derive(Clone)]
pub struct StoreUrl {
    pg: PgConnectOptions,
    shown: String,
}

/// A store URL that cannot be used. Its message never holds the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreUrlError {
    /// The scheme is not one triage has a store for.
    #[error(
        "unsupported store URL scheme in {0}: use postgres://user@host:port/database (or no --store for the embedded SQLite store in --data-dir)"
    )]
    Scheme(String),
    /// The URL does not parse.
    #[error("invalid store URL {url}: {reason}")]
    Invalid {
        /// The URL, password replaced.
        url: String,
        /// Why.
        reason: String,
    },
}

/// `raw` with any password replaced by `***`; something that does not parse as a URL is
/// shown only by its scheme.
pub fn redact(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => match raw.split_once(':') {
            Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') => {
                format!("{scheme}:…")
            }
            _ => "(unparsable URL)".to_string(),
        },
    }
}

impl StoreUrl {
    /// Parses `raw`; `password`, when given (from a file or the environment), replaces the
    /// URL's own.
    pub fn parse(raw: &str, password: Option<&str>) -> Result<StoreUrl, StoreUrlError> {
        let shown = redact(raw);
        let scheme = raw.split_once("://").map(|(s, _)| s).unwrap_or("");
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(StoreUrlError::Scheme(shown));
        }
        ::url::Url::parse(raw).map_err(|e| StoreUrlError::Invalid { url: shown.clone(), reason: e.to_string() })?;
        let mut pg = PgConnectOptions::from_str(raw)
            .map_err(|e| StoreUrlError::Invalid { url: shown.clone(), reason: e.to_string() })?;
        if let Some(p) = password {
            pg = pg.password(p);
        }
        Ok(StoreUrl { pg, shown })
    }

    /// The connection options (with the password).
    pub fn pg_options(&self) -> &PgConnectOptions {
        &self.pg
    }
}

impl std::fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoreUrl").field(&self.shown).finish()
    }
}

/// A string that may hold a secret (a store URL with its password, as given on the command
/// line): `Debug` shows it redacted.
#[derive(Clone)]
pub struct SecretUrl(pub String);

impl FromStr for SecretUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SecretUrl(s.to_string()))
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let raw = "postgres://triage:s3cret@127.0.0.1:5432/triage";
        let url = StoreUrl::parse(raw, None).unwrap();
        for shown in [url.to_string(), format!("{url:?}"), format!("{:?}", SecretUrl(raw.into()))] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("triage:***@127.0.0.1:5432/triage"), "{shown}");
        }
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_the_password() {
        let err = StoreUrl::parse("mysql://u:s3cret@h/db", None).unwrap_err().to_string();
        assert!(err.contains("unsupported store URL scheme") && !err.contains("s3cret"), "{err}");
        let err = StoreUrl::parse("postgres://u:s3cret@h:notaport/db", None).unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn a_given_password_replaces_the_urls() {
        let url = StoreUrl::parse("postgresql://u@h/db", Some("from-file")).unwrap();
        assert!(format!("{:?}", url).contains("u@h/db"));
    }
}
