//! Runbook instructions (minijinja), and the [`View`] of a flush that triage's own texts read.
//!
//! **Which language a text is in** is fixed by where it is written, never guessed from the
//! text: every field of a receiver in alertmanager.yml (`slack_configs`, `email_configs`,
//! `mattermost_configs`, ...) is an Alertmanager Go template (`crate::go_template`); the texts
//! of triage's own `runbooks:` section (`instructions` and link `url`s) are minijinja
//! templates rendered per alert with that alert (`labels.x`, `annotations.x`, `status`, ...).
//! The rendered instructions reach Go templates as `.Triage.Instructions`.
//!
//! The [`Renderer`]'s field API ([`Renderer::add_field`], [`Renderer::render_field`], the
//! defaults of [`defaults`]) is the sandboxed minijinja engine those runbook texts run in; no
//! receiver field is rendered by it any more.
//!
//! # Sandbox
//!
//! Templates come from the configuration, and a template must not reach outside its view:
//!
//! - **No files.** No loader is installed (`Environment::set_loader` is never called, so
//!   neither minijinja's `path_loader` nor any other), and no path-join callback:
//!   `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` resolve only the
//!   names of templates added from the configuration (`field:<receiver>/<field path>`,
//!   runbook texts), as plain names. Any other name, a path (`/etc/passwd`, `../../x`) or a
//!   URL, is "template not found".
//! - **No environment, network or process access.** The functions and filters are minijinja's
//!   built-ins (pure: `range`, `dict`, `namespace`, `debug` showing the view itself, string and
//!   list filters, `tojson`) plus triage's `mrkdwn` escaping; none reads a file, a variable of
//!   the environment, or the network. Templates see only the [`View`].
//! - **Bounded work and memory.** Every render gets [`FUEL`] fuel (minijinja 3.1's `fuel`
//!   feature): one per instruction and about one per 64 bytes of data created or written, so
//!   a render stops with "engine ran out of fuel" after at most about 2 million instructions
//!   or 128 MB of strings (nested loops, string repetition, huge output). `range` refuses
//!   more than 100,000 items, and `"x" * n` is refused before allocating when the fuel cannot
//!   pay for it. Recursion (macros calling themselves, templates including themselves) stops
//!   at [`RECURSION_LIMIT`] levels.
//!
//! A template stopped by any of these fails like any other broken template: the field is sent
//! with its default text and the error is recorded with the notification
//! ([`Renderer::render_field`]).

pub mod defaults;
pub mod view;

use std::collections::HashMap;

use jiff::Timestamp;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::alert::Alert;
use crate::config::Config;
use crate::config::channels::RunbookConfig;
use crate::matcher::{Matcher, parse_matchers};
pub use view::{Instruction, Link, Suppressed, View, ViewInput};

/// Work a single render may do (instructions, and data at about 64 bytes per unit), so a
/// hostile template can neither spin forever nor exhaust memory.
pub const FUEL: u64 = 2_000_000;

/// How deep macros and includes may nest in one render.
pub const RECURSION_LIMIT: usize = 100;

/// A view converted for rendering; make one with [`context`] and render many fields with it.
pub type Context = Value;

/// The rendering context of a view.
pub fn context(view: &View) -> Context {
    Value::from(minijinja::value::Serde(view))
}

/// A rendered field: the text, and the error that made it fall back to the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// Set when the configured template failed and the default was used.
    pub error: Option<String>,
}

struct Runbook {
    name: String,
    matchers: Vec<Matcher>,
    instructions: String,
    links: Vec<(String, String)>,
}

/// Compiled templates: channel defaults, configured fields and runbooks.
pub struct Renderer {
    env: Environment<'static>,
    /// Field path → template name in `env`, for fields configured with a usable template.
    fields: HashMap<String, String>,
    runbooks: Vec<Runbook>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("fields", &self.fields.len()).field("runbooks", &self.runbooks.len()).finish()
    }
}

/// Escapes `&`, `<` and `>` for Slack's mrkdwn.
fn mrkdwn(s: String) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    // No `set_loader` and no `set_path_join_callback`: see "Sandbox" above.
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.add_filter("mrkdwn", mrkdwn);
    env.set_formatter(html_formatter);
    env
}

/// HTML escaping of `&`, `<`, `>`, `"` and `'` only, so that URLs stay readable in the
/// message source; other escaping modes are minijinja's.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if !matches!(state.auto_escape(), AutoEscape::Html) || value.is_safe() || value.is_none() {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = if value.is_undefined() { String::new() } else { value.to_string() };
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

