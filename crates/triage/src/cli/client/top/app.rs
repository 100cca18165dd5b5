//! The state of `triage top` and its key handling, free of any terminal or network: the
//! dashboard loop feeds it API answers and keys, and [`super::draw`] renders it.

use std::collections::{BTreeMap, VecDeque};

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use triage_core::matcher::{Matcher, parse_matchers};

use crate::cli::client::model::{AlertView, GroupView};
use crate::cli::client::output::severity_rank;

/// How many samples of per-site counts the sparklines keep.
pub const HISTORY_SAMPLES: usize = 60;

/// The label shown for alerts without a site.
pub const NO_SITE: &str = "(no site)";

/// What the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Alerts, sites and incidents.
    List,
    /// Typing a filter; the text so far and why it does not parse, if it does not.
    EditingFilter {
        /// The text typed.
        input: String,
        /// The parse error of the last Enter.
        error: Option<String>,
    },
    /// One alert's labels, annotations and status.
    Detail {
        /// The alert shown.
        fingerprint: String,
    },
}

/// The filter in force.
#[derive(Debug, Clone, Default)]
pub enum Filter {
    /// Everything.
    #[default]
    None,
    /// Label matchers.
    Matchers(String, Vec<Matcher>),
    /// Text found in a label or annotation (lowercase).
    Text(String),
}

impl Filter {
    /// Reads a filter: matchers when it has an operator, text otherwise.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Filter::None);
        }
        if text.contains('=') || text.contains("!~") {
            return parse_matchers(text).map(|ms| Filter::Matchers(text.to_string(), ms)).map_err(|e| e.to_string());
        }
        Ok(Filter::Text(text.to_lowercase()))
    }

    /// The text as typed.
    pub fn text(&self) -> &str {
        match self {
            Filter::None => "",
            Filter::Matchers(text, _) | Filter::Text(text) => text,
        }
    }

    /// Whether an alert passes.
    pub fn passes(&self, alert: &AlertView) -> bool {
        match self {
            Filter::None => true,
            Filter::Matchers(_, ms) => alert.matches(ms),
            Filter::Text(needle) => alert.contains_text(needle),
        }
    }
}

/// Everything `triage top` shows.
#[derive(Debug, Clone)]
pub struct App {
    /// Where the data comes from, for the title.
    pub source: String,
    /// The alerts, most severe first, then oldest first.
    pub alerts: Vec<AlertView>,
    /// The alert groups, shown as incidents.
    pub groups: Vec<GroupView>,
    /// Per site, the count of active alerts at each of the last refreshes, oldest first.
    pub site_history: BTreeMap<String, VecDeque<u64>>,
    /// The filter in force.
    pub filter: Filter,
    /// What the screen shows.
    pub mode: Mode,
    /// The selected row among the filtered alerts.
    pub selected: usize,
    /// Why the last refresh failed, if it did.
    pub last_error: Option<String>,
    /// When data last arrived.
    pub last_update: Option<Timestamp>,
    /// The present, for ages.
    pub now: Timestamp,
    /// Set when the user asked to leave.
    pub quit: bool,
}

impl App {
    /// An empty dashboard of `source`.
    pub fn new(source: impl Into<String>, now: Timestamp) -> App {
        App {
            source: source.into(),
            alerts: Vec::new(),
            groups: Vec::new(),
            site_history: BTreeMap::new(),
            filter: Filter::None,
            mode: Mode::List,
            selected: 0,
            last_error: None,
            last_update: None,
            now,
            quit: false,
        }
    }

