//! Whether an alert lies in an outage's scope.
//!
//! An outage names sites, hosts and services; an alert carries them in labels named by the
//! configured [`LabelMapping`]. The rule: every dimension that both the outage names and the
//! alert carries must agree, and at least one must. So a downtime of `ce1.example.org` covers
//! `NodeDown{instance="ce1.example.org:9100"}` and a site-wide alert of that site, but not an
//! alert of another host of the same site; an alert that carries none of the outage's
//! dimensions is never covered.
//!
//! Sites are compared after aliasing (source name to the name alerts use) without regard to
//! case; hosts without case, a short name matching its fully qualified form; services without
//! case.

use std::collections::HashMap;

use crate::config::outages::{LabelMapping, OutagesConfig};
use crate::labels::LabelSet;

use super::record::Outage;

/// The compiled mapping and aliases.
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    mapping: LabelMapping,
    /// Lowercased source name to lowercased alert name.
    aliases: HashMap<String, String>,
}

/// Where an alert is, as far as outages are concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// The site, lowercased.
    pub site: Option<String>,
    /// The host, lowercased, without port or scheme.
    pub host: Option<String>,
    /// The service, lowercased.
    pub service: Option<String>,
}

impl Correlation {
    /// Built from the `outages` section.
    pub fn new(config: &OutagesConfig) -> Correlation {
        Correlation {
            mapping: config.mapping.clone(),
            aliases: config.site_aliases.iter().map(|(k, v)| (k.to_lowercase(), v.to_lowercase())).collect(),
        }
    }

    /// A site name as alerts write it, lowercased.
    pub fn canonical_site(&self, name: &str) -> String {
        let lower = name.trim().to_lowercase();
        self.aliases.get(&lower).cloned().unwrap_or(lower)
    }

    /// The site, host and service an alert carries.
    pub fn place(&self, labels: &LabelSet) -> Place {
        let first = |names: &[String]| names.iter().find_map(|n| labels.get(n).filter(|v| !v.trim().is_empty()));
        Place {
            site: first(&self.mapping.site_labels).map(|s| self.canonical_site(s)),
            host: first(&self.mapping.host_labels).map(host_of).filter(|h| !h.is_empty()),
            service: first(&self.mapping.service_labels).map(|s| s.trim().to_lowercase()),
        }
    }

    /// Whether the alert at `place` is in `outage`'s scope (ignoring time).
    pub fn covers(&self, outage: &Outage, place: &Place) -> bool {
        let scope = &outage.scope;
        let mut agreed = 0;
        if let (false, Some(site)) = (scope.sites.is_empty(), &place.site) {
            if !scope.sites.iter().any(|s| self.canonical_site(s) == *site) {
                return false;
            }
            agreed += 1;
        }
        if let (false, Some(host)) = (scope.hosts.is_empty(), &place.host) {
            if !scope.hosts.iter().any(|h| same_host(&host_of(h), host)) {
                return false;
            }
            agreed += 1;
        }
        if let (false, Some(service)) = (scope.services.is_empty(), &place.service) {
            if !scope.services.iter().any(|s| s.trim().eq_ignore_ascii_case(service)) {
                return false;
            }
            agreed += 1;
        }
        agreed > 0
    }
}

/// The host part of an `instance`-like value, lowercased: `https://h:8443/x` → `h`,
/// `h:9100` → `h`, `[::1]:9100` → `::1`.
pub fn host_of(value: &str) -> String {
    let v = value.trim();
    let v = v.split_once("://").map_or(v, |(_, rest)| rest);
    let v = v.split(['/', '?', '#']).next().unwrap_or("");
    let v = v.rsplit_once('@').map_or(v, |(_, h)| h);
    let host = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else if v.matches(':').count() == 1 {
        v.split(':').next().unwrap_or("")
    } else {
        v
    };
    host.trim_end_matches('.').to_lowercase()
}

/// Equal, or one is the other's first label (a short name and its fully qualified form).
fn same_host(a: &str, b: &str) -> bool {
    a == b
        || a.strip_prefix(b).is_some_and(|r| r.starts_with('.'))
        || b.strip_prefix(a).is_some_and(|r| r.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outage::record::{OutageKind, OutageScope};

    fn outage(sites: &[&str], hosts: &[&str], services: &[&str]) -> Outage {
        Outage {
            id: "t:1".into(),
            source: "t".into(),
            kind: OutageKind::Scheduled,
            title: "t".into(),
            url: None,
            starts_at: jiff::Timestamp::UNIX_EPOCH,
            ends_at: None,
            scope: OutageScope {
                sites: sites.iter().map(|s| s.to_string()).collect(),
                hosts: hosts.iter().map(|s| s.to_string()).collect(),
                services: services.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    fn correlation() -> Correlation {
        let mut c = OutagesConfig::default();
        c.site_aliases.insert("CSCS-LCG2".into(), "T2_CH_CSCS".into());
        Correlation::new(&c)
    }

    #[test]
    fn host_part_of_instance_values() {
        assert_eq!(host_of("ce1.Example.org:9100"), "ce1.example.org");
        assert_eq!(host_of("https://se.example.org:8443/srm?x=1"), "se.example.org");
        assert_eq!(host_of("[2001:db8::1]:9100"), "2001:db8::1");
        assert_eq!(host_of("2001:db8::1"), "2001:db8::1");
        assert_eq!(host_of("user@host.example.org:22"), "host.example.org");
        assert_eq!(host_of("node7"), "node7");
    }

    #[test]
    fn dimensions_both_sides_name_must_agree() {
        let c = correlation();
        let o = outage(&["CSCS-LCG2"], &["se.cscs.ch"], &["SRM"]);
        let place = |pairs: &[(&str, &str)]| c.place(&LabelSet::from_pairs(pairs.iter().copied()));
        assert!(c.covers(&o, &place(&[("instance", "se.cscs.ch:8443")])));
        assert!(c.covers(&o, &place(&[("instance", "se:8443"), ("site", "t2_ch_cscs")])));
        assert!(c.covers(&o, &place(&[("site", "T2_CH_CSCS"), ("alertname", "SiteDown")])));
        assert!(!c.covers(&o, &place(&[("site", "T2_CH_CSCS"), ("instance", "ce.cscs.ch:9100")])));
        assert!(!c.covers(&o, &place(&[("instance", "se.cscs.ch:8443"), ("service", "squid")])));
        assert!(!c.covers(&o, &place(&[("site", "T1_DE_KIT")])));
        assert!(!c.covers(&o, &place(&[("alertname", "Watchdog")])), "nothing in common covers nothing");
        assert!(!c.covers(&outage(&[], &[], &[]), &place(&[("site", "T2_CH_CSCS")])));
    }

    #[test]
    fn short_and_qualified_host_names_match_but_prefixes_do_not() {
        assert!(same_host("ce1", "ce1.example.org"));
        assert!(same_host("ce1.example.org", "ce1"));
        assert!(!same_host("ce1", "ce10.example.org"));
        assert!(!same_host("ce", "ce1"));
    }
}