/// Checks that `source` is a valid template; the error says where it is not.
pub fn check_syntax(source: &str) -> Result<(), String> {
    let env = environment();
    env.template_from_str(source).map(|_| ()).map_err(|e| describe(&e))
}

/// The error, its line, and its innermost cause (an error inside an included template or a
/// macro is otherwise only "could not render include").
fn describe(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    if let Some(line) = e.line()
        && !s.contains("line")
    {
        s.push_str(&format!(" (line {line})"));
    }
    let mut root = None;
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        root = Some(c);
        cause = c.source();
    }
    if let Some(root) = root {
        s.push_str(&format!("; caused by: {root}"));
    }
    s
}

/// Whether a template that does not compile looks like an Alertmanager Go template.
fn looks_like_go_template(source: &str) -> bool {
    let go =
        ["{{ .", "{{.", "{{- .", "{{ template ", "{{template ", "{{ range ", "{{range ", "{{ if ", "{{if ", "{{ $"];
    go.iter().any(|p| source.contains(p)) || source.contains("{{ define ") || source.contains("{{ end }}")
}

/// The channel default for a field path's last part, e.g. `email_configs[0].html` → the
/// default e-mail body.
pub fn default_for(path: &str) -> &'static str {
    let kind = path.rsplit('/').next().unwrap_or(path);
    let (list, field) = match kind.split_once("].") {
        Some((list, field)) => (list.split('[').next().unwrap_or(""), field),
        None => ("", kind),
    };
    match (list, field) {
        ("email_configs", "subject") => defaults::EMAIL_SUBJECT,
        ("email_configs", "html") => defaults::EMAIL_HTML,
        ("email_configs", "text") => defaults::EMAIL_TEXT,
        ("slack_configs", "title") => defaults::SLACK_TITLE,
        ("slack_configs", "title_link") => defaults::SLACK_TITLE_LINK,
        ("slack_configs", "color") => defaults::SLACK_COLOR,
        ("slack_configs", "fallback") => defaults::SLACK_FALLBACK,
        ("slack_configs", "text") => defaults::SLACK_TEXT,
        ("slack_configs" | "mattermost_configs", "username") => defaults::CHAT_USERNAME,
        ("mattermost_configs", "text") => defaults::MATTERMOST_TEXT,
        _ => "",
    }
}

/// The path of a receiver's template field: `ops/email_configs[0].html`.
pub fn field_path(receiver: &str, list: &str, index: usize, field: &str) -> String {
    format!("{receiver}/{list}[{index}].{field}")
}

impl Renderer {
    /// A renderer with the channel defaults only.
    pub fn new() -> Renderer {
        Renderer { env: environment(), fields: HashMap::new(), runbooks: Vec::new() }
    }

    /// The runbooks of `config`, compiled. Receiver fields are Go templates, not read here.
    pub fn from_config(config: &Config) -> Renderer {
        let mut r = Renderer::new();
        r.set_runbooks(&config.file().runbooks);
        r
    }

    /// Adds a configured field; the error says why it cannot be used.
    pub fn add_field(&mut self, path: &str, source: &str) -> Result<(), String> {
        let name = format!("field:{path}");
        match self.env.add_template_owned(name.clone(), source.to_string()) {
            Ok(()) => {
                self.fields.insert(path.to_string(), name);
                Ok(())
            }
            Err(e) if looks_like_go_template(source) => {
                Err(format!("this is an Alertmanager Go template, which triage does not render ({})", describe(&e)))
            }
            Err(e) => Err(format!("invalid template: {}", describe(&e))),
        }
    }

    /// Sets the runbooks (matchers and templates were checked by config validation; a
    /// runbook whose pieces do not compile is skipped).
    pub fn set_runbooks(&mut self, runbooks: &[RunbookConfig]) {
        self.runbooks.clear();
        for (i, rb) in runbooks.iter().enumerate() {
            let Ok(matchers) = rb.matchers.iter().map(|m| parse_matchers(m)).collect::<Result<Vec<_>, _>>() else {
                continue;
            };
            let name = format!("runbook[{i}].instructions");
            if self.env.add_template_owned(name.clone(), rb.instructions.clone()).is_err() {
                continue;
            }
            let mut links = Vec::new();
            for (j, l) in rb.links.iter().enumerate() {
                let url = format!("runbook[{i}].links[{j}].url");
                if self.env.add_template_owned(url.clone(), l.url.clone()).is_ok() {
                    links.push((l.title.clone(), url));
                }
            }
            let label = if rb.name.is_empty() { format!("runbook {}", i + 1) } else { rb.name.clone() };
            self.runbooks.push(Runbook {
                name: label,
                matchers: matchers.into_iter().flatten().collect(),
                instructions: name,
                links,
            });
        }
    }

