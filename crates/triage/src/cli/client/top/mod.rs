//! `triage top`: a terminal dashboard of a running triage — firing alerts, alert groups as
//! incidents, per-site counts with sparklines sampled at every refresh — refreshed every
//! `--interval`. The state and rendering ([`app`], [`draw`]) are pure; this module owns the
//! terminal and the refresh loop.

pub mod app;
pub mod draw;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::Args;
use jiff::Timestamp;
use ratatui::crossterm::event::{self, Event};

use super::duration::parse_duration;
use super::model::{AlertView, GroupView};
use super::server::ServerArgs;
use crate::net::client_error::ClientError;
use crate::net::endpoint::Endpoint;
pub use app::{App, Filter, Mode, on_key};
pub use draw::draw;

/// Arguments of `triage top`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// How often to refresh, e.g. 2s or 1m.
    #[arg(long, default_value = "2s")]
    pub interval: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// One refresh: all alerts and the groups.
async fn fetch(endpoint: &Endpoint) -> Result<(Vec<AlertView>, Vec<GroupView>), ClientError> {
    let alerts = endpoint.get_json("api/v2/alerts", &[]).await?;
    let groups = endpoint.get_json("api/v2/alerts/groups", &[]).await?;
    Ok((AlertView::list_from_json(&alerts), GroupView::list_from_json(&groups)))
}

/// Runs `triage top` until `q`.
pub async fn run(args: TopArgs) -> Result<(), ClientError> {
    let endpoint = args.server.endpoint()?;
    let interval = parse_duration(&args.interval, "--interval")?.unsigned_abs();
    if !std::io::stdout().is_terminal() {
        return Err(ClientError::Usage("triage top needs a terminal; use `triage alerts` in scripts".to_string()));
    }
    // Fail early, before taking over the screen, when triage is not there.
    let first = fetch(&endpoint).await?;
    let mut terminal = ratatui::try_init().map_err(|e| ClientError::Terminal(e.to_string()))?;
    let mut app = App::new(endpoint.base(), Timestamp::now());
    app.update(first.0, first.1, Timestamp::now());
    let result = event_loop(&mut terminal, &mut app, &endpoint, interval).await;
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    endpoint: &Endpoint,
    interval: Duration,
) -> Result<(), ClientError> {
    let mut next_refresh = Instant::now() + interval;
    loop {
        terminal.draw(|frame| draw(frame, app)).map_err(|e| ClientError::Terminal(e.to_string()))?;
        let wait = next_refresh.saturating_duration_since(Instant::now()).min(Duration::from_millis(250));
        if event::poll(wait).map_err(|e| ClientError::Terminal(e.to_string()))? {
            if let Event::Key(key) = event::read().map_err(|e| ClientError::Terminal(e.to_string()))? {
                on_key(app, key);
            }
            if app.quit {
                return Ok(());
            }
        }
        if Instant::now() >= next_refresh {
            match fetch(endpoint).await {
                Ok((alerts, groups)) => app.update(alerts, groups, Timestamp::now()),
                Err(e) => app.fetch_failed(e.to_string(), Timestamp::now()),
            }
            next_refresh = Instant::now() + interval;
        }
    }
}
