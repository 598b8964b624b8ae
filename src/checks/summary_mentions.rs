//! `summary_mentions`: the handoff summary tells the human who, what, what
//! was tried, and why it escalates.
//!
//! ## What it does
//! Reads the summary of the first `handoffPackage` (its `summary`) and looks
//! for each item:
//! - `customer`: who the customer is, as the conversation establishes it:
//!   `customer.name` (or the package's), `customer.id`; the name the
//!   customer gives ("my name is Priya Raman", "this is Dana", "it's Omar
//!   Rossi", "me llamo Inés Calvo", "je m'appelle Élodie Martin", "mein
//!   Name ist Jürgen Weiß"; a name in kanji also without its space) and the ids they type (a user or account id after the words
//!   that introduce one, an e-mail address, a phone number, a user id
//!   built from a name); the values of tool-call arguments that name a
//!   user, customer, account, member, phone or e-mail (`user_id`,
//!   `phone_number` ...) or a person (`first_name` with `last_name`); and
//!   the same fields at the top of a tool result that describes a person
//!   (one with such an id). Matched ignoring case, phone numbers by their
//!   digits; a user id built from a name (`omar_rossi_1241`) also counts
//!   when the summary names that person ("Omar Rossi");
//! - `request`: key terms of the customer's first `request_turns` turns and
//!   of their last turn before the escalation (words of four letters or
//!   more that are not stop words, and tokens with digits, matched by stem;
//!   not the words a customer pushes back with, "I insist", "that's
//!   absurd", nor words of their name or ids): at least `min_request_terms` of them, or
//!   all when there are fewer. A number said in words ("sixteen") meets its
//!   digits ("16-year-old"). In a language written without word spaces
//!   (Japanese), runs of kanji or katakana ("定期券") are the terms,
//!   found in the summary as written, as are the short words a customer
//!   writes in capitals ("new SIM", "my PIN"), as whole words. A summary
//!   that states the request in the
//!   words of the package's `intent.primary` instead (at least
//!   `min_request_terms` of its key terms, and two or more) names it too;
//! - `tried`: what was already done, read clause by clause from the
//!   summary's own statements, not from the customer's request it quotes:
//!   the agent's actions ("we reissued the link", "the agent searched",
//!   "the AI found the order and *issued a label*", "je lui ai proposé"),
//!   attempts in the passive or perfect ("a $20 credit was offered", "has
//!   been reset"), what a lookup showed ("the system shows the booking was
//!   created on May 3", "no matching reservation was found"), an offer
//!   turned down ("declined the voucher") and attempts that failed ("did
//!   not work", "despite two resets"), what a search found none of ("no
//!   later screenings exist"), a case action in the passive ("a hold was
//!   placed"), a status confirmed ("is confirmed"), the past of a Japanese
//!   verbal noun ("確認したところ"), a Japanese check in its joining form or
//!   with its result in brackets ("情報を確認し、", "計算（38,200円）"); and,
//!   with the built-in patterns, a fact
//!   only a tool gave: a word of a phrase a tool result wrote, or a figure
//!   it returned, that the customer never said ("the outage is an
//!   underground cable fault", "outstanding is 18,42,300"), a state it
//!   returned in one word ("the loan is current"), the code or the words of
//!   an error it answered with ("rejected with LEAD_TIME_UNDER_24H"); a
//!   terse note's action without its subject ("Confirmed two invoices"), its
//!   heading ("Found: ..."), steps said done ("reset and cable check all
//!   done"), a tool said to refuse. A clause in which the customer
//!   asks, wants, needs, insists or refuses ("wants steps to reset her
//!   router", "refuses to pay", a terse note's "Wants to add a driver" without
//!   its subject) and one that only says who was verified
//!   do not count, nor what the customer says ("she says she cancelled in
//!   time and the button didn't work", read on to the sentence's end).
//!   `tried_patterns` replaces the built-in attempt patterns
//!   (clauses are still read the same way);
//! - `reason`: words of a reason, read clause by clause: what the agent
//!   cannot do, a policy, who alone may act ("can only be issued by"), a
//!   limit, eligibility ("does not meet the criteria"), what lies outside the
//!   agent's remit ("out of bot scope", "fora da minha alçada", "no tengo
//!   permiso", "buiten mijn bevoegdheid"), a window that
//!   closed, who must act ("loss mitigation must do the review"), nothing
//!   more the agent can do, the customer asking for a person ("requested a human agent",
//!   "as requested"), a failure that persists ("failed twice"); and
//!   `because`, `since`, the escalation itself, only outside a clause in
//!   which the customer asks for something ("wants a refund because the
//!   lamp broke" gives the request's cause, not the handoff's; "since"
//!   that says when, "since 8 May", is no reason). The hand-over said with
//!   its cause is a reason wherever it stands ("escalating because she
//!   needs a site visit"), as is who alone may act with words between
//!   ("solo la puede autorizar", "só um analista pode"), and the hand-over
//!   as what follows from what the summary said before it ("..., so I'm
//!   transferring her"), or after "as" or "given" ("passing to TV support as
//!   the box is likely faulty"). The same in
//!   Spanish, French, German, Portuguese, Italian and Dutch ("se escala
//!   porque", "no es posible", "dépasse", "nicht möglich"), as "tried" reads
//!   them too ("intenté", "j'ai vérifié", "ich habe ... geprüft").
//!   `reason_patterns` replaces all of these and is searched in the whole
//!   summary.
//!
//! An item the conversation gives nothing to look for is skipped.
//! `require: all` (default) needs every other item, `any` one.
//!
//! ## Why it matters
//! The human reads the summary before saying hello. "Customer needs help"
//! sends them back to asking for the account number; "Mia Li (mia_li_3668)
//! wants her May 20 JFK-SEA booking paid with two certificates; only one can
//! be applied, she declined paying the rest by card" does not.
//!
//! ## Example
//! ```yaml
//! - summary_mentions: { items: [customer, request, tried, reason] }
//! ```
//!
//! ## Outcomes
//! No escalation: n/a. Escalated without a summary: fail. Nothing to look
//! for: unscored. Otherwise pass or fail by `require`.

use std::cell::LazyCell;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

use super::mentions_context::Require;
use super::text::{
    Term, cjk_words, drop_terms_in, is_cjk, key_terms, key_terms_of_texts, terms_found,
};
use super::{Evidence, Outcome, quote};
use crate::rubric::params::Patterns;
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryMentions {
    #[serde(default = "default_items")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub require: Require,
    #[serde(default = "default_request_turns")]
    pub request_turns: usize,
    #[serde(default = "default_min_request_terms")]
    pub min_request_terms: usize,
    pub tried_patterns: Option<Patterns>,
    pub reason_patterns: Option<Patterns>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Customer,
    Request,
    Tried,
    Reason,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Customer => "customer",
            Item::Request => "request",
            Item::Tried => "what was tried",
            Item::Reason => "why it escalates",
        }
    }
}

fn default_items() -> Vec<Item> {
    vec![Item::Customer, Item::Request, Item::Tried, Item::Reason]
}
fn default_request_turns() -> usize {
    2
}
fn default_min_request_terms() -> usize {
    2
}

/// Past forms of what an agent (or a customer) does to resolve a case.
const ATTEMPT_VERBS: &str = r"(?:re-?)?(?:tried|attempted|checked|verified|confirmed|reviewed|looked (?:up|into|at)|searched|located|found|pulled(?: up)?|offered|suggested|proposed|recommended|explained|informed|advised|walked|guided|helped|reset|restarted|rebooted|toggled|enabled|disabled|installed|seated|cleared|ran|run|performed|applied|processed|issued|updated|changed|modified|upgraded|downgraded|exchanged|moved|cancell?ed|refunded|credited|sent|submitted|troubleshot|tested|replaced|waived|declined|rejected|refused|removed|added|adjusted|corrected|booked|switched|swapped|unlocked|restored|activated|deactivated|contacted|called|emailed|messaged|notified|scheduled|arranged|initiated|escalated|placed|opened|created|logged|raised|filed|lodged|flagged|marked|noted|recorded|dispatched|generated|power-?cycled|cycled|unplugged|replugged|reconnected|reinstalled|uninstalled|re-?paired|unpaired|re-?synced|synced|pushed|flushed|reseated)";

/// [`ATTEMPT_VERBS`] that in the passive state what the agent did, not a
/// status it found: without "declined", "rejected" and "refused".
static PASSIVE_ATTEMPT_VERBS: LazyLock<String> = LazyLock::new(|| {
    ATTEMPT_VERBS
        .replace("|declined|rejected|refused", "")
        .replace(
            "|reseated)",
            // What the customer was given by the agent: "was given safety
            // advice", "was told to call the emergency line".
            "|reseated|given|shown|provided|instructed|directed|reminded|told to)",
        )
});

/// Irregular past forms an agent acts in ("the AI froze the card").
const IRREGULAR_PASTS: &str = "sent|ran|made|gave|got|found|took|did|put|set|reset|went|spoke|told|wrote|paid|brought|saw|kept|rebuilt|froze|held|rang|sold|bought|built|left|chose|undid|redid|rewrote|resent|reran|withdrew|drew|understood|taught|led|lent|spent";

/// Who acts when the agent acts: "I", "we", "the AI", "the assistant".
/// What a lookup reads from ("the system", "our records", "the booking"),
/// and what it is said to show: "the system shows", "records showed no".
const LOOKUP_SUBJECTS: &str = r"(?:system|records?|account|booking|reservation|order|profile|history|database|logs?|lookup|data|tool)";
const LOOKUP_SHOWS: &str = r"(?:now\s+|also\s+|clearly\s+)?(?:shows?|showed|indicates?|indicated|confirms?|confirmed|lists?|listed|reflects?|reflected|says|said|returns?|returned|has no|had no)\b";
const AGENT_SUBJECT: &str = r"\b(?:I|we|I've|we've|I have|we have|I had|we had|(?:the |our )?(?:agent|ai|assistant|bot|support|team|system))";

