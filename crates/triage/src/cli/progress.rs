//! Progress bars of the long commands (`triage replay`, `triage train`, `triage ggus inject`,
//! `triage anomaly bench`), drawn on standard error only when it is a terminal: anywhere else
//! (a pipe, a file, CI) they are hidden and write nothing, and standard output is never
//! touched. Messages printed while a bar is shown go through [`eprintln_above`] so they do
//! not tear it.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a visible bar redraws at most.
const REFRESH_HZ: u8 = 10;

fn draw_target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr_with_hz(REFRESH_HZ)
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// A bar counting `len` items called `unit` (`alerts`, `files`), with `message` before it:
/// `replaying [=====>    ] 1,200/5,000 alerts (1s, eta 3s)`.
pub fn bar(len: u64, message: &str, unit: &str) -> ProgressBar {
    let template = format!("{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{elapsed}}, eta {{eta}})");
    let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len), draw_target())
        .with_style(style.progress_chars("=> "))
        .with_message(message.to_string())
}

/// A spinner for work of unknown length, showing `message` and the time spent:
/// `⠙ training on 1200 rows (3s)`.
pub fn spinner(message: &str) -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let spinner =
        ProgressBar::with_draw_target(None, draw_target()).with_style(style).with_message(message.to_string());
    if !spinner.is_hidden() {
        spinner.enable_steady_tick(Duration::from_millis(100));
    }
    spinner
}

/// A bar that draws nothing, for library callers.
pub fn hidden() -> ProgressBar {
    ProgressBar::hidden()
}

/// Prints `line` on standard error, above `bar` when it is shown.
pub fn eprintln_above(bar: &ProgressBar, line: &str) {
    bar.suspend(|| eprintln!("{line}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_count_and_hide_off_a_terminal() {
        let b = bar(3, "replaying", "alerts");
        b.inc(2);
        assert_eq!(b.position(), 2);
        assert_eq!(b.length(), Some(3));
        let s = spinner("training");
        s.finish_and_clear();
        b.finish_and_clear();
        assert!(hidden().is_hidden());
    }
}
