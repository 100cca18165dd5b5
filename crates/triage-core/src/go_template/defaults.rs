//! triage's definitions of every default template name Alertmanager ships (`__subject`,
//! `slack.default.*`, `email.default.subject`, ...), written for triage in `defaults.tmpl`
//! with the same names and the same output as Alertmanager's (0.25 for the names it has, the
//! newest release for `msteams*`, `jira`, `rocketchat`, `mattermost`, `__text_alert_list_markdown`,
//! `slack.default.color`, `discord.default.content`). Checked against what the real
//! Alertmanager 0.25 sent (`golden_tests.rs`). The HTML e-mail (`email.default.html`) is in
//! `email.tmpl`: the same markup, built from triage's own parts.

/// The default template source, parsed before the user's files.
pub const DEFAULT_TEMPLATES: &str = include_str!("defaults.tmpl");

/// The HTML e-mail template source, parsed after [`DEFAULT_TEMPLATES`].
pub const EMAIL_TEMPLATES: &str = include_str!("email.tmpl");
