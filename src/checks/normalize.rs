//! Text as the rule checks match it: one spelling for what people type in
//! many ways.
//!
//! Customers, agents and their tools write "I’ll" with a curly apostrophe,
//! "can\u{2019}t", non-breaking spaces, full-width letters, zero-width joiners
//! and `…`. A pattern written as `I'll transfer you` must find all of them.
//! Every text a check matches (turns, offer and escalation descriptions,
//! summaries, delivered payloads) is normalised once, before matching:
//!
//! 1. format characters that print nothing are dropped (zero-width space and
//!    joiners, word joiner, byte-order mark, soft hyphen, direction marks);
//! 2. each character with its combining marks is put in Unicode NFKC form
//!    (UAX #15, through the `unicode-normalization` crate): full-width `ｔ`
//!    becomes `t`, `…` becomes `...`, the `ﬁ` ligature `fi`;
//! 3. quotes and dashes are folded: `‘ ’ ‚ ‛ ′ ʼ ´` to `'`, `“ ” „ ‟ ″` to
//!    `"`, `‐ ‑ ‒ – — ― −` to `-`;
//! 4. every run of white space (line breaks, tabs, no-break spaces) becomes
//!    one space.
//!
//! Case is left alone: patterns are case-insensitive. A text that is
//! already plain (printable ASCII, no doubled space) is not copied at all,
//! which is nearly every turn of most data. For the others, a [`Normalized`]
//! keeps where each of its bytes came from, so that evidence quotes the
//! original text, not the normalised one.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// A text in its matching form, with the way back to the original.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`: where, in the original, the characters that
    /// produced it start and end; one more entry for the end of the text.
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Normalized {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether byte `at` of the normalised text is a space that stands for
    /// white space holding a line break in `original` (the text this was
    /// made from).
    pub fn is_line_break(&self, original: &str, at: usize) -> bool {
        self.text.as_bytes().get(at) == Some(&b' ')
            && original
                .get(self.starts[at] as usize..self.ends[at] as usize)
                .is_some_and(|run| run.contains(['\n', '\r', '\u{2028}', '\u{2029}']))
    }

    /// The original byte range behind `start..end` of the normalised text:
    /// from the start of the characters that produced byte `start` to the
    /// end of those that produced byte `end - 1`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.starts.len() - 1;
        let start = start.min(last);
        let from = self.starts[start] as usize;
        let to = if end > start {
            self.ends[(end - 1).min(last)] as usize
        } else {
            from
        };
        (from, to.max(from))
    }
}

/// Whether matching can use the text as it is: ASCII with no white space
/// but single spaces (for ASCII text, normalising only collapses white
/// space). Every event text of every conversation is asked this, so it
/// reads eight bytes at a time and allocates nothing.
pub fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    // Whether the byte before the current chunk was a space.
    let mut space_before = false;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        if !plain_word(word, space_before) {
            return false;
        }
        space_before = chunk[7] == b' ';
    }
    let mut previous_space = space_before;
    for &byte in chunks.remainder() {
        let space = byte == b' ';
        if !byte.is_ascii() || matches!(byte, b'\t'..=b'\r') || (space && previous_space) {
            return false;
        }
        previous_space = space;
    }
    true
}

/// [`is_plain`] for eight bytes (little-endian: byte 0 lowest), the byte
/// before them a space or not: no byte of 0x80 or more, none of the white
/// space controls 0x09 to 0x0d, no two spaces in a row. Each test adds
/// within the low seven bits of a byte, so nothing carries into the next
/// byte and every mask is exact (the byte-wise tests of "Bit Twiddling
/// Hacks", S. E. Anderson).
fn plain_word(word: u64, space_before: bool) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bytes equal to `value`: zero once XORed with it.
    let equal = |value: u64| {
        let x = word ^ (ONES * value);
        !((x & LOW7).wrapping_add(LOW7) | x) & HIGH
    };
    let low = word & LOW7;
    // 0x09 to 0x0d: under 0x0e (adding 0x72 stays under 0x80) and not under 0x09.
    let under = |bound: u64| !(low.wrapping_add(ONES * (0x80 - bound)) | word) & HIGH;
    let white = under(0x0e) & !under(0x09);
    let space = equal(0x20);
    // Two spaces in a row: a space whose lower neighbour is one too.
    let doubled = space & ((space << 8) | (u64::from(space_before) << 7));
    (word & HIGH) | white | doubled == 0
}