/// What was tried, read in one clause of a summary.
static TRIED: LazyLock<Patterns> = LazyLock::new(|| {
    let passive = PASSIVE_ATTEMPT_VERBS.as_str();
    let sources = [
        // The agent acted: "we reissued the link", "the agent searched".
        format!(r"{AGENT_SUBJECT}\s+(?:(?:already|also|then|first|just|previously|successfully|repeatedly|again|manually)\s+)?(?:re-?)?(?:\w+ed|{IRREGULAR_PASTS})\b"),
        // In the passive or perfect: "a credit was offered", "has been reset",
        // "has declined the voucher";
        // not "was declined" or "was rejected", which state a status the agent
        // found ("the claim was declined as pre-existing").
        format!(r"\b(?:was|were|has been|have been|had been|got|gets)\s+(?:(?:already|also|then|previously|successfully|repeatedly|again|manually|twice)\s+)?(?:\w+ly\s+)?{passive}\b"),
        format!(r"\b(?:has|have|had|already)\s+(?:(?:already|also|then|previously|successfully|repeatedly|again|manually|twice)\s+)?(?:\w+ly\s+)?{ATTEMPT_VERBS}\b"),
        r"\b(?:tried|attempted|troubleshot)\b".to_string(),
        // A terse note's action without its subject, leading the clause
        // ("Confirmed duplicate invoices", "Reset the router twice"), and a
        // note's heading for it ("Found: LOS alarm", "Checked: ...").
        format!(r"^\W*(?:(?:already|also|then|first|just|successfully|manually)\s+)?{ATTEMPT_VERBS}\b"),
        r"^\W*(?:found|tried|checked|done|attempted|actions?(?: taken)?|steps?(?: taken)?|troubleshooting|findings?|diagnos[ie]s|diagnostics|investigation|comprobado|intentado|probado|verificado|revisado|v[ée]rifi[ée]|essay[ée]|tent[ée]|constat[ée]|gepr[üu]ft|versucht|festgestellt|verificato|provato|controllato|tentado|constatado|gecontroleerd|geprobeerd|gevonden)\s*$".to_string(),
        // What was done, said of the steps: "power cycle, cable check and
        // a soft reset all done", "resets were carried out".
        r"\b(?:all|both|already|everything)\s+(?:done|completed|tried|carried out)\b|\b(?:checks?|resets?|cycles?|reboots?|restarts?|tests?|steps?|updates?|reinstalls?|troubleshooting|refresh(?:es)?|swaps?|re-?pairs?)\s+(?:(?:all|both|already|were|was|been|have been|has been)\s+)?(?:done|completed|tried|carried out|performed)\b".to_string(),
        // What a tool or system turned down: "the quote tool refused it",
        // "the booking was rejected with LEAD_TIME_UNDER_24H".
        r"\b(?:tool|system|portal|api|engine|checkout|form)\s+(?:\w+\s+)?(?:refused|rejected|declined|blocked|errored|failed)\b|\b(?:rejected|refused|declined|failed|blocked|errored(?: out)?)\s+(?:with|due to|by the (?:tool|system|portal))\s+(?:(?:an?|the)\s+)?(?:error|[a-z0-9]+_[a-z0-9_]+)".to_string(),
        // What the system shows, in the languages summaries are written in:
        // "staat in het systeem per 30-09", "según el sistema", "laut System".
        r"\b(?:staat|staan)\s+(?:[\w-]+\s+){0,3}in (?:het|ons) systeem\b|\bvolgens (?:het|ons) systeem\b|\b(?:via|door) de tool (?:[\w-]+\s+){0,2}(?:geweigerd|afgewezen|mislukt)\b|\bseg[úu]n (?:el|nuestro) sistema\b|\bselon (?:le|notre) syst[èe]me\b|\blaut (?:dem |unserem )?System\b|\blaut (?:der |unserer )?(?:[\w-]*akte|Unterlagen|Kartei|Datenbank|Aufzeichnungen)\b|\bd'apr[èe]s (?:le|notre|nos|les) (?:dossier|syst[èe]me|registres?|historique|fichier)\b|\bseg[úu]n (?:el|nuestro|nuestros|los) (?:expediente|registros?|historial)\b|\bsecondo (?:la|i|il) (?:pratica|nostri registri|registro|storico)\b|\bsegundo (?:o|os|nossos) (?:cadastro|registros?|hist[óo]rico)\b|\bvolgens (?:het|ons|onze) (?:dossier|gegevens|administratie)\b|\bsegundo o sistema\b|\bsecondo il (?:nostro )?sistema\b".to_string(),
        // The German perfect by its grammar rather than a list of verbs:
        // "ich habe den Fehler anhand der Bestellung bestätigt".
        r"\b(?:ich habe|wir haben|habe ich|haben wir)\s+(?:[\w-]+\s+){0,8}?(?:ge\w+(?:t|en)|\w+iert|(?:be|ver|er|über|zer|ent)\w+t)\b".to_string(),
        // An offer the customer took ("has accepted the rebooking on
        // tomorrow's flight") and what a search found none of ("per oggi non
        // ci sono alternative"), in the languages summaries are written in.
        r"\b(?:accepted|agreed to) (?:the|a|an|our)\b|\b(?:ha|hanno) accettato\b|\baccept[óo]\b|\ba accept[ée]\b|\bhat\s+(?:[\w-]+\s+){0,4}angenommen\b|\baceitou\b|\bheeft\s+(?:[\w-]+\s+){0,4}(?:geaccepteerd|aanvaard)\b".to_string(),
        r"\bnon ci sono (?:altre )?alternative\b|\bno (?:hay|existen|quedan) (?:otras )?(?:alternativas|opciones)\b|\bil n'y a (?:pas|aucune) (?:d'autres? )?(?:alternatives?|options?)\b|\bkeine (?:andere )?(?:Alternative|Option)\w*\b|\bn[ãa]o (?:h[áa]|existem) (?:outras )?(?:alternativas|op[çc][õo]es)\b|\bgeen (?:andere )?(?:alternatieven|opties)\b".to_string(),
        // The agent as subject, in the preterite of Portuguese and Spanish
        // or the perfect of Italian, French, German and Dutch: "o
        // assistente bloqueou o cartão", "el asistente revisó", "l'assistente
        // ha verificato", "l'assistant a vérifié".
        r"\b(?:o|a|el|la) (?:assistente|asistente|agente|bot|ia|atendente)\s+(?:j[áa]\s+|ya\s+)?\w+(?:ou|eu|iu|[óo]|i[óo])\b|\bl'(?:assistente|agente|assistant|agent)\s+(?:ha|aveva|a|avait)\s+\w+(?:ato|uto|ito|[ée]|i|u|is|it)\b|\b(?:der|die) (?:Assistent\w*|Agent\w*|Bot)\s+hat\b|\bde (?:assistent|agent|bot)\s+heeft\b".to_string(),
        // Done with the agent's help: "paid it in the app with the AI's help".
        r"\b(?:with (?:the (?:ai|agent|assistant|bot)'s|our|my) (?:help|guidance|assistance)|with the (?:help|guidance|assistance) of (?:the )?(?:ai|agent|assistant|bot)|(?:helped|guided|assisted) by (?:the )?(?:ai|agent|assistant|bot))\b".to_string(),
        // What a lookup showed.
        format!(r"\b(?:{LOOKUP_SUBJECTS}|details|tracking|status|diagnostics?)\s+{LOOKUP_SHOWS}"),
        // The same with words between, and what else looks things up: "a
        // trace on tag 4471 shows", "the diagnostic run on the line showed".
        r"\b(?:trace|scan|search|check|test|report|results?|usage|diagnostics?|statement|ledger|portal|dashboard|meter|monitoring|lookup|system|records?|logs?|tracking|history)\s+(?:(?:on|for|of|from|in|at)\s+)(?:[\w#-]+\s+){1,3}(?:shows?|showed|indicates?|indicated|confirms?|confirmed|lists?|listed|reflects?|reflected|returns?|returned)\b".to_string(),
        r"\b(?:trace|scan|usage|diagnostics?|test|check|search)\s+(?:shows?|showed|indicates?|indicated|confirms?|confirmed|returns?|returned|found)\b".to_string(),
        r"\baccording to (?:the|our|his|her|their) (?:records?|system|account|data|lookup|logs?|tracking|history)\b".to_string(),
        // A state a lookup confirmed, in the present: "priority status is
        // confirmed", "the payment is recorded".
        r"\b(?:is|are)\s+(?:now\s+|already\s+|also\s+)?(?:confirmed|verified|recorded|logged|on file)\b".to_string(),
        // ... in the languages summaries are written in: "la panne est
        // confirmée", "el cargo está confirmado", "è confermato", "ist
        // bestätigt", "is bevestigd", "está confirmado".
        r"\b(?:est|sont|est bien|sont bien)\s+(?:confirm[ée]e?s?|v[ée]rifi[ée]e?s?|enregistr[ée]e?s?)\b|\b(?:est[áa]n?|qued[óo])\s+(?:confirmad[oa]s?|verificad[oa]s?|registrad[oa]s?)\b|\b(?:[èe]|sono)\s+(?:stat[oaie]\s+)?(?:confermat[oaie]|verificat[oaie]|registrat[oaie])\b|\b(?:ist|sind|wurde|wurden)\s+(?:[\w-]+\s+){0,2}(?:best[äa]tigt|verifiziert|erfasst)\b|\b(?:is|zijn|werd)\s+(?:[\w-]+\s+){0,2}(?:bevestigd|geverifieerd|geregistreerd)\b".to_string(),
        // What a search found none of: "no same-day options exist", "no
        // earlier slot is available".
        r"\bno\s+(?:[\w-]+\s+){0,3}?\w+\s+(?:exists?|(?:is|are|was|were)\s+(?:currently\s+|now\s+)?(?:available|found|on file|listed|showing))\b".to_string(),
        r"\b(?:o|a) (?:sistema|diagn[óo]stico|registro|hist[óo]rico|consulta|teste|rastreio)\s+(?:\w+\s+){0,2}(?:mostr(?:a|ou)|indic(?:a|ou)|confirm(?:a|ou))\b".to_string(),
        // Japanese: the past of a verbal noun the agent performed ("確認した
        // ところ", "再起動しました"); not a wish ("変更したい").
        r"[\p{Han}\p{Katakana}ー]{2,}(?:いたしました|しました|したところ|した(?:[^い]|$))".to_string(),
        // ... in the joining form of a check or a step ("情報を確認し、"), or
        // with what it gave in brackets ("返金額を計算（38,200円）"); not a
        // wish ("確認してほしい").
        r"(?:確認|照会|計算|算出|調査|検索|診断|点検|照合|見積|案内|提案|試行|実施|再起動|再設定|リセット|手配)(?:し[、,]|済み?|を(?:実施|行い|行った|試み))|(?:確認|照会|計算|算出|調査|検索|診断|点検|見積)[（(]".to_string(),
        r"\b(?:could not|couldn't|cannot|can't|unable to|failed to|did not|didn't|was unable to|were unable to|not able to)\s+(?:be\s+)?(?:find|found|locate|located|load|retrieve|retrieved|pull up|process|processed|complete|completed|apply|applied|verify|match|matched|reach|connect)\b".to_string(),
        r"\bno (?:matching |such |active |valid )?(?:record|reservation|order|booking|account|flight|result|match|refund|payment)e?s?\b[^.;]{0,25}\b(?:found|located|on file|exists?)\b".to_string(),
        r"\b(?:found|showed|confirmed|verified) (?:that|no|only)\b".to_string(),
        // An offer turned down.
        r"\b(?:declined|rejected|refused|turned down|did not accept|didn't accept|passed on|was not interested in|wasn't interested in)\s+(?:(?:the|a|an|our|this|that|these|those|both|all|any|it|them|his|her|their)\b|[$£€]|\d|\w+ing\b)".to_string(),
        // Attempts that did not work.
        r"\b(?:did not|didn't|does not|doesn't|has not|hasn't)\s+(?:work|help|fix|resolve|solve)\w*\b".to_string(),
        r"\bno (?:luck|change|improvement|effect|success)\b".to_string(),
        // "a fresh battery made no difference", "had no effect", and the
        // same in the languages summaries are written in.
        r"\b(?:made|makes|make|making) (?:no|little) difference\b|\bhad no effect\b|\bchanged nothing\b|\bno (?:hizo|hicieron) (?:ninguna )?diferencia\b|\bno cambi[óo] nada\b|\bn'(?:a|ont) rien chang[ée]\b|\bhat keinen Unterschied gemacht\b|\b(?:brachte|half|halfen|brachten) nichts\b|\bkeine Besserung\b|\bn[ãa]o (?:fez|fizeram) diferen[çc]a\b|\bn[ãa]o mudou nada\b|\bnon (?:ha|hanno) fatto (?:alcuna )?differenza\b|\b(?:maakte|maakten) geen verschil\b|\bhielp(?:en)? niet\b".to_string(),
        // ... in the languages summaries are written in: "hebben niets
        // opgelost", "n'a rien réglé", "hat nichts gebracht", "no resolvió
        // nada", "não resolveu", "non ha risolto".
        r"\b(?:niets|niet|geen)\s+(?:[\w-]+\s+)?(?:opgelost|geholpen|verholpen|veranderd)\b|\bn'(?:a|ont)\s+(?:rien|pas)\s+(?:r[ée]gl[ée]|r[ée]solu|chang[ée]|donn[ée]|arrang[ée])\b|\b(?:hat|haben)\s+(?:[\w-]+\s+){0,3}(?:nichts|nicht)\s+(?:gebracht|ge[äa]ndert|gel[öo]st|geholfen|behoben)\b|\bno\s+(?:resolvi[óo]|solucion[óo]|arregl[óo]|sirvi[óo]|ayud[óo])\b|\bn[ãa]o\s+(?:resolveu|solucionou|ajudou|adiantou)\b|\bnon\s+(?:ha|hanno)\s+(?:risolto|funzionato|aiutato)\b".to_string(),
        r"\beven after\b".to_string(),
        r"\bdespite\s+(?:(?:the|a|an|multiple|several|repeated|our|my|his|her|their|two|three|many|all|previous|earlier)\s+)?(?:\w+\s+)?(?:attempts?|tries|resets?|restarts?|reboots?|troubleshooting|steps|efforts|fix(?:es)?|workarounds?|changes)\b".to_string(),
        r"\b(?:despite|after|even after)\s+(?:re-?)?(?:tr|attempt|enabl|disabl|reset|restart|reboot|toggl|install|clear|check|updat|chang|appl|follow|turn|switch|remov|add|run|perform|contact|call|replac|test|verif|confirm|review|walk|reissu|resend|resubmitt|offer)\w*ing\b".to_string(),
        r"\bafter\s+(?:several|multiple|repeated|two|three|many)\b".to_string(),
        r"\b(?:multiple|several|repeated|two|three|many|previous|earlier|failed) (?:attempts?|tries)\b".to_string(),
        // The same in the languages a summary is written in: "intenté
        // procesar la devolución", "la herramienta la rechazó", "j'ai
        // vérifié", "ich habe ... geprüft", "tentei", "ho verificato", "ik
        // heb ... gecontroleerd".
        r"\b(?:intent[ée]|intentamos|(?:he|hemos|ha) (?:intentado|revisado|comprobado|verificado|buscado|consultado|ofrecido|procesado|reiniciado|probado)|se (?:intentó|ofreció|revisó|comprobó|verificó)|revisé|comprobé|verifiqué|busqué|consulté|ofrecí|procesé|reinicié|probé)\b".to_string(),
        r"\b(?:el sistema|la herramienta|el pedido|la reserva|la cuenta|los registros?)\s+(?:\w+\s+){0,2}(?:muestra|indica|confirma|rechaz[óo]|devolvi[óo])\b|\bno (?:funcion[óo]|se pudo|pude|fue posible)\b|\bsin [ée]xito\b".to_string(),
        r"\b(?:j'ai|nous avons|on a)\s+(?:d[ée]j[àa]\s+)?(?:essay[ée]|tent[ée]|v[ée]rifi[ée]|consult[ée]|propos[ée]|recherch[ée]|contr[ôo]l[ée]|relanc[ée]|r[ée]initialis[ée]|red[ée]marr[ée]|appliqu[ée]|trait[ée])|\ba [ée]t[ée] (?:propos[ée]e?|essay[ée]e?|v[ée]rifi[ée]e?|tent[ée]e?|refus[ée]e?)|\ble syst[èe]me (?:indique|montre|affiche)|\bn'a pas (?:fonctionn[ée]|march[ée])|\bsans succ[èe]s\b".to_string(),
        r"\b(?:ich habe|wir haben)\s+(?:[\w-]+\s+){0,5}(?:versucht|gepr[üu]ft|[üu]berpr[üu]ft|angeboten|zur[üu]ckgesetzt|neu gestartet|nachgesehen|kontrolliert|bearbeitet)\b|\bwurde\s+(?:[\w-]+\s+){0,3}(?:gepr[üu]ft|angeboten|versucht|zur[üu]ckgesetzt|abgelehnt)\b|\bdas System zeigt\b|\bohne Erfolg\b|\bhat nicht funktioniert\b".to_string(),
        r"\b(?:tentei|tentamos|verifiquei|consultei|ofereci|conferi|reiniciei|processei|foi (?:oferecid[oa]|verificad[oa]|tentad[oa]|recusad[oa])|o sistema (?:mostra|indica)|n[ãa]o funcionou|sem sucesso)\b".to_string(),
        r"\b(?:(?:ho|abbiamo)\s+(?:gi[àa]\s+)?(?:provato|tentato|verificato|controllato|offerto|proposto|cercato|riavviato|elaborato)|[èe] stat[oa] (?:offert[oa]|verificat[oa]|tentat[oa]|rifiutat[oa])|il sistema (?:mostra|indica)|non ha funzionato|senza successo)\b".to_string(),
        // The perfect of the first person, by its grammar rather than a list
        // of verbs: "je lui ai proposé", "nous leur avons envoyé", "le he
        // ofrecido", "ik heb de meterstanden opgevraagd", "sprawdziłem".
        r"\b(?:j'ai|je (?:lui|leur|vous|l'|les|y|en)\s*ai|nous (?:(?:lui|leur|vous|les)\s+)?avons)\s+(?:(?:d[ée]j[àa]|aussi|ensuite|bien)\s+)?\w+(?:ée?s?|is|it|u|ert)\b".to_string(),
        r"\b(?:(?:le|les|lo|la|se lo|se la)\s+)?(?:he|hemos)\s+(?:(?:ya|tambi[ée]n)\s+)?\w+(?:ado|ido|isto|echo|uesto|ierto)\b".to_string(),
        r"\b(?:ik heb|we hebben|wij hebben|ik ben|we zijn)\s+(?:[\w'-]+\s+){0,6}\w*ge\w+[dt]\b".to_string(),
        // (Polish: a vowel before the ending, as in "sprawdziłem", "wysłałam";
        // not an English "problem" or "emblem")
        r"\b\w{2,}(?:[aeiouyąę][łl](?:em|am)|li[śs]my|[łl]y[śs]my)\b".to_string(),
        r"\b(?:ik heb|we hebben)\s+(?:[\w-]+\s+){0,5}(?:geprobeerd|gecontroleerd|gecheckt|aangeboden|opgezocht|herstart|gereset|verwerkt)\b|\bis\s+(?:[\w-]+\s+){0,2}(?:aangeboden|gecontroleerd|geprobeerd|geweigerd)\b|\bhet systeem (?:toont|laat zien|geeft aan)\b|\bwerkte niet\b|\bzonder succes\b".to_string(),
    ];
    Patterns::new(&sources).expect("the built-in patterns compile")
});

