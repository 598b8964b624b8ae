//! `mentions_context`: the human's opening shows they know the customer and
//! the issue.
//!
//! ## What it does
//! Reads the human's opening: their first `turns` turns that do not hold the
//! line, with the holding turns before and between them ("Hello?", "one
//! moment please…", "bear with me while your file loads", as
//! [`FirstMeaningfulResponse::holds`] reads them), but never more than
//! `turns + 1` turns: a customer kept waiting through two holding messages
//! was not given an informed opening. A turn that only greets ("Hi Tomás,
//! thanks for waiting, you're speaking with Ruth.") is not holding: it is the opening, and
//! the case named only in the next message comes too late.
//! It looks for each item:
//! - `customer_name`: the customer's first name or surname (from
//!   `customer.name`, or the package's `customer.name`): "Hi Sarah" and
//!   "Good morning, Ms Chen" both name her; so do the beginning of the first
//!   name written as a name ("Hi Funmi" for Funmilayo, "Chris" for
//!   Christopher) and the name inflected in address ("Pani Agnieszko" for
//!   Agnieszka, "Tomai" for Tomas), see [`name_form_in`];
//! - `issue`: a key term of the issue, from the package's `intent.primary` and
//!   `intent.unresolvedItems`, or the escalation's description (words of four
//!   letters or more that are not stop words, and identifiers such as order
//!   numbers, matched by stem). The name of the human's own team ("Dev from
//!   the broadband team") is not read for the issue, nor are words inside a
//!   request for a detail ("can I take the meter serial number?"). Amounts
//!   said in words count as digits ("your twenty pounds" names `£20`); and
//!   when no such term is found, two key terms of what the customer said
//!   before the escalation ("Bella's surgery", "the heating, the shop") show
//!   the issue in the customer's own words; failing that, two key terms of
//!   the package's summary ("the failed line test", "since Friday") show
//!   the case as the handoff told it. In a language written without word
//!   spaces (Japanese) a term is read in its content words, runs of Han or
//!   Katakana characters as the summary check reads them
//!   ([`cjk_words`]), found as written or in parts ("紛失された端末" for
//!   "紛失端末", see [`cjk_word_named`]).
//!
//! A human turn recorded before `humanConnected` still opens the human's
//! side: the opening is read from the human's first turns wherever they are.
//!
//! `not_meaningful` names more asks that say nothing of the case, as
//! `first_meaningful_response` takes them (a rubric shares one list by a
//! YAML anchor): a human turn made only of such asks comes before the
//! opening.
//!
//! An item the conversation gives nothing to look for (no name known) is
//! skipped. `require: all` (default) needs every other item, `any` one.
//!
//! ## Why it matters
//! "Hi Sarah, I can see you were charged twice for order 8821" tells the
//! customer the handoff worked; "How can I help you today?" tells them it did not.
//!
//! ## Example
//! ```yaml
//! - mentions_context: { turns: 2, items: [customer_name, issue], require: all }
//! ```
//!
//! ## Outcomes
//! No human connected: n/a. The human said nothing: fail. Nothing to look
//! for: unscored. Otherwise pass or fail by `require`.

use std::sync::LazyLock;

use serde::Deserialize;

use super::first_meaningful_response::{
    FirstMeaningfulResponse, without_openers_and_asks, without_own_name,
};
use super::scope::{Phase, Scope, TurnRef};
use super::text::{
    Term, cjk_word_named, cjk_words, has_token, key_terms, starts_sentence, terms_found,
    words_as_written, words_at,
};
use super::{Evidence, Outcome};
use crate::rubric::params::Patterns;
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionsContext {
    #[serde(default = "default_turns")]
    pub turns: usize,
    #[serde(default = "default_items")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub require: Require,
    /// Asks that say nothing of the case, as `first_meaningful_response`
    /// takes them: a human turn made only of such asks ("necesito tu DNI
    /// completo y tu fecha de nacimiento") comes before the opening.
    pub not_meaningful: Option<Patterns>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    CustomerName,
    Issue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    #[default]
    All,
    Any,
}

