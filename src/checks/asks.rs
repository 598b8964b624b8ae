//! Whether a sentence asks the other side for something, or states it.
//!
//! "Can you confirm your date of birth?" asks; "your new PIN is 5839",
//! "check the account number on the confirmation before you press OK" and
//! "I'm sending you the list: the certificate and your ID" name the same
//! details without asking for them. Checks that look for a request of a
//! detail (`phrase_absent` with `asks_only`, `first_meaningful_response`'s
//! `not_meaningful`) read a match only in a sentence that asks.
//!
//! A sentence asks when it has a question mark (`?`, `？`), a request's
//! words ("please", "can I", "could you", "I need", "let me have", "tell
//! me", "bitte", "pouvez-vous", "merci de", "¿me puede", "poderia",
//! "potrebbe", "mag ik", "kunt u", "お願い", "ください", "教えて"), opens
//! with a verb that asks for a detail ("Confirm your postcode.", "Spell
//! your surname for me.", "Indíqueme su DNI.", "Nennen Sie mir ...",
//! "Confermi la data di nascita."), opens as a question without its mark
//! ("what's your date of birth", "wie lautet Ihre Kundennummer"), ends as a
//! Japanese question ("…でしょうか。", "…ますか。") or says it is asked
//! to prove who the customer is ("for security, your date of birth", "just
//! to verify it's you", "zur Sicherheit", "por seguridad", "念のため").
//! A sentence that does neither but is not built as a statement either
//! (no finite "to be" or "to have", no "I've sent", no "check ..." or
//! "keep ..." instruction: "Before we continue, your date of birth.",
//! "生年月日をどうぞ。") may still ask: [`may_ask`]. A sentence is cut at
//! `.`, `!`, `?`, `;`, a spaced dash, or their Japanese and full-width
//! forms.

use std::sync::LazyLock;

use regex::Regex;

/// The sentences of `text`, as byte ranges: up to and including `.`, `!`,
/// `?`, `;`, a dash between spaces, or their Japanese and full-width forms.
pub fn sentences(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    static BREAK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[.!?;。！？]+|\s[-–—]+\s").expect("built-in pattern compiles")
    });
    let mut from = 0;
    let mut breaks = BREAK.find_iter(text);
    std::iter::from_fn(move || {
        if from >= text.len() {
            return None;
        }
        let to = breaks.next().map_or(text.len(), |found| found.end());
        let sentence = (from, to);
        from = to;
        Some(sentence)
    })
}

/// The sentence of `text` (see [`sentences`]) that holds byte `at`.
pub fn sentence_holding(text: &str, at: usize) -> &str {
    sentences(text)
        .find(|&(_, to)| at < to)
        .map_or(text, |(from, to)| &text[from..to])
}

/// A request's words anywhere in the sentence, or a question mark.
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[?？]|\b(?:please|pls|plz|kindly|(?:can|could|may|might|would|will|shall) (?:I|we|you|u)|(?:I|we)(?:'ll|'d| will| would)?(?: just| first| also| still)? need|need (?:your|the|you to)|let (?:me|us) (?:have|know|take|grab|get|confirm|verify|just (?:have|take|grab|get|confirm|verify))|(?:tell|give|send|read) (?:me|us)|(?:I|we)(?:'d| would) like (?:to (?:confirm|verify|check|take|ask)|your)|(?:I|we)(?: have| got|'ve got|'m going|'ll have| must) to (?:confirm|verify|ask|take|check your)|bitte|teilen sie|nennen sie|geben sie|sagen sie|k[öo]nnen sie|k[öo]nnten sie|veuillez|merci de|pouvez-vous|pourriez-vous|puis-je|j'aurais besoin|por favor|me (?:puede|podr[ií]a|da|dice|confirma|indica|facilita|pasa|passa|informa|diz)|necesito|pode|poderia|preciso|per (?:favore|cortesia)|pu[òo]|potrebbe|mi (?:dica|dia|conferma|serve|fornisca|legga)|ho bisogno|graag|mag ik|kunt u|kun je|wilt u|zou u|s'il (?:vous|te) pla[iî]t|por gentileza|prego|alstublieft|alsjeblieft|br[äa]uchte|brauche|nodig|doorgeven|(?:I|we)(?: \w+){0,3} ask (?:you|for)|(?:vraag|vragen) (?:ik|we) u|(?:moet|mag|wil|zou) ik u(?: \w+){0,6} vragen|(?:le|te|les|lhe) (?:pido|pedir[ée]?|pe[çc]o|chiedo|chieder[òo])|(?:tengo|tenemos|debo|devo|dovrei|preciso) (?:que )?(?:pedir(?:le|te)?|chieder(?:le|ti)|perguntar)|je (?:dois |vais )?vous demander|(?:frage|fragen) (?:ich|wir) Sie|(?:muss|darf|m[öo]chte) ich Sie(?: \w+){0,4} (?:nach|um|fragen|bitten))\b|お願い|ください|下さい|どうぞ|させて(?:いただ|ください|もら)|いただけ|頂け|教えて|お聞かせ|伺|よろしいでしょうか|(?:でしょう|ます|です)か\s*[。.]?\s*$",
    )
    .expect("built-in pattern compiles")
});

