//! Compact typed reading of large source documents.
//!
//! A 70 MB Contact Lens file parsed into `serde_json::Value` takes ten
//! times its size (every object an ordered map). The importers that read
//! such files deserialize them into structs of the fields they use, whose
//! leaves are [`Leaf`]s: text, a number, or the name of whatever else was
//! there, for messages. Fields nobody reads are skipped by the parser.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The JSON type of a value, without the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    List,
    Object,
}

impl Kind {
    /// "a list", "an object", for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::List => "a list",
            Kind::Object => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl<'de> Visitor<'de> for KindVisitor {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Kind, E> {
                Ok(Kind::Null)
            }
            fn visit_none<E>(self) -> Result<Kind, E> {
                Ok(Kind::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
                Ok(Kind::Bool)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Kind, E> {
                Ok(Kind::Number)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Kind, E> {
                Ok(Kind::Number)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
                Ok(Kind::Number)
            }
            fn visit_str<E>(self, _: &str) -> Result<Kind, E> {
                Ok(Kind::String)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Kind::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Kind::Object)
            }
        }
        deserializer.deserialize_any(KindVisitor)
    }
}

/// A leaf of a source document: text, a number, a boolean, absent (or
/// null), or the kind of anything else.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Leaf {
    #[default]
    Absent,
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
    Other(Kind),
}

impl Leaf {
    /// The text, when it is text and not blank.
    pub fn text(&self) -> Option<&str> {
        match self {
            Leaf::Text(text) if !text.trim().is_empty() => Some(text),
            _ => None,
        }
    }

    /// The text, taken out, when it is text and not blank.
    pub fn take_text(&mut self) -> Option<String> {
        match std::mem::take(self) {
            Leaf::Text(text) if !text.trim().is_empty() => Some(text),
            other => {
                *self = other;
                None
            }
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Leaf::Absent)
    }

    /// The JSON type, for messages.
    pub fn kind(&self) -> Kind {
        match self {
            Leaf::Absent => Kind::Null,
            Leaf::Text(_) => Kind::String,
            Leaf::Number(_) => Kind::Number,
            Leaf::Bool(_) => Kind::Bool,
            Leaf::Other(kind) => *kind,
        }
    }

    /// As a JSON value (a list or an object as an empty one of its kind),
    /// for the readers of times and numbers; `None` when absent.
    pub fn value(&self) -> Option<Value> {
        Some(match self {
            Leaf::Absent => return None,
            Leaf::Text(text) => Value::String(text.clone()),
            Leaf::Number(number) => Value::Number(number.clone()),
            Leaf::Bool(b) => Value::Bool(*b),
            Leaf::Other(Kind::List) => Value::Array(Vec::new()),
            Leaf::Other(Kind::Object) => Value::Object(serde_json::Map::new()),
            Leaf::Other(_) => Value::Null,
        })
    }
}

impl<'de> Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LeafVisitor;
        impl<'de> Visitor<'de> for LeafVisitor {
            type Value = Leaf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Leaf, E> {
                Ok(Leaf::Absent)
            }
            fn visit_none<E>(self) -> Result<Leaf, E> {
                Ok(Leaf::Absent)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Leaf, E> {
                Ok(Leaf::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Leaf, E> {
                Ok(Leaf::Number(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Leaf, E> {
                Ok(Leaf::Number(n.into()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Leaf, E> {
                Ok(serde_json::Number::from_f64(n).map_or(Leaf::Other(Kind::Number), Leaf::Number))
            }
            fn visit_str<E>(self, text: &str) -> Result<Leaf, E> {
                Ok(Leaf::Text(text.to_string()))
            }
            fn visit_string<E>(self, text: String) -> Result<Leaf, E> {
                Ok(Leaf::Text(text))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Leaf, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Leaf::Other(Kind::List))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Leaf, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Leaf::Other(Kind::Object))
            }
        }
        deserializer.deserialize_any(LeafVisitor)
    }
}

impl Serialize for Leaf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

/// For `#[serde(deserialize_with)]`: a field that may be `null`, read as
/// its default then.
pub(crate) fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `bytes` as a `T`; an error names where in the value it went wrong
/// (`Transcript[3].ParticipantId: invalid type: ...`).
pub(crate) fn typed<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.inner().to_string();
        let inner = match inner.rfind(" at line ") {
            Some(cut) => &inner[..cut],
            None => &inner,
        };
        if path == "." || path.is_empty() {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })
}
