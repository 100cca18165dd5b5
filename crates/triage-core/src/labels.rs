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

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv_write(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// A set of labels, kept sorted by name with unique names.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct LabelSet(Vec<(Str, Str)>);

impl LabelSet {
    /// An empty set.
    pub fn new() -> LabelSet {
        LabelSet(Vec::new())
    }

    /// Builds a set from pairs; for a repeated name the last value wins.
    pub fn from_pairs<I, N, V>(pairs: I) -> LabelSet
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<Str>,
        V: Into<Str>,
    {
        let mut set = LabelSet::new();
        for (n, v) in pairs {
            set.insert(n.into(), v.into());
        }
        set
    }

    /// Sets `name` to `value`, replacing any previous value.
    pub fn insert(&mut self, name: Str, value: Str) {
        match self.0.binary_search_by(|(n, _)| n.as_str().cmp(name.as_str())) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Str> {
        match self.0.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => Some(self.0.remove(i).1),
            Err(_) => None,
        }
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok().map(|i| self.0[i].1.as_str())
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
        self.0.len()
    }

    /// Whether the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Drops labels whose value is empty (Alertmanager treats them as absent).
    pub fn remove_empty(&mut self) {
        self.0.retain(|(_, v)| !v.is_empty());
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
        for (n, v) in &self.0 {
            h = fnv_write(h, n.as_bytes());
            h = fnv_write(h, &[0xff]);
            h = fnv_write(h, v.as_bytes());
            h = fnv_write(h, &[0xff]);
        }
        Fingerprint(h)
    }

    /// Checks names and values the way Alertmanager 0.25 does; the message is its wording.
    pub fn validate(&self) -> Result<(), String> {
        for (n, _) in &self.0 {
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
        let mut names: Vec<&str> = self.0.iter().map(|(n, _)| n.as_str()).collect();
        names.extend(other.0.iter().map(|(n, _)| n.as_str()));
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
        for (i, (n, v)) in self.0.iter().enumerate() {
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

impl Serialize for LabelSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (n, v) in &self.0 {
            map.serialize_entry(n.as_str(), v.as_str())?;
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
                let mut out: Vec<(Str, Str)> = Vec::with_capacity(pairs.len());
                for (n, v) in pairs {
                    match out.last_mut() {
                        Some(last) if last.0 == n => last.1 = v,
                        _ => out.push((n, v)),
                    }
                }
                Ok(LabelSet(out))
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
