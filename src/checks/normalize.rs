//! Text as the rule checks match it: one spelling for what people type in
//! many ways.
//!
//! Customers, agents and their tools write "I’ll" with a curly apostrophe,
//! "can\u{2019}t", non-breaking spaces, full-width letters, zero-width joiners
//! and `…`. A pattern written as `I'll transfer you` must find all of them.
//! Every text a check matches (turns, offer and escalation descriptions,
//! summaries, delivered payloads) is normalised once, before matching:
//!
//! 1. what a reader never sees is dropped: terminal escape sequences
//!    (ANSI/VT: CSI such as `ESC [31m`, OSC such as a title or a hyperlink
//!    up to its BEL or ST, the other `ESC` sequences, and their C1 forms),
//!    the other control characters (C0, DEL, C1; tab and line breaks are
//!    white space), and format characters that print nothing (zero-width
//!    space and joiners, word joiner, byte-order mark, soft hyphen,
//!    direction marks);
//! 2. each character with its combining marks is put in Unicode NFKC form
//!    (UAX #15, through the `unicode-normalization` crate): full-width `ｔ`
//!    becomes `t`, `…` becomes `...`, the `ﬁ` ligature `fi`;
//! 3. quotes and dashes are folded: `‘ ’ ‚ ‛ ′ ʼ ´` to `'`, `“ ” „ ‟ ″` to
//!    `"`, `‐ ‑ ‒ – — ― −` to `-`;
//! 4. every run of white space (line breaks, tabs, no-break spaces) becomes
//!    one space.
//!
//! Case is left alone: patterns are case-insensitive. Rubric patterns are
//! folded the same way where they are literal ([`fold_pattern`]). A text
//! that is already plain (printable ASCII, no doubled space) is not copied at all,
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

/// Whether matching can use the text as it is: printable ASCII with no
/// white space but single spaces (for ASCII text, normalising only drops
/// control characters and collapses white space). Every event text of every conversation is asked this, so it
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
        if !byte.is_ascii() || byte < 0x20 || byte == 0x7f || (space && previous_space) {
            return false;
        }
        previous_space = space;
    }
    true
}

