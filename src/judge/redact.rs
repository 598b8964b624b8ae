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

/// A configured key this long or longer is scrubbed wherever it appears; a
/// shorter one (down to [`MIN_WORD_KEY_LEN`]) only as a whole word, so that
/// a key `abc1234` is scrubbed without mangling the text around it.
const MIN_KEY_LEN: usize = 8;

/// A configured key shorter than this is no secret.
const MIN_WORD_KEY_LEN: usize = 4;

/// Keys that local servers take as "no key" (`none`, `EMPTY`, `ollama`):
/// placeholders, not secrets, and ordinary words that must not be scrubbed.
const PLACEHOLDERS: &[&str] = &[
    "none",
    "empty",
    "ollama",
    "dummy",
    "lm-studio",
    "no-key",
    "nokey",
    "not-needed",
    "sk-no-key-required",
    "test",
    "fake",
    "null",
    "key",
    "token",
    "secret",
    "local",
    "vllm",
    "llama",
];

/// Scrubs secrets from judge-derived text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// The configured key and its percent-encoded form, longest first.
    keys: Vec<String>,
    /// A short configured key, scrubbed as a whole word only.
    words: Vec<String>,
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

/// A credential in a URL shorter than this is left alone (`?v=1`).
const MIN_URL_SECRET_LEN: usize = 4;

/// `%XX` sequences decoded (invalid ones and non-UTF-8 results kept as written).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// `text` with every whole-word occurrence of `word` (not inside a longer
/// run of letters, digits, `-` or `_`) replaced by [`REDACTED`].
fn replace_word<'t>(text: &'t str, word: &str) -> Cow<'t, str> {
    let inside = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
    let mut out: Option<String> = None;
    let mut cursor = 0;
    for (at, _) in text.match_indices(word) {
        if at < cursor
            || inside(text[..at].chars().next_back())
            || inside(text[at + word.len()..].chars().next())
        {
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[cursor..at]);
        out.push_str(REDACTED);
        cursor = at + word.len();
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[cursor..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(text),
    }
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

/// Characters a credential may hold that are safe to write unescaped inside
/// a JSON string.
fn credential_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=' | ':')
}