fn default_turns() -> usize {
    2
}
fn default_items() -> Vec<Item> {
    vec![Item::CustomerName, Item::Issue]
}

/// One of the customer's names: its matching form (see
/// [`super::normalize`]), and the word as the record writes it.
#[derive(Debug, Clone)]
pub struct CustomerName {
    pub matching: String,
    pub written: String,
}

/// The customer's first name and surname (the last word of a longer name),
/// if any source gives a name, and the surnames the AI addressed them by
/// ([`ADDRESSED`]); computed once per conversation (several readers use
/// them).
pub fn customer_names(conversation: &Conversation) -> &[CustomerName] {
    conversation
        .facts
        .customer_names
        .get_or_init(|| compute_customer_names(conversation))
}

fn compute_customer_names(conversation: &Conversation) -> Vec<CustomerName> {
    let name = |(matching, written): &(String, &str)| CustomerName {
        matching: matching.clone(),
        written: written.to_string(),
    };
    let mut names: Vec<CustomerName> = Vec::new();
    let mut first_name: Option<String> = None;
    if let Some(full) = conversation
        .customer
        .name
        .as_deref()
        .or_else(|| conversation.package()?.str_at("customer.name"))
    {
        let words: Vec<(String, &str)> = words_as_written(full)
            .into_iter()
            .filter(|(name, _)| name.chars().count() >= 2)
            .collect();
        first_name = words.first().map(|(matching, _)| matching.to_lowercase());
        names.extend(words.first().map(name));
        if let Some(last) = words.last().filter(|_| words.len() > 1) {
            names.push(name(last));
        }
    }
    // The name the AI called the customer by, with a title ("Frau
    // Zimmermann", "Mrs Eze", "dona Célia", "山田様"): what the conversation
    // establishes, where the record names someone else or no one.
    for event in &conversation.events {
        let EventKind::Turn {
            speaker: Speaker::Ai,
            text,
            ..
        } = &event.kind
        else {
            continue;
        };
        for caps in ADDRESSED.captures_iter(text) {
            let Some(surname) = caps
                .name("surname")
                .or(caps.name("han"))
                .or(caps.name("first"))
            else {
                continue;
            };
            // The surname itself, not a particle before it ("De Vries"),
            // nor a title ("Herr Ingenieur", "Frau Doktor"); a name greeted
            // by only when the record's first name holds it, as short names
            // hold part of the full one ("Bec" of Rebecca, "Lupita" of
            // Guadalupe): "Hola Buenas!", "Grazie Mille!" or the dog
            // "Bruno" name no customer.
            if let Some(word) = words_as_written(surname.as_str()).last()
                && word.0.chars().count() >= 2
                && !TITLES.contains(&word.0.to_lowercase().as_str())
                && !names.iter().any(|n| n.matching == word.0)
                && (caps.name("first").is_none() || short_name_of(&word.0, first_name.as_deref()))
            {
                names.push(name(word));
            }
        }
    }
    names
}

/// Whether `short` (a name the AI greeted the customer by, in matching
/// form) is a short form of the record's first name `first` (lowercased):
/// its first three letters (all, if fewer) stand in the first name.
fn short_name_of(short: &str, first: Option<&str>) -> bool {
    let Some(first) = first else {
        return false;
    };
    let start: String = short.to_lowercase().chars().take(3).collect();
    first.contains(&start)
}

/// Titles said after "Herr", "Frau", "señor" that are no surname, and words
/// a greeting is followed by that are no name ("Hi There,", "Thanks
/// Again!").
const TITLES: &[&str] = &[
    "there",
    "again",
    "everyone",
    "all",
    "team",
    "both",
    "guys",
    "folks",
    "sir",
    "madam",
    "señor",
    "señora",
    "madame",
    "monsieur",
    "signora",
    "signore",
    "senhor",
    "senhora",
    "doktor",
    "dr",
    "ingenieur",
    "ing",
    "magister",
    "magistra",
    "mag",
    "professor",
    "prof",
    "doctor",
    "doctora",
    "dottore",
    "dottoressa",
    "ingegnere",
    "avvocato",
    "licenciado",
    "licenciada",
    "maitre",
    "maître",
    "director",
    "directora",
    "direktor",
    "direktorin",
];

