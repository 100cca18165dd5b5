//! The `logwatch` source: node monitoring from log files shipped to this machine.
//!
//! [`follow::Follower`] reads complete lines from a set of files named by paths or simple
//! patterns (`*` and `?` in the file name), surviving rotation and restarts; the lines are
//! then parsed with [`triage_core::logline`]. This module also holds the two helpers the
//! follower needs: the file-name pattern matcher and the state file that records how far
//! each file has been read.

pub mod follow;
pub mod source;
pub mod watch;

pub use follow::{FollowOptions, FollowStats, FollowedLine, Follower};

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use triage_core::glob::name_matches;

/// Version written into the state file; a file of another version is refused.
const STATE_VERSION: u32 = 1;

/// Whether the file name of `pattern` contains `*` or `?`.
pub fn is_pattern(pattern: &Path) -> bool {
    pattern.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(['*', '?']))
}

/// The paths `pattern` names now: the path itself when its file name has no wildcard (whether
/// it exists or not), else the regular files of its directory whose names match, sorted.
/// A missing directory names no files.
pub fn expand_pattern(pattern: &Path) -> io::Result<Vec<PathBuf>> {
    if !is_pattern(pattern) {
        return Ok(vec![pattern.to_path_buf()]);
    }
    let name_pattern = pattern.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let dir = match pattern.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry?;
        let matches = entry.file_name().to_str().is_some_and(|name| name_matches(name_pattern, name));
        if matches && fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            paths.push(dir.join(entry.file_name()));
        }
    }
    paths.sort();
    Ok(paths)
}

/// How far one file has been read: the file's identity and the offset just past the last
/// complete line handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPosition {
    /// Device of the file.
    pub dev: u64,
    /// Inode of the file.
    pub inode: u64,
    /// Byte offset just past the last line handed out.
    pub offset: u64,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    files: Vec<StateEntry>,
}

#[derive(Serialize, Deserialize)]
struct StateEntry {
    path: PathBuf,
    #[serde(flatten)]
    position: SavedPosition,
}

/// Reads the positions saved at `state_file`, by path. A missing file means no positions.
pub fn load_positions(state_file: &Path) -> io::Result<BTreeMap<PathBuf, SavedPosition>> {
    let bytes = match fs::read(state_file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e),
    };
    let state: StateFile = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(io::ErrorKind::InvalidData, format!("bad logwatch state file {}: {e}", state_file.display()))
    })?;
    if state.version != STATE_VERSION {
        let message = format!("logwatch state file {} has version {}", state_file.display(), state.version);
        return Err(io::Error::new(io::ErrorKind::InvalidData, message));
    }
    Ok(state.files.into_iter().map(|entry| (entry.path, entry.position)).collect())
}

/// Writes `positions` to `state_file` atomically: into a temporary file next to it, synced,
/// then renamed over it, so a crash leaves either the old or the new state, never half.
pub fn save_positions(state_file: &Path, positions: &BTreeMap<PathBuf, SavedPosition>) -> io::Result<()> {
    let files = positions.iter().map(|(path, &position)| StateEntry { path: path.clone(), position }).collect();
    let json = serde_json::to_vec_pretty(&StateFile { version: STATE_VERSION, files }).map_err(io::Error::other)?;
    let mut temp_name = state_file.as_os_str().to_owned();
    temp_name.push(".tmp");
    let temp_path = PathBuf::from(temp_name);
    let mut temp = fs::File::create(&temp_path)?;
    temp.write_all(&json)?;
    temp.sync_all()?;
    fs::rename(&temp_path, state_file)
}
