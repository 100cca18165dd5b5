//! incident.io (`incidentio_configs`, Alertmanager 0.29): the webhook message (Alertmanager's
//! template data with `version: "1"`, `groupKey` and `truncatedAlerts`) posted to the alert
//! source's URL with its token as a bearer token. Alerts beyond `max_alerts` are left out;
//! a message over 512 KiB keeps only its first alert. Retried on 429 and 5xx.

use serde::{Deserialize, Serialize};

use super::go_duration::parse_go_duration;
use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};
use crate::payload::WebhookMessage;

/// The largest message, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// An `incidentio_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct IncidentioConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The alert source's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_source_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_source_token_file: Option<String>,
    /// Most alerts per message; 0 means all.
    #[serde(default)]
    pub max_alerts: u64,
    /// Give up on a send after this long (a Go duration); no limit when unset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timeout: String,
}

impl Default for IncidentioConfig {
    fn default() -> IncidentioConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl IncidentioConfig {
    fn has_authorization(&self) -> Option<bool> {
        let h = self.http_config.as_ref()?;
        Some(h.value().get("authorization").is_some_and(|a| !a.is_null()))
    }
}

impl Integration for IncidentioConfig {
    const KEY: &'static str = "incidentio_configs";
    const NAME: &'static str = "incidentio";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        let mut out = Vec::new();
        if !has_secret(&self.url)
            && let Some(f) = non_empty(&self.url_file)
        {
            out.push(("url_file", f));
        }
        if let Some(f) = non_empty(&self.alert_source_token_file) {
            out.push(("alert_source_token_file", f));
        }
        out
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        match (has_secret(&self.url), has(&self.url_file)) {
            (false, false) => problem(out, path, "one of url or url_file must be configured"),
            (true, true) => problem(out, path, "at most one of url & url_file must be configured"),
            _ => check_url_field(out, path, "url", self.url.as_ref().map(Secret::expose)),
        }
        let token = has_secret(&self.alert_source_token) || has(&self.alert_source_token_file);
        at_most_one(
            out,
            path,
            "alert_source_token",
            has_secret(&self.alert_source_token),
            has(&self.alert_source_token_file),
        );
        match self.has_authorization() {
            Some(true) if token => problem(
                out,
                path,
                "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization",
            ),
            Some(false) if !token => problem(
                out,
                path,
                "at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured",
            ),
            _ => {}
        }
        if !self.timeout.is_empty()
            && let Err(e) = parse_go_duration(&self.timeout)
        {
            problem(out, format!("{path}.timeout"), e);
        }
    }

    fn build(
        &self,
        _global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        _ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let mut msg = WebhookMessage::new(
            ctx.receiver,
            ctx.group_key,
            ctx.group_labels,
            ctx.alerts,
            self.max_alerts,
            ctx.external_url,
            ctx.now,
        );
        msg.version = "1";
        msg.truncated_alerts += ctx.truncated_alerts as u64;
        let mut body =
            serde_json::to_value(&msg).map_err(|e| BuildError::Invalid { field: "alerts", message: e.to_string() })?;
        let size = serde_json::to_vec(&body).map_or(0, |b| b.len() + 1);
        if size > MAX_PAYLOAD_BYTES
            && let Some(alerts) = body.get_mut("alerts").and_then(serde_json::Value::as_array_mut)
        {
            alerts.truncate(1);
        }
        let url = super::request::secret_or_file(self.url.as_ref(), "url_file", files)?;
        let mut req = HttpRequest::post_json(url, body);
        // The file wins over the inline token, as in Alertmanager.
        let token = match non_empty(&self.alert_source_token_file) {
            Some(_) => files.trimmed("alert_source_token_file")?,
            None => self.alert_source_token.as_ref().map_or("", Secret::expose),
        };
        if !token.is_empty() {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        Ok(vec![req])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[429]).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::testing::{FakeExpand, alerts, context, group_key};

    fn config(yaml: &str) -> IncidentioConfig {
        yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn webhook_message_version_1() {
        let c =
            config("url: https://api.incident.io/v2/alert_events/http/01ABC\nalert_source_token: tok\nmax_alerts: 1");
        let key = group_key("i");
        let alerts = alerts("i", false);
        let ctx = context("rcv.x", &key, &alerts);
        let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut FakeExpand::new()).unwrap()[0];
        assert_eq!(r.url, "https://api.incident.io/v2/alert_events/http/01ABC");
        assert_eq!(r.header_value("Authorization"), Some("Bearer tok"));
        let b = r.json().unwrap();
        assert_eq!(b["version"], "1");
        assert_eq!(b["groupKey"], key.as_str());
        assert_eq!(b["truncatedAlerts"], 1);
        assert_eq!(b["receiver"], r"rcv\.x");
        assert_eq!(b["status"], "firing");
        assert_eq!(b["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(b["alerts"][0]["startsAt"], "2024-05-01T10:00:00Z");
        assert_eq!(b["groupLabels"]["alertname"], "DiskFull");
        assert_eq!(b["commonLabels"]["severity"], "critical");
        assert_eq!(b["externalURL"], "http://am.example.org:9093");
        assert!(c.retryable(429) && c.retryable(500) && !c.retryable(400));
    }

    #[test]
    fn oversized_messages_keep_one_alert_and_files_win() {
        let c = config("url_file: /u\nalert_source_token_file: /t\nalert_source_token: inline");
        let files = FileSecrets::new().with("url_file", "http://io/x\n").with("alert_source_token_file", "from-file\n");
        let key = group_key("i");
        let mut many = alerts("i", true);
        let big = "x".repeat(300 * 1024);
        for a in &mut many {
            a.annotations = crate::labels::LabelSet::from_pairs([("big", big.as_str())]);
        }
        let ctx = context("i", &key, &many);
        let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut FakeExpand::new()).unwrap()[0];
        assert_eq!(r.url, "http://io/x");
        assert_eq!(r.header_value("Authorization"), Some("Bearer from-file"));
        assert_eq!(r.json().unwrap()["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(r.json().unwrap()["status"], "resolved");
    }

    #[test]
    fn validation_and_yaml() {
        let msgs = |yaml: &str| {
            let mut out = Vec::new();
            config(yaml).validate(&GlobalConfig::default(), "p", &mut out);
            out.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        assert_eq!(msgs("{}"), ["p: one of url or url_file must be configured"]);
        assert_eq!(
            msgs(
                "url: http://a\nurl_file: /b\nalert_source_token: t\nalert_source_token_file: f\nhttp_config: {authorization: {credentials: c}}\ntimeout: 5"
            ),
            [
                "p: at most one of url & url_file must be configured",
                "p: at most one of alert_source_token & alert_source_token_file must be configured",
                "p: cannot specify alert_source_token or alert_source_token_file when using http_config.authorization",
                r#"p.timeout: time: missing unit in duration "5""#,
            ]
        );
        assert_eq!(
            msgs("url: http://a\nhttp_config: {follow_redirects: true}"),
            [
                "p: at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured"
            ]
        );
        let e = yaml_serde::from_str::<IncidentioConfig>("max_alerts: -1").unwrap_err().to_string();
        assert!(e.contains("max_alerts"), "{e}");
        assert!(!format!("{:?}", config("alert_source_token: hunter2")).contains("hunter2"));
    }
}
