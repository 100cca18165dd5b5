//! The compiled route tree: which routes (receiver, grouping, timers) an alert goes to.
//!
//! Built from [`RouteConfig`] with Alertmanager 0.25's rules: a child inherits the receiver,
//! `group_by` and the three timers it does not set, but not its matchers, `continue`, or its
//! mute/active time intervals. Matching is depth-first; the first matching child stops the
//! search unless it has `continue: true`, and a route none of whose children match is itself
//! the match. Route keys and ids are Alertmanager's, so group keys agree with it.

use jiff::SignedDuration;

use crate::config::model::{RouteConfig, non_empty};
use crate::config::{ConfigErrors, Diagnostics};
use crate::incident::IncidentPolicy;
use crate::labels::{LabelSet, is_valid_label_name};
use crate::matcher::{
    MatchOp, Matcher, all_match, compile_anchored, matchers_to_string, parse_matchers, sort_matchers,
};
use crate::quote::go_quote;

/// How a route groups alerts into notifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// `group_by: ['...']`: every label, so one group per label set.
    All,
    /// These label names (sorted, unique); empty means one group for all alerts.
    Labels(Vec<String>),
}

impl Default for GroupBy {
    fn default() -> GroupBy {
        GroupBy::Labels(Vec::new())
    }
}

impl GroupBy {
    /// The labels of `labels` that identify the alert's group.
    pub fn group_labels(&self, labels: &LabelSet) -> LabelSet {
        match self {
            GroupBy::All => labels.clone(),
            GroupBy::Labels(names) => labels.subset(names.iter().map(String::as_str)),
        }
    }
}

/// What a matching route does with an alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteOpts {
    /// Receiver name.
    pub receiver: String,
    /// Grouping.
    pub group_by: GroupBy,
    /// Wait before the first notification of a new group.
    pub group_wait: SignedDuration,
    /// Wait between notifications about changes to a group.
    pub group_interval: SignedDuration,
    /// Wait before repeating an unchanged notification.
    pub repeat_interval: SignedDuration,
    /// Time intervals during which the route is muted.
    pub mute_time_intervals: Vec<String>,
    /// Time intervals outside which the route is muted (none: always active).
    pub active_time_intervals: Vec<String>,
    /// Notify per incident (triage's own): how alerts are correlated and what is worth a
    /// notification. `None`: Alertmanager's per-group notifications.
    pub incident: Option<std::sync::Arc<IncidentPolicy>>,
}

impl Default for RouteOpts {
    /// Alertmanager's `DefaultRouteOpts`: 30s, 5m, 4h, no grouping labels.
    fn default() -> RouteOpts {
        RouteOpts {
            receiver: String::new(),
            group_by: GroupBy::default(),
            group_wait: SignedDuration::from_secs(30),
            group_interval: SignedDuration::from_mins(5),
            repeat_interval: SignedDuration::from_hours(4),
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
            incident: None,
        }
    }
}

/// A node of the compiled route tree.
#[derive(Clone, Debug)]
pub struct Route {
    /// Settings, with inherited values filled in.
    pub opts: RouteOpts,
    /// Matchers an alert must satisfy (sorted; `match`/`match_re` included).
    pub matchers: Vec<Matcher>,
    /// Whether siblings after this route are still tried when it matches.
    pub continue_matching: bool,
    /// Children, in order.
    pub routes: Vec<Route>,
    key: String,
    id: String,
}

impl Route {
    /// Compiles a tree whose root is `cfg`, checking each node (label names, matchers,
    /// timers). Receivers and time intervals are not looked up: [`crate::config::Config`]
    /// does that.
    pub fn from_config(cfg: &RouteConfig) -> Result<Route, ConfigErrors> {
        let mut diag = Diagnostics::default();
        let route = Route::compile(cfg, None, "route", &mut diag);
        diag.into_result(route)
    }

