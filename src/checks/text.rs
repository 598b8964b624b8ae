//! Small text measures the rule checks share: sentences, words, key terms,
//! money amounts. Deliberately simple and documented; the judge (an LLM)
//! covers what these cannot.

use std::sync::LazyLock;

use regex::Regex;

/// Sentences in a text: runs ending in `.`, `!` or `?` followed by white space
/// or the end, that hold at least two words. `$184.00` and `e.g.` do not split.
/// Japanese and Chinese end a sentence with `。`, `！` or `？` and no space,
/// and write words without spaces: such a sentence counts when it holds at
/// least four letters or digits.
pub fn sentence_count(text: &str) -> usize {
    if text.contains(['。', '！', '？']) {
        spaced_sentence_count(&text.replace(['。', '！', '？'], ". "))
    } else {
        spaced_sentence_count(text)
    }
}

/// A sentence written without spaces (Japanese, Chinese): four letters or
/// digits, one of them beyond the Latin, Greek and Cyrillic scripts.
fn unspaced_sentence(sentence: &str) -> bool {
    sentence.chars().any(|c| c >= '\u{3000}')
        && sentence.chars().filter(|c| c.is_alphanumeric()).count() >= 4
}

fn spaced_sentence_count(text: &str) -> usize {
    const ABBREVIATIONS: &[&str] = &[
        "e.g", "i.e", "mr", "mrs", "ms", "dr", "st", "no", "vs", "etc", "approx",
    ];
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !matches!(bytes[i], b'.' | b'!' | b'?') {
            i += 1;
            continue;
        }
        let stop = i;
        while i < bytes.len() && matches!(bytes[i], b'.' | b'!' | b'?') {
            i += 1;
        }
        // A sentence ends only where white space or the text's end follows.
        if i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            continue;
        }
        let sentence = &text[start..stop];
        let last_word = sentence
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        if ABBREVIATIONS
            .iter()
            .any(|a| last_word.eq_ignore_ascii_case(a))
            || (bytes[stop] == b'.' && abbreviated(last_word, text[i..].trim_start()))
        {
            continue;
        }
        if word_count(sentence) >= 2 || unspaced_sentence(sentence) {
            count += 1;
        }
        start = i;
    }
    let last = &text[start..];
    if word_count(last) >= 2 || unspaced_sentence(last) {
        count += 1;
    }
    count
}

/// Whether a full stop after `last_word`, with `next` the text after the
/// white space that follows it, marks an abbreviation, an initial or an
/// ordinal rather than a sentence's end: a sentence does not go on in lower
/// case ("27.02. eingegangen", "approx. ten"); an initial is one letter ("D.
/// Inês"); a short capitalised word before a number is an abbreviation
/// ("Art. 15", "Nr. 4", "Abs. 2"); a number before a month is an ordinal date, as German and
/// the Nordic languages write it ("zum 30. April", "1. Mai").
fn abbreviated(last_word: &str, next: &str) -> bool {
    const MONTHS: &[&str] = &[
        "januar",
        "jänner",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
        "jan",
        "feb",
        "mär",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "okt",
        "nov",
        "dez",
        "januari",
        "februari",
        "maart",
        "mei",
        "augustus",
        "mars",
        "maj",
    ];
    let Some(first) = next.chars().next() else {
        return false;
    };
    let word = last_word.trim_start_matches(|c: char| !c.is_alphanumeric());
    if first.is_lowercase() {
        return true;
    }
    let letters = word.chars().count();
    if letters == 1 && word.chars().all(char::is_alphabetic) {
        return true;
    }
    if first.is_ascii_digit()
        && (2..=4).contains(&letters)
        && word.chars().all(char::is_alphabetic)
        && word.starts_with(char::is_uppercase)
    {
        return true;
    }
    let next_word: String = next
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    !word.is_empty()
        && word.chars().all(|c| c.is_ascii_digit())
        && word.len() <= 2
        && MONTHS.contains(&next_word.as_str())
}

/// Words: runs of non-white-space holding a letter or digit.
pub fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return unicode_word_count(text);
    }
    // The same count as `unicode_word_count`, over bytes:
    // `char::is_whitespace` on ASCII is tab to carriage return and space.
    let mut count = 0;
    let mut alphanumeric = false;
    for &byte in text.as_bytes() {
        if matches!(byte, b'\t'..=b'\r' | b' ') {
            count += usize::from(alphanumeric);
            alphanumeric = false;
        } else {
            alphanumeric |= byte.is_ascii_alphanumeric();
        }
    }
    count + usize::from(alphanumeric)
}

/// [`word_count`] for any text, by Unicode white space and letters.
fn unicode_word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Words too common to show that someone knows the case.
const STOPWORDS: &[&str] = &[
    "about",
    "above",
    "account",
    "after",
    "again",
    "agent",
    "also",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "call",
    "calling",
    "can't",
    "check",
    "confirm",
    "could",
    "customer",
    "does",
    "doing",
    "don't",
    "during",
    "each",
    "from",
    "further",
    "have",
    "having",
    "help",
    "here",
    "human",
    "into",
    "issue",
    "just",
    "know",
    "like",
    "make",
    "more",
    "most",
    "need",
    "needs",
    "only",
    "other",
    "over",
    "please",
    "problem",
    "proceed",
    "request",
    "same",
    "should",
    "some",
    "specialist",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "today",
    "under",
    "until",
    "very",
    "want",
    "wants",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "will",
    "with",
    "within",
    "would",
    "your",
    "yours",
    "limit",
    "team",
    "able",
    "thank",
    "thanks",
    "sure",
    "right",
    "okay",
];

