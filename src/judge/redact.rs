//! Secrets out of every text the judge hands back.
//!
//! Everything the judge endpoint says (the reply text, its reasoning, a
//! refusal, an error body, a redirect target, a transport error naming a URL)
//! passes through [`Redactor::scrub`] where it enters the program, before it
//! can reach an outcome, a cache entry, a report or a terminal. Scrubbed are
//! the configured API key (as written and percent-encoded) and anything that
//! looks like a credential: `Bearer <token>`, an OpenAI-style `sk-...` key,
//! a JSON Web Token. Each becomes `[redacted]`.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// A configured key shorter than this is a placeholder (`none`, `EMPTY`,
/// `ollama`), not a secret: scrubbing it would mangle ordinary words.
const MIN_KEY_LEN: usize = 8;

/// Scrubs secrets from judge-derived text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// The configured key and its percent-encoded form, longest first.
    keys: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Credentials by their shape: a bearer token, an `sk-` key, a JWT.
fn patterns() -> &'static Regex {
    static PATTERNS: OnceLock<Regex> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        Regex::new(
            r"(?i:\bbearer\s+[A-Za-z0-9._~+/=-]{8,})|\bsk-[A-Za-z0-9_-]{12,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        )
        .expect("the credential patterns compile")
    })
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Redactor {
    /// A redactor for `key` (none, or a placeholder, scrubs credential shapes only).
    pub fn new(key: Option<&str>) -> Self {
        let mut keys = Vec::new();
        if let Some(key) = key.map(str::trim).filter(|k| k.len() >= MIN_KEY_LEN) {
            let encoded = percent_encoded(key);
            if encoded != key {
                keys.push(encoded);
            }
            keys.push(key.to_string());
        }
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        Redactor { keys }
    }

    /// `text` without the configured key or anything shaped like a
    /// credential; borrowed when there was nothing to scrub.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for key in &self.keys {
            if out.contains(key.as_str()) {
                out = Cow::Owned(out.replace(key.as_str(), REDACTED));
            }
        }
        match patterns().replace_all(&out, |caps: &regex::Captures| {
            let found = &caps[0];
            if found.len() > 6 && found[..6].eq_ignore_ascii_case("bearer") {
                format!("{} {REDACTED}", &found[..6])
            } else {
                REDACTED.to_string()
            }
        }) {
            Cow::Borrowed(_) => out,
            Cow::Owned(scrubbed) => Cow::Owned(scrubbed),
        }
    }

    /// [`Redactor::scrub`] into an owned string.
    pub fn scrub_owned(&self, text: String) -> String {
        match self.scrub(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(scrubbed) => scrubbed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_and_credential_shapes_are_scrubbed() {
        let redactor = Redactor::new(Some("hx-live-Zq81/secret"));
        let text = "key hx-live-Zq81/secret, in a URL hx-live-Zq81%2Fsecret, \
                    header Authorization: Bearer abc.DEF-123_456, \
                    another sk-proj-AbCdEf0123456789xyz, a jwt eyJhbGciOiJI.eyJzdWIiOiIx.sig";
        let scrubbed = redactor.scrub(text);
        for secret in [
            "hx-live-Zq81",
            "abc.DEF-123",
            "sk-proj",
            "eyJhbGciOiJI",
            "eyJzdWIiOiIx",
        ] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.contains("Bearer [redacted]"), "{scrubbed}");
        assert_eq!(scrubbed.matches(REDACTED).count(), 5, "{scrubbed}");
    }

    #[test]
    fn ordinary_text_is_left_alone_and_borrowed() {
        let redactor = Redactor::new(Some("none"));
        let text = "The human asked for none of it; the task-list and the ask-me flow are fine.";
        assert!(matches!(redactor.scrub(text), Cow::Borrowed(_)));
        assert!(matches!(Redactor::new(None).scrub(""), Cow::Borrowed(_)));
    }
}