    /// Compiles `cfg` below `parent` (the root when `None`); `path` names it in errors.
    pub(crate) fn compile(
        cfg: &RouteConfig,
        parent: Option<(&Route, usize)>,
        path: &str,
        diag: &mut Diagnostics,
    ) -> Route {
        let check = !diag.skipped(path);
        let mut opts = parent.map_or_else(RouteOpts::default, |(p, _)| p.opts.clone());
        if let Some(r) = non_empty(&cfg.receiver) {
            opts.receiver = r.to_string();
        }
        if let Some(g) = group_by(cfg.group_by.as_deref().unwrap_or_default(), path, check, diag) {
            opts.group_by = g;
        }
        for (field, value, set) in [
            ("group_wait", cfg.group_wait, &mut opts.group_wait),
            ("group_interval", cfg.group_interval, &mut opts.group_interval),
            ("repeat_interval", cfg.repeat_interval, &mut opts.repeat_interval),
        ] {
            if let Some(d) = value {
                if check && field != "group_wait" && d.get().is_zero() {
                    diag.push(format!("{path}.{field}"), format!("{field} cannot be zero"));
                }
                *set = d.get();
            }
        }
        opts.incident = IncidentPolicy::compile(
            opts.incident.as_deref(),
            cfg.incidents.as_ref(),
            &opts.group_by,
            path,
            check,
            diag,
        )
        .map(std::sync::Arc::new);
        opts.mute_time_intervals = cfg.mute_time_intervals.clone();
        opts.active_time_intervals = cfg.active_time_intervals.clone();

        let matchers = route_matchers(cfg, path, check, diag);
        let printed = matchers_to_string(&matchers);
        let (key, id) = match parent {
            None => (printed.clone(), printed),
            Some((p, index)) => (format!("{}/{printed}", p.key), format!("{}/{printed}/{index}", p.id)),
        };
        let mut route = Route { opts, matchers, continue_matching: cfg.continue_matching, routes: Vec::new(), key, id };
        let children = cfg
            .routes
            .iter()
            .enumerate()
            .map(|(i, c)| Route::compile(c, Some((&route, i)), &format!("{path}.routes[{i}]"), diag))
            .collect();
        route.routes = children;
        route
    }

    /// Alertmanager's route key: the parent's key, `/`, and this route's matchers
    /// (`{}` for the root). Routes with the same matchers on the same path share it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Alertmanager's route id: like the key, with each level's position among its siblings,
    /// so it is unique in the tree (`{}/{foo="bar"}/0/{bar="baz"}/0`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The group key of the group with `group_labels` on this route:
    /// `{route key}:{a="b", c="d"}`.
    pub fn group_key(&self, group_labels: &LabelSet) -> String {
        format!("{}:{group_labels}", self.key)
    }

    /// The routes an alert with `labels` goes to, in tree order; empty only when this route's
    /// own matchers do not match.
    pub fn match_labels(&self, labels: &LabelSet) -> Vec<&Route> {
        let mut out = Vec::new();
        self.match_into(labels, &mut out);
        out
    }

    fn match_into<'a>(&'a self, labels: &LabelSet, out: &mut Vec<&'a Route>) -> bool {
        if !all_match(&self.matchers, labels) {
            return false;
        }
        let before = out.len();
        for child in &self.routes {
            if child.match_into(labels, out) && !child.continue_matching {
                break;
            }
        }
        if out.len() == before {
            out.push(self);
        }
        true
    }

    /// Visits this route and all below it, depth first, parents before children.
    pub fn walk<'a>(&'a self, mut f: impl FnMut(&'a Route)) {
        fn go<'a>(r: &'a Route, f: &mut dyn FnMut(&'a Route)) {
            f(r);
            for c in &r.routes {
                go(c, f);
            }
        }
        go(self, &mut f);
    }

    /// The route with this [`Route::id`], if any.
    pub fn find(&self, id: &str) -> Option<&Route> {
        let mut found = None;
        self.walk(|r| {
            if found.is_none() && r.id == id {
                found = Some(r);
            }
        });
        found
    }
}

/// Reads `group_by`; `None` when it leaves the inherited grouping (unset or empty).
fn group_by(list: &[String], path: &str, check: bool, diag: &mut Diagnostics) -> Option<GroupBy> {
    let mut labels: Vec<String> = Vec::new();
    let mut all = false;
    for (i, l) in list.iter().enumerate() {
        if l == "..." {
            all = true;
        } else if !is_valid_label_name(l) {
            if check {
                diag.push(
                    format!("{path}.group_by[{i}]"),
                    format!("invalid label name {} in group_by list", go_quote(l)),
                );
            }
        } else if labels.contains(l) {
            if check {
                diag.push(format!("{path}.group_by[{i}]"), format!("duplicated label {} in group_by", go_quote(l)));
            }
        } else {
            labels.push(l.clone());
        }
    }
    if all && list.iter().any(|l| l != "...") {
        if check {
            diag.push(
                format!("{path}.group_by"),
                "cannot have wildcard group_by (`...`) and other labels at the same time",
            );
        }
        return None;
    }
    if !labels.is_empty() {
        labels.sort();
        Some(GroupBy::Labels(labels))
    } else if all {
        Some(GroupBy::All)
    } else {
        None
    }
}

