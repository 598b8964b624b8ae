//! Decoding a rubric's node tree into validated types, collecting every error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use serde_path_to_error::Segment;

use super::yaml::{self, Key, Node, NodeValue, Pos};
use super::{Diagnostic, Dimension, Gates, Metrics, Rubric, RubricError};
use crate::checks::all_of::AllOf;
use crate::checks::any_of::AnyOf;
use crate::checks::judge::{JudgeCheck, JudgeParams};
use crate::checks::{Check, CheckKind, KIND_NAMES};
use crate::judge::prompt::{Prompt, PromptData};

/// Loads a rubric file; its judge prompts must lie in its folder.
pub fn load(path: &Path) -> Result<Rubric, RubricError> {
    load_with(path, &[])
}

/// Loads a rubric file whose judge prompts may lie in its folder or in one
/// of `prompt_roots` (symbolic links followed before deciding).
pub fn load_with(path: &Path, prompt_roots: &[PathBuf]) -> Result<Rubric, RubricError> {
    let text = std::fs::read_to_string(path).map_err(|source| RubricError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    decode(&text, &path.display().to_string(), base, prompt_roots)
}

/// Loads a rubric from text; `origin` names it in error messages, and prompt
/// files are looked up from the current directory.
pub fn from_str(text: &str, origin: &str) -> Result<Rubric, RubricError> {
    from_str_in(text, origin, Path::new("."))
}

/// Loads a rubric from text whose prompt files are relative to, and must
/// lie inside, `base`.
pub fn from_str_in(text: &str, origin: &str, base: &Path) -> Result<Rubric, RubricError> {
    decode(text, origin, base, &[])
}

fn decode(
    text: &str,
    origin: &str,
    base: &Path,
    prompt_roots: &[PathBuf],
) -> Result<Rubric, RubricError> {
    let invalid = |diagnostics| RubricError::Invalid {
        path: origin.to_string(),
        text: text.to_string(),
        diagnostics,
    };
    let root = yaml::parse(text).map_err(|err| {
        invalid(vec![Diagnostic {
            pos: err.pos,
            message: format!("invalid YAML: {}", err.message),
        }])
    })?;
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    // Prompts are confined to these folders, compared after symbolic links
    // are resolved; a folder that does not exist confines to nothing.
    let roots = std::iter::once(base)
        .chain(prompt_roots.iter().map(PathBuf::as_path))
        .filter_map(|root| std::fs::canonicalize(root).ok())
        .collect();
    let mut decoder = Decoder {
        diagnostics: Vec::new(),
        warnings: Vec::new(),
        base: base.to_path_buf(),
        roots,
        prompts: Vec::new(),
    };
    let rubric = decoder.rubric(&root);
    match rubric {
        Some(mut rubric) if decoder.diagnostics.is_empty() => {
            let mut unseen = Vec::new();
            pattern_problems(
                &root,
                "rubric",
                false,
                super::params::pattern_warning,
                &mut unseen,
            );
            for ((pos, at), message) in unseen {
                decoder.warnings.push(Diagnostic {
                    pos: Some(pos),
                    message: format!("{at}: {message}"),
                });
            }
            decoder.warnings.sort_by_key(|d| d.pos);
            rubric.warnings = decoder.warnings;
            Ok(rubric)
        }
        _ => {
            let mut diagnostics = decoder.diagnostics;
            diagnostics.sort_by_key(|d| d.pos);
            Err(invalid(diagnostics))
        }
    }
}

const RUBRIC_KEYS: &[&str] = &[
    "rubric",
    "version",
    "description",
    "applies_to",
    "pass_threshold",
    "metrics",
    "dimensions",
    "gates",
];
const DIMENSION_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "weight",
    "critical",
    "applies_when",
    "checks",
];
const METRICS_KEYS: &[&str] = &["repeat_yourself"];
const GATES_KEYS: &[&str] = &[
    "alpha",
    "critical_may_not_regress",
    "call",
    "each_dimension",
    "dimensions",
    "coverage",
];
/// Keys a check may carry beside its kind, or inside its parameters.
const CHECK_KEYS: &[&str] = &["name", "when"];

