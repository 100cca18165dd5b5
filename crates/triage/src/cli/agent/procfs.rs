//! Parsers of the kernel's `/proc` text files the agent samples, and a [`ProcFs`] that reads them.
//!
//! Every parser is a pure function over the file's text, so it can be tested with fixed strings;
//! malformed text gives a [`ProcError::Malformed`] naming the file and what was wrong, never a
//! panic. Disk usage comes from `df -P -k` (POSIX output), parsed the same way.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The file or command could not be read or run.
    #[error("cannot read {what}: {source}")]
    Io {
        /// The file path or command line.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The text did not have the expected shape.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The file or command the text came from.
        what: String,
        /// What was wrong with it.
        reason: String,
    },
}

fn malformed(what: &str, reason: impl Into<String>) -> ProcError {
    ProcError::Malformed { what: what.to_owned(), reason: reason.into() }
}

/// Cumulative CPU time of all CPUs, in clock ticks, from the aggregate `cpu` line of `/proc/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTimes {
    /// Time in user mode.
    pub user: u64,
    /// Time in user mode at low priority.
    pub nice: u64,
    /// Time in kernel mode.
    pub system: u64,
    /// Idle time.
    pub idle: u64,
    /// Time waiting for I/O.
    pub iowait: u64,
    /// Time servicing interrupts.
    pub irq: u64,
    /// Time servicing soft interrupts.
    pub softirq: u64,
    /// Time stolen by the hypervisor.
    pub steal: u64,
}

impl CpuTimes {
    /// Time not spent idle or waiting for I/O.
    pub fn busy(&self) -> u64 {
        self.user + self.nice + self.system + self.irq + self.softirq + self.steal
    }

    /// All accounted time.
    pub fn total(&self) -> u64 {
        self.busy() + self.idle + self.iowait
    }
}

/// Parses the aggregate `cpu` line of `/proc/stat`. Older kernels without `steal` (or
/// `iowait`, `irq`, `softirq`) give zero for the missing columns; at least four are required.
pub fn parse_cpu_times(text: &str) -> Result<CpuTimes, ProcError> {
    const WHAT: &str = "/proc/stat";
    let line = text
        .lines()
        .find(|line| line.split_whitespace().next() == Some("cpu"))
        .ok_or_else(|| malformed(WHAT, "no aggregate `cpu` line"))?;
    let columns = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|field| field.parse::<u64>().map_err(|_| malformed(WHAT, format!("non-numeric cpu column `{field}`"))))
        .collect::<Result<Vec<u64>, ProcError>>()?;
    if columns.len() < 4 {
        return Err(malformed(WHAT, format!("cpu line has {} columns, expected at least 4", columns.len())));
    }
    let column = |index: usize| columns.get(index).copied().unwrap_or(0);
    Ok(CpuTimes {
        user: column(0),
        nice: column(1),
        system: column(2),
        idle: column(3),
        iowait: column(4),
        irq: column(5),
        softirq: column(6),
        steal: column(7),
    })
}

/// Memory and swap sizes from `/proc/meminfo`, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemInfo {
    /// `MemTotal`.
    pub mem_total_kib: u64,
    /// `MemAvailable`.
    pub mem_available_kib: u64,
    /// `SwapTotal`.
    pub swap_total_kib: u64,
    /// `SwapFree`.
    pub swap_free_kib: u64,
}

impl MemInfo {
    /// Share of memory not available to new work, 0..=100.
    pub fn mem_used_percent(&self) -> f64 {
        used_percent(self.mem_total_kib, self.mem_available_kib)
    }

    /// Share of swap in use, 0..=100; 0 when there is no swap.
    pub fn swap_used_percent(&self) -> f64 {
        used_percent(self.swap_total_kib, self.swap_free_kib)
    }
}

fn used_percent(total: u64, free: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let used = total.saturating_sub(free);
    used as f64 * 100.0 / total as f64
}

/// Parses `/proc/meminfo`; `MemTotal`, `MemAvailable`, `SwapTotal` and `SwapFree` are required.
pub fn parse_meminfo(text: &str) -> Result<MemInfo, ProcError> {
    Ok(MemInfo {
        mem_total_kib: meminfo_field(text, "MemTotal")?,
        mem_available_kib: meminfo_field(text, "MemAvailable")?,
        swap_total_kib: meminfo_field(text, "SwapTotal")?,
        swap_free_kib: meminfo_field(text, "SwapFree")?,
    })
}

