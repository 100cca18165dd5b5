//! Writes samples into VictoriaMetrics through its JSON-lines import API
//! (`POST <base>/api/v1/import`), one request per batch, with a timeout.

use std::time::Duration;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VmImportError {
    /// The base URL is not an `http://` or `https://` URL.
    #[error("VictoriaMetrics URL {0:?} must start with http:// or https://")]
    BadUrl(String),
    /// The request could not be made or timed out.
    #[error("cannot reach VictoriaMetrics at {url}: {source}")]
    Request {
        /// The import URL.
        url: String,
        /// The client's error.
        source: reqwest::Error,
    },
    /// VictoriaMetrics answered with a non-2xx status.
    #[error("VictoriaMetrics at {url} refused the import: HTTP {status}: {body}")]
    Refused {
        /// The import URL.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
}

/// The import endpoint under `base` (which may end in `/`).
pub fn import_url(base: &str) -> Result<String, VmImportError> {
    let base = base.trim();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(VmImportError::BadUrl(base.to_string()));
    }
    Ok(format!("{}/api/v1/import", base.trim_end_matches('/')))
}

/// Posts `body` (JSON lines, see `triage_core::outage::ggus::series::import_body`) to the
/// VictoriaMetrics at `base`, waiting at most `timeout`.
pub async fn import_json_lines(base: &str, body: String, timeout: Duration) -> Result<(), VmImportError> {
    let url = import_url(base)?;
    let client = super::client::builder(timeout)
        .build()
        .map_err(|source| VmImportError::Request { url: url.clone(), source })?;
    let response = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
        .body(body)
        .send()
        .await
        .map_err(|source| VmImportError::Request { url: url.clone(), source })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    let body = triage_core::series::shorten(text.trim(), 300);
    Err(VmImportError::Refused { url, status: status.as_u16(), body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_url_is_under_the_base() {
        assert_eq!(import_url("http://127.0.0.1:8428/").unwrap(), "http://127.0.0.1:8428/api/v1/import");
        assert_eq!(import_url("https://vm/prefix").unwrap(), "https://vm/prefix/api/v1/import");
        assert!(matches!(import_url("127.0.0.1:8428"), Err(VmImportError::BadUrl(_))));
    }
}
