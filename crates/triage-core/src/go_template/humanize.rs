//! Prometheus' `humanizeDuration` (from `prometheus/common` template helpers): seconds as
//! `1d 2h 3m 4s`, `2.5s`, `1.5ms`, with Go's `%.4g` for the small and fractional cases.

/// Seconds in human form, as `humanizeDuration` prints them.
pub fn duration(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return g4(v);
    }
    if v == 0.0 {
        return format!("{}s", g4(v));
    }
    if v.abs() >= 1.0 {
        let (sign, v) = if v < 0.0 { ("-", -v) } else { ("", v) };
        let total = v as i64;
        let (seconds, minutes, hours, days) = (total % 60, (total / 60) % 60, (total / 3600) % 24, total / 86_400);
        if days != 0 {
            return format!("{sign}{days}d {hours}h {minutes}m {seconds}s");
        }
        if hours != 0 {
            return format!("{sign}{hours}h {minutes}m {seconds}s");
        }
        if minutes != 0 {
            return format!("{sign}{minutes}m {seconds}s");
        }
        return format!("{sign}{}s", g4(v));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", g4(v))
}

/// Go's `%.4g`.
pub fn g4(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let e = format!("{v:.3e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..4).contains(&exp) {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    let decimals = (3 - exp).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_prometheus() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(1.0), "1s");
        assert_eq!(duration(12.34567), "12.35s");
        assert_eq!(duration(90.0), "1m 30s");
        assert_eq!(duration(3723.0), "1h 2m 3s");
        assert_eq!(duration(90061.0), "1d 1h 1m 1s");
        assert_eq!(duration(-90.0), "-1m 30s");
        assert_eq!(duration(0.0015), "1.5ms");
        assert_eq!(duration(0.000_000_25), "250ns");
        assert_eq!(g4(123456.0), "1.235e+05");
    }
}