struct Decoder {
    diagnostics: Vec<Diagnostic>,
    /// What `lint` should point out, though the rubric is valid.
    warnings: Vec<Diagnostic>,
    /// Where prompt files are looked up.
    base: PathBuf,
    /// The folders prompt files must resolve into (canonical paths).
    roots: Vec<PathBuf>,
    /// Each judge prompt as the rubric names it, and its text: part of
    /// what the rubric hash covers.
    prompts: Vec<(String, String)>,
}

impl Decoder {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            pos: Some(pos),
            message: message.into(),
        });
    }

    /// Decodes a value through serde, locating every error in the node tree.
    fn decode<T: DeserializeOwned>(
        &mut self,
        node: &Node,
        value: serde_json::Value,
        what: &str,
    ) -> Option<T> {
        self.decode_all(node, value, what, serde_path_to_error::deserialize)
    }

    /// Decodes `value` with `decode`, reporting every field's error, not
    /// only the first: serde stops at the first, so the field at fault is
    /// taken out and the rest decoded again, until no other field is wrong.
    /// A required field taken out is then missing: that is not reported.
    fn decode_all<T>(
        &mut self,
        node: &Node,
        mut value: serde_json::Value,
        what: &str,
        decode: impl Fn(serde_json::Value) -> Result<T, DecodeError>,
    ) -> Option<T> {
        let mut errors: Vec<DecodeError> = Vec::new();
        let mut taken_out: Vec<String> = Vec::new();
        // Each round takes a field out; a rubric has far fewer.
        for _ in 0..256 {
            let err = match decode(value.clone()) {
                Ok(decoded) if errors.is_empty() => return Some(decoded),
                Ok(_) => break,
                Err(err) => err,
            };
            let mut segments: Vec<Segment> = err.path().iter().cloned().collect();
            let message = err.inner().to_string();
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(|field| {
                    let mut path = segments.clone();
                    path.push(Segment::Map {
                        key: field.to_string(),
                    });
                    path
                });
            if missing.is_some_and(|path| taken_out.contains(&path_key(&path))) {
                // Missing because it was taken out: take out what held it.
                if segments.is_empty() || !take_out(&mut value, &segments) {
                    break;
                }
                taken_out.push(path_key(&segments));
                continue;
            }
            if let Some(field) = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
                && !matches!(segments.last(), Some(Segment::Map { key }) if key == field)
            {
                segments.push(Segment::Map {
                    key: field.to_string(),
                });
            }
            errors.push(err);
            // An item of a list is not taken out alone (the later items'
            // places would shift): its list is.
            while matches!(segments.last(), Some(Segment::Seq { .. })) {
                segments.pop();
            }
            if segments.is_empty() || !take_out(&mut value, &segments) {
                break;
            }
            taken_out.push(path_key(&segments));
        }
        self.report(node, errors, what);
        None
    }

    /// Reports decoding errors, each at the node its path leads to; an
    /// unknown field, reported by serde on its map, points at the key itself.
    fn report(&mut self, node: &Node, errors: Vec<DecodeError>, what: &str) {
        let mut reported: Vec<Pos> = Vec::new();
        for err in errors {
            self.report_one(node, err, what, &mut reported);
        }
        // serde stops at the first problem of a list: the patterns
        // elsewhere in the same node are linted here, so that every mistake
        // is reported at once, each at its own position.
        let mut others = Vec::new();
        pattern_mistakes(node, "", false, &mut others);
        for (at, problem) in others {
            if !reported.contains(&at.0) {
                reported.push(at.0);
                self.error(at.0, format!("{what}{}: {problem}", at.1));
            }
        }
    }

    fn report_one(&mut self, node: &Node, err: DecodeError, what: &str, reported: &mut Vec<Pos>) {
        let path = err.path().clone();
        let message = err.into_inner().to_string();
        let mut pos = node.locate(&path);
        if let Some(field) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            // serde names the unknown field as the path's last segment.
            let segments: Vec<_> = path.iter().cloned().collect();
            let parent = match segments.last() {
                Some(serde_path_to_error::Segment::Map { key }) if key == field => {
                    &segments[..segments.len() - 1]
                }
                _ => &segments[..],
            };
            if let Some((key, _)) = node.descend_segments(parent).entry(field) {
                pos = key.pos;
            }
        }
        let at = path.to_string();
        let later_patterns = self.later_pattern_mistakes(node, &path, &message, what);
        let message = if at == "." || at.is_empty() {
            format!("{what}: {message}")
        } else {
            format!("{what}.{at}: {message}")
        };
        self.error(pos, message);
        reported.push(pos);
        for (pos, message) in later_patterns {
            if !reported.contains(&pos) {
                reported.push(pos);
                self.error(pos, message);
            }
        }
    }

    /// When a pattern in a list was rejected by the pattern lint, serde has
    /// stopped there: the later patterns of the same list are linted here,
    /// so that every mistake is reported, each at its own position.
    fn later_pattern_mistakes(
        &self,
        node: &Node,
        path: &serde_path_to_error::Path,
        message: &str,
        what: &str,
    ) -> Vec<(Pos, String)> {
        let segments: Vec<_> = path.iter().cloned().collect();
        let Some((serde_path_to_error::Segment::Seq { index }, parent)) = segments.split_last()
        else {
            return Vec::new();
        };
        if !super::params::is_pattern_mistake(message) {
            return Vec::new();
        }
        let list = node.descend_segments(parent);
        let NodeValue::Seq(items) = &list.value else {
            return Vec::new();
        };
        let mut at = String::new();
        for segment in parent {
            match segment {
                serde_path_to_error::Segment::Map { key } => {
                    if !at.is_empty() {
                        at.push('.');
                    }
                    at.push_str(key);
                }
                serde_path_to_error::Segment::Seq { index } => at.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        items
            .iter()
            .enumerate()
            .skip(index + 1)
            .filter_map(|(later, item)| {
                let NodeValue::Str(source) = &item.value else {
                    return None;
                };
                let problem = super::params::lint_pattern(source).err()?;
                Some((item.pos, format!("{what}.{at}[{later}]: {problem}")))
            })
            .collect()
    }

    fn field<T: DeserializeOwned>(&mut self, node: &Node, key: &str, what: &str) -> Option<T> {
        let value = node.get(key)?;
        self.decode(value, value.to_json(), &format!("{what}.{key}"))
    }

    fn required<T: DeserializeOwned>(&mut self, node: &Node, key: &str, what: &str) -> Option<T> {
        if node.get(key).is_none() {
            self.error(node.pos, format!("{what}: missing key `{key}`"));
            return None;
        }
        self.field(node, key, what)
    }

    /// The entries of a mapping, with every key not in `known` reported.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Option<&'n [(Key, Node)]> {
        let NodeValue::Map(entries) = &node.value else {
            self.error(
                node.pos,
                format!("{what}: expected a mapping, found {}", node.type_name()),
            );
            return None;
        };
        for (key, _) in entries {
            if !known.contains(&key.name.as_str()) {
                let message = format!(
                    "{what}: unknown key `{}`{}; expected one of: {}",
                    key.name,
                    did_you_mean(&key.name, known),
                    known.join(", ")
                );
                self.error(key.pos, message);
            }
        }
        Some(entries)
    }

    fn rubric(&mut self, root: &Node) -> Option<Rubric> {
        self.mapping(root, "rubric", RUBRIC_KEYS)?;
        let name: Option<String> = self.required(root, "rubric", "rubric");
        let version = match root.get("version") {
            None => {
                self.error(root.pos, "rubric: missing key `version`");
                None
            }
            Some(node) => match &node.value {
                NodeValue::Str(s) if !s.trim().is_empty() => Some(s.clone()),
                NodeValue::Int(i) => Some(i.to_string()),
                NodeValue::Float(f) => Some(f.to_string()),
                _ => {
                    self.error(
                        node.pos,
                        format!(
                            "rubric.version: expected a number or text, found {}",
                            node.type_name()
                        ),
                    );
                    None
                }
            },
        };
        let description: Option<String> = self.field(root, "description", "rubric");
        let applies_to = self.field(root, "applies_to", "rubric");
        let pass_threshold: Option<f64> = self.required(root, "pass_threshold", "rubric");
        if let (Some(threshold), Some(node)) = (pass_threshold, root.get("pass_threshold"))
            && !(0.0..=100.0).contains(&threshold)
        {
            self.error(
                node.pos,
                format!("rubric.pass_threshold: expected a score from 0 to 100, found {threshold}"),
            );
        }
        let dimensions = match root.get("dimensions") {
            None => {
                self.error(root.pos, "rubric: missing key `dimensions`");
                Vec::new()
            }
            Some(node) => self.dimensions(node),
        };
        let metrics = self.metrics(root.get("metrics"), &dimensions);
        let gates = self.gates(root.get("gates"), &dimensions);
        Some(Rubric {
            name: name?,
            version: version?,
            description,
            applies_to,
            pass_threshold: pass_threshold?,
            metrics,
            gates: gates.unwrap_or_default(),
            dimensions,
            hash: hash(root, &self.prompts),
            warnings: Vec::new(),
        })
    }

    /// `gates:`, decoded part by part so that every problem is reported,
    /// with out-of-range values and unknown dimension ids placed.
    fn gates(&mut self, node: Option<&Node>, dimensions: &[Dimension]) -> Option<Gates> {
        let node = node?;
        self.mapping(node, "rubric.gates", GATES_KEYS)?;
        let what = "rubric.gates";
        let defaults = Gates::default();
        let mut gates = Gates {
            alpha: self.field(node, "alpha", what).unwrap_or(defaults.alpha),
            critical_may_not_regress: self
                .field(node, "critical_may_not_regress", what)
                .unwrap_or(defaults.critical_may_not_regress),
            call: self.field(node, "call", what).unwrap_or_default(),
            each_dimension: self.field(node, "each_dimension", what).unwrap_or_default(),
            dimensions: Default::default(),
            coverage: self.field(node, "coverage", what).unwrap_or_default(),
        };
        let ids: Vec<&str> = dimensions.iter().map(|d| d.id.as_str()).collect();
        if let Some(listed) = node.get("dimensions")
            && let Some(entries) = self.mapping(listed, "rubric.gates.dimensions", &ids)
        {
            for (key, value) in entries {
                let what = format!("rubric.gates.dimensions.{}", key.name);
                if let Some(own) = self.decode(value, value.to_json(), &what) {
                    gates.dimensions.insert(key.name.clone(), own);
                }
            }
        }
        for (path, message) in gates.problems() {
            let mut at = node;
            for key in &path {
                at = at.get(key).unwrap_or(at);
            }
            self.error(
                at.pos,
                format!("rubric.gates.{}: {message}", path.join(".")),
            );
        }
        Some(gates)
    }

    fn dimensions(&mut self, node: &Node) -> Vec<Dimension> {
        let NodeValue::Seq(items) = &node.value else {
            self.error(
                node.pos,
                format!(
                    "rubric.dimensions: expected a list, found {}",
                    node.type_name()
                ),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(
                node.pos,
                "rubric.dimensions: expected at least one dimension",
            );
        }
        let mut seen = HashSet::new();
        let mut dimensions = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let what = format!("dimensions[{index}]");
            if let Some(dimension) = self.dimension(item, &what) {
                if !seen.insert(dimension.id.clone()) {
                    let pos = item.get("id").map_or(item.pos, |n| n.pos);
                    self.error(
                        pos,
                        format!("{what}.id: duplicate dimension id `{}`", dimension.id),
                    );
                }
                dimensions.push(dimension);
            }
        }
        dimensions
    }

    fn dimension(&mut self, node: &Node, what: &str) -> Option<Dimension> {
        self.mapping(node, what, DIMENSION_KEYS)?;
        let id: Option<String> = self.required(node, "id", what);
        if let (Some(id), Some(id_node)) = (&id, node.get("id"))
            && !is_identifier(id)
        {
            self.error(
                id_node.pos,
                format!("{what}.id: `{id}` is not an identifier (lower case letters, digits and `_`, starting with a letter)"),
            );
        }
        let what = match &id {
            Some(id) => format!("dimension `{id}`"),
            None => what.to_string(),
        };
        let title: Option<String> = self.required(node, "title", &what);
        let description = self.field(node, "description", &what);
        let weight: f64 = self.field(node, "weight", &what).unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            let pos = node.get("weight").map_or(node.pos, |n| n.pos);
            self.error(
                pos,
                format!("{what}.weight: expected a positive number, found {weight}"),
            );
        }
        let critical = self.field(node, "critical", &what).unwrap_or(false);
        let applies_when = self.field(node, "applies_when", &what);
        let checks = match node.get("checks") {
            None => {
                self.error(node.pos, format!("{what}: missing key `checks`"));
                Vec::new()
            }
            Some(list) => self.checks(list, &format!("{what}.checks")),
        };
        Some(Dimension {
            id: id?,
            title: title?,
            description,
            weight,
            critical,
            applies_when,
            checks,
        })
    }

    fn checks(&mut self, node: &Node, what: &str) -> Vec<Check> {
        let NodeValue::Seq(items) = &node.value else {
            self.error(
                node.pos,
                format!(
                    "{what}: expected a list of checks, found {}",
                    node.type_name()
                ),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(node.pos, format!("{what}: expected at least one check"));
        }
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| self.check(item, &format!("{what}[{index}]")))
            .collect()
    }

    fn check(&mut self, node: &Node, what: &str) -> Option<Check> {
        let NodeValue::Map(entries) = &node.value else {
            self.error(
                node.pos,
                format!(
                    "{what}: expected a mapping such as `phrase_absent: {{...}}`, found {}",
                    node.type_name()
                ),
            );
            return None;
        };
        let kinds: Vec<&(Key, Node)> = entries
            .iter()
            .filter(|(key, _)| !CHECK_KEYS.contains(&key.name.as_str()))
            .collect();
        let (key, params) = match kinds.as_slice() {
            [one] => (&one.0, &one.1),
            [] => {
                self.error(
                    node.pos,
                    format!(
                        "{what}: no check kind; expected one of: {}",
                        KIND_NAMES.join(", ")
                    ),
                );
                return None;
            }
            [_, second, ..] => {
                self.error(
                    second.0.pos,
                    format!(
                        "{what}: one check kind per list item, found `{}` and `{}`",
                        kinds[0].0.name, second.0.name
                    ),
                );
                return None;
            }
        };
        let what = format!("{what}.{}", key.name);
        // `name` and `when` may stand beside the kind or inside its parameters.
        let outer_name: Option<String> = self.field(node, "name", &what);
        let outer_when = self.field(node, "when", &what);
        let inner_name: Option<String> = self.field(params, "name", &what);
        let inner_when = self.field(params, "when", &what);
        let kind = if key.name == "any_of" || key.name == "all_of" {
            let nested = self.checks(params, &what);
            if nested.iter().any(|c| matches!(c.kind, CheckKind::Judge(_))) {
                self.error(
                    key.pos,
                    format!("{what}: a `judge` check cannot be nested in `{}`", key.name),
                );
            }
            Some(if key.name == "any_of" {
                CheckKind::AnyOf(AnyOf(nested))
            } else {
                CheckKind::AllOf(AllOf(nested))
            })
        } else if key.name == "judge" {
            self.judge(params, &what).map(CheckKind::Judge)
        } else {
            let value = match params.value {
                NodeValue::Null => serde_json::Value::Object(Default::default()),
                _ => params.to_json_without(CHECK_KEYS),
            };
            match CheckKind::decode_leaf(&key.name, value.clone()) {
                None => {
                    self.error(
                        key.pos,
                        format!(
                            "unknown check kind `{}`{}; expected one of: {}",
                            key.name,
                            did_you_mean(&key.name, KIND_NAMES),
                            KIND_NAMES.join(", ")
                        ),
                    );
                    return None;
                }
                Some(Ok(kind)) => Some(kind),
                Some(Err(_)) => self.decode_all(params, value, &what, |value| {
                    CheckKind::decode_leaf(&key.name, value).expect("a known kind")
                }),
            }
        };
        Some(Check {
            kind: kind?,
            name: outer_name.or(inner_name),
            when: outer_when.or(inner_when),
        })
    }

    /// A `judge` check: its parameters, and its prompt file confined,
    /// compiled and tried on a small conversation, so that a template naming
    /// a field that does not exist fails here rather than on every call.
    fn judge(&mut self, params: &Node, what: &str) -> Option<JudgeCheck> {
        let decoded: JudgeParams = self.decode(params, params.to_json_without(CHECK_KEYS), what)?;
        let pos = params.get("prompt").map_or(params.pos, |n| n.pos);
        let path = self.base.join(&decoded.prompt);
        let source = match self.confined(&path) {
            Ok(resolved) => read_prompt(&resolved),
            Err(Confinement::Unreadable(err)) => Err(err),
            Err(Confinement::Outside(resolved)) => {
                let message = format!(
                    "{what}.prompt: `{}` resolves to `{}`, outside the rubric's folder; a judge prompt must lie in the rubric's folder{}",
                    decoded.prompt,
                    resolved.display(),
                    if self.roots.len() > 1 {
                        " or a --prompt-root folder"
                    } else {
                        " (or a folder allowed with --prompt-root)"
                    }
                );
                self.error(pos, message);
                return None;
            }
        };
        // Line endings are the checkout's, not the prompt's: a prompt is
        // rendered (and hashed) with `\n` whether git wrote `\r\n` or not.
        let source = match source {
            Ok(source) if source.contains('\r') => source.replace("\r\n", "\n"),
            Ok(source) => source,
            Err(err) => {
                self.error(
                    pos,
                    format!("{what}.prompt: cannot read `{}`: {err}", path.display()),
                );
                return None;
            }
        };
        self.prompts.push((decoded.prompt.clone(), source.clone()));
        let prompt = match Prompt::new(&decoded.prompt, &source) {
            Ok(prompt) => prompt,
            Err(err) => {
                self.error(pos, format!("{what}.prompt: `{}`: {err}", decoded.prompt));
                return None;
            }
        };
        let trial = PromptData::new(&trial_conversation(), &decoded.scale, decoded.allow_na);
        match prompt.render(&trial) {
            Ok(rendered) => {
                for problem in prompt_problems(&rendered, &trial.answer, &decoded) {
                    self.warnings.push(Diagnostic {
                        pos: Some(pos),
                        message: format!("{what}.prompt: `{}` {problem}", decoded.prompt),
                    });
                }
            }
            Err(err) => {
                self.error(pos, format!("{what}.prompt: `{}`: {err}", decoded.prompt));
                return None;
            }
        }
        Some(JudgeCheck {
            prompt: Arc::new(prompt),
            prompt_path: decoded.prompt,
            scale: decoded.scale,
            allow_na: decoded.allow_na,
            run: decoded.run,
        })
    }

    /// `path` with symbolic links resolved, if it lies in an allowed folder.
    fn confined(&self, path: &Path) -> Result<PathBuf, Confinement> {
        let resolved = std::fs::canonicalize(path).map_err(Confinement::Unreadable)?;
        if self.roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(Confinement::Outside(resolved))
        }
    }

    fn metrics(&mut self, node: Option<&Node>, dimensions: &[Dimension]) -> Metrics {
        let (first_response, first_response_check) = first_response_check(dimensions);
        let mut metrics = Metrics {
            first_response,
            first_response_check,
            ..Metrics::default()
        };
        let default_id = "no_repeat_yourself";
        let Some(node) = node else {
            metrics.repeat_yourself = dimensions.iter().position(|d| d.id == default_id);
            return metrics;
        };
        if self.mapping(node, "rubric.metrics", METRICS_KEYS).is_none() {
            return metrics;
        }
        if let Some(id) = self.field::<String>(node, "repeat_yourself", "rubric.metrics") {
            metrics.repeat_yourself = dimensions.iter().position(|d| d.id == id);
            if metrics.repeat_yourself.is_none() {
                let ids: Vec<&str> = dimensions.iter().map(|d| d.id.as_str()).collect();
                let pos = node.get("repeat_yourself").map_or(node.pos, |n| n.pos);
                self.error(
                    pos,
                    format!(
                        "rubric.metrics.repeat_yourself: no dimension `{id}`{}",
                        did_you_mean(&id, &ids)
                    ),
                );
            }
        }
        metrics
    }
}