    /// Takes a refresh's alerts and groups and samples the per-site counts.
    pub fn update(&mut self, mut alerts: Vec<AlertView>, groups: Vec<GroupView>, now: Timestamp) {
        alerts.sort_by(|a, b| {
            severity_rank(a.label("severity"))
                .cmp(&severity_rank(b.label("severity")))
                .then_with(|| a.starts_at.cmp(&b.starts_at))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for a in alerts.iter().filter(|a| a.state == "active") {
            let site = if a.site().is_empty() { NO_SITE } else { a.site() };
            *counts.entry(site.to_string()).or_default() += 1;
        }
        for site in counts.keys() {
            self.site_history.entry(site.clone()).or_default();
        }
        for (site, history) in &mut self.site_history {
            history.push_back(counts.get(site).copied().unwrap_or(0));
            while history.len() > HISTORY_SAMPLES {
                history.pop_front();
            }
        }
        self.site_history.retain(|_, history| history.iter().any(|n| *n > 0));
        self.alerts = alerts;
        self.groups = groups;
        self.now = now;
        self.last_update = Some(now);
        self.last_error = None;
        self.clamp_selection();
    }

    /// Records a failed refresh (the last data stays on screen).
    pub fn fetch_failed(&mut self, error: String, now: Timestamp) {
        self.last_error = Some(error);
        self.now = now;
    }

    /// The alerts passing the filter, in display order.
    pub fn visible_alerts(&self) -> Vec<&AlertView> {
        self.alerts.iter().filter(|a| self.filter.passes(a)).collect()
    }

    /// The groups holding an alert that passes the filter.
    pub fn visible_groups(&self) -> Vec<&GroupView> {
        self.groups.iter().filter(|g| g.alerts.iter().any(|a| self.filter.passes(a))).collect()
    }

    /// The selected alert of the list.
    pub fn selected_alert(&self) -> Option<&AlertView> {
        self.visible_alerts().get(self.selected).copied()
    }

    /// The alert of the detail view, if it is still listed.
    pub fn detail_alert(&self) -> Option<&AlertView> {
        match &self.mode {
            Mode::Detail { fingerprint } => self.alerts.iter().find(|a| &a.fingerprint == fingerprint),
            _ => None,
        }
    }

    /// Sites by current count (highest first), with their counts over time.
    pub fn sites(&self) -> Vec<(&str, u64, Vec<u64>)> {
        let mut sites: Vec<(&str, u64, Vec<u64>)> = self
            .site_history
            .iter()
            .map(|(site, h)| (site.as_str(), h.back().copied().unwrap_or(0), h.iter().copied().collect()))
            .collect();
        sites.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        sites
    }

    fn clamp_selection(&mut self) {
        let n = self.visible_alerts().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    fn move_selection(&mut self, down: bool) {
        let n = self.visible_alerts().len();
        if n == 0 {
            self.selected = 0;
        } else if down {
            self.selected = (self.selected + 1).min(n - 1);
        } else {
            self.selected = self.selected.saturating_sub(1);
        }
    }
}

/// Applies one key press.
pub fn on_key(app: &mut App, key: KeyEvent) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return;
    }
    match app.mode.clone() {
        Mode::List => match key.code {
            KeyCode::Char('q') => app.quit = true,
            KeyCode::Char('/') => {
                app.mode = Mode::EditingFilter { input: app.filter.text().to_string(), error: None };
            }
            KeyCode::Down | KeyCode::Char('j') => app.move_selection(true),
            KeyCode::Up | KeyCode::Char('k') => app.move_selection(false),
            KeyCode::Home | KeyCode::Char('g') => app.selected = 0,
            KeyCode::End | KeyCode::Char('G') => app.selected = app.visible_alerts().len().saturating_sub(1),
            KeyCode::Enter => {
                if let Some(alert) = app.selected_alert() {
                    app.mode = Mode::Detail { fingerprint: alert.fingerprint.clone() };
                }
            }
            KeyCode::Esc => {
                app.filter = Filter::None;
                app.clamp_selection();
            }
            _ => {}
        },
        Mode::EditingFilter { mut input, .. } => match key.code {
            KeyCode::Esc => app.mode = Mode::List,
            KeyCode::Enter => match Filter::parse(&input) {
                Ok(filter) => {
                    app.filter = filter;
                    app.selected = 0;
                    app.mode = Mode::List;
                }
                Err(error) => app.mode = Mode::EditingFilter { input, error: Some(error) },
            },
            KeyCode::Backspace => {
                input.pop();
                app.mode = Mode::EditingFilter { input, error: None };
            }
            KeyCode::Char(c) => {
                input.push(c);
                app.mode = Mode::EditingFilter { input, error: None };
            }
            _ => {}
        },
        Mode::Detail { .. } => match key.code {
            KeyCode::Char('q') => app.quit = true,
            KeyCode::Esc | KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h') => app.mode = Mode::List,
            _ => {}
        },
    }
}
