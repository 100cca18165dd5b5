//! Threshold and service rules over [`NodeSeries`]: per host (and per stat, for patterns),
//! the stat's samples in the last `cycle` are reduced to one value (average by default) and
//! compared with the threshold; a condition that holds for `for` fires an alert, one that
//! stops holding resolves it.
//!
//! A host with no sample of the stat in the cycle has no value: the condition does not hold
//! and a firing alert resolves (a silent node is the business of a rule on a stat it still
//! sends, or of the log shipper's own monitoring). Firing alerts are given out on every
//! evaluation with an end `resend` ahead, as a rule evaluator does, so they stay firing
//! while evaluation goes on and expire if it stops.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use regex::Regex;

use super::series::NodeSeries;
use crate::config::duration::format_duration;
use crate::config::logwatch::{Comparison, Reduce, ThresholdRuleConfig};
use crate::glob::name_matches;
use crate::labels::is_valid_label_name;

/// The label saying an alert comes from a node rule; e-mails plot such alerts from the kept
/// series.
pub const SOURCE_LABEL: &str = "source";
/// Its value.
pub const SOURCE_VALUE: &str = "logwatch";
/// The annotation holding the rule's threshold, drawn on plots.
pub const THRESHOLD_ANNOTATION: &str = "threshold";
/// The annotation holding the rule's cycle, e.g. `5m`.
pub const CYCLE_ANNOTATION: &str = "cycle";

const DEFAULT_CYCLE: SignedDuration = SignedDuration::from_mins(5);

/// What a rule watches.
#[derive(Clone, Debug)]
enum Target {
    /// A stat name or pattern.
    Stat(String),
    /// A service, through its `service.<name>.up` stat.
    Service(String),
}

/// One compiled rule.
#[derive(Clone, Debug)]
struct Rule {
    name: String,
    target: Target,
    op: Comparison,
    threshold: f64,
    cycle: SignedDuration,
    reduce: Reduce,
    for_duration: SignedDuration,
    hosts: Option<Regex>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// A rule's problem, with the path of the offending key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RuleSetError {
    /// Where, e.g. `rules[2].threshold`.
    pub path: String,
    /// What.
    pub message: String,
}

/// One alert a rule gives out.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeAlert {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// When it started firing.
    pub starts_at: Timestamp,
    /// When it ends: ahead while firing, the evaluation time once resolved.
    pub ends_at: Timestamp,
    /// Whether this is its resolution.
    pub resolved: bool,
}

/// Where one (rule, host, stat) stands.
#[derive(Clone, Debug)]
struct State {
    /// Since when the condition holds.
    active_since: Timestamp,
    /// The alert as last given out, once firing.
    firing: Option<NodeAlert>,
}

/// The rules and their states.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    states: HashMap<(String, String, String), State>,
    resend: SignedDuration,
}