/// A serde error with the path to the value at fault.
type DecodeError = serde_path_to_error::Error<serde_json::Error>;

/// A path as text, to compare (segments do not compare).
fn path_key(path: &[Segment]) -> String {
    path.iter()
        .map(|segment| match segment {
            Segment::Map { key } => format!(".{key}"),
            Segment::Seq { index } => format!("[{index}]"),
            _ => "?".to_string(),
        })
        .collect()
}

/// Takes the value at `path` out of its object in `value`; whether there
/// was one.
fn take_out(value: &mut serde_json::Value, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for segment in parents {
        let next = match segment {
            Segment::Map { key } => at.get_mut(key.as_str()),
            Segment::Seq { index } => at.get_mut(*index),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    match (last, at) {
        (Segment::Map { key }, serde_json::Value::Object(map)) => map.shift_remove(key).is_some(),
        _ => false,
    }
}

/// Why a prompt path cannot be used.
/// The largest judge prompt file read, in bytes (1 MiB).
const MAX_PROMPT_BYTES: u64 = 1 << 20;

/// A prompt file's text, if it is a regular file of at most
/// [`MAX_PROMPT_BYTES`]: a FIFO, a device or a directory named as a prompt
/// is an error, not a read that blocks or never ends.
fn read_prompt(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, device or folder cannot be a prompt)",
        ));
    }
    if metadata.len() > MAX_PROMPT_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB",
            MAX_PROMPT_BYTES >> 10
        )));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_PROMPT_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}

