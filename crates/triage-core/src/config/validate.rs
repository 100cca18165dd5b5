//! The one validation pass over a read [`ConfigFile`]: checks what every piece means and
//! compiles the runtime parts (route tree, inhibit rules, time intervals), collecting every
//! problem with its path instead of stopping at the first. Rules and wording are
//! Alertmanager 0.25's `config.Load` and the `UnmarshalYAML` checks it runs.

use std::collections::BTreeSet;

use super::model::{ConfigFile, GlobalConfig, InhibitRuleConfig, ReceiverConfig, RouteConfig, non_empty};
use super::{Config, ConfigErrors, Diagnostics, InhibitRule};
use crate::labels::is_valid_label_name;
use crate::matcher::{MatchOp, Matcher, compile_anchored, parse_matchers, sort_matchers};
use crate::quote::go_quote;
use crate::route::Route;
use crate::timeinterval::NamedTimeInterval;

/// Checks `file` and builds the [`Config`], or returns every problem (with those already in
/// `diag`).
pub(crate) fn compile(file: ConfigFile, mut diag: Diagnostics) -> Result<Config, ConfigErrors> {
    if !diag.skipped("global") {
        check_global(&file.global, &mut diag);
    }
    let receivers = check_receivers(&file, &mut diag);
    check_runbooks(&file, &mut diag);
    if let Some(logwatch) = &file.logwatch {
        check_logwatch(logwatch, &mut diag);
    }
    if let Some(outages) = &file.outages {
        check_outages(outages, &mut diag);
    }
    if let Some(anomaly) = &file.anomaly {
        check_anomaly(anomaly, &mut diag);
    }
    if let Some(f) = &file.flapping {
        if f.changes == 0 {
            diag.push("flapping.changes", "must be at least 1");
        }
        if f.window.get() <= jiff::SignedDuration::ZERO {
            diag.push("flapping.window", "must be longer than zero");
        }
    }
    if let Some(t) = file.classification.as_ref().and_then(|c| c.threshold)
        && !(0.0..=1.0).contains(&t)
    {
        diag.push("classification.threshold", "must be between 0 and 1");
    }
    let time_intervals = check_time_intervals(&file, &mut diag);
    let names: BTreeSet<&str> = time_intervals.iter().map(|t| t.name.as_str()).collect();
    // When a whole section could not be read, references to it cannot be checked.
    let receivers = (!diag.skipped("receivers")).then_some(receivers);
    let intervals_read = !diag.skipped("time_intervals") && !diag.skipped("mute_time_intervals");
    let names = intervals_read.then_some(names);
    let route = match &file.route {
        None => {
            diag.push("route", "no route provided in config");
            None
        }
        Some(root) => {
            if !diag.skipped("route") {
                check_root(root, &mut diag);
            }
            check_references(root, "route", &receivers, &names, &mut diag);
            Some(Route::compile(root, None, "route", &mut diag))
        }
    };
    let inhibit_rules = file
        .inhibit_rules
        .iter()
        .enumerate()
        .map(|(i, r)| compile_inhibit_rule(r, &format!("inhibit_rules[{i}]"), &mut diag))
        .collect();
    let built = route.map(|route| Config { route, inhibit_rules, time_intervals, file });
    match diag.into_result(built)? {
        Some(config) => Ok(config),
        None => unreachable!("a missing route is reported as an error"),
    }
}

fn check_global(g: &GlobalConfig, diag: &mut Diagnostics) {
    let urls = [
        ("pagerduty_url", g.pagerduty_url.as_deref()),
        ("opsgenie_api_url", g.opsgenie_api_url.as_deref()),
        ("wechat_api_url", g.wechat_api_url.as_deref()),
        ("victorops_api_url", g.victorops_api_url.as_deref()),
        ("telegram_api_url", g.telegram_api_url.as_deref()),
        ("webex_api_url", g.webex_api_url.as_deref()),
        ("slack_api_url", g.slack_api_url.as_ref().map(|s| s.expose())),
    ];
    for (field, url) in urls {
        if let Some(Err(e)) = url.filter(|u| !u.is_empty()).map(check_secret_url) {
            diag.push(format!("global.{field}"), e);
        }
    }
    let set = |s: &Option<String>| non_empty(s).is_some();
    let secret = |s: &Option<super::Secret>| s.as_ref().is_some_and(|s| !s.is_empty());
    let pairs = [
        ("slack_api_url", secret(&g.slack_api_url), set(&g.slack_api_url_file)),
        ("opsgenie_api_key", secret(&g.opsgenie_api_key), set(&g.opsgenie_api_key_file)),
        ("victorops_api_key", secret(&g.victorops_api_key), set(&g.victorops_api_key_file)),
        ("smtp_auth_password", secret(&g.smtp_auth_password), set(&g.smtp_auth_password_file)),
    ];
    for (field, inline, file) in pairs {
        if inline && file {
            diag.push("global", format!("at most one of {field} & {field}_file must be configured"));
        }
    }
    if let Some(host) = non_empty(&g.smtp_smarthost)
        && let Err(m) = check_host_port(host)
    {
        diag.push("global.smtp_smarthost", m);
    }
}

