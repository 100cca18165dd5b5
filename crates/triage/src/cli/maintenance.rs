//! `triage maintenance add|list|end`: maintenance windows through a running triage's API.
//!
//! ```text
//! triage maintenance add --url http://triage:9193 --matcher 'site="T2_CH_CSCS"' \
//!     --reason "dCache upgrade" --owner alice --start 2026-12-07T08:00:00Z --duration 4h
//! triage maintenance add ... --recurring weekly-backup.yml   # time_intervals entries (YAML)
//! triage maintenance list --url http://triage:9193 [-o json]
//! triage maintenance end --url http://triage:9193 ID
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::client::output::{OutputFormat, short_time, timestamp_of};
use clap::Subcommand;
use jiff::Timestamp;
use triage_core::outage::maintenance::MaintenanceWindow;
use triage_core::timeinterval::TimeInterval;

/// `triage maintenance ...`.
#[derive(Debug, Subcommand)]
pub enum MaintenanceAction {
    /// Declares a maintenance window: alerts its matchers select are held back while it holds.
    #[command(
        after_help = "Examples:\n  triage maintenance add --matcher 'site=\"T2_CH_CSCS\"' --reason \"dCache upgrade\" --start 2026-12-07T08:00:00Z --duration 4h\n  triage maintenance add --matcher 'service=\"castor\"' --reason backup --recurring weekly.yml"
    )]
    Add {
        /// triage's URL.
        #[arg(long, env = "TRIAGE_URL", default_value = "http://127.0.0.1:9193")]
        url: String,
        /// A matcher such as `site="T2_CH_CSCS"` or `instance=~"se[0-9]+.*"` (repeatable; all must match).
        #[arg(long = "matcher", required = true)]
        matchers: Vec<String>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who declares it.
        #[arg(long, env = "USER")]
        owner: String,
        /// When it begins (RFC 3339); now when absent.
        #[arg(long)]
        start: Option<String>,
        /// When it ends (RFC 3339).
        #[arg(long, conflicts_with = "duration")]
        end: Option<String>,
        /// How long it lasts, e.g. `4h`.
        #[arg(long)]
        duration: Option<String>,
        /// A YAML file with a list of time intervals (Alertmanager's `time_intervals` entries):
        /// the window recurs at those times (within --start/--end when given).
        #[arg(long)]
        recurring: Option<PathBuf>,
        /// A link (change request, announcement).
        #[arg(long)]
        link: Option<String>,
    },
    /// Lists maintenance windows.
    #[command(
        after_help = "Examples:\n  triage maintenance list\n  triage maintenance list --url http://triage:9193 -o json"
    )]
    List {
        /// triage's URL.
        #[arg(long, env = "TRIAGE_URL", default_value = "http://127.0.0.1:9193")]
        url: String,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t)]
        output: OutputFormat,
        /// The same as `-o json` (kept for scripts written before `-o`).
        #[arg(long, hide = true)]
        json: bool,
    },
    /// Ends a maintenance window now.
    #[command(after_help = "Examples:\n  triage maintenance end 5b1c0a4e-0d0f-4f43-9e0c-8e3f4b2c1d00")]
    End {
        /// triage's URL.
        #[arg(long, env = "TRIAGE_URL", default_value = "http://127.0.0.1:9193")]
        url: String,
        /// The window's id.
        id: String,
    },
}

fn time(value: &str, what: &str) -> Result<Timestamp, String> {
    value
        .parse()
        .map_err(|e| format!("invalid --{what} {value:?} (an RFC 3339 time such as 2026-12-07T08:00:00Z): {e}"))
}

