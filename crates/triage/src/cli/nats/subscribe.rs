//! `triage nats sub SUBJECT`: prints each message (subject, reply subject, headers, payload)
//! until `--count` messages arrived, `--timeout` passed (counted from the subscription) or the
//! process is interrupted. `-o json` prints one object per message and line, the payload as a
//! UTF-8 string, or base64 when it is not UTF-8 (`encoding` says which).
//!
//! A line on standard error says when the server has the subscription (after a round trip, so
//! a message published after it is seen). Nothing at all within `--timeout` is an error, and so
//! is fewer than `--count` messages.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::Message;
use base64::Engine;
use clap::Args;
use futures::StreamExt;
use serde_json::{Value, json};

use super::{NatsOutput, NatsServerArgs};
use crate::cli::client::duration::parse_duration;
use crate::cli::client::output::print_text;
use crate::net::cause::innermost;
use crate::net::client_error::ClientError;

/// Arguments of `triage nats sub`.
#[derive(Debug, Args)]
pub struct SubArgs {
    /// The subject; `*` matches one token, `>` the rest (`triage.>`).
    pub subject: String,
    /// Stop after this many messages.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop after this long, e.g. 30s or 5m (counted from the subscription).
    #[arg(long)]
    pub timeout: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: NatsOutput,
    #[command(flatten)]
    pub server: NatsServerArgs,
}

/// The headers of a message, each name with its values, names sorted.
fn headers_of(message: &Message) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (name, values) in message.headers.iter().flat_map(|h| h.iter()) {
        out.insert(name.to_string(), values.iter().map(|v| v.as_str().to_string()).collect());
    }
    out
}

/// A message as one JSON object.
pub fn message_json(message: &Message) -> Value {
    let (payload, encoding) = match std::str::from_utf8(&message.payload) {
        Ok(text) => (text.to_string(), "utf-8"),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(&message.payload), "base64"),
    };
    json!({
        "subject": message.subject.as_str(),
        "reply": message.reply.as_ref().map(|r| r.as_str()),
        "headers": headers_of(message),
        "payload": payload,
        "encoding": encoding,
        "size": message.payload.len(),
    })
}

/// A message for people: a title line, `Name: value` headers, a blank line, the payload as
/// it is, and a blank line.
pub fn message_text(number: u64, message: &Message) -> Vec<u8> {
    let mut out = format!("[#{number}] Received on {:?}", message.subject.as_str());
    if let Some(reply) = &message.reply {
        out.push_str(&format!(" with reply {:?}", reply.as_str()));
    }
    out.push_str(&format!(" ({} bytes)\n", message.payload.len()));
    for (name, values) in headers_of(message) {
        for value in values {
            out.push_str(&format!("{name}: {value}\n"));
        }
    }
    out.push('\n');
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&message.payload);
    bytes.extend_from_slice(b"\n\n");
    bytes
}

fn write_stdout(bytes: &[u8]) -> Result<(), ClientError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(ClientError::File(format!("writing to stdout: {e}"))),
    }
}

/// Runs `triage nats sub`.
pub async fn run(args: SubArgs) -> Result<(), ClientError> {
    let timeout: Option<Duration> =
        args.timeout.as_deref().map(|t| parse_duration(t, "--timeout").map(|d| d.unsigned_abs())).transpose()?;
    let connection = args.server.connect().await?;
    let url = connection.url.clone();
    let failed = |reason: String| ClientError::Failed {
        url: url.clone(),
        reason,
        hint: "check SUBJECT (tokens separated by dots, `*` and `>` as wildcards) and the server's log".to_string(),
    };
    let client = connection.client;
    let mut subscriber = client
        .subscribe(args.subject.clone())
        .await
        .map_err(|e| failed(format!("cannot subscribe: {}", innermost(&e))))?;
    round_trip(&client).await.map_err(failed)?;
    eprintln!("triage: subscribed to {:?} on {url}", args.subject);

    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let mut received = 0u64;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        if args.count.is_some_and(|n| received >= n) {
            break;
        }
        let next = async {
            match deadline {
                Some(at) => tokio::time::timeout_at(at, subscriber.next()).await.ok(),
                None => Some(subscriber.next().await),
            }
        };
        let message = tokio::select! {
            next = next => next,
            _ = &mut interrupted => break,
        };
        match message {
            Some(Some(message)) => {
                received += 1;
                match args.output {
                    NatsOutput::Json => print_text(&format!("{}\n", message_json(&message)))?,
                    NatsOutput::Text => write_stdout(&message_text(received, &message))?,
                }
            }
            Some(None) => {
                return Err(failed("the server closed the subscription".to_string()));
            }
            None => {
                let waited = args.timeout.clone().unwrap_or_default();
                let hint = format!(
                    "is anything publishing to {:?} on {url}? Try a longer --timeout, or check the subject",
                    args.subject
                );
                if received == 0 {
                    return Err(ClientError::TimedOut {
                        what: format!("no message on {:?} within {waited}", args.subject),
                        hint,
                    });
                }
                if let Some(count) = args.count {
                    return Err(ClientError::TimedOut {
                        what: format!("{received} of the {count} messages asked for arrived within {waited}"),
                        hint,
                    });
                }
                break;
            }
        }
    }
    let _ = subscriber.unsubscribe().await;
    Ok(())
}

/// Waits until the server has processed everything sent on this connection so far, by
/// sending a message to a fresh inbox and receiving it back.
async fn round_trip(client: &async_nats::Client) -> Result<(), String> {
    let inbox = client.new_inbox();
    let mut probe =
        client.subscribe(inbox.clone()).await.map_err(|e| format!("cannot subscribe: {}", innermost(&e)))?;
    client.publish(inbox, bytes::Bytes::new()).await.map_err(|e| format!("cannot publish: {}", innermost(&e)))?;
    client.flush().await.map_err(|e| format!("cannot send: {}", innermost(&e)))?;
    match tokio::time::timeout(Duration::from_secs(10), probe.next()).await {
        Ok(Some(_)) => {
            let _ = probe.unsubscribe().await;
            Ok(())
        }
        Ok(None) => Err("the server closed the connection".to_string()),
        Err(_) => Err("the server did not answer within 10s".to_string()),
    }
}