/// A customer addressed by title and name, in the languages the AI speaks:
/// "Mrs Eze", "Frau Zimmermann", "señora Gómez", "Madame Roy", "signora
/// Bellini", "mevrouw De Vries", "dona Célia", and Japanese "山田様"; the
/// title and the name in one sentence ("Merci Madame. Je ..." names no
/// one), and not a doctor's title, which names a third party as often;
/// and the name, often a short one, the AI greets or thanks them by: "Thanks
/// Bec, you're verified", "Hola Lupita!", "Merci Jean-Phi." (a capitalised
/// word between the greeting and a comma, `!` or `.`).
static ADDRESSED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"\b(?:Thanks|Thank you|Hi|Hello|Hey|Cheers|Sorry|Gracias|Hola|Merci|Bonjour|Salut|Danke|Hallo|Grazie|Ciao|Obrigad[oa]|Ol[aá]|Oi|Bedankt|Hoi|Dankjewel)\b,? (?P<first>\p{Lu}[\p{Ll}'’-]+)\s*[,!.]|\b(?:(?:Mr|Mrs|Ms|Mx|Sra|Sr|Mme)\.?|Miss|Frau|Herr|Herrn|[Ss]e[ñn]ora|[Ss]e[ñn]or|[Ss]e[ñn]orita|[Dd]o[ñn]a|[Dd]ona|Madame|Monsieur|Mademoiselle|[Ss]ignora|[Ss]ignor|[Ss]ignore|[Mm]evrouw|[Mm]eneer|[Ss]enhora|[Ss]enhor) (?P<surname>(?:(?:[Dd]e|[Vv]an|[Vv]on|[Dd]el|[Dd]a|[Dd]i|[Ll]e|[Ll]a|[Dd]en|[Tt]er) )?\p{Lu}[\p{L}'’-]+)|(?P<han>\p{Han}{1,4})様",
    )
    .expect("the built-in pattern compiles")
});

/// The human's own team, named when they introduce themselves: "from the
/// broadband team", "in patient services", "with our billing department".
static OWN_TEAM: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:from|in|with|at|on)\s+(?:the\s+|our\s+)?(?:[\p{L}&'-]+\s+){0,3}?(?:team|department|dept|desk|unit|office|services|sales|support|care|billing|relations|claims|accounts|bookings|reservations|reception)\b",
    )
    .expect("the built-in pattern compiles")
});

/// The human's opening: their turns from the first one on, up to and with
/// the `turns`-th that says something of the case or asks what it is, and
/// at most `turns + 1` turns. A turn that only greets, holds the line or asks
/// who the customer is ("Hi Nathan, thanks for your patience.", "je regarde
/// votre dossier", "can I take your membership number?", or an ask the
/// rubric names in `not_meaningful`) comes before it:
/// the opening is the first message or two that follow, and a name the
/// greeting gave still counts. So does a turn the human follows with another
/// before the customer says anything ("Moment, ich les mich kurz ein 🙂",
/// then the case): messages sent one after another open together.
fn opening<'c>(
    conversation: &'c Conversation,
    turns: usize,
    not_meaningful: Option<&Patterns>,
) -> Vec<TurnRef<'c>> {
    let all = Scope {
        speakers: Some(&[Speaker::Human]),
        phase: Phase::Whole,
        within: None,
    }
    .select(conversation)
    .unwrap_or_default();
    let filler = FirstMeaningfulResponse {
        not_meaningful: not_meaningful.cloned(),
        ..FirstMeaningfulResponse::default()
    };
    let names = customer_names(conversation);
    let mut meaningful = 0;
    let mut kept = Vec::new();
    for turn in all {
        if meaningful >= turns || kept.len() > turns {
            break;
        }
        if !filler.comes_before_the_opening(turn.text, names)
            && !followed_by_the_human(conversation, turn.index)
        {
            meaningful += 1;
        }
        kept.push(turn);
    }
    kept
}

