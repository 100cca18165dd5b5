//! alertmanager.yml: loading, validation, and the runtime view the engine uses.
//!
//! [`Config::from_yaml`] reads the file into the serde model ([`model`]) piece by piece (each
//! route node, receiver, integration, inhibit rule and time interval on its own), so that one
//! malformed piece does not hide the problems of the others; the `validate` pass then checks what
//! the pieces mean and compiles the route tree, the inhibit rules and the time intervals.
//! Every problem found is returned at once in [`ConfigErrors`], each with the path of the
//! offending key (`route.routes[2].receiver`). Messages use Alertmanager 0.25's wording.

pub mod anomaly;
pub mod channels;
pub mod classification;
pub mod duration;
pub mod flapping;
pub mod incident;
pub mod logwatch;
pub mod model;
pub mod outages;
pub mod replay;
mod validate;
pub(crate) use validate::check_secret_url;

use std::collections::BTreeSet;
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use yaml_serde::{Mapping, Value};

pub use crate::inhibit::InhibitRule;
use crate::route::Route;
use crate::timeinterval::{NamedTimeInterval, TimeInterval};
pub use duration::{DurationError, PromDuration, format_duration, parse_duration};
pub use model::{ConfigFile, GlobalConfig, InhibitRuleConfig, Raw, ReceiverConfig, RouteConfig, Secret, WebhookConfig};

/// The configuration triage uses when started without `--config`.
pub const DEFAULT_CONFIG: &str = r#"# triage's built-in configuration, used when no --config is given.
# Alerts are received, grouped, stored and shown in the UI and API, but no notification is
# sent: the "default" receiver has no integrations. Pass --config with an alertmanager.yml
# (the same format as Prometheus Alertmanager 0.25) to notify people.
global:
  # An alert that stops being re-sent without an end time resolves after this long.
  resolve_timeout: 5m

route:
  receiver: default
  # One notification group per alert name.
  group_by: ['alertname']
  # Wait this long for more alerts of a new group before the first notification.
  group_wait: 30s
  # Wait this long before notifying about alerts added to a group already notified.
  group_interval: 5m
  # Wait this long before repeating a notification that has not changed.
  repeat_interval: 4h

receivers:
  # Add webhook_configs, email_configs, ... here to deliver notifications.
  - name: default

# Example: a critical alert mutes the warning of the same alert on the same instance.
# inhibit_rules:
#   - source_matchers: ['severity="critical"']
#     target_matchers: ['severity="warning"']
#     equal: ['alertname', 'instance']
"#;

/// One problem in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// Where: dotted keys and list indices (`route.routes[2].receiver`); empty for the file.
    pub path: String,
    /// What, in Alertmanager's words where it has some.
    pub message: String,
}

impl ConfigError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// Every problem found in a configuration (at least one); `Display` prints one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    /// The problems, in the order found.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `ConfigErrors` holds at least one problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Problems found so far, and the paths of pieces that could not be read (their contents are
/// placeholders, so checks on them are skipped).
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    errors: Vec<ConfigError>,
    unread: BTreeSet<String>,
}

impl Diagnostics {
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError::new(path, one_line(message.into())));
    }

    pub(crate) fn skipped(&self, path: &str) -> bool {
        self.unread.contains(path)
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, ConfigErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(ConfigErrors(self.errors)) }
    }
}

/// A validated configuration, with the parts the runtime needs compiled.
#[derive(Clone, Debug)]
pub struct Config {
    file: ConfigFile,
    route: Route,
    inhibit_rules: Vec<InhibitRule>,
    time_intervals: Vec<NamedTimeInterval>,
}