/// A token of at most 16 bytes, ASCII-lower-cased and packed into an
/// integer (first byte highest, so the order is that of the strings); longer
/// tokens have none.
fn packed_lower(token: &str) -> Option<u128> {
    let bytes = token.as_bytes();
    if bytes.len() > 16 {
        return None;
    }
    // Shifted into a register, not stored bytewise into a buffer and read
    // back whole (that read stalls on store forwarding).
    let mut packed = 0u128;
    for (index, byte) in bytes.iter().enumerate() {
        packed |= u128::from(byte.to_ascii_lowercase()) << (8 * (15 - index));
    }
    Some(packed)
}

/// Whether a token is a stop word, without allocating or hashing: the token
/// is packed (see [`packed_lower`]; no stop word is longer than 16 bytes) and
/// looked up among the packed stop words by integer comparison.
fn is_stopword(token: &str) -> bool {
    static SORTED: LazyLock<Vec<u128>> = LazyLock::new(|| {
        let mut words: Vec<u128> = STOPWORDS.iter().filter_map(|w| packed_lower(w)).collect();
        words.sort_unstable();
        words
    });
    packed_lower(token).is_some_and(|packed| SORTED.binary_search(&packed).is_ok())
}

/// Characters a stem keeps.
const STEM: usize = 5;

/// A key term: the word as the text writes it (its first occurrence), and
/// a 64-bit key of its stem (the word lower-cased, cut to [`STEM`]
/// characters unless it holds a digit) by which terms are compared.
#[derive(Debug, Clone, Eq)]
pub struct Term {
    word: Word,
    key: u64,
}

impl Term {
    /// The word as the text writes it, as reasons quote it.
    pub fn word(&self) -> &str {
        self.word.as_str()
    }
}

impl PartialEq for Term {
    /// By stem: "charged" is the term "charge".
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// A term's word, kept inline when short (nearly every word): key terms
/// are made for every text a check compares, and a heap string each was a
/// good part of the cost.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    Inline { len: u8, bytes: [u8; WORD_INLINE] },
    Heap(Box<str>),
}

const WORD_INLINE: usize = 22;

impl Word {
    fn new(text: &str) -> Self {
        if text.len() > WORD_INLINE {
            return Word::Heap(text.into());
        }
        let mut bytes = [0u8; WORD_INLINE];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Word::Inline {
            len: text.len() as u8,
            bytes,
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Only ever filled from a whole `&str`.
            Word::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Word::Heap(text) => text,
        }
    }
}

/// Tokens of letters, digits and apostrophes, as slices of the text
/// (apostrophes trimmed); `$184.00` gives `184` and `00`.
fn raw_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|t| t.trim_matches('\''))
        .filter(|t| !t.is_empty() && *t != "00")
}

/// The stem key of a token without allocating: FNV-1a over its lower-cased
/// characters, the first [`STEM`] of them unless it holds a digit.
fn stem_key(token: &str) -> u64 {
    let has_digit = token.bytes().any(|b| b.is_ascii_digit());
    let limit = if has_digit { usize::MAX } else { STEM };
    let mut hash: u64 = 0xcbf29ce484222325;
    if token.is_ascii() {
        for byte in token.bytes().take(limit) {
            hash ^= byte.to_ascii_lowercase() as u64;
            hash = hash.wrapping_mul(0x100000001b3);
        }
        return hash;
    }
    for c in token.chars().flat_map(char::to_lowercase).take(limit) {
        let mut buf = [0u8; 4];
        for byte in c.encode_utf8(&mut buf).bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    hash
}

/// Key terms of a text: words of four letters or more that are not stop
/// words, and any token with a digit (order numbers, amounts), compared by
/// a stem of at most five lower-cased characters so that "charged" meets
/// "charge" and "waiver" meets "waive". The text is read in its matching
/// form (see [`super::normalize`]); each term keeps its word as `text`
/// writes it, for reasons to quote.
pub fn key_terms(text: &str) -> Vec<Term> {
    let normalized = super::normalize::normalize(text);
    key_terms_of_texts([(text, normalized.as_ref())])
}

/// [`key_terms`] of several texts, each given as written with its matching
/// form when that differs ([`Conversation::normalized`](crate::trace::Conversation::normalized)),
/// so that turns already normalised are not normalised again.
pub fn key_terms_of_texts<'w>(
    texts: impl IntoIterator<Item = (&'w str, Option<&'w super::normalize::Normalized>)>,
) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    for (text, normalized) in texts {
        match normalized {
            None => extend_key_terms(&mut terms, text, |start, end| &text[start..end]),
            Some(normalized) => extend_key_terms(&mut terms, normalized.as_str(), |start, end| {
                let (from, to) = normalized.original_range(start, end);
                text.get(from..to).unwrap_or_default()
            }),
        }
    }
    terms
}

/// Adds to `terms` those of a text in matching form not among them yet,
/// `written` giving the word as written for a token at `start..end` of it.
fn extend_key_terms<'w>(
    terms: &mut Vec<Term>,
    text: &str,
    written: impl Fn(usize, usize) -> &'w str,
) {
    for token in raw_tokens(text) {
        let has_digit = token.bytes().any(|b| b.is_ascii_digit());
        let short = token.len() < 4 || (!token.is_ascii() && token.chars().count() < 4);
        if !has_digit && (short || is_stopword(token)) {
            continue;
        }
        let key = stem_key(token);
        if terms.iter().any(|t| t.key == key) {
            continue;
        }
        let start = token.as_ptr() as usize - text.as_ptr() as usize;
        let word = written(start, start + token.len());
        if word.len() <= WORD_INLINE {
            // Filled in place: bytes stored one by one into a local array and
            // then moved whole would stall on store forwarding.
            terms.push(Term {
                word: Word::Inline {
                    len: word.len() as u8,
                    bytes: [0; WORD_INLINE],
                },
                key,
            });
            if let Some(Term {
                word: Word::Inline { bytes, .. },
                ..
            }) = terms.last_mut()
            {
                bytes[..word.len()].copy_from_slice(word.as_bytes());
            }
        } else {
            terms.push(Term {
                word: Word::new(word),
                key,
            });
        }
    }
}

