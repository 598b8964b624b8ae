//! `first_meaningful_response`: how long the customer waits, after the human
//! connects, for something that is not filler.
//!
//! ## What it does
//! Measures from the `humanConnected` event to the first human turn that is
//! not filler. A turn is filler when nothing is left of it but particles
//! ("okay", "so"), terms of address and names once these are set aside:
//! greetings ("Hi there", "Good morning"), the human introducing themselves
//! or their desk ("this is Dana from billing", "Eoin here, technical
//! support", "Fraud team,", "you're through to renewals"), thanks or sorry
//! for the wait ("thanks so much for your patience", "thank you for calling
//! City Water") and the `filler` patterns: holding ("one moment", "bear
//! with me", "let me pull up your file", "just reading through the notes",
//! "are you still there?"). However long such a turn is, and even when it
//! names the customer, it says nothing about the case; "one moment while I
//! approve the refund" or "let me check the mast near you" does. A turn of
//! more than `filler_max_words` words (default 40) is never filler.
//! The measured seconds are the outcome's `value`.
//!
//! ## Why it matters
//! Time to the first meaningful human response is the handoff metric
//! customers feel: the first seconds decide whether they must start over.
//!
//! ## Example
//! ```yaml
//! - first_meaningful_response: { max: 30s }
//! - first_meaningful_response: { max: 20s, filler: ['one moment', 'bear with me'] }
//! ```
//!
//! ## Outcomes
//! No `humanConnected`: n/a. A missing timestamp, a turn stamped before
//! the connect it follows in `events` (a negative wait), or a human turn
//! before `humanConnected` in `events` (the record contradicts itself):
//! unscored. No meaningful human turn at all: fail. Otherwise pass when
//! within `max`.

use std::sync::LazyLock;

use serde::Deserialize;

use super::mentions_context::{CustomerName, customer_names};
use super::scope::{human_turns_after_connect, seconds_between};
use super::text::word_count;
use super::{Evidence, Outcome};
use crate::rubric::params::{Patterns, Seconds};
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstMeaningfulResponse {
    #[serde(default = "default_max")]
    pub max: Seconds,
    /// Replaces the built-in filler patterns.
    pub filler: Option<Patterns>,
    /// A turn of more words than this is never filler.
    #[serde(default = "default_filler_max_words")]
    pub filler_max_words: usize,
}

fn default_max() -> Seconds {
    Seconds(30.0)
}
fn default_filler_max_words() -> usize {
    40
}

impl Default for FirstMeaningfulResponse {
    fn default() -> Self {
        FirstMeaningfulResponse {
            max: default_max(),
            filler: None,
            filler_max_words: default_filler_max_words(),
        }
    }
}

