//! NAB's JSON inputs: cost profiles (`config/profiles.json`), anomaly windows
//! (`labels/combined_windows.json`) and published thresholds (`config/thresholds.json`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::anomaly::timestamp::{TimestampError, parse_timestamp_ms};

/// The weights of one application profile.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct CostMatrix {
    /// Reward for a detected window (at its very start).
    #[serde(rename = "tpWeight")]
    pub tp_weight: f64,
    /// Cost of one false detection far from any window.
    #[serde(rename = "fpWeight")]
    pub fp_weight: f64,
    /// Cost of one missed window.
    #[serde(rename = "fnWeight")]
    pub fn_weight: f64,
    /// Reward of a true negative (unused by NAB's score, kept for completeness).
    #[serde(rename = "tnWeight", default)]
    pub tn_weight: f64,
}

/// A named profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `standard`, `reward_low_FP_rate`, `reward_low_FN_rate`, ...
    pub name: String,
    /// Its weights.
    pub costs: CostMatrix,
}

/// One labelled anomaly window, inclusive at both ends, in unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First timestamp inside the window.
    pub start_ms: i64,
    /// Last timestamp inside the window.
    pub end_ms: i64,
}

/// Why a NAB JSON file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NabConfigError {
    /// Not the expected JSON shape.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A window limit is not a timestamp.
    #[error("window of {file}: {source}")]
    WindowTimestamp {
        /// The data file the window belongs to.
        file: String,
        /// The timestamp problem.
        source: TimestampError,
    },
    /// A window ends before it starts.
    #[error("window of {file} ends before it starts")]
    WindowOrder {
        /// The data file the window belongs to.
        file: String,
    },
}

#[derive(Deserialize)]
struct ProfileJson {
    #[serde(rename = "CostMatrix")]
    cost_matrix: CostMatrix,
}

/// Parses `config/profiles.json`. Profiles come back in NAB's usual order (`standard`,
/// `reward_low_FP_rate`, `reward_low_FN_rate`), any others after them by name.
pub fn parse_profiles(json: &str) -> Result<Vec<Profile>, NabConfigError> {
    let raw: BTreeMap<String, ProfileJson> = serde_json::from_str(json)?;
    let rank = |name: &str| match name {
        "standard" => 0,
        "reward_low_FP_rate" => 1,
        "reward_low_FN_rate" => 2,
        _ => 3,
    };
    let mut profiles: Vec<Profile> = raw.into_iter().map(|(name, p)| Profile { name, costs: p.cost_matrix }).collect();
    profiles.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then_with(|| a.name.cmp(&b.name)));
    Ok(profiles)
}

/// Parses `labels/combined_windows.json`: data file path (`family/name.csv`) to its windows,
/// sorted by start.
pub fn parse_windows(json: &str) -> Result<BTreeMap<String, Vec<Window>>, NabConfigError> {
    let raw: BTreeMap<String, Vec<(String, String)>> = serde_json::from_str(json)?;
    let mut out = BTreeMap::new();
    for (file, limits) in raw {
        let mut windows = Vec::with_capacity(limits.len());
        for (start, end) in limits {
            let parse = |t: &str| {
                parse_timestamp_ms(t).map_err(|source| NabConfigError::WindowTimestamp { file: file.clone(), source })
            };
            let window = Window { start_ms: parse(&start)?, end_ms: parse(&end)? };
            if window.end_ms < window.start_ms {
                return Err(NabConfigError::WindowOrder { file });
            }
            windows.push(window);
        }
        windows.sort_by_key(|w| w.start_ms);
        out.insert(file, windows);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct ThresholdJson {
    threshold: f64,
}

/// Parses `config/thresholds.json`: detector to profile to its published threshold.
pub fn parse_thresholds(json: &str) -> Result<BTreeMap<String, BTreeMap<String, f64>>, NabConfigError> {
    let raw: BTreeMap<String, BTreeMap<String, ThresholdJson>> = serde_json::from_str(json)?;
    Ok(raw
        .into_iter()
        .map(|(detector, profiles)| (detector, profiles.into_iter().map(|(p, t)| (p, t.threshold)).collect()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profiles_in_usual_order() {
        let json = r#"{"reward_low_FN_rate":{"CostMatrix":{"tpWeight":1.0,"fnWeight":2.0,"fpWeight":0.11,"tnWeight":1.0}},
                      "standard":{"CostMatrix":{"tpWeight":1.0,"fnWeight":1.0,"fpWeight":0.11,"tnWeight":1.0}}}"#;
        let profiles = parse_profiles(json).unwrap();
        assert_eq!(profiles[0].name, "standard");
        assert_eq!(profiles[1].costs.fn_weight, 2.0);
    }

    #[test]
    fn reads_windows() {
        let json = r#"{"a/b.csv":[["2014-02-19 00:22:00.000000","2014-02-19 01:22:00.000000"]],"a/c.csv":[]}"#;
        let windows = parse_windows(json).unwrap();
        assert_eq!(windows["a/b.csv"][0].end_ms - windows["a/b.csv"][0].start_ms, 3_600_000);
        assert!(windows["a/c.csv"].is_empty());
        assert!(parse_windows(r#"{"a":[["2014-02-19 02:00:00","2014-02-19 01:00:00"]]}"#).is_err());
    }
}