/// Checks receivers; returns the names defined.
fn check_receivers(file: &ConfigFile, diag: &mut Diagnostics) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let global_ok = !diag.skipped("global");
    for (i, r) in file.receivers.iter().enumerate() {
        let path = format!("receivers[{i}]");
        if !diag.skipped(&path) {
            if r.name.is_empty() {
                diag.push(format!("{path}.name"), "missing name in receiver");
            } else if names.contains(&r.name) {
                diag.push(
                    format!("{path}.name"),
                    format!("notification config name {} is not unique", go_quote(&r.name)),
                );
            }
            if global_ok {
                check_integrations(r, &file.global, &path, diag);
            }
        }
        names.insert(r.name.clone());
        for (j, w) in r.webhook_configs.iter().enumerate() {
            let wpath = format!("{path}.webhook_configs[{j}]");
            if diag.skipped(&wpath) {
                continue;
            }
            let url = w.url.as_ref().map(|u| u.expose()).filter(|u| !u.is_empty());
            match (url, non_empty(&w.url_file)) {
                (None, None) => diag.push(wpath, "one of url or url_file must be configured"),
                (Some(_), Some(_)) => diag.push(wpath, "at most one of url & url_file must be configured"),
                (Some(u), None) => {
                    if let Err(e) = check_secret_url(u) {
                        diag.push(format!("{wpath}.url"), e);
                    }
                }
                (None, Some(_)) => {}
            }
        }
    }
    names
}

/// The checks Alertmanager makes on integrations: required fields and the global defaults
/// they fall back to.
fn check_integrations(r: &ReceiverConfig, g: &GlobalConfig, path: &str, diag: &mut Diagnostics) {
    let secret = |s: &Option<super::Secret>| s.as_ref().is_some_and(|s| !s.is_empty());
    for (j, e) in r.email_configs.iter().enumerate() {
        let p = format!("{path}.email_configs[{j}]");
        if e.to.trim().is_empty() {
            diag.push(p.clone(), "missing to address in email config");
        }
        if non_empty(&e.smarthost).is_none() && non_empty(&g.smtp_smarthost).is_none() {
            diag.push(p.clone(), "no global SMTP smarthost set");
        }
        if non_empty(&e.from).is_none() && non_empty(&g.smtp_from).is_none() {
            diag.push(p.clone(), "no global SMTP from set");
        }
        if secret(&e.auth_password) && non_empty(&e.auth_password_file).is_some() {
            diag.push(p.clone(), "at most one of auth_password & auth_password_file must be configured");
        }
        if let Some(host) = non_empty(&e.smarthost)
            && let Err(m) = check_host_port(host)
        {
            diag.push(format!("{p}.smarthost"), m);
        }
        for name in e.headers.keys() {
            let canonical = canonical_header(name);
            if e.headers.keys().filter(|k| canonical_header(k) == canonical).count() > 1 {
                diag.push(format!("{p}.headers"), format!("duplicate header {canonical:?} in email config"));
                break;
            }
        }
    }
    for (j, c) in r.slack_configs.iter().enumerate() {
        let p = format!("{path}.slack_configs[{j}]");
        let set = secret(&c.api_url) || non_empty(&c.api_url_file).is_some();
        if secret(&c.api_url) && non_empty(&c.api_url_file).is_some() {
            diag.push(p.clone(), "at most one of api_url & api_url_file must be configured");
        }
        if !set && !secret(&g.slack_api_url) && non_empty(&g.slack_api_url_file).is_none() {
            diag.push(p.clone(), "no global Slack API URL set either inline or in a file");
        }
        if let Some(u) = c.api_url.as_ref().filter(|u| !u.is_empty())
            && let Err(e) = check_secret_url(u.expose())
        {
            diag.push(format!("{p}.api_url"), e);
        }
        // Alertmanager 0.25's checks of fields and buttons.
        for (k, f) in c.fields.iter().enumerate() {
            if f.title.is_empty() {
                diag.push(format!("{p}.fields[{k}]"), "missing title in Slack field configuration");
            } else if f.value.is_empty() {
                diag.push(format!("{p}.fields[{k}]"), "missing value in Slack field configuration");
            }
        }
        for (k, a) in c.actions.iter().enumerate() {
            let what = if a.confirm.as_ref().is_some_and(|c| c.text.is_empty()) {
                "missing text in Slack confirmation configuration"
            } else if a.kind.is_empty() {
                "missing type in Slack action configuration"
            } else if a.text.is_empty() {
                "missing text in Slack action configuration"
            } else if a.url.is_empty() && a.name.is_empty() {
                "missing name or url in Slack action configuration"
            } else {
                continue;
            };
            diag.push(format!("{p}.actions[{k}]"), what);
        }
    }
    for (j, c) in r.mattermost_configs.iter().enumerate() {
        let p = format!("{path}.mattermost_configs[{j}]");
        check_url_pair(&c.webhook_url, &c.webhook_url_file, "webhook_url", &p, diag);
        if let Some(pr) = non_empty(&c.priority)
            && !matches!(pr, "important" | "urgent")
        {
            diag.push(format!("{p}.priority"), format!("priority must be important or urgent, not {pr:?}"));
        }
    }
    for (j, c) in r.alertmanager_configs.iter().enumerate() {
        check_url_pair(&c.url, &c.url_file, "url", &format!("{path}.alertmanager_configs[{j}]"), diag);
    }
    check_kind(&r.pagerduty_configs, g, path, diag);
    check_kind(&r.opsgenie_configs, g, path, diag);
    check_kind(&r.wechat_configs, g, path, diag);
    check_kind(&r.victorops_configs, g, path, diag);
    check_kind(&r.pushover_configs, g, path, diag);
    check_kind(&r.sns_configs, g, path, diag);
    check_kind(&r.telegram_configs, g, path, diag);
    check_kind(&r.discord_configs, g, path, diag);
    check_kind(&r.webex_configs, g, path, diag);
    check_kind(&r.msteams_configs, g, path, diag);
    check_kind(&r.msteamsv2_configs, g, path, diag);
    check_kind(&r.jira_configs, g, path, diag);
    check_kind(&r.incidentio_configs, g, path, diag);
    check_kind(&r.rocketchat_configs, g, path, diag);
}

