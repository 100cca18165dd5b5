//! `triage silences`: lists silences; `triage silences add MATCHER... --comment ... --author
//! ... (--duration D | --end T)` creates one and prints its ID; `triage silences expire ID`
//! ends one now.

use clap::{Args, Subcommand};
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};

use super::duration::parse_duration;
use super::matchers;
use super::output::{Cell, Colour, OutputFormat, Table, print_json, print_text, short_time, timestamp_of};
use super::server::ServerArgs;
use crate::net::client_error::ClientError;
use crate::net::endpoint::parse_json;

/// Arguments of `triage silences`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SilencesArgs {
    /// What to do (lists silences without one).
    #[command(subcommand)]
    pub action: Option<SilenceAction>,
    /// Also list expired silences.
    #[arg(long)]
    pub expired: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `triage silences add|expire`.
#[derive(Debug, Subcommand)]
pub enum SilenceAction {
    /// Creates a silence and prints its ID.
    Add {
        /// Label matchers, e.g. `alertname="DiskFull"` `site="T2_CH_CSCS"`.
        #[arg(required = true)]
        matchers: Vec<String>,
        /// Why (required).
        #[arg(short = 'c', long)]
        comment: String,
        /// Who [default: $USER].
        #[arg(short = 'a', long)]
        author: Option<String>,
        /// How long, from now (or from --start): 30m, 2h, 1d.
        #[arg(short = 'd', long, conflicts_with = "end")]
        duration: Option<String>,
        /// When it ends, RFC 3339 (e.g. 2026-12-07T18:00:00Z).
        #[arg(long)]
        end: Option<String>,
        /// When it starts, RFC 3339 [default: now].
        #[arg(long)]
        start: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Expires a silence now.
    Expire {
        /// The silence's ID.
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Runs `triage silences`.
pub async fn run(args: SilencesArgs) -> Result<(), ClientError> {
    match args.action {
        None => list(&args.server, args.expired, args.output).await,
        Some(SilenceAction::Add { matchers, comment, author, duration, end, start, server }) => {
            let body =
                silence_body(&matchers, &comment, author, duration.as_deref(), end.as_deref(), start.as_deref())?;
            add(&server, &body).await
        }
        Some(SilenceAction::Expire { id, server }) => expire(&server, &id).await,
    }
}

fn parse_time(text: &str, flag: &str) -> Result<Timestamp, ClientError> {
    text.parse().map_err(|e| {
        ClientError::Usage(format!("{flag} {text:?} is not an RFC 3339 time such as 2026-12-07T18:00:00Z: {e}"))
    })
}

/// The `POST /api/v2/silences` body.
pub fn silence_body(
    matcher_args: &[String],
    comment: &str,
    author: Option<String>,
    duration: Option<&str>,
    end: Option<&str>,
    start: Option<&str>,
) -> Result<Value, ClientError> {
    let parsed = matchers::parse_args(matcher_args)?;
    if comment.trim().is_empty() {
        return Err(ClientError::Usage("--comment must say why the silence is there".to_string()));
    }
    let author = author
        .or_else(|| std::env::var("USER").ok())
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| ClientError::Usage("--author is required (USER is not set)".to_string()))?;
    let starts_at = match start {
        Some(text) => parse_time(text, "--start")?,
        None => Timestamp::now(),
    };
    let ends_at = match (end, duration) {
        (Some(text), _) => parse_time(text, "--end")?,
        (None, Some(text)) => starts_at
            .checked_add(parse_duration(text, "--duration")?)
            .map_err(|e| ClientError::Usage(format!("--duration {text:?}: {e}")))?,
        (None, None) => starts_at + jiff::SignedDuration::from_hours(1),
    };
    if ends_at <= starts_at {
        return Err(ClientError::Usage(format!("the silence would end ({ends_at}) before it starts ({starts_at})")));
    }
    let matchers: Vec<Value> = parsed
        .iter()
        .map(|m| json!({"name": m.name, "value": m.value, "isRegex": m.is_regex(), "isEqual": m.is_equal()}))
        .collect();
    Ok(json!({
        "matchers": matchers,
        "startsAt": starts_at.to_string(),
        "endsAt": ends_at.to_string(),
        "createdBy": author,
        "comment": comment,
    }))
}

async fn add(server: &ServerArgs, body: &Value) -> Result<(), ClientError> {
    let endpoint = server.endpoint()?;
    let url = endpoint.url("api/v2/silences", &[]);
    let answer = parse_json(&url, &endpoint.send(Method::POST, url.clone(), Some(body)).await?)?;
    let id = answer
        .get("silenceID")
        .and_then(Value::as_str)
        .ok_or_else(|| ClientError::BadAnswer { url: url.to_string(), reason: format!("no silenceID in {answer}") })?;
    print_text(&format!("{id}\n"))
}

async fn expire(server: &ServerArgs, id: &str) -> Result<(), ClientError> {
    let endpoint = server.endpoint()?;
    let url = endpoint.url(&format!("api/v2/silence/{}", path_segment(id)), &[]);
    match endpoint.send(Method::DELETE, url, None).await {
        Ok(_) => Ok(()),
        // triage, like Alertmanager, answers an unknown ID with a 404 or a 500 "not found".
        Err(ClientError::NotFound { url, .. }) => Err(unknown_silence(url, id)),
        Err(ClientError::Http { url, body, .. }) if body.contains("not found") => Err(unknown_silence(url, id)),
        Err(e) => Err(e),
    }
}

fn unknown_silence(url: String, id: &str) -> ClientError {
    ClientError::NotFound {
        url,
        detail: format!(": no silence with ID {id:?}; `triage silences --expired` lists them"),
    }
}

/// `text` percent-encoded for use as one URL path segment.
pub fn path_segment(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A silence's matchers as `{a="b", c=~"d"}`.
fn matchers_text(silence: &Value) -> String {
    let parts: Vec<String> = silence
        .get("matchers")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    let regex = m.get("isRegex").and_then(Value::as_bool).unwrap_or(false);
                    let equal = m.get("isEqual").and_then(Value::as_bool).unwrap_or(true);
                    let op = match (equal, regex) {
                        (true, false) => "=",
                        (false, false) => "!=",
                        (true, true) => "=~",
                        (false, true) => "!~",
                    };
                    let name = m.get("name").and_then(Value::as_str).unwrap_or_default();
                    let value = m.get("value").and_then(Value::as_str).unwrap_or_default();
                    format!("{name}{op}{value:?}")
                })
                .collect()
        })
        .unwrap_or_default();
    format!("{{{}}}", parts.join(", "))
}

