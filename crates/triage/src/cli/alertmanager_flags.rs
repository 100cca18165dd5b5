//! Alertmanager's command line on `triage serve`, so that a systemd unit or a Helm chart
//! written for Alertmanager starts triage unchanged. `--config.file`, `--storage.path`,
//! `--web.listen-address` (`:9093` included), `--web.external-url`, `--log.level` and
//! `--log.format` (`logfmt`) are aliases of triage's own flags; the rest are here:
//! `--web.route-prefix` (only `/` is served), `--data.retention`, the other tuning flags of
//! Alertmanager 0.25 (accepted, each with one log line saying triage does not use it) and
//! `--cluster.*`: triage has no gossip cluster (replicas share a PostgreSQL store instead),
//! so they are accepted and ignored with one log line saying so.

use std::net::SocketAddr;

use clap::Args;

/// Alertmanager's flags that are not triage's own.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Alertmanager compatibility (accepted, see the log)")]
pub struct AlertmanagerFlags {
    /// Prefix of every HTTP path; triage serves at the root, so only `/` (or empty) is accepted.
    #[arg(long = "web.route-prefix", value_name = "PATH")]
    pub route_prefix: Option<String>,
    /// How long Alertmanager keeps data (silences, notification log); triage keeps expired
    /// silences 120h and its history in its store.
    #[arg(long = "data.retention", value_name = "DURATION")]
    pub data_retention: Option<String>,
    #[arg(long = "data.maintenance-interval", hide = true)]
    data_maintenance_interval: Option<String>,
    #[arg(long = "alerts.gc-interval", hide = true)]
    alerts_gc_interval: Option<String>,
    #[arg(long = "web.get-concurrency", hide = true)]
    web_get_concurrency: Option<String>,
    #[arg(long = "web.timeout", hide = true)]
    web_timeout: Option<String>,
    #[arg(long = "web.ui-path", hide = true)]
    web_ui_path: Option<String>,
    #[arg(long = "web.systemd-socket", hide = true, num_args = 0..=1, default_missing_value = "true")]
    web_systemd_socket: Option<String>,
    #[arg(long = "cluster.listen-address", hide = true)]
    cluster_listen_address: Option<String>,
    #[arg(long = "cluster.advertise-address", hide = true)]
    cluster_advertise_address: Option<String>,
    #[arg(long = "cluster.peer", hide = true)]
    cluster_peer: Vec<String>,
    #[arg(long = "cluster.peer-timeout", hide = true)]
    cluster_peer_timeout: Option<String>,
    #[arg(long = "cluster.gossip-interval", hide = true)]
    cluster_gossip_interval: Option<String>,
    #[arg(long = "cluster.pushpull-interval", hide = true)]
    cluster_pushpull_interval: Option<String>,
    #[arg(long = "cluster.tcp-timeout", hide = true)]
    cluster_tcp_timeout: Option<String>,
    #[arg(long = "cluster.probe-timeout", hide = true)]
    cluster_probe_timeout: Option<String>,
    #[arg(long = "cluster.probe-interval", hide = true)]
    cluster_probe_interval: Option<String>,
    #[arg(long = "cluster.settle-timeout", hide = true)]
    cluster_settle_timeout: Option<String>,
    #[arg(long = "cluster.reconnect-interval", hide = true)]
    cluster_reconnect_interval: Option<String>,
    #[arg(long = "cluster.reconnect-timeout", hide = true)]
    cluster_reconnect_timeout: Option<String>,
    #[arg(long = "cluster.tls-config", hide = true)]
    cluster_tls_config: Option<String>,
    #[arg(long = "cluster.label", hide = true)]
    cluster_label: Option<String>,
    #[arg(
        long = "cluster.allow-insecure-public-advertise-address-discovery",
        hide = true,
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    cluster_allow_insecure: Option<String>,
}