pub static DEFAULT_FILLER: LazyLock<Patterns> = LazyLock::new(|| {
    // Catching up, with whatever it is done to: "let me pull up your
    // file", "while I get the router up on my screen", "just reading
    // through the notes", "bringing your file up".
    let catch_up = r"((pull|bring|get)\b[^.!?,;:-]{0,40}\bup\b|load|read|go (through|over)|catch up|skim|familiari[sz]e|refresh|log in|sign in|scroll)";
    let catching_up = r"((pulling|bringing|getting)\b[^.!?,;:-]{0,40}\bup\b|loading|reading|catching up|skimming|familiari[sz]ing|refreshing|scrolling)";
    // Looking something up, only in the record: "let me check your
    // account" holds, "let me check the mast near you" acts on the case
    // and "let me open a claim for you" does something.
    let look = r"(check|look( (at|into|over|through|up))?|review|find|grab|see|open|access|locate|have a( quick)? look( at)?|take a( quick)? look( at)?)";
    let looking = r"(checking|looking( (at|into|over|through|up))?|reviewing|finding|opening|accessing|locating|going (through|over)|having a( quick)? look( at)?|taking a( quick)? look( at)?)";
    let record = r"(( (your|the|this|that|his|her|their|our))?( [a-zA-Z0-9'-]+){0,6} (account|file|details|record|records|notes?|information|info|case|ticket|booking|reservation|order|claim|history|agreement|policy|profile|screen|system|chat|conversation|transcript|summary|messages?|thread|e-?mails?)\b|( (it|this|that|everything|them))?( (up|now|here|quickly|for you))*\s*([.!?,;:-]|$))";
    let me = r"\b(let me|lemme|I need to|I just need to)( just| quickly| now| first)?";
    let will = r"\b(let me|lemme|I'll|I will|I'm going to|I need to|I just need to)( just| quickly| now| first)?";
    let while_i = r"\b((while|whilst|as|till|until|so|once) I( just| quickly| now)?|to|so I can)";
    let doing = r"\b((I'm|I am|am|just|currently|still|I'll be|I will be)( just| still| currently| quickly)? )";
    let patterns = [
        // "one moment", "give me a sec", "just a second or two".
        r"\b(just )?(give me |gimme )?(one|a|just a|half a|a quick|one quick|two|a couple of|a few)( more| little)? (moments?|mo|secs?|seconds?|minutes?|mins?|ticks?|jiffy)( or two)?( please)?\b".to_string(),
        r"\bhold (on|please|tight|the line)\b|\bplease hold\b|\bbear with (me|us)\b|\bstay with me\b|\bhang (on|tight)\b|\bstay on the line\b".to_string(),
        format!(r"({me}|{while_i}) {catch_up}\b[^.!?,;:-]{{0,60}}"),
        format!(r"\b({doing})?{catching_up}\b[^.!?,;:-]{{0,60}}"),
        format!(r"({will}|{while_i}) {look}{record}"),
        format!(r"{doing}{looking}{record}"),
        r"\b(my |the )?(screen|system|computer|page|file|notes?)('s| is| are)( just| still)? (catching up|loading|slow|being slow|updating|frozen|coming up|opening)\b|\bloading\b".to_string(),
        // Whether anyone is there.
        r"\b(are you|you) (still )?(there|with me|on the line)\b|\bcan you (still )?hear me( (ok|okay|alright|all right|now|clearly|well))?\b".to_string(),
        r"\b(be|am|I'm|I am|I'll be) right (with you|there|back)\b|\b(I'm|I am) (still )?(here|with you)( now)?\b|\bstill (here|there)\b".to_string(),
    ];
    Patterns::new(&patterns).expect("built-in patterns compile")
});