/// One kind's own checks ([`crate::notify::Integration::validate`]) on every entry that
/// could be read.
fn check_kind<T: crate::notify::Integration>(list: &[T], g: &GlobalConfig, path: &str, diag: &mut Diagnostics) {
    for (j, c) in list.iter().enumerate() {
        let p = format!("{path}.{}[{j}]", T::KEY);
        if diag.skipped(&p) {
            continue;
        }
        let mut out = Vec::new();
        c.validate(g, &p, &mut out);
        for e in out {
            diag.push(e.path, e.message);
        }
    }
}

/// A smarthost is `host:port`, with Alertmanager's messages.
fn check_host_port(host: &str) -> Result<(), String> {
    match host.rsplit_once(':') {
        None => Err(format!("address {host}: missing port in address")),
        Some((_, "")) => Err(format!("address {}: port cannot be empty", go_quote(host))),
        Some(_) => Ok(()),
    }
}

/// Exactly one of an inline URL and a URL file.
fn check_url_pair(url: &Option<super::Secret>, file: &Option<String>, key: &str, path: &str, diag: &mut Diagnostics) {
    let inline = url.as_ref().map(|u| u.expose()).filter(|u| !u.is_empty());
    match (inline, non_empty(file)) {
        (None, None) => diag.push(path, format!("one of {key} or {key}_file must be configured")),
        (Some(_), Some(_)) => diag.push(path, format!("at most one of {key} & {key}_file must be configured")),
        (Some(u), None) => {
            if let Err(e) = check_secret_url(u) {
                diag.push(format!("{path}.{key}"), e);
            }
        }
        (None, Some(_)) => {}
    }
}

/// `Content-type` and `content-TYPE` are one header.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Runbooks: valid matchers and instructions that compile.
fn check_runbooks(file: &ConfigFile, diag: &mut Diagnostics) {
    for (i, rb) in file.runbooks.iter().enumerate() {
        let path = format!("runbooks[{i}]");
        if diag.skipped(&path) {
            continue;
        }
        if rb.matchers.is_empty() {
            diag.push(format!("{path}.matchers"), "a runbook needs at least one matcher");
        }
        for (j, m) in rb.matchers.iter().enumerate() {
            if let Err(e) = parse_matchers(m) {
                diag.push(format!("{path}.matchers[{j}]"), e.to_string());
            }
        }
        if rb.instructions.trim().is_empty() && rb.links.is_empty() {
            diag.push(path.clone(), "a runbook needs instructions or links");
        }
        if let Err(e) = crate::template::check_syntax(&rb.instructions) {
            diag.push(format!("{path}.instructions"), e);
        }
        for (j, l) in rb.links.iter().enumerate() {
            if let Err(e) = crate::template::check_syntax(&l.url) {
                diag.push(format!("{path}.links[{j}].url"), e);
            }
        }
    }
}

