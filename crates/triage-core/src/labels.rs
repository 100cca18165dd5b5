//! Label sets: the identity of an alert.
//!
//! A [`LabelSet`] is a sorted list of name/value pairs. Its [`Fingerprint`] equals
//! Alertmanager's for the same set (FNV-1a 64 over `name 0xff value 0xff` in name order), so
//! fingerprints shown by triage and by Alertmanager agree. Its `Display` is Alertmanager's
//! `{a="x", b="y"}` form, which also appears in group keys.

use std::fmt;

use compact_str::CompactString;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::quote::go_quote;

/// A label name or value. Short strings (up to 24 bytes) are stored inline.
pub type Str = CompactString;

/// A 64-bit label-set hash, shown as 16 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Fingerprint {
    /// Parses the 16-hex-digit form.
    pub fn parse(s: &str) -> Option<Fingerprint> {
        if s.is_empty() || s.len() > 16 {
            return None;
        }
        u64::from_str_radix(s, 16).ok().map(Fingerprint)
    }
}

/// FNV-1a 64 offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`, continuing from `h` (start from [`FNV_OFFSET`]).
pub fn fnv_write(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Hashes one label as Alertmanager does: `name 0xff value 0xff`.
fn fnv_pair(h: u64, name: &str, value: &str) -> u64 {
    let h = fnv_write(h, name.as_bytes());
    let h = fnv_write(h, &[0xff]);
    let h = fnv_write(h, value.as_bytes());
    fnv_write(h, &[0xff])
}

/// A set of labels, kept sorted by name with unique names.
///
/// Stored compactly, as one text buffer holding name, value, name, value, ... and the end
/// offset of each piece: a held alert's label set costs about its text plus four bytes a
/// piece, instead of two string headers a label. Changing a set rebuilds it, which happens
/// only while an alert is being parsed or grouped.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct LabelSet {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl LabelSet {
    /// An empty set.
    pub fn new() -> LabelSet {
        LabelSet::default()
    }

    /// Builds a set from pairs already sorted by name with unique names.
    fn from_sorted(pairs: &[(&str, &str)]) -> LabelSet {
        let len: usize = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
        let mut text = String::with_capacity(len);
        let mut ends = Vec::with_capacity(pairs.len() * 2);
        for (n, v) in pairs {
            text.push_str(n);
            ends.push(text.len() as u32);
            text.push_str(v);
            ends.push(text.len() as u32);
        }
        LabelSet { text: text.into_boxed_str(), ends: ends.into_boxed_slice() }
    }

    fn piece(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        let mut lo = 0;
        let mut hi = self.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.piece(2 * mid).cmp(name) {
                std::cmp::Ordering::Equal => return Ok(mid),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        Err(lo)
    }

    fn rebuild(&mut self, edit: impl FnOnce(&mut Vec<(&str, &str)>)) {
        let mut pairs: Vec<(&str, &str)> = self.iter().collect();
        edit(&mut pairs);
        *self = LabelSet::from_sorted(&pairs);
    }

    /// Builds a set from pairs; for a repeated name the last value wins.
    pub fn from_pairs<I, N, V>(pairs: I) -> LabelSet
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<Str>,
        V: Into<Str>,
    {
        let mut v: Vec<(Str, Str)> = pairs.into_iter().map(|(n, v)| (n.into(), v.into())).collect();
        // Stable sort keeps a repeated name's values in order; the last one is kept.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(&str, &str)> = Vec::with_capacity(v.len());
        for (n, val) in &v {
            match out.last_mut() {
                Some(last) if last.0 == n.as_str() => last.1 = val,
                _ => out.push((n, val)),
            }
        }
        LabelSet::from_sorted(&out)
    }

    /// Sets `name` to `value`, replacing any previous value.
    pub fn insert(&mut self, name: Str, value: Str) {
        let pos = self.position(&name);
        let mut pairs: Vec<(&str, &str)> = self.iter().collect();
        match pos {
            Ok(i) => pairs[i].1 = &value,
            Err(i) => pairs.insert(i, (&name, &value)),
        }
        *self = LabelSet::from_sorted(&pairs);
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Str> {
        let i = self.position(name).ok()?;
        let value = Str::from(self.piece(2 * i + 1));
        self.rebuild(|pairs| {
            pairs.remove(i);
        });
        Some(value)
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).ok().map(|i| self.piece(2 * i + 1))
    }

    /// The value of `name`, or `""` when it is not set (how matchers see a missing label).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    /// Whether the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.len()).map(|i| (self.piece(2 * i), self.piece(2 * i + 1)))
    }

    /// Drops labels whose value is empty (Alertmanager treats them as absent).
    pub fn remove_empty(&mut self) {
        if self.iter().any(|(_, v)| v.is_empty()) {
            self.rebuild(|pairs| pairs.retain(|(_, v)| !v.is_empty()));
        }
    }

    /// The subset with the given names (missing names are left out).
    pub fn subset<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> LabelSet {
        let mut out = LabelSet::new();
        for n in names {
            if let Some(v) = self.get(n) {
                out.insert(n.into(), v.into());
            }
        }
        out
    }

    /// Alertmanager's fingerprint of this set.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut h = FNV_OFFSET;
        for (n, v) in self.iter() {
            h = fnv_pair(h, n, v);
        }
        Fingerprint(h)
    }

    /// The fingerprint of `self.subset(names)` without building it; `names` must be sorted
    /// and unique.
    pub fn subset_fingerprint(&self, names: &[String]) -> Fingerprint {
        let mut h = FNV_OFFSET;
        for n in names {
            if let Some(v) = self.get(n) {
                h = fnv_pair(h, n, v);
            }
        }
        Fingerprint(h)
    }

    /// Checks names and values the way Alertmanager 0.25 does; the message is its wording.
    pub fn validate(&self) -> Result<(), String> {
        for (n, _) in self.iter() {
            if !is_valid_label_name(n) {
                return Err(format!("invalid name {}", go_quote(n)));
            }
        }
        Ok(())
    }

    /// Alertmanager's `LabelSet.Before`: shorter sets first, then by the first differing
    /// label in name order.
    pub fn before(&self, other: &LabelSet) -> bool {
        if self.len() != other.len() {
            return self.len() < other.len();
        }
        let mut names: Vec<&str> = self.iter().map(|(n, _)| n).collect();
        names.extend(other.iter().map(|(n, _)| n));
        names.sort_unstable();
        for n in names {
            let Some(a) = self.get(n) else { return true };
            let Some(b) = other.get(n) else { return false };
            if a != b {
                return a < b;
            }
        }
        false
    }
}