/// `text` with the percent-encodings of credential characters decoded
/// (`%2D` to `-`, as a server may encode every byte of an echoed key).
fn percent_credential_chars(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        match escape
            .get(1..3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .map(char::from)
            .filter(|c| credential_char(*c) && *c != '/' && *c != '+' && *c != '=')
        {
            Some(c) => {
                out.push(c);
                changed = true;
                rest = &escape[3..];
            }
            None => {
                out.push('%');
                rest = &escape[1..];
            }
        }
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// `text` with the JSON escapes of credential characters decoded (`\u0073`
/// to `s`, `\/` to `/`): how a model or a server may write a key inside a
/// JSON string, which a reader decodes. Every other escape is kept, so JSON
/// text stays JSON with the same meaning. Borrowed when nothing changed.
fn decoded(text: &str) -> Cow<'_, str> {
    let text = match percent_credential_chars(text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(plain) => return Cow::Owned(decoded(&plain).into_owned()),
    };
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let (replacement, length) = if escape.starts_with("\\\\") {
            (None, 2)
        } else if escape.starts_with("\\/") {
            (Some('/'), 2)
        } else if let Some(c) = escape
            .strip_prefix("\\u")
            .and_then(|hex| hex.get(..4))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32)
            .filter(|c| credential_char(*c))
        {
            (Some(c), 6)
        } else {
            (None, 1)
        };
        match replacement {
            Some(c) => {
                out.push(c);
                changed = true;
            }
            None => out.push_str(&escape[..length]),
        }
        rest = &escape[length..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

impl Redactor {
    /// A redactor for `key` (none, or a placeholder, scrubs credential shapes only).
    pub fn new(key: Option<&str>) -> Self {
        let mut keys = Vec::new();
        let key = key
            .map(str::trim)
            .filter(|k| !PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(k)));
        if let Some(word) = key.filter(|k| (MIN_WORD_KEY_LEN..MIN_KEY_LEN).contains(&k.len())) {
            return Redactor {
                keys: Vec::new(),
                words: vec![word.to_string()],
            };
        }
        if let Some(key) = key.filter(|k| k.len() >= MIN_KEY_LEN) {
            let encoded = percent_encoded(key);
            if encoded != key {
                keys.push(encoded);
            }
            keys.push(key.to_string());
        }
        keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        Redactor {
            keys,
            words: Vec::new(),
        }
    }

    /// Also scrubs the credentials a base URL carries: its user name and
    /// password, and the value of every query parameter but `api-version`
    /// (API gateways take keys as `?subscription-key=`, `?key=`, `?code=`).
    pub fn with_url_secrets(mut self, url: &reqwest::Url) -> Self {
        let mut secrets: Vec<String> = url
            .query_pairs()
            .filter(|(name, _)| name != "api-version")
            .map(|(_, value)| value.into_owned())
            .collect();
        secrets.push(url.username().to_string());
        secrets.extend(url.password().map(str::to_string));
        for secret in secrets {
            // Percent-decoded, as written in the URL, and encoded again.
            let decoded = percent_decoded(&secret);
            for form in [secret.clone(), decoded.clone(), percent_encoded(&decoded)] {
                if form.trim().len() >= MIN_URL_SECRET_LEN && !self.keys.contains(&form) {
                    self.keys.push(form);
                }
            }
        }
        self.keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
        self
    }

    /// `text` without the configured key or anything shaped like a
    /// credential; borrowed when there was nothing to scrub.
    ///
    /// A key written with JSON escapes (`\u0073k-...`, `AbC\/dEf`) is found
    /// too: when the decoded text holds a secret, the decoded text is what
    /// is scrubbed and returned, so no reader can decode the key back.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = match decoded(text) {
            Cow::Owned(plain) if self.holds_secret(&plain) => Cow::Owned(plain),
            _ => Cow::Borrowed(text),
        };
        for key in &self.keys {
            if out.contains(key.as_str()) {
                out = Cow::Owned(out.replace(key.as_str(), REDACTED));
            }
        }
        for word in &self.words {
            if let Cow::Owned(replaced) = replace_word(&out, word) {
                out = Cow::Owned(replaced);
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

    fn holds_secret(&self, text: &str) -> bool {
        self.keys.iter().any(|key| text.contains(key.as_str()))
            || self
                .words
                .iter()
                .any(|word| matches!(replace_word(text, word), Cow::Owned(_)))
            || patterns().is_match(text)
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

    #[test]
    fn a_key_written_with_json_escapes_is_scrubbed() {
        let redactor = Redactor::new(Some("AbC/dEf+GhI=jKl0123456789"));
        let content = r#"{"reasoning": "key AbC\/dEf+GhI=jKl0123456789 and \u0073k-proj-TESTKEY0123456789abc", "verdict": "fail"}"#;
        let scrubbed = redactor.scrub(content);
        assert_eq!(
            scrubbed,
            r#"{"reasoning": "key [redacted] and [redacted]", "verdict": "fail"}"#
        );
        let hex = Redactor::new(Some("0123456789abcdef0123456789abcdef"));
        let spelled: String = "0123456789abcdef0123456789abcdef"
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let content = format!("{{\"reasoning\": \"k {spelled}\"}}");
        assert_eq!(hex.scrub(&content), "{\"reasoning\": \"k [redacted]\"}");
        // Other escapes are kept as they were; nothing to scrub, nothing changed.
        let plain = r#"{"reasoning": "a \"quote\" and \\u0073 and \u00e9 and \/"}"#;
        assert!(matches!(hex.scrub(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn credentials_in_the_base_url_are_scrubbed() {
        let url: reqwest::Url =
            "https://u:secretpw123@gw.example/v1?api-version=2024-10-21&subscription-key=APIM%2BSECRET0123"
                .parse()
                .unwrap();
        let redactor = Redactor::new(None).with_url_secrets(&url);
        let text = "called https://u:secretpw123@gw.example/v1?api-version=2024-10-21&subscription-key=APIM%2BSECRET0123 (APIM+SECRET0123)";
        let scrubbed = redactor.scrub(text);
        for secret in ["secretpw123", "APIM%2BSECRET0123", "APIM+SECRET0123"] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.contains("api-version=2024-10-21"), "{scrubbed}");
    }

    #[test]
    fn small_key_forms_are_scrubbed() {
        // Every byte percent-encoded, `-` as `%2D` included.
        let redactor = Redactor::new(Some("sk-proj-TESTKEY0123456789abcdefXYZ\n"));
        let encoded: String = "sk-proj-TESTKEY0123456789abcdefXYZ"
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let text = format!("percent {encoded} end");
        assert_eq!(redactor.scrub(&text), "percent [redacted] end");
        // A short key: as a whole word only.
        let short = Redactor::new(Some("abc1234"));
        assert_eq!(
            short.scrub("Incorrect API key provided: abc1234. Not xabc1234y."),
            "Incorrect API key provided: [redacted]. Not xabc1234y."
        );
        // Placeholders stay ordinary words.
        let none = Redactor::new(Some("EMPTY"));
        assert!(matches!(none.scrub("the EMPTY cart"), Cow::Borrowed(_)));
    }
}