fn state_of(silence: &Value) -> &str {
    silence.get("status").and_then(|s| s.get("state")).and_then(Value::as_str).unwrap_or("unknown")
}

async fn list(server: &ServerArgs, expired: bool, output: OutputFormat) -> Result<(), ClientError> {
    let endpoint = server.endpoint()?;
    let answer = endpoint.get_json("api/v2/silences", &[]).await?;
    let mut silences: Vec<Value> = answer
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| expired || state_of(s) != "expired")
        .collect();
    silences.sort_by_key(|s| timestamp_of(s, "endsAt"));
    if output == OutputFormat::Json {
        return print_json(&Value::Array(silences));
    }
    let mut table = Table::new(&["ID", "MATCHERS", "STATE", "ENDS AT", "CREATED BY", "COMMENT"]);
    for s in &silences {
        let state = state_of(s);
        let colour = match state {
            "active" => Some(Colour::Green),
            "pending" => Some(Colour::Yellow),
            _ => Some(Colour::Grey),
        };
        let text = |key: &str| s.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        table.row(vec![
            text("id").into(),
            matchers_text(s).into(),
            Cell::coloured(state, colour),
            short_time(timestamp_of(s, "endsAt")).into(),
            text("createdBy").into(),
            text("comment").into(),
        ]);
    }
    table.print()
}
