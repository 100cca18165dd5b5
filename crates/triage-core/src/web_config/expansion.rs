//! The size of a YAML document once its aliases are expanded, counted without building
//! anything, so that a few anchors cannot make the real parse allocate gigabytes ("billion
//! laughs").
//!
//! The document is walked once with a visitor that only counts: one per node plus the bytes
//! of each string. The walk stops as soon as the budget is spent, so it costs at most the
//! budget in time and nothing in memory beyond the parser's events. An alias-free document
//! counts less than about twice its own length, so the budget ([`super::MAX_EXPANDED`])
//! only ever refuses files whose aliases multiply them.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

/// Refuses `text` if its expanded size is over `budget`; a YAML syntax error is returned as
/// the parser words it.
pub(super) fn check(text: &str, budget: usize) -> Result<(), String> {
    let left = Cell::new(budget);
    Counter { left: &left, budget }.deserialize(yaml_serde::Deserializer::from_str(text)).map_err(|e| e.to_string())
}

#[derive(Clone, Copy)]
struct Counter<'a> {
    left: &'a Cell<usize>,
    budget: usize,
}

impl Counter<'_> {
    fn charge<E: serde::de::Error>(self, units: usize) -> Result<(), E> {
        match self.left.get().checked_sub(units) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "the document's aliases expand it beyond {} bytes; aliases may at most double a web configuration",
                self.budget
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        self.charge(1 + s.len())
    }

    fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<(), E> {
        self.charge(1 + b.len())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.charge(1)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.charge(1)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.charge(1)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    /// A tagged node (`!tag value`): the tag and the value.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}
