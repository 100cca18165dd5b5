//! What can go wrong in a client command, each message saying what happened and what to do,
//! and the exit code it ends the process with.

use std::process::ExitCode;

/// A failed client command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server URL does not parse or is not http(s).
    #[error("invalid URL {url:?}: {reason}; give a URL such as http://127.0.0.1:9193 ({hint})")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// Why it is not usable.
        reason: String,
        /// Where URLs come from for this command.
        hint: String,
    },
    /// The connection failed or timed out.
    #[error("could not reach {url}: {reason}; is {service} running at {url}?")]
    Unreachable {
        /// The server's base URL.
        url: String,
        /// What the connection attempt said.
        reason: String,
        /// What should be listening there, e.g. `triage`.
        service: &'static str,
    },
    /// 401 or 403.
    #[error("{url} refused the request (HTTP {status}): {body}; {hint}")]
    Unauthorized {
        /// The URL requested.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The start of the answer.
        body: String,
        /// Which credentials to check.
        hint: &'static str,
    },
    /// 404.
    #[error("{url}: not found{detail}")]
    NotFound {
        /// The URL requested.
        url: String,
        /// What was not found, e.g. `: no silence with ID x`, or a hint.
        detail: String,
    },
    /// Any other non-2xx answer.
    #[error("{url} answered HTTP {status}: {body}")]
    Http {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// The server answered, but refused the query itself.
    #[error("{url} rejected the query: {message}")]
    QueryRejected {
        /// The server's base URL.
        url: String,
        /// The server's message.
        message: String,
    },
    /// A 2xx answer that is not what was expected.
    #[error("unreadable answer from {url}: {reason}")]
    BadAnswer {
        /// The URL requested.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A matcher argument does not parse; the text points at the bad part.
    #[error("{0}")]
    InvalidMatcher(String),
    /// A credentials or configuration file could not be read.
    #[error("{0}")]
    File(String),
    /// An argument is wrong in a way clap cannot see (a duration, a time).
    #[error("{0}")]
    Usage(String),
    /// The terminal could not be set up or drawn to.
    #[error("terminal: {0}")]
    Terminal(String),
    /// A server took the connection but refused the credentials (NATS: authorization
    /// violation).
    #[error("{url} refused the credentials ({reason}); {hint}")]
    AuthRejected {
        /// The server's URL, without a password.
        url: String,
        /// What the server or client said.
        reason: String,
        /// Which credentials to check.
        hint: &'static str,
    },
    /// Nothing came within the time given.
    #[error("{what}; {hint}")]
    TimedOut {
        /// What did not happen, and for how long.
        what: String,
        /// What to check or try.
        hint: String,
    },
    /// A server refused or failed an operation after the connection was made.
    #[error("{url}: {reason}; {hint}")]
    Failed {
        /// The server's URL, without a password.
        url: String,
        /// What went wrong.
        reason: String,
        /// What to do about it.
        hint: String,
    },
}

impl ClientError {
    /// 2 for mistakes in the command line, 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ClientError::InvalidMatcher(_) | ClientError::Usage(_) | ClientError::BadUrl { .. } => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}
