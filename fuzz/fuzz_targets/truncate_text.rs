//! Fuzzes truncation of message text: the result never exceeds the limit, whatever the text
//! and markup.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::truncate::{Markup, truncate};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let max = data[0] as usize * 4;
    let markup = match data[1] % 3 {
        0 => Markup::Plain,
        1 => Markup::Markdown,
        _ => Markup::Html,
    };
    let Ok(text) = std::str::from_utf8(&data[2..]) else { return };
    let out = truncate(text, max, markup);
    let n = out.chars().count();
    assert!(n <= max, "{n} > {max}");
    if text.chars().count() <= max {
        assert_eq!(out, text);
    }
});
