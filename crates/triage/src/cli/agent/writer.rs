//! Appends samples to a log file as JSON lines with flat keys (`cpu.percent`,
//! `disk./.used_percent`, `net.eth0.rx_bytes_per_s`, `service.sshd.up`, `host`, `@timestamp`), the
//! shape a log shipper forwards to the master unchanged.
//!
//! Before each append the writer checks that the path still names the file it has open; when
//! log rotation renamed or removed it, the writer opens (creating) a new file at the path, so no
//! sample goes to a file nobody ships any more.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::sample::Sample;

/// The flat JSON object of one sample.
pub fn sample_to_json(sample: &Sample) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("@timestamp".into(), Value::String(sample.at.to_string()));
    object.insert("host".into(), Value::String(sample.host.clone()));
    object.insert("cpu.percent".into(), Value::from(sample.cpu_percent));
    object.insert("load.1".into(), Value::from(sample.load1));
    object.insert("load.5".into(), Value::from(sample.load5));
    object.insert("load.15".into(), Value::from(sample.load15));
    object.insert("mem.used_percent".into(), Value::from(sample.mem_used_percent));
    object.insert("swap.used_percent".into(), Value::from(sample.swap_used_percent));
    for disk in &sample.disks {
        object.insert(format!("disk.{}.used_percent", disk.mount), Value::from(disk.used_percent));
    }
    for net in &sample.net {
        object.insert(format!("net.{}.rx_bytes_per_s", net.iface), Value::from(net.rx_bytes_per_s));
        object.insert(format!("net.{}.tx_bytes_per_s", net.iface), Value::from(net.tx_bytes_per_s));
    }
    for service in &sample.services {
        if service.missing {
            object.insert(format!("service.{}.missing", service.name), Value::Bool(true));
        } else {
            object.insert(format!("service.{}.up", service.name), service.up.map_or(Value::Null, Value::Bool));
        }
    }
    object
}

/// Which file a path named when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    fn of(metadata: &fs::Metadata) -> Self {
        Self { device: metadata.dev(), inode: metadata.ino() }
    }
}

/// Appends samples as JSON lines to one path, following rotation.
#[derive(Debug)]
pub struct SampleWriter {
    path: PathBuf,
    sync_each_sample: bool,
    open: Option<(File, FileIdentity)>,
}

impl SampleWriter {
    /// A writer appending to `path` (created on first append); with `sync_each_sample`, every
    /// line is flushed to disk before [`SampleWriter::append`] returns.
    pub fn new(path: impl Into<PathBuf>, sync_each_sample: bool) -> Self {
        Self { path: path.into(), sync_each_sample, open: None }
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one sample as one line.
    pub fn append(&mut self, sample: &Sample) -> io::Result<()> {
        let mut line = serde_json::to_vec(&Value::Object(sample_to_json(sample)))?;
        line.push(b'\n');
        let sync_each_sample = self.sync_each_sample;
        let file = self.current_file()?;
        file.write_all(&line)?;
        if sync_each_sample {
            file.sync_data()?;
        }
        Ok(())
    }

    /// The open file, reopened first when the path no longer names it.
    fn current_file(&mut self) -> io::Result<&mut File> {
        let path_identity = match fs::metadata(&self.path) {
            Ok(metadata) => Some(FileIdentity::of(&metadata)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(error),
        };
        let still_current = matches!((&self.open, path_identity), (Some((_, open)), Some(now)) if *open == now);
        if !still_current {
            self.open = Some(self.open_file()?);
        }
        match &mut self.open {
            Some((file, _)) => Ok(file),
            None => unreachable!("the file was opened above"),
        }
    }

    fn open_file(&self) -> io::Result<(File, FileIdentity)> {
        let file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        let identity = FileIdentity::of(&file.metadata()?);
        Ok((file, identity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::agent::sample::{DiskReading, NetReading, ServiceReading};

    fn sample() -> Sample {
        Sample {
            at: "2026-03-04T05:06:07Z".parse().unwrap(),
            host: "node1".into(),
            cpu_percent: 12.5,
            load1: 0.5,
            load5: 0.25,
            load15: 0.125,
            mem_used_percent: 40.0,
            swap_used_percent: 0.0,
            disks: vec![DiskReading { mount: "/".into(), used_percent: 75.0 }],
            net: vec![NetReading { iface: "eth0".into(), rx_bytes_per_s: 100.0, tx_bytes_per_s: 10.0 }],
            services: vec![
                ServiceReading { name: "sshd".into(), up: Some(true), missing: false },
                ServiceReading { name: "nginx".into(), up: None, missing: false },
                ServiceReading { name: "nosuch".into(), up: None, missing: true },
            ],
        }
    }

    #[test]
    fn sample_is_flattened() {
        let object = sample_to_json(&sample());
        assert_eq!(object["@timestamp"], "2026-03-04T05:06:07Z");
        assert_eq!(object["host"], "node1");
        assert_eq!(object["cpu.percent"], 12.5);
        assert_eq!(object["load.15"], 0.125);
        assert_eq!(object["mem.used_percent"], 40.0);
        assert_eq!(object["swap.used_percent"], 0.0);
        assert_eq!(object["disk./.used_percent"], 75.0);
        assert_eq!(object["net.eth0.rx_bytes_per_s"], 100.0);
        assert_eq!(object["net.eth0.tx_bytes_per_s"], 10.0);
        assert_eq!(object["service.sshd.up"], true);
        assert_eq!(object["service.nginx.up"], Value::Null);
        assert_eq!(object["service.nosuch.missing"], true);
        assert!(!object.contains_key("service.nosuch.up"));
    }

    #[test]
    fn non_finite_numbers_become_null() {
        let mut sample = sample();
        sample.cpu_percent = f64::NAN;
        assert_eq!(sample_to_json(&sample)["cpu.percent"], Value::Null);
    }

    #[test]
    fn a_removed_file_is_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.log");
        let mut writer = SampleWriter::new(&path, true);
        writer.append(&sample()).unwrap();
        fs::remove_file(&path).unwrap();
        writer.append(&sample()).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 1);
    }
}
