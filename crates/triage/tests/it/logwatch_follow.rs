//! The log file follower against real files in a temporary directory: appends, partial
//! lines, rotation by rename and by copy-truncate, files appearing later, restarts from the
//! saved state, over-long lines and bytes that are not UTF-8. Every test drives
//! `Follower::poll` directly; nothing waits on time.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use triage::sources::logwatch::{FollowOptions, FollowStats, Follower};

fn append(path: &Path, bytes: &[u8]) {
    OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(bytes).unwrap();
}

fn follower(patterns: &[&Path], state: Option<&Path>) -> Follower {
    follower_with(patterns, state, FollowOptions::default())
}

fn follower_with(patterns: &[&Path], state: Option<&Path>, options: FollowOptions) -> Follower {
    let patterns = patterns.iter().map(|p| p.to_path_buf()).collect();
    Follower::new(patterns, state.map(Path::to_path_buf), options).unwrap()
}

/// The lines of one poll as texts.
fn poll_texts(follower: &mut Follower) -> Vec<String> {
    follower.poll().unwrap().into_iter().map(|l| String::from_utf8(l.line).unwrap()).collect()
}

#[test]
fn appended_lines_are_read_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"one\ntwo\n");
    let mut f = follower(&[&log], None);
    assert_eq!(poll_texts(&mut f), ["one", "two"]);
    assert!(poll_texts(&mut f).is_empty());
    append(&log, b"three\n\nfive\n");
    assert_eq!(poll_texts(&mut f), ["three", "", "five"]);
    assert_eq!(f.stats().lines_read, 5);
}

#[test]
fn a_partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"cpu=1\ncpu=");
    let mut f = follower(&[&log], None);
    assert_eq!(poll_texts(&mut f), ["cpu=1"]);
    append(&log, b"2");
    assert!(poll_texts(&mut f).is_empty());
    append(&log, b"5\ncpu");
    assert_eq!(poll_texts(&mut f), ["cpu=25"]);
}

#[test]
fn lines_carry_the_path_followed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"x\n");
    let lines = follower(&[&log], None).poll().unwrap();
    assert_eq!(lines[0].path, log);
    assert!(!lines[0].truncated);
}

#[test]
fn rename_rotation_reads_the_old_file_to_its_end_then_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let rotated = dir.path().join("node.log.1");
    append(&log, b"a1\n");
    let mut f = follower(&[&log], None);
    assert_eq!(poll_texts(&mut f), ["a1"]);

    fs::rename(&log, &rotated).unwrap();
    append(&rotated, b"a2\n");
    assert_eq!(poll_texts(&mut f), ["a2"], "the renamed file is still read while the path is missing");
    append(&rotated, b"a3\npartial");
    append(&log, b"b1\n");
    assert_eq!(poll_texts(&mut f), ["a3", "partial", "b1"]);
    append(&log, b"b2\n");
    append(&rotated, b"late\n");
    assert_eq!(poll_texts(&mut f), ["b2"], "once switched, the old file is closed");
    assert_eq!(f.stats().files_rotated, 1);
}

#[test]
fn a_deleted_file_is_closed_and_a_new_one_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"a1\n");
    let mut f = follower(&[&log], None);
    assert_eq!(poll_texts(&mut f), ["a1"]);
    fs::remove_file(&log).unwrap();
    assert!(poll_texts(&mut f).is_empty());
    assert!(f.positions().is_empty(), "a deleted file read to its end is forgotten");
    assert!(poll_texts(&mut f).is_empty(), "missing for a while");
    append(&log, b"b1\n");
    assert_eq!(poll_texts(&mut f), ["b1"]);
}

#[test]
fn copy_truncate_starts_again_from_offset_zero() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"first line\nsecond line\n");
    let mut f = follower(&[&log], None);
    assert_eq!(poll_texts(&mut f).len(), 2);
    fs::copy(&log, dir.path().join("node.log.1")).unwrap();
    File::create(&log).unwrap(); // truncates in place, same inode
    append(&log, b"new\n");
    assert_eq!(poll_texts(&mut f), ["new"]);
    assert_eq!(f.stats().files_truncated, 1);
    assert_eq!(f.stats().files_rotated, 0);
}

#[test]
fn files_matching_the_pattern_are_picked_up_when_they_appear() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("node-*.log");
    let mut f = follower(&[&pattern], None);
    assert!(f.poll().unwrap().is_empty());
    append(&dir.path().join("node-a.log"), b"a\n");
    append(&dir.path().join("other.log"), b"ignored\n");
    append(&dir.path().join("node-a.log.1"), b"ignored\n");
    assert_eq!(poll_texts(&mut f), ["a"]);
    append(&dir.path().join("node-b.log"), b"b\n");
    append(&dir.path().join("node-a.log"), b"a2\n");
    let lines = f.poll().unwrap();
    let got: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l.path.file_name().unwrap().to_string_lossy().into_owned(), String::from_utf8_lossy(&l.line).into()))
        .collect();
    assert_eq!(got, [("node-a.log".into(), "a2".into()), ("node-b.log".into(), "b".into())]);
}

