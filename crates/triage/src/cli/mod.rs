//! The command line: `triage serve`, `triage check-config`, `triage template render`,
//! `triage agent`, `triage poll`, `triage ggus`, `triage anomaly`,
//! `triage maintenance`, `triage nats`, `triage replay`, `triage train`, `triage eval`, `triage --version`.

pub mod agent;
pub mod alertmanager_flags;
pub mod anomaly;
pub mod classify;
pub mod client;
pub mod ggus;
pub mod maintenance;
pub mod nats;
pub mod poll;
pub mod progress;
pub mod replay;
pub mod template;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::app::{ServeOptions, serve};
use crate::config::build::check_config_file;
use crate::store::sqlite::Durability;
use crate::store::url::{SecretUrl, StoreUrl};

/// The default listen address: not Alertmanager's 9093/9094, so both can run side by side.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9193";

/// triage: an Alertmanager-compatible alert manager that tells the right team what happened
/// and what to do, once.
#[derive(Debug, Parser)]
#[command(name = "triage", version, about, long_about = None)]
pub struct Cli {
    /// Log level filter (also read from RUST_LOG), e.g. `info` or `triage=debug`.
    #[arg(long, alias = "log.level", global = true, default_value = "info", env = "TRIAGE_LOG")]
    pub log_level: String,
    /// Log format.
    #[arg(long, alias = "log.format", global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (Alertmanager's `logfmt` is read as this).
    #[value(alias = "logfmt")]
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    #[command(
        after_help = "Examples:\n  triage serve\n  triage serve --config alertmanager.yml --listen 0.0.0.0:9193 --data-dir /var/lib/triage"
    )]
    Serve {
        /// An alertmanager.yml; without it an embedded default configuration is used.
        #[arg(long, alias = "config.file", env = "TRIAGE_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, alias = "web.listen-address", default_value = DEFAULT_LISTEN, env = "TRIAGE_LISTEN",
              value_parser = alertmanager_flags::parse_listen)]
        listen: SocketAddr,
        /// Directory of the embedded store.
        #[arg(long, alias = "storage.path", default_value = "triage-data", env = "TRIAGE_DATA_DIR")]
        data_dir: PathBuf,
        /// Use a PostgreSQL database instead of the embedded store:
        /// `postgres://user[:password]@host:port/database`. Never printed with its password.
        #[arg(long, value_name = "URL", env = "TRIAGE_STORE", hide_env_values = true)]
        store: Option<SecretUrl>,
        /// A file holding the store's password (replacing the URL's); the environment
        /// variable TRIAGE_STORE_PASSWORD does the same.
        #[arg(long, value_name = "FILE", requires = "store")]
        store_password_file: Option<PathBuf>,
        /// URL under which triage is reached, shown in notifications.
        #[arg(long, alias = "web.external-url", env = "TRIAGE_EXTERNAL_URL")]
        external_url: Option<String>,
        /// Largest request body accepted; larger ones get 413.
        #[arg(long, default_value_t = 32 * 1024 * 1024)]
        max_body_bytes: usize,
        /// `full`: every commit is fsynced (survives power loss); `normal`: survives a
        /// process crash. Embedded store only: PostgreSQL follows its own `synchronous_commit`.
        #[arg(long, value_enum, default_value = "full")]
        durability: Durability,
        /// Timeout of one notification request, in seconds.
        #[arg(long, default_value_t = 10)]
        notify_timeout_secs: u64,
        /// Web configuration file in Alertmanager's format (`tls_server_config`,
        /// `basic_auth_users`) plus triage's `bearer_tokens` (read/write scopes) and
        /// `rate_limit`.
        #[arg(long = "web.config.file", value_name = "FILE", env = "TRIAGE_WEB_CONFIG")]
        web_config_file: Option<PathBuf>,
        /// Run as one of several processes: posted alerts go through this NATS JetStream
        /// server (`nats://host:4222`); answered 2xx once JetStream has them.
        #[arg(long, value_name = "URL", env = "TRIAGE_INGEST_NATS")]
        ingest_nats: Option<String>,
        /// With --ingest-nats: `api` only accepts alerts, `engine` also consumes them into its
        /// engine, `all` (default) does both.
        #[arg(long, value_enum, default_value = "all")]
        role: crate::ingest::bus::Role,
        /// With a PostgreSQL store: the URL the other processes forward requests to while this
        /// one runs the engine (default: the listening address, or the host name when
        /// listening on every address).
        #[arg(long, value_name = "URL", env = "TRIAGE_ADVERTISE_URL")]
        advertise_url: Option<String>,
        /// With a PostgreSQL store: seconds the engine lease lasts without renewal; a standby
        /// process takes over this long after the engine process died.
        #[arg(long, value_name = "SECONDS", default_value_t = 5)]
        engine_lease_secs: u64,
        /// Start no outage source pollers: each source is fed by a `triage poll` process
        /// through the API. Restored outages stay; unconfigured sources are still dropped.
        #[arg(long)]
        external_pollers: bool,
        /// Alertmanager's other flags.
        #[command(flatten)]
        alertmanager: Box<alertmanager_flags::AlertmanagerFlags>,
    },
    /// Validate alertmanager.yml files; prints every problem and exits 1 if there is one.
    #[command(
        after_help = "Examples:\n  triage check-config alertmanager.yml\n  triage check-config alertmanager.yml other.yml"
    )]
    CheckConfig {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Notification templates.
    #[command(
        after_help = "Examples:\n  triage template render --config alertmanager.yml --receiver cms-ops\n  triage template render --config alertmanager.yml --alerts alerts.json --template mail.html"
    )]
    Template {
        #[command(subcommand)]
        action: TemplateAction,
    },
    /// Samples this node (CPU, memory, swap, load, disks, network, services) every interval,
    /// appending JSON lines to a file for a log shipper and/or pushing them to triage.
    #[command(
        after_help = "Examples:\n  triage agent --output /var/log/triage/node.jsonl --unit sshd.service --mount /data\n  triage agent --push http://master:9193 --token-file /etc/triage/agent.token --interval 30s"
    )]
    Agent {
        /// Append samples to this file (one JSON object per line).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Push samples to the triage server at this URL (`http://master:9193`).
        #[arg(long, env = "TRIAGE_AGENT_PUSH")]
        push: Option<String>,
        /// File holding the bearer token for pushes (`logwatch.push` on the server).
        #[arg(long, env = "TRIAGE_AGENT_TOKEN_FILE")]
        token_file: Option<PathBuf>,
        /// Time between samples, e.g. 10s.
        #[arg(long, default_value = "10s")]
        interval: String,
        /// Host name in the samples; the kernel's host name when absent.
        #[arg(long)]
        host: Option<String>,
        /// Mount points whose disk usage is sampled (repeatable).
        #[arg(long = "mount", default_values_t = vec!["/".to_string()])]
        mounts: Vec<String>,
        /// systemd units whose state is sampled (repeatable).
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Process names whose presence is sampled (repeatable).
        #[arg(long = "process")]
        processes: Vec<String>,
        /// fsync the file after each sample.
        #[arg(long)]
        sync: bool,
        /// Where the kernel's proc file system is mounted (a container sampling its host
        /// mounts the host's /proc elsewhere).
        #[arg(long, default_value = "/proc")]
        proc_root: PathBuf,
        /// Stop after this many samples.
        #[arg(long)]
        count: Option<u64>,
    },
    /// Polls one outage source of the configuration and feeds its outages and ticket alerts
    /// to a triage server over HTTP (for `triage serve --external-pollers`).
    #[command(
        after_help = "Examples:\n  triage poll --config alertmanager.yml --source ggus --triage http://triage:9193\n  triage poll --config alertmanager.yml --source gocdb --triage http://triage:9193 --once"
    )]
    Poll(poll::PollArgs),
    /// GGUS tickets: parse an export, inject ticket states into VictoriaMetrics.
    #[command(
        after_help = "Examples:\n  triage ggus parse --vo cms export.xml\n  triage ggus inject --vm http://127.0.0.1:8428 export.csv"
    )]
    Ggus {
        #[command(subcommand)]
        action: ggus::GgusAction,
    },
    /// Anomaly detection: score a CSV series, score a NAB corpus.
    #[command(after_help = "Examples:\n  triage anomaly score --csv series.csv\n  triage anomaly bench --nab ./NAB")]
    Anomaly {
        #[command(subcommand)]
        action: anomaly::AnomalyAction,
    },
    /// Maintenance windows on a running triage: add, list, end.
    #[command(
        after_help = "Examples:\n  triage maintenance add --matcher 'site=\"T2_CH_CSCS\"' --reason \"dCache upgrade\" --duration 4h\n  triage maintenance list -o json"
    )]
    Maintenance {
        #[command(subcommand)]
        action: maintenance::MaintenanceAction,
    },
    /// A small NATS client: publish to and subscribe from subjects (and JetStream).
    #[command(
        after_help = "Examples:\n  triage nats pub triage.alerts '[{\"labels\":{\"alertname\":\"Test\"}}]'\n  triage nats sub 'triage.>' --server nats://127.0.0.1:4222"
    )]
    Nats {
        #[command(subcommand)]
        action: nats::NatsAction,
    },
    /// Client commands against a running triage, query tools, the terminal dashboard.
    #[command(flatten)]
    Client(client::ClientCommand),
    /// Runs an alert history through the pipeline on a fake clock and prints what would
    /// have been notified.
    #[command(
        after_help = "Examples:\n  triage replay --input alerts.jsonl\n  triage replay --config alertmanager.yml --input history.csv --json"
    )]
    Replay {
        /// alertmanager.yml (with a `replay` section for CSV input); the embedded default
        /// configuration when absent, as for `serve`.
        #[arg(long, env = "TRIAGE_CONFIG")]
        config: Option<PathBuf>,
        /// Alertmanager alert JSON: one alert per line, or a JSON array (what
        /// `GET /api/v2/alerts` answers); or a CSV.
        #[arg(long)]
        input: PathBuf,
        /// Print one JSON object with every notification.
        #[arg(long)]
        json: bool,
    },
    /// Trains a classification model from labelled alert history.
    #[command(
        after_help = "Examples:\n  triage train --input alerts.csv --text-columns alertname,summary --label-column category --output model.json"
    )]
    Train(classify::TrainArgs),
    /// Evaluates models.
    #[command(
        after_help = "Examples:\n  triage eval classify --input labelled.csv --text-columns alertname,summary --label-column category"
    )]
    Eval {
        #[command(subcommand)]
        action: classify::EvalAction,
    },
}