impl Config {
    /// Reads and validates alertmanager.yml text, reporting every problem found.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigErrors> {
        let mut diag = Diagnostics::default();
        match parse_file(text, &mut diag) {
            Some(file) => validate::compile(file, diag),
            None => Err(ConfigErrors(diag.errors)),
        }
    }

    /// Validates a model built in code.
    pub fn from_model(file: ConfigFile) -> Result<Config, ConfigErrors> {
        validate::compile(file, Diagnostics::default())
    }

    /// The built-in [`DEFAULT_CONFIG`].
    pub fn default_config() -> Config {
        match Config::from_yaml(DEFAULT_CONFIG) {
            Ok(c) => c,
            Err(e) => unreachable!("DEFAULT_CONFIG is tested to be valid: {e}"),
        }
    }

    /// The file as read (secrets redacted when serialized).
    pub fn file(&self) -> &ConfigFile {
        &self.file
    }

    /// The `global` section.
    pub fn global(&self) -> &GlobalConfig {
        &self.file.global
    }

    /// How long an alert without `endsAt` stays firing without updates.
    pub fn resolve_timeout(&self) -> SignedDuration {
        self.file.global.resolve_timeout()
    }

    /// The root of the compiled route tree.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// All receivers, in file order.
    pub fn receivers(&self) -> &[ReceiverConfig] {
        &self.file.receivers
    }

    /// The receiver named `name`.
    pub fn receiver(&self, name: &str) -> Option<&ReceiverConfig> {
        self.file.receivers.iter().find(|r| r.name == name)
    }

    /// The compiled inhibit rules, in file order.
    pub fn inhibit_rules(&self) -> &[InhibitRule] {
        &self.inhibit_rules
    }

    /// All named time intervals (`mute_time_intervals` first, then `time_intervals`).
    pub fn time_intervals(&self) -> &[NamedTimeInterval] {
        &self.time_intervals
    }

    /// The time interval named `name`.
    pub fn time_interval(&self, name: &str) -> Option<&NamedTimeInterval> {
        self.time_intervals.iter().find(|t| t.name == name)
    }

    /// Whether the time interval `name` exists and contains `t`.
    pub fn time_interval_contains(&self, name: &str, t: Timestamp) -> bool {
        self.time_interval(name).is_some_and(|ti| ti.contains(t))
    }

    /// Whether `t` is inside any of the named intervals (how Alertmanager evaluates a route's
    /// `mute_time_intervals` and `active_time_intervals`).
    pub fn in_time_intervals(&self, names: &[String], t: Timestamp) -> bool {
        names.iter().filter_map(|n| self.time_interval(n)).any(|ti| ti.contains(t))
    }

    /// The `outages` section; the defaults when absent.
    pub fn outages(&self) -> std::borrow::Cow<'_, outages::OutagesConfig> {
        match &self.file.outages {
            Some(o) => std::borrow::Cow::Borrowed(o),
            None => std::borrow::Cow::Owned(outages::OutagesConfig::default()),
        }
    }

    /// Template files to load.
    pub fn templates(&self) -> &[String] {
        &self.file.templates
    }
}

/// Keeps the first and last lines of a multi-line message (the regex crate's errors draw the
/// pattern with a caret in between), so that errors print one per line.
fn one_line(message: String) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    match (lines.next(), lines.next_back()) {
        (Some(first), Some(last)) => format!("{first} {}", last.strip_prefix("error: ").unwrap_or(last)),
        _ => message,
    }
}

const TOP_LEVEL_KEYS: &str = "`global`, `route`, `receivers`, `inhibit_rules`, `templates`, `time_intervals`, `mute_time_intervals`, `runbooks`, `logwatch`, `outages`, `anomaly`, `classification`, `flapping`, `replay`, `tracing`";