/// The matching form of `text`, or `None` when it is already plain (see
/// [`is_plain`]) and matching uses it as it is.
pub fn normalize(text: &str) -> Option<Normalized> {
    if is_plain(text) {
        return None;
    }
    let mut out = Normalizer {
        text: String::with_capacity(text.len()),
        starts: Vec::with_capacity(text.len() + 1),
        ends: Vec::with_capacity(text.len() + 1),
        space: None,
    };
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            out.whitespace(start, start + c.len_utf8());
            continue;
        }
        // A character and its combining marks normalise together.
        let mut end = start + c.len_utf8();
        while let Some(&(next, mark)) = chars.peek() {
            if canonical_combining_class(mark) == 0 {
                break;
            }
            end = next + mark.len_utf8();
            chars.next();
        }
        let segment = &text[start..end];
        if segment.is_ascii() {
            for c in segment.chars() {
                out.push(c, start, end);
            }
            continue;
        }
        for c in segment.chars().map(fold_before).nfkc().map(fold_after) {
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                out.whitespace(start, end);
            } else {
                out.push(c, start, end);
            }
        }
    }
    out.flush_space();
    let (len, original) = (out.text.len(), text.len() as u32);
    debug_assert_eq!(out.starts.len(), len);
    out.starts.push(original);
    out.ends.push(original);
    Some(Normalized {
        text: out.text,
        starts: out.starts,
        ends: out.ends,
    })
}

struct Normalizer {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
    /// A run of white space not yet written: its original range.
    space: Option<(usize, usize)>,
}

impl Normalizer {
    fn whitespace(&mut self, start: usize, end: usize) {
        self.space = Some(match self.space {
            Some((first, _)) => (first, end),
            None => (start, end),
        });
    }

    fn flush_space(&mut self) {
        if let Some((start, end)) = self.space.take() {
            self.put(' ', start, end);
        }
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        self.flush_space();
        self.put(c, start, end);
    }

    fn put(&mut self, c: char, start: usize, end: usize) {
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(start as u32);
            self.ends.push(end as u32);
        }
    }
}

/// Characters that print nothing and only split words for a pattern.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Folds, before NFKC, the marks NFKC would turn into something else (the
/// acute accent `´` becomes a space and a combining accent).
fn fold_before(c: char) -> char {
    match c {
        '\u{00B4}' | '\u{02B9}' | '\u{02BC}' | '\u{02C8}' => '\'',
        other => other,
    }
}

/// Folds quotes and dashes to their ASCII forms, after NFKC.
fn fold_after(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2043}' | '\u{2212}' => '-',
        other => other,
    }
}