fn meminfo_field(text: &str, key: &str) -> Result<u64, ProcError> {
    const WHAT: &str = "/proc/meminfo";
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .ok_or_else(|| malformed(WHAT, format!("no `{key}` line")))?;
    let number = value.split_whitespace().next().unwrap_or("");
    number.parse::<u64>().map_err(|_| malformed(WHAT, format!("`{key}` value `{}` is not a number", value.trim())))
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadAverage {
    /// Over the last minute.
    pub one: f64,
    /// Over the last 5 minutes.
    pub five: f64,
    /// Over the last 15 minutes.
    pub fifteen: f64,
}

/// Parses the first three fields of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Result<LoadAverage, ProcError> {
    const WHAT: &str = "/proc/loadavg";
    let mut fields = text.split_whitespace();
    let mut next_load = |name: &str| -> Result<f64, ProcError> {
        let field = fields.next().ok_or_else(|| malformed(WHAT, format!("missing {name} load")))?;
        match field.parse::<f64>() {
            Ok(load) if load.is_finite() && load >= 0.0 => Ok(load),
            _ => Err(malformed(WHAT, format!("{name} load `{field}` is not a non-negative number"))),
        }
    };
    Ok(LoadAverage { one: next_load("1 minute")?, five: next_load("5 minute")?, fifteen: next_load("15 minute")? })
}

/// Cumulative byte counters of one network interface from `/proc/net/dev`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetCounters {
    /// The interface name, e.g. `eth0`.
    pub iface: String,
    /// Bytes received since the interface came up.
    pub rx_bytes: u64,
    /// Bytes transmitted since the interface came up.
    pub tx_bytes: u64,
}

/// Parses `/proc/net/dev`: every `name: counters` line except the loopback `lo`. Receive bytes
/// are the first counter, transmit bytes the ninth.
pub fn parse_net_dev(text: &str) -> Result<Vec<NetCounters>, ProcError> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| !name.contains('|'))
        .map(|(name, counters)| (name.trim(), counters))
        .filter(|(name, _)| *name != "lo")
        .map(|(name, counters)| parse_net_dev_counters(name, counters))
        .collect()
}

fn parse_net_dev_counters(iface: &str, counters: &str) -> Result<NetCounters, ProcError> {
    const WHAT: &str = "/proc/net/dev";
    let fields: Vec<&str> = counters.split_whitespace().collect();
    if fields.len() < 16 {
        return Err(malformed(WHAT, format!("interface `{iface}` has {} counters, expected 16", fields.len())));
    }
    let counter = |index: usize| {
        fields[index]
            .parse::<u64>()
            .map_err(|_| malformed(WHAT, format!("interface `{iface}` counter `{}` is not a number", fields[index])))
    };
    Ok(NetCounters { iface: iface.to_owned(), rx_bytes: counter(0)?, tx_bytes: counter(8)? })
}

/// How full one mounted file system is.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskUsage {
    /// The mount point, as configured.
    pub mount: String,
    /// Share of the space usable by unprivileged users that is in use, 0..=100.
    pub used_percent: f64,
}

/// Parses the output of `df -P -k MOUNT`: a header line and one data line whose columns are
/// file system, 1024-blocks, used, available, capacity and mount point. The percentage is
/// used / (used + available), as `df` computes it, but unrounded.
pub fn parse_df_output(text: &str, mount: &str) -> Result<DiskUsage, ProcError> {
    let what = format!("df output for {mount}");
    let data_line = text.lines().skip(1).find(|line| !line.trim().is_empty());
    let data_line = data_line.ok_or_else(|| malformed(&what, "no data line"))?;
    // The file system name may contain spaces, so the numbers are taken from the right; the
    // mount point column is the last one.
    let fields: Vec<&str> = data_line.split_whitespace().collect();
    let mount_at = fields.len().checked_sub(mount.split_whitespace().count().max(1));
    let numbers = mount_at.and_then(|at| at.checked_sub(4).map(|start| &fields[start..at]));
    let numbers = numbers.ok_or_else(|| malformed(&what, format!("too few columns in `{data_line}`")))?;
    let number =
        |field: &str| field.parse::<u64>().map_err(|_| malformed(&what, format!("column `{field}` is not a number")));
    let used = number(numbers[1])?;
    let available = number(numbers[2])?;
    let usable = used + available;
    let used_percent = if usable == 0 { 0.0 } else { used as f64 * 100.0 / usable as f64 };
    Ok(DiskUsage { mount: mount.to_owned(), used_percent })
}