/// Whether the human sent the message at event `index` and their next one
/// together: nobody else spoke between them, the next came within
/// [`SENT_TOGETHER_SECONDS`] (when both are stamped), and the first asks the
/// customer nothing ("how can I help you today?" waits for an answer).
fn followed_by_the_human(conversation: &Conversation, index: usize) -> bool {
    let first = &conversation.events[index];
    if let EventKind::Turn { text, .. } = &first.kind
        && text.trim_end().ends_with(['?', '？', '¿'])
    {
        return false;
    }
    conversation.events[index + 1..]
        .iter()
        .find_map(|event| match &event.kind {
            EventKind::Turn { speaker, .. } => Some(
                *speaker == Speaker::Human
                    && match (first.at, event.at) {
                        (Some(from), Some(to)) => {
                            super::scope::seconds_between(from, to) <= SENT_TOGETHER_SECONDS
                        }
                        _ => true,
                    },
            ),
            _ => None,
        })
        .unwrap_or(false)
}

/// How far apart two of the human's messages may be and still open
/// together, in seconds.
const SENT_TOGETHER_SECONDS: f64 = 60.0;

/// Key terms of the customer's issue as the AI understood it, computed once
/// per conversation (two check kinds use them).
pub fn issue_terms(conversation: &Conversation) -> &[Term] {
    conversation
        .facts
        .issue_terms
        .get_or_init(|| compute_issue_terms(conversation))
}

fn compute_issue_terms(conversation: &Conversation) -> Vec<Term> {
    let mut text = String::new();
    if let Some(package) = conversation.package() {
        if let Some(primary) = package.str_at("intent.primary") {
            text.push_str(primary);
            text.push(' ');
        }
        for item in package.strings_at("intent.unresolvedItems") {
            text.push_str(item);
            text.push(' ');
        }
    }
    if text.trim().is_empty()
        && let Some(index) = conversation.facts.escalation
        && let EventKind::Escalation {
            description: Some(description),
            ..
        } = &conversation.events[index].kind
    {
        text.push_str(description);
    }
    key_terms(&text)
}

/// Asking for a detail to find the record: "can I take the meter serial
/// number", "please confirm your postcode", "what's the name on the
/// account". Words of the issue inside such a question do not show that the
/// human knows the case.
static ASKS_FOR_DETAILS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:(?:can|could|may) (?:I|we) (?:have|take|get|grab|ask for|confirm|check)|(?:can|could|would|will) you(?: please| kindly| just| also)* (?:give|tell|send|read|confirm|provide|share|let me know|spell|type|enter|reply with|remind me of)(?: me| us)?(?: with)?|please (?:give|tell|send|read|confirm|provide|share|let me know|reply with|type|enter|spell)(?: me| us)?(?: with)?|what(?:'s| is| was| are) (?:your|the))\b[^.!?]{0,40}?\b(?:number|no|reference|ref|id|code|pin|postcode|post code|zip(?: code)?|address|date of birth|dob|name|e-?mail(?: address)?|phone|mobile|password|details|serial)\b",
    )
    .expect("the built-in pattern compiles")
});

/// The opening as read for the issue: without its greetings, the human's
/// introduction and own team, questions anyone could ask and requests for
/// details (see [`without_openers_and_asks`]), with amounts said in words
/// also in digits ("twenty pounds" is also `20`).
fn about_the_case(opening: &str) -> String {
    let said = without_openers_and_asks(opening);
    let without_team = OWN_TEAM.replace_all(&said, " ");
    let mut said = ASKS_FOR_DETAILS
        .replace_all(&without_team, " ")
        .into_owned();
    for number in spoken_numbers(&said) {
        said.push(' ');
        said.push_str(&number);
    }
    said
}