/// `^[a-zA-Z_][a-zA-Z0-9_]*$`, the label-name rule of Alertmanager 0.25.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl fmt::Display for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={}", n, go_quote(v))?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A fingerprint is written as its 16 hex digits.
impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fingerprint, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Fingerprint::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid fingerprint {s:?}")))
    }
}

impl Serialize for LabelSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (n, v) in self.iter() {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for LabelSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LabelSet, D::Error> {
        struct SetVisitor;
        impl<'de> Visitor<'de> for SetVisitor {
            type Value = LabelSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string label values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelSet, A::Error> {
                let mut pairs: Vec<(Str, Str)> = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((n, v)) = map.next_entry::<Str, Str>()? {
                    pairs.push((n, v));
                }
                // Sort stably so that, for a repeated name, the last value stays last.
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                let mut out: Vec<(&str, &str)> = Vec::with_capacity(pairs.len());
                for (n, v) in &pairs {
                    match out.last_mut() {
                        Some(last) if last.0 == n.as_str() => last.1 = v,
                        _ => out.push((n, v)),
                    }
                }
                if out.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>() > u32::MAX as usize {
                    return Err(serde::de::Error::custom("label set too large"));
                }
                Ok(LabelSet::from_sorted(&out))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<LabelSet, E> {
                Ok(LabelSet::new())
            }
        }
        d.deserialize_any(SetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fingerprint_is_fnv_offset() {
        assert_eq!(LabelSet::new().fingerprint().to_string(), "cbf29ce484222325");
    }

    #[test]
    fn fingerprint_matches_alertmanager() {
        let ls = LabelSet::from_pairs([("instance", "db-1"), ("alertname", "HighLoad")]);
        assert_eq!(ls.fingerprint().to_string(), "1d97379e18a0e7c1");
    }

    #[test]
    fn display_is_sorted_and_quoted() {
        let ls = LabelSet::from_pairs([("b", "x\"y"), ("a", "1")]);
        assert_eq!(ls.to_string(), r#"{a="1", b="x\"y"}"#);
    }

    #[test]
    fn json_duplicate_keys_last_wins() {
        let ls: LabelSet = serde_json::from_str(r#"{"a":"1","b":"2","a":"3"}"#).unwrap();
        assert_eq!(ls.get("a"), Some("3"));
        assert_eq!(ls.len(), 2);
    }

    #[test]
    fn json_rejects_non_string_values() {
        assert!(serde_json::from_str::<LabelSet>(r#"{"a":1}"#).is_err());
    }

    #[test]
    fn label_name_rule() {
        assert!(is_valid_label_name("_a1"));
        assert!(!is_valid_label_name("1a"));
        assert!(!is_valid_label_name("a-b"));
        assert!(!is_valid_label_name(""));
        assert!(!is_valid_label_name("é"));
    }

    #[test]
    fn before_orders_by_size_then_values() {
        let a = LabelSet::from_pairs([("a", "1")]);
        let b = LabelSet::from_pairs([("a", "2")]);
        let c = LabelSet::from_pairs([("a", "1"), ("b", "1")]);
        assert!(a.before(&b));
        assert!(!b.before(&a));
        assert!(b.before(&c));
        let d = LabelSet::from_pairs([("b", "1")]);
        // {a=1} vs {b=1}: the first name in order, "a", is missing from d, so d sorts first.
        assert!(d.before(&a));
        assert!(!a.before(&d));
    }

    proptest::proptest! {
        #[test]
        fn behaves_like_a_sorted_map(ops in proptest::collection::vec((proptest::bool::ANY, "[a-c]{1,2}", ".{0,5}"), 0..24)) {
            let mut set = LabelSet::new();
            let mut model = std::collections::BTreeMap::new();
            for (insert, n, v) in ops {
                if insert {
                    set.insert(n.as_str().into(), v.as_str().into());
                    model.insert(n, v);
                } else {
                    proptest::prop_assert_eq!(set.remove(&n).map(|s| s.to_string()), model.remove(&n));
                }
                let got: Vec<(String, String)> = set.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
                let want: Vec<(String, String)> = model.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
                proptest::prop_assert_eq!(got, want);
                for (n, v) in &model {
                    proptest::prop_assert_eq!(set.get(n), Some(v.as_str()));
                }
                proptest::prop_assert_eq!(set.get("zz"), None);
            }
        }

        #[test]
        fn subset_fingerprint_agrees(pairs in proptest::collection::vec(("[a-d]", "[x-z]{0,2}"), 0..6), names in proptest::collection::btree_set("[a-e]", 0..4)) {
            let ls = LabelSet::from_pairs(pairs);
            let names: Vec<String> = names.into_iter().collect();
            proptest::prop_assert_eq!(ls.subset_fingerprint(&names), ls.subset(names.iter().map(String::as_str)).fingerprint());
        }

        #[test]
        fn fingerprint_ignores_insertion_order(pairs in proptest::collection::vec(("[a-z]{1,4}", ".{0,6}"), 0..8)) {
            let a = LabelSet::from_pairs(pairs.clone());
            let mut dedup: Vec<(String, String)> = Vec::new();
            for (n, v) in pairs { dedup.retain(|(m, _)| *m != n); dedup.push((n, v)); }
            dedup.reverse();
            let b = LabelSet::from_pairs(dedup);
            proptest::prop_assert_eq!(a.fingerprint(), b.fingerprint());
        }
    }
}