/// A sentence that opens with a verb asking for a detail, or as a question
/// written without its mark (after particles and a name: "Okay Maria,
/// confirm your postcode").
static OPENS_AS_ASK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(?:(?:ok(?:ay)?|so|right|now|and|first(?:ly)?|then|lastly|alright|great|perfect|thanks|vale|bueno|bon|alors|gut|also|ok[eé]|allora|ecco|t[aá]|ent[aã]o|oké|goed)\W+|[\p{Lu}][\p{L}'-]+\s*,\s*){0,3}(?:confirm|verify|provide|state|spell|repeat|enter|type|quote|key in|pop|drop|reply with|share|what(?:'s| is| was| are)|which|can|could|would|may|do|does|did|is|are|have|confirme|conf[ií]rm(?:e|a)(?:me)?|ind[ií]que(?:me)?|d[ií]game|dime|d[eé]me|dame|facil[ií]te(?:me)?|proporci[oó]ne(?:me)?|cu[aá]l es|confirmez|indiquez|donnez|pr[ée]cisez|[ée]pelez|rappelez|quel(?:le)? est|bestätigen sie|best[äa]tige|nennen sie|geben sie|wie lautet|wie ist|wie war|confermi|conferma|indichi|mi dica|mi dia|qual è|qual e|quale|informe|diga|digite|passe|qual (?:é|e|o|a)|bevestig|geef|noem|wat is|wat was)\b",
    )
    .expect("built-in pattern compiles")
});

/// Said to be asked to prove who the customer is.
static FOR_SECURITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:for (?:security|verification|data protection|(?:your|the account's) (?:security|protection))(?: (?:purposes|reasons))?|(?:just )?to (?:verify|confirm|make sure) (?:it'?s|that it'?s|I'?m speaking|I am speaking|you'?re|you are|who|your identity|the account holder)|security (?:check|question)s?|zur Sicherheit|aus Sicherheitsgr[üu]nden|Sicherheitsabfrage|por (?:su |tu |motivos de |razones de )?seguridad|para (?:confirmar|verificar) (?:su|tu|sua|que)|pour (?:des raisons de )?s[ée]curit[ée]|v[ée]rification de s[ée]curit[ée]|per (?:motivi di )?sicurezza|verifica di sicurezza|por (?:motivos de )?seguran[cç]a|voor de (?:zekerheid|veiligheid)|veiligheidscontrole|ter (?:verificatie|controle|identificatie)|for (?:verification|ID) purposes|per (?:verifica|identificazione)|para (?:verifica[cç][aã]o|identifica[cç][aã]o|verificaci[oó]n|identificaci[oó]n)|zur (?:Verifizierung|[ÜU]berpr[üu]fung|Identifizierung)|pour (?:v[ée]rification|identification|v[ée]rifier votre identit[ée]))\b|念のため|確認のため|本人確認",
    )
    .expect("built-in pattern compiles")
});

/// A sentence built as a statement: a finite "to be" or "to have", "I've
/// updated", or an instruction to check or keep something ("your new PIN
/// is 5839", "check the account number on the confirmation",
/// "新しい暗証番号は「5839」です"). Sending is not stating: "I'll send you
/// a verification code now" asks for the code back.
static STATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:is|are|was|were|has|have|had|(?:I|we)(?:'ve| have) (?:updated|reset|changed)|es|son|era|fue|est[aá]|ha sido|est|sont|était|a été|ist|sind|war|wurde|é|s[aã]o|foi|est[aá]|è|sono|era|zijn|was|werd)\b|^\W*(?:check|double-check|look at|see|keep|note|make sure|remember|don't|do not|never)\b|\b(?:ya|already|d[ée]j[àa]|bereits|schon|gi[àa]|j[aá]|al)\b[^.!?]{0,30}\b(?:verific|verified|v[ée]rifi|gepr[üu]ft|best[äa]tigt|confirmad|confirmed|confirm[ée]|confermat|geverifieerd|bevestigd)\w*|(?:です|でした|ました|ます)\s*[。.]?\s*$",
    )
    .expect("built-in pattern compiles")
});