#[test]
fn a_missing_directory_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("later").join("*.log");
    let mut f = follower(&[&pattern, &dir.path().join("absent.log")], None);
    assert!(f.poll().unwrap().is_empty());
    fs::create_dir(dir.path().join("later")).unwrap();
    append(&dir.path().join("later").join("x.log"), b"x\n");
    assert_eq!(poll_texts(&mut f), ["x"]);
}

#[test]
fn a_restart_resumes_after_the_last_line_handed_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let state = dir.path().join("state").with_extension("json");
    append(&log, b"l1\nl2\nhalf");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["l1", "l2"]);
    f.save_state().unwrap();
    drop(f);
    assert!(!dir.path().join("state.json.tmp").exists(), "the temporary file was renamed");

    append(&log, b"-done\nl4\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["half-done", "l4"], "no line twice, none lost, the partial one whole");
    f.save_state().unwrap();
    let mut f = follower(&[&log], Some(&state));
    assert!(f.poll().unwrap().is_empty());
}

#[test]
fn a_restart_after_a_rotation_reads_the_rest_of_the_old_file_first() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let state = dir.path().join("state.json");
    append(&log, b"a1\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["a1"]);
    f.save_state().unwrap();
    drop(f);

    // While triage is down: more lines, a rotation, lines in the new file.
    append(&log, b"a2\n");
    fs::rename(&log, dir.path().join("node.log.1")).unwrap();
    append(&dir.path().join("node.log.1"), b"a3\n");
    append(&log, b"b1\n");

    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["a2", "a3", "b1"]);
    assert_eq!(f.stats().files_rotated, 1);
    f.save_state().unwrap();
    append(&log, b"b2\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["b2"]);
}

#[test]
fn a_restart_in_the_middle_of_a_live_rotation_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let rotated = dir.path().join("node.log.1");
    let state = dir.path().join("state.json");
    append(&log, b"a1\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["a1"]);
    fs::rename(&log, &rotated).unwrap();
    append(&rotated, b"a2\n");
    assert_eq!(poll_texts(&mut f), ["a2"]);
    f.save_state().unwrap();
    drop(f);

    append(&rotated, b"a3\n");
    append(&log, b"b1\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["a3", "b1"]);
}

#[test]
fn a_file_truncated_while_triage_was_down_is_read_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let state = dir.path().join("state.json");
    append(&log, b"a long first line\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f).len(), 1);
    f.save_state().unwrap();
    File::create(&log).unwrap();
    append(&log, b"x\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["x"]);
    assert_eq!(f.stats().files_truncated, 1);
}

#[test]
fn a_saved_position_of_a_missing_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let state = dir.path().join("state.json");
    append(&log, b"a1\n");
    let mut f = follower(&[&log], Some(&state));
    f.poll().unwrap();
    f.save_state().unwrap();
    let hidden = dir.path().join("hidden");
    fs::rename(&log, &hidden).unwrap();
    let mut f = follower(&[&log], Some(&state));
    assert!(f.poll().unwrap().is_empty());
    f.save_state().unwrap();
    fs::rename(&hidden, &log).unwrap();
    append(&log, b"a2\n");
    let mut f = follower(&[&log], Some(&state));
    assert_eq!(poll_texts(&mut f), ["a2"]);
}

#[test]
fn a_corrupt_state_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    fs::write(&state, b"{not json").unwrap();
    let err = Follower::new(vec![dir.path().join("x.log")], Some(state), FollowOptions::default()).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

#[test]
fn a_very_long_line_is_cut_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let options = FollowOptions { max_line_bytes: 10, ..FollowOptions::default() };
    let mut f = follower_with(&[&log], None, options);
    append(&log, b"short\n");
    append(&log, &vec![b'x'; 100_000]);
    assert_eq!(poll_texts(&mut f), ["short"]);
    append(&log, &vec![b'y'; 100_000]);
    append(&log, b"\nafter\n");
    let lines = f.poll().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].line, b"xxxxxxxxxx");
    assert!(lines[0].truncated);
    assert_eq!(lines[1].line, b"after");
    assert_eq!(f.stats(), FollowStats { lines_read: 3, lines_too_long: 1, files_rotated: 0, files_truncated: 0 });
}

#[test]
fn a_small_read_budget_spreads_a_file_over_several_polls() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let options = FollowOptions { max_bytes_per_poll: 4, ..FollowOptions::default() };
    let mut f = follower_with(&[&log], None, options);
    append(&log, b"aaa\nbbb\nccc\n");
    assert_eq!(poll_texts(&mut f), ["aaa"]);
    assert_eq!(poll_texts(&mut f), ["bbb"]);
    assert_eq!(poll_texts(&mut f), ["ccc"]);
}

#[test]
fn bytes_that_are_not_utf8_pass_through_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    append(&log, b"ok\xff\xfe\x00end\r\n");
    let lines = follower(&[&log], None).poll().unwrap();
    assert_eq!(lines[0].line, b"ok\xff\xfe\x00end\r");
}

#[test]
fn the_state_file_names_each_file_with_its_identity_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log: PathBuf = dir.path().join("node.log");
    let state = dir.path().join("state.json");
    append(&log, b"12345\n");
    let mut f = follower(&[&log], Some(&state));
    f.poll().unwrap();
    f.save_state().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&state).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["files"][0]["path"], log.to_str().unwrap());
    assert_eq!(json["files"][0]["offset"], 6);
    assert!(json["files"][0]["inode"].as_u64().is_some());
}
