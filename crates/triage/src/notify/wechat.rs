//! WeChat Work (`wechat_configs`): the message is sent with an access token fetched from the
//! API first (`gettoken` with the corp id and secret). The token is kept per integration and
//! shared by its notifications; it is fetched again when it is older than
//! [`TOKEN_MAX_AGE`](triage_core::notify::wechat::TOKEN_MAX_AGE) (two hours, as
//! Alertmanager), or after the API answered `errcode` 42001 (token expired: the attempt is
//! retried with a new token). The pure parts (requests, reading the answers, which errors are
//! retried) are `triage_core::notify::wechat`.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use triage_core::config::GlobalConfig;
use triage_core::config::model::non_empty;
use triage_core::engine::Outgoing;
use triage_core::go_template::Data;
use triage_core::notify::wechat::{self, TOKEN_MAX_AGE, WechatConfig};
use triage_core::notify::{HttpRequest, Integration as _, query_escape};

use super::DeliveryError;
use super::http_kinds::{Failed, excerpt, exchange, notify_context, own_client, read_secret_files};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use crate::net::http_auth::HttpAuth;

/// The registration of `wechat_configs`.
pub const KIND: Kind = Kind { key: "wechat_configs", build };

/// Stands for the token in the message URL until it is sent (it is URL-safe, so the query
/// encoding leaves it as it is).
const PLACEHOLDER: &str = "TRIAGE-WECHAT-ACCESS-TOKEN";

/// An access token and when it was fetched.
#[derive(Clone)]
struct Token {
    value: String,
    at: Instant,
}

/// The token of one integration, shared by its notifications.
type TokenCache = Arc<tokio::sync::Mutex<Option<Token>>>;

/// One configured `wechat_configs` entry.
pub struct Wechat {
    config: WechatConfig,
    global: Arc<GlobalConfig>,
    auth: Option<HttpAuth>,
    client: Option<reqwest::Client>,
    token: TokenCache,
}

impl std::fmt::Debug for Wechat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wechat").finish_non_exhaustive()
    }
}

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let config = b.receiver.wechat_configs[b.index].clone();
    let global = b.config.global();
    let auth = HttpAuth::for_integration(config.http_config.as_ref(), global.http_config.as_ref())
        .map_err(|e| b.error(KIND.key, &e))?;
    let client = own_client(KIND.key, config.http_config.as_ref(), b)?;
    Ok(Arc::new(Wechat { config, global: Arc::new(global.clone()), auth, client, token: TokenCache::default() }))
}

/// Whether a token fetched at `at` may still be used at `now`.
fn fresh(at: Instant, now: Instant) -> bool {
    now.saturating_duration_since(at) <= Duration::from_secs(TOKEN_MAX_AGE.as_secs().unsigned_abs())
}

impl Wechat {
    fn prepare(&self, input: &ComposeInput<'_>) -> Result<WechatSend, DeliveryError> {
        let out = input.out;
        let files = read_secret_files(&self.config, &self.global)?;
        let data = Data::new(&out.key.receiver, &out.group_labels, &out.alerts, input.external_url, out.at);
        let mut expander = input.templates.expander(&data);
        let ctx = notify_context(out, input.external_url);
        let token_request = self.config.token_request(&self.global, &files, &mut expander);
        let message =
            self.config.build(&self.global, &files.clone().with("access_token", PLACEHOLDER), &ctx, &mut expander);
        if let Err(e) = expander.finish() {
            return Err(DeliveryError::Permanent(format!("wechat: template: {e}")));
        }
        let token_request = token_request.map_err(|e| DeliveryError::Permanent(format!("wechat: {e}")))?;
        let message = message
            .map_err(|e| DeliveryError::Permanent(format!("wechat: {e}")))?
            .into_iter()
            .next()
            .ok_or_else(|| DeliveryError::Permanent("wechat: no message built".into()))?;
        let corp_id = non_empty(&self.config.corp_id).or(non_empty(&self.global.wechat_api_corp_id)).unwrap_or("");
        Ok(WechatSend {
            token_request,
            message,
            corp_id: corp_id.to_string(),
            auth: self.auth.clone(),
            client: self.client.clone(),
            token: self.token.clone(),
        })
    }
}

impl Integration for Wechat {
    fn kind(&self) -> &'static str {
        "wechat"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let prepared: Box<dyn Prepared> = match self.prepare(&input) {
            Ok(p) => Box::new(p),
            Err(e) => Box::new(Failed(e)),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One rendered WeChat message.
struct WechatSend {
    token_request: HttpRequest,
    message: HttpRequest,
    corp_id: String,
    auth: Option<HttpAuth>,
    client: Option<reqwest::Client>,
    token: TokenCache,
}

fn failure(e: &wechat::WechatError) -> DeliveryError {
    let message = format!("wechat: {e}");
    if e.retryable() { DeliveryError::Retryable { message, after: None } } else { DeliveryError::Permanent(message) }
}

impl WechatSend {
    /// The cached token, or a new one.
    async fn token(&self, client: &reqwest::Client) -> Result<String, DeliveryError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| fresh(t.at, Instant::now())) {
            return Ok(t.value.clone());
        }
        *cached = None;
        let answer = exchange(client, self.auth.as_ref(), "wechat token", &self.token_request).await?;
        // As Alertmanager: the status is not looked at, and an answer without a token (or
        // not JSON) is not retried; only a request that got no answer is.
        let value = wechat::parse_token(&answer.body, &self.corp_id)
            .map_err(|e| DeliveryError::Permanent(format!("wechat: token request: {e}")))?;
        *cached = Some(Token { value: value.clone(), at: Instant::now() });
        Ok(value)
    }

    async fn attempt(&self, client: &reqwest::Client) -> Result<(), DeliveryError> {
        let token = self.token(client).await?;
        let mut message = self.message.clone();
        message.url = message.url.replacen(
            &format!("access_token={PLACEHOLDER}"),
            &format!("access_token={}", query_escape(&token)),
            1,
        );
        let answer = exchange(client, self.auth.as_ref(), "wechat", &message).await?;
        match wechat::check_answer(answer.status, &answer.body) {
            Ok(()) => Ok(()),
            Err(e) => {
                if e.token_expired() {
                    *self.token.lock().await = None;
                }
                let mut err = failure(&e);
                if let DeliveryError::Retryable { message, after } = &mut err {
                    *after = answer.after;
                    if answer.status != 200 {
                        message.push_str(&format!(": {}", excerpt(&answer.body)));
                    }
                }
                Err(err)
            }
        }
    }
}

impl Prepared for WechatSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.attempt(self.client.as_ref().unwrap_or(client)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_used_for_two_hours() {
        let at = Instant::now();
        assert!(fresh(at, at));
        assert!(fresh(at, at + Duration::from_secs(7200)));
        assert!(!fresh(at, at + Duration::from_secs(7201)));
    }
}
