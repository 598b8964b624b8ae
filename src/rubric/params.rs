//! Parameter types shared by rubric conditions and check kinds. Each one
//! validates while it deserializes (a regex compiles, a duration parses), so
//! that an error carries the exact path, and so the position, of the value.

use std::fmt;

use regex::{Regex, RegexSet};
use serde::de::{self, Deserialize, Deserializer};

/// A duration in seconds, written `30s`, `2m`, `1h`, `500ms` or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Seconds(pub f64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

impl std::str::FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number.parse().map_err(|_| {
            format!("expected a duration such as `30s`, `2m` or `1h`, found `{text}`")
        })?;
        let factor = match unit.trim() {
            "" | "s" => 1.0,
            "ms" => 0.001,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{text}`; use ms, s, m or h"
                ));
            }
        };
        Ok(Seconds(value * factor))
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(v) if v >= 0.0 => Ok(Seconds(v)),
                _ => Err(de::Error::custom("a duration must not be negative")),
            },
            serde_json::Value::String(s) => s.parse().map_err(de::Error::custom),
            other => Err(de::Error::custom(format!(
                "expected a duration such as `30s`, found {}",
                crate::trace::json_type_name(&other)
            ))),
        }
    }
}

/// One value or a list of them: `channel: voice` or `channel: [voice, chat]`.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T: PartialEq> OneOrMany<T> {
    pub fn contains(&self, value: &T) -> bool {
        self.0.contains(value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Not an untagged enum: that would hide the inner error message.
        let value = serde_json::Value::deserialize(deserializer)?;
        let result = match value {
            serde_json::Value::Array(_) => Vec::<T>::deserialize(value).map(OneOrMany),
            other => T::deserialize(other).map(|one| OneOrMany(vec![one])),
        };
        result.map_err(de::Error::custom)
    }
}

/// Case-insensitive regular expressions, compiled at load time.
#[derive(Debug, Clone)]
pub struct Patterns {
    set: RegexSet,
    regexes: Vec<Regex>,
}

/// Where a pattern matched: which pattern, and the byte range it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub pattern: String,
    pub start: usize,
    pub end: usize,
}

impl Patterns {
    pub fn new<S: AsRef<str>>(sources: &[S]) -> Result<Self, String> {
        if sources.is_empty() {
            return Err("expected at least one pattern".to_string());
        }
        let mut regexes = Vec::with_capacity(sources.len());
        for source in sources {
            let source = source.as_ref();
            let regex = regex::RegexBuilder::new(source)
                .case_insensitive(true)
                .build()
                .map_err(|err| format!("invalid regex `{source}`: {}", regex_cause(&err)))?;
            regexes.push(regex);
        }
        let set = regex::RegexSetBuilder::new(regexes.iter().map(|r| r.as_str()))
            .case_insensitive(true)
            .build()
            .map_err(|err| one_line(&err.to_string()))?;
        Ok(Patterns { set, regexes })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    /// The first pattern (in rubric order) that matches, and what it matched.
    /// Most texts match nothing, so one pass of the set decides that first.
    pub fn find(&self, text: &str) -> Option<Match> {
        if !self.set.is_match(text) {
            return None;
        }
        self.regexes.iter().find_map(|regex| {
            regex.find(text).map(|found| Match {
                pattern: regex.as_str().to_string(),
                start: found.start(),
                end: found.end(),
            })
        })
    }

    /// Indices of every pattern that matches.
    pub fn matching(&self, text: &str) -> impl Iterator<Item = usize> {
        self.set.matches(text).into_iter()
    }

    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.regexes.iter().map(Regex::as_str)
    }
}

/// The cause of a regex error, without the multi-line source excerpt.
fn regex_cause(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| one_line(&text))
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'de> Deserialize<'de> for Patterns {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let sources = OneOrMany::<String>::deserialize(deserializer)?;
        Patterns::new(&sources.0).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!("30s".parse::<Seconds>(), Ok(Seconds(30.0)));
        assert_eq!("2m".parse::<Seconds>(), Ok(Seconds(120.0)));
        assert_eq!("1.5h".parse::<Seconds>(), Ok(Seconds(5400.0)));
        assert_eq!("250ms".parse::<Seconds>(), Ok(Seconds(0.25)));
        assert!("10 parsecs".parse::<Seconds>().is_err());
        assert!("soon".parse::<Seconds>().is_err());
    }

    #[test]
    fn patterns_are_case_insensitive_and_report_the_first_match() {
        let patterns = Patterns::new(&["account number", r"date of birth"]).unwrap();
        let found = patterns
            .find("Could I get your Account Number please?")
            .unwrap();
        assert_eq!(found.pattern, "account number");
        assert_eq!(
            &"Could I get your Account Number please?"[found.start..found.end],
            "Account Number"
        );
        assert!(patterns.find("Hi Sarah").is_none());
        assert!(Patterns::new(&["(unclosed"]).is_err());
    }
}
