//! The serde model of alertmanager.yml (Alertmanager 0.25 keys), before validation.
//!
//! These types say what the file may contain; they do not check what it means (labels,
//! matchers, receivers that exist, ...): the `validate` pass does, in one pass, and builds the
//! runtime [`super::Config`]. Every struct refuses unknown keys. The integration kinds beyond
//! webhook, e-mail, Slack, Mattermost and Alertmanager are typed in [`crate::notify`], one
//! module each; settings triage does not type (`http_config`) are kept as [`Raw`] YAML.
//! Secrets print as `<secret>` in `Debug` and when serialized.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::channels::{AlertmanagerConfig, EmailConfig, MattermostConfig, RunbookConfig, SlackConfig};
use super::duration::PromDuration;
use crate::notify;
use crate::timeinterval::NamedTimeInterval;

/// What secrets print as, in `Debug` and when serialized (Alertmanager's token).
pub const SECRET_TOKEN: &str = "<secret>";

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Defaults shared by receivers, and `resolve_timeout`.
    #[serde(default, deserialize_with = "null_default")]
    pub global: GlobalConfig,
    /// The root of the route tree (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteConfig>,
    /// Where notifications go.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub receivers: Vec<ReceiverConfig>,
    /// Rules muting target alerts while a source alert fires.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    /// Notification template files.
    #[serde(default, deserialize_with = "null_default")]
    pub templates: Vec<String>,
    /// Named time intervals, referenced by routes.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedTimeInterval>,
    /// Deprecated top-level spelling of `time_intervals`; both lists are merged.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<NamedTimeInterval>,
    /// Instructions attached to the notifications of matching alerts (triage's own).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub runbooks: Vec<RunbookConfig>,
    /// Node monitoring from shipped logs and agents' samples (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logwatch: Option<super::logwatch::LogwatchConfig>,
    /// Outage sources and correlation (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outages: Option<super::outages::OutagesConfig>,
    /// Anomaly detection on queried series (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anomaly: Option<super::anomaly::AnomalyConfig>,
    /// The classification model (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<super::classification::ClassificationConfig>,
    /// When a flapping alert's notifications are held (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flapping: Option<super::flapping::FlappingConfig>,
    /// How `triage replay` reads a CSV history (triage's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<super::replay::ReplayConfig>,
    /// Alertmanager's `tracing` (0.28: OpenTelemetry export of notification traces). Accepted
    /// so that current files load; triage exports no traces, and says so in its log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing: Option<Raw>,
}

/// Alertmanager's default PagerDuty events URL.
pub const DEFAULT_PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// Alertmanager's default OpsGenie API URL.
pub const DEFAULT_OPSGENIE_API_URL: &str = "https://api.opsgenie.com/";
/// Alertmanager's default WeChat API URL.
pub const DEFAULT_WECHAT_API_URL: &str = "https://qyapi.weixin.qq.com/cgi-bin/";
/// Alertmanager's default VictorOps API URL.
pub const DEFAULT_VICTOROPS_API_URL: &str = "https://alert.victorops.com/integrations/generic/20131114/alert/";
/// Alertmanager's default Telegram API URL.
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
/// Alertmanager's default Webex API URL.
pub const DEFAULT_WEBEX_API_URL: &str = "https://webexapis.com/v1/messages";
/// Alertmanager's default Rocket.Chat API URL.
pub const DEFAULT_ROCKETCHAT_API_URL: &str = "https://open.rocket.chat/";

/// The `global` section. Unset fields take Alertmanager's defaults through the accessors.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct GlobalConfig {
    /// After this long without an update an alert without `endsAt` is resolved (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_timeout: Option<PromDuration>,
    /// Default HTTP client settings for integrations (Prometheus `http_config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_hello: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_smarthost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_auth_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_auth_password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_auth_password_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_auth_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_auth_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_require_tls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_tls_config: Option<super::channels::TlsConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_api_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_api_url_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_key_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_api_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_api_corp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victorops_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victorops_api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victorops_api_key_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram_api_url: Option<String>,
    /// Default bot token of `telegram_configs` (Alertmanager 0.28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram_bot_token: Option<Secret>,
    /// A file holding the default Telegram bot token (0.28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram_bot_token_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webex_api_url: Option<String>,
    /// A file holding `wechat_api_secret` (Alertmanager 0.29).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_api_secret_file: Option<String>,
    /// Default API URL of `jira_configs` (Alertmanager 0.28; no default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira_api_url: Option<String>,
    /// Default API URL of `rocketchat_configs` (0.28; `https://open.rocket.chat/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocketchat_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocketchat_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_id: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_id_file: Option<String>,
}

