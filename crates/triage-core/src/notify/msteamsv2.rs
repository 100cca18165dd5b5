//! Microsoft Teams through Power Automate workflows (`msteamsv2_configs`, Alertmanager 0.28):
//! one message holding an Adaptive Card 1.2 with a heading (title, `Attention` while firing,
//! `Good` once resolved) and the text. Retried on 5xx only.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::discord::{check_webhook_pair, webhook_file, webhook_url};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, Status};
use crate::config::model::{Raw, Secret};
use crate::config::{ConfigError, GlobalConfig};

/// An `msteamsv2_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Msteamsv2Config {
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
    #[serde(default = "default_text")]
    pub text: String,
}

fn default_title() -> String {
    r#"{{ template "msteamsv2.default.title" . }}"#.into()
}
fn default_text() -> String {
    r#"{{ template "msteamsv2.default.text" . }}"#.into()
}

impl Default for Msteamsv2Config {
    fn default() -> Msteamsv2Config {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl Integration for Msteamsv2Config {
    const KEY: &'static str = "msteamsv2_configs";
    const NAME: &'static str = "msteamsv2";

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
        let (title, text) = (ex.text(&self.title), ex.text(&self.text));
        let color = if ctx.status == Status::Resolved { "Good" } else { "Attention" };
        // `text` is always sent, even empty; the optional keys are all set here.
        let body = json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": Value::Null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": [
                        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
                         "wrap": true, "style": "heading", "color": color},
                        {"type": "TextBlock", "text": text, "wrap": true},
                    ],
                    "msteams": {"width": "full"},
                },
            }],
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
    fn adaptive_card() {
        let c: Msteamsv2Config = yaml_serde::from_str("webhook_url_file: /f").unwrap();
        let files = FileSecrets::new().with("webhook_url_file", "https://prod.logic.azure.com/wf?sig=x\n");
        let key = group_key("t");
        for (resolved, color) in [(false, "Attention"), (true, "Good")] {
            let alerts = alerts("t", resolved);
            let ctx = context("t", &key, &alerts);
            let mut ex = FakeExpand::new().with(&default_title(), "T").with(&default_text(), "X");
            let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut ex).unwrap()[0];
            assert_eq!(r.url, "https://prod.logic.azure.com/wf?sig=x");
            let b = r.json().unwrap();
            assert_eq!(b["type"], "message");
            let a = &b["attachments"][0];
            assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
            assert!(a["contentUrl"].is_null() && a.as_object().unwrap().contains_key("contentUrl"));
            let content = &a["content"];
            assert_eq!(content["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
            assert_eq!((content["type"].as_str(), content["version"].as_str()), (Some("AdaptiveCard"), Some("1.2")));
            assert_eq!(
                content["body"][0],
                json!({"type": "TextBlock", "text": "T", "weight": "Bolder", "size": "Medium", "wrap": true, "style": "heading", "color": color})
            );
            assert_eq!(content["body"][1], json!({"type": "TextBlock", "text": "X", "wrap": true}));
            assert_eq!(content["msteams"], json!({"width": "full"}));
        }
        assert!(c.retryable(503) && !c.retryable(400));
    }

    #[test]
    fn validation_and_yaml() {
        let mut out = Vec::new();
        let c: Msteamsv2Config = yaml_serde::from_str("webhook_url: http://a\nwebhook_url_file: /b").unwrap();
        c.validate(&GlobalConfig::default(), "p", &mut out);
        assert_eq!(out[0].to_string(), "p: at most one of webhook_url & webhook_url_file must be configured");
        let e = yaml_serde::from_str::<Msteamsv2Config>("summary: s").unwrap_err().to_string();
        assert!(e.contains("unknown field `summary`"), "{e}");
    }
}