/// `text` in matching form, borrowed when it is already plain: for texts
/// matched once (package fields, payloads), where nothing is kept.
pub fn matching_form(text: &str) -> std::borrow::Cow<'_, str> {
    match normalize(text) {
        Some(normalized) => std::borrow::Cow::Owned(normalized.text),
        None => std::borrow::Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> String {
        matching_form(text).into_owned()
    }

    #[test]
    fn typography_folds_to_what_patterns_are_written_in() {
        assert_eq!(
            form("I\u{2019}ll transfer you now."),
            "I'll transfer you now."
        );
        assert_eq!(form("won\u{2019}t / can\u{2018}t"), "won't / can't");
        assert_eq!(form("\u{201C}refund\u{201D}"), "\"refund\"");
        assert_eq!(form("one moment\u{2026}"), "one moment...");
        assert_eq!(form("fix \u{2014} then \u{2013} wait"), "fix - then - wait");
        assert_eq!(form("I\u{00A0}will\u{2009}transfer"), "I will transfer");
        assert_eq!(
            form("\u{FF34}\u{FF32}\u{FF21}\u{FF2E}\u{FF33}\u{FF26}\u{FF25}\u{FF32}"),
            "TRANSFER"
        );
        assert_eq!(form("trans\u{200D}fer you\u{200B}"), "transfer you");
        assert_eq!(form("soft\u{00AD}ware"), "software");
        assert_eq!(form("I\u{00B4}ll"), "I'll");
        assert_eq!(form("line\n\n  break\tand tab"), "line break and tab");
        // Combining marks compose with their letter.
        assert_eq!(
            form("cafe\u{0301} cr\u{00E8}me"),
            "caf\u{00E9} cr\u{00E8}me"
        );
    }

    /// The normal form built without the plain-text shortcut.
    fn normalize_slowly(text: &str) -> String {
        let with_marker = format!("\u{e9}{text}");
        let normalized = normalize(&with_marker).expect("not plain");
        normalized.as_str()["\u{e9}".len()..].to_string()
    }

    #[test]
    fn plain_text_is_left_as_it_is() {
        for text in ["", "Hi Sarah, I'll transfer you now.", "a b", " leading"] {
            assert!(is_plain(text), "{text:?}");
            assert!(normalize(text).is_none());
            assert!(matches!(matching_form(text), std::borrow::Cow::Borrowed(_)));
        }
        for text in ["two  spaces", "tab\there", "new\nline", "caf\u{00E9}"] {
            assert!(!is_plain(text), "{text:?}");
        }
        // An ASCII text is plain exactly when normalising would change
        // nothing; any other text is not plain, at every offset.
        let unchanged = |text: &str| normalize_slowly(text) == text;
        let base = "Thanks, I'll transfer you now to billing!";
        for insert in [
            "  ", "\t", "\u{7f}", "\u{e9}", "~", " ", "\u{b}", "!", " !", "\r\n", "\u{1}",
            "\u{1f}", "\u{8}", "\u{e}",
        ] {
            for at in 0..=base.len() {
                let text = format!("{}{insert}{}", &base[..at], &base[at..]);
                let expected = text.is_ascii() && unchanged(&text);
                assert_eq!(is_plain(&text), expected, "{text:?}");
            }
        }
        for text in [
            "       x",
            "x       ",
            "1234567 8",
            "1234567  8",
            "12345678 ",
            "\u{c}",
        ] {
            assert_eq!(is_plain(text), unchanged(text), "{text:?}");
        }
    }

    #[test]
    fn ranges_lead_back_to_the_original_text() {
        let original = "Okay\u{2014}I\u{2019}ll   transfer\u{00A0}you\u{200B} now\u{2026}";
        let normalized = normalize(original).unwrap();
        assert_eq!(normalized.as_str(), "Okay-I'll transfer you now...");
        let text = normalized.as_str();
        let start = text.find("I'll").unwrap();
        let end = text.find(" now").unwrap();
        let (from, to) = normalized.original_range(start, end);
        assert_eq!(&original[from..to], "I\u{2019}ll   transfer\u{00A0}you");
        assert!(!normalized.is_line_break(original, text.find(' ').unwrap()));
        let broken = "I'll transfer you.\n\n  If you need more, ask.";
        let folded = normalize(broken).unwrap();
        let space = folded.as_str().find(" If").unwrap();
        assert!(folded.is_line_break(broken, space));
        assert!(!folded.is_line_break(broken, folded.as_str().find(" transfer").unwrap()));
        // A match inside what one character expanded to maps to that character.
        let dots = text.find("...").unwrap();
        let (from, to) = normalized.original_range(dots + 1, dots + 2);
        assert_eq!(&original[from..to], "\u{2026}");
        // Empty and out-of-range requests stay inside the original.
        assert_eq!(
            normalized.original_range(text.len(), text.len()),
            (original.len(), original.len())
        );
        let (from, to) = normalized.original_range(0, 10_000);
        assert_eq!((from, to), (0, original.len()));
    }
}
