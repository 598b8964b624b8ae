//! `offer_not_repeated`: the human does not offer again what the customer
//! already rejected before the handoff.
//!
//! ## What it does
//! Collects what the customer rejected before the human connected: `offer`
//! events with `response: rejected`, and the entries of the package's
//! `attemptedResolutions` that name a remedy (a network reset tried is not
//! an offer that can be repeated), say it was declined, refused or turned
//! down ("Explained the charges and confirmed refund eligibility" records no
//! offer at all) and were not attempts that failed ("refund retry (declined
//! by the bank)", "credit push (failed)"); an entry of a
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
//! A human who *proposes* the same remedy again repeats it whatever the
//! amount: "what I can do is a £60 credit" after a £40 credit was refused,
//! "how about 15% off?" after 10% off, a coupon after a discount (credit,
//! voucher and discount are one family of store value here), "I could set
//! you up on a payment plan?" after a plan was refused; so does a human
//! `offer` event of that family, and a proposal that restates in key terms
//! a rejected remedy no kind names ("a temporary number" again). A sentence
//! proposes when it says "what I can do", "I can/could/would be happy to
//! offer, give, add…", "how about", "would that work?", "let me offer",
//! or lays out a plan ("what I'd like us to do first is", "let's try",
//! "what I'm going to do is", "the first thing I'd like to do"), in the
//! other languages too ("je peux vous proposer", "le puedo ofrecer", "ich
//! kann Ihnen", "posso offrirle", "posso te oferecer", "¿te parece?").
//! A proposal that names the rejected slot again (its clock time, and its
//! weekday if it named one: "the 7:05 Saturday" after "Saturday 07:05" was
//! turned down) repeats it whatever words carry it. Remedies are named in
//! other words too ("a brand-new one" is a replacement, "to use on your
//! next order" store value) and in other languages ("bon d'achat",
//! "Gutschein", "reembolso"), and so are bonus data ("an extra 10 gig"),
//! an expedited decision ("fast-track it") and a second look by someone
//! else ("a different appraiser", "volver a mandarla a revisión"). Whatever
//! words carry it, a proposal the customer answers "that's what the bot
//! offered, I said no" ("ya le dije que no", "das habe ich schon
//! abgelehnt") is the refused remedy again.
//!
//! The rejected offer's own words name its remedy too, in whatever language
//! or wording no kind covers: its content words (by stem, unaccented, a
//! plural `s` dropped; not amounts, function words, the record's words
//! such as "offered" or "declined", units, or what value is paid onto such
//! as "account" or "card") are the remedy. A human sentence that offers
//! ("I can", "we could", "ik kan", "posso", "je peux", "puedo", "ich
//! kann", a question "shall I…?", or any proposal above; not "I can see",
//! not "I can't") and names one of those words repeats it at any amount:
//! "a goodwill gesture of €15" after "Geste commercial de 10 €" was
//! refused, "I could forgive the late fee" after "late-fee forgiveness".
//! Not when the sentence only mentions the earlier offer ("you were offered
//! an extension", "the bot suggested…"), names a remedy of another family
//! (a refund and a waiver are one here: a fee refunded is the fee waived),
//! or the rejected offer named its place, provider or date ("Repair at
//! AutoFix Industrial Area", "Appointment on 30 November") and the sentence
//! names none of them: that is another one of its kind.
//! Granting in full what the customer asked for ("I've refunded all three
//! fees", "I can remove the charge in full", "die volle Summe") is not a
//! repeat, nor is a sentence that names a number the customer asked for
//! when they turned the offer down ("I'd like twelve instalments", then
//! "twelve instalments I can approve"), nor is a
//! proposal the customer takes (an `offer` event recorded as accepted, a
//! reply "yes please"; a resigned "ok whatever" takes nothing): a new
//! amount that meets them. A sentence that talks
//! about the rejection (`ignore`) is skipped.
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
use super::text::{Amount, Term, amounts, has_token, key_terms, numbers_said, terms_found};
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
        let stripped;
        let text = if NOT_REMEDY.is_match(text) {
            stripped = NOT_REMEDY.replace_all(text, " ");
            if !self.patterns.is_match(&stripped) {
                return Vec::new();
            }
            stripped.as_ref()
        } else {
            text
        };
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
                // In other languages: "remboursement", "reembolso",
                // "Erstattung", "Rückerstattung".
                r"\brembours",
                r"\breembols",
                r"\b(rück)?erstatt",
                r"返金|払い戻し|払戻",
            ],
        ),
        (
            "credit",
            &[
                r"\bcredit\b",
                r"\bgoodwill\b",
                // "$60 on your account to spend on anything in store".
                r"\bto spend (on|in|at)\b",
                r"\b(put|pop|add|load|stick)\w* (an? )?(extra |further )?([$£€₹¥]|[a-z]{1,3}\$|\d)(?:[^.!?]|\.\d){0,25}?\b(on|to|in|into|onto) (your|the) ([\w-]+ )?(account|wallet|balance)\b",
                // The amount in words: "put fifteen dollars on your account".
                r"\b(put|pop|add|load|stick)\w* (an? )?(extra |further )?([\w-]+ ){1,2}(dollars|pounds|euros|quid|bucks|rupees)\b (on|to|in|into|onto) (your|the) ([\w-]+ )?(account|wallet|balance)\b",
                // Value kept for later: "to use on your next order", "valid
                // against a future stay", "redeemable on any later booking".
                r"\b(to use|to spend|use it|spend it|valid|good|redeemable|usable) (on|against|towards?|for|at|in) (your|a|any|the) (next|future|later)\b",
                // In another language: "Gutschrift" ("crédito" is as often
                // the card a refund goes back to).
                r"\bgutschrift",
            ],
        ),
        (
            "payment plan",
            &[
                r"\b(payment|instal?l?ment|repayment|monthly) plans?\b",
                r"\binstal?l?ments?\b",
                r"\b\w+[- ]month plans?\b",
                // "what could you manage each month?", "pay it off at £15 a week".
                r"\b(manage|afford|pay|spare|set aside)\b[^.!?]{0,30}?\b(each|per|a|every) (month|week|fortnight)\b",
                r"\bspread (the|it|this|that|your) [^.!?]{0,20}?\bover\b",
                // "break the 14,300 into three monthly payments", "over
                // six monthly payments" (not "your monthly payments").
                r"\b(into|in|over|across) (\d+|two|three|four|five|six|eight|ten|twelve|a few|several) (monthly |weekly |equal |smaller )?(payments|instal?l?ments)\b",
                r"\b(break|split|divide|spread)\w*\b[^.!?]{0,30}?\b(into|across|over|in) ([\w-]+ ){0,2}(payments|instal?l?ments|parts|chunks)\b",
                // "set it up over a few months", "split it across six payments".
                r"\b(set (it |this |that |the \w+ )?up|spread( it| this| that)?|split( it| this| that)?|pay( it| this| that)?( off)?) (over|across|in) (a few|several|a number of|the next few|\d+|two|three|four|five|six|eight|ten|twelve) (months|weeks|instal?l?ments|payments|chunks|parts)\b",
            ],
        ),
        (
            "payment break",
            &[
                r"\bpayment (break|holiday|pause|freeze|deferral)s?\b",
                r"\bdefer(ral|ring|red|s)?\b",
                r"\b(pause|freeze|suspend)\w* (your |the |all )?(re)?payments\b",
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
                // In other languages: "un bon de 20 €", "bon d'achat",
                // "Gutschein", "cupón", "cupom", "vale-compra".
                r"\bbons? (de réduction|d'achat|cadeau|de \d|de [$£€]|d'une valeur)",
                r"\bgutschein",
                r"\bcup[oó]n",
                r"\bcupo(m|ns)\b",
                r"\bvales?[- ](de )?(descuento|desconto|compra|presente|regalo)\b",
                // In Japanese (no word boundaries there): points, coupons,
                // gift certificates, miles.
                r"ポイント|クーポン|商品券|ギフト券|マイル",
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
                // Another rate: "I can go to prime plus 0.1%", "bring your
                // rate down to 4.2%", "a rate cut".
                r"\b(go|come|get|bring|drop|take)\b( [\w-]+){0,3}? (down )?to\b[^.!?]{0,30}?\d+(\.\d+)?\s?(%|percent)",
                r"\b(lower|cut|drop|reduce)\w* (the|your) (rate|price|fee|premium|interest|tariff)\b",
                r"\brate (cut|reduction|drop|decrease)\b",
                // In other languages: "remise", "réduction", "descuento",
                // "desconto", "Rabatt", "Nachlass".
                r"\bremise\b",
                r"\bréduction\b",
                r"\bdesc(uento|onto)s?\b",
                r"\brabatt",
                r"\bnachlass",
                // "uno sconto del 20%", "korting".
                r"\bscont[oi]\b",
                r"\bkorting\b",
                r"割引|値引",
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
                r"免除",
            ],
        ),
        (
            "replacement",
            &[
                r"\breplace(ment)?\b",
                r"\bexchange\b",
                r"send (you )?a new",
                // The same item again in other words: "get a brand-new one
                // out to you", "a fresh unit", "swap it for another".
                r"\b(a|another) (brand[- ]new|new|fresh|working) (one|unit|device|item|handset|machine)\b",
                r"\bswap\w* (it|them|that|this)( out)? for\b",
                // The order sent again: "reship it", "post the parcel out
                // again", "te lo volvemos a mandar", "réexpédier",
                // "erneut versenden", "rispedire", "reenviar o pedido".
                r"\bre-?ship",
                r"\b(send|ship|post|mail|dispatch)\w* (it|them|the (order|parcel|package|item|items|goods))( out)? again\b",
                r"\b(volv\w*|vuelv\w*) a (enviar|mandar)(te|le|les)?(lo|la|los|las)?\b[^.!?]{0,20}\b(pedido|paquete|env[ií]o|producto|art[ií]culo)\b|\b(te|se) lo (volv\w*|vuelv\w*) a (enviar|mandar)\b",
                r"\breenv[ií]o\b|\breenvi(ar|amos|arte|arle|arlo|arla)\b.{0,20}\b(pedido|paquete|env[ií]o|encomenda|producto|art[ií]culo)",
                r"\bréexpédi|\brenvo(yer|yons) (le|la|les|votre) (colis|commande|article)",
                r"\b(die (bestellung|lieferung|ware|sendung)|das (paket|ger[äa]t|produkt)) (erneut|nochmal|noch einmal|neu) (zu )?(senden|schicken|versenden|liefern)\b|\bersatz(lieferung|ger[äa]t)?\b|\bnachliefer",
                r"\brispedi|\bsostituzion|\bnuovo invio\b",
                r"\b(mandar|enviar) (o pedido|a encomenda|o produto) (de novo|novamente)\b|\bsubstitui[çc][ãa]o\b",
            ],
        ),
        (
            "rebooking",
            &[
                r"\brebook",
                r"\breschedul",
                r"(another|a later|an earlier|a different) flight",
                r"change (your|the) (flight|booking|reservation)",
                // "a free date change", "move your stay to a later date".
                r"\bdate (change|move|swap)",
                r"\bchang\w* (of )?(the |your )?(travel |departure |stay |holiday )?dates?\b",
                r"\b(move|shift|push|defer|postpone)\w* (your|the) [\w-]+( [\w-]+)? (to|until|till) (a |an |another )?(later|earlier|different|new|another|future|next)\b",
                r"\b(a |another |new )(later|different|alternative|future) (date|day|departure|sailing|train|slot)s?\b",
                // In Japanese: a change of date or booking ("日程のご変更";
                // not "振替", which is as often a direct debit).
                r"(日程|予約|日時|日付)(の)?(ご)?変更",
            ],
        ),
        (
            "repair",
            &[
                r"\brepair",
                r"\bwarranty (check|claim|repair|service|inspection|assessment)",
                r"\bsend (it|them|the [\w-]+) (in|off|back) (for|to be) (a |an )?(check|look|inspection|assessment|fix|fixed|checked|looked at|inspected|repaired)",
            ],
        ),
        ("upgrade", &[r"\bupgrade"]),
        (
            "data",
            &[
                // "10GB of bonus data", "an extra 10 gig on your plan".
                r"\b(an? )?(extra|bonus|free|additional|more) \d+\s?(gb|gig|gigs|gigabytes?)\b|\b\d+\s?(gb|gig|gigs|gigabytes?) (of )?(extra|bonus|free|additional) data\b|\b\d+\s?(gb|gigs?|gigabytes?) (on|to|onto) (your|the) (plan|account|allowance|line)\b",
                r"\b(bonus|extra|free|additional) (mobile )?data\b",
                r"\bdata (boost|bundle|add-?on|top-?up|pass)\b",
            ],
        ),
        (
            "expedite",
            &[
                // "an expedite request", "fast-track the claim", "put a
                // rush on it".
                r"\bexpedit",
                r"\bfast[- ]?track",
                r"\bpriority (review|handling|processing|flag|status)\b",
                r"\b(put|place) a rush on\b",
            ],
        ),
        (
            "second look",
            &[
                // Looked at again by someone: "a second appraisal", "a
                // different appraiser", "another inspection", "re-assess",
                // "mandarla a revisión", "une contre-expertise",
                // "eine erneute Prüfung", "una nuova perizia", "nova vistoria".
                r"\b(second|another|new|fresh|different|independent) ([\w-]+ )?(appraisal|appraiser|assessment|assessor|inspection|inspector|valuation|valuer|adjuster|evaluation|review|opinion|survey|surveyor)s?\b",
                r"\bre-?(apprais|inspect|assess|valu|evaluat|examin)",
                r"\b(mandar\w*|enviar\w*|reenviar\w*|volver a (mandar|enviar)\w*|someter\w*|pasar\w*)( la| lo| el caso| la reclamaci[oó]n)? a (una )?(nueva )?revisi[oó]n\b|\bsegunda (revisi[oó]n|tasaci[oó]n|opini[oó]n|valoraci[oó]n)\b",
                r"\bréexamen\b|\bcontre-expertise\b|\bnouvelle (expertise|évaluation)\b",
                r"\b(erneute|neue|zweite) (prüfung|begutachtung|bewertung|überprüfung)\b|\berneut (zu )?prüfen\b",
                r"\briesame\b|\b(nuova|seconda) (perizia|valutazione|revisione)\b",
                r"\b(nova|segunda) (avalia[çc][ãa]o|an[áa]lise|revis[ãa]o|vistoria)\b|\breavalia",
            ],
        ),
        (
            "limit increase",
            &[
                // A higher limit, at whatever figure: "raise your overdraft
                // to £800", "a credit line increase", "eine Erhöhung auf
                // 2.500 €", "aumentar el límite", "relever votre plafond".
                r"\b(rais|increas|extend|bump|lift)\w*\b[^.!?]{0,30}\b(limit|overdraft|credit line|allowance|ceiling)\b",
                r"\b(limit|overdraft|credit line|allowance)\b[^.!?]{0,15}\b(increase|raise|rise|uplift|extension)\b",
                r"\b(higher|bigger|larger) (credit )?(limit|overdraft|credit line|allowance)\b",
                r"\b(dispo\w*|\w*rahmen\w*|limit\w*|kreditlinie|überziehung\w*)\b[^.!?]{0,40}\berh[öo]h|\berh[öo]h\w*\b[^.!?]{0,30}\b(dispo\w*|\w*rahmen\w*|limit\w*)\b|\beine erh[öo]hung (auf|um)\b",
                r"\b(ampli|aument|sub)\w*\b[^.!?]{0,20}\b(l[ií]mite|descubierto|cupo)\b",
                r"\b(augment|relev|hauss)\w*\b[^.!?]{0,20}\b(plafond|découvert|limite)\b",
                r"\b(aument|alz)\w*\b[^.!?]{0,20}\b(fido|limite|plafond)\b",
                r"限度額|利用枠|枠の?(拡大|引き上げ|増額)",
            ],
        ),
        (
            "pause",
            &[
                // The membership or service put on hold rather than ended:
                // "freeze your membership", "a three-month pause", "put
                // the account on hold", "congelar la cuota", "suspendre
                // l'abonnement", "die Mitgliedschaft ruhen lassen", "休会".
                r"\b(freez|paus|suspend)\w*\b[^.!?]{0,25}\b(membership|account|subscription|contract|plan|line|service)\b",
                r"\b(membership|account|subscription|contract|line|service) (freeze|pause|hold|suspension)s?\b",
                r"\b(a|the|free|temporary|short|month|months|\w+-month) (freeze|pause)\b",
                r"\b(put|place|keep)\w* (your |the )?(membership|account|subscription|contract|plan) on hold\b",
                r"\b(congel|paus|suspend|suspensi)\w*\b[^.!?]{0,25}\b(membres[ií]a|cuota|suscripci[oó]n|abono|contrato|matr[ií]cula)\b",
                r"\b(suspend|suspension|gel|geler|mettre en pause)\w*\b[^.!?]{0,25}\b(abonnement|adhésion|contrat)\b",
                r"\b(ruhen lassen|ruhend stellen|pausieren|stilllegen)\b|\b(mitgliedschaft|vertrag|abo)\w*\b[^.!?]{0,25}\b(ruhen|pausieren|aussetzen)\b",
                r"\b(sospend|congel|mettere in pausa)\w*\b[^.!?]{0,25}\b(abbonamento|iscrizione|contratto)\b",
                r"休会|一時停止|利用停止",
            ],
        ),
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
        r"\b(instead of|rather than) (the|that|a|an)\b",
        // The refusal said back in Japanese: "日程変更はご希望でないとのこと".
        r"ご希望(で|では)(ない|ありません|なかった)|ご不要|お断り(に|され|いただ)",
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

