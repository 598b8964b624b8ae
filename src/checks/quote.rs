//! Quoting conversation text in reasons and evidence: the words as the text
//! writes them, cut only between words, each cut marked with `…`.
//!
//! A cut falls where white space separates two words. In a stretch without
//! white space (a long URL, Chinese or Japanese text) it falls on a word
//! boundary of Unicode text segmentation (UAX #29), and failing that on a
//! grapheme cluster boundary (the same annex), so that no cut splits a
//! character, a letter from its combining marks, or an emoji sequence joined
//! by U+200D. Segmentation through the `unicode-segmentation` crate. A cut
//! never goes past the byte bound it is given: a quote is at most as long as
//! the bound says, plus the ellipsis.

use std::borrow::Cow;

use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};

/// The mark of a cut.
pub const ELLIPSIS: &str = "…";

/// `text` cut to at most `max` bytes between words, with [`ELLIPSIS`] when
/// it was cut; borrowed when it fits.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let to = end_between_words(text, 0, max);
    let mut out = String::with_capacity(to + ELLIPSIS.len());
    out.push_str(text[..to].trim_end());
    out.push_str(ELLIPSIS);
    Cow::Owned(out)
}

/// The part of `text` around bytes `start..end`, with at most `context`
/// bytes on each side, cut between words and marked with [`ELLIPSIS`]
/// where cut. `start..end` should lie on character boundaries.
pub fn excerpt(text: &str, start: usize, end: usize, context: usize) -> String {
    let end = char_ceil(text, end);
    let start = char_floor(text, start.min(end));
    let from = start_between_words(text, start.saturating_sub(context), start);
    let to = end_between_words(text, end, end.saturating_add(context));
    let mut out = String::with_capacity(to - from + 2 * ELLIPSIS.len());
    if from > 0 {
        out.push_str(ELLIPSIS);
    }
    out.push_str(&text[from..to]);
    if to < text.len() {
        out.push_str(ELLIPSIS);
    }
    out
}

/// `start..end` of `text` widened to whole words where it begins or ends
/// inside one (between two letters or digits), then to whole grapheme
/// clusters: a pattern written as `frustrat` quotes "frustrated".
pub fn whole_words(text: &str, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(text.len());
    let mut start = start.min(end);
    let mut end = end;
    let inside = |at: usize| {
        text[..at].chars().next_back().is_some_and(is_word_char)
            && text[at..].chars().next().is_some_and(is_word_char)
    };
    if text.is_char_boundary(start) && inside(start) {
        while let Some(c) = text[..start]
            .chars()
            .next_back()
            .filter(|c| is_word_char(*c))
        {
            start -= c.len_utf8();
        }
    }
    if text.is_char_boundary(end) && end > start && inside(end) {
        while let Some(c) = text[end..].chars().next().filter(|c| is_word_char(*c)) {
            end += c.len_utf8();
        }
    }
    (grapheme_floor(text, start), grapheme_ceil(text, end))
}