/// Truncates a process name the way the kernel stores it in `/proc/PID/comm` (15 bytes).
pub fn comm_name(name: &str) -> &str {
    const COMM_MAX: usize = 15;
    if name.len() <= COMM_MAX {
        return name;
    }
    let mut end = COMM_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Reads the files under a `/proc` root (normally `/proc`; tests may point it elsewhere).
#[derive(Debug, Clone)]
pub struct ProcFs {
    root: PathBuf,
}

impl Default for ProcFs {
    fn default() -> Self {
        Self::new("/proc")
    }
}

impl ProcFs {
    /// Reads under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory read.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn read(&self, relative: &str) -> Result<String, ProcError> {
        let path = self.root.join(relative);
        fs::read_to_string(&path).map_err(|source| ProcError::Io { what: path.display().to_string(), source })
    }

    /// The aggregate CPU times of `stat`.
    pub fn cpu_times(&self) -> Result<CpuTimes, ProcError> {
        parse_cpu_times(&self.read("stat")?)
    }

    /// Memory and swap of `meminfo`.
    pub fn meminfo(&self) -> Result<MemInfo, ProcError> {
        parse_meminfo(&self.read("meminfo")?)
    }

    /// The load averages of `loadavg`.
    pub fn loadavg(&self) -> Result<LoadAverage, ProcError> {
        parse_loadavg(&self.read("loadavg")?)
    }

    /// Counters of every interface but `lo` in `net/dev`.
    pub fn net_counters(&self) -> Result<Vec<NetCounters>, ProcError> {
        parse_net_dev(&self.read("net/dev")?)
    }

    /// The names (`comm`) of all running processes. Processes that exit during the scan are
    /// skipped.
    pub fn process_names(&self) -> Result<Vec<String>, ProcError> {
        let entries = fs::read_dir(&self.root)
            .map_err(|source| ProcError::Io { what: self.root.display().to_string(), source })?;
        let names = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_str().is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit())))
            .filter_map(|entry| fs::read_to_string(entry.path().join("comm")).ok())
            .map(|comm| comm.trim_end_matches('\n').to_owned())
            .collect();
        Ok(names)
    }
}

/// Disk usage of the file system mounted at `mount`, by running `df -P -k`.
pub fn read_disk_usage(mount: &str) -> Result<DiskUsage, ProcError> {
    let what = format!("df -P -k -- {mount}");
    let output = Command::new("df")
        .args(["-P", "-k", "--", mount])
        .output()
        .map_err(|source| ProcError::Io { what: what.clone(), source })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(malformed(&what, format!("{}: {}", output.status, stderr.trim())));
    }
    parse_df_output(&String::from_utf8_lossy(&output.stdout), mount)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  4705 356 584 3699 23 0 12 7 0 0\n\
                        cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n\
                        intr 114930548 113199788 3 0 5\n";

    #[test]
    fn cpu_line_is_parsed() {
        let times = parse_cpu_times(STAT).unwrap();
        let expected =
            CpuTimes { user: 4705, nice: 356, system: 584, idle: 3699, iowait: 23, irq: 0, softirq: 12, steal: 7 };
        assert_eq!(times, expected);
        assert_eq!(times.busy(), 4705 + 356 + 584 + 12 + 7);
        assert_eq!(times.total(), times.busy() + 3699 + 23);
    }

    #[test]
    fn short_cpu_line_of_old_kernels_defaults_missing_columns() {
        let times = parse_cpu_times("cpu 1 2 3 4\n").unwrap();
        assert_eq!(times, CpuTimes { user: 1, nice: 2, system: 3, idle: 4, ..CpuTimes::default() });
    }

    #[test]
    fn malformed_stat_is_an_error() {
        for text in ["", "cpu0 1 2 3 4\n", "cpu 1 2 x 4\n", "cpu 1 2\n", "cpu -1 2 3 4\n"] {
            let error = parse_cpu_times(text).unwrap_err();
            assert!(matches!(error, ProcError::Malformed { .. }), "{text:?} gave {error}");
        }
    }

    const MEMINFO: &str = "MemTotal:       16303428 kB\n\
                           MemFree:         1234567 kB\n\
                           MemAvailable:    8151714 kB\n\
                           SwapCached:            0 kB\n\
                           SwapTotal:       2097148 kB\n\
                           SwapFree:        1572861 kB\n";

    #[test]
    fn meminfo_is_parsed() {
        let info = parse_meminfo(MEMINFO).unwrap();
        assert_eq!(
            info,
            MemInfo {
                mem_total_kib: 16303428,
                mem_available_kib: 8151714,
                swap_total_kib: 2097148,
                swap_free_kib: 1572861
            }
        );
        assert!((info.mem_used_percent() - 50.0).abs() < 0.01);
        assert!((info.swap_used_percent() - 25.0).abs() < 0.01);
    }

    #[test]
    fn no_swap_is_zero_percent() {
        let info = MemInfo { mem_total_kib: 10, mem_available_kib: 5, swap_total_kib: 0, swap_free_kib: 0 };
        assert_eq!(info.swap_used_percent(), 0.0);
    }

    #[test]
    fn malformed_meminfo_is_an_error() {
        let missing = MEMINFO.replace("MemAvailable", "MemAvail");
        let garbled = MEMINFO.replace("2097148", "lots");
        let empty_value = MEMINFO.replace("1572861 kB", "");
        for text in ["", missing.as_str(), garbled.as_str(), empty_value.as_str()] {
            let error = parse_meminfo(text).unwrap_err();
            assert!(matches!(error, ProcError::Malformed { .. }), "{text:?} gave {error}");
        }
    }

    #[test]
    fn loadavg_is_parsed() {
        let load = parse_loadavg("0.52 1.05 2.50 3/812 12345\n").unwrap();
        assert_eq!(load, LoadAverage { one: 0.52, five: 1.05, fifteen: 2.5 });
    }

    #[test]
    fn malformed_loadavg_is_an_error() {
        for text in ["", "0.5 1.0\n", "0.5 x 1.0 1/2 3\n", "NaN 1 1 1/2 3\n", "-1 1 1 1/2 3\n"] {
            let error = parse_loadavg(text).unwrap_err();
            assert!(matches!(error, ProcError::Malformed { .. }), "{text:?} gave {error}");
        }
    }

    const NET_DEV: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 2776770   11307    0    0    0     0          0         0  2776770   11307    0    0    0     0       0          0
  eth0: 1215645    2751    0    0    0     0          0         0   192048    1683    0    0    0     0       0          0
