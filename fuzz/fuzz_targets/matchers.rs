//! Fuzzes the matcher parser (API filters, amtool arguments, config `matchers`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::matcher::parse_matchers;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(ms) = parse_matchers(s) {
            for m in ms {
                // The classic syntax unescapes only \" \\ and \n, so a value with other control
                // characters prints (Go-quoted) in a form it cannot read back, in Alertmanager
                // too. Every other matcher prints in a form that parses back to itself.
                if m.value.chars().any(|c| c.is_control() && c != '\n') {
                    continue;
                }
                let again = triage_core::Matcher::parse(&m.to_string()).expect("printed matcher parses");
                assert_eq!(again, m);
            }
        }
    }
});