/// The tokens of `text` in its matching form (see [`super::normalize`]),
/// each with the word as `text` writes it.
pub fn words_as_written(text: &str) -> Vec<(String, &str)> {
    let normalized = super::normalize::normalize(text);
    let matching = normalized.as_ref().map_or(text, |n| n.as_str());
    raw_tokens(matching)
        .map(|token| {
            let start = token.as_ptr() as usize - matching.as_ptr() as usize;
            let (from, to) = match &normalized {
                Some(normalized) => normalized.original_range(start, start + token.len()),
                None => (start, start + token.len()),
            };
            (token.to_string(), text.get(from..to).unwrap_or_default())
        })
        .collect()
}

/// Whether `text` holds `word` as a whole token, ignoring case.
pub fn has_token(text: &str, word: &str) -> bool {
    raw_tokens(text).any(|token| {
        token.len() == word.len()
            && token
                .chars()
                .flat_map(char::to_lowercase)
                .eq(word.chars().flat_map(char::to_lowercase))
    })
}

/// The words of `text` with the byte offset each starts at: runs of
/// letters, digits and apostrophes (apostrophes trimmed), as
/// [`raw_tokens`] reads them.
pub fn words_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(move |word| {
            let word = word.trim_matches('\'');
            (word.as_ptr() as usize - text.as_ptr() as usize, word)
        })
        .filter(|(_, word)| !word.is_empty())
}

/// Whether the word at byte `start` of `text` begins a sentence: nothing
/// but spaces and quotes before it back to the text's start or to `.`, `!`
/// or `?`.
pub fn starts_sentence(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '"', '\'', '(']);
    before.is_empty() || before.ends_with(['.', '!', '?'])
}

/// A Han or Katakana character: the content words of Japanese (and the
/// words of Chinese) are written in them, between hiragana particles.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{30A0}'..='\u{30FF}' | '\u{F900}'..='\u{FAFF}')
}

/// Content words of text without word spaces: runs of two or more Han or
/// Katakana characters ("機種変更", "対象外", "エラー"), as the text writes
/// them; hiragana particles, punctuation, Latin letters and digits end a
/// run ("紛失端末の回線停止" gives "紛失端末" and "回線停止").
pub fn cjk_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_cjk(c))
        .filter(|run| run.chars().count() >= 2)
}

/// Pairs of neighbouring characters in a content word ([`cjk_words`]):
/// "回線停止" gives "回線", "線停", "停止".
fn cjk_bigrams(word: &str) -> impl Iterator<Item = [char; 2]> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (1..chars.len())
        .map(move |i| [chars[i - 1], chars[i]])
        .collect::<Vec<_>>()
        .into_iter()
}

/// Pairs of characters that every Japanese service message uses ("お客様",
/// "担当者", "失礼", "本日", "ご対応", "確認", "ご連絡", "ご案内"): they say
/// nothing of a case, so never count as a part of one found.
const CJK_GENERIC_BIGRAMS: &[[char; 2]] = &[
    ['客', '様'],
    ['担', '当'],
    ['当', '者'],
    ['失', '礼'],
    ['本', '日'],
    ['対', '応'],
    ['確', '認'],
    ['連', '絡'],
    ['案', '内'],
];

/// Whether `text` names a content word ([`cjk_words`]) of a language
/// written without word spaces: the word as written, or its parts in other
/// words ("紛失端末" in "紛失された端末"): at least two of its pairs of
/// neighbouring characters, and at least half of them, are pairs within
/// the content words of `text`, pairs every service message uses
/// ([`CJK_GENERIC_BIGRAMS`]) not counted. A word of two characters is
/// named only as written.
pub fn cjk_word_named(word: &str, text: &str) -> bool {
    if text.contains(word) {
        return true;
    }
    let pairs: Vec<[char; 2]> = cjk_bigrams(word).collect();
    if pairs.len() < 2 {
        return false;
    }
    let said: Vec<[char; 2]> = cjk_words(text).flat_map(cjk_bigrams).collect();
    let mut hits: Vec<[char; 2]> = pairs
        .iter()
        .copied()
        .filter(|pair| !CJK_GENERIC_BIGRAMS.contains(pair) && said.contains(pair))
        .collect();
    hits.sort_unstable();
    hits.dedup();
    hits.len() >= 2 && hits.len() * 2 >= pairs.len()
}

/// Which of `terms` occur (by stem) in `text`: their words as written.
pub fn terms_found<'t>(terms: &'t [Term], text: &str) -> Vec<&'t str> {
    terms_found_in(terms, std::iter::once(text))
}

/// Which of `terms` occur (by stem) in any of `texts`.
pub fn terms_found_in<'t, 'x>(
    terms: &'t [Term],
    texts: impl IntoIterator<Item = &'x str>,
) -> Vec<&'t str> {
    let keys = stem_keys(texts);
    terms
        .iter()
        .filter(|term| keys.contains(&term.key))
        .map(Term::word)
        .collect()
}

/// Drops from `terms` those that occur (by stem) in any of `texts`, the
/// texts read once.
pub fn drop_terms_in<'x>(terms: &mut Vec<Term>, texts: impl IntoIterator<Item = &'x str>) {
    let keys = stem_keys(texts);
    terms.retain(|term| !keys.contains(&term.key));
}

/// The stem keys of every word of `texts`.
fn stem_keys<'x>(texts: impl IntoIterator<Item = &'x str>) -> Vec<u64> {
    texts
        .into_iter()
        .flat_map(raw_tokens)
        .map(stem_key)
        .collect()
}

/// A money amount or percentage named in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub percent: bool,
}

impl Amount {
    pub fn same_as(&self, other: &Amount) -> bool {
        self.percent == other.percent && (self.value - other.value).abs() < 0.005
    }
}

