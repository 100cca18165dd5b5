//! The webhook integration: Alertmanager's webhook message, version 4, as JSON over HTTP POST.

use std::fmt;
use std::time::Duration;

use triage_core::engine::Outgoing;
use triage_core::payload::WebhookMessage;
use triage_core::template::Instruction;

use super::DeliveryError;
use crate::net::http_auth::{HttpAuth, authorize_async, refused};
use crate::net::secret::SecretSource;
use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};

/// The header carrying [`Outgoing::idempotency_key`].
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// A configured webhook.
#[derive(Clone)]
pub struct WebhookTarget {
    /// Where to POST; may carry a token, so it is never printed.
    pub url: SecretSource,
    /// Cut the alerts to this many (0: all).
    pub max_alerts: u64,
    /// Credentials from `http_config`.
    pub auth: Option<HttpAuth>,
    /// Its own client, when `http_config` has connection settings (TLS, proxy, ...).
    pub client: Option<reqwest::Client>,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget").field("url", &"<secret>").field("max_alerts", &self.max_alerts).finish()
    }
}

/// Reads a `Retry-After` header given in seconds.
pub fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Classifies an HTTP status: 2xx is success, 429 and 5xx are retryable, the rest are not.
pub fn classify(status: reqwest::StatusCode, after: Option<Duration>) -> Result<(), DeliveryError> {
    if status.is_success() {
        Ok(())
    } else if status.as_u16() == 429 || status.is_server_error() {
        Err(DeliveryError::Retryable { message: format!("unexpected status code {}", status.as_u16()), after })
    } else {
        Err(DeliveryError::Permanent(format!("unexpected status code {}", status.as_u16())))
    }
}

impl WebhookTarget {
    /// Sends the message for `out`.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        out: &Outgoing,
        instructions: &[Instruction],
        external_url: &str,
    ) -> Result<(), DeliveryError> {
        let mut msg = WebhookMessage::new(
            &out.key.receiver,
            &out.key.group_key,
            &out.group_labels,
            &out.alerts,
            self.max_alerts,
            external_url,
            out.at,
        );
        msg.instructions = instructions.to_vec();
        let body = serde_json::to_vec(&msg).map_err(|e| DeliveryError::Permanent(format!("encoding message: {e}")))?;
        let url = self.url.resolve()?;
        let request = authorize_async(client, client.post(&url), self.auth.as_ref()).await?;
        let resp = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            // The same on every delivery of this notification: a receiver can drop the
            // second one, the only duplicate triage can cause (a crash after the receiver
            // accepted the notification and before triage recorded it).
            .header(IDEMPOTENCY_KEY, out.idempotency_key())
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("webhook request failed: {}", without_url(&e)),
                after: None,
            })?;
        refused(self.auth.as_ref(), resp.status().as_u16()).await;
        let after = retry_after(&resp);
        classify(resp.status(), after)
    }
}

/// The error text without the URL, which may hold a secret.
pub(crate) fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<url>");
    }
    s
}

/// The registration of `webhook_configs`.
pub const KIND: Kind = Kind { key: "webhook_configs", build };

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let w = &b.receiver.webhook_configs[b.index];
    let url = SecretSource::from_pair(w.url.as_ref().map(|u| u.expose()), w.url_file.as_deref())
        .ok_or_else(|| b.error(KIND.key, "no url"))?;
    let auth = HttpAuth::for_integration(w.http_config.as_ref(), b.config.global().http_config.as_ref())
        .map_err(|e| b.error(KIND.key, &e))?;
    let client = super::http_kinds::own_client(KIND.key, w.http_config.as_ref(), b)?;
    Ok(Arc::new(WebhookTarget { url, max_alerts: w.max_alerts, auth, client }))
}

impl Integration for WebhookTarget {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let instructions = input.renderer.instructions(&input.out.alerts, input.out.at);
        let message = WebhookSend { target: self.clone(), instructions, external_url: input.external_url.to_string() };
        Box::pin(std::future::ready((Box::new(message) as Box<dyn Prepared>, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A webhook notification ready to send.
struct WebhookSend {
    target: WebhookTarget,
    instructions: Vec<Instruction>,
    external_url: String,
}

impl Prepared for WebhookSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, out: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let client = self.target.client.as_ref().unwrap_or(client);
        Box::pin(self.target.send(client, out, &self.instructions, &self.external_url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        assert!(classify(reqwest::StatusCode::OK, None).is_ok());
        assert!(matches!(classify(reqwest::StatusCode::TOO_MANY_REQUESTS, None), Err(DeliveryError::Retryable { .. })));
        assert!(matches!(classify(reqwest::StatusCode::BAD_GATEWAY, None), Err(DeliveryError::Retryable { .. })));
        assert!(matches!(classify(reqwest::StatusCode::BAD_REQUEST, None), Err(DeliveryError::Permanent(_))));
    }

    #[test]
    fn debug_hides_url() {
        let t = WebhookTarget {
            url: SecretSource::Inline("https://hooks/secret-token".into()),
            max_alerts: 0,
            auth: None,
            client: None,
        };
        assert!(!format!("{t:?}").contains("secret-token"));
    }
}
