//! Rocket.Chat (`rocketchat_configs`, Alertmanager 0.28): one `chat.postMessage` call with
//! one attachment (title cut to 1024 characters, fields, button actions), authenticated by
//! the `X-Auth-Token` and `X-User-Id` headers. A 2xx answer whose JSON says
//! `"success": false` is a failure not retried ([`answer_error`]); statuses: 5xx retried.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request::{has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, truncate_in_runes};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// Most characters of the attachment's title.
pub const MAX_TITLE_RUNES: usize = 1024;

/// A `rocketchat_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RocketchatConfig {
    /// Notify about resolved alerts too (default false).
    #[serde(default)]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// `global.rocketchat_api_url` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The user id; `global.rocketchat_token_id(_file)` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id_file: Option<String>,
    /// The personal access token; `global.rocketchat_token(_file)` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(default = "default_color")]
    pub color: String,
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default = "default_title_link")]
    pub title_link: String,
    #[serde(default = "default_text")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<RocketchatField>,
    /// The `short` of fields that do not say.
    #[serde(default)]
    pub short_fields: bool,
    #[serde(default = "default_emoji")]
    pub emoji: String,
    #[serde(default = "default_icon_url")]
    pub icon_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thumb_url: String,
    /// Accepted; Alertmanager does not send it.
    #[serde(default)]
    pub link_names: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<RocketchatAction>,
}

/// An attachment field (templates).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RocketchatField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub value: String,
}

/// A button (only `text`, `url` and `msg` are sent, as templates; the other keys, spelled as
/// Go's yaml.v2 spells untagged fields, are accepted and ignored as in Alertmanager).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RocketchatAction {
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub imageurl: String,
    #[serde(default)]
    pub iswebview: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub webviewheightratio: String,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub msginchatwindow: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub msgprocessingtype: String,
}

fn default_color() -> String {
    r#"{{ if eq .Status "firing" }}red{{ else }}green{{ end }}"#.into()
}
fn default_emoji() -> String {
    r#"{{ template "rocketchat.default.emoji" . }}"#.into()
}
fn default_icon_url() -> String {
    r#"{{ template "rocketchat.default.iconurl" . }}"#.into()
}
fn default_text() -> String {
    r#"{{ template "rocketchat.default.text" . }}"#.into()
}
fn default_title() -> String {
    r#"{{ template "rocketchat.default.title" . }}"#.into()
}
fn default_title_link() -> String {
    r#"{{ template "rocketchat.default.titlelink" . }}"#.into()
}

impl Default for RocketchatConfig {
    fn default() -> RocketchatConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

type Pair<'a> = (Option<&'a Secret>, Option<&'a str>);

impl RocketchatConfig {
    /// The posting URL (`<api_url>/api/v1/chat.postMessage`).
    pub fn post_url(&self, global: &GlobalConfig) -> String {
        let base = non_empty(&self.api_url).unwrap_or_else(|| global.rocketchat_api_url());
        format!("{}/api/v1/chat.postMessage", base.trim_end_matches('/'))
    }

    fn token<'a>(&'a self, g: &'a GlobalConfig) -> Pair<'a> {
        pick(&self.token, &self.token_file, &g.rocketchat_token, &g.rocketchat_token_file)
    }

    fn token_id<'a>(&'a self, g: &'a GlobalConfig) -> Pair<'a> {
        pick(&self.token_id, &self.token_id_file, &g.rocketchat_token_id, &g.rocketchat_token_id_file)
    }
}

/// Alertmanager's `cmp.Or` on each of the pair separately.
fn pick<'a>(s: &'a Option<Secret>, f: &'a Option<String>, gs: &'a Option<Secret>, gf: &'a Option<String>) -> Pair<'a> {
    let secret = s.as_ref().filter(|s| !s.is_empty()).or(gs.as_ref()).filter(|s| !s.is_empty());
    (secret, non_empty(f).or(non_empty(gf)))
}

/// The credential of a pair: the file when one is set (Alertmanager reads it first), else
/// the inline value.
fn resolve<'a>(pair: Pair<'a>, key: &'static str, files: &'a FileSecrets) -> Result<&'a str, BuildError> {
    match pair {
        (_, Some(_)) => files.trimmed(key),
        (Some(s), None) => Ok(s.expose()),
        (None, None) => Ok(""),
    }
}