/// What opens a turn without saying anything about the case: a greeting
/// ("Hi there", "Good morning"), the human introducing themselves ("this is
/// Dana from billing", "Eoin here, technical support", "you're through to
/// renewals"), thanks for waiting ("thanks so much for your patience",
/// "thank you for calling City Water") and sorry for the wait.
static OPENER: LazyLock<regex::Regex> = LazyLock::new(|| {
    // A name as written: a capital, then letters ("Dana", "O'Brien",
    // "Marie-Ève"); a title may come first.
    let name = r"(?:(?:mr|mrs|ms|miss|mx|dr)\.? )?(?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*(?: (?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*)?";
    let team = r"(?:(?:the|our) )?(?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,3}(?:team|department|dept|desk|unit|office|services?|support|line|care|claims|billing|helpdesk|centre|center|group|crew|recovery|relations)\b";
    let org = r"(?:(?:the|our) )?(?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}&'-]*(?: (?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}&'-]*){0,3}(?: (?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,2}(?:team|department|desk|services?|support|line|care))?";
    let role = r"(?:the|your|a|one of the)(?: [a-zA-Z\u{C0}-\u{24F}-]+){0,2} (?:manager|supervisor|agent|specialist|advis[eo]r|officer|rep|representative|assessor|handler|technician|engineer|consultant|lead|coordinator|colleague)";
    let greeting = r"\b(?:hi|hello|hey|hiya|howdy|heya|greetings|good (?:morning|afternoon|evening|day)|morning|afternoon|evening|g'?day|welcome(?: back)?(?: to ORG)?|bonjour|hola|namaste|salaam|kia ora|guten tag|dear)(?: there| again| all| everyone| folks)?\b";
    let intro = r"\b(?:this is|it's|it is|I'm|I am|my name(?:'s| is)|here is|speaking(?: is)?) (?:NAME|ROLE)(?:,? (?:from|with|at|in|on|of|here at|here in|here from) (?:TEAM|ORG))?(?: here)?(?:,? (?:TEAM|ORG))?|\bNAME (?:here|speaking)\b(?:,? (?:(?:from|with|at|in|on) )?(?:TEAM|ORG))?|\b(?:you're|you are|you've|you have) (?:through to|speaking (?:to|with)|talking (?:to|with)|chatting (?:to|with)|reached|got|with) [^.!?,;:-]{1,40}";
    let thanks = r"\b(?:thanks?(?: you)?|thank you|many thanks|cheers)(?: (?:so|very|ever so) much| a lot| a million| kindly)?(?: again)?(?: (?:for|4) (?:holding(?: on)?|waiting(?: so long)?|your patience|being (?:so )?patient|bearing with (?:me|us)|hanging on|staying on(?: the line)?|the wait|your time|(?:calling|contacting|reaching out to|getting in touch with|choosing|chatting with|messaging|writing to|e-?mailing|being with|joining)(?: us)?(?: (?:TEAM|ORG))?|reaching out|getting in touch|your (?:message|e-?mail|enquiry|inquiry|call)))?(?: today| this (?:morning|afternoon|evening))?";
    // Taking over, small talk: "I'm taking over from the assistant", "how
    // are you today?", "I really appreciate your patience", "I know you've
    // been waiting a while". ("I'll be looking after you today" promises
    // something, and counts.)
    let taking_over = r"\b(?:I'm|I am|I'll be|I will be|I've|I have) (?:taking over|picking (?:this|it|things) up|joining(?: you)?|jumping in)(?: (?:from|for) [^.!?,;:-]{0,40})?(?: today| now| from here)?|\bhow are you(?: doing)?(?: today| this (?:morning|afternoon|evening))?|\b(?:I )?(?:really |truly )?appreciate (?:your patience|you waiting|you holding|it)\b|\b(?:I know |I understand |I see |I appreciate )?(?:you've|you have) been (?:waiting|holding|on hold)(?: (?:a while|so long|a long time|for a while|ages|some time))?";
    let sorry = r"\b(?:(?:so|very|really) )?(?:sorry|apologies)(?: (?:about|for))?(?: (?:the|your|that|this|keeping you|having kept you|to keep you|to have kept you))? (?:long )?(?:wait(?:ing)?|delay|hold)(?: (?:time|there))?\b|\bsorry (?:to|for) (?:keep|keeping|have kept|having kept) you (?:waiting|on hold|holding)\b|\bsorry (?:about|for) (?:that|this)\b";
    // The desk answering: "Fraud team, please hold", "Hello, duty manager
    // Kochi", "Billing, this is Tanya", "Coastal Super calling back".
    let desk = r"^\W*(?:(?:hi|hello|hey|good (?:morning|afternoon|evening)|morning|afternoon|evening)\W+)?(?:(?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,2}(?:team|department|dept|desk|unit|office|helpdesk|centre|center|manager|supervisor)|(?:[a-zA-Z\u{C0}-\u{24F}&'-]+ )?(?:billing|claims|support|care|accounts|sales|reception|services|enquiries|bookings|reservations|returns|payments|collections|complaints))(?: (?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*)?\s*(?:[,.;:!?-]|$)";
    let calling_back = r"\b(?:(?:TEAM|ORG) )?(?:calling|ringing|phoning|getting back to) (?:you )?back\b|\b(?:calling|ringing|phoning) you back\b|\breturning your (?:call|message|e-?mail)\b";
    let asking = r"\b(?:is (?:this|that)|am I (?:speaking|talking|chatting) (?:to|with)|are you|do I have) NAME\b";
    let all = [
        desk,
        intro,
        calling_back,
        thanks,
        taking_over,
        sorry,
        asking,
        greeting,
    ]
    .join("|")
    .replace("TEAM", team)
    .replace("ORG", org)
    .replace("ROLE", role)
    .replace("NAME", name);
    regex::Regex::new(&format!("(?i){all}")).expect("built-in pattern compiles")
});

