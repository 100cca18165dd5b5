//! Per-host series of stats, bounded in hosts, stats per host, samples per series and age, so
//! a flood of hosts or stat names cannot exhaust memory.

use std::collections::{HashMap, VecDeque};

/// The bounds of a [`NodeSeries`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesLimits {
    /// Most hosts kept; samples of further hosts are refused.
    pub max_hosts: usize,
    /// Most stats kept per host; further stats of that host are refused.
    pub max_stats_per_host: usize,
    /// Most samples per host and stat; the oldest go first.
    pub max_points: usize,
    /// Samples older than this (milliseconds before `now`) are dropped by [`NodeSeries::prune`].
    pub retention_ms: i64,
}

impl Default for SeriesLimits {
    fn default() -> Self {
        SeriesLimits { max_hosts: 10_000, max_stats_per_host: 256, max_points: 4096, retention_ms: 3_600_000 }
    }
}

/// What [`NodeSeries::record`] could not keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refused {
    /// The whole sample, because the host limit is reached.
    pub host: bool,
    /// Stats refused because the host's stat limit is reached.
    pub stats: usize,
}

/// One host's series.
#[derive(Debug, Default)]
struct HostSeries {
    stats: HashMap<String, VecDeque<(i64, f64)>>,
    /// Time of the newest sample, milliseconds.
    last_seen_ms: i64,
}

/// Series of stats per host: (unix milliseconds, value), in time order.
#[derive(Debug, Default)]
pub struct NodeSeries {
    hosts: HashMap<String, HostSeries>,
    limits: SeriesLimits,
}

impl NodeSeries {
    /// An empty store with `limits`.
    pub fn new(limits: SeriesLimits) -> Self {
        NodeSeries { hosts: HashMap::new(), limits }
    }

    /// The bounds.
    pub fn limits(&self) -> SeriesLimits {
        self.limits
    }

    /// Changes the bounds (a reload); the next [`NodeSeries::prune`] applies smaller ones.
    pub fn set_limits(&mut self, limits: SeriesLimits) {
        self.limits = limits;
    }

    /// Adds the stats of one sample of `host` taken at `at_ms`. A sample older than the
    /// newest of a series is put in its place, so series stay in time order.
    pub fn record<'a>(&mut self, host: &str, at_ms: i64, stats: impl IntoIterator<Item = (&'a str, f64)>) -> Refused {
        let limits = self.limits;
        let mut refused = Refused::default();
        if !self.hosts.contains_key(host) {
            if self.hosts.len() >= limits.max_hosts {
                refused.host = true;
                return refused;
            }
            self.hosts.insert(host.to_string(), HostSeries::default());
        }
        let Some(series) = self.hosts.get_mut(host) else { return refused };
        series.last_seen_ms = series.last_seen_ms.max(at_ms);
        for (stat, value) in stats {
            if !series.stats.contains_key(stat) {
                if series.stats.len() >= limits.max_stats_per_host {
                    refused.stats += 1;
                    continue;
                }
                series.stats.insert(stat.to_string(), VecDeque::new());
            }
            let Some(points) = series.stats.get_mut(stat) else { continue };
            insert_in_order(points, at_ms, value);
            while points.len() > limits.max_points {
                points.pop_front();
            }
        }
        refused
    }

    /// Drops samples older than the retention, and hosts left without samples.
    pub fn prune(&mut self, now_ms: i64) {
        let oldest = now_ms.saturating_sub(self.limits.retention_ms);
        let max_points = self.limits.max_points;
        self.hosts.retain(|_, series| {
            series.stats.retain(|_, points| {
                while points.front().is_some_and(|&(t, _)| t < oldest) || points.len() > max_points {
                    points.pop_front();
                }
                !points.is_empty()
            });
            !series.stats.is_empty()
        });
    }

    /// The hosts, in no particular order.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.hosts.keys().map(String::as_str)
    }

    /// Number of hosts.
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// Number of samples kept, all hosts and stats.
    pub fn point_count(&self) -> usize {
        self.hosts.values().flat_map(|h| h.stats.values()).map(VecDeque::len).sum()
    }

    /// The stat names of `host`, in no particular order.
    pub fn stats_of(&self, host: &str) -> impl Iterator<Item = &str> {
        self.hosts.get(host).into_iter().flat_map(|h| h.stats.keys().map(String::as_str))
    }

    /// When `host` last sent a sample, unix milliseconds.
    pub fn last_seen_ms(&self, host: &str) -> Option<i64> {
        self.hosts.get(host).map(|h| h.last_seen_ms)
    }

    /// The newest sample of `host`'s `stat`.
    pub fn latest(&self, host: &str, stat: &str) -> Option<(i64, f64)> {
        self.hosts.get(host).and_then(|h| h.stats.get(stat)).and_then(|p| p.back().copied())
    }

    /// The samples of `host`'s `stat` with `from_ms < t <= to_ms`, oldest first.
    pub fn window(&self, host: &str, stat: &str, from_ms: i64, to_ms: i64) -> impl Iterator<Item = (i64, f64)> + '_ {
        let points = self.hosts.get(host).and_then(|h| h.stats.get(stat));
        points.into_iter().flat_map(move |points| {
            let start = points.partition_point(|&(t, _)| t <= from_ms);
            points.range(start..).take_while(move |&&(t, _)| t <= to_ms).copied()
        })
    }
}