/// An `attemptedResolutions` entry that says the customer turned the offer
/// down: "(declined)", "refused by the customer", "customer said no".
static DECLINED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(declin\w*|refus\w*|reject\w*|turned (it |this |that )?down|turn(s|ing)? (it |this |that )?down|said no|not accepted|(didn't|did not|wouldn't|would not) (accept|want|take)|not (interested|wanted)|wasn't interested)\b",
    )
    .expect("the built-in pattern compiles")
});

/// A sentence that reports what the record shows rather than offering: "I
/// see the $520 credit from your visit", "looking at the notes, the bot
/// offered a voucher".
static OBSERVES: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(I|we) (can )?(see|notice)\b|\b(I|we)('ve| have) (read|seen|noticed|looked at)\b|\blooking at\b|\baccording to\b|\b(notes?|records?|file|history|system|handoff|chat) (says?|shows?)\b",
    )
    .expect("the built-in pattern compiles")
});

/// Whether a sentence is about what the record shows ([`OBSERVES`]) and
/// proposes nothing: "Looking at the timing, the fairest thing is we knock
/// the fee down" still proposes ([`PROPOSES`], [`MEETS_HALFWAY`]).
fn observes(sentence: &str) -> bool {
    OBSERVES.is_match(sentence)
        && !(PROPOSES.is_match(sentence) || MEETS_HALFWAY.is_match(sentence))
}

