//! What produces alerts or outage signals besides the HTTP API: outage sources (GGUS,
//! GOCDB, SSB, ServiceNow), node monitoring from shipped logs, anomaly detection on queried
//! series, and the silence mirror to an upstream Alertmanager. Each feeds `ingest` or the
//! engine's commands; none is called back by them.

pub mod anomaly;
pub mod logwatch;
pub mod mirror;
pub mod outages;