/// `triage template ...`.
#[derive(Debug, Subcommand)]
pub enum TemplateAction {
    /// Renders a receiver's notifications (every field of every integration) with given or
    /// sample alerts, or one template file with `--template`.
    Render {
        /// alertmanager.yml; the embedded default when absent.
        #[arg(long, env = "TRIAGE_CONFIG")]
        config: Option<PathBuf>,
        /// A JSON array of alerts as posted to /api/v2/alerts; sample alerts when absent.
        #[arg(long)]
        alerts: Option<PathBuf>,
        /// The receiver; the root route's when absent.
        #[arg(long)]
        receiver: Option<String>,
        /// Render this template file instead (a name ending in .html is HTML-escaped).
        #[arg(long)]
        template: Option<PathBuf>,
    },
}

/// Whether log lines may carry ANSI colours: only on a terminal, and never with `NO_COLOR`
/// set to anything non-empty (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn init_logging(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour_on_stderr());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::CheckConfig { files } => {
            let mut ok = true;
            for f in &files {
                // The OS's reason for an unreadable file (missing, a directory, no permission).
                if let Err(e) = std::fs::File::open(f).and_then(|file| {
                    if file.metadata()?.is_dir() { Err(std::io::Error::other("is a directory")) } else { Ok(()) }
                }) {
                    ok = false;
                    println!("Checking '{}'  FAILED:\n  cannot read {}: {e}", f.display(), f.display());
                    continue;
                }
                match check_config_file(f) {
                    Ok(summary) => println!("Checking '{}'  SUCCESS\n{summary}", f.display()),
                    Err(problems) => {
                        ok = false;
                        println!("Checking '{}'  FAILED:", f.display());
                        for p in problems {
                            println!("  {p}");
                        }
                    }
                }
            }
            if ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Command::Template { action: TemplateAction::Render { config, alerts, receiver, template } } => {
            let req = template::RenderRequest {
                config: config.as_deref(),
                alerts: alerts.as_deref(),
                receiver: receiver.as_deref(),
                template: template.as_deref(),
                now: None,
            };
            match template::render(&req) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("triage: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Poll(args) => {
            init_logging(&cli.log_level, cli.log_format);
            poll::run(args)
        }
        Command::Ggus { action } => ggus::run(action),
        Command::Anomaly { action } => anomaly::run(action),
        Command::Maintenance { action } => maintenance::run(action),
        Command::Nats { action } => nats::run(action),
        Command::Client(cmd) => client::run(cmd),
        Command::Replay { config, input, json } => {
            let loaded = match &config {
                None => Ok(triage_core::config::Config::default_config()),
                Some(config) => match std::fs::read_to_string(config) {
                    Ok(text) => {
                        triage_core::config::Config::from_yaml(&text).map_err(|e| format!("{}: {e}", config.display()))
                    }
                    Err(e) => Err(format!("cannot read {}: {e}", config.display())),
                },
            };
            let progress = progress::bar(0, "replaying", "alerts");
            let replayed = loaded.and_then(|c| replay::replay_with_progress(&c, &input, &progress));
            progress.finish_and_clear();
            match replayed {
                Ok(report) if json => {
                    println!("{}", serde_json::to_string(&report).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Ok(report) => {
                    print!("{}", replay::summary(&report));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("triage: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Train(args) => classify::train(args),
        Command::Eval { action } => classify::eval(action),
        Command::Agent {
            output,
            push,
            token_file,
            interval,
            host,
            mounts,
            units,
            processes,
            sync,
            proc_root,
            count,
        } => {
            init_logging(&cli.log_level, cli.log_format);
            let interval = match triage_core::config::parse_duration(&interval).map(Duration::try_from) {
                Ok(Ok(d)) => d,
                _ => {
                    eprintln!("triage: invalid --interval {interval:?} (a duration such as 10s)");
                    return ExitCode::from(2);
                }
            };
            use crate::cli::agent::ServiceCheck;
            let services = units
                .into_iter()
                .map(ServiceCheck::Systemd)
                .chain(processes.into_iter().map(ServiceCheck::Process))
                .collect();
            let options = agent::run::AgentOptions {
                sampler: agent::SamplerConfig {
                    host: host.unwrap_or_else(agent::run::local_host_name),
                    mounts,
                    services,
                },
                proc_root,
                interval,
                output,
                sync,
                push_url: push,
                token: token_file.map(crate::net::secret::SecretSource::File),
                count,
            };
            match agent::run::run(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("triage: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve {
            config,
            listen,
            data_dir,
            store,
            store_password_file,
            external_url,
            max_body_bytes,
            durability,
            notify_timeout_secs,
            web_config_file,
            ingest_nats,
            role,
            advertise_url,
            engine_lease_secs,
            external_pollers,
            alertmanager,
        } => {
            init_logging(&cli.log_level, cli.log_format);
            if let Err(e) = alertmanager.apply() {
                eprintln!("triage: {e}");
                return ExitCode::from(2);
            }
            let web = match web_config_file.as_deref().map(crate::config::web::WebConfig::load).transpose() {
                Ok(web) => web.unwrap_or_default(),
                Err(e) => {
                    eprintln!("triage: {e}");
                    return ExitCode::from(2);
                }
            };
            let store = match store.map(|raw| store_url(&raw, store_password_file.as_deref())).transpose() {
                Ok(store) => store,
                Err(e) => {
                    eprintln!("triage: {e}");
                    return ExitCode::from(2);
                }
            };
            let opts = ServeOptions {
                config,
                listen,
                data_dir,
                store,
                external_url,
                max_body_bytes,
                durability,
                notify_timeout: Duration::from_secs(notify_timeout_secs.max(1)),
                web,
                ingest_nats,
                role,
                advertise_url,
                engine_lease: Duration::from_secs(engine_lease_secs.max(1)),
                external_pollers,
            };
            let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("triage: cannot start the runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            match rt.block_on(serve(opts)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("triage: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The store URL of `triage serve`, with the password from `password_file` or from
/// TRIAGE_STORE_PASSWORD when one is given.
fn store_url(raw: &SecretUrl, password_file: Option<&std::path::Path>) -> Result<StoreUrl, String> {
    let password = match password_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the store password file {}: {e}", path.display()))?
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        ),
        None => std::env::var("TRIAGE_STORE_PASSWORD").ok().filter(|p| !p.is_empty()),
    };
    StoreUrl::parse(&raw.0, password.as_deref()).map_err(|e| e.to_string())
}
