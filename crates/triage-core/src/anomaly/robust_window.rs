//! A fixed-capacity sliding window of recent values that keeps a sorted copy, giving the
//! median, quantiles and the median absolute deviation (MAD) without re-sorting.
//!
//! Memory: two `f64` buffers of the window's capacity (16 bytes per slot) plus a few words.

/// Sliding window of the last `capacity` finite values.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustWindow {
    capacity: usize,
    /// Values in arrival order, as a ring once full.
    ring: Vec<f64>,
    /// Next slot of `ring` to overwrite once full.
    head: usize,
    /// The same values, sorted ascending.
    sorted: Vec<f64>,
}

impl RobustWindow {
    /// An empty window holding at most `capacity` (at least 1) values.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self { capacity, ring: Vec::with_capacity(capacity), head: 0, sorted: Vec::with_capacity(capacity) }
    }

    /// Rebuilds a window from values oldest first (extra oldest values beyond `capacity` are
    /// dropped, non-finite ones skipped).
    pub fn from_values(capacity: usize, values: &[f64]) -> Self {
        let mut window = Self::new(capacity);
        for &v in values {
            if v.is_finite() {
                window.push(v);
            }
        }
        window
    }

    /// The values oldest first.
    pub fn values_oldest_first(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.ring.len());
        out.extend_from_slice(&self.ring[self.head..]);
        out.extend_from_slice(&self.ring[..self.head]);
        out
    }

    /// The last `k` values (all of them when the window holds fewer), oldest first.
    pub fn recent(&self, k: usize) -> impl Iterator<Item = f64> + '_ {
        let n = self.ring.len();
        let k = k.min(n);
        // The newest value is just before `head` once full, at the end while filling.
        let end = if n < self.capacity { n } else { self.head + n };
        (end - k..end).map(move |i| self.ring[i % n])
    }

    /// The value `back` places before the newest (0 is the newest); `None` beyond the oldest.
    pub fn back(&self, back: usize) -> Option<f64> {
        let n = self.ring.len();
        if back >= n {
            return None;
        }
        let end = if n < self.capacity { n } else { self.head + n };
        Some(self.ring[(end - 1 - back) % n])
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Adds a finite value, evicting the oldest when full.
    pub fn push(&mut self, value: f64) {
        debug_assert!(value.is_finite());
        if self.ring.len() < self.capacity {
            self.ring.push(value);
        } else {
            let old = std::mem::replace(&mut self.ring[self.head], value);
            self.head = (self.head + 1) % self.capacity;
            let at = self.sorted.partition_point(|&x| x < old);
            self.sorted.remove(at);
        }
        let at = self.sorted.partition_point(|&x| x < value);
        self.sorted.insert(at, value);
    }

    /// The `q` quantile (0..=1, nearest rank); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (n - 1) as f64).round() as usize;
        self.sorted.get(rank).copied()
    }

    /// The median; `None` when empty.
    pub fn median(&self) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        Some(if n % 2 == 1 { self.sorted[n / 2] } else { 0.5 * self.sorted[n / 2 - 1] + 0.5 * self.sorted[n / 2] })
    }

    /// The median absolute deviation from `center` (the upper middle one for an even count);
    /// 0 when empty. Walks outwards from `center` through the sorted values: O(n), no
    /// allocation.
    pub fn mad(&self, center: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return 0.0;
        }
        let split = self.sorted.partition_point(|&x| x < center);
        // Deviations below centre grow leftwards from `split - 1`, above it rightwards from `split`.
        let (mut left, mut right) = (split, split);
        let mut deviation = 0.0;
        for _ in 0..=n / 2 {
            let below = (left > 0).then(|| center - self.sorted[left - 1]);
            let above = (right < n).then(|| self.sorted[right] - center);
            deviation = match (below, above) {
                (Some(b), Some(a)) if b <= a => {
                    left -= 1;
                    b
                }
                (_, Some(a)) => {
                    right += 1;
                    a
                }
                (Some(b), None) => {
                    left -= 1;
                    b
                }
                (None, None) => break,
            };
        }
        deviation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_and_keeps_order_statistics() {
        let mut w = RobustWindow::new(3);
        for v in [5.0, 1.0, 3.0, 10.0] {
            w.push(v);
        }
        assert_eq!(w.values_oldest_first(), vec![1.0, 3.0, 10.0]);
        assert_eq!(w.median(), Some(3.0));
        assert_eq!(w.quantile(1.0), Some(10.0));
        assert_eq!(w.mad(3.0), 2.0);
        let mut even = RobustWindow::new(8);
        for v in [1.0, 2.0, 4.0, 8.0] {
            even.push(v);
        }
        // Deviations from 3: 1, 1, 2, 5 -> upper middle 2.
        assert_eq!(even.mad(3.0), 2.0);
        let rebuilt = RobustWindow::from_values(3, &w.values_oldest_first());
        assert_eq!(rebuilt.median(), w.median());
        // The newest values, while filling and once the ring has wrapped.
        assert_eq!(w.recent(2).collect::<Vec<_>>(), vec![3.0, 10.0]);
        assert_eq!(w.recent(9).collect::<Vec<_>>(), vec![1.0, 3.0, 10.0]);
        assert_eq!((w.back(0), w.back(2), w.back(3)), (Some(10.0), Some(1.0), None));
        assert_eq!(even.recent(3).collect::<Vec<_>>(), vec![2.0, 4.0, 8.0]);
        assert_eq!((even.back(0), even.back(3), even.back(4)), (Some(8.0), Some(1.0), None));
    }
}
