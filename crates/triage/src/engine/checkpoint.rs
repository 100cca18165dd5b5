//! A checkpoint written in steps: the alerts changed and the history produced since the last
//! checkpoint are written a chunk per commit, each chunk once the one before is committed, and
//! the ingest log is trimmed after the last. Posts arriving meanwhile commit between the
//! chunks instead of waiting behind one commit of every changed alert (which took over a
//! second for 200,000 alerts on SQLite).
//!
//! Correct because the set of alerts to write is taken when the checkpoint begins: every alert
//! a logged batch up to the trim point changed is in it (or changed again later, and written
//! then with a state that includes the earlier change), and the trim is queued after the last
//! chunk, and commits are in queue order.

use std::collections::HashSet;

use triage_core::engine::StateChange;
use triage_core::labels::Fingerprint;

/// Alerts, and history entries, per step.
pub const CHUNK: usize = 5_000;

/// What a checkpoint in progress still has to write.
#[derive(Debug, Default)]
pub struct Pending {
    /// Alerts to write.
    pub alerts: Vec<Fingerprint>,
    /// History entries to write.
    pub changes: Vec<StateChange>,
    /// The last logged batch the checkpoint covers; trimmed after the last step.
    pub upto: i64,
}

impl Pending {
    /// A checkpoint of `dirty` and `changes` up to batch `upto`.
    pub fn new(dirty: &mut HashSet<Fingerprint>, changes: &mut Vec<StateChange>, upto: i64) -> Pending {
        Pending { alerts: dirty.drain().collect(), changes: std::mem::take(changes), upto }
    }

    /// Adds what changed since it began and moves its trim point (a full checkpoint that
    /// takes this one over).
    pub fn absorb(&mut self, dirty: &mut HashSet<Fingerprint>, changes: &mut Vec<StateChange>, upto: i64) {
        self.alerts.extend(dirty.drain());
        self.changes.append(changes);
        self.upto = upto;
    }

    /// The next step's alerts and history entries; both empty once everything is taken.
    pub fn next_step(&mut self, size: usize) -> (Vec<Fingerprint>, Vec<StateChange>) {
        let a = self.alerts.len().saturating_sub(size);
        let c = self.changes.len().saturating_sub(size);
        (self.alerts.split_off(a), self.changes.split_off(c))
    }

    /// Whether nothing is left but the trim.
    pub fn is_written(&self) -> bool {
        self.alerts.is_empty() && self.changes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(i: u64) -> StateChange {
        StateChange { fingerprint: Fingerprint(i), at: jiff::Timestamp::UNIX_EPOCH, firing: true }
    }

    #[test]
    fn steps_take_everything_once() {
        let mut dirty: HashSet<Fingerprint> = (0..12_345).map(Fingerprint).collect();
        let mut changes: Vec<StateChange> = (0..7_000).map(change).collect();
        let mut p = Pending::new(&mut dirty, &mut changes, 9);
        assert!(dirty.is_empty() && changes.is_empty());
        let (mut alerts, mut history) = (HashSet::new(), 0);
        let mut steps = 0;
        while !p.is_written() {
            let (a, c) = p.next_step(CHUNK);
            assert!(a.len() <= CHUNK && c.len() <= CHUNK);
            alerts.extend(a);
            history += c.len();
            steps += 1;
        }
        assert_eq!((alerts.len(), history, steps), (12_345, 7_000, 3));
        assert_eq!(p.next_step(CHUNK), (vec![], vec![]));
    }

    #[test]
    fn a_full_checkpoint_takes_over_what_is_left() {
        let mut dirty: HashSet<Fingerprint> = (0..10).map(Fingerprint).collect();
        let mut changes = vec![change(1)];
        let mut p = Pending::new(&mut dirty, &mut changes, 3);
        let _ = p.next_step(4);
        dirty.insert(Fingerprint(99));
        changes.push(change(99));
        p.absorb(&mut dirty, &mut changes, 8);
        assert_eq!(p.upto, 8);
        let (a, c) = p.next_step(usize::MAX);
        assert_eq!(a.len(), 7);
        assert!(a.contains(&Fingerprint(99)));
        assert_eq!(c.len(), 1);
        assert!(p.is_written());
    }
}
