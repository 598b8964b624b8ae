//! `offer_not_repeated`: the human does not offer again what the customer
//! already rejected before the handoff.
//!
//! ## What it does
//! Collects what the customer rejected before the human connected: `offer`
//! events with `response: rejected`, and the entries of the package's
//! `attemptedResolutions` that name a remedy (a network reset tried is not
//! an offer that can be repeated) and were not attempts that failed ("refund
//! retry (declined by the bank)", "credit push (failed)"); an entry of a
//! kind an `offer` event already records is that offer, not another. Each
//! is classified by remedy kind (refund, credit, voucher, discount, waiver,
//! payment plan, compensation, replacement, rebooking, upgrade,
//! cancellation) and by the amount it names; a bundle ("€200 refund plus
//! €400 voucher") is one offer per part, each with its own amount, not the
//! total. After the human connected, a human `offer` event or a human turn
//! that names the same remedy kind is a repeat when the amounts agree (or
//! the rejected offer named no amount); so is a human `offer` event that
//! restates a rejected one in the same key terms, whatever its kind ("Raise
//! voluntary excess to £500"). Turns that mention the rejection itself ("I
//! see you declined the $50 credit") are skipped.
//!
//! ## Why it matters
//! Offering a customer the thing they just turned down tells them nobody read
//! the handoff.
//!
//! ## Example
//! ```yaml
//! - offer_not_repeated: {}
//! - offer_not_repeated:
//!     remedies: { credit: ['credit', 'goodwill'], refund: ['refund', 'money back'] }
//! ```
//!
//! ## Outcomes
//! Nothing rejected, or no human after the handoff: n/a. A repeat: fail, with
//! both the rejected offer and the repeat as evidence. Otherwise pass.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::normalize::matching_form;
use super::text::{Amount, amounts, key_terms, terms_found};
use super::{Evidence, Outcome};
use crate::rubric::params::{OneOrMany, Patterns};
use crate::trace::{Conversation, Event, EventKind, OfferBy, OfferResponse, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferNotRepeated {
    /// Remedy kinds and the patterns that name them; replaces the defaults.
    remedies: Option<RemedyTable>,
    /// Human turns matching these talk about the rejection, not a new offer.
    pub ignore: Option<Patterns>,
}

/// Remedy kinds and their patterns, searched in one pass per text.
#[derive(Debug, Clone)]
struct RemedyTable {
    patterns: Patterns,
    /// Kind of each pattern, by index.
    kind_of: Vec<usize>,
    kinds: Vec<String>,
}

impl RemedyTable {
    fn new(table: &[(String, Vec<String>)]) -> Result<Self, String> {
        let mut sources = Vec::new();
        let mut kind_of = Vec::new();
        for (index, (_, patterns)) in table.iter().enumerate() {
            for pattern in patterns {
                sources.push(pattern.clone());
                kind_of.push(index);
            }
        }
        Ok(RemedyTable {
            patterns: Patterns::new(&sources)?,
            kind_of,
            kinds: table.iter().map(|(kind, _)| kind.clone()).collect(),
        })
    }

    /// The remedy kinds a text names, in table order.
    fn kinds_in(&self, text: &str) -> Vec<&str> {
        // Most turns name no remedy: one plain pass says so.
        if !self.patterns.is_match(text) {
            return Vec::new();
        }
        let mut found: Vec<usize> = self
            .patterns
            .matching(text)
            .map(|i| self.kind_of[i])
            .collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|k| self.kinds[k].as_str()).collect()
    }

    fn names_any(&self, text: &str) -> bool {
        self.patterns.is_match(text)
    }
}

impl<'de> Deserialize<'de> for RemedyTable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = BTreeMap::<String, OneOrMany<String>>::deserialize(deserializer)?;
        let table: Vec<(String, Vec<String>)> = table.into_iter().map(|(k, v)| (k, v.0)).collect();
        if table.is_empty() {
            return Err(serde::de::Error::custom(
                "expected at least one remedy kind",
            ));
        }
        RemedyTable::new(&table).map_err(serde::de::Error::custom)
    }
}

