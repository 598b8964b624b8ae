//! YAML with positions: a small node tree that remembers where every value
//! and key stood, so that every rubric error can name its line and column.
//!
//! serde-saphyr parses the text (and reports syntax errors with their
//! location); its [`Spanned`] wrapper gives each node its position. Typed
//! decoding then goes through JSON values and `serde_path_to_error`, and the
//! path of a failure is resolved back to a position in this tree.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

/// A 1-based line and column in the rubric text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

#[derive(Debug, Clone)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, node)| node)
    }

    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) | NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// The same value as JSON, leaving out the keys in `skip` at this level.
    pub fn to_json_without(&self, skip: &[&str]) -> Value {
        match &self.value {
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .filter(|(key, _)| !skip.contains(&key.name.as_str()))
                    .map(|(key, node)| (key.name.clone(), node.to_json()))
                    .collect(),
            ),
            _ => self.to_json(),
        }
    }

    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(_) => self.to_json_without(&[]),
        }
    }

    /// Follows a `serde_path_to_error` path down the tree as far as it
    /// goes, so an error points at the value that caused it.
    pub fn descend(&self, path: &serde_path_to_error::Path) -> &Node {
        let segments: Vec<_> = path.iter().cloned().collect();
        self.descend_segments(&segments)
    }

    pub fn descend_segments(&self, segments: &[serde_path_to_error::Segment]) -> &Node {
        let mut node = self;
        for segment in segments {
            let next = match segment {
                serde_path_to_error::Segment::Seq { index } => match &node.value {
                    NodeValue::Seq(items) => items.get(*index),
                    _ => None,
                },
                serde_path_to_error::Segment::Map { key } => node.get(key),
                serde_path_to_error::Segment::Enum { variant } => node.get(variant),
                serde_path_to_error::Segment::Unknown => None,
            };
            match next {
                Some(child) => node = child,
                None => break,
            }
        }
        node
    }

    pub fn locate(&self, path: &serde_path_to_error::Path) -> Pos {
        self.descend(path).pos
    }
}

fn pos_of(location: &serde_saphyr::Location) -> Pos {
    Pos {
        line: location.line(),
        column: location.column(),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeValue>::deserialize(deserializer)?;
        Ok(Node {
            pos: pos_of(&spanned.referenced),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<KeyName>::deserialize(deserializer)?;
        Ok(Key {
            pos: pos_of(&spanned.referenced),
            name: spanned.value.0,
        })
    }
}

/// A mapping key: rubric keys are strings, but `1:` or `true:` is accepted
/// as its text so that the error about it can be a helpful one.
struct KeyName(String);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = NodeValue::deserialize(deserializer)?;
        Ok(KeyName(match value {
            NodeValue::Str(s) => s,
            NodeValue::Int(i) => i.to_string(),
            NodeValue::Float(f) => f.to_string(),
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Null => "null".to_string(),
            NodeValue::Seq(_) | NodeValue::Map(_) => {
                return Err(de::Error::custom("a mapping key must be a plain value"));
            }
        }))
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        i64::try_from(v)
            .map(NodeValue::Int)
            .or(Ok(NodeValue::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(NodeValue::Map(entries))
    }
}

/// A YAML syntax error, with its position when the parser knows it.
#[derive(Debug)]
pub struct SyntaxError {
    pub pos: Option<Pos>,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    // YAML 1.2 booleans only: a dimension id `no` or a key `y` stays text.
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|err| {
        let pos = err
            .location()
            .map(|loc| pos_of(&loc))
            .filter(|p| p.line > 0);
        let message = err.without_snippet().to_string();
        let message = match message.find(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        SyntaxError { pos, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let node = parse("a: 1\nlist:\n  - x: 'hi'\n    y: [1, 2]\n").unwrap();
        let (key, value) = node.entry("list").unwrap();
        assert_eq!(key.pos, Pos { line: 2, column: 1 });
        let NodeValue::Seq(items) = &value.value else {
            panic!("expected a list, found {}", value.type_name())
        };
        let y = items[0].get("y").unwrap();
        assert_eq!(y.pos.line, 4);
        assert_eq!(items[0].get("x").unwrap().pos, Pos { line: 3, column: 8 });
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": 1, "list": [{"x": "hi", "y": [1, 2]}]})
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.is_some(), "{err:?}");
        assert!(!err.message.is_empty());
    }
}