/// A clause in which the customer asks for something, or states what they
/// want or refuse (also with an apposition: "Ingrid Lund, patient pt_1, needs
/// ..."), also in a terse note without its subject ("Wants to add a second
/// driver mid-term"): attempt words in it belong to the request.
static REQUEST_CLAUSE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*(?:(?:also|now|still|really|only|just|originally|initially)\s+)?(?:wants?|would like|wish(?:es)?|hopes?|is looking to|requests?|asks? for|quiere|desea|souhaite|veut|möchte|quer|deseja|vuole|desidera|wil)\b|^\W*(?:(?:the|a|our|this|el|la|le|der|die|o|il|de)\s+)?(?:(?:customer|user|caller|client|member|guest|passenger|traveller|traveler|shopper|account holder|cliente|clienta|usuario|usuaria|utilisateur|kunde|kundin|klant|gebruiker)(?:\s+[\w'.-]+){0,3}|he|she|they|[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2})(?:'s)?\s*(?:\([^)]*\)\s*)?(?:,[^,]{1,40},\s*)?(?:(?:also|now|still|really|only|just|then|originally|initially|further|additionally|has|had)\s+)?(?:wants?|would like|'d like|asks?|asked (?:for|to|that|us|about|if|whether)|is asking|requests?|requested|is requesting|needs?|hopes?|wish(?:es)?|is seeking|seeks|is looking (?:to|for)|insists?|insisted|refuses?|demands?|demanded|prefers?|is trying to|called (?:to|about|regarding)|contacted (?:us )?(?:to|about|regarding)|reached out|quiere|quería|desea|solicita|solicitó|pide|pidió|necesita|souhaite|veut|voulait|demande|a demandé|möchte|wünscht|verlangt|quer|queria|deseja|pede|pediu|precisa|vuole|voleva|desidera|chiede|ha chiesto|wil|wilde|vraagt|wenst)\b",
    )
    .expect("the built-in pattern compiles")
});

/// A clause that reports what the customer says: "He says:", "the customer
/// claims that ...": what follows is their account, not the agent's.
static REPORTED_CLAUSE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*(?:(?:the|a)\s+)?(?:customer|user|caller|client|member|guest|passenger|traveller|traveler|account holder|he|she|they)(?:\s*\([^)]*\))?\s+(?:also\s+)?(?:says|said|claims|claimed|reports|reported|states|stated|writes|wrote|mentions|mentioned|explains|explained|tells us|told us)\b",
    )
    .expect("the built-in pattern compiles")
});

/// The same said of someone named (the customer, mostly), not of the agent
/// or a lookup: "Marta Oyelaran says she already tried the steps", "Mr Dube
/// claims the meter was read twice". What follows is their account, not
/// what was done; "I explained ..." and "the system says ..." are not.
fn reports_the_customer(clause: &str) -> bool {
    static BY_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"^\W*(?:(?i:the\s+)?(?i:customer|caller|user|client|guest|passenger|member|patient|tenant)\s+)?(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sr|Sra|Mme|M|Herr|Frau)\.?\s+)?\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*){0,2}(?:\s*\([^)]*\))?\s+(?i:also\s+|still\s+|now\s+)?(?i:says|said|claims|claimed|reports|reported|states|stated|writes|wrote|mentions|mentioned|explains|explained|tells us|told us|insists|insisted|maintains|believes|thinks|feels)\b",
        )
        .expect("the built-in pattern compiles")
    });
    static NOT_THE_CUSTOMER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(&format!(
            r"(?i)^\W*(?:{AGENT_SUBJECT}\b|(?:(?:the|our|its|their|his|her)\s+)?{LOOKUP_SUBJECTS}\b)"
        ))
        .expect("the built-in pattern compiles")
    });
    REPORTED_CLAUSE.is_match(clause)
        || (BY_NAME.is_match(clause) && !NOT_THE_CUSTOMER.is_match(clause))
}