/// The window `add` declares.
fn window_of(action: &MaintenanceAction, now: Timestamp) -> Result<MaintenanceWindow, String> {
    let MaintenanceAction::Add { matchers, reason, owner, start, end, duration, recurring, link, .. } = action else {
        return Err("not an add".into());
    };
    let time_intervals: Vec<TimeInterval> = match recurring {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            yaml_serde::from_str(&text).map_err(|e| format!("{}: not a list of time intervals: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    let starts_at = match start {
        Some(s) => Some(time(s, "start")?),
        None if time_intervals.is_empty() => Some(now),
        None => None,
    };
    let ends_at = match (end, duration) {
        (Some(e), _) => Some(time(e, "end")?),
        (None, Some(d)) => {
            let d = triage_core::config::parse_duration(d).map_err(|e| format!("invalid --duration {d:?}: {e}"))?;
            Some(starts_at.unwrap_or(now).saturating_add(d).map_err(|e| e.to_string())?)
        }
        (None, None) => None,
    };
    let window = MaintenanceWindow {
        id: String::new(),
        matchers: matchers.clone(),
        reason: reason.clone(),
        owner: owner.clone(),
        starts_at,
        ends_at,
        time_intervals,
        url: link.clone(),
        created_at: None,
    };
    window.compile().map_err(|e| e.to_string())?;
    Ok(window)
}

/// Runs a maintenance command.
pub fn run(action: MaintenanceAction) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("triage: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run_async(action)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("triage: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run_async(action: MaintenanceAction) -> Result<String, String> {
    let client = crate::net::client::builder(std::time::Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
    let (request, url) = match &action {
        MaintenanceAction::Add { url, .. } => {
            let window = window_of(&action, Timestamp::now())?;
            let target = format!("{}/api/v2/maintenances", url.trim_end_matches('/'));
            (client.post(&target).json(&window), target)
        }
        MaintenanceAction::List { url, .. } => {
            let target = format!("{}/api/v2/maintenances", url.trim_end_matches('/'));
            (client.get(&target), target)
        }
        MaintenanceAction::End { url, id } => {
            let target = format!("{}/api/v2/maintenance/{id}", url.trim_end_matches('/'));
            (client.delete(&target), target)
        }
    };
    let response = request.send().await.map_err(|e| {
        let hint = if e.is_connect() { " (is triage running there? check --url)" } else { "" };
        format!("{url}: {e}{hint}")
    })?;
    let status = response.status();
    let body = response.text().await.map_err(|e| format!("{url}: {e}"))?;
    if status.as_u16() == 404 {
        return Err(format!("{url}: not found"));
    }
    if !status.is_success() {
        let message = serde_json::from_str::<String>(&body).unwrap_or(body);
        return Err(format!("{url} refused ({status}): {message}"));
    }
    match action {
        MaintenanceAction::List { output: OutputFormat::Json, .. } | MaintenanceAction::List { json: true, .. } => {
            Ok(format!("{body}\n"))
        }
        MaintenanceAction::List { .. } => {
            let windows: Vec<serde_json::Value> = serde_json::from_str(&body).map_err(|e| format!("{url}: {e}"))?;
            Ok(table(&windows))
        }
        MaintenanceAction::Add { .. } | MaintenanceAction::End { .. } => {
            let w: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{url}: {e}"))?;
            Ok(format!("{}\n", w["id"].as_str().unwrap_or_default()))
        }
    }
}

fn table(windows: &[serde_json::Value]) -> String {
    let mut out = format!(
        "{:<36}  {:<6}  {:<20}  {:<20}  {:<10}  {:<30}  REASON\n",
        "ID", "ACTIVE", "STARTS", "ENDS", "OWNER", "MATCHERS"
    );
    for w in windows {
        let s = |k: &str| w[k].as_str().unwrap_or("-").to_string();
        let matchers: Vec<&str> =
            w["matchers"].as_array().map(|m| m.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
        let time = |k: &str| if w[k].is_string() { short_time(timestamp_of(w, k)) } else { "-".to_string() };
        let ends =
            if w["timeIntervals"].is_array() { format!("{} (recurring)", time("endsAt")) } else { time("endsAt") };
        out.push_str(&format!(
            "{:<36}  {:<6}  {:<20}  {:<20}  {:<10}  {:<30}  {}\n",
            s("id"),
            if w["active"] == true { "yes" } else { "no" },
            time("startsAt"),
            ends,
            s("owner"),
            matchers.join(","),
            s("reason")
        ));
    }
    out
}
