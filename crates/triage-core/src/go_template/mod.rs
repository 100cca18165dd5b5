//! Alertmanager-compatible Go templates: every text field of a receiver in
//! `alertmanager.yml` is a Go `text/template` (or `html/template` for HTML e-mail bodies and
//! Telegram's HTML mode), rendered with Alertmanager's data, functions and default templates,
//! so a receiver gets what Alertmanager would have sent.
//!
//! # Design
//!
//! * **Which language.** As in Alertmanager, the language of a field is fixed by the receiver
//!   kind, not chosen by the user: every field is Go template text; the shell's notifier
//!   calls [`Expand::text`] for plain fields and [`Expand::html`] for fields Alertmanager
//!   renders with `tmplHTML` (e-mail `html`, Telegram in HTML parse mode). triage's own
//!   richer templates (`triage.*` names, see `defaults.tmpl`) are Go templates too, reached
//!   by `{{ template "triage.slack.text" . }}` from a field; they read `.Triage`, which plain
//!   Alertmanager templates ignore.
//! * **Engine.** [`gotmpl`] 0.6.1 (parser, executor, `html/template` escaping), chosen by
//!   measurement against the real Alertmanager 0.25: of the 114 cases of
//!   `testdata/go_template/conformance/` (recorded by `scripts/go_template/record_goldens.py`,
//!   measured by `scripts/go_template/measure_engines`), `gotmpl` as it is (plus naive
//!   Alertmanager functions, data as plain maps) gave Alertmanager's output for 79 and
//!   `gtmpl` 0.7.1 (stale since 2021, no `html/template`) for 50 to 52 (it ranges over maps in hash order, so runs differ). With the wrapping here
//!   (method calls on data, Alertmanager's functions, Go's regexp classes, missing labels as
//!   `""`, nil dot of `{{ template "x" }}`, blocks left open refused) 107 pass; the 7 others are listed with their
//!   reason in `conformance_tests.rs`. Method calls (`.Alerts.Firing`,
//!   `.CommonLabels.Remove ...`) are added by rewriting the parsed tree (`methods.rs`).
//! * **Sets.** [`Templates`] holds the defaults (`defaults.tmpl`, written for triage with
//!   Alertmanager's names and output) and the user's `templates:` files; a `{{ define }}` in a
//!   later file replaces an earlier one of the same name unless its body is empty, and each
//!   file is also a template named after its base name, as with Go's `ParseGlob`. A field may
//!   define templates for itself.
//! * **Bounds.** [`Limits`]: source size, output size, size of concatenated values, `range`
//!   iterations; `template` calls nest at most [`MAX_TEMPLATE_DEPTH`] deep.

mod blocks;
mod data;
mod defaults;
mod duration;
mod error;
mod functions;
mod gojson;
mod goparse;
mod goregex;
mod gotime;
mod limits;
mod methods;
mod triage;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use gotmpl::Value;
use gotmpl::parse::{ListNode, Parser};

pub use data::{AlertData, Data, quote_meta};
pub use error::GoTemplateError;
pub use gojson::string as go_json_string;
pub use gotime::{GoTime, ZERO_TIME};
pub use limits::{Limits, MAX_TEMPLATE_DEPTH};
pub use triage::triage_value;

use crate::notify::expand::Expand;
use limits::{ArgGuard, CappedWriter};

/// The name a rendered field is executed under.
const FIELD: &str = "triage.go_template.field";

/// A parsed set of Go templates: Alertmanager's defaults plus the user's files.
#[derive(Clone, Debug)]
pub struct Templates {
    defines: BTreeMap<String, ListNode>,
    limits: Limits,
}

impl Templates {
    /// Parses the defaults and `files` (name, text), with the default [`Limits`].
    pub fn new(files: &[(&str, &str)]) -> Result<Templates, GoTemplateError> {
        Templates::with_limits(files, Limits::default())
    }

    /// Parses the defaults and `files` (name, text) with `limits`.
    pub fn with_limits(files: &[(&str, &str)], limits: Limits) -> Result<Templates, GoTemplateError> {
        let mut set = Templates { defines: BTreeMap::new(), limits };
        // The defaults are triage's own text: the source limit is for the user's.
        set.add_file("default.tmpl", defaults::DEFAULT_TEMPLATES, usize::MAX)?;
        set.add_file("email.tmpl", defaults::EMAIL_TEMPLATES, usize::MAX)?;
        for (name, text) in files {
            set.add_file(name, text, limits.max_source_bytes)?;
        }
        Ok(set)
    }

    fn add_file(&mut self, name: &str, text: &str, max_source_bytes: usize) -> Result<(), GoTemplateError> {
        let (body, defines) = parse(name, text, &Limits { max_source_bytes, ..self.limits })?;
        for (define, tree) in defines {
            associate(&mut self.defines, define, tree);
        }
        let base = name.rsplit('/').next().unwrap_or(name).to_string();
        associate(&mut self.defines, base, body);
        Ok(())
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a template of this name is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.defines.contains_key(name)
    }

    /// Checks that a field's template parses (for configuration checks).
    pub fn check(&self, template: &str) -> Result<(), GoTemplateError> {
        parse("", template, &self.limits).map(|_| ())
    }