/// Words that name no remedy although a remedy's word is in them: a
/// refund goes "back to the credit card".
static NOT_REMEDY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\bcredit (cards?|checks?|scores?|ratings?|reports?|unions?|history)\b")
        .expect("the built-in pattern compiles")
});

/// A turn that puts something to the customer in words [`PROPOSES`] does
/// not know: an option named as possible ("dá pra passar a cobertura",
/// "there's also the option of", "修理キャンセルで送料無料の返送もできますよ"),
/// asked whether it suits ("いかがでしょうか", "Quer pensar com calma?" after
/// one), or offered outright ("Was ich Ihnen anbieten kann"). Read only
/// where the customer answers that it was offered and refused before: a
/// hold, a call-back number or a recording asked for offers nothing.
static OFFERS_IN_OTHER_WORDS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(there'?s also|another option|one option|an option (would be|is)|(I|we) (could|can) also|it'?s (also )?possible to|you (could|can) also|d[áa] (pra|para)|[ée] poss[íi]vel|podemos tamb[ée]m|uma op[çc][ãa]o|(le|te) (puedo|podemos) (ofrecer|dar)|tambi[ée]n (puede|podemos|se puede)|una opci[óo]n|(je|nous) (peux|pouvons) (aussi|également|vous (proposer|offrir))|une option|anbieten|(ich|wir) (k[öo]nnte|k[öo]nnen) (Ihnen )?auch|eine M[öo]glichkeit|(posso|possiamo) (anche|offrirle|proporle)|un'opzione|(ik|we) (kan|kunnen) (je|u) ook|een optie)\b|もできます|(でき|いただけ)ます(よ|が)|引かせて|お付けします|お付けでき|差し上げます|いかがでしょうか|いかがですか|いかがいたしましょう|いたしましょうか",
    )
    .expect("the built-in pattern compiles")
});

/// A turn that asks the customer to hold ("can I put you on hold?",
/// "少々お待ちいただけますか"): it offers no remedy, so a reply "I already
/// said no to that" refuses the hold, not a remedy offered again.
static ASKS_TO_HOLD: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b((put|place|keep) you on hold|on hold|hold music|(ponerle|dejarle|ponerte) en espera|(vous )?mettre en attente|in die Warteschleife|in attesa|in de wacht|em espera)\b|少々お待ち|お待ちいただけ",
    )
    .expect("the built-in pattern compiles")
});

/// A sentence that proposes a remedy rather than reporting one: "what I
/// can do is", "I could add", "how about", "would that work?".
static PROPOSES: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        \b(what|(the\ )?best|all|the\ most)\ (I|we)\ (can|could)\ (do|offer)\b
        | \bwhat\ (I|we)('ll|\ will|'m\ going\ to|\ am\ going\ to|'re\ going\ to|\ are\ going\ to)\ do\ (is|for\ you)\b
        | \b(I|we)('d|\ would)\ (like|love|want)\ to\ (try|do|push|run|send|give|offer|put|add|apply|book|arrange|set|schedule|get|go\ ahead|start)\b
        | \b(one|another|the\ first|the\ next|first|next)\ thing\ (I|we)('d|\ would|\ can|\ could|\ might)?(\ like\ to|\ want\ to)?\ (do|try)\b
        | \b(puedo|podemos|podr[ií]a|podr[ií]amos)\ (te\ |le\ |les\ )?(ofrecer|dar|enviar|mandar|hacer|proponer|aplicar|reenviar|volver|poner|abonar)
        | \b(te|le|les)\ (propongo|ofrezco|puedo\ ofrecer)\b | \blo\ (m[aá]s\ )?(r[aá]pido|f[aá]cil|sencillo|mejor)\ (ser[ií]a|es)\b | \b(qu[eé]\ )?(te|le)\ parece\b | \bqu[eé]\ tal\ si\b
        | \b(je|nous)\ (peux|pouvons|pourrais|pourrions)\ (vous\ |te\ )?(proposer|offrir|faire|envoyer|accorder|appliquer|renvoyer)\b | \bje\ (vous|te)\ propose\b | \bça\ vous\ (va|convient|irait)\b | \bque\ diriez-vous\b
        | \b(ich|wir)\ (kann|k[öo]nnte|k[öo]nnen|k[öo]nnten)\ (ihnen|dir|euch)\b | \b(ich|wir)\ (schlage|schlagen)\ (ihnen\ |dir\ |euch\ )?vor\b | \bwie\ w[äa]re\ es\b | \bw[äa]re\ (ihnen\ )?das\ (recht|ok|in\ ordnung)\b
        | \b(posso|possiamo|potrei|potremmo)\ (offrir|propor|dar|inviar|mandar|far|rispedir)\w* | \b(le|ti)\ propongo\b | \b(le|ti)\ va\ bene\b
        | \b(posso|podemos|poderia|poder[ií]amos)\ (te\ |lhe\ )?(oferecer|dar|enviar|mandar|fazer|propor|reenviar)\b | \b(te|lhe)\ proponho\b | \bo\ que\ (acha|achas)\b
        | \b(ik|we|wij)\ (kan|kunnen|zou|zouden)\ (u|je|jou)\b
        | \b(kann|k[öo]nnte|k[öo]nnen|k[öo]nnten)\ (ich|wir)\ (ihnen|dir|euch)\b | \b(kan|kunnen|zou|zouden)\ (ik|we|wij)\ (u|je|jou)\b | \b(puis|pourrais|pouvons|pourrions)-(je|nous)\ (vous|te)\ (proposer|offrir|faire|accorder)\b
        | (ご用意|お付け|ご提供|ご提案|お渡し|付与|差し上げ|お出し)(でき|いたし|し|させ) | いかがでしょう | (は|では)どうでしょう
        | \b(have|had)\ you\ (thought|considered|looked)\ (about|at|into)\b | \bhave\ you\ considered\b | \b(did|do)\ you\ (consider|think\ about)\b
        | \b(I|we)(\ can|\ could|\ might|\ may|'d\ be\ (happy|glad|able)\ to|\ would\ be\ (happy|glad|able)\ to|'m\ (happy|able|allowed)\ to|\ am\ (happy|able|allowed)\ to|'re\ (happy|able)\ to|\ are\ (happy|able)\ to)(\ also|\ still|\ just|\ certainly|\ definitely|\ now|\ instead|\ only)?\ (offer|give|do|add|put|pop|apply|issue|send|arrange|set|go|make|provide|credit|refund|discount|knock|take|waive|extend|upgrade|rebook|book|move|switch|throw|include|load|top|bump|raise|increase|match|reduce|lower|drop|cut|bring|get|reimburse|cover|swap|replace|reship|ship|post|lend|loan|courier|organi[sz]e|stick|text|email|e-mail|message|resend|share|forward|extend|spread|split)\b
        | \b(can|could|shall|may)\ (I|we)\ (offer|give|add|put|pop|apply|issue|send|arrange|set|do|book|rebook|move|switch|credit|knock|take|waive|upgrade|interest\ you)\b
        | \b(how|what)\ about\b
        | \bhow\ (does|would|do)\ (that|this|it)\ (sound|work|suit)\b
        | \bhow's\ that\b
        | \b(would|does|will|could)\ (that|this|it)\ (work|help|suit|do)\b
        | \b(would|is|will)\ (that|this|it)\ be\ (ok|okay|alright|all\ right|acceptable|fine|any\ good)\b
        | \bis\ (that|this)\ (ok|okay|alright|all\ right|acceptable|fine)\b
        | \b(I|we)(\ would|'d)?\ (suggest|recommend|advise)\b
        | \bthe\ (easiest|quickest|simplest|best|fastest|usual)\ (way|option|thing|route|fix|solution)\b
        | \b(what|how\ much)\ (could|can|would|will)\ you\ (manage|afford|pay|spare)\b
        | \bwould\ [^.!?]{0,40}\ (work|help|suit)\ (for\ you)?\s*\?
        | \btell\ you\ what\b
        | \bwhat\ (I|we)(\ want|\ would\ like|'d\ like|\ need|\ plan|\ propose|'d\ suggest|\ would\ suggest)(\ us|\ you)?\ to\ (do|try)\b
        | \blet's\ (try|do|start\ with|go\ with)\b
        | \bthe\ plan\ is\b
        | \b(let\ me|allow\ me\ to)\ (offer|give|add|put|pop|apply|knock|take|credit|arrange|send|book|get|organi[sz]e|set|sort|deliver|ship|post|text|email|move|switch|rebook|extend|spread|split)\b
        | \b(would|will|could|might)\ you\ (consider|be\ open\ to|be\ interested\ in|think\ about|go\ for|try)\b
        | \b(option|alternative|way|fix|solution|route)\ (is|would\ be|could\ be|might\ be)\b
        | \b(one|something|a\ thing|another\ thing)\ (that\ )?(can|could|might|would|may)\ help\b
        | \b(like|love|glad|happy|pleased|able)\ to\ offer\b
        | \boffer\ you\b
        | \bif\ (I|we)\ (send|give|add|put|offer|set|apply|credit|knock|take|arrange|book)\b
        | \b(would|do)\ you\ (like|want|prefer|take|accept)\b
        ",
    )
    .expect("the built-in pattern compiles")
});

/// A part taken off the whole: "15% off the full quote" grants nothing in
/// full.
static PART_OFF: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\boff (the|your) (full|whole|entire|total)\b")
        .expect("the built-in pattern compiles")
});

