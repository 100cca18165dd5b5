//! Rendering of `triage top`: a pure function of [`App`] onto a ratatui frame (so tests draw
//! it on a `TestBackend`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, Mode};
use crate::cli::client::model::AlertView;
use crate::cli::client::output::{age, severity_colour, short_time};

/// The style of a severity.
fn severity_style(severity: &str) -> Style {
    use crate::cli::client::output::Colour;
    match severity_colour(severity) {
        Some(Colour::Red) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Some(Colour::Yellow) => Style::new().fg(Color::Yellow),
        Some(Colour::Blue) => Style::new().fg(Color::Blue),
        Some(Colour::Magenta) => Style::new().fg(Color::Magenta),
        _ => Style::new(),
    }
}

/// `▁▂▃▄▅▆▇█` scaled to the highest value, the last `width` samples.
pub fn sparkline(values: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let shown = &values[values.len().saturating_sub(width)..];
    let max = shown.iter().copied().max().unwrap_or(0).max(1);
    shown.iter().map(|v| if *v == 0 { ' ' } else { BARS[((v * 7).div_ceil(max) as usize).min(7)] }).collect()
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame, app: &App) {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(frame.area());
    draw_header(frame, header, app);
    match &app.mode {
        Mode::Detail { fingerprint } => draw_detail(frame, body, app, fingerprint),
        _ => {
            let [top, bottom] = Layout::vertical([Constraint::Percentage(65), Constraint::Percentage(35)]).areas(body);
            let [alerts, sites] = Layout::horizontal([Constraint::Min(40), Constraint::Length(38)]).areas(top);
            draw_alerts(frame, alerts, app);
            draw_sites(frame, sites, app);
            draw_incidents(frame, bottom, app);
        }
    }
    draw_footer(frame, footer, app);
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let visible = app.visible_alerts();
    let mut spans = vec![
        Span::styled(" triage top ", Style::new().add_modifier(Modifier::REVERSED)),
        Span::raw(format!(" {}  {} alerts", app.source, visible.len())),
    ];
    if visible.len() != app.alerts.len() {
        spans.push(Span::raw(format!(" of {}", app.alerts.len())));
    }
    if !app.filter.text().is_empty() {
        spans.push(Span::styled(format!("  filter: {}", app.filter.text()), Style::new().fg(Color::Cyan)));
    }
    match (&app.last_error, app.last_update) {
        (Some(error), _) => spans.push(Span::styled(format!("  error: {error}"), Style::new().fg(Color::Red))),
        (None, Some(at)) => spans.push(Span::raw(format!("  updated {}", short_time(Some(at))))),
        (None, None) => spans.push(Span::raw("  loading…")),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_alerts(frame: &mut Frame, area: Rect, app: &App) {
    let rows: Vec<Row> = app
        .visible_alerts()
        .into_iter()
        .map(|a| {
            let severity = a.label("severity");
            Row::new(vec![
                Cell::from(severity.to_string()).style(severity_style(severity)),
                Cell::from(a.label("alertname").to_string()),
                Cell::from(a.site().to_string()),
                Cell::from(a.instance().to_string()),
                Cell::from(a.starts_at.map(|t| age(t, app.now)).unwrap_or_default()),
                Cell::from(a.muted_by()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let header = Row::new(["SEVERITY", "ALERTNAME", "SITE", "INSTANCE", "SINCE", "STATE"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(" Firing alerts "))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    let mut state = TableState::default().with_selected((!app.visible_alerts().is_empty()).then_some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_sites(frame: &mut Frame, area: Rect, app: &App) {
    let spark_width = usize::from(area.width.saturating_sub(24)).max(4);
    let rows: Vec<Row> = app
        .sites()
        .into_iter()
        .map(|(site, count, history)| {
            Row::new(vec![
                Cell::from(site.to_string()),
                Cell::from(count.to_string()),
                Cell::from(sparkline(&history, spark_width)).style(Style::new().fg(Color::Yellow)),
            ])
        })
        .collect();
    let table = Table::new(rows, [Constraint::Length(16), Constraint::Length(4), Constraint::Fill(1)])
        .header(Row::new(["SITE", "N", "LAST MINUTES"]).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::bordered().title(" Sites "));
    frame.render_widget(table, area);
}

fn draw_incidents(frame: &mut Frame, area: Rect, app: &App) {
    let rows: Vec<Row> = app
        .visible_groups()
        .into_iter()
        .map(|g| {
            let severity = g.worst_severity();
            Row::new(vec![
                Cell::from(severity.to_string()).style(severity_style(severity)),
                Cell::from(g.title()),
                Cell::from(g.receiver.clone()),
                Cell::from(g.alerts.len().to_string()),
                Cell::from(g.since().map(|t| age(t, app.now)).unwrap_or_default()),
            ])
        })
        .collect();
    let widths =
        [Constraint::Length(9), Constraint::Fill(3), Constraint::Fill(1), Constraint::Length(6), Constraint::Length(8)];
    let table = Table::new(rows, widths)
        .header(
            Row::new(["SEVERITY", "INCIDENT (alert group)", "RECEIVER", "ALERTS", "SINCE"])
                .style(Style::new().add_modifier(Modifier::BOLD)),
        )
        .block(Block::bordered().title(" Incidents "));
    frame.render_widget(table, area);
}

/// The lines of the detail view of one alert.
fn detail_lines(alert: &AlertView, app: &App) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::styled("Labels", bold)];
    lines.extend(alert.labels.iter().map(|(k, v)| Line::raw(format!("  {k} = {v}"))));
    lines.push(Line::raw(""));
    lines.push(Line::styled("Annotations", bold));
    lines.extend(alert.annotations.iter().map(|(k, v)| Line::raw(format!("  {k}: {v}"))));
    lines.push(Line::raw(""));
    lines.push(Line::styled("Status", bold));
    lines.push(Line::raw(format!("  state: {}", alert.state)));
    lines.push(Line::raw(format!(
        "  started: {} ({} ago)",
        short_time(alert.starts_at),
        alert.starts_at.map(|t| age(t, app.now)).unwrap_or_default()
    )));
    lines.push(Line::raw(format!("  ends: {}", short_time(alert.ends_at))));
    if !alert.silenced_by.is_empty() {
        lines.push(Line::raw(format!("  silenced by: {}", alert.silenced_by.join(", "))));
    }
    if !alert.inhibited_by.is_empty() {
        lines.push(Line::raw(format!("  inhibited by: {}", alert.inhibited_by.join(", "))));
    }
    if let Some(outage) = &alert.outage {
        lines.push(Line::raw(format!("  hidden by outage: {outage}")));
    }
    lines.push(Line::raw(format!("  fingerprint: {}", alert.fingerprint)));
    lines
}

fn draw_detail(frame: &mut Frame, area: Rect, app: &App, fingerprint: &str) {
    let lines = match app.detail_alert() {
        Some(alert) => detail_lines(alert, app),
        None => vec![Line::raw(format!("alert {fingerprint} is no longer listed (resolved?)"))],
    };
    let title = app.detail_alert().map(|a| format!(" {} ", a.label("alertname"))).unwrap_or_default();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(title)), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let line = match &app.mode {
        Mode::EditingFilter { input, error } => {
            let mut spans =
                vec![Span::styled("filter: ", Style::new().fg(Color::Cyan)), Span::raw(format!("{input}▏"))];
            if let Some(error) = error {
                spans.push(Span::styled(format!("  {error}"), Style::new().fg(Color::Red)));
            } else {
                spans.push(Span::raw("  (matchers like site=\"T2_CH_CSCS\", or text; Enter applies, Esc cancels)"));
            }
            Line::from(spans)
        }
        Mode::Detail { .. } => Line::raw(" Esc back  q quit"),
        Mode::List => Line::raw(" q quit  / filter  Enter details  ↑↓/j k move  Esc clear filter"),
    };
    frame.render_widget(Paragraph::new(line), area);
}