/// Amounts in a text: `$50`, `50 dollars`, `€20.50`, `15%`, `USD 50`.
pub fn amounts(text: &str) -> Vec<Amount> {
    static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)
            (?:[$€£]\s?|\b(?:usd|eur|gbp)\s?)(?P<a>\d[\d,]*(?:\.\d{1,2})?)
            | \b(?P<b>\d[\d,]*(?:\.\d{1,2})?)\s?(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp)\b
            | \b(?P<p>\d+(?:\.\d+)?)\s?(?:%|percent\b)",
        )
        .unwrap()
    });
    AMOUNT
        .captures_iter(text)
        .filter_map(|caps| {
            let (raw, percent) = match (caps.name("a"), caps.name("b"), caps.name("p")) {
                (Some(m), _, _) | (_, Some(m), _) => (m.as_str(), false),
                (_, _, Some(m)) => (m.as_str(), true),
                _ => return None,
            };
            let value = raw.replace(',', "").parse().ok()?;
            Some(Amount { value, percent })
        })
        .collect()
}

/// A word that may carry an identifier: letters and digits, joined by
/// `-`, `/`, `.` or `,` without a space ("4471-22", "8/19/1950").
static IDENTIFIER_TOKEN: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"[A-Za-z0-9]+(?:[-/.,][A-Za-z0-9]+)*")
        .expect("the built-in pattern compiles")
});

