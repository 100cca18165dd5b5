//! What every receiver kind shares: the notification it is asked to send
//! ([`NotifyContext`]), the description of an HTTP request it returns ([`HttpRequest`]), the
//! secrets read from files by the shell ([`FileSecrets`]), Alertmanager's group-key hash and
//! truncation rules, its retry rule ([`retrier`]), and the [`Integration`] trait each kind
//! implements.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::Expand;
use crate::alert::Alert;
use crate::config::{ConfigError, GlobalConfig};

/// Whether a notification is about firing alerts or only resolved ones (Alertmanager's
/// `types.Alerts(...).Status()`: resolved when every alert is resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// At least one alert is firing.
    Firing,
    /// Every alert is resolved.
    Resolved,
}

impl Status {
    /// `firing` or `resolved`, as in templates and payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
        }
    }
}

/// One notification to send: what Alertmanager's notifiers read from their context and
/// alerts.
#[derive(Clone, Copy, Debug)]
pub struct NotifyContext<'a> {
    /// The receiver's name.
    pub receiver: &'a str,
    /// The aggregation group's key (`{}/{kind="x"}:{alertname="A"}`).
    pub group_key: &'a str,
    /// The aggregation group's labels.
    pub group_labels: &'a crate::labels::LabelSet,
    /// Firing or resolved.
    pub status: Status,
    /// The alerts of the notification (after `max_alerts`-style truncation, if any).
    pub alerts: &'a [Alert],
    /// When the notification is built; decides which alerts are resolved.
    pub now: Timestamp,
    /// How many alerts were left out of `alerts`.
    pub truncated_alerts: usize,
    /// Alertmanager's external URL (`--web.external-url`).
    pub external_url: &'a str,
}

impl NotifyContext<'_> {
    /// The SHA-256 of the group key in lower-case hex: PagerDuty's `dedup_key` and
    /// `incident_key`, OpsGenie's `alias`, VictorOps' `entity_id` (Alertmanager's
    /// `notify.Key.Hash`).
    pub fn key_hash(&self) -> String {
        key_hash(self.group_key)
    }

    /// The alerts firing at `now`.
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| !a.resolved_at(self.now))
    }

    /// The alerts resolved at `now`.
    pub fn resolved(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| a.resolved_at(self.now))
    }
}

