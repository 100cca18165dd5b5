//! The embedded store's directory lock: one `triage serve` per data directory.
//!
//! SQLite itself would let two processes open the same `triage.db`, and each would then run
//! an engine over the same alerts and send every notification twice. The first process to
//! open the directory holds an exclusive advisory lock (`flock`) on `LOCK` there, with its pid
//! written inside; a second one is refused with that pid. The kernel drops the lock when the
//! holder exits, even on `kill -9`, so a stale `LOCK` file never blocks a restart.
//!
//! Within one process the lock is shared: a store opened again while an earlier one of the
//! same directory is still alive (a server restarted in-process, as tests do) gets the same
//! lock instead of refusing itself.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use super::StoreError;

/// The lock file's name inside the data directory.
pub const LOCK_FILE: &str = "LOCK";

/// A held lock on a data directory; released when dropped (or when the process exits).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// The locks this process holds, by canonical directory.
static HELD: Mutex<Option<HashMap<PathBuf, Weak<DirLock>>>> = Mutex::new(None);

/// Takes the exclusive lock on `dir`, which must exist, and writes this process's pid into it;
/// or shares the lock this process already holds on it.
pub fn acquire(dir: &Path) -> Result<Arc<DirLock>, StoreError> {
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    let held = held.get_or_insert_with(HashMap::new);
    held.retain(|_, lock| lock.strong_count() > 0);
    if let Some(lock) = held.get(&key).and_then(Weak::upgrade) {
        return Ok(lock);
    }
    let lock = Arc::new(lock_file(dir)?);
    held.insert(key, Arc::downgrade(&lock));
    Ok(lock)
}

fn lock_file(dir: &Path) -> Result<DirLock, StoreError> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(|e| {
        StoreError::DataDir { dir: dir.display().to_string(), reason: format!("cannot open {}: {e}", path.display()) }
    })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let pid = holder.trim().parse::<u32>().ok();
            return Err(StoreError::Locked { dir: dir.display().to_string(), pid });
        }
        Err(TryLockError::Error(e)) => {
            return Err(StoreError::DataDir {
                dir: dir.display().to_string(),
                reason: format!("cannot lock {}: {e}", path.display()),
            });
        }
    }
    let written = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    if let Err(e) = written {
        return Err(StoreError::DataDir {
            dir: dir.display().to_string(),
            reason: format!("cannot write {}: {e}", path.display()),
        });
    }
    Ok(DirLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = acquire(dir.path()).unwrap();
        // Another holder (here: a second open file description, as another process has).
        match lock_file(dir.path()) {
            Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Locked, got {other:?}"),
        }
        let shared = acquire(dir.path()).expect("this process shares its own lock");
        assert!(Arc::ptr_eq(&held, &shared));
        drop((held, shared));
        lock_file(dir.path()).expect("the lock is free again once dropped");
    }
}
