//! From a loaded alertmanager.yml to what runs: the engine's [`Setup`] and the notifiers'
//! [`Targets`]. Also `triage check-config`.

use std::path::Path;

use triage_core::config::Config;
use triage_core::engine::Setup;

use crate::notify::secret::SecretSource;
use crate::notify::webhook::WebhookTarget;
use crate::notify::{Target, Targets};

/// An embedded configuration used when no file is given.
pub const DEFAULT_CONFIG: &str = triage_core::config::DEFAULT_CONFIG;

/// Reads and validates a configuration file, or the embedded default. The error lists every
/// problem, one per line.
pub fn load_config(path: Option<&Path>) -> Result<(String, Config), String> {
    let (text, origin) = match path {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
            p.display().to_string(),
        ),
        None => (DEFAULT_CONFIG.to_string(), "the embedded default configuration".to_string()),
    };
    let config = Config::from_yaml(&text).map_err(|errs| format!("invalid configuration in {origin}:\n{errs}"))?;
    Ok((text, config))
}

/// Integration kinds this version delivers to; the others are reported by check-config.
fn unsupported(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for r in config.receivers() {
        for (kind, list) in r.raw_integrations() {
            if !list.is_empty() {
                out.push(format!(
                    "receiver {:?}: {kind} ({} entries) are accepted but not delivered yet; only webhook_configs are",
                    r.name,
                    list.len()
                ));
            }
        }
    }
    out
}

/// The engine's setup for `config`.
pub fn build_setup(config: &Config) -> Result<Setup, String> {
    for w in unsupported(config) {
        tracing::warn!("{w}");
    }
    Ok(Setup::from_config(config))
}

/// The notifiers' targets for `config`; a `url_file` is read at each delivery.
pub fn build_targets(config: &Config) -> Result<Targets, String> {
    let mut targets = Targets::new();
    for r in config.receivers() {
        let mut list = Vec::new();
        for (i, w) in r.webhook_configs.iter().enumerate() {
            let url = SecretSource::from_pair(w.url.as_ref().map(|u| u.expose()), w.url_file.as_deref())
                .ok_or_else(|| format!("receiver {:?} webhook_configs[{i}]: no url", r.name))?;
            list.push(Target::Webhook(WebhookTarget { url, max_alerts: w.max_alerts }));
        }
        targets.insert(r.name.clone(), list);
    }
    Ok(targets)
}

/// `triage check-config FILE`: a summary, or every problem.
pub fn check_config_file(path: &Path) -> Result<String, Vec<String>> {
    let (_, config) = load_config(Some(path))
        .map_err(|e| e.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .map_err(|v| if v.is_empty() { vec![format!("cannot read {}", path.display())] } else { v })?;
    if let Err(e) = build_targets(&config) {
        return Err(vec![e]);
    }
    let mut routes = 0;
    config.route().walk(|_| routes += 1);
    let mut summary = format!(
        "Found:\n - global config\n - route ({routes} routes)\n - {} inhibit rules\n - {} receivers\n - {} time intervals\n - {} templates",
        config.inhibit_rules().len(),
        config.receivers().len(),
        config.time_intervals().len(),
        config.templates().len()
    );
    for w in unsupported(&config) {
        summary.push_str(&format!("\nwarning: {w}"));
    }
    for r in config.receivers() {
        for (i, w) in r.webhook_configs.iter().enumerate() {
            if let Some(f) = &w.url_file
                && std::fs::metadata(f).is_err()
            {
                summary.push_str(&format!(
                    "\nwarning: receiver {:?} webhook_configs[{i}]: url_file {f} is not readable here; it is read at each delivery",
                    r.name
                ));
            }
        }
    }
    Ok(summary)
}