/// A quotation: the customer's own words, not the summary's statement.
static QUOTED: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r#""[^"]{1,400}""#).expect("the built-in pattern compiles"));

/// A clause that only says who was verified, and how.
static IDENTITY_CLAUSE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:identity|authenticat\w*|verified (?:the )?(?:user|customer|caller|identity|account|him|her|them)|(?:user|customer|caller|he|she|they) (?:was|were|is|are|has been|have been) (?:verified|authenticated|identified)|(?:via|by|through|with) (?:(?:his|her|their|the) )?(?:name|zip|e-?mail|phone|sms|otp|dob|date of birth|security))\b",
    )
    .expect("the built-in pattern compiles")
});

/// Clauses of a summary: cut at sentence ends, semicolons and colons, and
/// before the conjunctions that join one statement to another.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    static SPLIT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)[.!?;:]+(?:\s+|$)|[。！？；]+\s*|\s+-\s+|,?\s+(?:and|but|while|although|though|whereas|however|yet|so|then)\s+|,\s+(?:which|who|after which)\s+",
        )
        .expect("the built-in pattern compiles")
    });
    SPLIT
        .split(text)
        .map(str::trim)
        .filter(|clause| !clause.is_empty())
}

/// The customer's account, read on through the sentence it opens: in "she
/// says she cancelled in time and the button didn't work" the clause
/// after "and" is still what she says, not what was tried. A clause that
/// opens with what a lookup shows ("..., but the system shows it was
/// created on May 2", "according to our records ...") ends it: that is
/// the agent's finding.
#[derive(Default)]
struct Reported {
    open: bool,
}

impl Reported {
    /// Whether `clause` (a slice of `text`) belongs to a customer's account
    /// that an earlier clause of its sentence opened; a clause that opens
    /// one is left to [`REPORTED_CLAUSE`].
    fn goes_on(&mut self, text: &str, clause: &str) -> bool {
        static LOOKUP_OPENS: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(&format!(
                r"(?i)^\W*(?:(?:the|our|its|their|his|her)\s+)?{LOOKUP_SUBJECTS}(?:\s+[\w-]+){{0,2}}?\s+{LOOKUP_SHOWS}|^\W*according to (?:the|our) (?:records?|system|account|data|lookup|logs?|history)\b",
            ))
            .expect("the built-in pattern compiles")
        });
        if self.open && LOOKUP_OPENS.is_match(clause) {
            self.open = false;
        }
        let within = self.open;
        if reports_the_customer(clause) {
            self.open = true;
        }
        let end = clause.as_ptr() as usize - text.as_ptr() as usize + clause.len();
        let after = text[end..].trim_start();
        if after.is_empty() || after.starts_with(['.', '!', '?', ';', '。', '！', '？']) {
            self.open = false;
        }
        within
    }
}

/// The first attempt the summary states in a clause of its own: the clause
/// and what matched in it.
/// A clause joined to the one before without a subject of its own leads with
/// a past verb ("the AI found the order and *dispatched a tow*"): its
/// subject is the previous clause's.
fn attempt(summary: &str, patterns: &Patterns) -> Option<String> {
    static AGENT_LEADS: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(&format!(r"(?i)^\W*{AGENT_SUBJECT}\b"))
            .expect("the built-in pattern compiles")
    });
    static PAST_LEADS: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(&format!(
            r"(?i)^\W*(?:(?:already|also|then|first|just|successfully|manually)\s+)?(?:re-?)?(?:\w+ed|{IRREGULAR_PASTS})\b"
        ))
        .expect("the built-in pattern compiles")
    });
    let unquoted = QUOTED.replace_all(summary, ". ");
    let mut agent_acted = false;
    let mut reported = Reported::default();
    clauses(&unquoted).find_map(|clause| {
        if reported.goes_on(&unquoted, clause) {
            return None;
        }
        let continued = if agent_acted {
            PAST_LEADS.find(clause)
        } else {
            None
        };
        // A clause of a few words without a verb ("by name and *zip* and
        // found") keeps the subject going.
        agent_acted = AGENT_LEADS.is_match(clause)
            || continued.is_some()
            || (agent_acted && clause.split_whitespace().count() <= 2);
        if REQUEST_CLAUSE.is_match(clause)
            || reports_the_customer(clause)
            || IDENTITY_CLAUSE.is_match(clause)
        {
            return None;
        }
        let found = patterns
            .find(clause)
            .map(|m| (m.start, m.end))
            .or(continued.map(|m| (m.start(), m.end())))?;
        Some(
            clause[found.0..found.1]
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .to_string(),
        )
    })
}

