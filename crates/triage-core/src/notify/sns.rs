//! Amazon SNS (`sns_configs`; `api_url` a template and `sigv4.external_id` etc. in later
//! releases): the fields of one `Publish` call of the SNS query API, form-encoded as the AWS
//! SDK sends them (keys sorted). The shell signs the request with SigV4 (service `sns`,
//! `sigv4.region`, its credentials or role) and sends it; when `api_url` is unset the
//! request goes to `https://sns.<region>.amazonaws.com/`.
//!
//! The message is cut to 256 KiB (1600 bytes for an SMS to `phone_number`) at a character
//! boundary, with a `truncated` message attribute (Alertmanager cuts at the byte). A FIFO
//! topic (`.fifo`) gets the group key's SHA-256 as deduplication and group id. Retried on
//! 5xx only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::request::problem;
use super::{Body, BuildError, Expand, FileSecrets, HttpRequest, Integration, Method, NotifyContext};
use crate::config::model::{Raw, Secret};
use crate::config::{ConfigError, GlobalConfig};

/// The largest message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// The largest SMS message, in bytes.
pub const MAX_SMS_BYTES: usize = 1600;

/// An `sns_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SnsConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The SNS endpoint (a template in newer releases); AWS's regional one when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_url: String,
    /// How requests are signed.
    #[serde(default)]
    pub sigv4: SigV4Config,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub topic_arn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone_number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_arn: String,
    #[serde(default = "default_subject")]
    pub subject: String,
    #[serde(default = "default_message")]
    pub message: String,
    /// Message attributes (names and values are templates).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Use the AWS SDK's HTTP client (Alertmanager 0.31); accepted, triage has one client.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_aws_http_client: bool,
}

/// Prometheus' `sigv4` block. Empty values come from the AWS default credential chain.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SigV4Config {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub profile: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub external_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_fips_sts_endpoint: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_name: String,
}

fn default_subject() -> String {
    r#"{{ template "sns.default.subject" . }}"#.into()
}
fn default_message() -> String {
    r#"{{ template "sns.default.message" . }}"#.into()
}

impl Default for SnsConfig {
    fn default() -> SnsConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl SigV4Config {
    /// Prometheus' `SigV4Config.Validate`.
    fn problems(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let secret = self.secret_key.as_ref().is_some_and(|s| !s.is_empty());
        if self.access_key.is_empty() == secret {
            out.push(
                "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config",
            );
        }
        let no_role = self.role_arn.is_empty();
        if !self.external_id.is_empty() && no_role {
            out.push("external_id can only be used with role_arn");
        }
        if !self.session_name.is_empty() && no_role {
            out.push("session_name can only be used with role_arn");
        }
        let name_ok = (2..=64).contains(&self.session_name.chars().count())
            && self.session_name.chars().all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c));
        if !self.session_name.is_empty() && !name_ok {
            out.push("session_name must match ^[\\w+=,.@-]{2,64}$ (2-64 alphanumeric and +=,.@- characters)");
        }
        if !self.tags.is_empty() && no_role {
            out.push("tags can only be used with role_arn");
        }
        out
    }
}

impl Integration for SnsConfig {
    const KEY: &'static str = "sns_configs";
    const NAME: &'static str = "sns";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        vec![]
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        let (a, b, c) = (self.target_arn.is_empty(), self.topic_arn.is_empty(), self.phone_number.is_empty());
        // Alertmanager's `(a != b) != c`: exactly one target, or (a quirk kept) all three.
        if (a != b) != c {
            problem(out, path, "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
        }
        // Prometheus only checks the pair when credentials are given at all.
        let sig = &self.sigv4;
        let given = !sig.access_key.is_empty() || sig.secret_key.as_ref().is_some_and(|s| !s.is_empty());
        for m in sig.problems() {
            if given || !m.starts_with("must provide") {
                problem(out, format!("{path}.sigv4"), m);
            }
        }
    }

    fn build(
        &self,
        _global: &GlobalConfig,
        _files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let mut attributes: BTreeMap<String, String> =
            self.attributes.iter().map(|(k, v)| (ex.text(k), ex.text(v))).collect();
        let mut fields: Vec<(String, String)> = vec![("Action".into(), "Publish".into())];
        let mut limit = MAX_MESSAGE_BYTES;
        if !self.topic_arn.is_empty() {
            let topic = ex.text(&self.topic_arn);
            if topic.ends_with(".fifo") {
                fields.push(("MessageDeduplicationId".into(), ctx.key_hash()));
                fields.push(("MessageGroupId".into(), ctx.key_hash()));
            }
            fields.push(("TopicArn".into(), topic));
        }
        if !self.phone_number.is_empty() {
            fields.push(("PhoneNumber".into(), ex.text(&self.phone_number)));
            limit = MAX_SMS_BYTES;
        }
        if !self.target_arn.is_empty() {
            fields.push(("TargetArn".into(), ex.text(&self.target_arn)));
        }
        let message = ex.text(&self.message);
        let message = if message.len() > limit {
            attributes.insert("truncated".into(), "true".into());
            let mut end = limit;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message[..end].to_string()
        } else {
            message
        };
        fields.push(("Message".into(), message));
        for (i, (name, value)) in attributes.into_iter().enumerate() {
            let p = format!("MessageAttributes.entry.{}", i + 1);
            fields.push((format!("{p}.Name"), name));
            fields.push((format!("{p}.Value.DataType"), "String".into()));
            fields.push((format!("{p}.Value.StringValue"), value));
        }
        if !self.subject.is_empty() {
            fields.push(("Subject".into(), ex.text(&self.subject)));
        }
        fields.push(("Version".into(), "2010-03-31".into()));
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let api_url = ex.text(&self.api_url);
        let url = if api_url.is_empty() {
            if self.sigv4.region.is_empty() {
                return Err(BuildError::Invalid {
                    field: "sigv4.region",
                    message: "region not configured in sns.sigv4.region".into(),
                });
            }
            format!("https://sns.{}.amazonaws.com/", self.sigv4.region)
        } else {
            api_url
        };
        Ok(vec![HttpRequest {
            method: Method::Post,
            url,
            headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded; charset=utf-8".into())],
            body: Body::Form(fields),
        }])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;
