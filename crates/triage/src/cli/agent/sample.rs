//! Turns successive `/proc` readings into [`Sample`]s: CPU and network rates come from the
//! difference to the previous reading, over the time between two injected timestamps (the
//! sampler never reads the clock).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use serde::Serialize;

use super::procfs::{self, CpuTimes, NetCounters, ProcError, ProcFs};

/// A service whose state is reported with each sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceCheck {
    /// A systemd unit, checked with `systemctl is-active`; unknown when systemd does not run.
    Systemd(String),
    /// A process name, up while some process has that `comm` (truncated to 15 bytes, as the
    /// kernel stores it).
    Process(String),
}

impl ServiceCheck {
    /// The name reported in samples.
    pub fn name(&self) -> &str {
        match self {
            Self::Systemd(name) | Self::Process(name) => name,
        }
    }
}

/// What a [`Sampler`] reads.
#[derive(Debug, Clone, Default)]
pub struct SamplerConfig {
    /// The host name put in every sample.
    pub host: String,
    /// Mount points whose disk usage is reported.
    pub mounts: Vec<String>,
    /// Services whose state is reported.
    pub services: Vec<ServiceCheck>,
}

/// Disk usage of one mount point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskReading {
    /// The mount point.
    pub mount: String,
    /// Share of usable space in use, 0..=100.
    pub used_percent: f64,
}

/// Traffic rates of one network interface since the previous sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetReading {
    /// The interface name.
    pub iface: String,
    /// Bytes received per second.
    pub rx_bytes_per_s: f64,
    /// Bytes transmitted per second.
    pub tx_bytes_per_s: f64,
}

/// The state of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceReading {
    /// The service name as configured.
    pub name: String,
    /// Whether it runs; `None` when it could not be told (`systemctl` failed) or it is missing.
    pub up: Option<bool>,
    /// A systemd unit found missing at start (no such unit, or no systemd on this node).
    pub missing: bool,
}

/// One reading of the node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// When the sample was taken (as given to [`Sampler::sample`]).
    pub at: Timestamp,
    /// The node's host name.
    pub host: String,
    /// CPU busy share since the previous sample (since boot for the first), 0..=100.
    pub cpu_percent: f64,
    /// Load average over 1 minute.
    pub load1: f64,
    /// Load average over 5 minutes.
    pub load5: f64,
    /// Load average over 15 minutes.
    pub load15: f64,
    /// Share of memory not available, 0..=100.
    pub mem_used_percent: f64,
    /// Share of swap in use, 0..=100.
    pub swap_used_percent: f64,
    /// Disk usage of the configured mount points.
    pub disks: Vec<DiskReading>,
    /// Network rates of interfaces seen in the previous sample too; empty in the first sample.
    pub net: Vec<NetReading>,
    /// States of the configured services.
    pub services: Vec<ServiceReading>,
}

/// Why a sample could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// A `/proc` file or `df` could not be read or parsed.
    #[error(transparent)]
    Proc(#[from] ProcError),
}

/// Counters kept from one sample to the next.
#[derive(Debug, Clone)]
struct PreviousCounters {
    at: Timestamp,
    cpu: CpuTimes,
    net: HashMap<String, NetCounters>,
}

/// Samples the node, remembering the counters of the previous sample.
#[derive(Debug)]
pub struct Sampler {
    config: SamplerConfig,
    proc_fs: ProcFs,
    previous: Option<PreviousCounters>,
    /// Systemd units found missing by [`Sampler::find_missing_units`].
    missing_units: Vec<String>,
}

impl Sampler {
    /// A sampler reading the real `/proc`.
    pub fn new(config: SamplerConfig) -> Self {
        Self::with_proc_fs(config, ProcFs::default())
    }

    /// A sampler reading under another `/proc` root.
    pub fn with_proc_fs(config: SamplerConfig, proc_fs: ProcFs) -> Self {
        Self { config, proc_fs, previous: None, missing_units: Vec::new() }
    }