/// The `anomaly` section: a datasource, thresholds in (0, 1], unique query names.
fn check_anomaly(a: &super::anomaly::AnomalyConfig, diag: &mut Diagnostics) {
    if !(a.datasource_url.starts_with("http://") || a.datasource_url.starts_with("https://")) {
        diag.push("anomaly.datasource_url", format!("{:?} is not an http(s) URL", a.datasource_url));
    }
    if let Some(u) = &a.scores_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        diag.push("anomaly.scores_url", format!("{u:?} is not an http(s) URL"));
    }
    for (key, value) in
        [("interval", a.interval), ("step", a.step), ("learn_range", a.learn_range), ("timeout", a.timeout)]
    {
        if value.is_some_and(|d| d.get() <= jiff::SignedDuration::ZERO) {
            diag.push(format!("anomaly.{key}"), "must be longer than zero");
        }
    }
    if a.recovery.is_some_and(|d| d.get() < jiff::SignedDuration::ZERO) {
        diag.push("anomaly.recovery", "must not be negative");
    }
    let bad_threshold = |t: f64| !(t > 0.0 && t <= 1.0);
    if a.threshold.is_some_and(bad_threshold) {
        diag.push("anomaly.threshold", "must be in (0, 1]");
    }
    if a.max_series == Some(0) {
        diag.push("anomaly.max_series", "must be at least 1");
    }
    let mut names = BTreeSet::new();
    for (i, q) in a.queries.iter().enumerate() {
        let path = format!("anomaly.queries[{i}]");
        if q.name.trim().is_empty() {
            diag.push(format!("{path}.name"), "a query needs a name (its alerts' alertname)");
        } else if !names.insert(q.name.as_str()) {
            diag.push(format!("{path}.name"), format!("query name {:?} is used twice", q.name));
        }
        if q.expr.trim().is_empty() {
            diag.push(format!("{path}.expr"), "a query needs an expression");
        }
        if q.threshold.is_some_and(bad_threshold) {
            diag.push(format!("{path}.threshold"), "must be in (0, 1]");
        }
        for n in q.labels.keys() {
            if !is_valid_label_name(n) {
                diag.push(format!("{path}.labels"), format!("{n:?} is not a valid label name"));
            }
        }
    }
}

/// The `outages` section: unique source names, usable URLs, credentials that go together.
fn check_outages(outages: &super::outages::OutagesConfig, diag: &mut Diagnostics) {
    use super::outages::OutageSourceType;
    let mut names = BTreeSet::new();
    for (i, s) in outages.sources.iter().enumerate() {
        let path = format!("outages.sources[{i}]");
        if s.name.trim().is_empty() {
            diag.push(format!("{path}.name"), "a source needs a name");
        } else if !names.insert(s.name.as_str()) {
            diag.push(format!("{path}.name"), format!("source name {:?} is used twice", s.name));
        }
        if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
            diag.push(format!("{path}.url"), format!("{:?} is not an http(s) URL", s.url));
        }
        for (key, value) in [("interval", s.interval), ("timeout", s.timeout)] {
            if value.is_some_and(|d| d.get() <= jiff::SignedDuration::ZERO) {
                diag.push(format!("{path}.{key}"), "must be longer than zero");
            }
        }
        if s.max_bytes == Some(0) {
            diag.push(format!("{path}.max_bytes"), "must be at least 1");
        }
        let a = &s.auth;
        if a.cert_file.is_some() != a.key_file.is_some() {
            diag.push(format!("{path}.auth"), "cert_file and key_file go together");
        }
        if a.proxy_file.is_some() && a.cert_file.is_some() {
            diag.push(format!("{path}.auth"), "either proxy_file or cert_file/key_file, not both");
        }
        if a.username.is_some() != a.password_file.is_some() {
            diag.push(format!("{path}.auth"), "username and password_file go together");
        }
        if a.bearer_token_file.is_some() && a.username.is_some() {
            diag.push(format!("{path}.auth"), "either bearer_token_file or username/password_file, not both");
        }
        if let Some(f) = &s.format
            && (s.source_type != OutageSourceType::Ggus || !matches!(f.as_str(), "xml" | "csv" | "json"))
        {
            diag.push(format!("{path}.format"), "only for type ggus: xml, csv or json");
        }
        let ggus_only =
            [("vo", s.vo.is_some()), ("ticket_alerts", s.ticket_alerts), ("inject_url", s.inject_url.is_some())];
        for (key, set) in ggus_only {
            if set && s.source_type != OutageSourceType::Ggus {
                diag.push(format!("{path}.{key}"), "only for type ggus");
            }
        }
        let ssb_only = [
            ("database", s.database.is_some()),
            ("measurement", s.measurement.is_some()),
            ("grafana_datasource_id", s.grafana_datasource_id.is_some()),
        ];
        for (key, set) in ssb_only {
            if set && s.source_type != OutageSourceType::Ssb {
                diag.push(format!("{path}.{key}"), "only for type ssb");
            }
        }
    }
    if outages.sources.iter().filter(|s| s.ticket_alerts).count() > 1 {
        diag.push(
            "outages.sources",
            "ticket_alerts may be on for one GGUS source only (ticket alerts are told apart by their labels)",
        );
    }
    for (i, names) in [&outages.mapping.site_labels, &outages.mapping.host_labels, &outages.mapping.service_labels]
        .into_iter()
        .enumerate()
    {
        let key = ["site_labels", "host_labels", "service_labels"][i];
        for n in names {
            if !is_valid_label_name(n) {
                diag.push(format!("outages.mapping.{key}"), format!("{n:?} is not a valid label name"));
            }
        }
    }
}

