//! The node sampler of `triage agent`: reads CPU, memory, swap, load, disk, network and service
//! state of the node it runs on, and appends one flat JSON object per sample to a log file that a
//! log shipper carries to the master.
//!
//! [`procfs`] parses the kernel's text files, [`sample`] turns successive readings into a
//! [`Sample`], [`writer`] appends samples as JSON lines, surviving log rotation, and [`run`]
//! is the `triage agent` loop, which also pushes samples to the master.

pub mod procfs;
pub mod run;
pub mod sample;
pub mod writer;

pub use procfs::{ProcError, ProcFs};
pub use sample::{DiskReading, NetReading, Sample, SampleError, Sampler, SamplerConfig, ServiceCheck, ServiceReading};
pub use writer::{SampleWriter, sample_to_json};