/// Why it escalates, in words that say so wherever they stand: what the
/// agent cannot do, a policy, who must act, a limit, the customer asking
/// for a person, a failure that persists; and the same in the languages a
/// summary is written in ("no es posible", "requiere un agente", "dépasse
/// la limite", "nicht möglich", "requer aprovação", "non è possibile",
/// "niet toegestaan").
static REASON: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(unable|cannot|can't|could not|couldn't|not able|not possible|impossible|no way to)\b",
        r"\b(not (permitted|allowed|eligible|authori[sz]ed|covered)|against policy|requires?|need(s|ed)? (a |an |the |our )?([\w-]+ ){0,2}(human|agent|specialist|supervisor|approval|team|manager|person|review|engineer|technician|expert|exception|override|authori[sz]ation))\b|\b(threshold|authority)\b|\bneeds? (to be )?(done |handled |processed )?(manually|by hand|in person)\b",
        // A policy that decides, not the insurance policy a number names:
        // "under security policy", "policy requires", "per our refund policy".
        r"\b(against|under|per|outside( of)?|within|violates?|breaks?) ((our|the|company|its|this|that|[\w-]+) ){0,2}polic(y|ies)\b|\bpolic(y|ies) (requires?|says|states|forbids|prohibits|limits|allows|permits|only|does not|doesn't|do not|don't|means|rules?|restrictions?|exceptions?)\b|\bpolicy (rule|limit|exception)s?\b",
        // What the agent has nothing on: "which the AI has no information on",
        // "does not have access to", and who must act next: "a human should".
        r"\b(has|have|had) no (information|data|visibility|access|record|records|details|tool|tools|way|means|permission|authority)\b|\b(does not|doesn't|do not|don't|did not|didn't) have (the |any )?(information|data|visibility|access|tools?|permission|authority|ability)\b|\b(a|the) (human|person|specialist|supervisor|agent|colleague|manager|team member) (should|must|needs to|will need to|has to|is needed to)\b",
        // Outside a window: "the return window closed last week".
        r"\b(window|period|deadline|warranty|guarantee)\b[^.;]{0,20}\b(closed|passed|expired|ended|lapsed|over)\b",
        r"\b(must|has to|have to) (be|go)\b|\b(handled|raised|processed|approved|decided|authori[sz]ed|done|dealt with|managed|signed off)( only| solely| exclusively)? by\b|\bonly by\b|\bgo(es)? through (our|the|a)\b|\bonly (a|an|the|our|one of our) ([\w-]+ ){0,2}(can|may|is able to|are able to)\b|\b(can|may|must) only be (\w+ ){1,2}by\b",
        r"\b(exceed(s|ed|ing)?|outside|beyond|above (the|my) limit|limit)\b",
        // Nothing the agent has left to try, and who must act now: "nothing
        // more I can do remotely", "out of remote fixes", "needs someone to
        // book an engineer", "loss mitigation must do the review".
        r"\bnothing (more|else|further) (that )?(I|we|the (ai|agent|assistant|bot)|can be done)\b|\bout of (options|ideas|steps|fixes|remote (options|fixes|steps))\b|\bno (other|further|more) (options|steps|fixes|remote (options|fixes|steps))\b|\bneeds? (someone|somebody|a (person|human))\b",
        r"\b(must|has to|have to) (do|handle|review|decide|approve|assess|authori[sz]e|process|sign off|make|issue|conduct|carry out|arrange|book|confirm|release|clear|investigate|complete|perform|action|take)\b",
        // The customer asked for a person: "requested a human agent",
        // "wants to speak with a supervisor", "transferred as requested".
        r"\b(request(s|ed|ing)?|ask(s|ed|ing)?|wants?|wanted|would like|insist(s|ed|ing)?|demand(s|ed|ing)?)\b[^.;]{0,30}\b(human|person|people|agent|supervisor|manager|representative|someone|somebody|specialist|escalat\w*|transfer\w*)s?\b|\bas (requested|asked)\b|\b(at|on) (the (customer|user|caller)'s|their|his|her) (request|insistence)\b|\binsist(s|ed|ing)?\b",
        // The customer asked for a person, in the languages summaries are
        // written in: "veut parler à un responsable", "pide hablar con una
        // persona", "möchte mit einem Menschen sprechen", "quer falar com um
        // atendente", "vuole parlare con un operatore", "wil een medewerker".
        r"\b(veut|voulait|voudrait|souhaite|souhaitait|demande|a demand[ée]|exige|insiste pour)\b[^.;]{0,30}\b(parler|avoir|joindre)\b[^.;]{0,10}\b(un|une|à|au|avec|le|la|quelqu'un)\b[^.;]{0,12}\b(responsable|conseill[eè]re?|personne|humain|agent|superviseur|manager|sup[ée]rieur|quelqu'un|interlocuteur)\b",
        r"\b(pide|pidi[oó]|quiere|quer[ií]a|solicita|solicit[oó]|exige|insiste en|prefiere|desea)\b[^.;]{0,30}\b(hablar|atenci[oó]n|contacto)\b[^.;]{0,12}\b(persona|humano|agente|supervisor|supervisora|responsable|encargad[oa]|gerente|asesor|asesora|alguien)\b",
        r"\b(m[öo]chte|wollte|verlangt|w[üu]nscht|bittet|besteht)\b[^.;]{0,40}\b(Mensch\w*|Mitarbeiter\w*|Person|Vorgesetzt\w*|Supervisor|Kolleg\w*|Berater\w*|Sachbearbeiter\w*|jemandem)\b",
        r"\b(quer|queria|pede|pediu|solicita|solicitou|exige|insiste em|prefere|deseja)\b[^.;]{0,30}\b(falar|atendimento)\b[^.;]{0,12}\b(pessoa|humano|atendente|agente|supervisor|supervisora|gerente|respons[aá]vel|algu[ée]m)\b",
        r"\b(vuole|voleva|chiede|ha chiesto|pretende|insiste per|desidera|preferisce)\b[^.;]{0,30}\b(parlare|essere)\b[^.;]{0,12}\b(persona|umano|operat\w+|responsabile|supervisore|addett\w+|qualcuno)\b",
        r"\b(wil|wilde|vraagt|vroeg|eist|wenst)\b[^.;]{0,30}\b(mens|medewerker|persoon|leidinggevende|supervisor|iemand)\b",
        // Who must act, said as what the fix needs from them: "the fix
        // needs a backend update by support engineering", "requires a
        // sign-off from finance".
        r"\b(needs?|needed|requires?|required|calls for)\b([^.;]{0,40}?\bby|[^.;]{0,30}?\b(sign-?off|approval|action|override|review|decision|authori[sz]ation|intervention|access) from) (the |our |a |an |one of our )?([\w-]+ ){0,2}(team|engineering|engineers?|specialists?|support|desk|department|supervisors?|managers?|staff|humans?|agents?|person|office|finance|accounting|billing|claims|underwriting|legal|compliance|operations|ops|admins?|administrators?)\b",
        // Not eligible: "does not meet the cancellation criteria".
        r"\b((does|do|did) not|doesn't|don't|didn't) (meet|qualify|satisfy|fall within)\b|\b(not eligible|ineligible|non-?refundable|criteria)\b",
        // A failure that persists: "still not working", "failed twice".
        r"\b(persist(s|ent|ed)?|still (no|not|has|have|unable|fail\w*|does not|doesn't|isn't|is not)|continu(es|ed|ing) to fail)\b|\b(fail(s|ed|ing)?|declined|rejected|returned an error) (again|twice|repeatedly|\w+ times)\b",
        r"\b(no (es|está|fue) (posible|permitido)|no (puedo|podemos|se puede|pude)|requiere|necesita (un|una) ([\w-]+ ){0,2}(agente|humano|especialista|supervisor|aprobación)|pol[ií]tica|supera|excede|l[ií]mite|fuera de (mi|nuestro|su) alcance)\b",
        r"\b(ne (peux|peut|pouvons|pouvait) pas|n'est pas (possible|autoris[ée]e?|permis)|ne (suis|sommes) pas (autoris[ée]e?s?|habilit[ée]e?s?|en mesure)|impossible de|n[ée]cessite|requiert|politique|d[ée]passe|au-del[àa])\b",
        r"\b(nicht (möglich|erlaubt|zulässig|berechtigt)|kann (ich )?nicht|erfordert|benötigt|Richtlinie|übersteigt|überschreitet|Limit|Grenze)\b",
        r"\b(não (é possível|é permitido|posso|pode|consigo)|requer|exige|precisa de (um|uma) ([\w-]+ ){0,2}(atendente|agente|humano|especialista|aprovação)|ultrapassa)\b",
        r"\b(non (è possibile|è consentito|posso|può|riesco)|richiede|necessita|politica aziendale|supera il|eccede)\b",
        // Outside what the agent may do, in other words and languages: "out
        // of bot scope", "fora da minha alçada", "não tenho permissão",
        // "fuera de mis atribuciones", "hors de mon périmètre", "fuori dalla
        // mia competenza", "buiten mijn bevoegdheid", "außerhalb meiner
        // Befugnis".
        r"\bout of (\w+ )?(scope|remit|authority|hands)\b|\bnot (in|within) (my|our|the (bot|ai|agent|assistant)'s) (remit|scope|authority)\b|\bfora d[ao] (minha|nossa|sua) (al[çc]ada|compet[êe]ncia|autonomia|autoridade|alcance)\b|\bn[ãa]o (tenho|temos) (permiss[ãa]o|autoriza[çc][ãa]o|al[çc]ada|autonomia|acesso)\b|\bsem (permiss[ãa]o|autoriza[çc][ãa]o|al[çc]ada)\b|\bfuera de (mis|nuestras|sus) (atribuciones|facultades|competencias)\b|\bno (tengo|tenemos) (permiso|autorizaci[óo]n|facultades|atribuciones|acceso)\b|\bhors de (mon|notre|son) (p[ée]rim[èe]tre|champ|ressort|domaine de comp[ée]tence)\b|\b(je n'ai|nous n'avons) pas (l'autorisation|les droits|la main|acc[èe]s)\b|\bfuori dalla (mia|nostra|sua) (competenza|portata|autorit[àa])\b|\bnon (ho|abbiamo) (l'autorizzazione|i permessi|accesso|l'autorit[àa])\b|\bbuiten (mijn|onze|zijn|haar) (bevoegdheid|mandaat|mogelijkheden)\b|\bau(?:ß|ss)erhalb (meiner|unserer|seiner|ihrer|der|des) ([\w-]+ )?(Befugnis\w*|Kompetenz\w*|Zust[äa]ndigkeit\w*|Berechtigung\w*)\b|\bkeine (Berechtigung|Befugnis|Freigabe)\b",
        r"\b(niet (mogelijk|toegestaan)|kan (ik )?niet|vereist|beleid|overschrijdt|limiet|(kan|kunnen|mag|mogen) (alleen|enkel|uitsluitend)|alleen (de|het|een|onze) [\w-]+ (kan|mag))\b|\bgeen (toegang|bevoegdheid|rechten)\b",
        // Who alone may act, and what the agent has no access to, in more
        // languages: "seul le service ... peut", "solo un supervisor puede",
        // "nur ein Kollege kann", "wymaga", "nie mam dostępu".
        r"\b(seul(e|s|es)? (le|la|les|l'|un|une|notre) |solo (el|la|un|una|nuestro|nuestra|il|lo|un|uno) [\w-]+ (puede|pueden|può|possono)|nur (der|die|das|ein|eine|unser|unsere) [\w-]+ (kann|darf|können)|n'ai pas acc[eè]s|no tengo acceso|kein(en)? Zugriff)\b",
        r"\b(wymaga|wymagaj[ąa]|nie mog[ęe]|nie mam (dost[ęe]pu|uprawnie[ńn]|mo[żz]liwo[śs]ci)|przekracza|tylko (dzia[łl]|zesp[óo][łl]|konsultant|specjalista)|poza moimi|nie jest mo[żz]liwe)\b",
        // Who alone may act, with a pronoun or words between: "solo la
        // puede autorizar el banco", "que só um perito pode aprovar",
        // "seule l'équipe juridique peut".
        r"\b(solo|sólo|só|somente|apenas|seul(e|s|es)?|nur|soltanto|solamente|alleen|enkel|uitsluitend)\b[^.;,]{0,40}?\b(puede|pueden|pode|podem|peut|peuvent|kann|können|darf|dürfen|può|possono|kan|kunnen|mag|mogen)\b",
        // ... with the verb first: "il richiamo può avviarlo solo un
        // operatore", "das kann nur ein Kollege", "dat mag alleen een
        // medewerker".
        r"\b(puede|pueden|pode|podem|peut|peuvent|kann|können|darf|dürfen|può|possono|kan|kunnen|mag|mogen)\b[^.;,]{0,25}?\b(solo|sólo|só|somente|apenas|seul(e|s|es)?|nur|soltanto|solamente|alleen) (un|una|uno|el|la|il|lo|l'|le|les|der|die|das|ein|eine|de|het|een|um|uma|o|a|nuestro|nuestra|nostro|nostra|notre|unser|unsere|onze|nosso|nossa)( [\w-]+)? (operat\w+|consulent\w*|colleg\w+|coleg\w+|tecnic\w+|t[ée]cnic\w+|technicien\w*|addett\w+|responsab\w+|supervis\w+|team|equipo|equipe|[ée]quipe|ufficio|reparto|servi[cz]\w*|specialist\w*|especialista\w*|sp[ée]cialiste\w*|agente?s?|persona|person|umano|humano|Kolleg\w*|Mitarbeiter\w*|Berater\w*|Abteilung|Fachabteilung|medewerker\w*|afdeling|monteur|compa[ñn]er\w+|atendente|analista|conseill\w+|gestor\w*|gerente|manager)\b",
        // What cannot be done, in Dutch's "not to be" ("is op afstand niet
        // op te lossen"), and what it asks for ("vraagt een monteur").
        r"\bniet (\w+ )?te (lossen|verhelpen|repareren|herstellen|regelen|wijzigen|verwerken)\b|\bvraagt (\w+ )?(om )?een (monteur|technicus|medewerker|specialist|collega)\b",
        // A procedure or protocol followed: "selon la procédure clients
        // vulnérables", "per our safeguarding protocol", "según el protocolo".
        r"\b(selon|conform[ée]ment [àa]|suivant|per|under|according to|volgens|gem[äa][ßs]|laut|seg[uú]n|secondo|conforme|de acordo com)\b[^.;,]{0,30}?\b(proc[ée]dures?|protocols?|protocoles?|procedimientos?|protocolos?|procedur[ae]|protocoll[oi]|Verfahren|Protokoll|procedimentos?)\b",
        // The hand-over said with its cause, wherever the cause stands:
        // "escalating because she needs a site visit", "transferido porque
        // precisa de um técnico" (the cause may be what the customer needs).
        // ("passing to TV support as the box is likely faulty", "routed to
        // claims given the amount"; "as" before a word other than "a"/"an")
        r"\b(escalat(e|es|ed|ing)|transferr(ed|ing)|handing (it |this |them |him |her )?over|handed (it |this |them |him |her )?over|passing (it |this )?on|(pass|passing|passed|send|sending|sent|rout(e|ed|ing)|referr(ed|ing)|forward(ed|ing)?) (it |this |him |her |them |the case |the customer )?(on |over )?to|derivad[oa]s?|transferid[oa]s?|encaminhad[oa]s?|trasferit[oa]|transf[ée]r[ée]e?s?|weitergeleitet)\b[^.;]{0,30}?\b(because|given( that)?|as\s+([b-z]\w*|a[a-mo-z]\w*|an\w+)|porque|pois|parce que|puisque|weil|perché|poiché|omdat)\b",
        // Whose work it is and the hand-over as what follows, in Portuguese:
        // "pedidos de recall são da equipa de fraude, daí a transferência".
        r"\b(é|são|e) (da|do) (equipa|equipe|área|setor|departamento|time)\b|\bdaí (a|o) (transfer[êe]ncia|encaminhamento|escalonamento|escala[çc][ãa]o)\b",
        // Who alone may act, named without a verb: "→ nur Sachbearbeitung",
        // "solo operatore ufficio danni", "alleen via de afdeling" (a role
        // or a desk, not "a person"); and who the case needs: "serve un operatore
        // dell'ufficio danni", "il faut un conseiller", "hace falta un
        // técnico", "Sachbearbeitung nötig", "een behandelaar nodig".
        r"\b(nur|solo|sólo|soltanto|solamente|seulement|uniquement|alleen|enkel|uitsluitend|apenas|só|somente)( (by|via|through|durch|über|per|por|par|door|tramite|da|de|pelo|pela))?( (the|a|an|our|der|die|das|den|dem|ein|eine|einen|unser\w*|el|la|un|una|nuestro|nuestra|il|lo|l'|nostro|nostra|le|les|notre|de|het|een|onze|o|a|um|uma|nosso|nossa))? (operat\w+|consulent\w*|colleg\w+|coleg\w+|tecnic\w+|t[ée]cnic\w+|technici\w+|addett\w+|responsab\w+|supervis\w+|specialist\w*|especialista\w*|sp[ée]cialiste\w*|Kolleg\w*|Mitarbeiter\w*|Berater\w*|Sachbearbeit\w*|Fachabteilung|Abteilung|medewerker\w*|behandelaar\w*|afdeling|monteur|compa[ñn]er\w+|atendente|analista|conseill\w+|gestor\w*|gerente|manager|ufficio|reparto|equipo|equipe|[ée]quipe|team|servizio|Techniker\w*|Vorgesetzt\w*|expert\w*|perit\w+)\b",
        r"\b(serve|servono|occorre|occorrono|ci vuole|ci vogliono|[èe] necessari[oa]|il faut|hace falta|se necesita|[ée] preciso|[ée] necess[áa]rio)\b[^.;]{0,30}?\b(operat\w+|consulent\w*|colleg\w+|coleg\w+|tecnic\w+|t[ée]cnic\w+|technici\w+|addett\w+|responsab\w+|supervis\w+|specialist\w*|especialista\w*|sp[ée]cialiste\w*|compa[ñn]er\w+|atendente|analista|conseill\w+|gestor\w*|gerente|ufficio|reparto|equipo|equipe|[ée]quipe|servizio|expert\w*|perit\w+|intervento|intervention|intervenci[oó]n|aprobaci[oó]n|approvazione|autorizza\w+|autorisation|autoriza\w+)\b",
        r"\b(Kolleg\w*|Mitarbeiter\w*|Berater\w*|Sachbearbeit\w*|Fachabteilung|Abteilung|Techniker\w*|Vorgesetzt\w*|Freigabe|Genehmigung|Prüfung|medewerker\w*|behandelaar\w*|afdeling|monteur|specialist\w*|expert\w*|goedkeuring|toestemming|beoordeling)\b[^.;]{0,30}?\b(nötig|notwendig|erforderlich|nodig|vereist)\b",
        // Who the case needs, said as the customer's need: "Sie braucht
        // sofort einen Disponenten", "she needs a dispatcher to send
        // help", "a besoin d'un technicien", "ha bisogno di un operatore",
        // "precisa de um técnico" (the role right after the article: "a
        // new desk", "einen Termin beim Techniker" or "a doctor's note" is
        // what the customer wants).
        r"\b(braucht|brauchen|needs|need|needed|requires|a besoin d'|ont besoin d'|ha bisogno di|hanno bisogno di|precisa de|precisam de|necesita|necesitan)\s*(sofort |dringend |urgently |immediately |now |right away |urgentemente |urgente |d'urgence )?(einen|eine|einem|den|die|a|an|the|our|un|une|uno|una|um|uma|el|la|il|lo|l'|o)\s?(Disponent\w*|Kolleg\w*|Mitarbeiter\w*|Techniker\w*|Spezialist\w*|Sachbearbeit\w*|Berater\w*|Vorgesetzt\w*|dispatchers?|technicians?|engineers?|specialists?|supervisors?|managers?|adjusters?|officers?|advis[eo]rs?|conseill\w+|techniciens?|sp[ée]cialistes?|responsables?|op[ée]rat\w+|t[ée]cnic[oa]s?|tecnic[oa]|especialistas?|specialist[ai]|supervis\w+|atendentes?)(?:[^\w'’]|$)",
        // Japanese has no word spaces: a cause ("…のため", "…ので") before
        // the hand-over, authority ("権限"), what cannot be done.
        r"(ため|ので)[、,]?[^。]{0,25}(引き継|転送|エスカレ|おつなぎ|お繋ぎ|担当)|権限|できません|できかねます|対応不可",
    ])
    .expect("the built-in patterns compile")
});