/// Reads the file into the model, one piece at a time; `None` when it is not YAML at all.
fn parse_file(text: &str, diag: &mut Diagnostics) -> Option<ConfigFile> {
    let mut root: Value = match yaml_serde::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diag.push("", e.to_string());
            return None;
        }
    };
    if let Err(e) = root.apply_merge() {
        diag.push("", e.to_string());
        return None;
    }
    let map = match root {
        Value::Null => Mapping::new(),
        Value::Mapping(m) => m,
        _ => {
            diag.push("", "the configuration must be a mapping of sections (global, route, receivers, ...)");
            return None;
        }
    };
    let mut file = ConfigFile::default();
    for (key, value) in map {
        let Some(key) = key.as_str() else {
            diag.push("", format!("invalid key {key:?}: section names are strings"));
            continue;
        };
        let path = key.to_string();
        // A section written with no value (`templates:`, `global: ~`) is an absent one, as
        // Go's YAML decoder reads it.
        if value.is_null() && TOP_LEVEL_KEYS.contains(&format!("`{key}`")) {
            continue;
        }
        match key {
            "global" => file.global = piece(value, &path, diag).unwrap_or_default(),
            "route" if value.is_null() => {}
            "route" => file.route = Some(parse_route(value, &path, diag)),
            "receivers" => file.receivers = list(value, &path, diag, parse_receiver),
            "inhibit_rules" => {
                file.inhibit_rules = list(value, &path, diag, |v, p, d| piece(v, p, d).unwrap_or_default())
            }
            "templates" => file.templates = piece(value, &path, diag).unwrap_or_default(),
            "time_intervals" => file.time_intervals = list(value, &path, diag, parse_named_interval),
            "mute_time_intervals" => file.mute_time_intervals = list(value, &path, diag, parse_named_interval),
            "runbooks" => file.runbooks = list(value, &path, diag, piece).into_iter().flatten().collect(),
            "logwatch" if value.is_null() => {}
            "logwatch" => file.logwatch = piece(value, &path, diag),
            "replay" if value.is_null() => {}
            "replay" => file.replay = piece(value, &path, diag),
            "flapping" if value.is_null() => {}
            "flapping" => file.flapping = piece(value, &path, diag),
            "classification" if value.is_null() => {}
            "classification" => file.classification = piece(value, &path, diag),
            "anomaly" if value.is_null() => {}
            "anomaly" => file.anomaly = piece(value, &path, diag),
            "outages" if value.is_null() => {}
            "outages" => file.outages = parse_outages(value, &path, diag),
            "tracing" => file.tracing = Some(Raw(value.clone())),
            _ => diag.push(path, format!("unknown field `{key}`, expected one of {TOP_LEVEL_KEYS}")),
        }
    }
    Some(file)
}

fn parse_route(mut value: Value, path: &str, diag: &mut Diagnostics) -> RouteConfig {
    let children = take(&mut value, "routes");
    let mut node: RouteConfig = piece(value, path, diag).unwrap_or_default();
    if let Some(c) = children {
        node.routes = list(c, &format!("{path}.routes"), diag, parse_route);
    }
    node
}

fn parse_receiver(mut value: Value, path: &str, diag: &mut Diagnostics) -> ReceiverConfig {
    let name = name_of(&value);
    let typed: Vec<(&str, Option<Value>)> = TYPED_INTEGRATIONS.iter().map(|k| (*k, take(&mut value, k))).collect();
    let mut node =
        piece::<ReceiverConfig>(value, path, diag).unwrap_or_else(|| ReceiverConfig { name, ..Default::default() });
    for (key, v) in typed {
        let Some(v) = v else { continue };
        let p = format!("{path}.{key}");
        // An entry that cannot be read stays as a default one, so later entries keep their
        // index; its error is reported.
        match key {
            "webhook_configs" => node.webhook_configs = list(v, &p, diag, piece_or_default),
            "email_configs" => node.email_configs = list(v, &p, diag, piece_or_default),
            "slack_configs" => node.slack_configs = list(v, &p, diag, piece_or_default),
            "mattermost_configs" => node.mattermost_configs = list(v, &p, diag, piece_or_default),
            "pagerduty_configs" => node.pagerduty_configs = list(v, &p, diag, piece_or_default),
            "opsgenie_configs" => node.opsgenie_configs = list(v, &p, diag, piece_or_default),
            "wechat_configs" => node.wechat_configs = list(v, &p, diag, piece_or_default),
            "pushover_configs" => node.pushover_configs = list(v, &p, diag, piece_or_default),
            "victorops_configs" => node.victorops_configs = list(v, &p, diag, piece_or_default),
            "sns_configs" => node.sns_configs = list(v, &p, diag, piece_or_default),
            "telegram_configs" => node.telegram_configs = list(v, &p, diag, piece_or_default),
            "webex_configs" => node.webex_configs = list(v, &p, diag, piece_or_default),
            "discord_configs" => node.discord_configs = list(v, &p, diag, piece_or_default),
            "msteams_configs" => node.msteams_configs = list(v, &p, diag, piece_or_default),
            "msteamsv2_configs" => node.msteamsv2_configs = list(v, &p, diag, piece_or_default),
            "rocketchat_configs" => node.rocketchat_configs = list(v, &p, diag, piece_or_default),
            "incidentio_configs" => node.incidentio_configs = list(v, &p, diag, piece_or_default),
            "jira_configs" => node.jira_configs = list(v, &p, diag, piece_or_default),
            _ => node.alertmanager_configs = list(v, &p, diag, piece_or_default),
        }
    }
    node
}