fn insert_in_order(points: &mut VecDeque<(i64, f64)>, at_ms: i64, value: f64) {
    match points.back() {
        Some(&(last, _)) if last > at_ms => {
            let index = points.partition_point(|&(t, _)| t <= at_ms);
            points.insert(index, (at_ms, value));
        }
        _ => points.push_back((at_ms, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_hosts: usize, max_stats: usize, max_points: usize) -> SeriesLimits {
        SeriesLimits { max_hosts, max_stats_per_host: max_stats, max_points, retention_ms: 60_000 }
    }

    #[test]
    fn samples_are_kept_in_time_order_and_windowed() {
        let mut s = NodeSeries::new(limits(10, 10, 100));
        s.record("a", 3000, [("cpu", 3.0)]);
        s.record("a", 1000, [("cpu", 1.0)]);
        s.record("a", 2000, [("cpu", 2.0), ("mem", 5.0)]);
        let all: Vec<_> = s.window("a", "cpu", i64::MIN, i64::MAX).collect();
        assert_eq!(all, vec![(1000, 1.0), (2000, 2.0), (3000, 3.0)]);
        let part: Vec<_> = s.window("a", "cpu", 1000, 2000).collect();
        assert_eq!(part, vec![(2000, 2.0)]);
        assert_eq!(s.window("b", "cpu", 0, 10_000).count(), 0);
        assert_eq!(s.last_seen_ms("a"), Some(3000));
        assert_eq!(s.point_count(), 4);
    }

    #[test]
    fn hosts_stats_and_points_are_bounded() {
        let mut s = NodeSeries::new(limits(2, 2, 3));
        assert!(!s.record("a", 1, [("x", 1.0)]).host);
        assert!(!s.record("b", 1, [("x", 1.0)]).host);
        assert!(s.record("c", 1, [("x", 1.0)]).host);
        assert_eq!(s.host_count(), 2);
        let refused = s.record("a", 2, [("y", 1.0), ("z", 1.0), ("x", 2.0)]);
        assert_eq!(refused.stats, 1);
        for t in 3..10 {
            s.record("a", t, [("x", t as f64)]);
        }
        let xs: Vec<_> = s.window("a", "x", i64::MIN, i64::MAX).map(|(t, _)| t).collect();
        assert_eq!(xs, vec![7, 8, 9]);
    }

    #[test]
    fn prune_drops_old_samples_and_empty_hosts() {
        let mut s = NodeSeries::new(limits(10, 10, 100));
        s.record("old", 1_000, [("cpu", 1.0)]);
        s.record("new", 100_000, [("cpu", 1.0)]);
        s.prune(100_000);
        assert_eq!(s.host_count(), 1);
        assert_eq!(s.hosts().collect::<Vec<_>>(), vec!["new"]);
    }
}