    /// Renders a template by name with any serializable context.
    fn render_named(&self, name: &str, ctx: &Value) -> Result<String, String> {
        let t = self.env.get_template(name).map_err(|e| describe(&e))?;
        t.render(ctx).map_err(|e| describe(&e))
    }

    /// Renders the field at `path` (see [`field_path`]) for `view`: the configured template,
    /// or the channel default. A configured template that fails falls back to the default,
    /// with the error.
    pub fn render_field(&self, path: &str, view: &View) -> Rendered {
        let ctx = context(view);
        self.render_field_ctx(path, &ctx)
    }

    /// [`Renderer::render_field`] with a context already converted.
    pub fn render_field_ctx(&self, path: &str, ctx: &Value) -> Rendered {
        let default = default_for(path);
        if let Some(name) = self.fields.get(path) {
            match self.render_named(name, ctx) {
                Ok(text) => return Rendered { text, error: None },
                Err(e) => {
                    let text = self.render_source(default, path, ctx).unwrap_or_default();
                    return Rendered { text, error: Some(format!("template {path} failed: {e}; sent the default")) };
                }
            }
        }
        match self.render_source(default, path, ctx) {
            Ok(text) => Rendered { text, error: None },
            Err(e) => Rendered { text: String::new(), error: Some(format!("default template {path} failed: {e}")) },
        }
    }

    /// Renders a template given as text (`triage template render --template`). Names ending
    /// in `.html` are HTML-escaped.
    pub fn render_source(&self, source: &str, name: &str, ctx: &Value) -> Result<String, String> {
        if source.is_empty() {
            return Ok(String::new());
        }
        let t = self.env.template_from_named_str(name, source).map_err(|e| describe(&e))?;
        t.render(ctx).map_err(|e| describe(&e))
    }

    /// The instructions for `alerts`: every matching runbook rendered per alert, and each
    /// alert's own `action` label or annotation; identical texts merged with a count.
    pub fn instructions(&self, alerts: &[Alert], now: Timestamp) -> Vec<Instruction> {
        let mut out: Vec<Instruction> = Vec::new();
        let mut add = |name: &str, text: String, links: Vec<Link>| {
            let text = text.trim().to_string();
            if text.is_empty() && links.is_empty() {
                return;
            }
            match out.iter_mut().find(|i| i.name == name && i.text == text) {
                Some(i) => {
                    i.alerts += 1;
                    for l in links {
                        if !i.links.contains(&l) {
                            i.links.push(l);
                        }
                    }
                }
                None => out.push(Instruction { name: name.to_string(), text, links, alerts: 1 }),
            }
        };
        for a in alerts {
            let mut ctx: Option<Value> = None;
            for rb in &self.runbooks {
                if !crate::matcher::all_match(&rb.matchers, &a.labels) {
                    continue;
                }
                let ctx = ctx.get_or_insert_with(|| Value::from(minijinja::value::Serde(view::alert_view(a, now))));
                let text = self
                    .render_named(&rb.instructions, ctx)
                    .unwrap_or_else(|e| format!("(the instructions of runbook {:?} failed to render: {e})", rb.name));
                let links = rb
                    .links
                    .iter()
                    .filter_map(|(title, url)| {
                        let url = self.render_named(url, ctx).ok()?.trim().to_string();
                        (!url.is_empty()).then(|| Link { title: title.clone(), url })
                    })
                    .collect();
                add(&rb.name, text, links);
            }
            let action = a.labels.get("action").or_else(|| a.annotations.get("action"));
            if let Some(action) = action.filter(|s| !s.trim().is_empty()) {
                add("action", action.to_string(), Vec::new());
            }
        }
        out
    }

    /// The view of a flush, instructions included.
    pub fn view(&self, input: &ViewInput<'_>) -> View {
        View::build(input, self.instructions(input.alerts, input.now))
    }
}

impl Default for Renderer {
    fn default() -> Renderer {
        Renderer::new()
    }
}

#[cfg(test)]
mod sandbox_tests;
#[cfg(test)]
mod tests;
