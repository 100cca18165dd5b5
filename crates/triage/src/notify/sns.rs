//! Amazon SNS (`sns_configs`): the `Publish` call built by `triage_core::notify::sns`, signed
//! with AWS Signature Version 4 (crate `aws-sigv4`) at each attempt, for service `sns` (or
//! `sigv4.service_name`) in `sigv4.region` (else `AWS_REGION`, `AWS_DEFAULT_REGION`).
//!
//! Credentials are `sigv4.access_key` and `sigv4.secret_key`, else the environment's
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, read at each
//! attempt. Alertmanager's other sources of credentials (`sigv4.profile`, `sigv4.role_arn`
//! with STS) are not implemented: such an entry is refused when the configuration is built,
//! so check-config reports it and serve does not start with it.
//!
//! A failed status is retried on 5xx only, as Alertmanager; the error carries an excerpt of
//! AWS's answer, never the credentials or the signature.

use std::any::Any;
use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use futures::future::BoxFuture;
use triage_core::config::GlobalConfig;
use triage_core::engine::Outgoing;
use triage_core::go_template::Data;
use triage_core::notify::sns::SnsConfig;
use triage_core::notify::{HttpRequest, Integration as _};

use super::DeliveryError;
use super::http_kinds::{Failed, body_bytes, excerpt, exchange, notify_context, own_client};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};

/// The registration of `sns_configs`.
pub const KIND: Kind = Kind { key: "sns_configs", build };

/// AWS credentials.
#[derive(Clone)]
pub struct AwsCredentials {
    /// The access key id.
    pub access_key: String,
    /// The secret access key.
    pub secret_key: String,
    /// A session token, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials").field("access_key", &self.access_key).finish_non_exhaustive()
    }
}

/// One configured `sns_configs` entry.
pub struct Sns {
    config: SnsConfig,
    global: Arc<GlobalConfig>,
    client: Option<reqwest::Client>,
}

impl std::fmt::Debug for Sns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sns").finish_non_exhaustive()
    }
}

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let config = b.receiver.sns_configs[b.index].clone();
    let sig = &config.sigv4;
    if !sig.role_arn.is_empty() {
        return Err(b.error("sns_configs", "sigv4.role_arn: assuming a role (STS) is not implemented by triage; give access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"));
    }
    if !sig.profile.is_empty() {
        return Err(b.error("sns_configs", "sigv4.profile: AWS shared profiles are not implemented by triage; give access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"));
    }
    if config
        .http_config
        .as_ref()
        .is_some_and(|h| !matches!(crate::net::http_auth::HttpAuth::for_integration(Some(h), None), Ok(None)))
    {
        return Err(b.error("sns_configs", "http_config: credentials (authorization, basic_auth, bearer_token, oauth2) cannot be combined with SigV4 signing"));
    }
    let client = own_client(KIND.key, config.http_config.as_ref(), b)?;
    Ok(Arc::new(Sns { config, global: Arc::new(b.config.global().clone()), client }))
}

/// The credentials of the `sigv4` block, else of the environment.
fn credentials(config: &SnsConfig) -> Result<AwsCredentials, DeliveryError> {
    let sig = &config.sigv4;
    if !sig.access_key.is_empty() {
        let secret_key = sig.secret_key.as_ref().map(|s| s.expose().to_string()).unwrap_or_default();
        return Ok(AwsCredentials { access_key: sig.access_key.clone(), secret_key, session_token: None });
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key), Some(secret_key)) => {
            Ok(AwsCredentials { access_key, secret_key, session_token: var("AWS_SESSION_TOKEN") })
        }
        _ => Err(DeliveryError::Permanent(
            "sns: no AWS credentials: sigv4.access_key and secret_key are not set, nor AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
        )),
    }
}

/// The signing region.
fn region(config: &SnsConfig) -> Result<String, DeliveryError> {
    if !config.sigv4.region.is_empty() {
        return Ok(config.sigv4.region.clone());
    }
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        .ok_or_else(|| DeliveryError::Permanent("sns: region not configured in sns.sigv4.region nor AWS_REGION".into()))
}

/// The headers that sign `request` (whose body is `body`) at `time`: `X-Amz-Date`,
/// `Authorization` and, with a session token, `X-Amz-Security-Token`. Every header of the
/// request, `Host` (from the URL) and, with a body, `Content-Length` (which the HTTP client
/// sends) are signed, as Alertmanager's signer does.
pub fn sign_headers(
    request: &HttpRequest,
    body: &[u8],
    credentials: &AwsCredentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let identity = Credentials::new(
        &credentials.access_key,
        &credentials.secret_key,
        credentials.session_token.clone(),
        None,
        "triage",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("signing parameters: {e}"))?
        .into();
    let method = match request.method {
        triage_core::notify::Method::Get => "GET",
        triage_core::notify::Method::Post => "POST",
        triage_core::notify::Method::Put => "PUT",
    };
    let length = body.len().to_string();
    let headers = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain((!body.is_empty()).then_some(("Content-Length", length.as_str())));
    let signable = SignableRequest::new(method, &request.url, headers, SignableBody::Bytes(body))
        .map_err(|e| format!("request cannot be signed: {e}"))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| format!("signing: {e}"))?.into_parts();
    Ok(instructions.headers().map(|(n, v)| (n.to_string(), v.to_string())).collect())
}

impl Sns {
    fn prepare(&self, input: &ComposeInput<'_>) -> Result<SnsSend, DeliveryError> {
        let out = input.out;
        let data = Data::new(&out.key.receiver, &out.group_labels, &out.alerts, input.external_url, out.at);
        let mut expander = input.templates.expander(&data);
        let ctx = notify_context(out, input.external_url);
        let built = self.config.build(&self.global, &Default::default(), &ctx, &mut expander);
        if let Err(e) = expander.finish() {
            return Err(DeliveryError::Permanent(format!("sns: template: {e}")));
        }
        let request = built
            .map_err(|e| DeliveryError::Permanent(format!("sns: {e}")))?
            .into_iter()
            .next()
            .ok_or_else(|| DeliveryError::Permanent("sns: no request built".into()))?;
        Ok(SnsSend { request, config: self.config.clone(), client: self.client.clone() })
    }
}

impl Integration for Sns {
    fn kind(&self) -> &'static str {
        "sns"
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

/// One rendered `Publish` call.
struct SnsSend {
    request: HttpRequest,
    config: SnsConfig,
    client: Option<reqwest::Client>,
}

impl SnsSend {
    async fn attempt(&self, client: &reqwest::Client) -> Result<(), DeliveryError> {
        let credentials = credentials(&self.config)?;
        let region = region(&self.config)?;
        let service = if self.config.sigv4.service_name.is_empty() { "sns" } else { &self.config.sigv4.service_name };
        let body = body_bytes(&self.request)?;
        let signed = sign_headers(&self.request, &body, &credentials, &region, service, SystemTime::now())
            .map_err(|e| DeliveryError::Permanent(format!("sns: {e}")))?;
        let mut request = self.request.clone();
        request.headers.extend(signed);
        let answer = exchange(client, None, "sns", &request).await?;
        if (200..300).contains(&answer.status) {
            return Ok(());
        }
        let message = format!("sns: unexpected status code {}: {}", answer.status, excerpt(&answer.body));
        if self.config.retryable(answer.status) {
            Err(DeliveryError::Retryable { message, after: answer.after })
        } else {
            Err(DeliveryError::Permanent(message))
        }
    }
}

impl Prepared for SnsSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.attempt(self.client.as_ref().unwrap_or(client)))
    }
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;
