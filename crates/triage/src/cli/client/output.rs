//! How client commands print: aligned tables (coloured only when stdout is a terminal and
//! `NO_COLOR` is not set) or JSON, plus the small formatting helpers the tables share.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use jiff::Timestamp;

use crate::net::client_error::ClientError;

/// `--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table for people.
    #[default]
    Table,
    /// JSON for programs.
    Json,
}

/// A terminal colour of a table cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Red,
    Yellow,
    Blue,
    Magenta,
    Green,
    Grey,
}

impl Colour {
    fn ansi(self) -> &'static str {
        match self {
            Colour::Red => "\x1b[1;31m",
            Colour::Yellow => "\x1b[33m",
            Colour::Blue => "\x1b[34m",
            Colour::Magenta => "\x1b[35m",
            Colour::Green => "\x1b[32m",
            Colour::Grey => "\x1b[90m",
        }
    }
}

/// Whether to colour: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colours_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The colour of a severity label value.
pub fn severity_colour(severity: &str) -> Option<Colour> {
    match severity.to_ascii_lowercase().as_str() {
        "critical" | "page" | "error" | "high" => Some(Colour::Red),
        "warning" | "warn" | "medium" => Some(Colour::Yellow),
        "info" | "low" | "none" => Some(Colour::Blue),
        "maintenance" => Some(Colour::Magenta),
        _ => None,
    }
}

/// The rank of a severity, most severe first (unknown ones last).
pub fn severity_rank(severity: &str) -> u8 {
    match severity.to_ascii_lowercase().as_str() {
        "critical" | "page" => 0,
        "error" | "high" => 1,
        "warning" | "warn" | "medium" => 2,
        "info" | "low" => 3,
        "maintenance" => 4,
        "" => 6,
        _ => 5,
    }
}

/// One table cell.
#[derive(Clone, Debug)]
pub struct Cell {
    text: String,
    colour: Option<Colour>,
}

impl Cell {
    /// A cell with an optional colour.
    pub fn coloured(text: impl Into<String>, colour: Option<Colour>) -> Cell {
        Cell { text: text.into(), colour }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, colour: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell { text: text.to_string(), colour: None }
    }
}

/// An aligned table with a header row.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The table as text, columns separated by two spaces, the last column unpadded.
    pub fn render(&self, colour: bool) -> String {
        let width = |text: &str| text.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(widths.len()) {
                widths[i] = widths[i].max(width(&cell.text));
            }
        }
        let mut out = String::new();
        let header: Vec<Cell> = self.headers.iter().map(|h| Cell::from(h.as_str())).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i);
                let text = cell.map(|c| c.text.as_str()).unwrap_or("");
                let last = i + 1 == widths.len();
                let padded =
                    if last { text.to_string() } else { format!("{text}{}", " ".repeat(w - width(text).min(*w))) };
                match cell.and_then(|c| c.colour).filter(|_| colour) {
                    Some(c) => line.push_str(&format!("{}{padded}\x1b[0m", c.ansi())),
                    None => line.push_str(&padded),
                }
                if !last {
                    line.push_str("  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Prints the table to stdout.
    pub fn print(&self) -> Result<(), ClientError> {
        print_text(&self.render(colours_wanted()))
    }
}

/// Writes text to stdout (a closed pipe is not an error worth a panic).
pub fn print_text(text: &str) -> Result<(), ClientError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(ClientError::File(format!("writing to stdout: {e}"))),
    }
}

/// Prints a JSON value, pretty, with a final newline.
pub fn print_json(value: &serde_json::Value) -> Result<(), ClientError> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    print_text(&format!("{text}\n"))
}

/// How long ago `since` was, as `3d4h`, `2h05m`, `7m12s` or `40s` (future times as `in ...`).
pub fn age(since: Timestamp, now: Timestamp) -> String {
    let seconds = now.as_second() - since.as_second();
    let (prefix, s) = if seconds < 0 { ("in ", -seconds) } else { ("", seconds) };
    let text = match s {
        s if s >= 86_400 => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    };
    format!("{prefix}{text}")
}

/// A timestamp field of an API object, if present and valid.
pub fn timestamp_of(value: &serde_json::Value, key: &str) -> Option<Timestamp> {
    value.get(key)?.as_str()?.parse().ok()
}

/// A timestamp as `2026-12-06 09:15:00Z` (seconds, UTC), or `-`.
pub fn short_time(t: Option<Timestamp>) -> String {
    match t {
        Some(t) => t.round(jiff::Unit::Second).map(|r| r.to_string().replacen('T', " ", 1)).unwrap_or_default(),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_colours_only_when_asked() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec![Cell::coloured("critical", Some(Colour::Red)), "x".into()]);
        assert_eq!(t.render(false), "A         LONGER\ncritical  x\n");
        assert!(t.render(true).contains("\x1b[1;31mcritical\x1b[0m"));
    }

    #[test]
    fn ages_read_naturally() {
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(age(at("2026-12-06T09:59:20Z"), now), "40s");
        assert_eq!(age(at("2026-12-06T07:55:00Z"), now), "2h05m");
        assert_eq!(age(at("2026-12-04T06:00:00Z"), now), "2d4h");
        assert_eq!(age(at("2026-12-06T10:05:00Z"), now), "in 5m00s");
    }
}
