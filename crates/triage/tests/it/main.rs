//! The shell's integration tests, one test binary (faster to link than one per file): the
//! real server in-process and as a binary, the real components of design.md §3 (Alertmanager,
//! amtool, Prometheus, VictoriaMetrics, vmalert, InfluxDB, nats-server, PostgreSQL, an SMTP
//! server, Chromium), on loopback ports. `support` holds what they share.

mod agent_sampler;
mod ait_replay;
mod alertmanager_cli;
mod anomaly_cli;
mod anomaly_source;
mod api_auth;
mod api_bad_input;
mod api_outage_sources;
mod api_reload;
mod chat_channels;
mod checkpoint_steps;
mod classification;
mod classify_cli;
mod cli;
mod client_cli;
mod client_top;
mod corpus_differential;
mod crash_recovery;
mod data_dir;
mod deploy_assets;
mod email_end_to_end;
mod email_smtp;
mod engine_failover;
mod engine_lease;
mod external_pollers;
mod ggus_cli;
mod ggus_fetch;
mod http_config;
mod incidents_api;
mod ingest_bus;
mod interop_amtool;
mod interop_differential;
mod interop_prometheus;
mod layering;
mod logwatch_follow;
mod metrics_exposition;
mod middleware_alertmanager;
mod middleware_end_to_end;
mod nats_cli;
mod node_monitoring;
mod notify_channels;
mod outage_sources;
mod outbox_recovery;
mod replay_cli;
mod special_kinds;
mod ssb_influx;
mod store_contract;
mod support;
mod web_ui;
