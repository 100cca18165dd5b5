//! Following log files like `tail -F`: complete lines from a set of paths, across rotation,
//! truncation and restarts.
//!
//! A [`Follower`] is driven by calling [`Follower::poll`] (every
//! [`FollowOptions::poll_interval`]); each call reads what was appended since the last one.
//! Per path it keeps the open file, its identity (device, inode) and the offset just past the
//! last complete line handed out. On every poll the path is looked up again:
//!
//! - same identity, size below what was read: the file was truncated in place (copy-truncate),
//!   so reading starts again at offset 0;
//! - another identity: the file was rotated by rename; the old file is read to its end (lines
//!   its writer added after the rename included), then the path is reopened from offset 0;
//! - path missing: the old file is still read; once it is deleted and read to its end it is
//!   closed, and a file that appears at the path later is read from offset 0.
//!
//! A partial last line stays buffered until its newline arrives. A line longer than
//! [`FollowOptions::max_line_bytes`] is cut to that length (the rest is skipped, never
//! buffered) and handed out with `truncated` set.
//!
//! [`Follower::save_state`] writes the offsets to a state file; a follower created with that
//! file resumes there, so a restart reads no line twice and loses none, also when the file was
//! rotated while triage was down (the old file is found by its identity in the same
//! directory). Save only after the lines returned by `poll` have been handled.
//!
//! Limits: a pattern that also matches rotated names (`app.log*` for `app.log.1`) reads the
//! rotated file again under its new name; a file truncated and refilled past the old offset
//! between two polls is not seen as truncated; an inode reused by a new file at the same path
//! after a restart looks like the old file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{SavedPosition, expand_pattern, load_positions, save_positions};

/// Size of one read from a file.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// How a [`Follower`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    /// How often the caller should call [`Follower::poll`].
    pub poll_interval: Duration,
    /// Longest line handed out whole, in bytes; longer lines are cut to this length.
    pub max_line_bytes: usize,
    /// Most bytes read from one file in one poll; the rest waits for the next poll, so one
    /// huge file neither floods memory nor starves the others.
    pub max_bytes_per_poll: u64,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            poll_interval: Duration::from_millis(250),
            max_line_bytes: triage_core::logline::DEFAULT_MAX_LINE_BYTES,
            max_bytes_per_poll: 8 * 1024 * 1024,
        }
    }
}

/// One complete line read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowedLine {
    /// The path the line was read from (the path followed, also when the line came from the
    /// file rotated away from it).
    pub path: PathBuf,
    /// The line without its newline, as bytes (not checked for UTF-8).
    pub line: Vec<u8>,
    /// Whether the line was longer than [`FollowOptions::max_line_bytes`] and cut.
    pub truncated: bool,
}

/// Counters of a [`Follower`] since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowStats {
    /// Lines handed out, cut ones included.
    pub lines_read: u64,
    /// Lines longer than the limit, handed out cut.
    pub lines_too_long: u64,
    /// Files replaced at their path (rotation by rename, or deleted and created again).
    pub files_rotated: u64,
    /// Files truncated in place (copy-truncate).
    pub files_truncated: u64,
}

/// Device and inode: what tells one file from another at the same path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    inode: u64,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> Self {
        FileId { dev: meta.dev(), inode: meta.ino() }
    }
}

/// An open file and how far into it reading has got.
struct OpenFile {
    file: File,
    id: FileId,
    /// Offset just past the last complete line handed out: what a restart resumes from.
    line_start: u64,
    /// Offset of the next byte to read (`line_start` plus the partial line, skipped bytes
    /// of a cut line included).
    read_pos: u64,
    /// The partial line read so far, at most `max_line_bytes` long.
    partial: Vec<u8>,
    /// Whether the partial line went over the limit.
    partial_cut: bool,
}

impl OpenFile {
    fn open_at(path: &Path, offset: u64) -> io::Result<Self> {
        let mut file = File::open(path)?;
        let id = FileId::of(&file.metadata()?);
        file.seek(SeekFrom::Start(offset))?;
        Ok(OpenFile { file, id, line_start: offset, read_pos: offset, partial: Vec::new(), partial_cut: false })
    }

    fn restart_from_zero(&mut self) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        self.line_start = 0;
        self.read_pos = 0;
        self.partial.clear();
        self.partial_cut = false;
        Ok(())
    }

    /// Whether the file has been deleted (no name links to it any more).
    fn is_deleted(&self) -> io::Result<bool> {
        Ok(self.file.metadata()?.nlink() == 0)
    }
}