/// Why it escalates, in words that name a cause only outside the
/// customer's request: "because", "since", "insists", the escalation
/// itself, and their equivalents in other languages ("porque", "parce
/// que", "weil", "perché", "omdat"). In "wants a refund because the
/// grinder cracked" the cause is the request's, not the handoff's.
static REASON_OUTSIDE_REQUEST: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(because|since|due to|as the|so that|escalat\w*|eskal\w*)\b",
        r"\b(porque|ya que|debido a|dado que|se escala|se transfiere|se deriva|se remite|por eso|por ello|por isso|c'est pourquoi|deshalb|daher|per questo|daarom|parce que|puisque|en raison d|weil|aufgrund|wegen|pois|devido a|já que|perché|poiché|dato che|a causa d|omdat|vanwege|aangezien)\b",
    ])
    .expect("the built-in patterns compile")
});

/// The first words of a reason in the summary: [`REASON`] in any clause,
/// [`REASON_OUTSIDE_REQUEST`] in a clause that is not the customer's
/// request. Byte range in `summary`.
fn reason(summary: &str) -> Option<(usize, usize)> {
    // A clause in which the customer turns something down, or says why:
    // "(which) she declined because bloods must be taken in person" gives
    // the customer's reason, not the handoff's.
    static CUSTOMER_CAUSE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^\W*(?:he|she|they|the (?:customer|caller|user|client|patient|member|guest|passenger))\s+(?:(?:also|then|had|has)\s+)?(?:declined|refused|rejected|turned (?:it|this|that|them)? ?down|said|says|explained|explains)\b",
        )
        .expect("the built-in pattern compiles")
    });
    // The hand-over as what follows from what the summary said before it:
    // "loss mitigation must review it, so I'm transferring her", "staff must
    // confirm short-notice bookings, so it's going to the assist team".
    static SO_HANDED_OVER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\w[^.;!?]{8,}?,?\s+(so|hence|therefore|which is why|that's why|and so)\s+(?:(?:I'm|I am|we're|we are|I've|we've|I have|we have|I'll|I will|we'll|it's|it is|this is|it has been|this has been|she's|he's|they're|she is|he is|they are)\s+)?(?:now\s+|being\s+)?(?:transferr\w*|transfer|escalat\w*|hand(?:ing|ed)?\s+(?:\w+\s+)?(?:over|on)|pass(?:ing|ed)?\s+(?:\w+\s+)?(?:on|over|to)|rout(?:ing|ed)|referr\w*|refer|sending|sent|going to|goes to|connect\w*|forward\w*)\b",
        )
        .expect("the built-in pattern compiles")
    });
    let handed_over = || {
        let caps = SO_HANDED_OVER.captures(summary)?;
        let (so, all) = (caps.get(1)?, caps.get(0)?);
        Some((so.start(), all.end()))
    };
    clauses(summary)
        .find_map(|clause| {
            if CUSTOMER_CAUSE.is_match(clause) {
                return None;
            }
            let at = clause.as_ptr() as usize - summary.as_ptr() as usize;
            let found = REASON.find(clause).or_else(|| {
                if REQUEST_CLAUSE.is_match(clause) {
                    None
                } else {
                    REASON_OUTSIDE_REQUEST
                        .find_iter(clause)
                        .find(|m| !temporal_since(clause, m.start, m.end))
                }
            })?;
            Some((at + found.start, at + found.end))
        })
        .or_else(handed_over)
}

/// A fact the summary states that only a tool gave, as what the agent looked
/// up: in a clause of the summary's own (not the customer's request or
/// account, nor who was verified), a word of a phrase a tool result wrote,
/// or a figure it returned, before the escalation, that the customer never
/// said ("the bill was based
/// on an *estimated* read", "outstanding is 18,42,300", "the outage is an
/// *underground* cable fault"). Transfer tools' results do not count. Byte
/// range in `summary`.
fn tool_finding(
    conversation: &Conversation,
    summary: &str,
    ids: &[String],
) -> Option<(usize, usize)> {
    let end = conversation
        .facts
        .escalation
        .unwrap_or(conversation.events.len());
    let mut returned = String::new();
    let mut numbers = Vec::new();
    // Error codes a tool answered with ("LEAD_TIME_UNDER_24H"), found in
    // the summary as written.
    let mut codes: Vec<&str> = Vec::new();
    for event in &conversation.events[..end] {
        if let EventKind::ToolCall {
            tool,
            result,
            error,
            ..
        } = &event.kind
        {
            let tool = tool.to_ascii_lowercase();
            if ["transfer", "escalat", "handoff", "hand_off", "handover"]
                .iter()
                .any(|word| tool.contains(word))
            {
                continue;
            }
            if let Some(result) = result {
                values_of(result, &mut returned, &mut numbers);
            }
            // What a tool refused with is what the agent found: its code
            // and its words ("PROVISIONING_LOCK: manual release required").
            if let Some(error) = error {
                let mut words = error.clone();
                for code in error_codes(error) {
                    codes.push(code);
                    words = words.replace(code, " ");
                }
                returned.push_str(&words);
                returned.push_str(" . ");
            }
        }
    }
    if returned.is_empty() && numbers.is_empty() && codes.is_empty() {
        return None;
    }
    let said: Vec<&str> = conversation
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Turn {
                speaker: Speaker::Customer,
                text,
                ..
            } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let mut terms = key_terms(&returned);
    // Words only: ids ("WUNA5K", "CO-197") name what was asked about, and
    // figures are compared below.
    terms.retain(|term| !term.word().bytes().any(|b| b.is_ascii_digit()));
    drop_terms_in(&mut terms, said.iter().copied());
    drop_terms_in(&mut terms, ids.iter().map(String::as_str));
    let said_numbers: Vec<String> = said
        .iter()
        .flat_map(|text| figures(text))
        .map(|(_, _, figure)| figure)
        .collect();
    numbers
        .retain(|n| n.bytes().filter(u8::is_ascii_digit).count() >= 3 && !said_numbers.contains(n));
    let mut reported = Reported::default();
    clauses(summary).find_map(|clause| {
        if reported.goes_on(summary, clause)
            || REQUEST_CLAUSE.is_match(clause)
            || reports_the_customer(clause)
            || IDENTITY_CLAUSE.is_match(clause)
        {
            return None;
        }
        let at = clause.as_ptr() as usize - summary.as_ptr() as usize;
        let word = clause
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|token| !token.is_empty())
            .find(|token| !terms_found(&terms, token).is_empty())
            .map(|token| {
                let start = token.as_ptr() as usize - clause.as_ptr() as usize;
                (start, start + token.len())
            });
        let word = word.or_else(|| {
            codes.iter().find_map(|code| {
                let start = clause.find(code)?;
                Some((start, start + code.len()))
            })
        });
        let number = figures(clause)
            .into_iter()
            .find(|(_, _, figure)| numbers.contains(figure))
            .map(|(start, end, _)| (start, end));
        let (start, end) = match (word, number) {
            (Some(w), Some(n)) => w.min(n),
            (w, n) => w.or(n)?,
        };
        Some((at + start, at + end))
    })
}

/// The text values of a tool result, joined into `text`, and its numbers.
fn values_of(value: &Value, text: &mut String, numbers: &mut Vec<String>) {
    match value {
        // A phrase the tool wrote ("underground cable fault"), not a code
        // or a status ("basic_economy", "CANCELLED") a request also names.
        Value::String(s) if s.trim().contains(char::is_whitespace) => {
            text.push_str(s);
            text.push_str(" . ");
        }
        // A state a lookup returned in a word ("current", "pending",
        // "barred"), written in lower case as states are, not a code
        // ("basic_economy", "CANCELLED") that names what was asked about.
        Value::String(s) if s.len() >= 4 && s.bytes().all(|b| b.is_ascii_lowercase()) => {
            text.push_str(s);
            text.push_str(" . ");
        }
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                numbers.push(figure(f));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| values_of(v, text, numbers)),
        // A person's name is who the case is about, not something found:
        // "Carmen Jiménez Soto" returned by a patient lookup.
        Value::Object(map) => {
            for (key, value) in map.iter().filter(|(key, _)| !is_name_key(key)) {
                match value {
                    // A state or a cause a lookup returned as a code, read
                    // as its words: `"holdReason": "reporting_not_completed"`
                    // is "reporting not completed", `"status": "on_hold"`
                    // "on hold", and in capitals `"state": "IN_BEHANDELING"`
                    // "in behandeling". Other codes name what was asked about.
                    Value::String(code) if is_state_key(key) && is_snake_code(code) => {
                        text.push_str(&code.to_lowercase().replace('_', " "));
                        text.push_str(" . ");
                    }
                    _ => values_of(value, text, numbers),
                }
            }
        }
        _ => {}
    }
}

