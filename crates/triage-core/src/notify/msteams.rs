//! Microsoft Teams, Office 365 connector cards (`msteams_configs`, Alertmanager 0.26;
//! `webhook_url_file` 0.27): one `MessageCard` with title, summary and text, its theme red
//! while firing and green once resolved. Retried on 5xx only.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::discord::{check_webhook_pair, webhook_file, webhook_url};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, Status};
use crate::config::model::{Raw, Secret};
use crate::config::{ConfigError, GlobalConfig};

/// The card's theme while firing.
pub const COLOR_RED: &str = "8C1A1A";
/// The card's theme once resolved.
pub const COLOR_GREEN: &str = "2DC72D";

/// An `msteams_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct MsteamsConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_file: Option<String>,
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default = "default_summary")]
    pub summary: String,
    #[serde(default = "default_text")]
    pub text: String,
}

fn default_title() -> String {
    r#"{{ template "msteams.default.title" . }}"#.into()
}
fn default_summary() -> String {
    r#"{{ template "msteams.default.summary" . }}"#.into()
}
fn default_text() -> String {
    r#"{{ template "msteams.default.text" . }}"#.into()
}

impl Default for MsteamsConfig {
    fn default() -> MsteamsConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl Integration for MsteamsConfig {
    const KEY: &'static str = "msteams_configs";
    const NAME: &'static str = "msteams";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        webhook_file(&self.webhook_url, &self.webhook_url_file)
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        check_webhook_pair(
            out,
            path,
            &self.webhook_url,
            &self.webhook_url_file,
            "one of webhook_url or webhook_url_file must be configured",
        );
    }

    fn build(
        &self,
        _global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let (title, text, summary) = (ex.text(&self.title), ex.text(&self.text), ex.text(&self.summary));
        let color = if ctx.status == Status::Resolved { COLOR_GREEN } else { COLOR_RED };
        let body = json!({
            "@context": "http://schema.org/extensions",
            "type": "MessageCard",
            "title": title,
            "summary": summary,
            "text": text,
            "themeColor": color,
        });
        Ok(vec![HttpRequest::post_json(webhook_url(&self.webhook_url, files)?, body)])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::testing::{FakeExpand, alerts, context, group_key};

    #[test]
    fn message_card() {
        let c: MsteamsConfig = yaml_serde::from_str("webhook_url: http://teams/hook").unwrap();
        assert!(c.send_resolved);
        let key = group_key("t");
        for (resolved, color) in [(false, COLOR_RED), (true, COLOR_GREEN)] {
            let alerts = alerts("t", resolved);
            let ctx = context("t", &key, &alerts);
            let mut ex = FakeExpand::new().with(&default_title(), "T").with(&default_summary(), "S");
            let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
            assert_eq!(r.url, "http://teams/hook");
            assert_eq!(r.header_value("Content-Type"), Some("application/json"));
            assert_eq!(
                r.json().unwrap(),
                &json!({"@context": "http://schema.org/extensions", "type": "MessageCard", "title": "T",
                        "summary": "S", "text": default_text(), "themeColor": color})
            );
        }
        assert!(c.retryable(500) && !c.retryable(429));
    }

    #[test]
    fn validation_and_yaml() {
        let mut out = Vec::new();
        MsteamsConfig::default().validate(&GlobalConfig::default(), "p", &mut out);
        assert_eq!(out[0].to_string(), "p: one of webhook_url or webhook_url_file must be configured");
        let e = yaml_serde::from_str::<MsteamsConfig>("webhook_url: x\ncolor: red").unwrap_err().to_string();
        assert!(e.contains("unknown field `color`"), "{e}");
        let c: MsteamsConfig = yaml_serde::from_str("webhook_url_file: /f").unwrap();
        assert_eq!(c.secret_files(&GlobalConfig::default()), vec![("webhook_url_file", "/f")]);
    }
}