/// The lines read in one poll and the counters they move.
struct LineSink<'a> {
    path: &'a Path,
    lines: &'a mut Vec<FollowedLine>,
    stats: &'a mut FollowStats,
    max_line_bytes: usize,
}

impl LineSink<'_> {
    fn emit(&mut self, line: Vec<u8>, truncated: bool) {
        self.stats.lines_read += 1;
        if truncated {
            self.stats.lines_too_long += 1;
        }
        self.lines.push(FollowedLine { path: self.path.to_path_buf(), line, truncated });
    }

    /// Reads `open` up to its end or `budget` bytes; returns whether the end was reached.
    fn read_available(&mut self, open: &mut OpenFile, budget: u64) -> io::Result<bool> {
        let mut buf = vec![0u8; READ_CHUNK_BYTES];
        let mut used = 0u64;
        while used < budget {
            let want = usize::try_from(budget - used).unwrap_or(usize::MAX).min(buf.len());
            let n = match open.file.read(&mut buf[..want]) {
                Ok(0) => return Ok(true),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.take_bytes(open, &buf[..n]);
            used += n as u64;
        }
        Ok(false)
    }

    /// Splits freshly read bytes into lines, keeping the partial rest in `open`.
    fn take_bytes(&mut self, open: &mut OpenFile, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let piece = &bytes[..newline.unwrap_or(bytes.len())];
            self.append_to_partial(open, piece);
            open.read_pos += piece.len() as u64;
            let Some(at) = newline else { return };
            open.read_pos += 1;
            open.line_start = open.read_pos;
            let cut = std::mem::take(&mut open.partial_cut);
            self.emit(std::mem::take(&mut open.partial), cut);
            bytes = &bytes[at + 1..];
        }
    }

    fn append_to_partial(&self, open: &mut OpenFile, piece: &[u8]) {
        let room = self.max_line_bytes.saturating_sub(open.partial.len());
        if piece.len() > room {
            open.partial_cut = true;
        }
        open.partial.extend_from_slice(&piece[..piece.len().min(room)]);
    }

    /// Hands out the partial line left at the end of a file that will not grow any more.
    fn flush_partial(&mut self, open: &mut OpenFile) {
        if !open.partial.is_empty() || open.partial_cut {
            let cut = std::mem::take(&mut open.partial_cut);
            self.emit(std::mem::take(&mut open.partial), cut);
            open.line_start = open.read_pos;
        }
    }
}

/// Follows the files named by a set of paths and patterns; see the module documentation.
pub struct Follower {
    patterns: Vec<PathBuf>,
    state_file: Option<PathBuf>,
    options: FollowOptions,
    /// The files being read, by the path followed.
    files: BTreeMap<PathBuf, OpenFile>,
    /// Saved positions of paths not opened yet since the start.
    resume_positions: BTreeMap<PathBuf, SavedPosition>,
    stats: FollowStats,
}

impl Follower {
    /// A follower of `patterns` (paths; `*` and `?` allowed in the file name) that resumes
    /// from `state_file` when it exists. Fails when the state file cannot be read or parsed.
    pub fn new(patterns: Vec<PathBuf>, state_file: Option<PathBuf>, options: FollowOptions) -> io::Result<Follower> {
        let resume_positions = match &state_file {
            Some(path) => load_positions(path)?,
            None => BTreeMap::new(),
        };
        let files = BTreeMap::new();
        Ok(Follower { patterns, state_file, options, files, resume_positions, stats: FollowStats::default() })
    }

    /// The options this follower reads with.
    pub fn options(&self) -> &FollowOptions {
        &self.options
    }

    /// The counters since the follower was created.
    pub fn stats(&self) -> FollowStats {
        self.stats
    }

    /// Reads what was appended to each followed file since the last poll and returns the
    /// complete lines, in file order per path, paths in sorted order.
    pub fn poll(&mut self) -> io::Result<Vec<FollowedLine>> {
        let mut lines = Vec::new();
        for path in self.paths_to_poll()? {
            self.poll_path(&path, &mut lines)?;
        }
        Ok(lines)
    }

    /// The positions to resume from: for every file being read, the offset just past the last
    /// line handed out; saved positions of files not seen since the start are kept.
    pub fn positions(&self) -> BTreeMap<PathBuf, SavedPosition> {
        let mut positions = self.resume_positions.clone();
        for (path, open) in &self.files {
            let position = SavedPosition { dev: open.id.dev, inode: open.id.inode, offset: open.line_start };
            positions.insert(path.clone(), position);
        }
        positions
    }

