//! `triage agent`: samples the node every interval, appends each sample to a log file for the
//! shipper, and/or pushes it to the master's `/api/v2/nodes/samples` with a bearer token.
//!
//! A push that fails keeps its samples and sends them with the next one; at most
//! [`MAX_PENDING`] samples wait (the oldest are dropped first, and counted in the log), so a
//! master down for an hour loses nothing at a 10 s interval.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::Value;

use super::procfs::ProcFs;
use super::sample::{Sampler, SamplerConfig};
use super::writer::{SampleWriter, sample_to_json};
use crate::net::secret::SecretSource;

/// Most samples kept for a push that failed.
pub const MAX_PENDING: usize = 360;
/// Timeout of one push.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// What `triage agent` does.
#[derive(Debug)]
pub struct AgentOptions {
    /// What to sample.
    pub sampler: SamplerConfig,
    /// Where `/proc` is.
    pub proc_root: PathBuf,
    /// Time between samples.
    pub interval: Duration,
    /// The log file samples are appended to.
    pub output: Option<PathBuf>,
    /// fsync the log file after each sample.
    pub sync: bool,
    /// The master's base URL (`http://master:9193`).
    pub push_url: Option<String>,
    /// The bearer token for pushes.
    pub token: Option<SecretSource>,
    /// Stop after this many samples (tests and one-shot use).
    pub count: Option<u64>,
}

/// Pushes samples to the master, keeping those not yet accepted.
struct Pusher {
    url: String,
    token: Option<SecretSource>,
    client: reqwest::Client,
    pending: VecDeque<Value>,
    dropped: u64,
}

impl Pusher {
    fn new(base: &str, token: Option<SecretSource>) -> Result<Pusher, String> {
        let base = base.trim_end_matches('/');
        let url = reqwest::Url::parse(&format!("{base}/api/v2/nodes/samples"))
            .map_err(|e| format!("invalid --push URL {base:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("--push URL must be http or https: {base:?}"));
        }
        let client = crate::net::client::builder(PUSH_TIMEOUT)
            .user_agent(concat!("triage-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Pusher { url: url.to_string(), token, client, pending: VecDeque::new(), dropped: 0 })
    }

    async fn push(&mut self, sample: Value) -> Result<(), String> {
        self.pending.push_back(sample);
        while self.pending.len() > MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
        }
        let mut body = Vec::new();
        for s in &self.pending {
            body.extend_from_slice(s.to_string().as_bytes());
            body.push(b'\n');
        }
        let mut request = self.client.post(&self.url).header("content-type", "application/x-ndjson").body(body);
        if let Some(token) = &self.token {
            let token = token.resolve().map_err(|e| e.to_string())?;
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| format!("push to {} failed: {}", self.url, e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(format!(
                "push to {} answered {status}: {}",
                self.url,
                triage_core::series::shorten(text.trim(), 300)
            ));
        }
        self.pending.clear();
        Ok(())
    }
}

/// Runs the agent until `count` samples were taken (forever without it).
pub fn run(options: AgentOptions) -> Result<(), String> {
    if options.output.is_none() && options.push_url.is_none() {
        return Err("give --output FILE, --push URL or both".into());
    }
    if options.interval.is_zero() {
        return Err("the interval must be longer than zero".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let mut sampler = Sampler::with_proc_fs(options.sampler.clone(), ProcFs::new(&options.proc_root));
    for (unit, why) in sampler.find_missing_units() {
        tracing::warn!(unit = %unit, "systemd unit cannot be checked ({why}): its samples say service.{unit}.missing");
    }
    tracing::info!(
        host = %options.sampler.host,
        interval = ?options.interval,
        output = ?options.output.as_ref().map(|p| p.display().to_string()),
        push = options.push_url.as_deref().unwrap_or("-"),
        "triage agent started"
    );
    let mut writer = options.output.as_ref().map(|path| SampleWriter::new(path, options.sync));
    let mut pusher = options.push_url.as_deref().map(|url| Pusher::new(url, options.token.clone())).transpose()?;
    let mut taken = 0u64;
    let mut next = Instant::now();
    loop {
        let sample = match sampler.sample(Timestamp::now()) {
            Ok(sample) => Some(sample),
            Err(e) => {
                tracing::error!(error = %e, "sampling failed");
                None
            }
        };
        if let Some(sample) = &sample {
            if let Some(writer) = &mut writer
                && let Err(e) = writer.append(sample)
            {
                tracing::error!(path = %writer.path().display(), error = %e, "appending the sample failed");
            }
            if let Some(pusher) = &mut pusher {
                let before = pusher.dropped;
                if let Err(e) = runtime.block_on(pusher.push(Value::Object(sample_to_json(sample)))) {
                    tracing::warn!(error = %e, pending = pusher.pending.len(), "push failed; kept for the next one");
                }
                if pusher.dropped > before {
                    tracing::warn!(dropped = pusher.dropped - before, "oldest unpushed samples dropped");
                }
            }
        }
        taken += 1;
        if options.count.is_some_and(|count| taken >= count) {
            return Ok(());
        }
        next += options.interval;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
}

/// This machine's host name, from the kernel.
pub fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}