/// The identifiers of a text, in their compared form (separators dropped,
/// lower case): words of letters and digits with at least four digits
/// ("order 4471-2290", "born 8/19/1950", "RSSMRA85T10A562S"). Read by
/// `detail_repeated` and by `phrase_absent`'s `unless_answered_new`.
pub fn identifiers(text: &str) -> Vec<String> {
    IDENTIFIER_TOKEN
        .find_iter(text)
        .filter_map(|m| {
            let compact: String = m
                .as_str()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let digits = compact.bytes().filter(u8::is_ascii_digit).count();
            (digits >= 4).then_some(compact)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sentences_without_splitting_amounts_or_abbreviations() {
        let summary = "Sarah was charged twice for order 8821. She was verified by SMS code. \
                       A $50.00 credit was offered, e.g. as goodwill, and declined. She wants \
                       the duplicate $184 charge refunded, which is above the AI refund limit.";
        assert_eq!(sentence_count(summary), 4);
        assert_eq!(sentence_count("Refund needed"), 1);
        assert_eq!(sentence_count(""), 0);
        assert_eq!(sentence_count("Customer angry!!! Wants refund? Yes."), 2);
        // Abbreviations, initials and ordinal dates do not end a sentence.
        assert_eq!(
            sentence_count(
                "Frau Schneider hat zum 30. April gekündigt. Sie verlangt eine Kopie nach Art. 15 DSGVO. Der Antrag ging am 27.02. ein."
            ),
            3
        );
        assert_eq!(
            sentence_count("D. Inês Costa called twice. The fee is approx. ten euros."),
            2
        );
        assert_eq!(
            sentence_count("Refund sent. 2 attempts failed. Escalated."),
            2
        );
    }

    #[test]
    fn counts_sentences_written_without_spaces() {
        let summary = "田中様は先月の請求に誤りがあると連絡されました。返金の申請は二回失敗しています。\
                       担当部署での確認が必要です。";
        assert_eq!(sentence_count(summary), 3);
        assert_eq!(sentence_count("返金希望。"), 1);
        assert_eq!(sentence_count("はい。"), 0);
        assert_eq!(sentence_count("Order A-1 refunded. 返金済みです。"), 2);
    }

    #[test]
    fn counts_ascii_words_as_unicode_splitting_does() {
        let mut texts: Vec<String> = include_str!("../../datasets/demo.jsonl")
            .lines()
            .filter_map(|line| crate::trace::parse_line(line.as_bytes()).ok())
            .flat_map(|conversation| conversation.events)
            .filter_map(|event| match event.kind {
                crate::trace::EventKind::Turn { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert!(texts.len() > 1000, "{} demo turns", texts.len());
        texts.extend(
            [
                "",
                " ",
                "one",
                "  two  words ",
                "a\tb\nc\x0Bd\x0Ce\rf",
                "-- ... !!",
                "x -- y",
                "$184.00 refund, ok?",
                "\x1Cnot\x1Fspace",
            ]
            .map(str::to_string),
        );
        for text in &texts {
            assert_eq!(word_count(text), unicode_word_count(text), "{text:?}");
        }
        assert_eq!(word_count("Hi Sarah!"), 2);
        assert_eq!(word_count("x -- y"), 2);
    }

    #[test]
    fn key_terms_skip_stopwords_and_keep_identifiers() {
        let terms = key_terms("Refund the duplicate charge on Order 8821 for the customer");
        let words: Vec<&str> = terms.iter().map(Term::word).collect();
        assert_eq!(
            words,
            vec!["Refund", "duplicate", "charge", "Order", "8821"]
        );
        let found = terms_found(&terms, "I see you were charged twice on order 8821");
        assert_eq!(found, vec!["charge", "Order", "8821"]);
        // Words are quoted as written, however the matching form spells them.
        let terms = key_terms(
            "Cancel\u{00A0}my \u{FF33}\u{FF35}\u{FF22}\u{FF33}\u{FF23}\u{FF32}\u{FF29}\u{FF22}\u{FF25} isn\u{2019}t\u{2026} ﬁling",
        );
        let words: Vec<&str> = terms.iter().map(Term::word).collect();
        assert_eq!(
            words,
            vec![
                "Cancel",
                "\u{FF33}\u{FF35}\u{FF22}\u{FF33}\u{FF23}\u{FF32}\u{FF29}\u{FF22}\u{FF25}",
                "isn\u{2019}t",
                "ﬁling"
            ]
        );
        assert_eq!(
            terms_found(&terms, "the subscription"),
            vec!["\u{FF33}\u{FF35}\u{FF22}\u{FF33}\u{FF23}\u{FF32}\u{FF29}\u{FF22}\u{FF25}"]
        );
    }

    #[test]
    fn finds_amounts_in_several_spellings() {
        let found = amounts("a $50 credit, 20 dollars, USD 184.00 or 15% off");
        let values: Vec<(f64, bool)> = found.iter().map(|a| (a.value, a.percent)).collect();
        assert_eq!(
            values,
            vec![(50.0, false), (20.0, false), (184.0, false), (15.0, true)]
        );
        assert!(amounts("order 8821").is_empty());
    }
}

/// Seconds a spoken number stands for, before its unit: digits, or a
/// number in words ("ninety", "forty-five", "a couple of").
fn number_said(word: &str, second: Option<&str>) -> Option<f64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let word = word.trim().to_ascii_lowercase();
    let base = if let Ok(value) = word.parse::<f64>() {
        value
    } else if let Some(i) = UNITS.iter().position(|u| *u == word) {
        i as f64
    } else if let Some(i) = TENS.iter().position(|t| *t == word) {
        (i as f64 + 2.0) * 10.0
    } else {
        match word.as_str() {
            "a" | "an" => 1.0,
            "a couple of" | "couple of" => 2.0,
            "a few" | "few" => 3.0,
            _ => return None,
        }
    };
    let extra = second
        .and_then(|s| UNITS.iter().position(|u| u.eq_ignore_ascii_case(s)))
        .unwrap_or(0) as f64;
    Some(base + extra)
}

/// The numbers `text` says of two or more: in digits ("94", "3'480.60"
/// as 3480.6), or as one number word in English, Spanish, French, German,
/// Portuguese, Italian or Dutch ("twelve", "zwölf", "veinticinco"). Used to
/// tell a counter-request ("I'd like twelve instalments") met later.
pub fn numbers_said(text: &str) -> Vec<f64> {
    static DIGITS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\d+(?:['’,]\d{3})*(?:[.,]\d+)?").expect("the built-in pattern compiles")
    });
    let mut found: Vec<f64> = DIGITS
        .find_iter(text)
        .filter_map(|m| {
            let digits: String = m
                .as_str()
                .chars()
                .filter(|c| !matches!(c, '\'' | '’'))
                .collect();
            let digits = match digits.rfind([',', '.']) {
                Some(at) if digits.len() - at == 4 => digits.replace([',', '.'], ""),
                _ => digits.replace(',', "."),
            };
            digits.parse::<f64>().ok()
        })
        .collect();
    for (_, word) in words_at(text) {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let lower = word.to_lowercase();
        let value = number_said(&lower, None)
            .filter(|_| !matches!(lower.as_str(), "a" | "an" | "few" | "a few"))
            .or_else(|| number_word_joined(&lower));
        if let Some(value) = value.filter(|v| *v >= 2.0 && v.fract() == 0.0) {
            found.push(value);
        }
    }
    found.retain(|v| *v >= 2.0);
    found
}

/// A duration said in words: "about ninety seconds", "a 5-minute wait",
/// "forty-five minutes", "2 working days", "half an hour", "a minute and a
/// half", "one and a half minutes", "five short minutes".
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?P<half_hour>half\ an\ hour|half-hour)\b
        | \b(?P<three_quarters>three[\ -]quarters?\ of\ an\ hour|three[\ -]quarter[\ -]hour)\b
        | \b(?P<quarter_hour>quarter\ of\ an\ hour|quarter-hour|quarter\ hour)\b
        | \b(?P<num>\d+(?:\.\d+)?|a\ couple\ of|couple\ of|a\ few|few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)
          (?:[\ -](?P<plus>one|two|three|four|five|six|seven|eight|nine))?
          (?P<half_before>\ and\ a\ half)?
          \s*-?\s*(?:(?:short|little|quick|brief)\ )?(?:working\ |business\ |calendar\ )?
          (?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\b
          (?P<and_half>\ and\ a\ half)?
        ",
    )
    .expect("the built-in pattern compiles")
});

/// Every duration `text` says, in seconds ([`DURATION`]); for a range ("2
/// to 3 minutes") the bound that carries the unit.
pub fn durations_said(text: &str) -> Vec<f64> {
    DURATION
        .captures_iter(text)
        .filter_map(|caps| {
            if caps.name("half_hour").is_some() {
                return Some(1800.0);
            }
            if caps.name("three_quarters").is_some() {
                return Some(2700.0);
            }
            if caps.name("quarter_hour").is_some() {
                return Some(900.0);
            }
            let unit = caps.name("unit")?.as_str().to_ascii_lowercase();
            let scale = match unit.chars().next()? {
                's' => 1.0,
                'm' => 60.0,
                'h' => 3600.0,
                'd' => 86_400.0,
                'w' => 604_800.0,
                _ => return None,
            };
            let mut value = number_said(
                caps.name("num")?.as_str(),
                caps.name("plus").map(|m| m.as_str()),
            )?;
            if caps.name("and_half").is_some() || caps.name("half_before").is_some() {
                value += 0.5;
            }
            Some(value * scale)
        })
        .chain(durations_said_in_other_languages(text))
        .chain(durations_said_in_japanese(text))
        .collect()
}

/// A duration said in Spanish, French, German, Portuguese, Italian or
/// Dutch: "unos tres minutos", "environ deux minutes et demie", "etwa acht
/// Minuten", "zweieinhalb Minuten", "vingt-cinq minutes", "treinta y cinco
/// minutos", "mezzo minuto", "90 Sekunden", "meia hora", "een half uur",
/// "un quart d'heure", "een kwartier"; the diminutives of speech ("unos
/// tres minutitos", "uns 4 minutinhos", "un paio di minutini", "een paar
/// minuutjes"), and with an adjective between ("cinq petites minutes",
/// "zwei kurze Minuten"); a loose or
/// round count before "de"/"di" ("un par de minutos", "une dizaine de
/// minutes", "una decina di minuti"); Italian hours ("due ore").
static OTHER_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?P<half_hour>media\ hora|demi-heure|meia\ hora|meia-hora|halbe\ stunde|mezz'ora|mezza\ ora|half\ uur|halfuur|halve\ uur)\b
        | \b(?P<three_quarters>drie\ kwartier|dreiviertelstunde|dreiviertel\ stunde|tres\ cuartos\ de\ hora|trois\ quarts\ d'heure|tr[eê]s\ quartos\ de\ hora|tre\ quarti\ d'ora)\b
        | \b(?P<quarter>cuarto\ de\ hora|quart\ d'heure|viertelstunde|viertel\ stunde|quarto\ d'ora|quarto\ de\ hora|kwartier)\b
        | \b(?P<num>\d+(?:[.,]\d+)?
          |(?:veinte|treinta|cuarenta|cincuenta|sesenta|vinte|trinta|quarenta|cinquenta|sessenta|vingt|trente|quarante|cinquante|soixante)\ (?:y|e|et)\ [\p{L}]+
          |[\p{L}]+(?:-[\p{L}]+)*(?:\ (?:de|di|d'))?)
          (?P<half>\ (?:y\ medio|y\ media|et\ demie|e\ meio|e\ meia|e\ mezzo))?
          \s*-?\s*(?:(?:petites?|courtes?|kleine|kurze|kleinen|kurzen|pequeños|pequeñas|cortos|pequenos|curtos|piccoli|brevi|korte|kleine)\ )?
          (?P<unit>minutos?|minutes?|minuten?|minuti|minuut|minutit[oa]s?|minutinhos?|minutin[io]|minuutjes?|minütchen|segundos?|secondes?|sekunden?|secondi|seconden?|segundit[oa]s?|secondini|horas?|heures?|stunden?|ore|uur|uren)\b
          (?P<half_after>\ (?:y\ media|et\ demie|e\ meia|e\ mezzo))?
        ",
    )
    .expect("the built-in pattern compiles")
});

fn durations_said_in_other_languages(text: &str) -> impl Iterator<Item = f64> + '_ {
    OTHER_DURATION.captures_iter(text).filter_map(|caps| {
        if caps.name("half_hour").is_some() {
            return Some(1800.0);
        }
        if caps.name("three_quarters").is_some() {
            return Some(2700.0);
        }
        if caps.name("quarter").is_some() {
            return Some(900.0);
        }
        let unit = caps.name("unit")?.as_str().to_lowercase();
        if ["uur", "heure", "heures", "hora", "horas", "ore"].contains(&unit.as_str())
            && at_a_clock_time(&text[..caps.get(0)?.start()])
        {
            return None;
        }
        let scale = if unit.starts_with("minu") || unit.starts_with("minü") {
            60.0
        } else if unit.starts_with("seg") || unit.starts_with("sec") || unit.starts_with("sek") {
            1.0
        } else {
            3600.0
        };
        let word = caps.name("num")?.as_str().to_lowercase();
        let word = ["de", "di", "d'"]
            .iter()
            .find_map(|of| word.strip_suffix(of).map(str::trim_end))
            .unwrap_or(&word)
            .to_string();
        // Digits before "minute(s)" are English as much as French: [`DURATION`]
        // reads them ("a 5-minute wait"), so they are not counted twice.
        if unit.starts_with("minute")
            && word
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        {
            return None;
        }
        let mut value = match word.replace(',', ".").parse::<f64>() {
            Ok(value) => value,
            Err(_) => number_word_in_other_languages(&word)?,
        };
        if caps.name("half").is_some() || caps.name("half_after").is_some() {
            value += 0.5;
        }
        Some(value * scale)
    })
}