/// `start..end` of `text` widened to whole grapheme clusters.
pub fn whole_graphemes(text: &str, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(text.len());
    (
        grapheme_floor(text, start.min(end)),
        grapheme_ceil(text, end),
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Where a quote that must hold byte `start` may begin: the first place in
/// `earliest..=start` between words (see the module doc), or `start`.
fn start_between_words(text: &str, earliest: usize, start: usize) -> usize {
    if earliest == 0 {
        return 0;
    }
    let from = char_ceil(text, earliest.min(start));
    // The first word that begins after white space, at or after `from`.
    let mut after_space = text[..from]
        .chars()
        .next_back()
        .is_some_and(char::is_whitespace);
    let mut space: Option<(usize, usize)> = None;
    let mut space_at = None;
    for (offset, c) in text[from..start].char_indices() {
        let at = from + offset;
        if c.is_whitespace() && space_at.is_none() {
            space_at = Some(at);
        }
        if after_space && !c.is_whitespace() && is_grapheme_boundary(text, at) {
            space = Some((space_at.unwrap_or(at), at));
            break;
        }
        after_space = c.is_whitespace();
    }
    if space.is_none() && after_space && is_grapheme_boundary(text, start) {
        space = Some((space_at.unwrap_or(start), start));
    }
    // A word of the text cut short at `from` may still hold a word
    // boundary where a word begins ("known" of "well-known").
    let word_end = space.map_or(start, |(at, _)| at);
    let inside = word_boundaries(text, from, word_end)
        .into_iter()
        .find(|&at| {
            at < word_end
                && text[at..].chars().next().is_some_and(is_word_char)
                && is_grapheme_boundary(text, at)
        });
    match (inside, space) {
        (Some(at), _) => at,
        (None, Some((_, at))) => at,
        (None, None) => grapheme_ceil(text, from).min(start),
    }
}

/// Where a quote that must hold everything before byte `end` may stop: the
/// last place in `end..=latest` between words, white space before it left
/// out (see the module doc), or `end`.
fn end_between_words(text: &str, end: usize, latest: usize) -> usize {
    if latest >= text.len() {
        return text.len();
    }
    let to = char_floor(text, latest.max(end));
    // The last white-space character at or before `to`: the quote may stop
    // before it.
    let window_end = to + text[to..].chars().next().map_or(0, char::len_utf8);
    let space = text[end..window_end]
        .char_indices()
        .rev()
        .map(|(offset, c)| (end + offset, c))
        .find(|&(at, c)| {
            at <= to
                && c.is_whitespace()
                && is_grapheme_boundary(text, at)
                && (end > 0 || !text[..at].trim_end().is_empty())
        });
    // The word cut short at `to` may still hold a word boundary where a
    // word ends ("school" of "school?").
    let word_start = space.map_or(end, |(at, c)| at + c.len_utf8());
    let inside = word_boundaries(text, word_start, to)
        .into_iter()
        .rev()
        .find(|&at| {
            at > word_start
                && text[..at].chars().next_back().is_some_and(is_word_char)
                && is_grapheme_boundary(text, at)
        });
    match (inside, space) {
        (Some(at), _) => at,
        (None, Some((at, _))) => (end + text[end..at].trim_end().len()).max(end),
        (None, None) if end > 0 => end,
        (None, None) => grapheme_floor(text, to),
    }
}

/// Word boundaries (UAX #29) of `text` in `lo..=hi`, found by segmenting
/// from a little before `lo` to a little after `hi`, so that the rules
/// that look one or two characters either way see them. ASCII text (nearly
/// every cut) takes [`ascii_word_boundaries`] instead.
fn word_boundaries(text: &str, lo: usize, hi: usize) -> Vec<usize> {
    const LOOK_AROUND: usize = 16;
    let window_start = char_floor(text, lo.saturating_sub(LOOK_AROUND));
    let window_end = char_ceil(text, hi.saturating_add(LOOK_AROUND));
    let window = &text[window_start..window_end];
    if window.is_ascii() {
        return ascii_word_boundaries(text.as_bytes(), lo, hi.min(text.len()));
    }
    let mut found: Vec<usize> = window
        .split_word_bound_indices()
        .map(|(offset, _)| window_start + offset)
        .filter(|&at| at >= lo && at <= hi && (at > window_start || window_start == 0))
        .collect();
    if window_end == text.len() && hi >= text.len() {
        found.push(text.len());
    }
    found
}

/// [`word_boundaries`] over ASCII, by the rules of UAX #29 that ASCII
/// meets: no boundary between letters, digits and `_` (WB5, WB8 to WB10,
/// WB13a, WB13b), nor around a `.`, `'` or `:` between letters (WB6, WB7),
/// or a `.`, `,`, `;` or `'` between digits (WB11, WB12), nor inside CR LF
/// (WB3); a boundary everywhere else.
fn ascii_word_boundaries(bytes: &[u8], lo: usize, hi: usize) -> Vec<usize> {
    let word = |at: usize| {
        bytes
            .get(at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let letter = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_alphabetic);
    let digit = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    // Whether byte `at` sits inside a word: a middle mark with the same
    // kind of character on both sides.
    let middle = |at: usize| {
        at > 0
            && match bytes.get(at) {
                Some(b'.' | b'\'') => {
                    (letter(at - 1) && letter(at + 1)) || (digit(at - 1) && digit(at + 1))
                }
                Some(b':') => letter(at - 1) && letter(at + 1),
                Some(b',' | b';') => digit(at - 1) && digit(at + 1),
                _ => false,
            }
    };
    (lo == 0)
        .then_some(0)
        .into_iter()
        .chain((lo.max(1)..=hi).filter(|&at| {
            at < bytes.len()
                && !((word(at - 1) && word(at))
                    || middle(at)
                    || middle(at - 1)
                    || (bytes[at - 1] == b'\r' && bytes[at] == b'\n'))
        }))
        .chain((hi >= bytes.len()).then_some(bytes.len()))
        .collect()
}

/// Whether byte `at` of `text` is a grapheme cluster boundary.
fn is_grapheme_boundary(text: &str, at: usize) -> bool {
    if at == 0 || at >= text.len() {
        return at <= text.len();
    }
    if !text.is_char_boundary(at) {
        return false;
    }
    let bytes = text.as_bytes();
    let (before, after) = (bytes[at - 1], bytes[at]);
    // Between two ASCII characters every place but inside CR LF is a
    // boundary: the characters that join clusters are none of them ASCII.
    if before.is_ascii() && after.is_ascii() {
        return !(before == b'\r' && after == b'\n');
    }
    GraphemeCursor::new(at, text.len(), true)
        .is_boundary(text, 0)
        .unwrap_or(true)
}

fn grapheme_floor(text: &str, at: usize) -> usize {
    let at = char_floor(text, at);
    if is_grapheme_boundary(text, at) {
        return at;
    }
    GraphemeCursor::new(at, text.len(), true)
        .prev_boundary(text, 0)
        .ok()
        .flatten()
        .unwrap_or(0)
}

fn grapheme_ceil(text: &str, at: usize) -> usize {
    let at = char_ceil(text, at);
    if is_grapheme_boundary(text, at) {
        return at;
    }
    GraphemeCursor::new(at, text.len(), true)
        .next_boundary(text, 0)
        .ok()
        .flatten()
        .unwrap_or(text.len())
}

fn char_floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn char_ceil(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_between_words() {
        let text = "Thanks for waiting, I have shared everything so far with them. The wait \
                    is about 2 minutes. You can stay on the line, or I can arrange a callback.";
        let start = text.find("2 minutes").unwrap();
        let quote = excerpt(text, start, start + "2 minutes".len(), 40);
        // Bytes 40 before and after fall inside "everything" and "arrange".
        assert_eq!(
            quote,
            "…so far with them. The wait is about 2 minutes. You can stay on the line, or I can…"
        );
        assert_eq!(clip(text, 30), "Thanks for waiting, I have…");
        assert_eq!(clip("short", 30), "short");
    }

    #[test]
    fn never_splits_a_character_a_mark_or_an_emoji_sequence() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let marks = "e\u{0301}";
        for unit in ["é", marks, family, "日本語", "\u{1F1EB}\u{1F1F7}"] {
            let text = unit.repeat(60);
            for max in 0..text.len() + 2 {
                let cut = clip(&text, max);
                let kept = cut.trim_end_matches(ELLIPSIS);
                assert!(kept.len() <= max, "{unit:?} at {max}: {cut:?}");
                assert!(text.starts_with(kept));
                assert!(is_grapheme_boundary(&text, kept.len()), "{unit:?} at {max}");
            }
            for start in (0..text.len()).filter(|&at| is_grapheme_boundary(&text, at)) {
                let quote = excerpt(&text, start, start, 10);
                let kept = quote.trim_matches(|c| c == '…');
                assert!(text.contains(kept));
            }
        }
        // Japanese without spaces is cut between its words (here, characters).
        let japanese = "お問い合わせありがとうございます。担当者におつなぎします。";
        let cut = clip(japanese, 20);
        assert!(japanese.starts_with(cut.trim_end_matches(ELLIPSIS)));
        assert!(cut.ends_with(ELLIPSIS));
    }

    #[test]
    fn ascii_word_boundaries_are_those_of_uax_29() {
        let samples = [
            "Hi Sarah, I'll transfer you: the wait is 2.5 minutes (about 1,200 s); e.g. now.",
            "order #8821 at https://example.com/a_b?x=1 -- can't won't 3:15pm\r\nnext",
            "...a.b..c''d' 'e 1.2.3 x_1 __ a:b: ;1;2;",
        ];
        for text in samples {
            let expected: Vec<usize> = text
                .split_word_bound_indices()
                .map(|(at, _)| at)
                .chain([text.len()])
                .collect();
            let ascii = ascii_word_boundaries(text.as_bytes(), 0, text.len());
            assert_eq!(ascii, expected, "{text:?}");
        }
    }

    #[test]
    fn whole_words_widen_a_match_cut_inside_a_word() {
        let text = "I am frustrated, can't wait";
        let at = text.find("frustrat").unwrap();
        let (start, end) = whole_words(text, at, at + "frustrat".len());
        assert_eq!(&text[start..end], "frustrated");
        let at = text.find("can").unwrap();
        assert_eq!(whole_words(text, at, at + 3), (at, at + 3));
        let accented = "cafe\u{0301} au lait";
        assert_eq!(whole_words(accented, 0, 3), (0, "cafe\u{0301}".len()));
    }
}
