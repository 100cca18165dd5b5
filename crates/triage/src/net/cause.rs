//! One-line causes of HTTP client errors, for messages that name a server: the innermost
//! cause without the request URL (which may carry credentials or a long query).

/// The innermost cause of `error` on one line, without the request URL.
pub fn cause_of(error: &reqwest::Error) -> String {
    let mut cause = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(e) = source {
        cause = Some(e.to_string());
        source = e.source();
    }
    let cause = cause.unwrap_or_else(|| {
        let mut text = error.to_string();
        if let Some(url) = error.url() {
            text = text.replace(url.as_str(), "");
        }
        text
    });
    one_line(&cause)
}

/// `text` with every run of whitespace (newlines included) made one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The innermost cause of an error, where libraries keep "Connection refused".
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(cause) = inner.source() {
        inner = cause;
    }
    let text = inner.to_string();
    if text.is_empty() { e.to_string() } else { text }
}