impl GlobalConfig {
    /// `resolve_timeout`, 5m when unset.
    pub fn resolve_timeout(&self) -> jiff::SignedDuration {
        self.resolve_timeout.map_or(jiff::SignedDuration::from_mins(5), PromDuration::get)
    }

    /// `smtp_hello`, `localhost` when unset.
    pub fn smtp_hello(&self) -> &str {
        non_empty(&self.smtp_hello).unwrap_or("localhost")
    }

    /// `smtp_require_tls`, true when unset.
    pub fn smtp_require_tls(&self) -> bool {
        self.smtp_require_tls.unwrap_or(true)
    }

    /// `pagerduty_url` or Alertmanager's default.
    pub fn pagerduty_url(&self) -> &str {
        non_empty(&self.pagerduty_url).unwrap_or(DEFAULT_PAGERDUTY_URL)
    }

    /// `opsgenie_api_url` or Alertmanager's default.
    pub fn opsgenie_api_url(&self) -> &str {
        non_empty(&self.opsgenie_api_url).unwrap_or(DEFAULT_OPSGENIE_API_URL)
    }

    /// `wechat_api_url` or Alertmanager's default.
    pub fn wechat_api_url(&self) -> &str {
        non_empty(&self.wechat_api_url).unwrap_or(DEFAULT_WECHAT_API_URL)
    }

    /// `victorops_api_url` or Alertmanager's default.
    pub fn victorops_api_url(&self) -> &str {
        non_empty(&self.victorops_api_url).unwrap_or(DEFAULT_VICTOROPS_API_URL)
    }

    /// `telegram_api_url` or Alertmanager's default.
    pub fn telegram_api_url(&self) -> &str {
        non_empty(&self.telegram_api_url).unwrap_or(DEFAULT_TELEGRAM_API_URL)
    }

    /// `rocketchat_api_url` or Alertmanager's default.
    pub fn rocketchat_api_url(&self) -> &str {
        non_empty(&self.rocketchat_api_url).unwrap_or(DEFAULT_ROCKETCHAT_API_URL)
    }

    /// `webex_api_url` or Alertmanager's default.
    pub fn webex_api_url(&self) -> &str {
        non_empty(&self.webex_api_url).unwrap_or(DEFAULT_WEBEX_API_URL)
    }
}

/// The value of an optional string, when set and not empty (Go treats `""` as unset).
pub fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// One node of the route tree, as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Receiver name; inherited from the parent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// Labels to group by; `...` means all labels. Inherited when unset or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    /// Keep matching later siblings after this route matched.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
    /// Matcher lists such as `severity="critical"` or `{a="b", c=~"d"}`.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    /// Deprecated equality matchers.
    #[serde(default, rename = "match", deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_eq: BTreeMap<String, String>,
    /// Deprecated regex matchers (anchored).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub match_re: BTreeMap<String, String>,
    /// Wait before the first notification of a new group (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<PromDuration>,
    /// Wait between notifications about changes to a group (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<PromDuration>,
    /// Wait before repeating an unchanged notification (default 4h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<PromDuration>,
    /// Names of time intervals during which this route is muted (not inherited).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    /// Names of time intervals outside which this route is muted (not inherited).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    /// Notify per incident (triage's own; inherited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incidents: Option<super::incident::IncidentConfig>,
    /// Child routes, tried in order.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteConfig>,
}