static DEFAULT_REMEDIES: LazyLock<RemedyTable> = LazyLock::new(|| {
    let table: &[(&str, &[&str])] = &[
        (
            "refund",
            &[
                r"\brefund",
                r"\breimburs",
                r"money back",
                r"\bcharge ?back\b",
                r"revers(e|ing) the charge",
            ],
        ),
        ("credit", &[r"\bcredit\b", r"\bgoodwill\b"]),
        (
            "payment plan",
            &[
                r"\b(payment|instal?l?ment|repayment|monthly) plans?\b",
                r"\binstal?l?ments?\b",
                r"\b\w+[- ]month plans?\b",
            ],
        ),
        (
            "compensation",
            &[
                r"\bex[- ]gratia\b",
                r"\bcompensat",
                r"\b(goodwill|courtesy) payment\b",
            ],
        ),
        (
            "voucher",
            &[
                r"\bvoucher",
                r"\bcoupon",
                r"gift ?card",
                r"promo(tional)? code",
                r"\bmiles\b",
                r"\bpoints\b",
            ],
        ),
        (
            "discount",
            &[
                r"\bdiscount",
                r"% off\b",
                r"percent off",
                r"price ?match",
                r"\breduced? (rate|price|fee)",
                r"\breduc(e|es|ing|tion)\b",
                r"\badjust(ment|ed|ing)?\b",
                r"\b(take|takes|taking|knock|knocking|shave) [^.!?]{0,20}\boff\b",
                r"\boff (the|your) (bill|balance|fee|invoice|total|price|premium)\b",
            ],
        ),
        (
            "waiver",
            &[
                r"\bwaive",
                r"\bwaiver\b",
                r"remove the (fee|charge)",
                r"fee (removed|reversed)",
                r"\bwrite[- ]?offs?\b",
                r"\bwrit(e|es|ing|ten) (it |this |that )?off\b",
            ],
        ),
        (
            "replacement",
            &[r"\breplace(ment)?\b", r"\bexchange\b", r"send (you )?a new"],
        ),
        (
            "rebooking",
            &[
                r"\brebook",
                r"\breschedul",
                r"(another|a later|an earlier|a different) flight",
                r"change (your|the) (flight|booking|reservation)",
            ],
        ),
        ("upgrade", &[r"\bupgrade"]),
        ("cancellation", &[r"\bcancel(l?ation|l?ing|l?ed)?\b"]),
        (
            "technician",
            &[
                r"\btechnician\b",
                r"\bengineer visit\b",
                r"send someone out",
            ],
        ),
    ];
    let table: Vec<(String, Vec<String>)> = table
        .iter()
        .map(|(kind, patterns)| {
            (
                kind.to_string(),
                patterns.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect();
    RemedyTable::new(&table).expect("built-in patterns compile")
});

static DEFAULT_IGNORE: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(declined|rejected|turned down|refused|didn'?t want|did not want|not interested in)\b",
        r"\b(instead of|rather than|more than|beyond) (the|that|a|an)\b",
    ])
    .expect("built-in patterns compile")
});

/// An `attemptedResolutions` entry that records an attempt that failed, not
/// an offer the customer turned down: "refund retry (declined by the bank)",
/// "credit push (failed)".
static FAILED_ATTEMPT: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(fail\w*|errors?|timed? ?out|time-?out|no improvement|not received|retr(y|ied|ies)|resubmit\w*|re-?sent|bounced|unsuccessful|(declined|rejected|refused) by (the |our |their )?(bank|system|issuer|processor|gateway|carrier|network|provider|payment|card))\b",
    )
    .expect("the built-in pattern compiles")
});

/// Where a bundle's parts divide: "€200 refund plus €400 voucher".
static BUNDLE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\s*(?:\+|&|\bplus\b|\band\b|\bwith\b)\s*|,\s+")
        .expect("the built-in pattern compiles")
});

/// Something the customer turned down before the handoff.
#[derive(Debug, Clone)]
pub struct RejectedOffer {
    pub event: Option<usize>,
    pub text: String,
    pub amount: Option<Amount>,
    /// The part of a bundle this is ("€400 voucher"), when it is one.
    pub part: Option<String>,
}

/// The `attemptedResolutions` entries that may record a rejected offer:
/// those that name a remedy and are not failed attempts.
fn offered_attempts<'c>(
    conversation: &'c Conversation,
    names_remedy: &dyn Fn(&str) -> bool,
) -> Vec<(&'c str, String)> {
    let Some(package) = conversation.package() else {
        return Vec::new();
    };
    package
        .attempted_resolutions()
        .into_iter()
        .filter_map(|attempt| {
            let text = matching_form(attempt);
            (names_remedy(&text) && !FAILED_ATTEMPT.is_match(&text))
                .then(|| (attempt, text.into_owned()))
        })
        .collect()
}

/// The events before the human connected (all of them if no one did).
fn before_connect(conversation: &Conversation) -> &[Event] {
    let cutoff = conversation
        .facts
        .human_connected
        .unwrap_or(conversation.events.len());
    &conversation.events[..cutoff]
}

/// Whether the customer rejected anything before the human connected, by
/// the built-in remedy kinds: what [`OfferNotRepeated`] would find, without
/// building the list (conditions only need the answer).
pub fn any_rejected_offer(conversation: &Conversation) -> bool {
    let offer_rejected = before_connect(conversation).iter().any(|event| {
        matches!(
            event.kind,
            EventKind::Offer {
                response: OfferResponse::Rejected,
                ..
            }
        )
    });
    offer_rejected
        || !offered_attempts(conversation, &|text| DEFAULT_REMEDIES.names_any(text)).is_empty()
}

/// `text` as the offers it bundles: one per part when at least two parts
/// name a remedy each, with that part's own amount; else the whole, with
/// `total` (an `offer` event's amount) or the first amount it names.
fn split_bundle(
    remedies: &RemedyTable,
    event: Option<usize>,
    text: &str,
    total: Option<Amount>,
) -> Vec<RejectedOffer> {
    let normalized = matching_form(text);
    let parts: Vec<&str> = BUNDLE
        .split(&normalized)
        .filter(|part| remedies.names_any(part))
        .collect();
    if parts.len() >= 2 {
        return parts
            .into_iter()
            .map(|part| RejectedOffer {
                event,
                text: text.to_string(),
                amount: amounts(part).into_iter().next(),
                part: Some(part.to_string()),
            })
            .collect();
    }
    vec![RejectedOffer {
        event,
        text: text.to_string(),
        amount: total.or_else(|| amounts(text).into_iter().next()),
        part: None,
    }]
}