/// Whether a sentence grants a remedy in full ([`IN_FULL`], not a part off
/// the full price).
fn in_full(text: &str) -> bool {
    IN_FULL.is_match(text) && !PART_OFF.is_match(text)
}

/// A sentence that grants a remedy in full, what the customer asked for:
/// "in full", "the full amount", "all three fees", "the whole charge", "die
/// volle Summe", "la totalidad", "intégralement", "per intero".
static IN_FULL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(in full|the full|full (refund|amount|price|cost|fare|charge|balance|credit|compensation|value|sum)|all (two|three|four|five|six|of (it|them|the \w+)|the (fees|charges|payments|costs))|both (fees|charges|payments)|entire|(whole|total) (amount|fee|charge|balance|cost|price|fare|sum|bill)|every (fee|charge|penny|cent)|everything you (paid|asked|wanted))\b|\b(die volle Summe|den vollen Betrag|den gesamten Betrag|vollst[äa]ndig (erstatt|zur[üu]ck|gutgeschrieben)\w*|in voller H[öo]he|la totalidad|el importe (completo|total|íntegro)|[íi]ntegramente|la totalit[ée]|le montant (total|int[ée]gral)|int[ée]gralement|l'intero importo|per intero|o valor (total|integral)|integralmente|het volledige bedrag|volledig (terug|vergoed|terugbetaald)\w*)\b",
    )
    .expect("the built-in pattern compiles")
});

/// A customer's reply that takes what was proposed: "yes please", "ok,
/// that works", "lovely, thanks", "Tonight itself? Oh that's very good",
/// "klinkt goed", "Parfait, merci", "Sì, va bene", "はい、お願いします";
/// [`REFUSES`] overrules it.
static ACCEPTS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*((really|oh|ah|ooh|wow|oh wow)\W+)*(yes|yeah|yep|ok|okay|sure|great|perfect|lovely|brilliant|amazing|wonderful|fantastic|excellent|awesome|fine|deal|go on|go ahead|please do|thanks|thank you|cheers|that works|that('s| is| would be| will be| sounds|'d be) (great|fine|perfect|lovely|good|brilliant|ok|okay|amazing|wonderful|fantastic|excellent|awesome)|sounds (good|great|fine)|s[ií]|s[iì]|sim|oui|ja|jawohl|claro|vale|genial|perfecto|perfeito|[oó]timo|perfetto|va bene|d'accord|parfait|super|top|prima|gut|genau|graag|dank(e|je|u)|gracias|obrigad[oa]|merci|grazie|ça marche|ca marche|einverstanden|in ordnung|das passt|combinado|beleza|pode ser|certo|akkoord|dat is goed|prima|alright|sure thing|go for it)\b|^\W*(ぜひ|いいですね|それでお願いします)|\b(that's|that is|oh that's) (very |really |so )?(good|great|perfect|brilliant|lovely|wonderful)\b|\b(klinkt|klinken) (goed|prima|top)\b|\b(muy|très|molto|sehr|muito) (bien|bueno|bien|bene|gut|bom)\b|\bdas klingt (gut|besser|prima)\b|^\W*(はい|お願いします|ありがとう|助かります|それで(お願い|大丈夫))",
    )
    .expect("the built-in pattern compiles")
});

/// A customer's reply that says what the human just proposed was offered,
/// and refused, before: "that's what the bot offered", "I already said no
/// to that", "the assistant already offered that", "ya le dije al chat que
/// no", "c'est ce qu'on m'a déjà proposé", "das habe ich schon abgelehnt",
/// "ho già detto di no", "já disse que não", "NÃO. já falei", "heb ik al
/// geweigerd", "それさっき断ったやつ", "だから割引はいいって".
static REFUSED_BEFORE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        \b(that's|that\ is|this\ is|it's|it\ is)\ (exactly\ |just\ |literally\ )?what\ (the\ [\w-]+|your\ [\w-]+|you|they|he|she|it)\ (already\ |just\ )?(offered|suggested|proposed|tried\ to\ (give|sell)|said)\b
        | \b(already|just)\ (offered|suggested|proposed)\ (me\ )?(that|this|it|the\ same)\b
        | \b(offered|suggested|proposed)\ (me\ )?(that|this|it|the\ same(\ thing)?)\ (already|before|earlier)\b
        | \bI\ (already\ |just\ )?(said|told\ (you|them|the\ [\w-]+))\ no\b
        | \bI\ (already\ )?(said|told\ (you|them|the\ [\w-]+))\ (that\ )?I\ (don't|do\ not|didn't|did\ not|won't)\ want\b
        | \balready\ (turned\ (that|it|this)\ down|declined|refused|rejected|said\ no)\b
        | \b(said|told\ you)\ (that|this|it)\ already\b
        | \bya\ (te\ |le\ |les\ )?(lo\ )?(dije|he\ dicho)\ (a\ \w+\ |al\ \w+\ )?que\ no\b | \blo\ que\ (me\ )?(ofreci[oó]|propuso|ofrecieron|propusieron)\b | \bya\ (lo\ )?rechac[eé]\b
        | \bj'ai\ (déjà\ )?dit\ non\b | \bdéjà\ (refusé|dit\ non)\b | \bce\ qu(e|')\ ?(on|le\ \w+|l'\w+|vous)\ m'a(vez)?\ (déjà\ )?(proposé|offert)\b | \bm'a\ déjà\ (été\ )?proposé\b
        | \b(habe|hab|hatte)\ ich\ (doch\ |schon\ |bereits\ )+(abgelehnt|nein\ gesagt)\b | \b(schon|bereits)\ (abgelehnt|angeboten)\b
        | \bho\ già\ (detto\ (di\ )?no|rifiutato)\b | \bgià\ (offert|propost)\w* | \bquello\ che\ mi\ (ha|hanno)\ (già\ )?(offerto|proposto)\b
        | \bj[áa]\ (disse|falei)\ (que\ )?n[ãa]o\b | \bj[áa]\ (recusei|rejeitei)\b | \bo\ que\ (o\ \w+|a\ \w+|voc[êe]s?)\ (me\ )?(j[áa]\ )?(ofereceu|prop[ôo]s|ofereceram)\b
        | \bik\ heb\ (al\ )?nee\ gezegd\b | \bal\ (aangeboden|geweigerd|afgewezen)\b
        | \b(ik\ )?(zei|heb)\ (toch\ )?al\ (nee|geweigerd)\b | \bheb\ ik\ (toch\ )?al\ (nee\ gezegd|geweigerd|afgeslagen)\b
        | \bn[ãa]o\W+j[áa]\ (disse|falei)\b | \bj[áa]\ tinha\ (dito\ que\ n[ãa]o|recusado)\b
        | \bya\ me\ (lo\ |la\ )?(ofreci[oó]|ofrecieron|hab[ií]an\ ofrecido)\b | \bya\ (lo\ |la\ )?hab[ií]a\ rechazado\b
        | \bon\ me\ l'a\ déjà\ (proposé|offert)\b
        | \b(hat|haben)\ mir(\ \w+){0,4}\ (schon|bereits)\ angeboten\b
        | \bsame\ (offer|thing)\ (as|that)\ (the\ )?[\w-]+\b | \b(schon\ wieder|di\ nuovo|de\ novo|otra\ vez|encore)\W+(nein|no|n[ãa]o|non)\b | \bagain\W+no\b | また[？?]\s*(いりません|いらない|結構)
        | (さっき|先ほど|さきほど|前に|もう)[^。]{0,8}(断っ|断り|お断り) | だから[^。]{0,6}(いい|いらない|結構)って | (それ|その件)は?(さっき|もう)断
        ",
    )
    .expect("the built-in pattern compiles")
});

