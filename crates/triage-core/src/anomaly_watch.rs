//! A watched series: its streaming detector, and whether it is anomalous now.
//!
//! A series becomes anomalous at the first point scoring at or above the threshold, and
//! recovers once its values have stayed inside the detector's expected band for the recovery
//! time (measured in the series' own timestamps, so replays and gaps behave the same). While
//! anomalous, the detector keeps learning, so a lasting change of level becomes the new normal
//! and recovers too. The whole state serialises, so a restart resumes where it stopped.

use serde::{Deserialize, Serialize};

use crate::anomaly::{Detector, DetectorState, PointScore, PointStatus};

/// What a point changed.
#[derive(Clone, Debug, PartialEq)]
pub enum WatchEvent {
    /// The series became anomalous at this point.
    Anomalous(Observation),
    /// The series is back to normal since `at_ms`.
    Recovered {
        /// When the recovery was complete (unix ms).
        at_ms: i64,
    },
}

/// A scored point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Unix ms.
    pub at_ms: i64,
    /// The value.
    pub value: f64,
    /// Its anomaly score in [0, 1].
    pub score: f64,
    /// The expected band's lower edge.
    pub lower: f64,
    /// The expected band's upper edge.
    pub upper: f64,
}

/// The saved form of a [`SeriesWatch`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchState {
    /// The detector.
    pub detector: DetectorState,
    /// The point that made it anomalous, while it is.
    pub anomalous: Option<Observation>,
    /// The highest score since it became anomalous.
    pub peak: Option<Observation>,
    /// Since when its values are back inside the band, while anomalous.
    pub inside_since_ms: Option<i64>,
    /// The last point scored.
    pub last: Option<Observation>,
}

/// One series under watch.
#[derive(Clone, Debug)]
pub struct SeriesWatch {
    detector: Detector,
    anomalous: Option<Observation>,
    peak: Option<Observation>,
    inside_since_ms: Option<i64>,
    last: Option<Observation>,
}

impl SeriesWatch {
    /// A fresh watch.
    pub fn new(detector: Detector) -> SeriesWatch {
        SeriesWatch { detector, anomalous: None, peak: None, inside_since_ms: None, last: None }
    }

    /// A watch restored from its saved state.
    pub fn restore(state: WatchState) -> SeriesWatch {
        SeriesWatch {
            detector: Detector::from_state(state.detector),
            anomalous: state.anomalous,
            peak: state.peak,
            inside_since_ms: state.inside_since_ms,
            last: state.last,
        }
    }

    /// The state to save.
    pub fn state(&self) -> WatchState {
        WatchState {
            detector: self.detector.state(),
            anomalous: self.anomalous,
            peak: self.peak,
            inside_since_ms: self.inside_since_ms,
            last: self.last,
        }
    }

    /// The point that made it anomalous, while it is.
    pub fn anomalous(&self) -> Option<&Observation> {
        self.anomalous.as_ref()
    }

    /// The highest-scoring point since it became anomalous.
    pub fn peak(&self) -> Option<&Observation> {
        self.peak.as_ref()
    }

    /// The last point scored.
    pub fn last(&self) -> Option<&Observation> {
        self.last.as_ref()
    }

    /// The timestamp of the last point the detector took (later points only are fed).
    pub fn last_timestamp_ms(&self) -> Option<i64> {
        self.last.map(|o| o.at_ms)
    }

    /// Feeds one point. Points not after the last one, and non-finite values, change nothing.
    pub fn feed(
        &mut self,
        at_ms: i64,
        value: f64,
        threshold: f64,
        recovery_ms: i64,
    ) -> (Option<Observation>, Option<WatchEvent>) {
        if self.last.is_some_and(|l| at_ms <= l.at_ms) {
            return (None, None);
        }
        let PointScore { score, lower, upper, status } = self.detector.update(at_ms, value);
        if matches!(status, PointStatus::IgnoredNonFinite | PointStatus::IgnoredNotAfterLast) {
            return (None, None);
        }
        let obs = Observation { at_ms, value, score, lower, upper };
        self.last = Some(obs);
        let event = match self.anomalous {
            None if score >= threshold => {
                self.anomalous = Some(obs);
                self.peak = Some(obs);
                self.inside_since_ms = None;
                Some(WatchEvent::Anomalous(obs))
            }
            None => None,
            Some(_) => {
                if self.peak.is_none_or(|p| score > p.score) {
                    self.peak = Some(obs);
                }
                let inside = value >= lower && value <= upper && score < threshold;
                if !inside {
                    self.inside_since_ms = None;
                    None
                } else {
                    let since = *self.inside_since_ms.get_or_insert(at_ms);
                    if at_ms - since >= recovery_ms {
                        self.anomalous = None;
                        self.peak = None;
                        self.inside_since_ms = None;
                        Some(WatchEvent::Recovered { at_ms })
                    } else {
                        None
                    }
                }
            }
        };
        (Some(obs), event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic noisy level: 100 ± 2.
    fn normal(i: i64) -> f64 {
        100.0 + 2.0 * ((i as f64 * 0.7).sin() + (i as f64 * 1.3).cos()) / 2.0
    }

    fn run(watch: &mut SeriesWatch, from: i64, to: i64, value: impl Fn(i64) -> f64) -> Vec<WatchEvent> {
        (from..to).filter_map(|i| watch.feed(i * 60_000, value(i), 0.99, 10 * 60_000).1).collect()
    }

    #[test]
    fn a_spike_is_anomalous_and_recovers_after_the_recovery_time_inside_the_band() {
        let mut w = SeriesWatch::new(Detector::default());
        assert!(run(&mut w, 0, 500, normal).is_empty(), "a clean series raises nothing");
        let events = run(&mut w, 500, 505, |_| 400.0);
        assert!(
            matches!(events.as_slice(), [WatchEvent::Anomalous(o)] if o.value == 400.0 && o.score >= 0.99),
            "{events:?}"
        );
        assert!(w.anomalous().is_some());
        let events = run(&mut w, 505, 600, normal);
        let [WatchEvent::Recovered { at_ms }] = events.as_slice() else { panic!("{events:?}") };
        assert!(*at_ms >= 515 * 60_000, "not before ten minutes back inside the band: {at_ms}");
        assert!(w.anomalous().is_none());
    }

    #[test]
    fn a_saved_watch_resumes_exactly() {
        let mut a = SeriesWatch::new(Detector::default());
        run(&mut a, 0, 500, normal);
        run(&mut a, 500, 502, |_| 400.0);
        let json = serde_json::to_string(&a.state()).unwrap();
        let mut b = SeriesWatch::restore(serde_json::from_str(&json).unwrap());
        let ea = run(&mut a, 502, 600, normal);
        let eb = run(&mut b, 502, 600, normal);
        assert_eq!(ea, eb);
        assert_eq!(a.state(), b.state());
    }

    #[test]
    fn old_duplicate_and_non_finite_points_change_nothing() {
        let mut w = SeriesWatch::new(Detector::default());
        run(&mut w, 0, 100, normal);
        let before = w.state();
        assert_eq!(w.feed(50 * 60_000, 1e9, 0.99, 0), (None, None));
        assert_eq!(w.feed(99 * 60_000, 1e9, 0.99, 0), (None, None));
        assert_eq!(w.feed(100 * 60_000, f64::NAN, 0.99, 0), (None, None));
        assert_eq!(w.state(), before);
    }
}
