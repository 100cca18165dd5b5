//! The conversation of one Jira notification, as data: which request comes next given the
//! answer to the previous one (see [`super`] for the steps).

use serde_json::{Value, json};

use super::JiraConfig;
use crate::config::GlobalConfig;
use crate::notify::{BuildError, Expand, HttpRequest, Method, NotifyContext, Status};

/// An issue found by the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JiraIssue {
    /// `PROJ-12`.
    pub key: String,
    /// The key of its status category (`done`, ...), when the answer has one.
    pub status_category: Option<String>,
}

/// Why Jira's answers could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JiraError {
    /// A request could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// An answer was not the JSON expected.
    #[error("unreadable answer from Jira: {0}")]
    Unreadable(String),
    /// The transition is not offered for the issue.
    #[error("can't find transition {transition} for issue {issue}")]
    NoTransition {
        /// Its name.
        transition: String,
        /// The issue's key.
        issue: String,
    },
    /// [`JiraFlow::next`] was called without the answer it needs.
    #[error("the previous request's answer is missing")]
    NoAnswer,
}

/// Where a Jira notification stands (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum JiraFlow {
    /// Nothing sent yet.
    #[default]
    Start,
    /// The search was sent.
    Searched,
    /// The issue was created or updated; the issue found, if any.
    Written(Option<JiraIssue>),
    /// The transitions of the issue were asked for, to apply the one named.
    Transitions(JiraIssue, String),
    /// The transition was applied, or nothing is left to do.
    Done,
}

/// The issue a search answer found first.
pub fn parse_search(body: &[u8]) -> Result<Option<JiraIssue>, JiraError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| JiraError::Unreadable(e.to_string()))?;
    let Some(first) = v.get("issues").and_then(Value::as_array).and_then(|a| a.first()) else { return Ok(None) };
    let key = first.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
    let status_category = first
        .pointer("/fields/status/statusCategory/key")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| first.pointer("/fields/status").map(|_| String::new()));
    Ok(Some(JiraIssue { key, status_category }))
}

impl JiraFlow {
    /// A new notification.
    pub fn new() -> JiraFlow {
        JiraFlow::Start
    }

    /// The next request, given the body of the previous one's (2xx) answer; `None` when the
    /// notification is complete.
    pub fn next(
        &mut self,
        cfg: &JiraConfig,
        global: &GlobalConfig,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
        answer: Option<&[u8]>,
    ) -> Result<Option<HttpRequest>, JiraError> {
        let state = std::mem::replace(self, JiraFlow::Done);
        match state {
            JiraFlow::Start => {
                *self = JiraFlow::Searched;
                Ok(Some(cfg.search_request(global, ctx, ex)?))
            }
            JiraFlow::Searched => {
                let existing = parse_search(answer.ok_or(JiraError::NoAnswer)?)?;
                if existing.is_none() && ctx.status == Status::Resolved {
                    return Ok(None);
                }
                let req = cfg.issue_request(global, ctx, ex, existing.as_ref())?;
                *self = JiraFlow::Written(existing);
                Ok(Some(req))
            }
            JiraFlow::Written(Some(issue)) => {
                let Some(name) = cfg.transition_for(&issue, ctx.status).filter(|_| !issue.key.is_empty()) else {
                    return Ok(None);
                };
                let name = name.to_string();
                let req = cfg.request(global, Method::Get, &format!("issue/{}/transitions", issue.key), None)?;
                *self = JiraFlow::Transitions(issue, name);
                Ok(Some(req))
            }
            JiraFlow::Transitions(issue, name) => {
                let v: Value = serde_json::from_slice(answer.ok_or(JiraError::NoAnswer)?)
                    .map_err(|e| JiraError::Unreadable(e.to_string()))?;
                let id = v
                    .get("transitions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|t| t.get("name").and_then(Value::as_str) == Some(name.as_str()))
                    .and_then(|t| t.get("id").and_then(Value::as_str))
                    .ok_or_else(|| JiraError::NoTransition { transition: name.clone(), issue: issue.key.clone() })?;
                let body = json!({ "transition": name_id(id) });
                Ok(Some(cfg.request(global, Method::Post, &format!("issue/{}/transitions", issue.key), Some(body))?))
            }
            JiraFlow::Written(None) | JiraFlow::Done => Ok(None),
        }
    }
}

fn name_id(id: &str) -> Value {
    if id.is_empty() { json!({}) } else { json!({ "id": id }) }
}