/// A reply that refuses, even after an "ok": "ok, but I want a refund".
static REFUSES: LazyLock<regex::Regex> = LazyLock::new(|| {
    // A resigned "ok whatever", "fine, I guess" gives in; it takes nothing;
    // "that's fine, the refund is all I needed" says no more is wanted;
    // "ja, aber ...", "sí, pero ...", "はい、でも…" refuse in other languages.
    regex::Regex::new(r"(?i)\b(no|not|don't|do not|but|rather|prefer|instead|never|whatever|i guess|if i must|i suppose|all i (need|needed|want|wanted|asked for)|is enough|i'm (good|fine|ok|okay)|i am (good|fine|ok|okay)|aber|nein|nicht|pero|mais|maar ik|nee|non|não|nao|prefiero|prefiro|préfère|lieber|preferisco|liever)\b|いや|でも|けど|結構です")
        .expect("the built-in pattern compiles")
});

/// Where a turn's sentences end: `.`, `!`, `?` or `…` before white space,
/// or a line break ("$40.50" stays whole).
static SENTENCE_END: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"[.!?…]+(\s+|$)|\n+").expect("the built-in pattern compiles")
});

/// The family a remedy kind belongs to when a human proposes it: credit,
/// vouchers and discounts are all value to spend with the business, and a
/// customer who refused one has refused the others in other words.
fn family(kind: &str) -> &str {
    match kind {
        "credit" | "voucher" | "discount" => "store value",
        other => other,
    }
}

/// Where a bundle's parts divide: "€200 refund plus €400 voucher".
static BUNDLE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\s*(?:\+|&|\bplus\b|\band\b|\bwith\b)\s*|,\s+")
        .expect("the built-in pattern compiles")
});

/// Words of a rejected offer that do not say what the remedy is: function
/// words of the supported languages, the words an offer record is written
/// in ("offered", "declined", "customer"), units of time and money, and the
/// things remedies are paid onto ("account", "card", "amount").
const NOT_REMEDY_WORDS: &[&str] = &[
    // English.
    "the",
    "and",
    "for",
    "you",
    "your",
    "our",
    "one",
    "two",
    "three",
    "off",
    "per",
    "with",
    "from",
    "this",
    "that",
    "all",
    "any",
    "new",
    "next",
    "free",
    "full",
    "their",
    "her",
    "his",
    "its",
    "was",
    "are",
    "were",
    "has",
    "have",
    "had",
    "not",
    "but",
    "via",
    "into",
    "onto",
    "back",
    "also",
    "same",
    "only",
    "until",
    "then",
    "them",
    "they",
    "she",
    // The record's own words.
    "offer",
    "offered",
    "offering",
    "offers",
    "declined",
    "decline",
    "rejected",
    "refused",
    "turned",
    "down",
    "customer",
    "client",
    "bot",
    "assistant",
    "proposed",
    "suggested",
    "said",
    "accepted",
    "want",
    "wanted",
    "didn",
    "did",
    "wasn",
    "interested",
    "asked",
    // What a customer says around what they ask for ("I need…", "why
    // should I…"), which names nothing they ask for.
    "can",
    "need",
    "don",
    "have",
    "just",
    "get",
    "got",
    "like",
    "please",
    "now",
    "what",
    "why",
    "how",
    "who",
    "will",
    "would",
    "should",
    "already",
    "never",
    "yes",
    "yeah",
    "okay",
    "sorry",
    "thanks",
    "thank",
    "honestly",
    "really",
    "think",
    "know",
    "told",
    "again",
    "still",
    "even",
    "because",
    "about",
    "which",
    "there",
    "here",
    "this",
    "these",
    "those",
    "going",
    "make",
    "veux",
    "voudrais",
    "quiero",
    "quero",
    "voglio",
    "wil",
    "möchte",
    "brauche",
    "preciso",
    "necesito",
    "ho",
    "heb",
    "habe",
    "tengo",
    "tenho",
    "merci",
    "gracias",
    "obrigado",
    "grazie",
    "danke",
    "bedankt",
    "non",
    "nee",
    "nein",
    "não",
    "nao",
    "pas",
    // Time and money units, and what value is paid onto.
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
    "euro",
    "euros",
    "eur",
    "dollar",
    "dollars",
    "usd",
    "cad",
    "aud",
    "pound",
    "pounds",
    "gbp",
    "reais",
    "real",
    "brl",
    "cent",
    "cents",
    "account",
    "card",
    "amount",
    "payment",
    "total",
    "kaart",
    "bedrag",
    "rekening",
    "carte",
    "compte",
    "montant",
    "tarjeta",
    "cuenta",
    "importe",
    "cartão",
    "cartao",
    "conta",
    "valor",
    "konto",
    "karte",
    "betrag",
    "conto",
    "importo",
    "carta",
    // Dutch.
    "het",
    "een",
    "van",
    "als",
    "voor",
    "met",
    "uw",
    "jouw",
    "naar",
    "aan",
    "bij",
    "ook",
    "nog",
    // French.
    "les",
    "des",
    "une",
    "pour",
    "sur",
    "vous",
    "votre",
    "vos",
    "avec",
    "dans",
    "par",
    "sur",
    // Spanish and Portuguese.
    "los",
    "las",
    "del",
    "para",
    "por",
    "una",
    "con",
    "sus",
    "uma",
    "dos",
    "das",
    "com",
    "seu",
    "sua",
    "seus",
    "suas",
    "nos",
    "nas",
    "pelo",
    "pela",
    // Italian.
    "gli",
    "della",
    "dello",
    "delle",
    "degli",
    "per",
    "con",
    "tuo",
    "tua",
    "suo",
    // German.
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einen",
    "einem",
    "für",
    "mit",
    "auf",
    "ihr",
    "ihre",
    "ihren",
    "ihrem",
    "und",
    "von",
];

/// Latin letters without their accents, so that "crédit" is "credit".
fn unaccented(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        other => other,
    }
}

/// Characters a remedy word's stem keeps.
const REMEDY_STEM: usize = 5;

/// The stems of a text's words that can name a remedy: lower-cased,
/// unaccented, a plural `s` dropped, cut to [`REMEDY_STEM`] characters;
/// amounts and [`NOT_REMEDY_WORDS`] left out.
fn remedy_stems(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !word.chars().any(|c| c.is_ascii_digit()))
        .map(|word| word.to_lowercase())
        .filter(|word| word.chars().count() >= 3 && !NOT_REMEDY_WORDS.contains(&word.as_str()))
        .map(|word| {
            let mut chars: Vec<char> = word.chars().map(unaccented).collect();
            if chars.len() > 3 && chars.last() == Some(&'s') {
                chars.pop();
            }
            chars.into_iter().take(REMEDY_STEM).collect()
        })
        .collect();
    stems.sort_unstable();
    stems.dedup();
    stems
}

/// A sentence that offers in its own words, in any supported language: a
/// speaker who says they can or will do something ("I can", "we could",
/// "ik kan", "posso", "je peux", "puedo", "ich kann") or asks whether they
/// should ("shall I…?", "do you want me to…?").
static OFFERS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        \b(I|we)(\ can|\ could|'ll|\ will|'m\ able\ to|\ am\ able\ to|'d\ be\ (happy|glad)\ to)\b
        | \b(shall|should)\ (I|we)\b
        | \b(do|would)\ you\ (want|like)\ (me|us)\ to\b
        | \b(ik|we|wij)\ (kan|kunnen|zou|zouden|wil|willen)\b | \b(kan|kunnen|zal|zullen)\ (ik|we|wij)\b
        | \b(je|nous)\ (peux|pouvons|pourrais|pourrions|vais|allons)\b | \b(puis|pourrais|pouvons|pourrions)-(je|nous)\b
        | \b(puedo|podemos|podr[ií]a|podr[ií]amos)\b | \b(te|le|les)\ (ofrezco|propongo)\b
        | \b(posso|podemos|poderia|poder[ií]amos|possiamo|potrei|potremmo)\b | \b(te|lhe|ti|le)\ (ofere[çc]o|proponho|offro|propongo)\b
        | \b(ich|wir)\ (kann|k[öo]nnen|k[öo]nnte|k[öo]nnten|w[üu]rde|w[üu]rden)\b | \b(kann|k[öo]nnte|k[öo]nnen|soll|sollen)\ (ich|wir)\b
        # Asking whether the customer would rather have it: would you prefer
        # a voucher?, te interesaría mejor un bono?, préféreriez-vous,
        # hätten Sie Interesse an, ti interesserebbe, prefere.
        | \b(would|do)\ you\ (prefer|rather|like|want|be\ interested)\b | \b(are|were)\ you\ interested\b | \binterested\ in\b
        | \b(te|le|les|os)\ (interesa|interesar[ií]a|apetece|parece|vendr[ií]a)\b | \b(prefieres|prefiere|preferir[ií]as?)\b
        | \b(vous|t')\ (int[ée]resse|int[ée]resserait|conviendrait)\b | \b(pr[ée]f[ée]rez|pr[ée]f[ée]reriez|pr[ée]f[eè]res)(-vous)?\b
        | \b(h[äa]tten|h[äa]ttest|m[öo]chten|m[öo]chtest|w[üu]rden|w[üu]rdest)\ (Sie|du)\b | \bInteresse\ an\b
        | \b(ti|le|vi)\ (interessa|interesserebbe|andrebbe|va)\b | \b(preferisce|preferisci|preferirebbe|preferiresti)\b
        | \b(prefere|preferiria|gostaria|quer|queria)\b[^.!?]*\?
        | \b(wilt|zou|wil)\ (u|je|jij)\b | \b(heeft|hebt|heb)\ (u|je)\ interesse\b
        ",
    )
    .expect("the built-in pattern compiles")
});

