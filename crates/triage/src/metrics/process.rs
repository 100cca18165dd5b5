//! The standard `process_*` metrics, read from `/proc/self` at each scrape (Linux only; on
//! another system, or when a file cannot be read, the metrics it would give are left out).

/// Clock ticks per second of `/proc/*/stat` (USER_HZ, 100 on every Linux ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// The process metrics in the Prometheus text format (`openmetrics`: in OpenMetrics, where a
/// counter is declared without its `_total`).
pub fn exposition(openmetrics: bool) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let declared = if openmetrics && kind == "counter" { name.trim_end_matches("_total") } else { name };
        out.push_str(&format!("# HELP {declared} {help}\n# TYPE {declared} {kind}\n{name} {value}\n"));
    };
    if let Some(stat) = read_stat() {
        metric(
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            stat.cpu_ticks / TICKS_PER_SECOND,
        );
        if let Some(boot) = boot_time() {
            metric(
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since unix epoch in seconds.",
                boot + stat.start_ticks / TICKS_PER_SECOND,
            );
        }
        metric("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", stat.vsize);
    }
    if let Some(rss) = status_kib("VmRSS:") {
        metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss * 1024.0);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metric("process_open_fds", "gauge", "Number of open file descriptors.", fds.count() as f64);
    }
    if let Some(max) = max_fds() {
        metric("process_max_fds", "gauge", "Maximum number of open file descriptors.", max);
    }
    out
}

struct Stat {
    cpu_ticks: f64,
    start_ticks: f64,
    vsize: f64,
}

/// utime, stime, starttime and vsize from `/proc/self/stat` (fields 14, 15, 22, 23; the
/// command name in parentheses may hold spaces, so fields are counted after its `)`).
fn read_stat() -> Option<Stat> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3 (state).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    Some(Stat { cpu_ticks: field(14)? + field(15)?, start_ticks: field(22)?, vsize: field(23)? })
}

/// The boot time (`btime` of `/proc/stat`), in seconds since the epoch.
fn boot_time() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    text.lines().find_map(|l| l.strip_prefix("btime ")).and_then(|v| v.trim().parse().ok())
}

/// A `kB` line of `/proc/self/status`.
fn status_kib(key: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix(key))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The soft limit of open files, from `/proc/self/limits`.
fn max_fds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("Max open files"))?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        let text = super::exposition(false);
        for name in [
            "process_cpu_seconds_total ",
            "process_start_time_seconds ",
            "process_resident_memory_bytes ",
            "process_open_fds ",
            "process_max_fds ",
        ] {
            assert!(text.contains(&format!("\n{name}")), "{name} missing:\n{text}");
        }
        let start: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_start_time_seconds "))
            .and_then(|v| v.parse().ok())
            .unwrap();
        let now = jiff::Timestamp::now().as_second() as f64;
        assert!(start > now - 3600.0 && start <= now + 1.0, "start {start}, now {now}");
        assert!(super::exposition(true).contains("# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total "));
    }
}