/// `match`, `match_re` and `matchers` as one sorted list; bad entries are reported and left out.
fn route_matchers(cfg: &RouteConfig, path: &str, check: bool, diag: &mut Diagnostics) -> Vec<Matcher> {
    let mut out = Vec::new();
    let mut report = |p: String, m: String| {
        if check {
            diag.push(p, m);
        }
    };
    for (name, value) in &cfg.match_eq {
        if !is_valid_label_name(name) {
            report(format!("{path}.match"), format!("invalid label name {}", go_quote(name)));
        } else if let Ok(m) = Matcher::new(MatchOp::Equal, name, value) {
            out.push(m);
        }
    }
    for (name, value) in &cfg.match_re {
        if !is_valid_label_name(name) {
            report(format!("{path}.match_re"), format!("invalid label name {}", go_quote(name)));
            continue;
        }
        // Alertmanager keeps the anchored pattern as the matcher's value.
        match compile_anchored(value).and_then(|_| Matcher::new(MatchOp::Regexp, name, &format!("^(?:{value})$"))) {
            Ok(m) => out.push(m),
            Err(e) => report(format!("{path}.match_re.{name}"), e.to_string()),
        }
    }
    for (i, line) in cfg.matchers.iter().enumerate() {
        match parse_matchers(line) {
            Ok(ms) => out.extend(ms),
            Err(e) => report(format!("{path}.matchers[{i}]"), e.to_string()),
        }
    }
    sort_matchers(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str) -> Route {
        let cfg: RouteConfig = yaml_serde::from_str(yaml).unwrap();
        Route::from_config(&cfg).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ls(pairs: &[(&str, &str)]) -> LabelSet {
        LabelSet::from_pairs(pairs.iter().copied())
    }

    const AM_TREE: &str = r#"
receiver: 'notify-def'
routes:
- match:
    owner: 'team-A'
  receiver: 'notify-A'
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    group_by: [...]
  - match:
      env: "production"
    receiver: 'notify-productionA'
    group_wait: 1m
    continue: true
  - match_re:
      env: "produ.*"
      job: ".*"
    receiver: 'notify-productionB'
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
    group_by: ['job']
- match_re:
    owner: 'team-(B|C)'
  group_by: ['foo', 'bar']
  group_wait: 2m
  receiver: 'notify-BC'
- match:
    group_by: 'role'
  group_by: ['role']
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    routes:
    - match:
        wait: 'long'
      group_wait: 2m
"#;

    /// Alertmanager's `TestRouteMatch` table (dispatch/route_test.go).
    #[test]
    fn alertmanager_route_match_table() {
        let t = tree(AM_TREE);
        let labels = |v: &[&str]| GroupBy::Labels(v.iter().map(|s| s.to_string()).collect());
        type Hit<'a> = (&'a str, GroupBy, i64, &'a str);
        let cases: Vec<(LabelSet, Vec<Hit>)> = vec![
            (ls(&[("owner", "team-A")]), vec![("notify-A", labels(&[]), 30, r#"{}/{owner="team-A"}"#)]),
            (
                ls(&[("owner", "team-A"), ("env", "unset")]),
                vec![("notify-A", labels(&[]), 30, r#"{}/{owner="team-A"}"#)],
            ),
            (
                ls(&[("owner", "team-C")]),
                vec![("notify-BC", labels(&["bar", "foo"]), 120, r#"{}/{owner=~"^(?:team-(B|C))$"}"#)],
            ),
            (
                ls(&[("owner", "team-A"), ("env", "testing")]),
                vec![("notify-testing", GroupBy::All, 30, r#"{}/{owner="team-A"}/{env="testing"}"#)],
            ),
            (
                ls(&[("owner", "team-A"), ("env", "production")]),
                vec![
                    ("notify-productionA", labels(&[]), 60, r#"{}/{owner="team-A"}/{env="production"}"#),
                    (
                        "notify-productionB",
                        labels(&["job"]),
                        30,
                        r#"{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}"#,
                    ),
                ],
            ),
            (ls(&[("group_by", "role")]), vec![("notify-def", labels(&["role"]), 30, r#"{}/{group_by="role"}"#)]),
            (
                ls(&[("env", "testing"), ("group_by", "role")]),
                vec![("notify-testing", labels(&["role"]), 30, r#"{}/{group_by="role"}/{env="testing"}"#)],
            ),
            (
                ls(&[("env", "testing"), ("group_by", "role"), ("wait", "long")]),
                vec![(
                    "notify-testing",
                    labels(&["role"]),
                    120,
                    r#"{}/{group_by="role"}/{env="testing"}/{wait="long"}"#,
                )],
            ),
            (ls(&[("owner", "nobody")]), vec![("notify-def", labels(&[]), 30, "{}")]),
        ];
        for (input, want) in cases {
            let got: Vec<Hit> = t
                .match_labels(&input)
                .into_iter()
                .map(|r| (r.opts.receiver.as_str(), r.opts.group_by.clone(), r.opts.group_wait.as_secs(), r.key()))
                .collect();
            assert_eq!(got, want, "{input}");
        }
        let pb = &t.routes[0].routes[2];
        assert_eq!(pb.opts.repeat_interval, SignedDuration::from_hours(1));
        assert_eq!(t.routes[1].opts.group_interval, SignedDuration::from_mins(5));
        assert_eq!(t.routes[1].opts.repeat_interval, SignedDuration::from_hours(4));
    }

    #[test]
    fn walk_visits_depth_first() {
        let mut got = Vec::new();
        tree(AM_TREE).walk(|r| got.push(r.opts.receiver.clone()));
        let want = [
            "notify-def",
            "notify-A",
            "notify-testing",
            "notify-productionA",
            "notify-productionB",
            "notify-BC",
            "notify-def",
            "notify-testing",
            "notify-testing",
        ];
        assert_eq!(got, want);
    }

    /// Alertmanager's `TestRouteID`.
    #[test]
    fn ids_are_unique_and_alertmanagers() {
        let t = tree(
            r#"
receiver: default
routes:
- {continue: true, matchers: [foo=bar], receiver: test1, routes: [{matchers: [bar=baz]}]}
- {continue: true, matchers: [foo=bar], receiver: test1, routes: [{matchers: [bar=baz]}]}
- {continue: true, matchers: [foo=bar], receiver: test2, routes: [{matchers: [bar=baz]}]}
- {continue: true, matchers: [bar=baz], receiver: test3, routes: [{matchers: [baz=qux]}, {matchers: [qux=corge]}]}
- {continue: true, matchers: ['qux=~"[a-zA-Z0-9]+"']}
- {continue: true, matchers: ['corge!~"[0-9]+"']}
"#,
        );
        let mut ids = Vec::new();
        t.walk(|r| ids.push(r.id().to_string()));
        let want = [
            r#"{}"#,
            r#"{}/{foo="bar"}/0"#,
            r#"{}/{foo="bar"}/0/{bar="baz"}/0"#,
            r#"{}/{foo="bar"}/1"#,
            r#"{}/{foo="bar"}/1/{bar="baz"}/0"#,
            r#"{}/{foo="bar"}/2"#,
            r#"{}/{foo="bar"}/2/{bar="baz"}/0"#,
            r#"{}/{bar="baz"}/3"#,
            r#"{}/{bar="baz"}/3/{baz="qux"}/0"#,
            r#"{}/{bar="baz"}/3/{qux="corge"}/1"#,
            r#"{}/{qux=~"[a-zA-Z0-9]+"}/4"#,
            r#"{}/{corge!~"[0-9]+"}/5"#,
        ];
        assert_eq!(ids, want);
        assert_eq!(t.routes[0].key(), t.routes[1].key());
        assert_eq!(t.find(r#"{}/{bar="baz"}/3/{qux="corge"}/1"#).unwrap().key(), r#"{}/{bar="baz"}/{qux="corge"}"#);
        assert!(t.find("nope").is_none());
        // Every route continues: the three foo=bar children, bar=baz itself and corge!~ match.
        let hits = t.match_labels(&ls(&[("foo", "bar"), ("bar", "baz")]));
        assert_eq!(hits.len(), 5);
    }

    #[test]
    fn matchers_lists_are_split_and_sorted() {
        let t = tree(
            r#"
receiver: r
routes:
- matchers: ['{owner="team-A"}', '{level!="critical"}']
  routes:
  - matchers: ['{env="testing"}', '{baz!~".*quux"}']
  - matchers: [ env=~"produ.*", job=~".*"]
"#,
        );
        assert_eq!(t.routes[0].key(), r#"{}/{level!="critical",owner="team-A"}"#);
        assert_eq!(
            t.routes[0].routes[0].key(),
            r#"{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}"#
        );
        assert_eq!(t.routes[0].routes[1].key(), r#"{}/{level!="critical",owner="team-A"}/{env=~"produ.*",job=~".*"}"#);
        let hit = t.match_labels(&ls(&[("owner", "team-A"), ("level", "critical")]));
        assert_eq!(hit[0].key(), "{}");
    }

    #[test]
    fn inheritance_excludes_intervals_and_continue() {
        let t = tree(
            r#"
receiver: root
group_by: [alertname]
repeat_interval: 12h
routes:
- matchers: [env=parent]
  group_by: ['...']
  continue: true
  mute_time_intervals: [weekend]
  active_time_intervals: [office]
  routes:
  - matchers: [env=child1]
  - matchers: [env=child2]
    group_by: [foo]
    receiver: other
  - matchers: [env=child3]
    group_by: []
"#,
        );
        let parent = &t.routes[0];
        let [c1, c2, c3] = &parent.routes[..] else { panic!() };
        assert_eq!(parent.opts.group_by, GroupBy::All);
        assert_eq!(c1.opts.group_by, GroupBy::All);
        assert_eq!(c2.opts.group_by, GroupBy::Labels(vec!["foo".into()]));
        assert_eq!(c3.opts.group_by, GroupBy::All, "an empty list inherits");
        assert_eq!((c1.opts.receiver.as_str(), c2.opts.receiver.as_str()), ("root", "other"));
        assert_eq!(c1.opts.repeat_interval, SignedDuration::from_hours(12));
        assert_eq!(parent.opts.mute_time_intervals, ["weekend"]);
        assert!(c1.opts.mute_time_intervals.is_empty() && c1.opts.active_time_intervals.is_empty());
        assert!(parent.continue_matching && !c1.continue_matching);
        assert!(c1.matchers.len() == 1 && c1.matchers[0].name == "env");
    }

    #[test]
    fn group_labels_and_keys() {
        let alert = ls(&[("alertname", "Disk"), ("instance", "a:9100"), ("job", "node")]);
        let by = GroupBy::Labels(vec!["alertname".into(), "missing".into()]);
        assert_eq!(by.group_labels(&alert), ls(&[("alertname", "Disk")]));
        assert_eq!(GroupBy::All.group_labels(&alert), alert);
        assert_eq!(GroupBy::default().group_labels(&alert), LabelSet::new());
        let t = tree("receiver: r\nroutes: [{matchers: [job=node]}]");
        assert_eq!(t.group_key(&ls(&[("alertname", "Disk")])), r#"{}:{alertname="Disk"}"#);
        assert_eq!(t.routes[0].group_key(&LabelSet::new()), r#"{}/{job="node"}:{}"#);
    }

    #[test]
    fn node_errors_are_all_reported_with_paths() {
        let cfg: RouteConfig = yaml_serde::from_str(
            r#"
group_by: ['a-b', x, x]
routes:
- group_by: ['...', y]
  group_interval: 0s
  repeat_interval: 0
  matchers: ['a=~"("', 'ok=1']
  match: {'bad-name': v}
  match_re: {job: '(', 'bad-re': x}
"#,
        )
        .unwrap();
        let errs = Route::from_config(&cfg).unwrap_err().to_string();
        for want in [
            r#"route.group_by[0]: invalid label name "a-b" in group_by list"#,
            r#"route.group_by[2]: duplicated label "x" in group_by"#,
            "route.routes[0].group_by: cannot have wildcard group_by (`...`) and other labels at the same time",
            "route.routes[0].group_interval: group_interval cannot be zero",
            "route.routes[0].repeat_interval: repeat_interval cannot be zero",
            "route.routes[0].matchers[0]: invalid regular expression",
            r#"route.routes[0].match: invalid label name "bad-name""#,
            r#"route.routes[0].match_re: invalid label name "bad-re""#,
            "route.routes[0].match_re.job: invalid regular expression",
        ] {
            assert!(errs.contains(want), "missing {want:?} in\n{errs}");
        }
        assert_eq!(errs.lines().count(), 9, "{errs}");
    }
}