/// Keys whose value is a state or a cause (`status`, `holdReason`,
/// `denialReason`, `outcome`, `decision`).
fn is_state_key(key: &str) -> bool {
    let key = key.to_lowercase();
    [
        "status", "reason", "state", "outcome", "decision", "cause", "result",
    ]
    .iter()
    .any(|part| key.contains(part))
}

/// A code in words of one case joined by underscores: "on_hold",
/// "no_prior_authorization", "PENDING_AT_SWITCH".
fn is_snake_code(text: &str) -> bool {
    text.contains('_')
        && (text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            || text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
}

/// Keys that hold a person's name or their contacts, in the languages tool
/// results are written in (`name`, `first_name`, `nombre`, `nom`, `nome`,
/// `naam`, `Vorname`, `contactosAutorizados`); `nom` and `nome` only as
/// the whole key ("economy" holds "nom").
fn is_name_key(key: &str) -> bool {
    let key = key.to_lowercase();
    key == "nom"
        || key == "nome"
        || [
            "name",
            "nombre",
            "apellido",
            "prenom",
            "prénom",
            "cognome",
            "sobrenome",
            "naam",
            "contact",
        ]
        .iter()
        .any(|part| key.contains(part))
}

/// The codes in a tool's error: words in capitals joined by underscores
/// ("NOT_ELIGIBLE", "GROUP_OVER_LIMIT_25").
fn error_codes(error: &str) -> impl Iterator<Item = &str> {
    static CODE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
            .expect("the built-in pattern compiles")
    });
    CODE.find_iter(error).map(|m| m.as_str())
}

/// A number written the one way figures are compared: no grouping, no
/// trailing zero decimals ("1,842,300.00" and 1842300.0 are "1842300").
fn figure(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Figures standing alone in a text (not part of an id such as "CO-197" or
/// "A12"): byte range and the figure as [`figure`] writes it.
fn figures(text: &str) -> Vec<(usize, usize, String)> {
    static FIGURE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\d[\d,]*(?:\.\d+)?").expect("the built-in pattern compiles")
    });
    FIGURE
        .find_iter(text)
        .filter(|m| {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
        .filter_map(|m| {
            let raw = m.as_str().trim_end_matches(',').replace(',', "");
            let value: f64 = raw.parse().ok()?;
            let end = m.start() + m.as_str().trim_end_matches(',').len();
            Some((m.start(), end, figure(value)))
        })
        .collect()
}

/// Whether the words at `start..end` of `clause` are "since" telling when
/// ("stuck since 8 November", "since last week", "since this morning"), not
/// why.
fn temporal_since(clause: &str, start: usize, end: usize) -> bool {
    static WHEN: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^\s+(?:\d|(?:about|around|at least|early|late|mid|before|after|the (?:start|beginning|end|middle|weekend|morning|evening|first|last|\d))\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:yesterday|today|tonight|last|this|then|earlier|midnight|noon|morning|lunchtime|[a-z]+ ago)\b)",
        )
        .expect("the built-in pattern compiles")
    });
    clause[start..end].eq_ignore_ascii_case("since") && WHEN.is_match(&clause[end..])
}

/// Values the conversation holds that identify the customer.
fn customer_identifiers(conversation: &Conversation) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |value: &str| {
        let value = value.trim().trim_matches(|c: char| c == '.' || c == ',');
        if value.chars().count() >= 3 && !found.iter().any(|f| f.eq_ignore_ascii_case(value)) {
            found.push(value.to_string());
        }
    };
    if let Some(name) = &conversation.customer.name {
        add(name);
    }
    if let Some(name) = conversation
        .package()
        .and_then(|p| p.str_at("customer.name"))
    {
        add(name);
    }
    // Importers give a customer without an id of the source a synthetic one.
    if !conversation.customer.id.starts_with("conversation:") {
        add(&conversation.customer.id);
    }
    for (index, event) in conversation.events.iter().enumerate() {
        match &event.kind {
            EventKind::ToolCall { args, result, .. } => {
                if let Value::Object(map) = args {
                    person_fields(map, true, &mut add);
                }
                if let Some(Value::Object(map)) = result {
                    person_fields(map, false, &mut add);
                }
            }
            EventKind::Turn {
                speaker: Speaker::Customer,
                ..
            } => {
                if let Some(text) = conversation.matching_text(index) {
                    stated_identity(text, &mut add);
                }
            }
            _ => {}
        }
    }
    found
}

/// Whether a key holds an id of a user, customer, account or member
/// (`user_id`, `customerNumber`, `username`), a phone number or an e-mail
/// address; not other facts about them (`account_status`).
fn is_id_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if ["phone", "email", "e_mail"].iter().any(|k| key.contains(k)) {
        return !key.contains("verified") && !key.contains("status");
    }
    let whose = ["user", "customer", "account", "member"]
        .iter()
        .any(|k| key.contains(k));
    let id = key.ends_with("id")
        || key.contains("number")
        || key.ends_with("_no")
        || key == "username"
        || ["user", "customer", "account", "member"].contains(&key.as_str());
    whose && id
}

/// Identity fields of one object: ids (keys naming a user, customer ...)
/// and, where the object is a person, their name. Tool arguments name a
/// person by `first_name` and `last_name`; a tool result only when it also
/// holds such an id, and a bare `name` only when the object is not about
/// an order, a product or a booking (a product's `name` is not a customer's).
fn person_fields(
    map: &serde_json::Map<String, Value>,
    arguments: bool,
    add: &mut impl FnMut(&str),
) {
    let mut has_id = false;
    for (key, value) in map {
        if !is_id_key(key) {
            continue;
        }
        match value {
            Value::String(s) => {
                add(s);
                has_id = true;
            }
            Value::Number(n) => {
                add(&n.to_string());
                has_id = true;
            }
            _ => {}
        }
    }
    if !(arguments || has_id) {
        return;
    }
    let (mut first, mut last) = person_name(map);
    if first.is_none()
        && let Some(Value::Object(name)) = map.get("name")
    {
        (first, last) = person_name(name);
    }
    match (first, last) {
        (Some(first), Some(last)) => add(&format!("{first} {last}")),
        (Some(first), None) => add(first),
        _ => {}
    }
    // A bare `name` beside an order's or a product's fields names the thing.
    let about_a_thing = map.keys().any(|key| {
        let key = key.to_ascii_lowercase();
        [
            "order",
            "item",
            "product",
            "price",
            "sku",
            "flight",
            "reservation",
        ]
        .iter()
        .any(|thing| key.contains(thing))
    });
    let full = text_at(
        map,
        &["full_name", "fullName", "customer_name", "customerName"],
    )
    .or_else(|| {
        if arguments || about_a_thing {
            None
        } else {
            text_at(map, &["name"])
        }
    });
    if let Some(full) = full {
        add(full);
    }
}

/// The first of `keys` that holds text.
fn text_at<'m>(map: &'m serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'m str> {
    keys.iter()
        .find_map(|key| map.get(*key).and_then(Value::as_str).map(str::trim))
}

/// A person's first and last name fields.
fn person_name(map: &serde_json::Map<String, Value>) -> (Option<&str>, Option<&str>) {
    (
        text_at(map, &["first_name", "firstName", "given_name"]),
        text_at(map, &["last_name", "lastName", "family_name", "surname"]),
    )
}

/// The name a customer gives and the ids they type, in one of their turns.
fn stated_identity(text: &str, add: &mut impl FnMut(&str)) {
    static NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?:[Mm]y name is|[Mm]y name's|[Nn]ame is|[Nn]ame's|[Tt]his is|I am|I'm|[Ii]t's|[Cc]all me|[Ss]peaking:?|[Mm]e llamo|[Mm]i nombre es|[Jj]e m'appelle|[Mm]on nom est|[Ii]ch heiße|[Mm]ein Name ist|[Mm]i chiamo|[Ii]l mio nome è|[Mm]eu nome é|[Mm]e chamo|[Mm]ijn naam is|[Ii]k heet)\s+(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)|^\W*(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)\s+here\b",
        )
        .expect("the built-in pattern compiles")
    });
    static ID: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:user ?id|user ?name|username|customer (?:id|number|no\.?)|account (?:id|number|no\.?)|member(?:ship)? (?:id|number|no\.?)|loyalty (?:id|number)|customer ?#)\s*(?:is|:|#|=)?\s*([a-z0-9][a-z0-9_.-]{2,})|\b([a-z]+(?:_[a-z]+)+_\d+)\b|\b([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\b|((?:\+?\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b)",
        )
        .expect("the built-in pattern compiles")
    });
    /// Capitalised words after "I'm" that are not names.
    const NOT_NAMES: &[&str] = &[
        "I",
        "A",
        "An",
        "The",
        "Not",
        "So",
        "Very",
        "Really",
        "Just",
        "Trying",
        "Calling",
        "Looking",
        "Writing",
        "Here",
        "Sorry",
        "Still",
        "Having",
        "Going",
        "Hoping",
        "Afraid",
        "Sure",
        "Okay",
        "Ok",
        "OK",
        "Fine",
        "Good",
        "Interested",
        "Unable",
        "Done",
        "Frustrated",
        "Happy",
        "Glad",
        "Annoyed",
        "Upset",
        "Confused",
        "Worried",
        "Reaching",
        "Contacting",
        "Following",
        "Back",
        "Again",
        "Also",
        "Currently",
        "Now",
        "Yes",
        "No",
        "Hi",
        "Hello",
        "Thanks",
        "Please",
    ];
    for caps in NAME.captures_iter(text) {
        let Some(name) = caps.get(1).or_else(|| caps.get(2)) else {
            continue;
        };
        let first = name.as_str().split_whitespace().next().unwrap_or_default();
        if !NOT_NAMES.contains(&first) {
            add(name.as_str());
        }
    }
    for caps in ID.captures_iter(text) {
        // An e-mail address or a phone number is the customer's only when
        // they say so ("my number is", "reach me at"); a customer also
        // quotes an insurer's or a shop's.
        let theirs = |at: usize| {
            let mut from = at.saturating_sub(40);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let near = text[from..at].to_ascii_lowercase();
            [
                "my ",
                "me at",
                "me on",
                "reach me",
                "call me",
                "contact me",
                "i'm at",
            ]
            .iter()
            .any(|cue| near.contains(cue))
        };
        if let Some(id) = caps.get(1).or_else(|| caps.get(2)) {
            add(id.as_str());
        } else if let Some(id) = caps.get(3).or_else(|| caps.get(4))
            && theirs(id.start())
        {
            add(id.as_str());
        }
    }
}