/// A receiver: a name and its integrations.
///
/// Every Alertmanager integration kind is typed (its pure parts live in [`crate::notify`]).
/// [`ReceiverConfig::all_integrations`] lists them in the order Alertmanager builds them
/// (`BuildReceiverIntegrations`): webhook, email, pagerduty, opsgenie, wechat, slack,
/// victorops, pushover, sns, telegram, discord, webex, msteams, msteamsv2, jira, incidentio,
/// rocketchat, mattermost; then triage's own `alertmanager_configs`. Alertmanager numbers
/// each integration within its kind (`pagerduty[1]`), which is what its notification log
/// keys on.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ReceiverConfig {
    /// Unique name, referenced by routes.
    #[serde(default)]
    pub name: String,
    /// Webhook integrations (typed).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<notify::pagerduty::PagerdutyConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    /// Mattermost incoming webhooks (triage's own; Alertmanager 0.29 has its own kind).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub mattermost_configs: Vec<MattermostConfig>,
    /// Upstream Alertmanagers to forward to (triage's own).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub alertmanager_configs: Vec<AlertmanagerConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<notify::opsgenie::OpsgenieConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub wechat_configs: Vec<notify::wechat::WechatConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub pushover_configs: Vec<notify::pushover::PushoverConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub victorops_configs: Vec<notify::victorops::VictoropsConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub sns_configs: Vec<notify::sns::SnsConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub telegram_configs: Vec<notify::telegram::TelegramConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub webex_configs: Vec<notify::webex::WebexConfig>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub discord_configs: Vec<notify::discord::DiscordConfig>,
    /// Microsoft Teams incoming webhooks (Alertmanager 0.26).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub msteams_configs: Vec<notify::msteams::MsteamsConfig>,
    /// Microsoft Teams Workflows webhooks (Alertmanager 0.28).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub msteamsv2_configs: Vec<notify::msteamsv2::Msteamsv2Config>,
    /// Jira issues (Alertmanager 0.28).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub jira_configs: Vec<notify::jira::JiraConfig>,
    /// Rocket.Chat messages (Alertmanager 0.28).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub rocketchat_configs: Vec<notify::rocketchat::RocketchatConfig>,
    /// incident.io alerts (Alertmanager 0.29).
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub incidentio_configs: Vec<notify::incidentio::IncidentioConfig>,
}

/// How many entries a list of integrations has (what [`ReceiverConfig::raw_integrations`]
/// reports per kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entries(pub usize);

