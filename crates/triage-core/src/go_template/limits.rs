//! Bounds on what a template may cost, so a hostile or careless template fails with a clear
//! error instead of hanging or exhausting memory: the size of a source, of the output, of a
//! value built by concatenation (`print`, `printf`, ... see `methods.rs`), the number of
//! `range` iterations, and (fixed by `gotmpl`) the depth of `template` calls.

use std::fmt;
use std::sync::{Arc, Mutex};

use gotmpl::{TemplateError, Value};

/// Limits applied to parsing and rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest template source (a file or a field), in bytes.
    pub max_source_bytes: usize,
    /// Largest rendered text, in bytes.
    pub max_output_bytes: usize,
    /// Largest sum of the arguments of one `print`/`printf`/`println`/`html`/`js`/`urlquery`
    /// call, and largest string a function returns, in bytes.
    pub max_value_bytes: usize,
    /// `range` iterations allowed in one render, across all loops.
    pub max_range_iterations: u64,
}

/// Depth of nested `template` calls `gotmpl` allows (not configurable).
pub const MAX_TEMPLATE_DEPTH: usize = 200;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_source_bytes: 1 << 20,
            max_output_bytes: 4 << 20,
            max_value_bytes: 4 << 20,
            max_range_iterations: 1_000_000,
        }
    }
}

/// Rough size in bytes of a value (strings by length; containers by their contents).
pub fn value_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.iter().map(|x| value_size(x) + 1).sum(),
        Value::Map(m) => m.iter().map(|(k, x)| k.len() + value_size(x) + 2).sum(),
        _ => 8,
    }
}

/// The per-render state of the argument guards: one running sum per call being evaluated.
#[derive(Clone, Default)]
pub struct ArgGuard {
    sums: Arc<Mutex<Vec<usize>>>,
    max: usize,
}

impl ArgGuard {
    /// A guard allowing `max` bytes of arguments per call.
    pub fn new(max: usize) -> ArgGuard {
        ArgGuard { sums: Arc::default(), max }
    }

    /// Adds an argument of the call being evaluated; `first` opens a call, `last` closes it.
    pub fn add(&self, v: &Value, first: bool, last: bool) -> Result<Value, TemplateError> {
        let size = value_size(v);
        let mut sums = self.sums.lock().unwrap_or_else(|e| e.into_inner());
        if first {
            sums.push(0);
        }
        let total = match sums.last_mut() {
            Some(sum) => {
                *sum = sum.saturating_add(size);
                *sum
            }
            None => size,
        };
        if last {
            sums.pop();
        }
        if total > self.max {
            return Err(TemplateError::Exec(value_too_large(self.max)));
        }
        Ok(v.clone())
    }
}

/// The message of a value over the limit; recognised by the error mapping in `mod.rs`.
pub fn value_too_large(max: usize) -> String {
    format!("value larger than {max} bytes")
}

/// A `fmt::Write` that refuses to grow past a limit.
pub struct CappedWriter {
    /// What was written.
    pub out: String,
    max: usize,
    /// Set once a write was refused.
    pub overflowed: bool,
}

impl CappedWriter {
    /// An empty writer accepting `max` bytes.
    pub fn new(max: usize) -> CappedWriter {
        CappedWriter { out: String::new(), max, overflowed: false }
    }
}

impl fmt::Write for CappedWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.out.len() + s.len() > self.max {
            self.overflowed = true;
            return Err(fmt::Error);
        }
        self.out.push_str(s);
        Ok(())
    }
}