/// [`is_plain`] for eight bytes (little-endian: byte 0 lowest), the byte
/// before them a space or not: no byte of 0x80 or more, no control
/// character (under 0x20, or 0x7f), no two spaces in a row. Each test adds
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
    // Under 0x20: adding 0x60 stays under 0x80.
    let under = |bound: u64| !(low.wrapping_add(ONES * (0x80 - bound)) | word) & HIGH;
    let control = under(0x20) | equal(0x7f);
    let space = equal(0x20);
    // Two spaces in a row: a space whose lower neighbour is one too.
    let doubled = space & ((space << 8) | (u64::from(space_before) << 7));
    (word & HIGH) | control | doubled == 0
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
        if starts_escape(c) {
            let end = start + escape_len(&text.as_bytes()[start..]);
            while chars.peek().is_some_and(|&(next, _)| next < end) {
                chars.next();
            }
            continue;
        }
        if is_unseen(c) {
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
            if is_unseen(c) {
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

/// Characters a reader does not see: control characters that are not
/// white space, and the invisible format characters.
fn is_unseen(c: char) -> bool {
    (c.is_control() && !c.is_whitespace()) || is_invisible(c)
}

/// Whether `c` introduces a terminal escape sequence: ESC, or one of the
/// C1 introducers of a control sequence (CSI) or a control string (DCS,
/// SOS, OSC, PM, APC).
fn starts_escape(c: char) -> bool {
    matches!(
        c,
        '\u{1b}' | '\u{90}' | '\u{98}' | '\u{9b}' | '\u{9d}' | '\u{9e}' | '\u{9f}'
    )
}

/// The length in bytes of the terminal escape sequence at the start of
/// `bytes` (which starts with one of [`starts_escape`]'s introducers), as
/// ECMA-48 delimits it:
///
/// - a control sequence, `ESC [` or CSI, then parameter bytes (0x30 to
///   0x3f), intermediate bytes (0x20 to 0x2f) and one final byte (0x40 to
///   0x7e); cut short, what was read of it;
/// - a control string, `ESC ]` (OSC: a window title, a hyperlink),
///   `ESC P`, `ESC X`, `ESC ^`, `ESC _` or their C1 forms, up to and with
///   its terminator, BEL, `ESC \` or ST; without one, only its introducer
///   (the rest is text a reader would see where no terminal reads it);
/// - any other `ESC`, its intermediate bytes and its final byte (0x30 to
///   0x7e): `ESC ( B`, `ESC 7`; a lone `ESC`, itself.
fn escape_len(bytes: &[u8]) -> usize {
    // Where the sequence's body starts, and what it is.
    let (body, string) = match bytes {
        [0x1b, b'[', ..] => (2, false),
        [0x1b, b']' | b'P' | b'X' | b'^' | b'_', ..] => (2, true),
        [0x1b, rest @ ..] => {
            let intermediates = rest
                .iter()
                .take_while(|b| (0x20..=0x2f).contains(*b))
                .count();
            return match rest.get(intermediates) {
                Some(0x30..=0x7e) => 1 + intermediates + 1,
                _ => 1 + intermediates,
            };
        }
        [0xc2, 0x9b, ..] => (2, false),
        [0xc2, 0x90 | 0x98 | 0x9d | 0x9e | 0x9f, ..] => (2, true),
        _ => return 1,
    };
    let rest = &bytes[body..];
    if string {
        let mut at = 0;
        while at < rest.len() {
            match rest[at..] {
                [0x07, ..] => return body + at + 1,
                [0x1b, b'\\', ..] | [0xc2, 0x9c, ..] => return body + at + 2,
                _ => at += 1,
            }
        }
        return body;
    }
    let parameters = rest
        .iter()
        .take_while(|b| (0x20..=0x3f).contains(*b))
        .count();
    match rest.get(parameters) {
        Some(0x40..=0x7e) => body + parameters + 1,
        _ => body + parameters,
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

/// The first character of `text` that matching drops from every text
/// (see [`is_unseen`]), if any.
pub fn unseen_char(text: &str) -> Option<char> {
    text.chars().find(|&c| is_unseen(c))
}

/// A rubric pattern with its literal parts in matching form, so that it
/// can find what texts become: `I’ll transfer you` (a curly apostrophe)
/// or `ｔｒａｎｓｆｅｒ` (full-width letters) as `I'll transfer you` and
/// `transfer`. Only literals change, read from the pattern's syntax tree,
/// never its escapes, classes or operators: a run of literals in a row is
/// normalised as a text is (NFKC composes a letter with its combining
/// marks) and written back as a group of escaped characters; a literal or
/// a range in a bracketed class keeps its place and has its folded form
/// added beside it (so a negated class excludes it too). `None` when
/// nothing changes (every pattern of plain ASCII) or the pattern does not
/// parse (compiling it says why).
pub fn fold_pattern(source: &str) -> Option<String> {
    use regex_syntax::ast::{self, Ast};
    if source.is_ascii() && !source.contains('\\') {
        return None;
    }
    fn fold_ast(node: &Ast, edits: &mut Vec<(usize, usize, String)>) {
        match node {
            Ast::Literal(literal) => fold_run(&[literal], edits),
            Ast::Concat(concat) => {
                let mut run: Vec<&ast::Literal> = Vec::new();
                for item in &concat.asts {
                    if let Ast::Literal(literal) = item {
                        run.push(literal);
                        continue;
                    }
                    fold_run(&run, edits);
                    run.clear();
                    fold_ast(item, edits);
                }
                fold_run(&run, edits);
            }
            Ast::Alternation(alternation) => {
                for item in &alternation.asts {
                    fold_ast(item, edits);
                }
            }
            Ast::Repetition(repetition) => fold_ast(&repetition.ast, edits),
            Ast::Group(group) => fold_ast(&group.ast, edits),
            Ast::ClassBracketed(class) => fold_class(&class.kind, edits),
            _ => {}
        }
    }

    fn fold_run(run: &[&ast::Literal], edits: &mut Vec<(usize, usize, String)>) {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return;
        };
        let text: String = run.iter().map(|literal| literal.c).collect();
        let folded = matching_form(&text);
        if folded != text {
            let escaped: String = folded.chars().map(escaped).collect();
            edits.push((
                first.span.start.offset,
                last.span.end.offset,
                format!("(?:{escaped})"),
            ));
        }
    }

    fn fold_class(set: &ast::ClassSet, edits: &mut Vec<(usize, usize, String)>) {
        match set {
            ast::ClassSet::BinaryOp(op) => {
                fold_class(&op.lhs, edits);
                fold_class(&op.rhs, edits);
            }
            ast::ClassSet::Item(item) => fold_item(item, edits),
        }
    }

    fn fold_item(item: &ast::ClassSetItem, edits: &mut Vec<(usize, usize, String)>) {
        let (chars, end) = match item {
            ast::ClassSetItem::Literal(literal) => (literal.c..=literal.c, literal.span.end.offset),
            ast::ClassSetItem::Range(range) => (range.start.c..=range.end.c, range.span.end.offset),
            ast::ClassSetItem::Bracketed(class) => return fold_class(&class.kind, edits),
            ast::ClassSetItem::Union(union) => {
                for item in &union.items {
                    fold_item(item, edits);
                }
                return;
            }
            _ => return,
        };
        // Wide ranges (a script, a plane) are left as written.
        if (*chars.end() as u32).saturating_sub(*chars.start() as u32) > 1024 {
            return;
        }
        let mut added = String::new();
        let mut seen: Vec<char> = Vec::new();
        for c in chars.clone() {
            if c.is_ascii() {
                continue;
            }
            let folded = matching_form(c.encode_utf8(&mut [0; 4])).into_owned();
            let mut each = folded.chars();
            if let (Some(one), None) = (each.next(), each.next())
                && !chars.contains(&one)
                && !seen.contains(&one)
            {
                seen.push(one);
                added.push_str(&escaped(one));
            }
        }
        if !added.is_empty() {
            edits.push((end, end, added));
        }
    }

    /// A character as a regex literal, inside a class or out.
    fn escaped(c: char) -> String {
        if c.is_alphanumeric() {
            c.to_string()
        } else {
            format!("\\x{{{:x}}}", c as u32)
        }
    }

    let parsed = ast::parse::Parser::new().parse(source).ok()?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    fold_ast(&parsed, &mut edits);
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|edit| std::cmp::Reverse((edit.0, edit.1)));
    let mut folded = source.to_string();
    for (start, end, text) in edits {
        folded.replace_range(start..end, &text);
    }
    // A fold that broke the syntax would be a bug: match as written then.
    ast::parse::Parser::new().parse(&folded).ok()?;
    Some(folded)
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

    #[test]
    fn what_a_reader_does_not_see_is_dropped() {
        // ANSI colours around and inside a promise.
        assert_eq!(
            form("\u{1b}[31mI'll transfer you\u{1b}[0m now."),
            "I'll transfer you now."
        );
        assert_eq!(
            form("Sure. \u{1b}[1;4mI will\u{1b}[m transfer"),
            "Sure. I will transfer"
        );
        assert_eq!(form("I'll\u{0} transfer you"), "I'll transfer you");
        assert_eq!(
            form("I'll \u{0} transfer\u{7}\u{7f} you"),
            "I'll transfer you"
        );
        // A window title and a hyperlink (OSC, ended by BEL or ST).
        assert_eq!(form("\u{1b}]0;title\u{7}transfer"), "transfer");
        assert_eq!(
            form("\u{1b}]8;;https://x.example/\u{1b}\\transfer\u{1b}]8;;\u{1b}\\ you"),
            "transfer you"
        );
        // C1 forms, other escapes, a lone ESC, a sequence cut short.
        assert_eq!(form("\u{9b}31mtransfer\u{9d}2;t\u{9c} you"), "transfer you");
        assert_eq!(form("\u{1b}(Btransfer\u{1b}7 you\u{1b}"), "transfer you");
        assert_eq!(form("transfer you\u{1b}[1;3"), "transfer you");
        assert_eq!(
            form("\u{1b}]unterminated transfer"),
            "unterminated transfer"
        );
        assert_eq!(form("back\u{8}\u{85}space"), "back space");
        // Tab and line breaks stay white space.
        assert_eq!(form("I'll\ttransfer\r\nyou"), "I'll transfer you");
        // Evidence leads back to the original, escapes and all.
        let original = "\u{1b}[31mI'll transfer you\u{1b}[0m.";
        let normalized = normalize(original).unwrap();
        let text = normalized.as_str();
        let (from, to) = normalized.original_range(0, text.find('.').unwrap());
        assert_eq!(&original[from..to], "I'll transfer you");
    }

    #[test]
    fn patterns_fold_their_literals_only() {
        let fold = |source: &str| fold_pattern(source);
        assert_eq!(fold("I'll transfer you"), None);
        assert_eq!(fold(r"\bI'll (transfer|put) you\b"), None);
        assert_eq!(
            fold("I\u{2019}ll transfer you").as_deref(),
            Some(r"(?:I\x{27}ll\x{20}transfer\x{20}you)")
        );
        assert_eq!(
            fold("\u{FF54}\u{FF52}\u{FF41}\u{FF4E}\u{FF53}\u{FF46}\u{FF45}\u{FF52}").as_deref(),
            Some("(?:transfer)")
        );
        // Escapes, classes and operators keep their meaning.
        assert_eq!(
            fold(r"won\x{2019}t\b").as_deref(),
            Some(r"(?:won\x{27}t)\b")
        );
        assert_eq!(
            fold("I[\u{2019}']ll").as_deref(),
            Some("I[\u{2019}\\x{27}']ll")
        );
        assert_eq!(fold("[^\u{2019}]").as_deref(), Some("[^\u{2019}\\x{27}]"));
        assert_eq!(
            fold("wait\u{2026}+").as_deref(),
            Some(r"wait(?:\x{2e}\x{2e}\x{2e})+")
        );
        assert_eq!(fold("\u{200B}pin").as_deref(), Some("(?:pin)"));
        assert_eq!(fold("caf\u{e9}"), None);
        assert_eq!(fold("(unclosed \u{2019}"), None);
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