wlan0:12 1 0 0 0 0 0 0 34 1 0 0 0 0 0 0
";

    #[test]
    fn net_dev_is_parsed_without_loopback() {
        let counters = parse_net_dev(NET_DEV).unwrap();
        assert_eq!(
            counters,
            vec![
                NetCounters { iface: "eth0".into(), rx_bytes: 1215645, tx_bytes: 192048 },
                NetCounters { iface: "wlan0".into(), rx_bytes: 12, tx_bytes: 34 },
            ]
        );
    }

    #[test]
    fn malformed_net_dev_is_an_error() {
        for text in ["eth0: 1 2 3\n", "eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n"] {
            let error = parse_net_dev(text).unwrap_err();
            assert!(matches!(error, ProcError::Malformed { .. }), "{text:?} gave {error}");
        }
        assert_eq!(parse_net_dev("").unwrap(), vec![]);
    }

    #[test]
    fn df_output_is_parsed() {
        let text = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                    /dev/sda1        100000000 30000000  10000000      75% /\n";
        let usage = parse_df_output(text, "/").unwrap();
        assert_eq!(usage.mount, "/");
        assert!((usage.used_percent - 75.0).abs() < 1e-9);
    }

    #[test]
    fn df_output_with_spaces_in_names_is_parsed() {
        let text = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                    my share 200 50 150 25% /mnt/my disk\n";
        let usage = parse_df_output(text, "/mnt/my disk").unwrap();
        assert!((usage.used_percent - 25.0).abs() < 1e-9);
    }

    #[test]
    fn malformed_df_output_is_an_error() {
        let header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n";
        for text in
            ["".to_owned(), header.to_owned(), format!("{header}/dev/sda1 1 x 3 4% /\n"), format!("{header}/ 1\n")]
        {
            let error = parse_df_output(&text, "/").unwrap_err();
            assert!(matches!(error, ProcError::Malformed { .. }), "{text:?} gave {error}");
        }
    }

    #[test]
    fn empty_file_system_is_zero_percent() {
        let text = "Filesystem 1024-blocks Used Available Capacity Mounted on\nproc 0 0 0 - /proc\n";
        assert_eq!(parse_df_output(text, "/proc").unwrap().used_percent, 0.0);
    }

    #[test]
    fn comm_names_are_truncated_to_fifteen_bytes() {
        assert_eq!(comm_name("sshd"), "sshd");
        assert_eq!(comm_name("a-very-long-process-name"), "a-very-long-pro");
        assert_eq!(comm_name("ééééééééé"), "ééééééé");
    }

    #[test]
    fn a_fake_proc_root_is_read() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("loadavg"), "1.00 2.00 3.00 1/1 1\n").unwrap();
        fs::create_dir(root.path().join("42")).unwrap();
        fs::write(root.path().join("42/comm"), "sshd\n").unwrap();
        fs::create_dir(root.path().join("self")).unwrap();
        let proc_fs = ProcFs::new(root.path());
        assert_eq!(proc_fs.loadavg().unwrap().fifteen, 3.0);
        assert_eq!(proc_fs.process_names().unwrap(), vec!["sshd".to_owned()]);
        assert!(matches!(proc_fs.meminfo(), Err(ProcError::Io { .. })));
    }
}
