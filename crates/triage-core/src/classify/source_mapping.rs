//! The reviewed mapping from the community alert-rule collection (groups and services of
//! monitoring exporters) onto triage's categories.
//!
//! Each rule row of the collection gets the category of its service from
//! [`SERVICE_CATEGORIES`]; then [`NAME_OVERRIDES`] may re-file it by whole words of its alert
//! name, first match wins (a host's "disk" alert is storage, not compute). The tables are the
//! review: change them, not the code.

use super::category::Category;
use super::dataset::{DatasetError, Example};
use super::rules::KeywordRule;

/// `(group, service, category)`: every service of the collection and its category.
pub const SERVICE_CATEGORIES: &[(&str, &str, Category)] = {
    use Category::*;
    &[
        ("Basic resource monitoring", "Blackbox", ServiceDown),
        ("Basic resource monitoring", "Docker containers", Compute),
        ("Basic resource monitoring", "Host and hardware", Compute),
        ("Basic resource monitoring", "IPMI", Compute),
        ("Basic resource monitoring", "Netdata", Compute),
        ("Basic resource monitoring", "Process Exporter", Compute),
        ("Basic resource monitoring", "Prometheus self-monitoring", Monitoring),
        ("Basic resource monitoring", "Proxmox VE", Compute),
        ("Basic resource monitoring", "S.M.A.R.T Device Monitoring", Storage),
        ("Basic resource monitoring", "Systemd", ServiceDown),
        ("Basic resource monitoring", "VMware", Compute),
        ("Basic resource monitoring", "Windows Server", Compute),
        ("Basic resource monitoring", "eBPF", Monitoring),
        ("CI/CD", "ArgoCD", Other),
        ("CI/CD", "FluxCD", Other),
        ("CI/CD", "GitLab CI", Other),
        ("CI/CD", "Jenkins", Other),
        ("CI/CD", "Spinnaker", Other),
        ("Cloud providers", "AWS CloudWatch", Compute),
        ("Cloud providers", "Azure", Compute),
        ("Cloud providers", "DigitalOcean", Compute),
        ("Cloud providers", "Google Cloud Stackdriver", Compute),
        ("Data engineering", "Apache Flink", WorkloadManagement),
        ("Data engineering", "Apache Spark", WorkloadManagement),
        ("Data engineering", "Hadoop", WorkloadManagement),
        ("Databases", "Cassandra", Database),
        ("Databases", "Clickhouse", Database),
        ("Databases", "CouchDB", Database),
        ("Databases", "Elasticsearch", Database),
        ("Databases", "Meilisearch", Database),
        ("Databases", "Memcached", Database),
        ("Databases", "MongoDB", Database),
        ("Databases", "MySQL", Database),
        ("Databases", "OpenSearch", Database),
        ("Databases", "Oracle Database", Database),
        ("Databases", "PGBouncer", Database),
        ("Databases", "Patroni", Database),
        ("Databases", "PostgreSQL", Database),
        ("Databases", "Redis", Database),
        ("Databases", "SQL Server", Database),
        ("Databases", "Solr", Database),
        ("Message brokers", "Kafka", Other),
        ("Message brokers", "Nats", Other),
        ("Message brokers", "Pulsar", Other),
        ("Message brokers", "RabbitMQ", Other),
        ("Message brokers", "Zookeeper", Other),
        ("Network and security", "Cilium", Network),
        ("Network and security", "Cloudflare", Network),
        ("Network and security", "CoreDNS", Network),
        ("Network and security", "Freeswitch", Other),
        ("Network and security", "Hashicorp Vault", Authentication),
        ("Network and security", "Juniper", Network),
        ("Network and security", "Keycloak", Authentication),
        ("Network and security", "SNMP", Network),
        ("Network and security", "SSL/TLS", Authentication),
        ("Network and security", "SpeedTest", Network),
        ("Network and security", "WireGuard", Network),
        ("Network and security", "cert-manager", Authentication),
        ("Observability", "Cortex", Monitoring),
        ("Observability", "Grafana Alloy", Monitoring),
        ("Observability", "Grafana Mimir", Monitoring),
        ("Observability", "Grafana Tempo", Monitoring),
        ("Observability", "Jaeger", Monitoring),
        ("Observability", "Loki", Monitoring),
        ("Observability", "OpenTelemetry Collector", Monitoring),
        ("Observability", "Promtail", Monitoring),
        ("Observability", "Thanos", Monitoring),
        ("Orchestrators", "Consul", ServiceDown),
        ("Orchestrators", "Etcd", Database),
        ("Orchestrators", "Kubernetes", Compute),
        ("Orchestrators", "Nomad", Compute),
        ("Orchestrators", "OpenStack", Compute),
        ("Other", "APC UPS", SiteAvailability),
        ("Other", "Graph Node", Other),
        ("Other", "LiteLLM", Other),
        ("Proxies, load balancers and service meshes", "Apache", Network),
        ("Proxies, load balancers and service meshes", "Caddy", Network),
        ("Proxies, load balancers and service meshes", "Envoy", Network),
        ("Proxies, load balancers and service meshes", "HaProxy", Network),
        ("Proxies, load balancers and service meshes", "Istio", Network),
        ("Proxies, load balancers and service meshes", "Nginx", Network),
        ("Proxies, load balancers and service meshes", "Traefik", Network),
        ("Runtimes", "Golang", Compute),
        ("Runtimes", "JVM", Compute),
        ("Runtimes", "PHP-FPM", Compute),
        ("Runtimes", "Python", Compute),
        ("Runtimes", "Ruby", Compute),
        ("Runtimes", "Sidekiq", WorkloadManagement),
        ("Storage", "Ceph", Storage),
        ("Storage", "Minio", Storage),
        ("Storage", "OpenEBS", Storage),
        ("Storage", "ZFS", Storage),
    ]
};