/// Words that say nothing about the case: discourse particles, terms of
/// address and the little words a stripped greeting leaves behind.
const PARTICLES: &[&str] = &[
    "a", "again", "ah", "all", "alright", "also", "an", "and", "at", "buddy", "darling", "dear",
    "do", "dr", "er", "erm", "folks", "for", "great", "hello", "here", "hey", "hi", "hmm", "hon",
    "honey", "hun", "i", "i'm", "in", "is", "it", "just", "love", "lovely", "ma'am", "madam",
    "mate", "miss", "mr", "mrs", "ms", "mx", "my", "now", "of", "oh", "ok", "okay", "on", "or",
    "perfect", "pet", "please", "right", "sir", "so", "sorry", "sure", "thank", "thanks", "that",
    "the", "then", "there", "this", "to", "too", "uh", "um", "us", "we", "well", "with", "yeah",
    "yep", "yes", "you",
];

/// The words of `text` (letters, digits, inner apostrophes) with the byte
/// at which each starts.
fn words_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
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
fn starts_sentence(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '"', '\'', '(']);
    before.is_empty() || before.ends_with(['.', '!', '?'])
}

/// The first human turn before event `connected`, if the human spoke before
/// they connected.
pub fn human_turn_before(conversation: &Conversation, connected: usize) -> Option<usize> {
    conversation.events[..connected].iter().position(|event| {
        matches!(
            event.kind,
            EventKind::Turn {
                speaker: Speaker::Human,
                ..
            }
        )
    })
}

impl FirstMeaningfulResponse {
    /// Whether a human turn (in matching form) says nothing about the case:
    /// once its greetings, introductions, thanks for waiting and holding
    /// phrases (the `filler` patterns) are set aside, only particles
    /// ("okay", "so", "please"), terms of address ("sir", "Mrs") and names
    /// are left: the customer's `names`, or a capitalised word that does not
    /// begin a sentence ("Hi Sarah", "Morning, Ms Reyes?"). A turn of more
    /// than `filler_max_words` words is never filler.
    pub fn is_filler(&self, text: &str, names: &[CustomerName]) -> bool {
        word_count(text) <= self.filler_max_words && self.first_said(text, names).is_none()
    }

