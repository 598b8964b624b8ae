//! Parameter types shared by rubric conditions and check kinds. Each one
//! validates while it deserializes (a regex compiles, a duration parses), so
//! that an error carries the exact path, and so the position, of the value.

use std::fmt;

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
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

/// Case-insensitive regular expressions, compiled at load time into one
/// automaton: a single leftmost-first search over a text says whether any
/// pattern matches, where, and which one.
///
/// The automaton comes in two builds that find the same matches. Texts up
/// to [`SHORT_TEXT`] bytes (nearly every turn) go to one without a
/// prefilter: over a turn of a few dozen words, skipping ahead to the
/// patterns' literal prefixes saves less than it costs. On the shipped
/// rubric this made the rule checks about a tenth faster (see the README's
/// Choices). Longer texts go to one with the prefilter the regex crate
/// chooses.
///
/// Neither build keeps the patterns' groups: a match is only ever asked
/// for its pattern and its span, and every thread that searches an
/// automaton holds a table of capture slots for each of its states (the
/// PikeVM's cache, made with the thread's first search), so groups cost
/// memory in proportion to groups times states, per thread.
#[derive(Debug, Clone)]
pub struct Patterns {
    short: meta::Regex,
    long: meta::Regex,
    sources: Vec<String>,
}

/// Texts up to this many bytes are searched without a prefilter.
const SHORT_TEXT: usize = 512;

/// Where a pattern matched: which pattern (its index in the list), and the
/// byte range it matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

impl Patterns {
    pub fn new<S: AsRef<str>>(sources: &[S]) -> Result<Self, String> {
        if sources.is_empty() {
            return Err("expected at least one pattern".to_string());
        }
        let syntax = regex_automata::util::syntax::Config::new().case_insensitive(true);
        // Texts are matched in their normal form: so are the literal parts
        // of patterns (`I’ll` with a curly apostrophe finds "I'll").
        let compiled: Vec<std::borrow::Cow<str>> = sources
            .iter()
            .map(|source| {
                let source = source.as_ref();
                crate::checks::normalize::fold_pattern(source)
                    .map_or(std::borrow::Cow::Borrowed(source), std::borrow::Cow::Owned)
            })
            .collect();
        // Whole matches only: see the type's doc.
        let spans_only = meta::Config::new().which_captures(WhichCaptures::Implicit);
        let long = meta::Regex::builder()
            .syntax(syntax)
            .configure(spans_only.clone())
            .build_many(&compiled)
            .map_err(|err| {
                // Name the pattern at fault: compile each alone to find it.
                for (source, compiled) in sources.iter().zip(&compiled) {
                    let source = source.as_ref();
                    if let Err(err) = meta::Regex::builder().syntax(syntax).build(compiled) {
                        let cause = match err.syntax_error() {
                            Some(syntax) => regex_cause(syntax),
                            None => regex_cause(&err),
                        };
                        return format!("invalid regex `{source}`: {cause}");
                    }
                }
                regex_cause(&err)
            })?;
        let short = meta::Regex::builder()
            .syntax(syntax)
            .configure(spans_only.auto_prefilter(false))
            .build_many(&compiled)
            .map_err(|err| regex_cause(&err))?;
        Ok(Patterns {
            short,
            long,
            sources: sources.iter().map(|s| s.as_ref().to_string()).collect(),
        })
    }

    fn regex_for(&self, text: &str) -> &meta::Regex {
        if text.len() <= SHORT_TEXT {
            &self.short
        } else {
            &self.long
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex_for(text).is_match(text)
    }

    /// The leftmost match in the text, and which pattern made it.
    pub fn find(&self, text: &str) -> Option<Match> {
        let found = self.regex_for(text).find(text)?;
        Some(Match {
            pattern: found.pattern().as_usize(),
            start: found.start(),
            end: found.end(),
        })
    }

    /// Every non-overlapping match, left to right.
    pub fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Match> + 't {
        self.regex_for(text).find_iter(text).map(|m| Match {
            pattern: m.pattern().as_usize(),
            start: m.start(),
            end: m.end(),
        })
    }

    /// Indices of the patterns behind every non-overlapping match, left to right.
    pub fn matching<'t>(&'t self, text: &'t str) -> impl Iterator<Item = usize> + 't {
        self.regex_for(text)
            .find_iter(text)
            .map(|m| m.pattern().as_usize())
    }

    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(String::as_str)
    }
}

/// The cause of a regex error, without the multi-line source excerpt.
fn regex_cause(err: &dyn std::fmt::Display) -> String {
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

/// Patterns as a rubric writes them, each checked by [`lint_pattern`].
/// A list item may itself be a list (a YAML alias of a list of patterns
/// defined elsewhere), flattened in place.
struct PatternSources(Vec<String>);

impl<'de> Deserialize<'de> for PatternSources {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(SourcesVisitor)
            .map(PatternSources)
    }
}

struct SourcesVisitor;

impl<'de> de::Visitor<'de> for SourcesVisitor {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a pattern or a list of patterns")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        lint_pattern(value).map_err(E::custom)?;
        Ok(vec![value.to_string()])
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut sources = Vec::new();
        while let Some(PatternSources(more)) = seq.next_element()? {
            sources.extend(more);
        }
        Ok(sources)
    }
}