/// A piece, or its type's default settings (all keys unset) when it cannot be read.
fn piece_or_default<T: serde::de::DeserializeOwned>(value: Value, path: &str, diag: &mut Diagnostics) -> T {
    piece(value, path, diag).unwrap_or_else(|| yaml_serde::from_str("{}").expect("every setting has a default"))
}

/// Integration lists read entry by entry, so one bad entry does not hide the others' errors.
const TYPED_INTEGRATIONS: [&str; 19] = [
    "webhook_configs",
    "email_configs",
    "slack_configs",
    "mattermost_configs",
    "pagerduty_configs",
    "opsgenie_configs",
    "wechat_configs",
    "pushover_configs",
    "victorops_configs",
    "sns_configs",
    "telegram_configs",
    "webex_configs",
    "discord_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "rocketchat_configs",
    "jira_configs",
    "incidentio_configs",
    "alertmanager_configs",
];

fn parse_named_interval(mut value: Value, path: &str, diag: &mut Diagnostics) -> NamedTimeInterval {
    let name = name_of(&value);
    let entries = take(&mut value, "time_intervals");
    let mut node =
        piece::<NamedTimeInterval>(value, path, diag).unwrap_or(NamedTimeInterval { name, time_intervals: vec![] });
    if let Some(e) = entries {
        node.time_intervals = list(e, &format!("{path}.time_intervals"), diag, |v, p, d| {
            piece::<TimeInterval>(v, p, d).unwrap_or_default()
        });
    }
    node
}

/// The `outages` section, its sources read one by one so one bad source does not hide the
/// others' errors (a source that cannot be read is left out).
fn parse_outages(mut value: Value, path: &str, diag: &mut Diagnostics) -> Option<outages::OutagesConfig> {
    let sources = take(&mut value, "sources");
    let mut section: outages::OutagesConfig = piece(value, path, diag)?;
    if let Some(s) = sources {
        section.sources = list(s, &format!("{path}.sources"), diag, piece).into_iter().flatten().collect();
    }
    Some(section)
}

/// Removes `key` from a mapping, so the rest can be read on its own.
fn take(value: &mut Value, key: &str) -> Option<Value> {
    match value {
        Value::Mapping(m) => m.remove(key),
        _ => None,
    }
}