/// What a speaker can do that offers nothing: see, check, explain,
/// understand ("I can see the credit", "je peux comprendre", "posso
/// verificar"), and a modal said in the negative ("I can't", "no puedo").
static NOT_OFFERING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        \b(I|we)\ (can|could|will|'ll)(\ only|\ also|\ just)?\ (see|check|look|understand|explain|confirm|tell|hear|imagine|assure|ask|verify|find|appreciate|read|follow|get\ why|only\ apologi[sz]e)\b
        | \b(can't|cannot|can\ not|couldn't|could\ not|won't|will\ not|unable)\b
        | \b(peux|pouvons|puis)(-je|-nous)?\ (voir|comprendre|vérifier|expliquer|confirmer)\b | \bne\ (peux|pouvons|pourrais|pourrions|puis)\b
        | \b(puedo|podemos)\ (ver|entender|comprender|verificar|explicar|confirmar|revisar)\b | \bno\ (puedo|podemos|podr[ií]a)\b
        | \b(posso|podemos|possiamo)\ (ver|vedere|entender|capire|verificar|verificare|explicar|spiegare|confirmar|confermare)\b | \bn[ãa]o\ (posso|podemos|poderia)\b | \bnon\ (posso|possiamo|potrei)\b
        | \b(kan|kunnen)\ (ik|we|wij)?\ ?(zien|begrijpen|controleren|uitleggen|bevestigen)\b | \b(kan|kunnen)\ (ik\ |we\ |wij\ )?(u\ |je\ )?(niet|geen)\b
        | \b(kann|k[öo]nnen)\ (ich\ |wir\ )?(sehen|verstehen|pr[üu]fen|erkl[äa]ren|best[äa]tigen)\b | \b(kann|k[öo]nnen)\ (ich\ |wir\ )?(ihnen\ |dir\ )?(nicht|kein)\w*\b
        ",
    )
    .expect("the built-in pattern compiles")
});

/// A sentence that only mentions the earlier offer: "you were offered a
/// credit", "the bot suggested a voucher", "on vous a proposé", "le
/// ofrecieron", "lhe ofereceram", "ti hanno offerto", "wurde Ihnen
/// angeboten", "is u aangeboden".
static MENTIONS_OFFER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?ix)
        \b(were|was|been|got)\ (offered|proposed|suggested)\b
        | \b(bot|assistant|agent|chat|system|virtual\ \w+|they|it)\ (had\ |has\ |already\ )?(offered|proposed|suggested)\b
        | \b(earlier|previous|first|original|that)\ offer\b
        | \b(on\ vous\ a|vous\ a\ été|il\ vous\ a|l'\w+\ vous\ a)\ (déjà\ )?(proposé|offert)\b
        | \b(le|te|les)\ (ofrecieron|ofreció|propusieron|propuso|hab[ií]an\ ofrecido)\b
        | \b(lhe|te)\ (ofereceram|ofereceu|propuseram|prop[ôo]s)\b | \bfoi\ (oferecid|propost)
        | \b(ti|le|vi)\ (hanno|ha|aveva)\ (gi[àa]\ )?(offerto|proposto)\b
        | \b(wurde|wurden)\ (ihnen|dir)\ [^.!?]{0,30}(angeboten|vorgeschlagen)\b
        | \b(is|werd|was)\ (u|je|jou)\ [^.!?]{0,30}(aangeboden|voorgesteld)\b
        ",
    )
    .expect("the built-in pattern compiles")
});

/// The families of remedy kinds a word-based repeat may cross: a fee
/// refunded is the fee waived.
fn word_family(kind: &str) -> &str {
    match kind {
        "refund" | "waiver" => "money back",
        other => family(other),
    }
}

/// The words a text names something by: capitalised words after its first
/// ("Repair at AutoFix Industrial Area", "Appointment on 30 November"), not
/// initials ("OV-kaart").
fn named(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .skip(1)
        .filter(|word| {
            let mut chars = word.chars();
            chars.next().is_some_and(char::is_uppercase)
                && chars.clone().count() >= 2
                && chars.any(char::is_lowercase)
        })
        .collect()
}

/// The words a text names something by with a number after them ("Site
/// C-4", "room 204", "slot no. 3"), lowercased: `(word, number)` pairs.
fn numbered(text: &str) -> Vec<(String, String)> {
    static NUMBERED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(\p{L}{3,})\s+(?:no\.?\s*|n[º°]\s*|#\s*)?([A-Z]{0,3}-?\d[\w-]*)")
            .expect("the built-in pattern compiles")
    });
    NUMBERED
        .captures_iter(text)
        .map(|caps| (caps[1].to_lowercase(), caps[2].to_lowercase()))
        .collect()
}

/// Whether `offered` names another one of the rejected offer's kind by a
/// number: the same word with another number after it ("Site 31" after
/// "Site C-4", "room 310" after "room 204"), and the rejected one's number
/// nowhere. `rejected` is the rejected offer's [`numbered`] words.
fn another_by_number(rejected: &[(String, String)], offered: &str) -> bool {
    if rejected.is_empty() {
        return false;
    }
    let offered_lower = offered.to_lowercase();
    numbered(offered).iter().any(|(word, number)| {
        rejected.iter().any(|(was_word, was_number)| {
            was_word == word && was_number != number && !offered_lower.contains(was_number.as_str())
        })
    })
}

/// A compromise or an amount proposed: "the fairest thing is", "meet you in
/// the middle", "split the difference", "would $20 work?", "would you
/// accept", "what if I gave you", "could we settle at", "I could go to $20",
/// "can I offer you", "how about $20 off".
static MEETS_HALFWAY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(the )?(fairest|fair) (thing|way|option|outcome)\b|\bmeet (you )?(in the middle|halfway|half-way|half way)\b|\bsplit the difference\b|\bcompromise\b|\bwould ([\w$£€.,-]+ ){1,3}(work|be (ok|okay|alright|all right|acceptable|fine|enough)|do|help|suffice)\b|\bwould you (accept|take|settle for|consider)\b|\bwhat if (I|we)\b|\b(could|can|shall) we (settle|agree|do)\b|\bsettle (at|on|for)\b|\b(I|we) (can|could) (do|go (up )?to|stretch to|manage|offer( you)?)\s*[$£€\d]|\b(can|could|may) (I|we) offer you\b|\bhow about [$£€\d]",
    )
    .expect("the built-in pattern compiles")
});

/// Whether a sentence offers ([`PROPOSES`], or [`OFFERS`] once what
/// [`NOT_OFFERING`] says is taken out: "I can't waive it, but I can add a
/// credit" still offers).
fn offers(sentence: &str) -> bool {
    PROPOSES.is_match(sentence)
        || (OFFERS.is_match(sentence) && OFFERS.is_match(&NOT_OFFERING.replace_all(sentence, " ")))
}

/// Something the customer turned down before the handoff.
#[derive(Debug, Clone)]
pub struct RejectedOffer {
    pub event: Option<usize>,
    pub text: String,
    pub amount: Option<Amount>,
    /// The part of a bundle this is ("€400 voucher"), when it is one.
    pub part: Option<String>,
    /// The words `text` names things by with a number ([`numbered`]).
    numbered: Vec<(String, String)>,
    /// The key terms of what this offer is ([`RejectedOffer::described`]),
    /// numbers left out: what an offer of the same amount must name.
    terms: Vec<Term>,
}