impl Entries {
    /// The number of entries.
    pub fn len(self) -> usize {
        self.0
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The integration kinds the I/O shell does not deliver to yet (their pure parts are in
/// [`crate::notify`]), by list key: none since WeChat, SNS and Jira are delivered. Kept so
/// that a kind added to the model before its sender is refused, not dropped.
pub const UNDELIVERED_KINDS: [&str; 0] = [];

impl ReceiverConfig {
    /// The kinds the shell does not deliver to yet ([`UNDELIVERED_KINDS`]) with how many
    /// entries each has. Kept under its old name (these lists were raw YAML) for the shell.
    pub fn raw_integrations(&self) -> Vec<(&'static str, Entries)> {
        let counts = self.kind_counts();
        UNDELIVERED_KINDS
            .iter()
            .map(|k| (*k, Entries(counts.iter().find(|(n, _)| n == k).map_or(0, |(_, c)| *c))))
            .collect()
    }

    /// Every kind's list key and entry count, in Alertmanager's order.
    fn kind_counts(&self) -> [(&'static str, usize); 19] {
        [
            ("webhook_configs", self.webhook_configs.len()),
            ("email_configs", self.email_configs.len()),
            ("pagerduty_configs", self.pagerduty_configs.len()),
            ("opsgenie_configs", self.opsgenie_configs.len()),
            ("wechat_configs", self.wechat_configs.len()),
            ("slack_configs", self.slack_configs.len()),
            ("victorops_configs", self.victorops_configs.len()),
            ("pushover_configs", self.pushover_configs.len()),
            ("sns_configs", self.sns_configs.len()),
            ("telegram_configs", self.telegram_configs.len()),
            ("discord_configs", self.discord_configs.len()),
            ("webex_configs", self.webex_configs.len()),
            ("msteams_configs", self.msteams_configs.len()),
            ("msteamsv2_configs", self.msteamsv2_configs.len()),
            ("jira_configs", self.jira_configs.len()),
            ("incidentio_configs", self.incidentio_configs.len()),
            ("rocketchat_configs", self.rocketchat_configs.len()),
            ("mattermost_configs", self.mattermost_configs.len()),
            ("alertmanager_configs", self.alertmanager_configs.len()),
        ]
    }

    /// Every integration, in Alertmanager's order (see [`ReceiverConfig`]), as (list key,
    /// index in its list, send_resolved).
    pub fn all_integrations(&self) -> Vec<(&'static str, usize, bool)> {
        use crate::notify::Integration;
        fn kind<T: Integration>(out: &mut Vec<(&'static str, usize, bool)>, list: &[T]) {
            out.extend(list.iter().enumerate().map(|(i, c)| (T::KEY, i, c.send_resolved())));
        }
        let mut out = Vec::new();
        out.extend(self.webhook_configs.iter().enumerate().map(|(i, c)| ("webhook_configs", i, c.send_resolved)));
        out.extend(self.email_configs.iter().enumerate().map(|(i, c)| ("email_configs", i, c.send_resolved)));
        kind(&mut out, &self.pagerduty_configs);
        kind(&mut out, &self.opsgenie_configs);
        kind(&mut out, &self.wechat_configs);
        out.extend(self.slack_configs.iter().enumerate().map(|(i, c)| ("slack_configs", i, c.send_resolved)));
        kind(&mut out, &self.victorops_configs);
        kind(&mut out, &self.pushover_configs);
        kind(&mut out, &self.sns_configs);
        kind(&mut out, &self.telegram_configs);
        kind(&mut out, &self.discord_configs);
        kind(&mut out, &self.webex_configs);
        kind(&mut out, &self.msteams_configs);
        kind(&mut out, &self.msteamsv2_configs);
        kind(&mut out, &self.jira_configs);
        kind(&mut out, &self.incidentio_configs);
        kind(&mut out, &self.rocketchat_configs);
        out.extend(self.mattermost_configs.iter().enumerate().map(|(i, c)| ("mattermost_configs", i, c.send_resolved)));
        out.extend(
            self.alertmanager_configs.iter().enumerate().map(|(i, c)| ("alertmanager_configs", i, c.send_resolved)),
        );
        out
    }

    /// The integrations triage delivers to, in the order that numbers them in the
    /// notification log (Alertmanager's order, see [`ReceiverConfig::all_integrations`]),
    /// without the kinds of [`UNDELIVERED_KINDS`]. Each is (list key, index in its list,
    /// send_resolved).
    pub fn integrations(&self) -> Vec<(&'static str, usize, bool)> {
        let mut out = self.all_integrations();
        out.retain(|(key, _, _)| !UNDELIVERED_KINDS.contains(key));
        out
    }

    /// How many integrations the receiver has (0: notifications go nowhere).
    pub fn integration_count(&self) -> usize {
        self.kind_counts().iter().map(|(_, c)| c).sum()
    }
}

/// A `webhook_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "default_true")]
    pub send_resolved: bool,
    /// Where to POST (may carry a token, hence secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Secret>,
    /// A file holding the URL, read by the I/O shell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_file: Option<String>,
    /// Most alerts per message; 0 means all.
    #[serde(default)]
    pub max_alerts: u64,
    /// HTTP client settings; the global ones apply when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig { send_resolved: true, url: None, url_file: None, max_alerts: 0, http_config: None }
    }
}

/// `true`, for serde defaults (`#[serde(default = "crate::config::model::default_true")]`).
pub(crate) fn default_true() -> bool {
    true
}

/// An `inhibit_rules` entry, as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct InhibitRuleConfig {
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub source_match: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub source_match_re: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub source_matchers: Vec<String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub target_match: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "BTreeMap::is_empty")]
    pub target_match_re: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub target_matchers: Vec<String>,
    /// Labels whose values must be equal in source and target.
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub equal: Vec<String>,
}

/// A string that must not be revealed: `Debug` and serialization print `<secret>`.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret value itself, for the code that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (Go treats an empty secret as unset).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_TOKEN)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(SECRET_TOKEN)
    }
}

/// YAML kept as written for settings triage does not type yet. Values under keys that look
/// secret (passwords, tokens, keys, credentials, URLs) print and serialize as `<secret>`.
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(transparent)]
pub struct Raw(pub yaml_serde::Value);

impl Raw {
    /// The YAML, secrets included.
    pub fn value(&self) -> &yaml_serde::Value {
        &self.0
    }

    /// A copy with secret-looking values replaced by `<secret>`.
    pub fn redacted(&self) -> yaml_serde::Value {
        redact(&self.0)
    }

