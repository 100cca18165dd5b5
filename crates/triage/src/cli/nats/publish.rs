//! `triage nats pub SUBJECT [DATA]`: publishes a payload (the argument, `--file`, or standard
//! input with `-`) with optional headers, `--count` times; with `--jetstream` each message
//! waits for its JetStream acknowledgement, whose stream and sequence are printed.

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use async_nats::HeaderMap;
use async_nats::header::HeaderName;
use async_nats::jetstream::context::PublishErrorKind;
use bytes::Bytes;
use clap::Args;
use serde_json::json;

use super::{NatsOutput, NatsServerArgs};
use crate::cli::client::output::print_text;
use crate::net::cause::innermost;
use crate::net::client_error::ClientError;

/// Arguments of `triage nats pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    /// The subject, e.g. `triage.alerts`.
    pub subject: String,
    /// The payload; `-` reads standard input. Empty when absent (and no --file).
    #[arg(conflicts_with = "file")]
    pub data: Option<String>,
    /// Read the payload from this file.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// A header `NAME=VALUE` (repeatable; a name may repeat).
    #[arg(long = "header", short = 'H', value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Publish this many copies.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Publish to JetStream and wait for each acknowledgement (a stream must take SUBJECT).
    #[arg(long)]
    pub jetstream: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: NatsOutput,
    #[command(flatten)]
    pub server: NatsServerArgs,
}

/// `NAME=VALUE` arguments as NATS headers.
pub fn parse_headers(args: &[String]) -> Result<HeaderMap, ClientError> {
    let mut headers = HeaderMap::new();
    for arg in args {
        let (name, value) = arg.split_once('=').ok_or_else(|| {
            ClientError::Usage(format!("--header {arg:?} is not NAME=VALUE; write it as --header Nats-Msg-Id=42"))
        })?;
        if name.trim().is_empty() {
            return Err(ClientError::Usage(format!(
                "--header {arg:?} has no name; write it as --header Nats-Msg-Id=42"
            )));
        }
        let name = HeaderName::from_str(name.trim()).map_err(|e| {
            ClientError::Usage(format!("--header {arg:?}: {e}; a header name is printable ASCII without ':'"))
        })?;
        if value.contains(['\r', '\n']) {
            return Err(ClientError::Usage(format!("--header {arg:?}: a header value cannot hold a line break")));
        }
        headers.append(name, value.to_string());
    }
    Ok(headers)
}

fn payload(args: &PubArgs) -> Result<Bytes, ClientError> {
    if let Some(path) = &args.file {
        return std::fs::read(path)
            .map(Bytes::from)
            .map_err(|e| ClientError::File(format!("reading --file {}: {e}; check --file", path.display())));
    }
    match args.data.as_deref() {
        Some("-") => {
            let mut data = Vec::new();
            std::io::stdin()
                .read_to_end(&mut data)
                .map_err(|e| ClientError::File(format!("reading the payload from standard input: {e}")))?;
            Ok(Bytes::from(data))
        }
        Some(text) => Ok(Bytes::from(text.to_string())),
        None => Ok(Bytes::new()),
    }
}

/// Runs `triage nats pub`.
pub async fn run(args: PubArgs) -> Result<(), ClientError> {
    let headers = parse_headers(&args.headers)?;
    let payload = payload(&args)?;
    let connection = args.server.connect().await?;
    let url = connection.url.clone();
    let failed = |reason: String, hint: &str| ClientError::Failed { url: url.clone(), reason, hint: hint.to_string() };
    if args.jetstream {
        let context = async_nats::jetstream::new(connection.client.clone());
        for _ in 0..args.count {
            let ack = async {
                let subject = args.subject.clone();
                match headers.is_empty() {
                    true => context.publish(subject, payload.clone()).await?.await,
                    false => context.publish_with_headers(subject, headers.clone(), payload.clone()).await?.await,
                }
            }
            .await
            .map_err(|e| match e.kind() {
                PublishErrorKind::StreamNotFound => failed(
                    format!("no JetStream stream takes subject {:?}", args.subject),
                    "create a stream for it first, and check that the server runs with JetStream (-js)",
                ),
                PublishErrorKind::TimedOut => {
                    failed("JetStream did not acknowledge the message in time".to_string(), "check the server's log")
                }
                _ => failed(format!("JetStream publish failed: {}", innermost(&e)), "check the server's log"),
            })?;
            let line = match args.output {
                NatsOutput::Json => {
                    json!({"stream": ack.stream, "sequence": ack.sequence, "duplicate": ack.duplicate}).to_string()
                }
                NatsOutput::Text => format!(
                    "published to {:?}: stream {} sequence {}{}",
                    args.subject,
                    ack.stream,
                    ack.sequence,
                    if ack.duplicate { " (duplicate)" } else { "" }
                ),
            };
            print_text(&format!("{line}\n"))?;
        }
        return Ok(());
    }
    for _ in 0..args.count {
        let subject = args.subject.clone();
        let sent = match headers.is_empty() {
            true => connection.client.publish(subject, payload.clone()).await,
            false => connection.client.publish_with_headers(subject, headers.clone(), payload.clone()).await,
        };
        sent.map_err(|e| failed(format!("publish failed: {}", innermost(&e)), "check SUBJECT and the payload size"))?;
    }
    connection.client.flush().await.map_err(|e| {
        failed(format!("sending the messages failed: {}", innermost(&e)), "check that the server is still running")
    })?;
    let line = match args.output {
        NatsOutput::Json => {
            json!({"subject": args.subject, "messages": args.count, "bytes": payload.len()}).to_string()
        }
        NatsOutput::Text => format!(
            "published {} message{} of {} bytes to {:?}",
            args.count,
            if args.count == 1 { "" } else { "s" },
            payload.len(),
            args.subject
        ),
    };
    print_text(&format!("{line}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_name_equals_value() {
        let headers =
            parse_headers(&["A=1".to_string(), "A=2".to_string(), "B=x=y".to_string(), "C=".to_string()]).unwrap();
        let values: Vec<&str> = headers.get_all("A").map(|v| v.as_str()).collect();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(headers.get("B").map(|v| v.as_str()), Some("x=y"));
        assert_eq!(headers.get("C").map(|v| v.as_str()), Some(""));
        for bad in ["novalue", "=v", "a:b=c", "Ä=1"] {
            assert!(matches!(parse_headers(&[bad.to_string()]), Err(ClientError::Usage(_))), "{bad}");
        }
    }
}