/// The `name` of a mapping, for placeholders of pieces that could not be read.
fn name_of(value: &Value) -> String {
    match value.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Reads a list whose items are read one by one with `item` (an unreadable item becomes a
/// placeholder, so later indices stay right).
fn list<T>(
    value: Value,
    path: &str,
    diag: &mut Diagnostics,
    item: impl Fn(Value, &str, &mut Diagnostics) -> T,
) -> Vec<T> {
    match value {
        Value::Null => Vec::new(),
        Value::Sequence(items) => {
            items.into_iter().enumerate().map(|(i, v)| item(v, &format!("{path}[{i}]"), diag)).collect()
        }
        other => {
            piece::<Vec<Value>>(other, path, diag);
            Vec::new()
        }
    }
}

/// The key each piece is nested under while it is read, so that serde's error paths can be
/// told apart from its messages.
const PIECE: &str = "__piece";

#[derive(serde::Deserialize)]
struct Wrapped<T> {
    #[serde(rename = "__piece")]
    piece: T,
}

/// Reads one piece with the text deserializer (which, like Go's yaml.v2, reads any scalar as a
/// string and tracks paths); on failure, records the error and marks `path` unread.
fn piece<T: serde::de::DeserializeOwned>(value: Value, path: &str, diag: &mut Diagnostics) -> Option<T> {
    let mut wrapper = Mapping::new();
    wrapper.insert(Value::String(PIECE.into()), value);
    let result =
        yaml_serde::to_string(&Value::Mapping(wrapper)).and_then(|text| yaml_serde::from_str::<Wrapped<T>>(&text));
    match result {
        Ok(w) => Some(w.piece),
        Err(e) => {
            let e = piece_error(path, &e);
            diag.push(e.path, e.message);
            diag.unread.insert(path.to_string());
            None
        }
    }
}

fn piece_error(path: &str, e: &yaml_serde::Error) -> ConfigError {
    let mut msg = e.to_string();
    if let Some(loc) = e.location()
        && let Some(m) = msg.strip_suffix(&format!(" at line {} column {}", loc.line(), loc.column()))
    {
        msg = m.to_string();
    }
    let mut full = path.to_string();
    if let Some(rest) = msg.strip_prefix(PIECE) {
        let (inner, m) = rest.split_once(": ").unwrap_or(("", rest));
        full.push_str(inner);
        msg = m.to_string();
    }
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        full = format!("{full}.{field}");
    }
    ConfigError::new(full, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        let c = Config::default_config();
        assert_eq!(c.route().opts.receiver, "default");
        assert_eq!(c.receiver("default").unwrap().integration_count(), 0);
        assert_eq!(c.resolve_timeout(), SignedDuration::from_mins(5));
        assert!(c.inhibit_rules().is_empty());
    }

    #[test]
    fn errors_print_one_per_line() {
        let e = ConfigErrors(vec![ConfigError::new("route", "a"), ConfigError::new("", "b")]);
        assert_eq!(e.to_string(), "route: a\nb");
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn piece_errors_carry_inner_paths() {
        let e =
            Config::from_yaml("route:\n  receiver: r\n  group_wait: 5x\n  routes:\n  - continue: maybe\n").unwrap_err();
        let lines: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(lines.iter().any(|l| l.starts_with(r#"route.group_wait: not a valid duration string: "5x""#)), "{e}");
        assert!(lines.iter().any(|l| l.starts_with("route.routes[0].continue: invalid type")), "{e}");
        assert!(!lines.iter().any(|l| l.contains(" at line ")), "{e}");
    }

    #[test]
    fn yaml_syntax_errors_keep_their_position() {
        let e = Config::from_yaml("route: [\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e.to_string().contains("line"), "{e}");
    }

    #[test]
    fn merge_keys_and_scalars_as_strings() {
        let c = Config::from_yaml(
            "x-base: &base {receiver: r, group_wait: 10s}\nroute:\n  <<: *base\n  routes:\n  - {<<: *base, match: {code: 500}}\nreceivers: [{name: r}]\n",
        );
        // The anchor's holder is not a section, so it is reported; the merge itself works.
        let e = c.unwrap_err();
        assert_eq!(e.len(), 1, "{e}");
        assert!(e.errors()[0].path == "x-base", "{e}");
        let c = Config::from_yaml(
            "route:\n  receiver: r\n  routes:\n  - {match: {code: 500}, group_wait: 0}\nreceivers: [{name: r}]\n",
        )
        .unwrap();
        assert_eq!(c.route().routes[0].key(), r#"{}/{code="500"}"#);
    }

    #[test]
    fn sections_without_a_value_are_absent() {
        let c = Config::from_yaml(
            "global:
templates:
inhibit_rules: ~
time_intervals:
route: {receiver: a}
receivers: [{name: a}]
",
        )
        .unwrap();
        assert!(c.templates().is_empty());
        assert!(
            Config::from_yaml(
                "route: {receiver: a}
receivers: [{name: a}]
bogus: ~
"
            )
            .is_err()
        );
    }
}