/// Numbers of 10 or more said in words ("twenty", "a hundred and
/// fifty-six", "two thousand three hundred"), written in digits with
/// thousands separators as amounts are ("2,300").
fn spoken_numbers(text: &str) -> Vec<String> {
    fn value(word: &str) -> Option<u64> {
        const SMALL: [&str; 20] = [
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
        if let Some(n) = SMALL.iter().position(|w| *w == word) {
            return Some(n as u64);
        }
        TENS.iter()
            .position(|w| *w == word)
            .map(|n| 20 + 10 * n as u64)
    }
    let mut numbers = Vec::new();
    let (mut total, mut current, mut any) = (0u64, 0u64, false);
    let mut finish = |total: &mut u64, current: &mut u64, any: &mut bool| {
        let n = *total + *current;
        if *any && n >= 10 {
            let digits = n.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            numbers.push(grouped);
        }
        (*total, *current, *any) = (0, 0, false);
    };
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for (i, word) in words.iter().enumerate() {
        let next_is_number = words
            .get(i + 1)
            .is_some_and(|w| value(w).is_some() || w == "hundred" || w == "thousand");
        if let Some(n) = value(word) {
            current += n;
            any = true;
        } else if word == "hundred" && (any || i > 0 && words[i - 1] == "a") {
            current = current.max(1) * 100;
            any = true;
        } else if word == "thousand" && (any || i > 0 && words[i - 1] == "a") {
            total += current.max(1) * 1000;
            current = 0;
            any = true;
        } else if (word == "a" || (word == "and" && any)) && next_is_number {
            continue;
        } else {
            finish(&mut total, &mut current, &mut any);
        }
    }
    finish(&mut total, &mut current, &mut any);
    numbers
}

/// Words that say nothing about a case, however often a customer writes
/// them: greetings, sign-offs, politeness.
const SMALL_TALK: &str = "hello hiya morning afternoon evening regards cheers dear best kind \
    kindly warm sincerely sorry yeah great really honestly anything something everything \
    someone somebody nobody thing things still think because good again lovely appreciate";

/// How much of what the customer said is read for their words.
const CUSTOMER_TEXT_BYTES: usize = 4096;

/// Key terms of what the customer said before the escalation, other than
/// the issue terms, their names and small talk.
fn customer_terms(conversation: &Conversation, issue: &[Term]) -> Vec<Term> {
    let until = conversation
        .facts
        .escalation
        .or(conversation.facts.human_connected)
        .unwrap_or(conversation.events.len());
    let mut text = String::new();
    for event in &conversation.events[..until] {
        if let EventKind::Turn {
            speaker: Speaker::Customer,
            text: said,
            ..
        } = &event.kind
        {
            // A customer states the issue early: the first bytes of each
            // turn, and of all of them, are read (a turn of megabytes is
            // not copied).
            let room = CUSTOMER_TEXT_BYTES.saturating_sub(text.len());
            if room == 0 {
                break;
            }
            let mut end = said.len().min(room);
            while !said.is_char_boundary(end) {
                end -= 1;
            }
            text.push_str(&said[..end]);
            text.push(' ');
        }
    }
    let mut ignored = key_terms(SMALL_TALK);
    for name in customer_names(conversation) {
        ignored.extend(key_terms(&name.matching));
    }
    key_terms(&text)
        .into_iter()
        .filter(|term| !issue.contains(term) && !ignored.contains(term))
        .collect()
}

/// Words a handoff summary uses of every case, which show no knowledge of
/// this one.
const SUMMARY_GENERIC: &str = "customer client caller account request requested requests wants \
    wanted asked asking needs needed agent assistant human transfer transferred escalated \
    escalation issue problem help contact contacted today says said reports reported";

/// Key terms of the package's summary, other than the issue terms, the
/// customer's names, small talk and words every summary uses: the case as
/// the handoff told it ("no ONT light since Friday, line test failing").
fn summary_terms(conversation: &Conversation, issue: &[Term]) -> Vec<Term> {
    let Some(summary) = conversation
        .package()
        .and_then(|package| package.str_at("summary"))
    else {
        return Vec::new();
    };
    static GENERIC: LazyLock<Vec<Term>> = LazyLock::new(|| {
        let mut generic = key_terms(SMALL_TALK);
        generic.extend(key_terms(SUMMARY_GENERIC));
        generic
    });
    let mut ignored = GENERIC.clone();
    for name in customer_names(conversation) {
        ignored.extend(key_terms(&name.matching));
    }
    key_terms(summary)
        .into_iter()
        .filter(|term| !issue.contains(term) && !ignored.contains(term))
        .collect()
}

/// Whether a word is written in a script without spaces between words
/// (Chinese characters, kana): "山田", "解約と11月分の返金".
fn is_unspaced(word: &str) -> bool {
    word.chars().any(is_han_or_kana)
}

fn is_han_or_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// The terms of a script without spaces that `text` names: a term is one
/// unbroken run of text ("紛失端末の回線停止"), found when one of its content
/// words (runs of Han or Katakana characters, "紛失端末", "回線停止", see
/// [`cjk_words`]) is in `text` as written or in parts ("紛失された端末", see
/// [`cjk_word_named`]).
fn unspaced_terms_found<'t>(terms: &'t [Term], text: &str) -> Vec<&'t str> {
    terms
        .iter()
        .filter(|term| {
            let word = term.word();
            is_unspaced(word) && cjk_words(word).any(|content| cjk_word_named(content, text))
        })
        .map(Term::word)
        .collect()
}

