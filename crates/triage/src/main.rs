//! The `triage` binary.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Return freed memory to the system at once: triage's memory use is bursty (a large
    // batch, a large listing), and peak RSS matters more to operators than the few
    // percent of speed a purge delay buys.
    // `mi_option_purge_delay` is index 15 of mimalloc's option enum (v2 and v3); the crate
    // does not export it, so it is set only when it holds one of its defaults (10 ms in v2, 1000 ms in v3).
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: reads and sets a plain integer option of the allocator; no memory is touched.
    unsafe {
        if matches!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 10 | 1000) {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
    let cli = triage::cli::Cli::parse();
    triage::cli::run(cli)
}