/// The `logwatch` section: rules that compile, files with a usable layout, one push token.
fn check_logwatch(logwatch: &super::logwatch::LogwatchConfig, diag: &mut Diagnostics) {
    use super::logwatch::LineFormatName;
    if let Err(errors) = crate::nodewatch::RuleSet::compile(&logwatch.rules, jiff::SignedDuration::ZERO) {
        for e in errors {
            diag.push(e.path, e.message);
        }
    }
    let mut names = BTreeSet::new();
    for (i, rule) in logwatch.rules.iter().enumerate() {
        if !names.insert(rule.name.as_str()) {
            diag.push(format!("logwatch.rules[{i}].name"), format!("rule name {:?} is used twice", rule.name));
        }
    }
    let positive = [("evaluation_interval", logwatch.evaluation_interval), ("retention", logwatch.retention)];
    for (key, value) in positive {
        if value.is_some_and(|d| d.get() <= jiff::SignedDuration::ZERO) {
            diag.push(format!("logwatch.{key}"), "must be longer than zero");
        }
    }
    for (key, value) in [
        ("max_hosts", logwatch.max_hosts),
        ("max_stats_per_host", logwatch.max_stats_per_host),
        ("max_points", logwatch.max_points),
    ] {
        if value == Some(0) {
            diag.push(format!("logwatch.{key}"), "must be at least 1");
        }
    }
    for (i, files) in logwatch.files.iter().enumerate() {
        let path = format!("logwatch.files[{i}]");
        if files.paths.is_empty() || files.paths.iter().any(|p| p.trim().is_empty()) {
            diag.push(format!("{path}.paths"), "at least one path, none empty");
        }
        for (j, p) in files.paths.iter().enumerate() {
            let parent = std::path::Path::new(p).parent().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
            if parent.contains(['*', '?']) {
                diag.push(format!("{path}.paths[{j}]"), "wildcards are allowed in the file name only");
            }
        }
        let inner = files.message_format.unwrap_or(LineFormatName::Json);
        if files.message_format.is_some() && files.format != LineFormatName::ShipperJson {
            diag.push(format!("{path}.message_format"), "only for format shipper_json");
        }
        if inner == LineFormatName::ShipperJson {
            diag.push(format!("{path}.message_format"), "a message cannot be another shipper event");
        }
        let wants_pattern = files.format == LineFormatName::Regex
            || (files.format == LineFormatName::ShipperJson && inner == LineFormatName::Regex);
        match (&files.pattern, wants_pattern) {
            (None, true) => diag.push(format!("{path}.pattern"), "format regex needs a pattern"),
            (Some(_), false) => diag.push(format!("{path}.pattern"), "a pattern is only for format regex"),
            (Some(p), true) => {
                if let Err(e) = crate::logline::LinePattern::new(p) {
                    diag.push(format!("{path}.pattern"), e.to_string());
                }
            }
            (None, false) => {}
        }
        if files.poll_interval.is_some_and(|d| d.get() <= jiff::SignedDuration::ZERO) {
            diag.push(format!("{path}.poll_interval"), "must be longer than zero");
        }
        if files.max_line_bytes == Some(0) {
            diag.push(format!("{path}.max_line_bytes"), "must be at least 1");
        }
    }
    if let Some(push) = &logwatch.push {
        let token = push.bearer_token.as_ref().is_some_and(|t| !t.is_empty());
        let file = push.bearer_token_file.as_deref().is_some_and(|f| !f.is_empty());
        if token == file {
            diag.push("logwatch.push", "exactly one of bearer_token and bearer_token_file must be set");
        }
    }
}

/// Checks names of time intervals; returns all of them, deprecated ones first.
fn check_time_intervals(file: &ConfigFile, diag: &mut Diagnostics) -> Vec<NamedTimeInterval> {
    let mut seen = BTreeSet::new();
    let lists = [
        ("mute_time_intervals", "mute time interval", &file.mute_time_intervals),
        ("time_intervals", "time interval", &file.time_intervals),
    ];
    for (key, what, list) in lists {
        for (i, ti) in list.iter().enumerate() {
            let path = format!("{key}[{i}]");
            if diag.skipped(&path) {
                continue;
            }
            if ti.name.is_empty() {
                diag.push(format!("{path}.name"), format!("missing name in {what}"));
            } else if !seen.insert(ti.name.as_str()) {
                diag.push(format!("{path}.name"), format!("{what} {} is not unique", go_quote(&ti.name)));
            }
        }
    }
    file.mute_time_intervals.iter().chain(&file.time_intervals).cloned().collect()
}