    /// Renders a field as Go `text/template` (Alertmanager's `ExecuteTextString`).
    pub fn render_text(&self, template: &str, data: &Data) -> Result<String, GoTemplateError> {
        self.render(template, data, false)
    }

    /// Renders a field as Go `html/template` (Alertmanager's `ExecuteHTMLString`).
    pub fn render_html(&self, template: &str, data: &Data) -> Result<String, GoTemplateError> {
        self.render(template, data, true)
    }

    /// An [`Expand`] for one notification.
    pub fn expander<'a>(&'a self, data: &'a Data) -> Expander<'a> {
        Expander { templates: self, data, value: None, error: None }
    }

    fn render(&self, template: &str, data: &Data, html: bool) -> Result<String, GoTemplateError> {
        self.render_value(template, data, &data.to_value(), html)
    }

    fn render_value(&self, template: &str, data: &Data, value: &Value, html: bool) -> Result<String, GoTemplateError> {
        if template.is_empty() {
            return Ok(String::new());
        }
        let (body, field_defines) = parse("", template, &self.limits)?;
        let mut defines = self.defines.clone();
        for (name, tree) in field_defines {
            associate(&mut defines, name, tree);
        }
        defines.insert(FIELD.to_string(), body);
        let mut funcs = functions::function_map(data.now, self.limits.max_value_bytes);
        functions::guard_functions(&mut funcs, &ArgGuard::new(self.limits.max_value_bytes));
        let entry = format!("{{{{template {FIELD:?} .}}}}");
        let mut out = CappedWriter::new(self.limits.max_output_bytes);
        let result = if html {
            let mut t = gotmpl::html::Template::new("")
                .funcs(funcs)
                .max_range_iters(self.limits.max_range_iterations)
                .parse(&entry)
                .map_err(|e| GoTemplateError::Execute(e.to_string()))?;
            for (name, tree) in defines {
                t = t.add_parse_tree(&name, tree).map_err(|e| GoTemplateError::Execute(e.to_string()))?;
            }
            t.execute_fmt(&mut out, value)
        } else {
            let mut t = gotmpl::Template::new("")
                .funcs(funcs)
                .max_range_iters(self.limits.max_range_iterations)
                .parse(&entry)
                .map_err(|e| GoTemplateError::Execute(e.to_string()))?;
            for (name, tree) in defines {
                t = t.add_parse_tree(&name, tree);
            }
            t.execute_fmt(&mut out, value)
        };
        match result {
            Ok(()) => Ok(out.out),
            Err(e) => Err(GoTemplateError::from_engine(e, &self.limits, out.overflowed)),
        }
    }
}

/// Adds a definition the way Go associates one: an empty body does not replace a non-empty one.
fn associate(defines: &mut BTreeMap<String, ListNode>, name: String, tree: ListNode) {
    if tree.is_empty_tree() && defines.get(&name).is_some_and(|old| !old.is_empty_tree()) {
        return;
    }
    defines.insert(name, tree);
}

/// Parses one source into its body and its definitions, rewritten for method calls.
fn parse(file: &str, text: &str, limits: &Limits) -> Result<(ListNode, Vec<(String, ListNode)>), GoTemplateError> {
    if text.len() > limits.max_source_bytes {
        return Err(GoTemplateError::SourceTooLarge {
            file: file.to_string(),
            size: text.len(),
            limit: limits.max_source_bytes,
        });
    }
    let parse_error = |message: String| GoTemplateError::Parse { file: file.to_string(), message };
    let strip = |e: gotmpl::TemplateError| e.to_string().trim_start_matches("template: ").to_string();
    blocks::check_blocks(text).map_err(parse_error)?;
    let (body, defines) = Parser::new(text, "{{", "}}").and_then(Parser::parse).map_err(|e| parse_error(strip(e)))?;
    let known = |name: &str| functions::defined(name);
    let body = methods::rewrite(body, &known).map_err(parse_error)?;
    let defines = defines
        .into_iter()
        .map(|d| Ok((d.name.to_string(), methods::rewrite(d.body, &known).map_err(parse_error)?)))
        .collect::<Result<_, GoTemplateError>>()?;
    Ok((body, defines))
}

/// Expands one notification's fields; like Alertmanager's `tmplText`/`tmplHTML`, a field that
/// fails gives `""` and the first error is kept.
pub struct Expander<'a> {
    templates: &'a Templates,
    data: &'a Data,
    value: Option<Value>,
    error: Option<GoTemplateError>,
}

impl Expander<'_> {
    /// The first error met, if any.
    pub fn error(&self) -> Option<&GoTemplateError> {
        self.error.as_ref()
    }

    /// Ends the expansion: `Err` with the first error met, if any.
    pub fn finish(self) -> Result<(), GoTemplateError> {
        self.error.map_or(Ok(()), Err)
    }

    fn expand(&mut self, template: &str, html: bool) -> String {
        if self.error.is_some() {
            return String::new();
        }
        let value = self.value.get_or_insert_with(|| self.data.to_value());
        match self.templates.render_value(template, self.data, value, html) {
            Ok(text) => text,
            Err(e) => {
                self.error = Some(e);
                String::new()
            }
        }
    }
}

impl Expand for Expander<'_> {
    fn text(&mut self, template: &str) -> String {
        self.expand(template, false)
    }

    fn html(&mut self, template: &str) -> String {
        self.expand(template, true)
    }
}