/// Whether a 2xx answer reports a failure: `Some(message)` when its JSON is not
/// `"success": true` (not retried; an unreadable body is retried by Alertmanager).
pub fn answer_error(body: &[u8]) -> Option<(bool, String)> {
    match serde_json::from_slice::<Value>(body) {
        Err(e) => Some((true, format!("could not unmarshal JSON response: {e}"))),
        Ok(v) if v.get("success").and_then(Value::as_bool) == Some(true) => None,
        Ok(v) => Some((
            false,
            format!("error response from Rocketchat: {}", v.get("error").and_then(Value::as_str).unwrap_or_default()),
        )),
    }
}

impl Integration for RocketchatConfig {
    const KEY: &'static str = "rocketchat_configs";
    const NAME: &'static str = "rocketchat";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        let mut out = Vec::new();
        if let (_, Some(f)) = self.token(global) {
            out.push(("token_file", f));
        }
        if let (_, Some(f)) = self.token_id(global) {
            out.push(("token_id_file", f));
        }
        out
    }

    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if self.token.is_some() && has(&self.token_file) {
            problem(out, path, "at most one of token & token_file must be configured");
        }
        if self.token_id.is_some() && has(&self.token_id_file) {
            problem(out, path, "at most one of token_id & token_id_file must be configured");
        }
        let set = |p: Pair<'_>| p.0.is_some() || p.1.is_some();
        if !set(self.token_id(global)) && !has_secret(&self.token_id) {
            problem(out, path, "no global Rocketchat TokenID set either inline or in a file");
        }
        if !set(self.token(global)) && !has_secret(&self.token) {
            problem(out, path, "no global Rocketchat Token set either inline or in a file");
        }
        super::request::check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        _ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let token = resolve(self.token(global), "token_file", files)?;
        let token_id = resolve(self.token_id(global), "token_id_file", files)?;
        let mut att = Map::new();
        let title = truncate_in_runes(&ex.text(&self.title), MAX_TITLE_RUNES).0;
        for (k, v) in [
            ("title", title),
            ("title_link", ex.text(&self.title_link)),
            ("text", ex.text(&self.text)),
            ("image_url", ex.text(&self.image_url)),
            ("thumb_url", ex.text(&self.thumb_url)),
            ("color", ex.text(&self.color)),
        ] {
            if !v.is_empty() {
                att.insert(k.into(), v.into());
            }
        }
        if !self.fields.is_empty() {
            let fields: Vec<Value> = self
                .fields
                .iter()
                .map(|f| {
                    let mut m = Map::new();
                    m.insert("short".into(), f.short.unwrap_or(self.short_fields).into());
                    for (k, v) in [("title", ex.text(&f.title)), ("value", ex.text(&f.value))] {
                        if !v.is_empty() {
                            m.insert(k.into(), v.into());
                        }
                    }
                    Value::Object(m)
                })
                .collect();
            att.insert("fields".into(), fields.into());
        }
        if !self.actions.is_empty() {
            let actions: Vec<Value> = self
                .actions
                .iter()
                .map(|a| {
                    let mut m = Map::new();
                    m.insert("type".into(), "button".into());
                    for (k, v) in [("text", ex.text(&a.text)), ("url", ex.text(&a.url))] {
                        if !v.is_empty() {
                            m.insert(k.into(), v.into());
                        }
                    }
                    m.insert("is_webview".into(), false.into());
                    let msg = ex.text(&a.msg);
                    if !msg.is_empty() {
                        m.insert("msg".into(), msg.into());
                    }
                    m.insert("msg_in_chat_window".into(), false.into());
                    Value::Object(m)
                })
                .collect();
            att.insert("actions".into(), actions.into());
        }
        let mut body = Map::new();
        for (k, v) in
            [("channel", ex.text(&self.channel)), ("emoji", ex.text(&self.emoji)), ("avatar", ex.text(&self.icon_url))]
        {
            if !v.is_empty() {
                body.insert(k.into(), v.into());
            }
        }
        body.insert("attachments".into(), Value::Array(vec![Value::Object(att)]));
        let req = HttpRequest::post_json(self.post_url(global), Value::Object(body))
            .header("X-Auth-Token", token)
            .header("X-User-Id", token_id);
        Ok(vec![req])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::testing::{FakeExpand, alerts, context, group_key};
    use serde_json::json;

    fn config(yaml: &str) -> RocketchatConfig {
        yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn message_with_fields_and_actions() {
        let c = config(
            "token: tk\ntoken_id: uid\nchannel: '#ops'\nshort_fields: true\nfields: [{title: a, value: b}, {title: c, value: d, short: false}]\nactions: [{type: link, text: Run, url: 'http://r', msg: m}]\nimage_url: ''\n",
        );
        let key = group_key("r");
        let alerts = alerts("r", false);
        let ctx = context("r", &key, &alerts);
        let mut ex = FakeExpand::new()
            .with(&default_color(), "red")
            .with(&default_title(), "T")
            .with(&default_title_link(), "")
            .with(&default_text(), "X")
            .with(&default_emoji(), ":fire:")
            .with(&default_icon_url(), "");
        let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
        assert_eq!(r.url, "https://open.rocket.chat/api/v1/chat.postMessage");
        assert_eq!((r.header_value("X-Auth-Token"), r.header_value("X-User-Id")), (Some("tk"), Some("uid")));
        assert_eq!(
            r.json().unwrap(),
            &json!({
                "channel": "#ops",
                "emoji": ":fire:",
                "attachments": [{
                    "title": "T", "text": "X", "color": "red",
                    "fields": [{"short": true, "title": "a", "value": "b"}, {"short": false, "title": "c", "value": "d"}],
                    "actions": [{"type": "button", "text": "Run", "url": "http://r", "is_webview": false, "msg": "m", "msg_in_chat_window": false}],
                }],
            })
        );
        assert!(!c.send_resolved && c.retryable(500) && !c.retryable(429));
    }

    #[test]
    fn globals_files_and_answers() {
        let g: GlobalConfig = yaml_serde::from_str(
            "rocketchat_api_url: http://rc.local/base/\nrocketchat_token_file: /t\nrocketchat_token_id: gid",
        )
        .unwrap();
        let c = config("{}");
        assert_eq!(c.secret_files(&g), vec![("token_file", "/t")]);
        assert_eq!(c.post_url(&g), "http://rc.local/base/api/v1/chat.postMessage");
        let key = group_key("r");
        let alerts = alerts("r", true);
        let ctx = context("r", &key, &alerts);
        let files = FileSecrets::new().with("token_file", "ft\n");
        let r = &c.build(&g, &files, &ctx, &mut FakeExpand::new()).unwrap()[0];
        assert_eq!((r.header_value("X-Auth-Token"), r.header_value("X-User-Id")), (Some("ft"), Some("gid")));
        assert_eq!(answer_error(br#"{"success":true}"#), None);
        assert_eq!(
            answer_error(br#"{"success":false,"error":"room not found"}"#),
            Some((false, "error response from Rocketchat: room not found".into()))
        );
        assert!(answer_error(b"oops").unwrap().0);
    }

    #[test]
    fn validation_and_yaml() {
        let mut out = Vec::new();
        config("{}").validate(&GlobalConfig::default(), "p", &mut out);
        config("token: a\ntoken_file: b\ntoken_id: c\ntoken_id_file: d").validate(
            &GlobalConfig::default(),
            "q",
            &mut out,
        );
        let got: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "p: no global Rocketchat TokenID set either inline or in a file",
                "p: no global Rocketchat Token set either inline or in a file",
                "q: at most one of token & token_file must be configured",
                "q: at most one of token_id & token_id_file must be configured",
            ]
        );
        for (yaml, key) in [
            ("fields: [{name: a}]", "unknown field `name`"),
            ("actions: [{image_url: x}]", "unknown field `image_url`"),
        ] {
            let e = yaml_serde::from_str::<RocketchatConfig>(yaml).unwrap_err().to_string();
            assert!(e.contains(key), "{yaml}: {e}");
        }
        assert!(!format!("{:?}", config("token: hunter2")).contains("hunter2"));
    }
}