enum Confinement {
    Unreadable(std::io::Error),
    /// It resolves here, outside every allowed folder.
    Outside(PathBuf),
}

/// What a judge prompt, rendered over the trial conversation, leaves out:
/// how to answer (`{{ answer }}`, or the word "verdict" and every allowed
/// verdict), or any conversation data (a `<data>` block).
fn prompt_problems(rendered: &str, answer: &str, params: &JudgeParams) -> Vec<&'static str> {
    let mut problems = Vec::new();
    let lower = rendered.to_lowercase();
    let words: HashSet<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '/'))
        .collect();
    let names_verdicts = words.contains("verdict")
        && params
            .scale
            .labels(params.allow_na)
            .iter()
            .all(|label| words.contains(label.to_lowercase().as_str()));
    if !rendered.contains(answer) && !names_verdicts {
        problems.push(
            "never renders `{{ answer }}` nor names the allowed verdicts: the judge is not told how to answer",
        );
    }
    if !rendered.contains("<data name=") {
        problems.push(
            "renders no conversation data (no transcript, package, tools, offers or human actions): the judge would decide blind",
        );
    }
    problems
}

/// The rubric's first top-level `first_meaningful_response` check without a
/// `when`, and where it stands; else the built-in definition.
fn first_response_check(
    dimensions: &[Dimension],
) -> (
    crate::checks::first_meaningful_response::FirstMeaningfulResponse,
    Option<(usize, usize)>,
) {
    for (d, dimension) in dimensions.iter().enumerate() {
        for (c, check) in dimension.checks.iter().enumerate() {
            if let CheckKind::FirstMeaningfulResponse(inner) = &check.kind {
                let reusable = check.when.is_none();
                return (inner.clone(), reusable.then_some((d, c)));
            }
        }
    }
    (Default::default(), None)
}