    /// Writes [`Follower::positions`] to the state file atomically; does nothing without one.
    pub fn save_state(&self) -> io::Result<()> {
        match &self.state_file {
            Some(state_file) => save_positions(state_file, &self.positions()),
            None => Ok(()),
        }
    }

    fn paths_to_poll(&self) -> io::Result<BTreeSet<PathBuf>> {
        let mut paths: BTreeSet<PathBuf> = self.files.keys().cloned().collect();
        for pattern in &self.patterns {
            paths.extend(expand_pattern(pattern)?);
        }
        Ok(paths)
    }

    fn poll_path(&mut self, path: &Path, lines: &mut Vec<FollowedLine>) -> io::Result<()> {
        let current = stat_if_exists(path)?;
        if !self.files.contains_key(path)
            && let Some(meta) = &current
        {
            match self.open_first_time(path, meta) {
                Ok(opened) => _ = self.files.insert(path.to_path_buf(), opened),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()), // gone since the stat
                Err(e) => return Err(e),
            }
        }
        let Some(open) = self.files.remove(path) else { return Ok(()) };
        let mut sink = LineSink { path, lines, stats: &mut self.stats, max_line_bytes: self.options.max_line_bytes };
        let keep = follow_one(&mut sink, open, path, current.as_ref(), self.options.max_bytes_per_poll)?;
        if let Some(open) = keep {
            self.files.insert(path.to_path_buf(), open);
        }
        Ok(())
    }

    /// Opens a path seen for the first time: at its saved position when it is still the same
    /// file; at the saved position of the old file when it was rotated while triage was down
    /// and the old file is still in the same directory (the rotation is then handled like one
    /// seen live); else from offset 0.
    fn open_first_time(&mut self, path: &Path, meta: &fs::Metadata) -> io::Result<OpenFile> {
        let Some(saved) = self.resume_positions.remove(path) else { return OpenFile::open_at(path, 0) };
        let saved_id = FileId { dev: saved.dev, inode: saved.inode };
        if FileId::of(meta) == saved_id {
            if meta.len() < saved.offset {
                self.stats.files_truncated += 1;
                return OpenFile::open_at(path, 0);
            }
            return OpenFile::open_at(path, saved.offset);
        }
        match find_by_id(path.parent().unwrap_or(Path::new(".")), saved_id)? {
            Some(old_path) => {
                let old_len = fs::metadata(&old_path)?.len();
                OpenFile::open_at(&old_path, saved.offset.min(old_len))
            }
            None => OpenFile::open_at(path, 0),
        }
    }
}

/// One poll of one path whose file is `open`; `current` is what the path names now. Returns
/// the file to keep reading, `None` when it is finished.
fn follow_one(
    sink: &mut LineSink<'_>,
    mut open: OpenFile,
    path: &Path,
    current: Option<&fs::Metadata>,
    budget: u64,
) -> io::Result<Option<OpenFile>> {
    match current {
        Some(meta) if FileId::of(meta) == open.id => {
            if meta.len() < open.read_pos {
                sink.stats.files_truncated += 1;
                open.restart_from_zero()?;
            }
            sink.read_available(&mut open, budget)?;
            Ok(Some(open))
        }
        Some(_) => {
            if !sink.read_available(&mut open, budget)? {
                return Ok(Some(open));
            }
            sink.flush_partial(&mut open);
            sink.stats.files_rotated += 1;
            let mut next = match OpenFile::open_at(path, 0) {
                Ok(next) => next,
                // Gone again since the stat: the old file is finished, the path is picked up
                // from offset 0 when it reappears.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            sink.read_available(&mut next, budget)?;
            Ok(Some(next))
        }
        None => {
            let at_end = sink.read_available(&mut open, budget)?;
            if at_end && open.is_deleted()? {
                sink.flush_partial(&mut open);
                return Ok(None);
            }
            Ok(Some(open))
        }
    }
}

fn stat_if_exists(path: &Path) -> io::Result<Option<fs::Metadata>> {
    match fs::metadata(path) {
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The file in `dir` with identity `id`, if any.
fn find_by_id(dir: &Path, id: FileId) -> io::Result<Option<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if fs::metadata(entry.path()).is_ok_and(|meta| meta.is_file() && FileId::of(&meta) == id) {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}