    /// The first word of `text` that says something (see [`Self::is_filler`]).
    fn first_said<'t>(&self, text: &'t str, names: &[CustomerName]) -> Option<&'t str> {
        let filler = self.filler.as_ref().unwrap_or(&DEFAULT_FILLER);
        let mut set_aside: Vec<(usize, usize)> = OPENER
            .find_iter(text)
            .map(|found| (found.start(), found.end()))
            .collect();
        set_aside.extend(filler.find_iter(text).map(|found| (found.start, found.end)));
        for (at, word) in words_at(text) {
            if set_aside.iter().any(|&(from, to)| from <= at && at < to) {
                continue;
            }
            let lower = word.to_lowercase();
            let is_name = names
                .iter()
                .any(|name| name.matching.to_lowercase() == lower)
                || (word.chars().next().is_some_and(char::is_uppercase)
                    && word.chars().count() >= 2
                    && !starts_sentence(text, at));
            if !(is_name || PARTICLES.contains(&lower.as_str())) {
                return Some(word);
            }
        }
        None
    }

    /// Seconds from connect to the first meaningful human turn: `Ok(None)`
    /// when there is none, `Err` when a timestamp is missing.
    pub fn measure(
        &self,
        conversation: &Conversation,
    ) -> Option<Result<(usize, Option<f64>), String>> {
        let connected = conversation.facts.human_connected?;
        if let Some(early) = human_turn_before(conversation, connected) {
            return Some(Err(format!(
                "the record contradicts itself: a human turn (event {early}) comes before \
                 humanConnected (event {connected})"
            )));
        }
        let names = customer_names(conversation);
        let turn = human_turns_after_connect(conversation)
            .into_iter()
            .find(|turn| !self.is_filler(turn.text, &names));
        let Some(turn) = turn else {
            return Some(Ok((connected, None)));
        };
        let Some(from) = conversation.events[connected].at else {
            return Some(Err(format!(
                "missing timestamp on humanConnected (event {connected})"
            )));
        };
        let Some(to) = turn.at else {
            return Some(Err(format!("missing timestamp on event {}", turn.index)));
        };
        let seconds = seconds_between(from, to);
        if seconds < 0.0 {
            return Some(Err(format!(
                "the clock contradicts the order: the human turn (event {}) comes after \
                 humanConnected (event {connected}) in the events but is stamped {:.1}s before it",
                turn.index, -seconds
            )));
        }
        Some(Ok((turn.index, Some(seconds))))
    }

    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        match self.measure(conversation) {
            None => Outcome::na("no human connected"),
            Some(Err(reason)) => Outcome::unscored(reason),
            Some(Ok((connected, None))) => {
                Outcome::fail("no meaningful human response after the human connected")
                    .with(Evidence::event(conversation, connected).with_note("humanConnected"))
            }
            Some(Ok((index, Some(seconds)))) => {
                let evidence = Evidence::event(conversation, index);
                let Seconds(max) = self.max;
                if seconds <= max {
                    Outcome::pass(format!("first meaningful response after {seconds:.1}s"))
                        .with(evidence)
                        .with_value(seconds)
                } else {
                    Outcome::fail(format!(
                        "first meaningful response after {seconds:.1}s, over {max}s"
                    ))
                    .with(evidence)
                    .with_value(seconds)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_greetings_introductions_thanks_and_holding() {
        let check = FirstMeaningfulResponse::default();
        for filler in [
            "Hi Sarah!",
            "Hello, thanks for holding.",
            "One moment please, let me pull up your account.",
            "Hi, bear with me a second.",
            "Thanks for holding, one second.",
            "Hello?",
            "Hi, Ms Reyes?",
            "Are you still there?",
            "Good afternoon, you're speaking with Tomasz from the accounts desk, thanks ever so much for waiting.",
            "Hi Sarah, Priya here, customer care - thank you for your patience, just give me a moment to open your file.",
            "Hello, thank you for calling Northfield Energy billing services, please bear with me one second.",
            "Hey Sarah! It's Sam from Harbour Mobile. Are you still with me?",
            "Hi there, I'm Olu with the claims team. Sorry about the wait, I'm just reading through the notes...",
            "Morning Sarah - just a sec while I get your order up on my screen.",
            "Hiya, sorry to keep you waiting! My system's being slow, one moment.",
            "Hey there, I'm taking over from the virtual assistant, one sec.",
            "Hello, you've reached the complaints team, I'm Tom, just catching up on the chat history now.",
            "Good evening, give me two ticks to read the notes.",
            "Hello, Acme Energy, Dan speaking.",
            "Hello, is this Mr Okafor? This is Sam, thanks for your patience.",
        ] {
            let said = check.first_said(filler, &[]);
            assert_eq!(said, None, "{filler}");
        }
        for meaningful in [
            "Hi, thanks for holding. How can I help you today?",
            "Hi Sarah, I can see you were charged twice for order 8821.",
            "Hi! Which card is it?",
            "One moment while I approve the refund of the duplicate $184 charge on order 8821 for you.",
            "Hi! Approved.",
            "Thanks for holding. Refund done.",
            "Hello, this is Priya. Your refund went out this morning.",
            "Hi Sarah, I'm Jo, I'll get that refund sorted right now.",
            "Hello, let me open a claim for the damaged parcel.",
            "Hi, I'm getting a replacement out to you today.",
            "Hey, sorry about the wait! Let me check the mast near you.",
        ] {
            assert!(!check.is_filler(meaningful, &[]), "{meaningful}");
        }
    }
}