impl AlertmanagerFlags {
    /// The `--cluster.*` flags given, by name.
    fn cluster_flags(&self) -> Vec<&'static str> {
        let set = [
            ("--cluster.listen-address", self.cluster_listen_address.is_some()),
            ("--cluster.advertise-address", self.cluster_advertise_address.is_some()),
            ("--cluster.peer", !self.cluster_peer.is_empty()),
            ("--cluster.peer-timeout", self.cluster_peer_timeout.is_some()),
            ("--cluster.gossip-interval", self.cluster_gossip_interval.is_some()),
            ("--cluster.pushpull-interval", self.cluster_pushpull_interval.is_some()),
            ("--cluster.tcp-timeout", self.cluster_tcp_timeout.is_some()),
            ("--cluster.probe-timeout", self.cluster_probe_timeout.is_some()),
            ("--cluster.probe-interval", self.cluster_probe_interval.is_some()),
            ("--cluster.settle-timeout", self.cluster_settle_timeout.is_some()),
            ("--cluster.reconnect-interval", self.cluster_reconnect_interval.is_some()),
            ("--cluster.reconnect-timeout", self.cluster_reconnect_timeout.is_some()),
            ("--cluster.tls-config", self.cluster_tls_config.is_some()),
            ("--cluster.label", self.cluster_label.is_some()),
            ("--cluster.allow-insecure-public-advertise-address-discovery", self.cluster_allow_insecure.is_some()),
        ];
        set.iter().filter(|(_, given)| *given).map(|(name, _)| *name).collect()
    }

    /// The other Alertmanager flags given that triage does not use, by name.
    fn unused_flags(&self) -> Vec<&'static str> {
        let set = [
            ("--data.maintenance-interval", self.data_maintenance_interval.is_some()),
            ("--alerts.gc-interval", self.alerts_gc_interval.is_some()),
            ("--web.get-concurrency", self.web_get_concurrency.is_some()),
            ("--web.timeout", self.web_timeout.is_some()),
            ("--web.ui-path", self.web_ui_path.is_some()),
            ("--web.systemd-socket", self.web_systemd_socket.is_some()),
        ];
        set.iter().filter(|(_, given)| *given).map(|(name, _)| *name).collect()
    }

    /// Checks what triage cannot honour (an error stops `serve`) and logs, once each, what it
    /// accepts and does not use. Call after logging is set up.
    pub fn apply(&self) -> Result<(), String> {
        if let Some(p) = self.route_prefix.as_deref().filter(|p| !p.is_empty() && *p != "/") {
            return Err(format!(
                "--web.route-prefix={p}: triage serves its API and UI at the root only; put a reverse proxy in front \
                 to serve it under {p}, or leave the flag out"
            ));
        }
        let cluster = self.cluster_flags();
        if !cluster.is_empty() {
            tracing::info!(
                flags = %cluster.join(" "),
                "Alertmanager cluster flags ignored: triage has no gossip cluster; replicas share state through a \
                 PostgreSQL store (serve --store postgres://...)"
            );
        }
        if let Some(r) = &self.data_retention {
            tracing::info!(
                retention = %r,
                "--data.retention accepted and not applied: triage keeps expired silences for 120h and its \
                 notification history in its store"
            );
        }
        let unused = self.unused_flags();
        if !unused.is_empty() {
            tracing::info!(flags = %unused.join(" "), "Alertmanager flags accepted and not used by triage");
        }
        Ok(())
    }
}

/// A listen address: `host:port`, or Alertmanager's `:port` (every address).
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let full = if s.starts_with(':') { format!("0.0.0.0{s}") } else { s.to_string() };
    if let Ok(a) = full.parse() {
        return Ok(a);
    }
    use std::net::ToSocketAddrs;
    full.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("{s:?} is not an address to listen on (host:port or :port)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_as_alertmanager_writes_them() {
        assert_eq!(parse_listen(":9093").unwrap().to_string(), "0.0.0.0:9093");
        assert_eq!(parse_listen("127.0.0.1:9193").unwrap().to_string(), "127.0.0.1:9193");
        assert_eq!(parse_listen("[::1]:9093").unwrap().to_string(), "[::1]:9093");
        assert!(parse_listen("9093").is_err());
    }

    #[test]
    fn only_the_root_route_prefix_is_served() {
        let mut f = AlertmanagerFlags { route_prefix: Some("/".into()), ..Default::default() };
        assert!(f.apply().is_ok());
        f.route_prefix = Some("/alertmanager".into());
        assert!(f.apply().unwrap_err().contains("--web.route-prefix=/alertmanager"));
    }
}