fn check_root(root: &RouteConfig, diag: &mut Diagnostics) {
    if non_empty(&root.receiver).is_none() {
        diag.push("route.receiver", "root route must specify a default receiver");
    }
    if !root.matchers.is_empty() || !root.match_eq.is_empty() || !root.match_re.is_empty() {
        diag.push("route", "root route must not have any matchers");
    }
    if !root.mute_time_intervals.is_empty() {
        diag.push("route.mute_time_intervals", "root route must not have any mute time intervals");
    }
    if !root.active_time_intervals.is_empty() {
        diag.push("route.active_time_intervals", "root route must not have any active time intervals");
    }
    if root.continue_matching {
        diag.push("route.continue", "cannot have continue in root route");
    }
}

/// Receivers and time intervals named by routes must exist.
fn check_references(
    r: &RouteConfig,
    path: &str,
    receivers: &Option<BTreeSet<String>>,
    intervals: &Option<BTreeSet<&str>>,
    diag: &mut Diagnostics,
) {
    if let Some(name) = non_empty(&r.receiver)
        && let Some(receivers) = receivers
        && !receivers.contains(name)
    {
        diag.push(format!("{path}.receiver"), format!("undefined receiver {} used in route", go_quote(name)));
    }
    for (key, names) in
        [("mute_time_intervals", &r.mute_time_intervals), ("active_time_intervals", &r.active_time_intervals)]
    {
        for (i, name) in names.iter().enumerate() {
            if intervals.as_ref().is_some_and(|known| !known.contains(name.as_str())) {
                diag.push(
                    format!("{path}.{key}[{i}]"),
                    format!("undefined time interval {} used in route", go_quote(name)),
                );
            }
        }
    }
    for (i, child) in r.routes.iter().enumerate() {
        check_references(child, &format!("{path}.routes[{i}]"), receivers, intervals, diag);
    }
}

fn compile_inhibit_rule(r: &InhibitRuleConfig, path: &str, diag: &mut Diagnostics) -> InhibitRule {
    let check = !diag.skipped(path);
    let mut side = |prefix: &str,
                    eq: &std::collections::BTreeMap<String, String>,
                    re: &std::collections::BTreeMap<String, String>,
                    lines: &[String]| {
        let mut out = Vec::new();
        let mut report = |p: String, m: String| {
            if check {
                diag.push(p, m);
            }
        };
        for (name, value) in eq {
            match is_valid_label_name(name).then(|| Matcher::new(MatchOp::Equal, name, value)) {
                Some(Ok(m)) => out.push(m),
                _ => report(format!("{path}.{prefix}_match"), format!("invalid label name {}", go_quote(name))),
            }
        }
        for (name, value) in re {
            if !is_valid_label_name(name) {
                report(format!("{path}.{prefix}_match_re"), format!("invalid label name {}", go_quote(name)));
                continue;
            }
            match compile_anchored(value).and_then(|_| Matcher::new(MatchOp::Regexp, name, &format!("^(?:{value})$"))) {
                Ok(m) => out.push(m),
                Err(e) => report(format!("{path}.{prefix}_match_re.{name}"), e.to_string()),
            }
        }
        for (i, line) in lines.iter().enumerate() {
            match parse_matchers(line) {
                Ok(ms) => out.extend(ms),
                Err(e) => report(format!("{path}.{prefix}_matchers[{i}]"), e.to_string()),
            }
        }
        sort_matchers(&mut out);
        out
    };
    let source = side("source", &r.source_match, &r.source_match_re, &r.source_matchers);
    let target = side("target", &r.target_match, &r.target_match_re, &r.target_matchers);
    let mut equal = Vec::new();
    for (i, name) in r.equal.iter().enumerate() {
        if is_valid_label_name(name) {
            equal.push(name.clone());
        } else if check {
            diag.push(format!("{path}.equal[{i}]"), format!("invalid label name {} in equal list", go_quote(name)));
        }
    }
    equal.sort();
    equal.dedup();
    InhibitRule { source, target, equal }
}

/// [`check_url`], except that the redaction token `<secret>` passes, as in Alertmanager, so
/// that a configuration printed with its secrets hidden can be read back.
pub(crate) fn check_secret_url(url: &str) -> Result<(), String> {
    if url == super::model::SECRET_TOKEN { Ok(()) } else { check_url(url) }
}