/// The shortest name the looser forms of [`name_form_in`] read, and the
/// shortest part a form keeps of it.
const NAME_FORM_MIN: usize = 4;

/// Whether a character is a vowel (of the Latin, Greek or Cyrillic
/// alphabets, with or without diacritics): the case endings of names end in
/// one ("Agnieszko", "Nowaka", "Marce", "Ивану").
fn is_vowel(c: char) -> bool {
    c.to_lowercase()
        .any(|c| "aeiouyąęóéíúýěůäöüāēīūáàâãèêìîòôõùûåæøœαεηιουωάέήίόύώаеёиоуыэюяєії".contains(c))
}

/// The customer's name in a form other than the record's, in a human turn:
/// a word written as a name (a capital, then small letters; a word that
/// begins a sentence only when a comma or `!` follows it, "Will, ...", so
/// that "Will do" is not William) that is
/// - the beginning of the first name, of [`NAME_FORM_MIN`] letters or more:
///   "Funmi" for Funmilayo, "Chris" for Christopher, "Alex" for Alexandra;
/// - the name inflected, as Slavic, Baltic, Greek and Latin-based languages
///   decline it in address: all but the last one or two letters of a name
///   of five letters or more, at least [`NAME_FORM_MIN`] of them, then an
///   ending of one or two letters that ends in a vowel ("Pani Agnieszko"
///   for Agnieszka, "Pana Nowaka" for Nowak, "Marce" for Marcus).
///
/// A common word in small letters ("will", "mark", "grace") never counts.
/// Returns the name and the word as the turn writes it.
pub fn name_form_in<'n, 't>(
    text: &'t str,
    names: &'n [CustomerName],
) -> Option<(&'n CustomerName, &'t str)> {
    for (at, word) in words_at(text) {
        let mut letters = word.chars();
        let written_as_name = letters.next().is_some_and(char::is_uppercase)
            && letters.any(char::is_lowercase)
            && !word.chars().skip(1).any(char::is_uppercase);
        if !written_as_name {
            continue;
        }
        if starts_sentence(text, at)
            && !text[at + word.len()..]
                .trim_start_matches(' ')
                .starts_with([',', '!'])
        {
            continue;
        }
        let said: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        for (index, name) in names.iter().enumerate() {
            let full: Vec<char> = name.matching.chars().flat_map(char::to_lowercase).collect();
            let shared = full.iter().zip(&said).take_while(|(a, b)| a == b).count();
            let short_form = index == 0
                && said.len() >= NAME_FORM_MIN
                && said.len() < full.len()
                && shared == said.len();
            let inflected = full.len() > NAME_FORM_MIN
                && shared >= NAME_FORM_MIN
                && full.len() - shared <= 2
                && said.len() > shared
                && said.len() - shared <= 2
                && said.last().copied().is_some_and(is_vowel);
            if short_form || inflected {
                return Some((name, word));
            }
        }
    }
    None
}