/// Services whose alerts are about a machine or a container rather than one product; only
/// their rules are re-filed by the disk, network and "down" overrides.
const HOST_LEVEL_SERVICES: &[&str] = &[
    "Host and hardware",
    "IPMI",
    "Netdata",
    "Windows Server",
    "Docker containers",
    "Process Exporter",
    "Proxmox VE",
    "VMware",
    "Kubernetes",
    "OpenStack",
    "Hadoop",
    "Blackbox",
];

/// `(name, host_level_only, phrases, category)`: re-filing by whole words or phrases of the
/// alert name, tried in order. `host_level_only` limits an override to the services of
/// `HOST_LEVEL_SERVICES`.
pub const NAME_OVERRIDES: &[(&str, bool, &[&str], Category)] = &[
    ("certificates", false, &["certificate", "ssl", "tls", "cert"], Category::Authentication),
    (
        "host storage",
        true,
        &["disk", "filesystem", "inodes", "volume", "raid", "drive", "sectors", "hdfs", "cinder", "persistentvolume"],
        Category::Storage,
    ),
    ("host network", true, &["network", "conntrack", "bond", "neutron", "ping", "ip pool", "ips"], Category::Network),
    ("host services", true, &["down", "absent", "probe failed", "not running", "unhealthy"], Category::ServiceDown),
    ("exporters", true, &["collector", "exporter", "scrape"], Category::Monitoring),
];

/// The category of a collection rule from its group, service and alert name; `None` for a
/// service not in [`SERVICE_CATEGORIES`].
pub fn category_of_rule(group: &str, service: &str, name: &str) -> Option<Category> {
    let base = SERVICE_CATEGORIES.iter().find(|(g, s, _)| *g == group && *s == service).map(|(_, _, c)| *c)?;
    let host_level = HOST_LEVEL_SERVICES.contains(&service);
    for (rule_name, host_only, phrases, category) in NAME_OVERRIDES {
        if *host_only && !host_level {
            continue;
        }
        if KeywordRule::new(rule_name, *category, phrases).is_ok_and(|rule| rule.matches(&[name])) {
            return Some(*category);
        }
    }
    Some(base)
}

/// Examples from the collection's CSV (columns `group`, `service`, `name`, `description`):
/// fields `[name, description]`, category from [`category_of_rule`]. Rows of unknown
/// services are skipped.
pub fn examples_from_rules_csv(bytes: &[u8]) -> Result<Vec<Example>, DatasetError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| DatasetError::Malformed { line: 1, message: e.to_string() })?.clone();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| DatasetError::UnknownColumn {
            column: name.to_string(),
            available: header.iter().collect::<Vec<_>>().join(","),
        })
    };
    let [group, service, name, description] = ["group", "service", "name", "description"].map(column);
    let (group, service, name, description) = (group?, service?, name?, description?);
    let mut examples = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| DatasetError::Malformed {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let get = |i: usize| row.get(i).unwrap_or_default();
        if let Some(category) = category_of_rule(get(group), get(service), get(name)) {
            examples.push(Example::new([get(name), get(description)], category));
        }
    }
    Ok(examples)
}
