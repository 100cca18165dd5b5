//! The two text formats of `/metrics`: OpenMetrics (what `prometheus-client` writes) for a
//! scraper that asks for it, and the Prometheus text format 0.0.4 for everyone else (curl,
//! `promtool check metrics`, older scrapers), converted from it line by line.

/// The OpenMetrics content type.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text format's content type.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header asks for OpenMetrics (as Prometheus's scraper does, listing it
/// first); anything else, or no header, gets the Prometheus text format.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut fields = part.split(';').map(str::trim);
            let media = fields.next().unwrap_or_default();
            let refused = fields.any(|f| f.replace(' ', "") == "q=0");
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        })
    })
}

/// Converts an OpenMetrics exposition to the Prometheus text format: counters are declared
/// under their sample name (`..._total`), and `# UNIT` and `# EOF` lines and exemplars go.
pub fn openmetrics_to_prometheus(om: &str) -> String {
    let counters: std::collections::HashSet<&str> =
        om.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|rest| rest.strip_suffix(" counter")).collect();
    let mut out = String::with_capacity(om.len());
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let declared = ["# HELP ", "# TYPE "].into_iter().find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        if let Some((prefix, rest)) = declared {
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            if counters.contains(name) && !name.ends_with("_total") {
                out.push_str(&format!("{prefix}{name}_total {tail}"));
            } else {
                out.push_str(line);
            }
        } else if let Some((sample, _exemplar)) = line.split_once(" # {") {
            out.push_str(sample);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_declared_under_their_sample_name_and_eof_goes() {
        let om = "# HELP a_things Things.\n# TYPE a_things counter\na_things_total{k=\"v\"} 3 # {t=\"1\"} 1.0\n\
                  # HELP a_size Size.\n# TYPE a_size gauge\n# UNIT a_size bytes\na_size 2\n# EOF\n";
        assert_eq!(
            openmetrics_to_prometheus(om),
            "# HELP a_things_total Things.\n# TYPE a_things_total counter\na_things_total{k=\"v\"} 3\n\
             # HELP a_size Size.\n# TYPE a_size gauge\na_size 2\n"
        );
    }

    #[test]
    fn only_an_accept_naming_openmetrics_gets_it() {
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some("*/*")));
        assert!(!wants_openmetrics(Some("text/plain;version=0.0.4")));
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )));
        assert!(!wants_openmetrics(Some("application/openmetrics-text;q=0, text/plain")));
    }
}