/// The key terms of `text` that are not numbers (an offer's amount or
/// reference says nothing of what it is).
fn terms_without_numbers(text: &str) -> Vec<Term> {
    let mut terms = key_terms(text);
    terms.retain(|term| !term.word().bytes().any(|b| b.is_ascii_digit()));
    terms
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
            (names_remedy(&text) && DECLINED.is_match(&text) && !FAILED_ATTEMPT.is_match(&text))
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
    let numbered = numbered(text);
    if parts.len() >= 2 {
        return parts
            .into_iter()
            .map(|part| RejectedOffer {
                event,
                text: text.to_string(),
                amount: amounts(part).into_iter().next(),
                part: Some(part.to_string()),
                numbered: numbered.clone(),
                terms: terms_without_numbers(part),
            })
            .collect();
    }
    vec![RejectedOffer {
        event,
        text: text.to_string(),
        amount: total.or_else(|| amounts(text).into_iter().next()),
        part: None,
        numbered,
        terms: terms_without_numbers(text),
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

/// Whether a proposal restates a rejected remedy that no kind names: at
/// least two key terms, and at least half of the rejected one's ("a
/// temporary SIM with a new number" after "temporary number while the port
/// completes").
fn restates_loosely(rejected: &str, proposed: &str) -> bool {
    // Numbers are the case's (18 rooms, order 7731), not the remedy's.
    let terms = terms_without_numbers(rejected);
    let found = terms_found(&terms, proposed).len();
    found >= 2 && found * 2 >= terms.len()
}

/// A clock time: "07:05", "7:05pm", "14h30" ("7.05" may be money).
static CLOCK_TIME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b([01]?\d|2[0-3])[:h]([0-5]\d)\s?(am|pm|a\.m\.|p\.m\.)?(\W|$)")
        .expect("the built-in pattern compiles")
});

/// A day of the week, in full, or cut short before a date ("Sat 8 Nov";
/// a bare "sat" or "sun" is another word).
static WEEKDAY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(mon|tue|wed|thu|fri|sat|sun)(day|sday|nesday|rsday|urday|\.?\s+\d+|s\.?\s+\d+|rs\.?\s+\d+)\b",
    )
    .expect("the built-in pattern compiles")
});

/// The clock times a text names, in minutes after midnight.
fn clock_times(text: &str) -> Vec<u32> {
    CLOCK_TIME
        .captures_iter(text)
        .filter_map(|caps| {
            let hour: u32 = caps[1].parse().ok()?;
            let minute: u32 = caps[2].parse().ok()?;
            let pm = caps
                .get(3)
                .is_some_and(|m| m.as_str().to_ascii_lowercase().starts_with('p'));
            let hour = if pm && hour < 12 { hour + 12 } else { hour };
            Some(hour * 60 + minute)
        })
        .collect()
}

/// The weekdays a text names, by their first three letters.
fn weekdays(text: &str) -> Vec<String> {
    WEEKDAY
        .captures_iter(text)
        .map(|caps| caps[1].to_ascii_lowercase())
        .collect()
}

/// Whether a proposal names again the slot of a rejected one: the same
/// clock time and, when the rejected offer named a weekday, that weekday
/// ("the 7:05 on Saturday" after "rebook onto Saturday 07:05" was turned
/// down). A different departure is a different offer.
fn same_slot(rejected: &str, proposed: &str) -> bool {
    let times = clock_times(rejected);
    if times.is_empty() || !clock_times(proposed).iter().any(|t| times.contains(t)) {
        return false;
    }
    let days = weekdays(rejected);
    days.is_empty() || weekdays(proposed).iter().any(|d| days.contains(d))
}

/// At most this many words, a proposing sentence ("Would that help?", "Is
/// that ok with you?") asks about the sentence before it.
const SHORT_QUESTION_WORDS: usize = 6;