    /// The string under `key` when this is a mapping and the value is a non-empty scalar.
    pub fn str_field(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            yaml_serde::Value::String(s) if !s.is_empty() => Some(s.clone()),
            yaml_serde::Value::Number(n) => Some(n.to_string()),
            yaml_serde::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.redacted().serialize(s)
    }
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    !k.ends_with("_file") && ["password", "secret", "token", "key", "credentials", "url"].iter().any(|w| k.contains(w))
}

fn redact(v: &yaml_serde::Value) -> yaml_serde::Value {
    use yaml_serde::Value;
    match v {
        Value::Mapping(m) => Value::Mapping(
            m.iter()
                .map(|(k, v)| {
                    let secret = k.as_str().is_some_and(is_secret_key) && !v.is_null();
                    let v = if secret { Value::String(SECRET_TOKEN.into()) } else { redact(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Sequence(s) => Value::Sequence(s.iter().map(redact).collect()),
        Value::Tagged(t) => redact(&t.value),
        other => other.clone(),
    }
}

/// Serde helper: reads a scalar as text and converts it with `parse`. The conversion runs
/// inside the deserializer's visit, so YAML errors point at the scalar itself.
pub(crate) fn parse_scalar<'de, D, T, E>(
    d: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct ScalarVisitor<T, E>(fn(&str) -> Result<T, E>, &'static str);
    impl<T, E: fmt::Display> serde::de::Visitor<'_> for ScalarVisitor<T, E> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.1)
        }
        fn visit_str<Er: serde::de::Error>(self, s: &str) -> Result<T, Er> {
            (self.0)(s).map_err(Er::custom)
        }
        fn visit_i64<Er: serde::de::Error>(self, n: i64) -> Result<T, Er> {
            self.visit_str(&n.to_string())
        }
        fn visit_u64<Er: serde::de::Error>(self, n: u64) -> Result<T, Er> {
            self.visit_str(&n.to_string())
        }
    }
    d.deserialize_str(ScalarVisitor(parse, expecting))
}

/// Serde helper: a YAML `null` (an empty key) reads as the default, as Go's yaml.v2 does.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_and_serialization() {
        let w: WebhookConfig = yaml_serde::from_str(
            "url: https://hooks.example.org/T0K3N\nhttp_config:\n  basic_auth: {username: u, password: hunter2}\n",
        )
        .unwrap();
        let dbg = format!("{w:?}");
        assert!(!dbg.contains("T0K3N") && !dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains(SECRET_TOKEN));
        let yaml = yaml_serde::to_string(&w).unwrap();
        assert!(!yaml.contains("T0K3N") && !yaml.contains("hunter2"), "{yaml}");
        assert_eq!(w.url.as_ref().unwrap().expose(), "https://hooks.example.org/T0K3N");
        assert!(w.send_resolved);
    }

    #[test]
    fn raw_integrations_redact_tokens_but_not_file_paths() {
        let r: ReceiverConfig = yaml_serde::from_str(
            "name: s\nslack_configs:\n- api_url: https://hooks.slack.com/services/XYZ\n  channel: '#ops'\n  api_url_file: /etc/slack\n",
        )
        .unwrap();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("XYZ") && dbg.contains("#ops") && dbg.contains("/etc/slack"), "{dbg}");
        assert_eq!(r.integration_count(), 1);
        assert_eq!(r.slack_configs[0].channel.as_deref(), Some("#ops"));
    }

    #[test]
    fn nulls_read_as_defaults() {
        let f: ConfigFile = yaml_serde::from_str("receivers:\ninhibit_rules:\nroute:\n  routes:\n").unwrap();
        assert!(f.receivers.is_empty() && f.inhibit_rules.is_empty());
        assert!(f.route.unwrap().routes.is_empty());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = yaml_serde::from_str::<RouteConfig>("reciever: x").unwrap_err().to_string();
        assert!(e.contains("unknown field `reciever`"), "{e}");
    }

    #[test]
    fn global_defaults() {
        let g = GlobalConfig::default();
        assert_eq!(g.resolve_timeout(), jiff::SignedDuration::from_mins(5));
        assert_eq!(g.smtp_hello(), "localhost");
        assert!(g.smtp_require_tls());
        assert_eq!(g.pagerduty_url(), DEFAULT_PAGERDUTY_URL);
    }
}