impl RuleSet {
    /// Compiles the rules of a `logwatch` section; `resend` is how far ahead firing alerts
    /// end. Every problem is reported.
    pub fn compile(configs: &[ThresholdRuleConfig], resend: SignedDuration) -> Result<RuleSet, Vec<RuleSetError>> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        for (i, config) in configs.iter().enumerate() {
            let before = errors.len();
            let rule = compile_rule(config, &format!("logwatch.rules[{i}]"), &mut errors);
            if errors.len() == before {
                rules.push(rule);
            }
        }
        if errors.is_empty() { Ok(RuleSet { rules, states: HashMap::new(), resend }) } else { Err(errors) }
    }

    /// Takes over the states of `old` (a reload), so pending and firing alerts go on; states
    /// of rules gone resolve at the next evaluation.
    pub fn take_states(&mut self, old: RuleSet) {
        self.states = old.states;
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Number of (rule, host, stat) whose condition holds, firing or pending.
    pub fn active_count(&self) -> usize {
        self.states.len()
    }

    /// Evaluates every rule at `now`: the firing alerts (again, with a new end) and the
    /// alerts that resolved since the last evaluation.
    pub fn evaluate(&mut self, series: &NodeSeries, now: Timestamp) -> Vec<NodeAlert> {
        let mut out = Vec::new();
        let mut held: HashMap<(String, String, String), State> = HashMap::new();
        let now_ms = now.as_millisecond();
        for rule in &self.rules {
            for host in series.hosts() {
                if rule.hosts.as_ref().is_some_and(|re| !re.is_match(host)) {
                    continue;
                }
                for stat in matching_stats(rule, series, host) {
                    let from = now_ms.saturating_sub(rule.cycle.as_millis() as i64);
                    let Some(value) = reduce(rule.reduce, series.window(host, &stat, from, now_ms)) else {
                        continue;
                    };
                    if !rule.op.holds(value, rule.threshold) {
                        continue;
                    }
                    let key = (rule.name.clone(), host.to_string(), stat.clone());
                    let mut state = self.states.remove(&key).unwrap_or(State { active_since: now, firing: None });
                    let fires_at = state.active_since.checked_add(rule.for_duration).unwrap_or(Timestamp::MAX);
                    if fires_at <= now {
                        let starts_at = state.firing.as_ref().map_or(now, |a| a.starts_at);
                        let alert = rule.alert(
                            host,
                            &stat,
                            value,
                            starts_at,
                            now.checked_add(self.resend).unwrap_or(Timestamp::MAX),
                        );
                        out.push(alert.clone());
                        state.firing = Some(alert);
                    }
                    held.insert(key, state);
                }
            }
        }
        for (_, state) in self.states.drain() {
            if let Some(mut alert) = state.firing {
                alert.ends_at = now;
                alert.resolved = true;
                out.push(alert);
            }
        }
        self.states = held;
        out
    }
}

impl Rule {
    fn alert(&self, host: &str, stat: &str, value: f64, starts_at: Timestamp, ends_at: Timestamp) -> NodeAlert {
        let mut labels = BTreeMap::from([("severity".to_string(), "warning".to_string())]);
        labels.extend(self.labels.clone());
        labels.insert("alertname".into(), self.name.clone());
        labels.insert("host".into(), host.to_string());
        labels.insert(SOURCE_LABEL.into(), SOURCE_VALUE.into());
        match &self.target {
            Target::Stat(_) => labels.insert("stat".into(), stat.to_string()),
            Target::Service(service) => labels.insert("service".into(), service.clone()),
        };
        let shown_value = format_value(value);
        let threshold = format_value(self.threshold);
        let cycle = format_duration(self.cycle);
        let fill = |text: &str| {
            text.replace("{host}", host)
                .replace("{stat}", stat)
                .replace("{value}", &shown_value)
                .replace("{op}", self.op.symbol())
                .replace("{threshold}", &threshold)
                .replace("{cycle}", &cycle)
        };
        let mut annotations: BTreeMap<String, String> =
            self.annotations.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        let (summary, description) = match &self.target {
            Target::Service(service) => (
                format!("service {service} is down on {host}"),
                format!("{host} reports service {service} not running (latest sample within {cycle})."),
            ),
            Target::Stat(_) => (
                format!("{stat} on {host} is {shown_value} ({op} {threshold})", op = self.op.symbol()),
                format!(
                    "The {reduce} of {stat} on {host} over the last {cycle} is {shown_value}, {op} the threshold {threshold}.",
                    reduce = reduce_name(self.reduce),
                    op = self.op.symbol()
                ),
            ),
        };
        annotations.entry("summary".into()).or_insert(summary);
        annotations.entry("description".into()).or_insert(description);
        annotations.insert("value".into(), shown_value);
        annotations.insert(CYCLE_ANNOTATION.into(), cycle);
        if matches!(self.target, Target::Stat(_)) {
            annotations.insert(THRESHOLD_ANNOTATION.into(), threshold);
        }
        NodeAlert { labels, annotations, starts_at, ends_at, resolved: false }
    }
}

/// The stats a rule looks at on `host`; a stat the host never sent has no samples, so the
/// rule has no value for it.
fn matching_stats(rule: &Rule, series: &NodeSeries, host: &str) -> Vec<String> {
    match &rule.target {
        Target::Service(service) => vec![format!("service.{service}.up")],
        Target::Stat(pattern) if !pattern.contains(['*', '?']) => vec![pattern.clone()],
        Target::Stat(pattern) => series.stats_of(host).filter(|s| name_matches(pattern, s)).map(String::from).collect(),
    }
}