impl MentionsContext {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        if conversation.facts.human_connected.is_none() {
            return Outcome::na("no human connected");
        }
        let turns = opening(conversation, self.turns, self.not_meaningful.as_ref());
        if turns.is_empty() {
            return Outcome::fail("the human said nothing after connecting");
        }
        let opening: String = turns.iter().map(|t| t.text).collect::<Vec<_>>().join(" ");
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for item in &self.items {
            match item {
                Item::CustomerName => {
                    let names = customer_names(conversation);
                    if names.is_empty() {
                        continue;
                    }
                    // The human's own name is not the customer's, even when
                    // they share it ("my name is Tunde" to Tunde Okafor).
                    let addressed = without_own_name(&opening);
                    let as_recorded = names.iter().find(|name| {
                        has_token(&addressed, &name.matching)
                            || (is_unspaced(&name.matching) && addressed.contains(&name.matching))
                    });
                    // A short or inflected form, read turn by turn: a turn's
                    // first word begins a sentence.
                    let in_another_form = || {
                        turns.iter().find_map(|turn| {
                            let addressed = without_own_name(turn.text);
                            name_form_in(&addressed, names).map(|(name, word)| {
                                format!("customer name ({word} for {})", name.written)
                            })
                        })
                    };
                    match as_recorded
                        .map(|name| format!("customer name ({})", name.written))
                        .or_else(in_another_form)
                    {
                        Some(form) => found.push(form),
                        None => {
                            let written: Vec<&str> =
                                names.iter().map(|name| name.written.as_str()).collect();
                            missing.push(format!("customer name ({})", written.join("/")));
                        }
                    }
                }
                Item::Issue => {
                    let terms = issue_terms(conversation);
                    if terms.is_empty() {
                        continue;
                    }
                    let said = about_the_case(&opening);
                    let mut hits = terms_found(terms, &said);
                    if hits.is_empty() {
                        hits = unspaced_terms_found(terms, &said);
                    }
                    let own_words = if hits.is_empty() {
                        customer_terms(conversation, terms)
                    } else {
                        Vec::new()
                    };
                    let own_hits = terms_found(&own_words, &said);
                    let summary_words = if hits.is_empty() && own_hits.len() < 2 {
                        summary_terms(conversation, terms)
                    } else {
                        Vec::new()
                    };
                    let summary_hits = terms_found(&summary_words, &said);
                    if !hits.is_empty() {
                        found.push(format!("issue ({})", hits.join(", ")));
                    } else if own_hits.len() >= 2 {
                        found.push(format!(
                            "issue in the customer's words ({})",
                            own_hits.join(", ")
                        ));
                    } else if summary_hits.len() >= 2 {
                        found.push(format!(
                            "issue in the summary's words ({})",
                            summary_hits.join(", ")
                        ));
                    } else {
                        let listed: Vec<&str> = terms.iter().map(Term::word).collect();
                        missing.push(format!("issue ({})", listed.join(", ")));
                    }
                }
            }
        }
        if found.is_empty() && missing.is_empty() {
            return Outcome::unscored("no customer name or issue known to look for");
        }
        let evidence = turns.iter().map(|t| Evidence::event(conversation, t.index));
        let ok = match self.require {
            Require::All => missing.is_empty(),
            Require::Any => !found.is_empty(),
        };
        if ok {
            Outcome::pass(format!("the opening mentions {}", found.join(" and ")))
                .with_all(evidence)
        } else {
            Outcome::fail(format!(
                "the opening does not mention {}",
                missing.join(" or ")
            ))
            .with_all(evidence)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_said_in_words_are_read_as_digits() {
        assert_eq!(spoken_numbers("your twenty pounds"), ["20"]);
        assert_eq!(spoken_numbers("a hundred and fifty-six dollars"), ["156"]);
        assert_eq!(spoken_numbers("two thousand three hundred"), ["2,300"]);
        assert_eq!(
            spoken_numbers("one moment, two charges"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_request_for_a_detail_is_not_read_for_the_issue() {
        let said = about_the_case("Hello Marta, can I take the meter serial number to start with?");
        assert!(!said.contains("meter"), "{said}");
        let said = about_the_case("Marta, could you confirm the top-up was made at the shop?");
        assert!(said.contains("top-up"), "{said}");
    }
}