    /// Checks once which configured systemd units cannot be checked because they do not
    /// exist (or systemd does not run here), remembers them, and returns each with why: their
    /// samples then say `missing` instead of an unknown state every time.
    pub fn find_missing_units(&mut self) -> Vec<(String, &'static str)> {
        let systemd_runs = systemd_is_running();
        let found: Vec<(String, &'static str)> = self
            .config
            .services
            .iter()
            .filter_map(|check| match check {
                ServiceCheck::Systemd(unit) if !systemd_runs => {
                    Some((unit.clone(), "systemd does not run on this node"))
                }
                ServiceCheck::Systemd(unit) if systemd_unit_not_found(unit) => Some((unit.clone(), "no such unit")),
                _ => None,
            })
            .collect();
        self.missing_units = found.iter().map(|(unit, _)| unit.clone()).collect();
        found
    }

    /// Takes a sample at `at`. Rates are computed over the time since the previous sample's `at`.
    pub fn sample(&mut self, at: Timestamp) -> Result<Sample, SampleError> {
        let cpu = self.proc_fs.cpu_times()?;
        let net_counters = self.proc_fs.net_counters()?;
        let load = self.proc_fs.loadavg()?;
        let mem = self.proc_fs.meminfo()?;
        let disks = self.read_disks()?;
        let services = self.read_services()?;

        let (cpu_percent, net) = match &self.previous {
            Some(previous) => {
                let seconds = seconds_between(previous.at, at);
                (cpu_percent_between(&previous.cpu, &cpu), net_rates(&previous.net, &net_counters, seconds))
            }
            None => (cpu_percent_between(&CpuTimes::default(), &cpu), Vec::new()),
        };
        let net_by_iface = net_counters.into_iter().map(|counters| (counters.iface.clone(), counters)).collect();
        self.previous = Some(PreviousCounters { at, cpu, net: net_by_iface });

        Ok(Sample {
            at,
            host: self.config.host.clone(),
            cpu_percent,
            load1: load.one,
            load5: load.five,
            load15: load.fifteen,
            mem_used_percent: mem.mem_used_percent(),
            swap_used_percent: mem.swap_used_percent(),
            disks,
            net,
            services,
        })
    }

    fn read_disks(&self) -> Result<Vec<DiskReading>, ProcError> {
        self.config
            .mounts
            .iter()
            .map(|mount| {
                let usage = procfs::read_disk_usage(mount)?;
                Ok(DiskReading { mount: usage.mount, used_percent: usage.used_percent })
            })
            .collect()
    }

    fn read_services(&self) -> Result<Vec<ServiceReading>, ProcError> {
        let wants_processes = self.config.services.iter().any(|check| matches!(check, ServiceCheck::Process(_)));
        let process_names = if wants_processes { self.proc_fs.process_names()? } else { Vec::new() };
        let systemd_runs = systemd_is_running();
        let readings = self
            .config
            .services
            .iter()
            .map(|check| {
                let missing = matches!(check, ServiceCheck::Systemd(unit) if self.missing_units.contains(unit));
                let up = match check {
                    ServiceCheck::Process(name) => Some(process_is_running(&process_names, name)),
                    ServiceCheck::Systemd(_) if missing => None,
                    ServiceCheck::Systemd(unit) if systemd_runs => systemd_unit_is_active(unit),
                    ServiceCheck::Systemd(_) => None,
                };
                ServiceReading { name: check.name().to_owned(), up, missing }
            })
            .collect();
        Ok(readings)
    }
}

/// Seconds from `earlier` to `later`; zero or negative when the clock did not advance.
fn seconds_between(earlier: Timestamp, later: Timestamp) -> f64 {
    later.duration_since(earlier).as_secs_f64()
}

/// CPU busy share between two readings, 0..=100. A counter that went backwards (a reset) or no
/// elapsed ticks give 0.
pub fn cpu_percent_between(previous: &CpuTimes, current: &CpuTimes) -> f64 {
    let total = current.total().saturating_sub(previous.total());
    let busy = current.busy().saturating_sub(previous.busy());
    if total == 0 {
        return 0.0;
    }
    (busy as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
}

/// How much a cumulative counter grew. When it went backwards, the interface was reset (or a
/// 32-bit counter wrapped) and the counter restarted from zero, so its current value is the
/// growth; never negative.
pub fn counter_growth(previous: u64, current: u64) -> u64 {
    if current >= previous { current - previous } else { current }
}

/// Per-second growth of a counter over `seconds`; zero when no time passed.
pub fn rate_per_second(previous: u64, current: u64, seconds: f64) -> f64 {
    if seconds <= 0.0 || !seconds.is_finite() {
        return 0.0;
    }
    counter_growth(previous, current) as f64 / seconds
}

fn net_rates(previous: &HashMap<String, NetCounters>, current: &[NetCounters], seconds: f64) -> Vec<NetReading> {
    current
        .iter()
        .filter_map(|now| {
            let before = previous.get(&now.iface)?;
            Some(NetReading {
                iface: now.iface.clone(),
                rx_bytes_per_s: rate_per_second(before.rx_bytes, now.rx_bytes, seconds),
                tx_bytes_per_s: rate_per_second(before.tx_bytes, now.tx_bytes, seconds),
            })
        })
        .collect()
}

/// Whether some process in `process_names` (kernel `comm` values) is `name`.
pub fn process_is_running(process_names: &[String], name: &str) -> bool {
    let wanted = procfs::comm_name(name);
    !wanted.is_empty() && process_names.iter().any(|running| running == wanted)
}

/// Whether systemd manages this node, the same test systemd's own tools make.
fn systemd_is_running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// Whether systemd knows no unit of this name (`LoadState=not-found`); false when that cannot
/// be told.
fn systemd_unit_not_found(unit: &str) -> bool {
    Command::new("systemctl")
        .args(["show", "--property=LoadState", "--value", "--", unit])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "not-found")
}

/// `systemctl is-active UNIT`: up when it prints `active`, down for any other state, unknown
/// when `systemctl` cannot be run.
fn systemd_unit_is_active(unit: &str) -> Option<bool> {
    let output = Command::new("systemctl").args(["is-active", "--", unit]).output().ok()?;
    let state = String::from_utf8_lossy(&output.stdout);
    match state.trim() {
        "" => None,
        state => Some(state == "active"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(busy: u64, idle: u64) -> CpuTimes {
        CpuTimes { user: busy, idle, ..CpuTimes::default() }
    }

    #[test]
    fn cpu_percent_is_the_busy_share_of_elapsed_ticks() {
        assert_eq!(cpu_percent_between(&cpu(100, 100), &cpu(130, 170)), 30.0);
        assert_eq!(cpu_percent_between(&cpu(100, 100), &cpu(100, 100)), 0.0);
    }

    #[test]
    fn cpu_counters_going_backwards_give_no_negative_share() {
        let percent = cpu_percent_between(&cpu(500, 500), &cpu(10, 900));
        assert!((0.0..=100.0).contains(&percent), "{percent}");
    }

    #[test]
    fn counter_reset_is_counted_from_zero() {
        assert_eq!(counter_growth(100, 150), 50);
        assert_eq!(counter_growth(u64::from(u32::MAX) - 10, 20), 20);
        assert_eq!(rate_per_second(1000, 3000, 2.0), 1000.0);
        assert_eq!(rate_per_second(1000, 3000, 0.0), 0.0);
        assert_eq!(rate_per_second(1000, 3000, -1.0), 0.0);
    }

    #[test]
    fn net_rates_cover_interfaces_seen_before() {
        let previous =
            HashMap::from([("eth0".to_owned(), NetCounters { iface: "eth0".into(), rx_bytes: 100, tx_bytes: 50 })]);
        let current = [
            NetCounters { iface: "eth0".into(), rx_bytes: 1100, tx_bytes: 10 },
            NetCounters { iface: "eth1".into(), rx_bytes: 5, tx_bytes: 5 },
        ];
        let rates = net_rates(&previous, &current, 10.0);
        assert_eq!(rates, vec![NetReading { iface: "eth0".into(), rx_bytes_per_s: 100.0, tx_bytes_per_s: 1.0 }]);
    }

    #[test]
    fn process_names_match_truncated_comm() {
        let running = vec!["sshd".to_owned(), "a-very-long-pro".to_owned()];
        assert!(process_is_running(&running, "sshd"));
        assert!(process_is_running(&running, "a-very-long-process-name"));
        assert!(!process_is_running(&running, "ssh"));
        assert!(!process_is_running(&running, ""));
    }

    fn fake_proc(stat: &str, net_dev: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("stat"), stat).unwrap();
        std::fs::write(root.path().join("loadavg"), "0.50 0.25 0.10 1/100 42\n").unwrap();
        std::fs::write(
            root.path().join("meminfo"),
            "MemTotal: 1000 kB\nMemAvailable: 250 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
        )
        .unwrap();
        std::fs::create_dir(root.path().join("net")).unwrap();
        std::fs::write(root.path().join("net/dev"), net_dev).unwrap();
        root
    }

    fn net_dev_line(rx: u64, tx: u64) -> String {
        format!("eth0: {rx} 0 0 0 0 0 0 0 {tx} 0 0 0 0 0 0 0\n")
    }

    #[test]
    fn successive_samples_give_rates_over_the_injected_time() {
        let root = fake_proc("cpu 10 0 0 30\n", &net_dev_line(0, 0));
        let config = SamplerConfig {
            host: "node1".into(),
            services: vec![ServiceCheck::Process("sshd".into())],
            ..SamplerConfig::default()
        };
        let mut sampler = Sampler::with_proc_fs(config, ProcFs::new(root.path()));
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();

        let first = sampler.sample(start).unwrap();
        assert_eq!(first.host, "node1");
        assert_eq!(first.cpu_percent, 25.0);
        assert!(first.net.is_empty());
        assert_eq!(first.mem_used_percent, 75.0);
        assert_eq!(first.swap_used_percent, 0.0);
        assert_eq!((first.load1, first.load5, first.load15), (0.5, 0.25, 0.1));
        assert_eq!(first.services, vec![ServiceReading { name: "sshd".into(), up: Some(false), missing: false }]);

        std::fs::write(root.path().join("stat"), "cpu 40 0 0 100\n").unwrap();
        std::fs::write(root.path().join("net/dev"), net_dev_line(5000, 500)).unwrap();
        let second = sampler.sample(start + jiff::SignedDuration::from_secs(5)).unwrap();
        assert_eq!(second.cpu_percent, 30.0);
        assert_eq!(
            second.net,
            vec![NetReading { iface: "eth0".into(), rx_bytes_per_s: 1000.0, tx_bytes_per_s: 100.0 }]
        );
    }

    #[test]
    fn a_malformed_proc_file_fails_the_sample() {
        let root = fake_proc("cpu x\n", "");
        let mut sampler = Sampler::with_proc_fs(SamplerConfig::default(), ProcFs::new(root.path()));
        assert!(sampler.sample(Timestamp::UNIX_EPOCH).is_err());
    }
}