/// The sentences of a text (see [`SENTENCE_END`]).
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    SENTENCE_END
        .split(text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A rejected offer that `kinds` (a proposal's remedy kinds) or, for a
/// remedy no kind names, `text` proposes again, with the kind it is.
fn proposed_again<'r>(
    rejected: &'r [(RejectedOffer, Vec<&str>)],
    kinds: &[&str],
    text: &str,
) -> Option<(&'r RejectedOffer, String)> {
    rejected.iter().find_map(|(offer, rejected_kinds)| {
        if same_slot(offer.described(), text) {
            let kind = rejected_kinds.first().copied().unwrap_or("slot");
            return Some((offer, kind.to_string()));
        }
        if rejected_kinds.is_empty() {
            return (offer.part.is_none() && restates_loosely(&offer.text, text))
                .then(|| (offer, "remedy".to_string()));
        }
        kinds
            .iter()
            .find(|k| rejected_kinds.iter().any(|r| family(r) == family(k)))
            .map(|k| (offer, k.to_string()))
    })
}

/// Whether a human `offer` event's description restates a rejected offer's:
/// at least two key terms, and at least two thirds of the rejected one's.
fn restates(rejected: &str, offered: &str) -> bool {
    let terms = key_terms(rejected);
    let found = terms_found(&terms, offered).len();
    found >= 2 && found * 3 >= terms.len() * 2
}

/// Whether the customer took what event `index` proposed: a human `offer`
/// event recorded as accepted before the customer speaks, or a reply that
/// accepts. A remedy the customer takes at a new amount met them; one they
/// refuse again was pushed again.
fn accepted_after(conversation: &Conversation, index: usize) -> bool {
    for (i, event) in conversation.events.iter().enumerate().skip(index + 1) {
        match &event.kind {
            EventKind::Offer {
                by: OfferBy::Human,
                response,
                ..
            } => return matches!(response, OfferResponse::Accepted),
            EventKind::Turn {
                speaker: Speaker::Customer,
                ..
            } => {
                let reply = conversation.matching_text(i).unwrap_or_default();
                return ACCEPTS.is_match(reply) && !REFUSES.is_match(reply);
            }
            _ => {}
        }
    }
    false
}

/// What the customer asked for instead when they turned an offer down, as
/// numbers: "I'd like twelve instalments", "ich will die 94 Euro zurück";
/// the numbers of the customer's first turn after each rejected `offer`
/// event, less those the rejected offers named themselves.
fn counter_numbers(
    conversation: &Conversation,
    rejected: &[(RejectedOffer, Vec<&str>)],
) -> Vec<f64> {
    let mut counters = Vec::new();
    for (offer, _) in rejected {
        let Some(at) = offer.event else { continue };
        let reply = conversation
            .events
            .iter()
            .enumerate()
            .skip(at + 1)
            .find(|(_, event)| {
                matches!(
                    event.kind,
                    EventKind::Turn {
                        speaker: Speaker::Customer,
                        ..
                    }
                )
            })
            .and_then(|(i, _)| conversation.matching_text(i));
        counters.extend(numbers_said(reply.unwrap_or_default()));
    }
    let named: Vec<f64> = rejected
        .iter()
        .flat_map(|(offer, _)| {
            numbers_said(&offer.text)
                .into_iter()
                .chain(offer.amount.as_ref().map(|a| a.value))
        })
        .collect();
    counters.retain(|c| !named.iter().any(|n| (n - c).abs() < 0.005));
    counters
}

/// Whether a sentence names a number the customer asked for instead
/// ([`counter_numbers`]): it grants the counter-request, no repeat.
fn grants_counter(sentence: &str, counters: &[f64]) -> bool {
    !counters.is_empty()
        && numbers_said(sentence)
            .iter()
            .any(|n| counters.iter().any(|c| (n - c).abs() < 0.005))
}

/// The failing outcome: the rejected offer and the event that repeats it.
fn repeat(
    conversation: &Conversation,
    offer: &RejectedOffer,
    kind: &str,
    index: usize,
    how: &str,
) -> Outcome {
    let rejected_evidence = match offer.event {
        Some(i) => Evidence::event(conversation, i),
        None => Evidence::default(),
    }
    .with_text(&offer.text)
    .with_note("rejected before the handoff");
    Outcome::fail(format!(
        "the human {how} the {kind} the customer rejected (\"{}\")",
        offer.text
    ))
    .with(rejected_evidence)
    .with(Evidence::event(conversation, index).matched(kind))
}

/// The customer's reply to human turn `index`, when it says that what the
/// human proposed was offered and refused before the handoff.
fn refused_before(conversation: &Conversation, index: usize) -> Option<usize> {
    for (i, event) in conversation.events.iter().enumerate().skip(index + 1) {
        if let EventKind::Turn { speaker, .. } = &event.kind {
            return match speaker {
                Speaker::Customer => {
                    let reply = conversation.matching_text(i).unwrap_or_default();
                    REFUSED_BEFORE.is_match(reply).then_some(i)
                }
                _ => None,
            };
        }
    }
    None
}

impl OfferNotRepeated {
    fn remedies(&self) -> &RemedyTable {
        self.remedies.as_ref().unwrap_or(&DEFAULT_REMEDIES)
    }

    /// Whether event `index` offers again a rejected remedy of the same
    /// kind for the same amount (or one that named none), or, as a human
    /// `offer` event, restates one in its key terms.
    fn same_offer<'r>(
        &self,
        conversation: &Conversation,
        index: usize,
        rejected: &'r [(RejectedOffer, Vec<&'r str>)],
        counters: &[f64],
        ignore: &Patterns,
    ) -> Option<(&'r RejectedOffer, &'r str)> {
        let event = &conversation.events[index];
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
            _ => return None,
        };
        let text = conversation.matching_text(index).unwrap_or_default();
        let is_turn = matches!(event.kind, EventKind::Turn { .. });
        if !is_turn {
            return self.same_offer_in(text, is_turn, stated_amount, rejected);
        }
        // A turn offers in its sentences; one about the rejection or about
        // what the record shows ("I see the $520 credit") offers nothing,
        // and one that grants what the customer asked for meets them.
        sentences(text)
            .filter(|s| {
                let grants =
                    (in_full(s) && self.remedies().names_any(s)) || grants_counter(s, counters);
                !(ignore.is_match(s) || observes(s) || grants)
            })
            .find_map(|s| self.same_offer_in(s, is_turn, stated_amount, rejected))
    }

    /// [`Self::same_offer`] for one text: a turn's sentence or an `offer`
    /// event's description.
    fn same_offer_in<'r>(
        &self,
        text: &str,
        is_turn: bool,
        stated_amount: Option<f64>,
        rejected: &'r [(RejectedOffer, Vec<&'r str>)],
    ) -> Option<(&'r RejectedOffer, &'r str)> {
        let kinds = self.remedies().kinds_in(text);
        let restated = !is_turn
            && rejected
                .iter()
                .any(|(offer, _)| offer.part.is_none() && restates(&offer.text, text));
        let mut offered: Vec<Amount> = amounts(text);
        if let Some(value) = stated_amount {
            offered.push(Amount {
                value,
                percent: false,
            });
        }
        if kinds.is_empty() && !restated {
            // The amount refused, proposed again in words no kind names:
            // "$42.50 back on your card" turned down, then "we knock the fee
            // down to $42.50".
            // An offer of the same amount counts when it is of the same
            // thing (a key word of the refused offer: "fee"), not "the
            // receipt for the $42.50 deposit"; a compromise proposed at
            // that amount counts whatever it names ("would $20 work?").
            let proposes = MEETS_HALFWAY.is_match(text);
            if !is_turn || !(proposes || offers(text)) {
                return None;
            }
            let words = key_terms(text);
            return rejected.iter().find_map(|(offer, _)| {
                let amount = offer.amount?;
                let same_thing = proposes || offer.terms.iter().any(|term| words.contains(term));
                (same_thing && offered.iter().any(|o| o.same_as(&amount)))
                    .then_some((offer, "remedy"))
            });
        }
        for (offer, rejected_kinds) in rejected {
            if another_by_number(&offer.numbered, text) {
                continue;
            }
            let same_kind = rejected_kinds.iter().find(|k| kinds.contains(k)).copied();
            let kind = match same_kind {
                Some(kind) => kind,
                None if !is_turn && offer.part.is_none() && restates(&offer.text, text) => "remedy",
                None => continue,
            };
            let same_amount = match offer.amount {
                None => true,
                Some(amount) => offered.iter().any(|o| o.same_as(&amount)),
            };
            if same_amount {
                return Some((offer, kind));
            }
        }
        None
    }

    /// Whether event `index` proposes again, at any amount, a remedy the
    /// customer rejected: a human turn's sentence that proposes one of its
    /// family (not in full, not about the rejection), or a human `offer`
    /// event of its family that does not record a grant in full.
    fn proposal<'r>(
        &self,
        conversation: &Conversation,
        index: usize,
        rejected: &'r [(RejectedOffer, Vec<&str>)],
        counters: &[f64],
        granted_in_full: &mut bool,
    ) -> Option<(&'r RejectedOffer, String)> {
        let remedies = self.remedies();
        let text = conversation.matching_text(index).unwrap_or_default();
        match &conversation.events[index].kind {
            EventKind::Turn {
                speaker: Speaker::Human,
                ..
            } => {
                *granted_in_full = in_full(text) && remedies.names_any(text);
                if !PROPOSES.is_match(text) {
                    return None;
                }
                let ignore = self.ignore.as_ref().unwrap_or(&DEFAULT_IGNORE);
                let all: Vec<&str> = sentences(text).collect();
                (0..all.len()).find_map(|i| {
                    let s = all[i];
                    if !PROPOSES.is_match(s)
                        || in_full(s)
                        || grants_counter(s, counters)
                        || ignore.is_match(s)
                    {
                        return None;
                    }
                    proposed_again(rejected, &remedies.kinds_in(s), s).or_else(|| {
                        // A short question asks about the sentence before it:
                        // "…a three-month payment break. Would that help?"
                        let previous = all.get(i.checked_sub(1)?)?;
                        if s.split_whitespace().count() > SHORT_QUESTION_WORDS
                            || in_full(previous)
                            || ignore.is_match(previous)
                        {
                            return None;
                        }
                        proposed_again(rejected, &remedies.kinds_in(previous), previous)
                    })
                })
            }
            EventKind::Offer {
                by: OfferBy::Human,
                response,
                ..
            } => {
                let accepted = matches!(response, OfferResponse::Accepted);
                if std::mem::take(granted_in_full) || accepted || in_full(text) {
                    return None;
                }
                let kinds = remedies.kinds_in(text);
                proposed_again(rejected, &kinds, text)
            }
            _ => None,
        }
    }

    /// Whether human turn `index` offers again, in the rejected offer's own
    /// words, a remedy the customer rejected: a sentence that offers
    /// ([`offers`]) and names one of the rejected offer's remedy words
    /// ([`remedy_stems`]), at any amount; not one that grants in full, talks
    /// about the rejection or only mentions the earlier offer, nor one that
    /// names a remedy of another family than the rejected offer's.
    fn repeated_in_words<'r>(
        &self,
        conversation: &Conversation,
        index: usize,
        rejected: &'r [(RejectedOffer, Vec<&str>)],
        stems: &[Vec<String>],
        counters: &[f64],
    ) -> Option<(&'r RejectedOffer, String)> {
        if !matches!(
            conversation.events[index].kind,
            EventKind::Turn {
                speaker: Speaker::Human,
                ..
            }
        ) {
            return None;
        }
        let remedies = self.remedies();
        let ignore = self.ignore.as_ref().unwrap_or(&DEFAULT_IGNORE);
        let text = conversation.matching_text(index).unwrap_or_default();
        sentences(text).find_map(|s| {
            if ignore.is_match(s)
                || observes(s)
                || MENTIONS_OFFER.is_match(s)
                || in_full(s)
                || grants_counter(s, counters)
                || !offers(s)
            {
                return None;
            }
            let said = remedy_stems(s);
            let kinds = remedies.kinds_in(s);
            rejected
                .iter()
                .zip(stems)
                .find_map(|((offer, rejected_kinds), offer_stems)| {
                    let word = offer_stems.iter().find(|stem| said.contains(stem))?;
                    // Another one of its kind: the rejected offer named its
                    // place, provider or date ("AutoFix Industrial Area",
                    // "30 November") and this sentence names none of them.
                    let names = named(&offer.text);
                    if !names.is_empty() && !names.iter().any(|name| has_token(s, name)) {
                        return None;
                    }
                    let other_family = !rejected_kinds.is_empty()
                        && !kinds.is_empty()
                        && !kinds.iter().any(|k| {
                            rejected_kinds
                                .iter()
                                .any(|r| word_family(r) == word_family(k))
                        });
                    (!other_family).then(|| (offer, format!("remedy (\"{word}…\")")))
                })
        })
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
        let stems: Vec<Vec<String>> = rejected
            .iter()
            .map(|(offer, _)| remedy_stems(&matching_form(offer.described())))
            .collect();
        // What the customer asked for instead, once for the conversation.
        let counters = counter_numbers(conversation, &rejected);
        // Whether the last human turn granted a remedy in full: the `offer`
        // event that records it is no repeat either.
        let mut granted_in_full = false;
        for index in connected + 1..conversation.events.len() {
            if let Some((offer, kind)) =
                self.same_offer(conversation, index, &rejected, &counters, ignore)
            {
                return repeat(conversation, offer, kind, index, "offered again");
            }
            if let Some((offer, kind)) = self.proposal(
                conversation,
                index,
                &rejected,
                &counters,
                &mut granted_in_full,
            ) && !accepted_after(conversation, index)
            {
                return repeat(conversation, offer, &kind, index, "proposed again");
            }
            if let Some((offer, kind)) =
                self.repeated_in_words(conversation, index, &rejected, &stems, &counters)
                && !accepted_after(conversation, index)
            {
                return repeat(conversation, offer, &kind, index, "proposed again");
            }
            // Words no kind names, said back by the customer: a human turn
            // that proposes, names a remedy or puts an option to the
            // customer in other words, answered "that's what the bot
            // offered, I said no". The reply is read first: it is rare, and
            // the turn's patterns need not run on every human turn.
            if let EventKind::Turn {
                speaker: Speaker::Human,
                ..
            } = &conversation.events[index].kind
                && let Some(reply) = refused_before(conversation, index)
                && let text = conversation.matching_text(index).unwrap_or_default()
                && (PROPOSES.is_match(text)
                    || remedies.names_any(text)
                    || OFFERS_IN_OTHER_WORDS.is_match(text))
                && !ASKS_TO_HOLD.is_match(text)
            {
                let offer = &rejected[0].0;
                return repeat(conversation, offer, "remedy", index, "proposed again")
                    .with(Evidence::event(conversation, reply).with_note("the customer says so"));
            }
        }
        Outcome::pass(format!(
            "no human offer repeats the {} rejected offer(s)",
            rejected.len()
        ))
    }
}