fn rejected_offers_with(conversation: &Conversation, remedies: &RemedyTable) -> Vec<RejectedOffer> {
    let mut rejected = Vec::new();
    for (index, event) in before_connect(conversation).iter().enumerate() {
        if let EventKind::Offer {
            description,
            amount,
            response: OfferResponse::Rejected,
            ..
        } = &event.kind
        {
            let total = amount.as_ref().map(|a| Amount {
                value: a.value,
                percent: false,
            });
            rejected.extend(split_bundle(remedies, Some(index), description, total));
        }
    }
    // An entry of a kind an `offer` event records is that same offer.
    let logged: Vec<&str> = rejected
        .iter()
        .flat_map(|offer| remedies.kinds_in(&matching_form(offer.described())))
        .collect();
    for (attempt, text) in offered_attempts(conversation, &|text| remedies.names_any(text)) {
        if remedies
            .kinds_in(&text)
            .iter()
            .any(|kind| logged.contains(kind))
        {
            continue;
        }
        rejected.extend(split_bundle(
            remedies,
            conversation.facts.package,
            attempt,
            None,
        ));
    }
    rejected
}

impl RejectedOffer {
    /// What this offer is: its part of a bundle, or the whole text.
    fn described(&self) -> &str {
        self.part.as_deref().unwrap_or(&self.text)
    }
}

/// Whether a human `offer` event's description restates a rejected offer's:
/// at least two key terms, and at least two thirds of the rejected one's.
fn restates(rejected: &str, offered: &str) -> bool {
    let terms = key_terms(rejected);
    let found = terms_found(&terms, offered).len();
    found >= 2 && found * 3 >= terms.len() * 2
}

impl OfferNotRepeated {
    fn remedies(&self) -> &RemedyTable {
        self.remedies.as_ref().unwrap_or(&DEFAULT_REMEDIES)
    }

    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let remedies = self.remedies();
        let rejected = rejected_offers_with(conversation, remedies);
        if rejected.is_empty() {
            return Outcome::na("nothing was rejected before the handoff");
        }
        let Some(connected) = conversation.facts.human_connected else {
            return Outcome::na("no human connected");
        };
        let ignore = self.ignore.as_ref().unwrap_or(&DEFAULT_IGNORE);
        let rejected: Vec<(RejectedOffer, Vec<&str>)> = rejected
            .into_iter()
            .map(|offer| {
                let kinds = remedies.kinds_in(&matching_form(offer.described()));
                (offer, kinds)
            })
            .collect();
        for (index, event) in conversation.events.iter().enumerate().skip(connected + 1) {
            let stated_amount = match &event.kind {
                EventKind::Offer {
                    by: OfferBy::Human,
                    amount,
                    ..
                } => amount.as_ref().map(|a| a.value),
                EventKind::Turn {
                    speaker: Speaker::Human,
                    ..
                } => None,
                _ => continue,
            };
            let text = conversation.matching_text(index).unwrap_or_default();
            let kinds = remedies.kinds_in(text);
            let is_turn = matches!(event.kind, EventKind::Turn { .. });
            let restated = !is_turn
                && rejected
                    .iter()
                    .any(|(offer, _)| offer.part.is_none() && restates(&offer.text, text));
            if (kinds.is_empty() && !restated) || (is_turn && ignore.is_match(text)) {
                continue;
            }
            let mut offered: Vec<Amount> = amounts(text);
            if let Some(value) = stated_amount {
                offered.push(Amount {
                    value,
                    percent: false,
                });
            }
            for (offer, rejected_kinds) in &rejected {
                let same_kind = kinds.iter().find(|k| rejected_kinds.contains(k)).copied();
                let kind = match same_kind {
                    Some(kind) => kind,
                    None if !is_turn && offer.part.is_none() && restates(&offer.text, text) => {
                        "remedy"
                    }
                    None => continue,
                };
                let same_amount = match offer.amount {
                    None => true,
                    Some(amount) => offered.iter().any(|o| o.same_as(&amount)),
                };
                if same_amount {
                    let mut rejected_evidence = match offer.event {
                        Some(i) => Evidence::event(conversation, i),
                        None => Evidence::default(),
                    };
                    rejected_evidence = rejected_evidence
                        .with_text(&offer.text)
                        .with_note("rejected before the handoff");
                    return Outcome::fail(format!(
                        "the human offered again the {kind} the customer rejected (\"{}\")",
                        offer.text
                    ))
                    .with(rejected_evidence)
                    .with(Evidence::event(conversation, index).matched(kind));
                }
            }
        }
        Outcome::pass(format!(
            "no human offer repeats the {} rejected offer(s)",
            rejected.len()
        ))
    }
}