/// The digits of a phone-number-shaped id (seven or more digits with only
/// separators between them), to match however the summary writes it.
fn phone_digits(id: &str) -> Option<String> {
    let shaped = id
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    (shaped && digits.len() >= 7).then_some(digits)
}

/// Whether the summary names the customer by `id`.
fn names_customer(summary: &str, lower: &str, summary_digits: &str, id: &str) -> bool {
    lower.contains(&id.to_lowercase())
        // A name in a script without word spaces is written without them
        // ("佐藤 美咲" as "佐藤美咲様").
        || (id.chars().any(is_cjk) && {
            let joined: String = id.split_whitespace().collect();
            summary.contains(&joined)
        })
        || phone_digits(id).is_some_and(|digits| summary_digits.contains(&digits))
        || id.split_whitespace().next().is_some_and(|first| {
            first.chars().count() >= 3
                && id.contains(char::is_whitespace)
                && super::text::has_token(summary, first)
        })
        || name_in_id(id).is_some_and(|names| {
            names
                .iter()
                .all(|name| super::text::has_token(summary, name))
        })
}

/// The name parts of a user id built from a name (`omar_rossi_1241` ->
/// `omar`, `rossi`): at least two alphabetic parts of three letters or more.
fn name_in_id(id: &str) -> Option<Vec<&str>> {
    if id.contains(char::is_whitespace) {
        return None;
    }
    let names: Vec<&str> = id
        .split(['_', '.', '-'])
        .filter(|part| part.len() >= 3 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    (names.len() >= 2).then_some(names)
}

/// Words a customer pushes back with ("I insist", "that's absurd"): said
/// in the opening turns, they are not what the customer asks for.
const PUSHBACK: &[&str] = &[
    "insist",
    "absurd",
    "ridic",
    "unaccept",
    "outrage",
    "frustrat",
    "annoy",
    "angry",
    "upset",
    "disappoint",
    "terrible",
    "horrible",
    "awful",
    "serious",
    "honest",
    "really",
    "absolute",
    "definite",
    "great",
    "perfect",
    "thank",
    "hello",
    "sorry",
];

/// Number words of a spoken request ("seventeen", "forty") and their
/// values, to meet the digits a summary writes ("17-year-old").
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("four", "4"),
    ("five", "5"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
    ("hundred", "100"),
];

/// Request terms said as number words ("seventeen") whose value the
/// summary writes in digits ("17-year-old").
fn numbers_found<'t>(terms: &'t [Term], summary: &str) -> Vec<&'t str> {
    terms
        .iter()
        .filter_map(|term| {
            let word = term.word();
            let (_, digits) = NUMBER_WORDS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(word))?;
            super::text::has_token(summary, digits).then_some(word)
        })
        .collect()
}

/// The request as the handoff package's `intent.primary` states it, when the
/// summary says it in those words rather than the customer's ("add a
/// 17-year-old named driver" for "add my son to my car insurance"): at
/// least `min_terms` of the intent's key terms (all when fewer), and never
/// from an intent of a single term.
fn intent_found(conversation: &Conversation, summary: &str, min_terms: usize) -> Option<String> {
    let intent = conversation.package()?.str_at("intent.primary")?;
    let terms = key_terms(intent);
    if terms.len() < 2 {
        return None;
    }
    let hits = terms_found(&terms, summary);
    (hits.len() >= min_terms.min(terms.len()).max(2)).then(|| {
        format!(
            "request (as the package's intent states it: {} of {} terms: {})",
            hits.len(),
            terms.len(),
            hits.join(", ")
        )
    })
}

/// Short words a customer writes in capitals, as the names of things are
/// ("new SIM", "my PIN", "the TV box", "ATM"): too short to be key terms,
/// they name the request all the same, and are found in the summary as
/// written.
fn acronyms(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| {
            (2..=3).contains(&word.len())
                && word.bytes().all(|b| b.is_ascii_uppercase())
                && ![
                    "OK", "AM", "PM", "HI", "NO", "MY", "ME", "IT", "IS", "THE", "AND", "YOU",
                    "NOT", "BUT", "FOR", "WHY", "HOW",
                ]
                .contains(word)
        })
}

/// Key terms of the customer's opening turns, where they say what they
/// want, and of their last turn before the escalation, where a request that
/// changed on the way is said last ("then I'd like to speak to a
/// supervisor about my Gold status"); without the words they push back with.
/// The second list holds the words found in the summary as written: runs of
/// kanji or katakana, and [`acronyms`].
fn request_terms(conversation: &Conversation, turns: usize) -> (Vec<Term>, Vec<&str>) {
    let customer_turns = || {
        conversation
            .events
            .iter()
            .enumerate()
            .filter_map(|(index, event)| match &event.kind {
                EventKind::Turn {
                    speaker: Speaker::Customer,
                    text,
                    ..
                } => Some((index, text.as_str())),
                _ => None,
            })
    };
    let opening: Vec<(usize, &str)> = customer_turns().take(turns).collect();
    let last = conversation.facts.escalation.and_then(|at| {
        customer_turns()
            .take_while(|(index, _)| *index < at)
            .last()
            .filter(|(index, _)| !opening.iter().any(|(i, _)| i == index))
    });
    let said: Vec<(usize, &str)> = opening.into_iter().chain(last).collect();
    let mut cjk: Vec<&str> = Vec::new();
    for word in said
        .iter()
        .flat_map(|(_, text)| cjk_words(text).chain(acronyms(text)))
    {
        if !cjk.contains(&word) {
            cjk.push(word);
        }
    }
    let texts = said
        .iter()
        .map(|&(index, text)| (text, conversation.normalized(index)));
    let mut terms = key_terms_of_texts(texts);
    terms.retain(|term| {
        let lower = term.word().to_lowercase();
        // Words without spaces between them are read as `cjk` words.
        !PUSHBACK.iter().any(|stem| lower.starts_with(stem)) && !lower.chars().any(is_cjk)
    });
    (terms, cjk)
}

impl SummaryMentions {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        if conversation.facts.escalation.is_none() {
            return Outcome::na("no escalation");
        }
        let Some(index) = conversation.facts.package else {
            return Outcome::fail("escalated without a handoff package");
        };
        let Some(original) = conversation
            .package()
            .and_then(|p| p.summary())
            .filter(|s| !s.trim().is_empty())
        else {
            return Outcome::fail("the handoff package has no summary")
                .with(Evidence::event(conversation, index));
        };
        let normalized = super::normalize::normalize(original);
        let summary: &str = normalized.as_ref().map_or(original, |n| n.as_str());
        // Words the summary matched, quoted as the summary writes them.
        let written = |start: usize, end: usize| {
            let (start, end) = quote::whole_words(summary, start, end);
            let (from, to) = match &normalized {
                Some(normalized) => normalized.original_range(start, end),
                None => (start, end),
            };
            original
                .get(from..to)
                .unwrap_or(&summary[start..end])
                .to_string()
        };
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut skipped = Vec::new();
        // Who the customer is, as the conversation establishes it: read
        // once, for the customer item and to keep names and ids out of the
        // request and of what a tool returned.
        let ids = LazyCell::new(|| customer_identifiers(conversation));
        for item in &self.items {
            let verdict: Option<(bool, String)> = match item {
                Item::Customer => {
                    let lower = summary.to_lowercase();
                    let digits: String = summary.chars().filter(char::is_ascii_digit).collect();
                    (!ids.is_empty()).then(|| {
                        let hit = ids
                            .iter()
                            .find(|id| names_customer(summary, &lower, &digits, id));
                        match hit {
                            Some(id) => (true, format!("customer ({id})")),
                            None => (false, format!("customer ({})", ids.join(", "))),
                        }
                    })
                }
                Item::Request => {
                    let (mut terms, cjk) = request_terms(conversation, self.request_turns);
                    // The customer's name and ids are who, not what: "priya"
                    // and "nair" of an e-mail address state no request.
                    drop_terms_in(&mut terms, ids.iter().map(String::as_str));
                    (!terms.is_empty() || !cjk.is_empty()).then(|| {
                        let mut hits = terms_found(&terms, summary);
                        hits.extend(numbers_found(&terms, summary));
                        hits.extend(cjk.iter().filter(|word| {
                            if word.is_ascii() {
                                // An acronym, as a whole word.
                                summary
                                    .split(|c: char| !c.is_ascii_alphanumeric())
                                    .any(|token| token == **word)
                            } else {
                                summary.contains(**word)
                            }
                        }));
                        let needed = self.min_request_terms.min(terms.len() + cjk.len()).max(1);
                        if hits.len() < needed
                            && let Some(found) =
                                intent_found(conversation, summary, self.min_request_terms)
                        {
                            return (true, found);
                        }
                        let listed: Vec<&str> = terms
                            .iter()
                            .map(Term::word)
                            .chain(cjk.iter().copied())
                            .take(8)
                            .collect();
                        (
                            hits.len() >= needed,
                            format!(
                                "request ({} of {} terms: {})",
                                hits.len(),
                                terms.len() + cjk.len(),
                                if hits.is_empty() {
                                    listed.join(", ")
                                } else {
                                    hits.join(", ")
                                }
                            ),
                        )
                    })
                }
                Item::Tried | Item::Reason => {
                    let matched = match item {
                        Item::Tried => {
                            attempt(summary, self.tried_patterns.as_ref().unwrap_or(&TRIED))
                                .map(|words| match summary.find(words.as_str()) {
                                    Some(at) => format!("\"{}\"", written(at, at + words.len())),
                                    None => format!("\"{words}\""),
                                })
                                .or_else(|| {
                                    // With the built-in reading only: a
                                    // fact that only a tool gave was looked up.
                                    self.tried_patterns.is_none().then_some(())?;
                                    tool_finding(conversation, summary, &ids).map(|(start, end)| {
                                        format!(
                                            "as a tool returned it: \"{}\"",
                                            written(start, end)
                                        )
                                    })
                                })
                        }
                        _ => match &self.reason_patterns {
                            Some(patterns) => patterns
                                .find(summary)
                                .map(|m| format!("\"{}\"", written(m.start, m.end))),
                            None => reason(summary)
                                .map(|(start, end)| format!("\"{}\"", written(start, end))),
                        },
                    };
                    Some(match matched {
                        Some(words) => (true, format!("{} ({words})", item.name())),
                        None => (false, item.name().to_string()),
                    })
                }
            };
            match verdict {
                Some((true, what)) => found.push(what),
                Some((false, what)) => missing.push(what),
                None => skipped.push(item.name()),
            }
        }
        let evidence = Evidence::event(conversation, index).with_text(original);
        if found.is_empty() && missing.is_empty() {
            return Outcome::unscored(format!("nothing to look for ({})", skipped.join(", ")))
                .with(evidence);
        }
        let passed = match self.require {
            Require::All => missing.is_empty(),
            Require::Any => !found.is_empty(),
        };
        let mut reason = if passed {
            format!("the summary names {}", found.join(", "))
        } else {
            format!("the summary does not name {}", missing.join(", "))
        };
        if !skipped.is_empty() {
            reason.push_str(&format!("; nothing to look for: {}", skipped.join(", ")));
        }
        if passed {
            Outcome::pass(reason)
        } else {
            Outcome::fail(reason)
        }
        .with(evidence)
    }
}