/// An ask said not to be made: "I won't ask for your PIN again", "I
/// won't need your date of birth", "no necesito su fecha de nacimiento",
/// "Ihr Geburtsdatum brauche ich nicht mehr", "生年月日は確認済みですので".
static NOT_ASKED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:I|we)(?: will|'ll)? (?:won't|will not|don't|do not|no longer) (?:need|ask|require)|no (?:necesito|necesitamos|hace falta)|brauche ich nicht|brauchen wir nicht|ich brauche (?:\w+ )?nicht|je n'ai (?:plus )?pas besoin|n[aã]o (?:preciso|precisamos)|non (?:ho|abbiamo) bisogno|(?:heb|hebben) (?:ik|we) niet (?:meer )?nodig)\b|確認済み|不要です|必要ありません|必要はございません",
    )
    .expect("built-in pattern compiles")
});

/// Whether `sentence` is worded as a request: a question mark, a
/// request's words, a verb that asks for a detail, "for security".
fn worded_as_request(sentence: &str) -> bool {
    REQUEST.is_match(sentence) || OPENS_AS_ASK.is_match(sentence) || FOR_SECURITY.is_match(sentence)
}

/// Whether `sentence` asks the other side for something (see the module
/// doc) rather than stating it.
pub fn asks(sentence: &str) -> bool {
    !NOT_ASKED.is_match(sentence) && worded_as_request(sentence)
}

/// Whether a detail named in `sentence` may be asked for: the sentence
/// asks (see [`asks`]), or it is not built as a statement. A bare
/// "Before we continue, your date of birth." or "生年月日をどうぞ。" asks
/// without a request's words; "your new PIN is 5839" states. An ask said
/// not to be made is neither (read once, for both).
pub fn may_ask(sentence: &str) -> bool {
    !NOT_ASKED.is_match(sentence) && (worded_as_request(sentence) || !STATES.is_match(sentence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_and_statements_are_told_apart() {
        for asked in [
            "Can you confirm your date of birth?",
            "What's your date of birth",
            "Confirm the last four digits of your card for me.",
            "Okay Maria, spell your surname.",
            "For security, your date of birth.",
            "Just to verify it's you, the first line of your address.",
            "Zur Sicherheit Ihr Geburtsdatum.",
            "Indíqueme su DNI.",
            "Wie lautet Ihre Kundennummer.",
            "生年月日を教えていただけますか。",
            "ご登録の電話番号でよろしいでしょうか。",
            "I'll just need your account number",
            "Let me grab your postcode.",
            "Votre date de naissance, s'il vous plaît.",
            "Ich bräuchte noch Ihr Geburtsdatum.",
            "Ik heb uw geboortedatum nodig.",
            "Voordat ik de factuur kan aanpassen, vraag ik u ter verificatie uw geboortedatum.",
            "Voordat ik een opdracht aanmaak, moet ik u wel even naar uw geboortedatum vragen.",
            "I have to ask you for your date of birth.",
            "Antes de seguir le pido su fecha de nacimiento.",
        ] {
            assert!(asks(asked), "{asked}");
        }
        for stated in [
            "Your new PIN is 5839.",
            "su fecha de nacimiento ya figura como verificada.",
            "aapki date of birth already verified hai.",
            "新しい暗証番号は「5839」です。",
            "Check the account number on the confirmation before you press OK.",
            "Le envío la lista de documentos: el acta y su DNI.",
            "I've updated the address on your account.",
            "The date of birth on the form was wrong.",
            "Your PIN is reset.",
            "Maria, your PIN is reset.",
            "I won't ask for your PIN again.",
            "Ihr Geburtsdatum brauche ich nicht mehr.",
            "生年月日は確認済みですので、ご安心ください。",
        ] {
            assert!(!asks(stated), "{stated}");
        }
    }

    #[test]
    fn fragments_may_ask_and_statements_may_not() {
        for fragment in [
            "Before we continue, your date of birth.",
            "生年月日をどうぞ。",
            "Quick one: postcode",
        ] {
            assert!(may_ask(fragment), "{fragment}");
        }
        for stated in [
            "Your new PIN is 5839.",
            "su fecha de nacimiento ya figura como verificada.",
            "aapki date of birth already verified hai.",
            "新しい暗証番号は「5839」です。",
            "Check the account number on the confirmation before you press OK.",
        ] {
            assert!(!may_ask(stated), "{stated}");
        }
    }

    #[test]
    fn the_sentence_holding_a_byte_is_the_one_around_it() {
        let text = "Your PIN is new. Can you read me your PIN? Thanks";
        let at = text.rfind("PIN").unwrap();
        assert_eq!(
            sentence_holding(text, at).trim(),
            "Can you read me your PIN?"
        );
        let at = text.find("PIN").unwrap();
        assert_eq!(sentence_holding(text, at), "Your PIN is new.");
        assert_eq!(
            sentence_holding("生年月日は。教えてください", 20),
            "教えてください"
        );
    }
}