/// SHA-256 of `group_key`, lower-case hex.
pub fn key_hash(group_key: &str) -> String {
    let digest = Sha256::digest(group_key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

/// A request body.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// No body (and no `Content-Type`).
    Empty,
    /// JSON. Objects are built in Alertmanager's key order (struct field order; Go maps in
    /// sorted order); serde_json keeps that order only with its `preserve_order` feature,
    /// else keys come out sorted. No receiving API depends on the order.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, String)>),
}

/// One HTTP request to make, exactly as Alertmanager makes it. The shell adds its
/// `User-Agent` (Alertmanager sends `Alertmanager/<version>`) and applies `http_config`.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL, query included (may hold secrets: never log it).
    pub url: String,
    /// Headers beyond `User-Agent`, in order (`Content-Type`, `Authorization`, ...).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl HttpRequest {
    /// A POST of a JSON body (`Content-Type: application/json`).
    pub fn post_json(url: impl Into<String>, body: serde_json::Value) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Body::Json(body),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The value of header `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The JSON body, if any.
    pub fn json(&self) -> Option<&serde_json::Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }
}

/// Why a notification could not be built. Not retryable: the same configuration and alerts
/// give the same error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A secret the configuration reads from a file was not passed in [`FileSecrets`].
    #[error("the contents of {0} were not read")]
    MissingFile(&'static str),
    /// A field that must not be empty rendered empty (`routing key cannot be empty`).
    #[error("{0} cannot be empty")]
    Empty(&'static str),
    /// A field rendered to something that is not what it must be (a chat id, a URL, ...).
    #[error("{field}: {message}")]
    Invalid {
        /// The configuration key.
        field: &'static str,
        /// What is wrong, without the value (it may be a secret).
        message: String,
    },
}

/// The contents of the files a configuration names (`bot_token_file`, ...), read by the
/// shell at each send, by configuration key. Values are as read; builders trim them as
/// Alertmanager does.
#[derive(Clone, Default)]
pub struct FileSecrets(BTreeMap<&'static str, String>);

impl std::fmt::Debug for FileSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl FileSecrets {
    /// No file read.
    pub fn new() -> FileSecrets {
        FileSecrets::default()
    }

    /// Records what the file under `key` holds.
    pub fn insert(&mut self, key: &'static str, contents: impl Into<String>) {
        self.0.insert(key, contents.into());
    }

    /// Builder form of [`FileSecrets::insert`].
    pub fn with(mut self, key: &'static str, contents: impl Into<String>) -> FileSecrets {
        self.insert(key, contents);
        self
    }

    /// The contents under `key`, trimmed of surrounding white space.
    pub fn trimmed(&self, key: &'static str) -> Result<&str, BuildError> {
        self.0.get(key).map(|s| s.trim()).ok_or(BuildError::MissingFile(key))
    }

    /// The contents under `key`, as read.
    pub fn raw(&self, key: &'static str) -> Result<&str, BuildError> {
        self.0.get(key).map(String::as_str).ok_or(BuildError::MissingFile(key))
    }
}

/// The inline secret when set, else the trimmed contents of its file.
pub(crate) fn secret_or_file<'a>(
    inline: Option<&'a crate::config::Secret>,
    file_key: &'static str,
    files: &'a FileSecrets,
) -> Result<&'a str, BuildError> {
    match inline.filter(|s| !s.is_empty()) {
        Some(s) => Ok(s.expose()),
        None => files.trimmed(file_key),
    }
}

/// Alertmanager's `notify.Retrier.Check`: a 2xx status is a success (`None`); any other is a
/// failure, retryable when it is a 5xx or one of `extra`.
pub fn retrier(status: u16, extra: &[u16]) -> Option<bool> {
    if status / 100 == 2 { None } else { Some(status / 100 == 5 || extra.contains(&status)) }
}

const MARKER: &str = "…";

/// Alertmanager's `TruncateInRunes`: at most `n` characters, the last one `…` when cut
/// (a bare cut when `n <= 3`). Returns whether it cut.
pub fn truncate_in_runes(s: &str, n: usize) -> (String, bool) {
    if s.chars().count() <= n {
        return (s.to_string(), false);
    }
    if n <= 3 {
        return (s.chars().take(n).collect(), true);
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push_str(MARKER);
    (out, true)
}

/// Alertmanager's `TruncateInBytes`: at most `n` bytes, ending in `…` (3 bytes) when cut,
/// never inside a character (`n < 3`: that many dots).
pub fn truncate_in_bytes(s: &str, n: usize) -> (String, bool) {
    if s.len() <= n {
        return (s.to_string(), false);
    }
    if n <= 3 {
        let out = if n == 3 { MARKER.to_string() } else { ".".repeat(n) };
        return (out, true);
    }
    let target = n - 3;
    let mut end = target.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{}{MARKER}", &s[..end]), true)
}

/// One receiver kind: its configuration (`Self`) knows how to check itself, which secret
/// files it needs, how to build its requests and which failures to retry.
pub trait Integration {
    /// The key of its list in a receiver (`telegram_configs`).
    const KEY: &'static str;
    /// Alertmanager's integration name (`telegram`), as in `telegram[0]`.
    const NAME: &'static str;

    /// Whether resolved notifications are sent.
    fn send_resolved(&self) -> bool;

    /// The files to read before [`Integration::build`], as (configuration key, path); the
    /// global settings apply where the integration has none.
    fn secret_files<'a>(&'a self, global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)>;

    /// Alertmanager's checks of this integration (its `UnmarshalYAML` and what `config.Load`
    /// checks with the global settings); every problem is pushed with `path` (the
    /// integration's path, `receivers[0].telegram_configs[1]`) or a key below it.
    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>);

    /// The requests to make for one notification, in order.
    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError>;

    /// For a failed request (non-2xx `status`), whether another attempt may succeed.
    fn retryable(&self, status: u16) -> bool;
}

/// Pushes `message` at `path`.
pub(crate) fn problem(out: &mut Vec<ConfigError>, path: impl Into<String>, message: impl Into<String>) {
    out.push(ConfigError::new(path, message));
}

/// Whether an optional secret is set and not empty.
pub(crate) fn has_secret(s: &Option<crate::config::Secret>) -> bool {
    s.as_ref().is_some_and(|s| !s.is_empty())
}

/// Whether an optional string is set and not empty.
pub(crate) fn has(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

/// Checks a URL setting when set (`<secret>` passes, as a redacted configuration read back).
pub(crate) fn check_url_field(out: &mut Vec<ConfigError>, path: &str, key: &str, url: Option<&str>) {
    if let Some(u) = url.filter(|u| !u.is_empty())
        && let Err(e) = crate::config::check_secret_url(u)
    {
        problem(out, format!("{path}.{key}"), e);
    }
}

/// `at most one of x & x_file must be configured`, when both are.
pub(crate) fn at_most_one(out: &mut Vec<ConfigError>, path: &str, key: &str, inline: bool, file: bool) {
    if inline && file {
        problem(out, path, format!("at most one of {key} & {key}_file must be configured"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_follows_alertmanager() {
        assert_eq!(truncate_in_runes("abcdef", 6), ("abcdef".into(), false));
        assert_eq!(truncate_in_runes("abcdef", 5), ("abcd…".into(), true));
        assert_eq!(truncate_in_runes("äöüäöü", 4), ("äöü…".into(), true));
        assert_eq!(truncate_in_runes("abcdef", 3), ("abc".into(), true));
        assert_eq!(truncate_in_bytes("abcdef", 6), ("abcdef".into(), false));
        assert_eq!(truncate_in_bytes("abcdef", 5), ("ab…".into(), true));
        assert_eq!(truncate_in_bytes("äöü", 5), ("ä…".into(), true));
        assert_eq!(truncate_in_bytes("äöü", 4), ("…".into(), true));
        assert_eq!(truncate_in_bytes("aäöü", 6), ("aä…".into(), true));
        assert_eq!(truncate_in_bytes("abcdef", 3), ("…".into(), true));
        assert_eq!(truncate_in_bytes("abcdef", 2), ("..".into(), true));
    }

    #[test]
    fn key_hash_is_sha256_hex() {
        // From the recorded OpsGenie alias of Alertmanager 0.25 (testdata/receivers).
        assert_eq!(
            key_hash(r#"{}/{kind="opsgenie"}:{alertname="DiskFull"}"#),
            "b6722b867600d68b0bbcbf44cc204d9b85b505b1a91dc255b484635f7337a000"
        );
    }

    #[test]
    fn retrier_rule() {
        assert_eq!(retrier(200, &[]), None);
        assert_eq!(retrier(202, &[429]), None);
        assert_eq!(retrier(500, &[]), Some(true));
        assert_eq!(retrier(429, &[]), Some(false));
        assert_eq!(retrier(429, &[429]), Some(true));
        assert_eq!(retrier(404, &[429]), Some(false));
    }
}