/// Alertmanager's URL rule: parseable, `http` or `https`, with a host. Messages never repeat
/// the URL, which may hold a token.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    if url.chars().any(char::is_control) {
        return Err("net/url: invalid control character in URL".into());
    }
    // Go's getScheme: letters, then letters, digits, `+-.`, up to the first ':'.
    let mut scheme = "";
    for (i, c) in url.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => {
                scheme = &url[..i];
                break;
            }
            _ => break,
        }
    }
    let lower = scheme.to_ascii_lowercase();
    if lower != "http" && lower != "https" {
        return Err(format!("unsupported scheme {} for URL", go_quote(&lower)));
    }
    let rest = &url[scheme.len() + 1..];
    let host = rest.strip_prefix("//").map_or("", |after| {
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        authority.rsplit_once('@').map_or(authority, |(_, h)| h)
    });
    if host.is_empty() {
        return Err("missing host for URL".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(yaml: &str) -> String {
        match Config::from_yaml(yaml) {
            Ok(_) => panic!("loaded:\n{yaml}"),
            Err(e) => e.to_string(),
        }
    }

    fn assert_errors(yaml: &str, wants: &[&str]) {
        let got = errors(yaml);
        for want in wants {
            assert!(got.contains(want), "missing {want:?} in\n{got}");
        }
        assert_eq!(got.lines().count(), wants.len(), "{got}");
    }

    const OK: &str = "route: {receiver: r}\nreceivers: [{name: r}]\n";

    #[test]
    fn slack_fields_and_buttons_are_checked_as_alertmanager_does() {
        let yaml = r#"
global: {slack_api_url: 'https://hooks.slack.com/x'}
route: {receiver: r}
receivers:
- name: r
  slack_configs:
  - fields: [{title: t, value: v}, {title: t}, {value: v}]
    actions:
    - {type: button, text: ok, url: 'http://x'}
    - {type: button, text: ok, name: n, confirm: {title: sure}}
    - {text: ok, url: 'http://x'}
    - {type: button, url: 'http://x'}
    - {type: button, text: ok}
"#;
        assert_errors(
            yaml,
            &[
                "receivers[0].slack_configs[0].fields[1]: missing value in Slack field configuration",
                "receivers[0].slack_configs[0].fields[2]: missing title in Slack field configuration",
                "receivers[0].slack_configs[0].actions[1]: missing text in Slack confirmation configuration",
                "receivers[0].slack_configs[0].actions[2]: missing type in Slack action configuration",
                "receivers[0].slack_configs[0].actions[3]: missing text in Slack action configuration",
                "receivers[0].slack_configs[0].actions[4]: missing name or url in Slack action configuration",
            ],
        );
    }

    #[test]
    fn empty_or_odd_files() {
        assert_errors("", &["route: no route provided in config"]);
        assert_errors("# nothing\n", &["route: no route provided in config"]);
        assert_errors("route:\nreceivers: [{name: r}]", &["route: no route provided in config"]);
        assert_errors("- a\n- b\n", &["must be a mapping"]);
        assert_errors(
            "route: {receiver: r}\nreceivers: {name: r}\n",
            &["receivers: invalid type: map, expected a sequence"],
        );
        assert_errors("route: {receiver: r}\nreceivers: [{name: r}]\n1: x\n", &["invalid key"]);
        assert_errors(
            "route: {receiver: r, routes: [{mute_time_intervals: [w]}]}\nreceivers: [{name: r}]\ntime_intervals: 3\n",
            &["time_intervals: invalid type: integer `3`, expected a sequence"],
        );
    }

    #[test]
    fn global_checks() {
        let yaml = format!(
            "{OK}global:\n  pagerduty_url: ftp://pd\n  webex_api_url: http://\n  slack_api_url: http://s/x\n  slack_api_url_file: /f\n  opsgenie_api_key: k\n  opsgenie_api_key_file: /k\n  smtp_auth_password: p\n  smtp_auth_password_file: /p\n  victorops_api_key: v\n  victorops_api_key_file: /v\n  smtp_smarthost: mail.example.org\n"
        );
        assert_errors(
            &yaml,
            &[
                r#"global.pagerduty_url: unsupported scheme "ftp" for URL"#,
                "global.webex_api_url: missing host for URL",
                "global: at most one of slack_api_url & slack_api_url_file must be configured",
                "global: at most one of opsgenie_api_key & opsgenie_api_key_file must be configured",
                "global: at most one of victorops_api_key & victorops_api_key_file must be configured",
                "global: at most one of smtp_auth_password & smtp_auth_password_file must be configured",
                "global.smtp_smarthost: address mail.example.org: missing port in address",
            ],
        );
        assert_errors(&format!("{OK}global: {{smtp_smarthost: 'a:'}}\n"), &[r#"address "a:": port cannot be empty"#]);
        assert_errors(
            &format!("{OK}global: {{resolve_timeout: 5 minutes}}\n"),
            &["global.resolve_timeout: not a valid duration"],
        );
        assert_errors(
            &format!("{OK}global: {{smtp_hello: x, smtp_hullo: y}}\n"),
            &["global.smtp_hullo: unknown field `smtp_hullo`"],
        );
    }

    #[test]
    fn integrations_fall_back_to_global_settings() {
        let receivers = "receivers:\n- name: r\n  slack_configs: [{channel: '#a'}]\n  opsgenie_configs: [{}]\n  wechat_configs: [{}]\n  victorops_configs: [{}]\n  email_configs: [{to: a@b}]\n  pushover_configs: [x]\n";
        assert_errors(
            &format!("route: {{receiver: r}}\n{receivers}"),
            &[
                r#"receivers[0].pushover_configs[0]: invalid type: string "x", expected struct PushoverConfig"#,
                "receivers[0].email_configs[0]: no global SMTP smarthost set",
                "receivers[0].email_configs[0]: no global SMTP from set",
                "receivers[0].slack_configs[0]: no global Slack API URL set either inline or in a file",
                "receivers[0].opsgenie_configs[0]: no global OpsGenie API Key set either inline or in a file",
                "receivers[0].wechat_configs[0]: no global Wechat ApiSecret set",
                "receivers[0].wechat_configs[0]: no global Wechat CorpID set",
                "receivers[0].victorops_configs[0]: missing Routing key in VictorOps config",
                "receivers[0].victorops_configs[0]: no global VictorOps API Key set",
            ],
        );
        let global = "global:\n  smtp_smarthost: 'm:25'\n  smtp_from: a@b\n  slack_api_url: https://hooks.slack.com/x\n  opsgenie_api_key: k\n  wechat_api_secret: s\n  wechat_api_corp_id: c\n  victorops_api_key: v\n";
        let ok = format!(
            "route: {{receiver: r}}\n{global}{}",
            receivers
                .replace("[x]", "[{user_key: u, token: t}]")
                .replace("victorops_configs: [{}]", "victorops_configs: [{routing_key: r}]")
        );
        let c = Config::from_yaml(&ok).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.receiver("r").unwrap().integration_count(), 6);
    }

    #[test]
    fn time_interval_names() {
        let ti = "time_intervals: [{weekdays: [monday]}]";
        assert_errors(
            &format!(
                "{OK}time_intervals:\n- time_intervals: []\n- {{name: a}}\n- {{name: a}}\nmute_time_intervals:\n- {{}}\n- {{name: a}}\n- {{name: a}}\n"
            ),
            &[
                "mute_time_intervals[0].name: missing name in mute time interval",
                r#"mute_time_intervals[2].name: mute time interval "a" is not unique"#,
                "time_intervals[0].name: missing name in time interval",
                r#"time_intervals[1].name: time interval "a" is not unique"#,
                r#"time_intervals[2].name: time interval "a" is not unique"#,
            ],
        );
        let c = Config::from_yaml(&format!(
            "{OK}mute_time_intervals: [{{name: old, {ti}}}]\ntime_intervals: [{{name: new, {ti}}}]\n"
        ))
        .unwrap();
        assert_eq!(c.time_intervals().iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["old", "new"]);
    }

    #[test]
    fn unreadable_pieces_do_not_cause_follow_up_errors() {
        // The receiver cannot be read (bad webhook key aside, `name` is fine): routes using it
        // must not be reported as undefined, and its placeholder must not be "missing name".
        assert_errors(
            "route: {receiver: r, routes: [{receiver: t}]}\nreceivers:\n- {name: r}\n- {name: t, email_configs: 5}\n",
            &["receivers[1].email_configs: invalid type"],
        );
        // The root route cannot be read: no "must specify a default receiver" on its placeholder.
        assert_errors("route: {receiver: r, group_wait: never}\nreceivers: [{name: r}]\n", &["route.group_wait"]);
        // Same for a time interval referenced by a route.
        assert_errors(
            "route: {receiver: r, routes: [{mute_time_intervals: [w]}]}\nreceivers: [{name: r}]\ntime_intervals: [{name: w, time_intervals: [{weekdays: [caturday]}]}]\n",
            &["time_intervals[0].time_intervals[0].weekdays[0]: caturday is not a valid weekday"],
        );
        // A broken webhook entry keeps the indices of the next ones.
        assert_errors(
            "route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: 'http://a', max_alerts: -1}, {url: 'x'}]}]\n",
            &[
                "receivers[0].webhook_configs[0].max_alerts: invalid type: integer `-1`, expected u64",
                r#"receivers[0].webhook_configs[1].url: unsupported scheme "" for URL"#,
            ],
        );
    }

    #[test]
    fn secret_token_is_accepted_as_a_url() {
        let c = Config::from_yaml("route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: <secret>}]}]\n");
        assert!(c.is_ok());
    }

    #[test]
    fn url_rule() {
        for ok in ["http://a", "https://a.b:8443/x?y#z", "HTTPS://user:pw@host/p"] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("ftp://a", r#"unsupported scheme "ftp" for URL"#),
            ("example.com/hook", r#"unsupported scheme "" for URL"#),
            ("localhost:9093", r#"unsupported scheme "localhost" for URL"#),
            ("http:/a", "missing host for URL"),
            ("http://", "missing host for URL"),
            ("https://user@/x", "missing host for URL"),
            (":x", "missing protocol scheme"),
            ("http://a\n", "net/url: invalid control character in URL"),
        ];
        for (url, want) in cases {
            assert_eq!(check_url(url), Err(want.to_string()), "{url}");
        }
    }
}