/// Whether the text before an hour count makes it a time of day: "vóór 12
/// uur", "om 9 uur", "à 14 heures", "avant 17 heures", "a las 12 horas",
/// "alle 15 ore".
fn at_a_clock_time(before: &str) -> bool {
    const CLOCK: &[&str] = &[
        "om", "vóór", "voor", "tot", "na", "rond", "tegen", "vanaf", "à", "avant", "après", "vers",
        "dès", "jusqu'à", "las", "alle", "às", "até", "dalle", "verso", "hasta", "desde",
    ];
    before
        .split_whitespace()
        .next_back()
        .is_some_and(|word| CLOCK.contains(&word.to_lowercase().as_str()))
}

/// A duration said in Japanese: "約5分", "1〜2分ほど", "3時間"; for a range
/// the upper bound (as "2 to 3 minutes" reads in [`DURATION`]). A clock
/// time ("14時30分") is no duration: the match that starts at its "時" is
/// dropped.
static JAPANESE_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<clock>時)?(?P<num>\d+(?:\.\d+)?)(?:\s*[〜~～\-－]\s*(?P<to>\d+(?:\.\d+)?))?\s*(?P<unit>秒|分|時間)",
    )
    .expect("the built-in pattern compiles")
});

fn durations_said_in_japanese(text: &str) -> impl Iterator<Item = f64> + '_ {
    JAPANESE_DURATION.captures_iter(text).filter_map(|caps| {
        if caps.name("clock").is_some() {
            return None;
        }
        let scale = match caps.name("unit")?.as_str() {
            "秒" => 1.0,
            "分" => 60.0,
            _ => 3600.0,
        };
        let value: f64 = caps
            .name("to")
            .or(caps.name("num"))?
            .as_str()
            .parse()
            .ok()?;
        Some(value * scale)
    })
}

