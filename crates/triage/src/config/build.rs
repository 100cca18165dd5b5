//! From a loaded alertmanager.yml to what runs: the engine's [`Setup`] and the notifiers'
//! [`Targets`]. Also `triage check-config`.

use std::path::{Path, PathBuf};

use triage_core::config::Config;
use triage_core::engine::Setup;

use std::time::Duration;

use triage_core::go_template::Templates;
use triage_core::template::Renderer;

use crate::notify::Targets;
use crate::notify::registry::{self, BuildInput};

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

/// Integrations of kinds triage reads but cannot deliver yet: an error each, never a
/// warning, so that no page is silently dropped.
fn undeliverable(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for r in config.receivers() {
        for (kind, list) in r.raw_integrations() {
            if !list.is_empty() {
                out.push(format!(
                    "receiver {:?}: {kind} ({} entries): triage cannot deliver to this kind yet; remove it or route \
                     these alerts to another receiver",
                    r.name,
                    list.len()
                ));
            }
        }
    }
    out
}

/// Receiver fields that are not valid Go templates (their notifications fail), and settings
/// triage reads differently, in words.
fn template_warnings(config: &Config, templates: &Templates) -> Vec<String> {
    let mut out = crate::notify::compose::template_problems(config, templates);
    for r in config.receivers() {
        for (i, e) in r.email_configs.iter().enumerate() {
            if let Some(t) = e.tls_config.as_ref().or(config.global().smtp_tls_config.as_ref())
                && (t.cert_file.is_some() || t.key_file.is_some())
            {
                out.push(format!(
                    "receiver {:?} email_configs[{i}]: tls_config client certificates are not supported",
                    r.name
                ));
            }
            if e.auth_secret.is_some() {
                out.push(format!(
                    "receiver {:?} email_configs[{i}]: auth_secret (CRAM-MD5) is not supported; PLAIN or LOGIN with \
                     auth_password is used",
                    r.name
                ));
            }
        }
    }
    out
}

/// The engine's setup for `config`.
pub fn build_setup(config: &Config) -> Result<Setup, String> {
    let errors = undeliverable(config);
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    Ok(Setup::from_config(config))
}

/// What the notifiers run with: targets, compiled templates, and warnings about settings
/// triage does not use as written (also logged).
pub struct Built {
    /// Integrations by receiver.
    pub targets: Targets,
    /// Templates and runbooks.
    pub renderer: Renderer,
    /// Go templates: Alertmanager's defaults and the `templates:` files.
    pub templates: Templates,
    /// Fields that fall back to defaults, settings not applied.
    pub warnings: Vec<String>,
}

/// The notifiers' targets and templates for `config`, each template compiled once. Secrets
/// given as files are read at each delivery; `timeout` bounds one SMTP delivery.
pub fn build_targets(config: &Config, config_path: Option<&Path>, timeout: Duration) -> Result<Built, String> {
    let templates = read_templates(config, config_path)?;
    let renderer = Renderer::from_config(config);
    let warnings = template_warnings(config, &templates);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let mut targets = Targets::new();
    for r in config.receivers() {
        let mut list = Vec::new();
        for (key, index, _) in r.integrations() {
            let input = BuildInput { config, receiver: r, index, timeout };
            let kind = registry::kind(key).ok_or_else(|| input.error(key, "this kind of receiver is not delivered"))?;
            list.push((kind.build)(&input)?);
        }
        targets.insert(r.name.clone(), list);
    }
    Ok(Built { targets, renderer, templates, warnings })
}

