#![no_main]
//! Placeholder, filled in by its owner.
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