/// The mistakes in a pattern that compile and then silently never (or
/// always) match, in words that say the fix: control characters, which a
/// double-quoted YAML string makes of `\b` (a backspace) and `\t`; an
/// empty pattern; a pattern that matches every text.
pub fn lint_pattern(source: &str) -> Result<(), String> {
    if let Some(c) = source.chars().find(|c| c.is_control()) {
        let escape = match c {
            '\u{8}' => "`\\b` (meant as a word boundary)",
            '\t' => "`\\t`",
            '\n' => "`\\n` or a line break",
            '\r' => "`\\r`",
            '\u{7}' => "`\\a`",
            '\u{c}' => "`\\f`",
            '\u{b}' => "`\\v`",
            '\0' => "`\\0`",
            _ => "an escape sequence",
        };
        let shown: String = source.escape_debug().collect();
        return Err(format!(
            "pattern \"{shown}\" holds the control character U+{:04X}: in a double-quoted YAML \
             string {escape} becomes that character, so the pattern cannot match what it says; \
             write the pattern in single quotes ('...') so that the backslash reaches the regex",
            c as u32
        ));
    }
    if source.is_empty() {
        return Err(
            "an empty pattern matches every text; remove it or write what it should find"
                .to_string(),
        );
    }
    // Only a pattern that can match nothing at all can match every text;
    // parsing says so cheaply, and only those are compiled and tried.
    let syntax = regex_automata::util::syntax::Config::new().case_insensitive(true);
    let can_be_empty = regex_automata::util::syntax::parse_with(source, &syntax)
        .is_ok_and(|hir| hir.properties().minimum_len() == Some(0));
    let matches_anything = ["", " ", "x", "0", ".", "\u{e9}"];
    if can_be_empty
        && let Ok(regex) = meta::Regex::builder().syntax(syntax).build(source)
        && matches_anything.iter().all(|text| regex.is_match(text))
    {
        return Err(format!(
            "pattern `{source}` matches every text (it can match nothing at all), so a check \
             using it always finds it; make it require the words it is meant to find"
        ));
    }
    Ok(())
}

/// What `lint` points out in a pattern that works, though not as written:
/// a character matching drops from every text (a zero-width space, a
/// soft hyphen, a control character), dropped from the pattern too.
pub fn pattern_warning(source: &str) -> Result<(), String> {
    let Some(c) = crate::checks::normalize::unseen_char(source) else {
        return Ok(());
    };
    let shown: String = source.escape_debug().collect();
    let folded = crate::checks::normalize::fold_pattern(source);
    let finds: String = match &folded {
        Some(folded) => format!(" (it is matched as `{folded}`)"),
        None => String::new(),
    };
    Err(format!(
        "pattern \"{shown}\" holds U+{:04X}, which matching drops from every text as a reader \
         never sees it: it is dropped from the pattern too{finds}; remove it from the pattern",
        c as u32
    ))
}

/// Whether an error message is one of [`lint_pattern`]'s.
pub fn is_pattern_mistake(message: &str) -> bool {
    message.contains("holds the control character")
        || message.contains("an empty pattern matches every text")
        || message.contains("matches every text (it can match nothing")
}

impl<'de> Deserialize<'de> for Patterns {
    /// One pattern or a list of them; a list may hold lists (YAML aliases of
    /// other lists), flattened. Each pattern is read on its own, so that an
    /// error names its place in the list (and so its line and column).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let PatternSources(sources) = PatternSources::deserialize(deserializer)?;
        Patterns::new(&sources).map_err(de::Error::custom)
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
        assert_eq!(found.pattern, 0);
        assert_eq!(
            &"Could I get your Account Number please?"[found.start..found.end],
            "Account Number"
        );
        assert!(patterns.find("Hi Sarah").is_none());
        assert!(Patterns::new(&["(unclosed"]).is_err());
    }

    #[test]
    fn short_and_long_texts_find_the_same_matches() {
        let patterns =
            Patterns::new(&[r"\baccount number\b", r"\b(call|ring) you back\b"]).unwrap();
        let turn = "Sure. Could I get your ACCOUNT NUMBER, or shall I ring you back?";
        let padding = "Thanks for waiting while I look into this. ".repeat(12);
        let long = format!("{padding}{turn}");
        assert!(turn.len() <= SHORT_TEXT && long.len() > SHORT_TEXT);
        let short_match = patterns.find(turn).unwrap();
        let long_match = patterns.find(&long).unwrap();
        assert_eq!(short_match.pattern, 0);
        assert_eq!(long_match.pattern, 0);
        assert_eq!(long_match.start - padding.len(), short_match.start);
        assert_eq!(&long[long_match.start..long_match.end], "ACCOUNT NUMBER");
        let found: Vec<usize> = patterns.matching(&long).collect();
        assert_eq!(found, patterns.matching(turn).collect::<Vec<_>>());
        assert_eq!(found, [0, 1]);
        assert!(!patterns.is_match(&padding));
        // The two builds agree wherever a text could go.
        for text in [
            turn,
            long.as_str(),
            padding.as_str(),
            "",
            "Café, call you back",
        ] {
            assert_eq!(
                patterns.short.find(text),
                patterns.long.find(text),
                "{text}"
            );
        }
    }
}