/// Reads the `templates:` files as Alertmanager does: each glob relative to the folder of
/// the configuration file, its matches in lexical order, a glob matching nothing is no
/// error, a file that cannot be read or parsed is.
pub(crate) fn read_templates(config: &Config, config_path: Option<&Path>) -> Result<Templates, String> {
    let base = config_path.and_then(Path::parent).unwrap_or(Path::new("."));
    let options = glob::MatchOptions { require_literal_separator: true, ..Default::default() };
    let mut files = Vec::new();
    for pattern in config.templates() {
        let full = if Path::new(pattern).is_absolute() { PathBuf::from(pattern) } else { base.join(pattern) };
        let matches = glob::glob_with(&full.to_string_lossy(), options)
            .map_err(|e| format!("templates: {pattern:?} is not a valid glob: {e}"))?;
        let mut paths: Vec<PathBuf> = matches.filter_map(Result::ok).filter(|p| p.is_file()).collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("templates: cannot read {}: {e}", path.display()))?;
            files.push((path.display().to_string(), text));
        }
    }
    let named: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    Templates::new(&named).map_err(|e| format!("templates: {e}"))
}

/// `triage check-config FILE`: a summary, or every problem.
pub fn check_config_file(path: &Path) -> Result<String, Vec<String>> {
    let (_, config) = load_config(Some(path))
        .map_err(|e| e.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .map_err(|v| if v.is_empty() { vec![format!("cannot read {}", path.display())] } else { v })?;
    let undeliverable = undeliverable(&config);
    if !undeliverable.is_empty() {
        return Err(undeliverable);
    }
    let built = build_targets(&config, Some(path), Duration::from_secs(30)).map_err(|e| vec![e])?;
    let mut routes = 0;
    config.route().walk(|_| routes += 1);
    let mut summary = format!(
        "Found:\n - global config\n - route ({routes} routes)\n - {} inhibit rules\n - {} receivers\n - {} time intervals\n - {} templates",
        config.inhibit_rules().len(),
        config.receivers().len(),
        config.time_intervals().len(),
        config.templates().len()
    );
    if let Some(logwatch) = &config.file().logwatch {
        summary.push_str(&format!(
            "\n - logwatch: {} file sets, {} rules, push {}",
            logwatch.files.len(),
            logwatch.rules.len(),
            if logwatch.push.is_some() { "enabled" } else { "disabled" }
        ));
    }
    for w in built.warnings {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn email_target(yaml: &str) -> crate::notify::email::EmailTarget {
        let config = Config::from_yaml(yaml).unwrap();
        let built = build_targets(&config, None, Duration::from_secs(5)).unwrap();
        let target = &built.targets["ops"][0];
        match target.as_any().downcast_ref::<crate::notify::compose::EmailChannel>() {
            Some(ch) => ch.target.clone(),
            None => panic!("{target:?}"),
        }
    }

    #[test]
    fn email_settings_fall_back_to_the_global_ones() {
        let t = email_target(
            "global:\n  smtp_smarthost: 'mail:587'\n  smtp_from: a@b\n  smtp_hello: me.example.org\n  smtp_require_tls: false\n  smtp_auth_username: u\n  smtp_auth_password: p\n  smtp_tls_config: {insecure_skip_verify: true, server_name: mail.example.org}\nroute: {receiver: ops}\nreceivers:\n- name: ops\n  email_configs: [{to: 'x@y, z@w'}]\n",
        );
        assert_eq!(t.smarthost, "mail:587");
        assert_eq!(t.to, vec!["x@y", "z@w"]);
        assert_eq!(t.hello, "me.example.org");
        assert!(!t.require_tls);
        assert_eq!(t.auth_username.as_deref(), Some("u"));
        assert!(t.tls.insecure_skip_verify);
        assert_eq!(t.tls.server_name.as_deref(), Some("mail.example.org"));
    }

    #[test]
    fn own_email_settings_win() {
        let t = email_target(
            "global:\n  smtp_smarthost: 'mail:587'\n  smtp_from: a@b\n  smtp_tls_config: {insecure_skip_verify: true}\nroute: {receiver: ops}\nreceivers:\n- name: ops\n  email_configs: [{to: x@y, smarthost: 'other:465', from: c@d, require_tls: true, tls_config: {ca_file: /ca.pem}}]\n",
        );
        assert_eq!(t.smarthost, "other:465");
        assert_eq!(t.from, "c@d");
        assert!(t.require_tls && !t.tls.insecure_skip_verify);
        assert_eq!(t.tls.ca_file.as_deref(), Some(Path::new("/ca.pem")));
    }
}