/// A minimal conversation to try prompt templates on at load time.
fn trial_conversation() -> crate::trace::Conversation {
    const TRIAL: &str = r#"{"schema":"handoff-trace/v1","conversationId":"trial","agentVersion":"trial","channel":"chat","customer":{"id":"trial"},"startedAt":"2026-01-01T00:00:00.000Z","events":[]}"#;
    crate::trace::parse_line(TRIAL.as_bytes()).expect("the trial conversation is valid")
}

fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn did_you_mean(found: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(found, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// The rubric hash: the first 16 hex digits of the SHA-256 of what
/// scores, not of the file's bytes. That is the rubric's values as parsed
/// (the JSON the validated types are decoded from: comments, line endings,
/// quoting, indentation and flow or block style leave no trace in it) and
/// the text of every judge prompt it renders, in the order the rubric
/// names them. Runs written before this scheme carry a hash of the bytes.
fn hash(root: &Node, prompts: &[(String, String)]) -> String {
    let scored = serde_json::json!({
        "rubric": root.to_json(),
        "prompts": prompts,
    });
    let bytes = serde_json::to_vec(&scored).expect("JSON values serialize");
    let digest = Sha256::digest(&bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Keys whose values are patterns (a list, or one): every parameter of type
/// `Patterns` in the check kinds and conditions; and keys whose mapping holds
/// patterns per name (`by_trigger`, `remedies`).
const PATTERN_KEYS: &[&str] = &[
    "patterns",
    "pattern",
    "unless",
    "unless_answering",
    "in_same_sentence",
    "counts_after",
    "not_after",
    "offers",
    "declines",
    "later",
    "filler",
    "not_meaningful",
    "tried_patterns",
    "reason_patterns",
    "ignore",
    "payload_matches",
];
const PATTERN_MAPS: &[&str] = &["by_trigger", "remedies"];

/// Every pattern under `node` that [`super::params::lint_pattern`] rejects,
/// with its position and its path below `node` (`.patterns[2]`).
fn pattern_mistakes(
    node: &Node,
    at: &str,
    is_pattern: bool,
    found: &mut Vec<((Pos, String), String)>,
) {
    pattern_problems(node, at, is_pattern, super::params::lint_pattern, found);
}

/// Every pattern under `node` that `check` finds a problem with, with its
/// position and its path below `node`.
fn pattern_problems(
    node: &Node,
    at: &str,
    is_pattern: bool,
    check: fn(&str) -> Result<(), String>,
    found: &mut Vec<((Pos, String), String)>,
) {
    match &node.value {
        NodeValue::Str(source) if is_pattern => {
            if let Err(problem) = check(source) {
                found.push(((node.pos, at.to_string()), problem));
            }
        }
        NodeValue::Seq(items) => {
            for (index, item) in items.iter().enumerate() {
                pattern_problems(item, &format!("{at}[{index}]"), is_pattern, check, found);
            }
        }
        NodeValue::Map(entries) => {
            for (key, value) in entries {
                let name = key.name.as_str();
                let holds = is_pattern || PATTERN_KEYS.contains(&name);
                let inside = format!("{at}.{name}");
                if PATTERN_MAPS.contains(&name)
                    && let NodeValue::Map(per_name) = &value.value
                {
                    for (key, value) in per_name {
                        let at = format!("{inside}.{}", key.name);
                        pattern_problems(value, &at, true, check, found);
                    }
                } else {
                    pattern_problems(value, &inside, holds, check, found);
                }
            }
        }
        _ => {}
    }
}