fn reduce(how: Reduce, points: impl Iterator<Item = (i64, f64)>) -> Option<f64> {
    let mut count = 0u64;
    let mut acc = match how {
        Reduce::Min => f64::INFINITY,
        Reduce::Max => f64::NEG_INFINITY,
        Reduce::Avg | Reduce::Last => 0.0,
    };
    for (_, v) in points {
        count += 1;
        acc = match how {
            Reduce::Avg => acc + v,
            Reduce::Min => acc.min(v),
            Reduce::Max => acc.max(v),
            Reduce::Last => v,
        };
    }
    match (count, how) {
        (0, _) => None,
        (n, Reduce::Avg) => Some(acc / n as f64),
        _ => Some(acc),
    }
}

fn reduce_name(how: Reduce) -> &'static str {
    match how {
        Reduce::Avg => "average",
        Reduce::Min => "minimum",
        Reduce::Max => "maximum",
        Reduce::Last => "latest value",
    }
}

/// A value as shown in annotations: at most two decimals, no trailing zeros.
fn format_value(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

fn compile_rule(config: &ThresholdRuleConfig, path: &str, errors: &mut Vec<RuleSetError>) -> Rule {
    let mut problem = |key: &str, message: String| {
        let path = if key.is_empty() { path.to_string() } else { format!("{path}.{key}") };
        errors.push(RuleSetError { path, message });
    };
    if config.name.trim().is_empty() {
        problem("name", "a rule needs a name (its alertname)".into());
    }
    let target = match (&config.stat, &config.service) {
        (Some(stat), None) if !stat.trim().is_empty() => Target::Stat(stat.trim().to_string()),
        (None, Some(service)) if !service.trim().is_empty() => Target::Service(service.trim().to_string()),
        (Some(_), Some(_)) => {
            problem("", "a rule has either `stat` or `service`, not both".into());
            Target::Stat(String::new())
        }
        _ => {
            problem("", "a rule needs a non-empty `stat` or `service`".into());
            Target::Stat(String::new())
        }
    };
    let is_service = matches!(target, Target::Service(_));
    let threshold = match (config.threshold, is_service) {
        (Some(t), _) if !t.is_finite() => {
            problem("threshold", "the threshold must be a finite number".into());
            0.0
        }
        (Some(_), true) => {
            problem("threshold", "a service rule has no threshold (it fires while the service is down)".into());
            0.0
        }
        (Some(t), false) => t,
        (None, true) => 0.0,
        (None, false) => {
            problem("threshold", "a stat rule needs a threshold".into());
            0.0
        }
    };
    if is_service && config.op.is_some() {
        problem("op", "a service rule has no comparison".into());
    }
    let op = if is_service { Comparison::Equal } else { config.op.unwrap_or_default() };
    let cycle = config.cycle.map_or(DEFAULT_CYCLE, |c| c.get());
    if cycle <= SignedDuration::ZERO {
        problem("cycle", "the cycle must be longer than zero".into());
    }
    let for_duration = config.for_duration.map_or(SignedDuration::ZERO, |d| d.get());
    if for_duration < SignedDuration::ZERO {
        problem("for", "`for` must not be negative".into());
    }
    let reduce = config.reduce.unwrap_or(if is_service { Reduce::Last } else { Reduce::Avg });
    let hosts = config.hosts.as_deref().and_then(|re| match crate::matcher::compile_anchored(re) {
        Ok(re) => Some(re),
        Err(e) => {
            problem("hosts", format!("invalid regular expression: {e}"));
            None
        }
    });
    for name in config.labels.keys() {
        if !is_valid_label_name(name) {
            problem("labels", format!("invalid label name {name:?}"));
        } else if matches!(name.as_str(), "alertname" | "host" | "stat" | "service" | SOURCE_LABEL) {
            problem("labels", format!("label {name:?} is set by the rule itself"));
        }
    }
    for name in config.annotations.keys() {
        if !is_valid_label_name(name) {
            problem("annotations", format!("invalid annotation name {name:?}"));
        }
    }
    Rule {
        name: config.name.clone(),
        target,
        op,
        threshold,
        cycle,
        reduce,
        for_duration,
        hosts,
        labels: config.labels.clone(),
        annotations: config.annotations.clone(),
    }
}