/// The number a word or words stand for in Spanish, French, German,
/// Portuguese, Italian or Dutch ("a few" as three, "mezzo" as a half):
/// one word ("vierzehn", "veinticinco", "zweieinhalb", "vijfentwintig") or
/// parts joined by a hyphen or a conjunction ("vingt-cinq", "treinta y
/// cinco", "vinte e cinco"), summed (French "six" is left to [`DURATION`]); `None` when any part is
/// no number, so that "the minutes" or an English "six minutes" (read by
/// [`DURATION`]) is not counted here.
fn number_word_in_other_languages(words: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in words
        .split([' ', '-'])
        .filter(|part| !part.is_empty() && !["y", "e", "et"].contains(part))
    {
        total += number_word_joined(part)?;
    }
    Some(total)
}

/// One word of [`number_word_in_other_languages`]: a number the table
/// names, or one written as a word of parts: German "fünfundzwanzig" and
/// "zweieinhalb", Dutch "vijfentwintig" and "tweeënhalf", Spanish
/// "veintitrés", Italian "venticinque" and "trentotto".
fn number_word_joined(word: &str) -> Option<f64> {
    if let Some(value) = number_word(word) {
        return Some(value);
    }
    // A Dutch count of about so many: "een drietal minuten", "een tiental".
    if let Some(count) = word.strip_suffix("tal").filter(|w| !w.is_empty())
        && let Some(value) = number_word(count)
    {
        return Some(value);
    }
    for half in ["einhalb", "ënhalf", "enhalf"] {
        if let Some(whole) = word.strip_suffix(half).filter(|w| !w.is_empty()) {
            return Some(number_word(whole)? + 0.5);
        }
    }
    for and in ["und", "ën", "en"] {
        if let Some((unit, tens)) = word.rsplit_once(and)
            && let (Some(unit), Some(tens)) = (number_word(unit), number_word(tens))
            && unit < 10.0
            && tens >= 20.0
        {
            return Some(tens + unit);
        }
    }
    const TENS: &[(&str, f64)] = &[
        ("veinti", 20.0),
        ("vent", 20.0),
        ("trent", 30.0),
        ("quarant", 40.0),
        ("cinquant", 50.0),
        ("sessant", 60.0),
    ];
    TENS.iter().find_map(|(stem, tens)| {
        let rest = word.strip_prefix(stem)?;
        let rest = rest
            .strip_prefix(['a', 'i'])
            .filter(|r| number_word(r).is_some())
            .unwrap_or(rest);
        let unit = number_word(rest).filter(|u| *u >= 1.0 && *u < 10.0)?;
        Some(tens + unit)
    })
}

/// The numbers [`number_word_in_other_languages`] reads as single words.
fn number_word(word: &str) -> Option<f64> {
    Some(match word {
        "un" | "una" | "uno" | "une" | "ein" | "eine" | "einer" | "um" | "een" | "één" => 1.0,
        "anderthalb" | "eineinhalb" | "anderhalf" | "anderhalve" => 1.5,
        "medio" | "media" | "demi" | "halb" | "halbe" | "meio" | "meia" | "mezzo" | "mezza"
        | "halve" => 0.5,
        "dos" | "dós" | "deux" | "zwei" | "dois" | "duas" | "due" | "twee" => 2.0,
        "tres" | "trois" | "drei" | "três" | "tre" | "tré" | "trés" | "drie" => 3.0,
        "pocos" | "quelques" | "wenige" | "wenigen" | "einigen" | "poucos" | "pochi" | "alcuni"
        | "enkele" => 3.0,
        "cuatro" | "quatre" | "vier" | "quatro" | "quattro" => 4.0,
        "cinco" | "cinq" | "fünf" | "cinque" | "vijf" => 5.0,
        "seis" | "séis" | "sechs" | "sei" | "zes" => 6.0,
        "siete" | "sept" | "sieben" | "sete" | "sette" | "zeven" => 7.0,
        "ocho" | "huit" | "acht" | "oito" | "otto" => 8.0,
        "nueve" | "neuf" | "neun" | "nove" | "negen" => 9.0,
        "diez" | "dix" | "zehn" | "dez" | "dieci" | "tien" => 10.0,
        "once" | "onze" | "elf" | "undici" => 11.0,
        "doce" | "douze" | "zwölf" | "doze" | "dodici" | "twaalf" => 12.0,
        "trece" | "treize" | "dreizehn" | "treze" | "tredici" | "dertien" => 13.0,
        "catorce" | "quatorze" | "vierzehn" | "catorze" | "quattordici" | "veertien" => 14.0,
        "quince" | "quinze" | "fünfzehn" | "quindici" | "vijftien" => 15.0,
        "dieciséis" | "seize" | "sechzehn" | "dezesseis" | "dezasseis" | "sedici" | "zestien" => {
            16.0
        }
        "diecisiete" | "siebzehn" | "dezessete" | "dezassete" | "diciassette" | "zeventien" => 17.0,
        "dieciocho" | "achtzehn" | "dezoito" | "diciotto" | "achttien" => 18.0,
        "diecinueve" | "neunzehn" | "dezenove" | "dezanove" | "diciannove" | "negentien" => 19.0,
        "veinte" | "vingt" | "zwanzig" | "vinte" | "venti" | "twintig" => 20.0,
        "treinta" | "trente" | "dreißig" | "trinta" | "trenta" | "dertig" => 30.0,
        "cuarenta" | "quarante" | "vierzig" | "quarenta" | "quaranta" | "veertig" => 40.0,
        "cincuenta" | "cinquante" | "fünfzig" | "cinquenta" | "cinquanta" | "vijftig" => 50.0,
        "sesenta" | "soixante" | "sechzig" | "sessenta" | "sessanta" | "zestig" => 60.0,
        // At most one: "es dauert keine Minute".
        "kein" | "keine" => 1.0,
        // Loose and round counts: "un par de", "ein paar", "une dizaine de".
        "par" | "paio" | "paar" => 2.0,
        "algunos" | "algunas" | "alguns" | "algumas" => 3.0,
        "dizaine" | "decena" | "decina" | "dezena" => 10.0,
        "quinzaine" | "quincena" | "quindicina" | "quinzena" => 15.0,
        "vingtaine" | "veintena" | "ventina" | "vintena" => 20.0,
        "trentaine" | "treintena" | "trentina" => 30.0,
        _ => return None,
    })
}

