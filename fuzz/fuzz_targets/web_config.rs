//! Fuzzes the web configuration file (`--web.config.file`): any bytes are either refused with
//! a message or give a plan, quickly and without panicking; a plan's problems are listed in
//! the file's order and every token left to read has a source.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use triage_core::web_config::parse_bytes;

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = parse_bytes(data, Path::new("/etc/triage")) else { return };
    assert!(plan.problems.is_sorted_by_key(|p| p.section));
    assert!(plan.problems.iter().all(|p| !p.message.is_empty()));
    if let Some(tls) = &plan.tls {
        assert!(tls.required_files().iter().all(|(_, path)| path.is_absolute()));
    }
});
