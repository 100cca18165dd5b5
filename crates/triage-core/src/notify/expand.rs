//! How a receiver kind renders its configured fields: every text field of an integration is a
//! Go template, expanded with the notification's data, as Alertmanager does.

/// Expands configured fields for one notification. Like Alertmanager's `tmplText` and
/// `tmplHTML`, a field that fails to render yields an empty string and the first error is
/// kept by the implementation, to be reported with the notification.
pub trait Expand {
    /// Renders `template` as a Go `text/template`.
    fn text(&mut self, template: &str) -> String;
    /// Renders `template` as a Go `html/template` (values escaped for HTML).
    fn html(&mut self, template: &str) -> String;
}
