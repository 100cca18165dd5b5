//! The pure parts of every receiver kind: its configuration model, its payload and its
//! default texts, one module per kind named after its protocol. The I/O shell's
//! `notify/<kind>.rs` sends what these build.

pub mod expand;