#[cfg(test)]
mod durations_tests {
    use super::durations_said;

    #[test]
    fn durations_in_digits_and_words() {
        assert_eq!(durations_said("about ninety seconds"), vec![90.0]);
        assert_eq!(durations_said("a 5-minute wait"), vec![300.0]);
        assert_eq!(durations_said("forty-five minutes"), vec![2700.0]);
        assert_eq!(durations_said("in about a minute"), vec![60.0]);
        assert_eq!(durations_said("a minute and a half"), vec![90.0]);
        assert_eq!(durations_said("one and a half minutes"), vec![90.0]);
        assert_eq!(durations_said("two and a half hours"), vec![9000.0]);
        assert_eq!(durations_said("half an hour"), vec![1800.0]);
        assert_eq!(durations_said("within 2 working days"), vec![172_800.0]);
        assert_eq!(durations_said("2 to 3 minutes"), vec![180.0]);
        assert!(durations_said("shortly, it won't be long").is_empty());
    }

    #[test]
    fn durations_in_other_languages() {
        assert_eq!(durations_said("unos tres minutos"), vec![180.0]);
        assert_eq!(durations_said("environ deux minutes et demie"), vec![150.0]);
        assert_eq!(durations_said("etwa acht Minuten"), vec![480.0]);
        assert_eq!(durations_said("90 Sekunden"), vec![90.0]);
        assert_eq!(durations_said("ongeveer een kwartier"), vec![900.0]);
        assert_eq!(durations_said("about a quarter of an hour"), vec![900.0]);
        assert_eq!(durations_said("ongeveer drie kwartier"), vec![2700.0]);
        assert_eq!(durations_said("a three-quarter hour wait"), vec![2700.0]);
        assert_eq!(durations_said("en unos 3 minutitos"), vec![180.0]);
        assert_eq!(
            durations_said("cinq petites minutes tout au plus"),
            vec![300.0]
        );
        assert_eq!(durations_said("five short minutes"), vec![300.0]);
        assert_eq!(durations_said("uns 4 minutinhos"), vec![240.0]);
        assert_eq!(durations_said("een drietal minuten"), vec![180.0]);
        assert_eq!(durations_said("es dauert keine Minute"), vec![60.0]);
        assert_eq!(durations_said("nur wenige Sekunden"), vec![3.0]);
        assert_eq!(durations_said("mais ou menos 1 minuto"), vec![60.0]);
        assert_eq!(durations_said("en un par de minutos"), vec![120.0]);
        assert_eq!(durations_said("d'une dizaine de minutes"), vec![600.0]);
        assert_eq!(durations_said("circa due ore"), vec![7200.0]);
        assert_eq!(durations_said("待ち時間は約5分です"), vec![300.0]);
        assert_eq!(durations_said("1〜2分ほど"), vec![120.0]);
        assert!(durations_said("14時30分に").is_empty());
        assert_eq!(durations_said("cerca de meia hora"), vec![1800.0]);
        assert_eq!(durations_said("anderthalb Stunden"), vec![5400.0]);
        assert!(durations_said("les minutes de la réunion").is_empty());
    }

    #[test]
    fn number_words_of_other_languages() {
        assert_eq!(durations_said("etwa zweieinhalb Minuten"), vec![150.0]);
        assert_eq!(durations_said("rund vierzehn Minuten"), vec![840.0]);
        assert_eq!(
            durations_said("ungefähr fünfundzwanzig Minuten"),
            vec![1500.0]
        );
        assert_eq!(durations_said("circa mezzo minuto"), vec![30.0]);
        assert_eq!(durations_said("unos veinticinco minutos"), vec![1500.0]);
        assert_eq!(durations_said("treinta y cinco minutos"), vec![2100.0]);
        assert_eq!(durations_said("uno y medio minutos"), vec![90.0]);
        assert_eq!(durations_said("répondra en deux minutes"), vec![120.0]);
        assert_eq!(durations_said("vingt et une minutes"), vec![1260.0]);
        assert_eq!(durations_said("environ vingt-cinq minutes"), vec![1500.0]);
        assert_eq!(durations_said("dix-sept minutes"), vec![1020.0]);
        assert_eq!(durations_said("une demi-minute"), vec![30.0]);
        assert_eq!(
            durations_said("cerca de vinte e cinco minutos"),
            vec![1500.0]
        );
        assert_eq!(durations_said("circa venticinque minuti"), vec![1500.0]);
        assert_eq!(durations_said("trentotto minuti"), vec![2280.0]);
        assert_eq!(
            durations_said("ongeveer vijfentwintig minuten"),
            vec![1500.0]
        );
        assert_eq!(durations_said("een half uur"), vec![1800.0]);
        assert_eq!(durations_said("zo'n veertien minuten"), vec![840.0]);
        assert_eq!(durations_said("een halve minuut"), vec![30.0]);
        assert_eq!(durations_said("tweeënhalf uur"), vec![9000.0]);
        assert!(durations_said("morgen vóór 12 uur per e-mail").is_empty());
        assert!(durations_said("rappel à 14 heures").is_empty());
        assert_eq!(durations_said("binnen 2 uur"), vec![7200.0]);
        assert!(durations_said("the minutes of the meeting").is_empty());
        assert_eq!(
            super::numbers_said("Ich hätte gern zwölf Raten"),
            vec![12.0]
        );
        assert_eq!(
            super::numbers_said("ich will die 94 Euro zurück"),
            vec![94.0]
        );
        assert_eq!(
            super::numbers_said("CHF 3'480.60 in twelve parts"),
            vec![3480.6, 12.0]
        );
        assert!(super::numbers_said("a voucher, one of them").is_empty());
        assert!(durations_said("die Minuten zählen").is_empty());
    }
}
