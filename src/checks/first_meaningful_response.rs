//! `first_meaningful_response`: how long the customer waits, after the human
//! connects, for something that is not filler.
//!
//! ## What it does
//! Measures from the `humanConnected` event to the first human turn that is
//! not filler. A turn is filler when nothing is left of it but particles
//! ("okay", "so"), terms of address and names once these are set aside:
//! greetings ("Hi there", "Good morning"), the human introducing themselves
//! or their desk ("this is Dana from billing", "Eoin here, technical
//! support", "Fraud team,", "you're through to renewals", "ici Paul,
//! conseiller", "le atiende Nuria, del área de facturación"), thanks or sorry
//! for the wait ("thanks so much for your patience", "thank you for calling
//! City Water") and the `filler` patterns: holding ("one moment", "bear
//! with me", "let me pull up your file", "just reading through the notes",
//! "are you still there?"), in the other languages too ("hier ist Lena vom
//! Support", "soy Marta de reclamaciones", "¿en qué le puedo ayudar?",
//! "zur Sicherheit: wie lautet Ihr Geburtsdatum?"). However long such a turn is, and even when it
//! names the customer, it says nothing about the case; "one moment while I
//! approve the refund" or "let me check the mast near you" does. A turn of
//! more than `filler_max_words` words (default 40) is never filler.
//!
//! Nor is a turn about the case when all it asks is what anyone could ask
//! without the handoff ("how can I help?", "what's the issue?", "could you
//! tell me what you need help with?", "¿en qué puedo ayudarle?"), which
//! thing the case is about ("which payment is this about?", "c'est pour quelle
//! facture ?", "um welche Rechnung geht es?") or who the customer is ("can I have
//! your bag tag number?", "for security, your date of birth", "the last four
//! digits of your card"): that is what a good handoff makes unnecessary. A
//! turn that names the case or says what will be done counts, even when it
//! also asks a question ("I see the double charge; can you confirm your
//! postcode?"). Labellers differ here; the README's held-out section says
//! why this reading was chosen.
//!
//! The rubric can widen what counts as such an ask with `not_meaningful`:
//! patterns for an identity or identifier ask, in practice the very list
//! another dimension already reads (`no_reverification`'s, by a YAML alias,
//! so that one definition serves both). A sentence of the turn (up to `.`,
//! `!`, `?`, `;`, a spaced dash or their Japanese forms) that matches one
//! of them and asks something (see [`super::asks`]: a question mark, a
//! request's words, a verb that asks for a detail, "for security")
//! is set aside whole, whatever language the rest of it is in: "mag ik voor
//! de zekerheid uw geboortedatum?", "may I have your policy number so I can
//! pull up the claim?". A sentence that only states such a detail ("I've
//! updated the address on your account") is not an ask and still counts,
//! and so does any other sentence of the turn: "I see the payment hasn't
//! gone through. Can you give me your student number?" is meaningful.
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
//! - first_meaningful_response: { max: 30s, not_meaningful: ['\bdate of birth\b', '\bpost ?code\b'] }
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

use super::asks::{asks, sentences};
use super::mentions_context::{CustomerName, customer_names};
use super::scope::{human_turns_after_connect, seconds_between};
use super::text::{starts_sentence, word_count, words_at};
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
    /// Asks that say nothing of the case (who the customer is, which
    /// record is theirs): a sentence that matches one and asks something
    /// is set aside whole.
    pub not_meaningful: Option<Patterns>,
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
            not_meaningful: None,
        }
    }
}

/// The built-in filler, in two parts: what holds the line (asking the
/// customer to wait, catching up on the record, checking they are there),
/// then what only rounds a message off or says nothing of the case
/// (pleasantries, sign-offs, replying later, nothing having reached the
/// human).
fn default_filler() -> (Vec<String>, Vec<String>) {
    // Catching up, with whatever it is done to: "let me pull up your
    // file", "while I get the router up on my screen", "just reading
    // through the notes", "bringing your file up".
    let catch_up = r"((pull|bring|get)\b[^.!?,;:-]{0,40}\bup\b|load|read|go (through|over)|catch up|skim|familiari[sz]e|refresh|log in|sign in|scroll)";
    let catching_up = r"((pulling|bringing|getting)\b[^.!?,;:-]{0,40}\bup\b|(grabbing|fetching|getting into|going into|digging into|getting) (your|the|all the|those|these)( [a-zA-Z0-9'-]+){0,3} (details|account|file|notes|order|booking|case|record|records|info|information|history)\b|loading|reading|catching up|skimming|familiari[sz]ing|refreshing|scrolling)";
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
    let holding = vec![
        // Being with the customer in a moment, in the other languages:
        // "enseguida estoy con usted", "ich bin gleich bei Ihnen", "ik
        // ben zo bij u"; grabbing their details in Dutch ("ik pak even uw
        // gegevens erbij"); in Hinglish, "ek minute hold kijiye".
        r"\b(?:enseguida|ahora mismo|ya) (?:estoy|estar[eé]|le atiendo|te atiendo)(?: con (?:usted|vos|ti))?\b|\bich bin (?:gleich|sofort) (?:bei Ihnen|bei dir|f[üu]r Sie da)\b|\bje suis (?:à vous|avec vous) (?:dans un instant|tout de suite)\b|\bsono subito da lei\b|\bj[aá] (?:te|lhe) atendo\b|\bik ben (?:zo|direct|meteen) bij (?:u|je)\b|\bik pak (?:even |snel )?(?:uw|je|jouw) (?:gegevens|dossier|bestelling|account) erbij\b|\b(?:ek|do) (?:minute|min|second|sec|pal) (?:hold|ruk)\w*(?: (?:kijiye|kariye|karo|karein|kijie))?\b".to_string(),
        // "one moment", "give me a sec", "just a second or two".
        r"\b(just )?(give me |gimme |allow me |let me have )?(one|a|just a|half a|a quick|one quick|two|three|a couple of|a few|\d+( (to|or|-) \d+)?|(two|three|five) (to|or) (three|five|ten))( more| little)? (moments?|mo|secs?|seconds?|minutes?|mins?|ticks?|jiffy)( or two)?( please)?\b".to_string(),
        // "won't be a tick", "won't be long", "shan't keep you a minute".
        r"\b(won't|will not|shan't|wont) (be|keep you)( (a|one|just a|long|a moment|a minute|a sec|a second|a tick|two ticks))?( (tick|sec|second|moment|minute|jiffy))?\b".to_string(),
        // Asking whether it suits to talk: "is this a good time (to talk)?".
        r"\b(is (this|now|it) (still )?(a )?(good|ok|okay|convenient|bad) time|are you (free|ok|okay) to (talk|chat))( (to|for) (talk|chat|speak|you))?\b".to_string(),
        r"\bhold (on|please|tight|the line)\b|\bplease hold\b|\bbear (with|wi'?) (me|us)\b|\bstay with me\b|\bhang (on|tight)\b|\bstay on the line\b".to_string(),
        format!(r"({me}|{while_i}) {catch_up}\b[^.!?,;:-]{{0,60}}"),
        format!(r"\b({doing})?{catching_up}\b[^.!?,;:-]{{0,60}}"),
        format!(r"({will}|{while_i}) {look}{record}"),
        format!(r"{doing}{looking}{record}"),
        r"\b(my |the )?(screen|system|computer|page|file|notes?)('s| is| are)( just| still)? (catching up|loading|slow|being slow|updating|frozen|coming up|opening)\b|\bloading\b|\b((while|whilst|as|till|until) )?(the |my )?(screen|system|computer|page|file|notes?|account|record) (loads|boots|updates|refreshes|catches up|comes up)\b".to_string(),
        // The record arriving: "it's only just come up on my screen", "your
        // file has popped up now".
        r"\b(it|that|this|everything|your (file|account|case|details|notes|booking|chat)|the (file|account|case|details|notes|booking|chat))('s| has| is| just)( only)?( just)? (come|coming|popped|popping|loaded|landed|appeared|arrived) (up|in|through)?( (on|onto) (my|the) (screen|system))?( now)?\b".to_string(),
        // The same said tersely: "notes loaded", "file's up on my screen",
        // "ok, account open now".
        r"\b(?:(?:the|your|my) )?(?:notes?|file|account|case|details|record|records|chat|history|transcript|summary|booking|ticket)(?:'s)?(?: (?:are|is|have|has|just|now|all))* (?:loaded|pulled up|up on (?:my|the) screen|in front of me|open(?:ed)? (?:up|now))\b".to_string(),
        // Whether anyone is there.
        r"\b(are you|you) (still )?(there|with me|on the line)\b|\bcan you (still )?hear me( (ok|okay|alright|all right|now|clearly|well))?\b".to_string(),
        r"\b(be|am|I'm|I am|I'll be) right (with you|there|back)\b|\b(I'm|I am) (still )?(here|with you)( now)?\b|\bstill (here|there)\b".to_string(),
        // The same in the other languages: "un momento, por favor", "einen
        // Moment bitte", "un (petit) instant", "un attimo", "só um momento", "een
        // momentje", "déjame revisar", "laissez-moi regarder", "ich schaue
        // kurz nach", "mi lasci controllare", "deixa eu verificar".
        r"\b(un( petit| pequeño| piccolo)? (momento|momentito|segundo|instante|attimo|istante|instant)|einen( kleinen| kurzen)? (moment|augenblick)|(só )?um (momento|momentinho|minutinho|segundo|instante|instantinho)|een (moment(je)?|ogenblik(je)?)|(moment(je)?|ogenblikje),? (bitte|alstublieft|graag))\b(,? (por favor|s'il vous plaît|s'il vous plait|svp|je vous prie|bitte|per favore|alstublieft))?".to_string(),
        // Looking at the record, said in the other languages: "ich sehe mir
        // kurz Ihre Akte an", "je consulte votre fiche", "estoy mirando su
        // historial", "sto aprendo la sua pratica", "estou abrindo o seu
        // cadastro", "ik bekijk uw gegevens".
        r"\bich (schaue|sehe|gucke|lese) (mir )?((kurz|mal|eben|gerade|schnell|gleich) )*((das|es|(ihr(e|en)?|dein(e|en)?|den|die|das) (konto|kundenkonto|akte|unterlagen|vorgang|fall|daten|notizen|verlauf|ticket|anliegen|buchung|vertrag|chat|nachrichten))( (kurz|mal|eben|gerade|schnell|gleich))* )?(an|nach|durch)\b".to_string(),
        r"\bj'(ouvre|examine|affiche|acc[eè]de [àa]) (votre|ton|le|la|les|vos|tes) (dossier|compte|fiche|historique|[ée]changes?|conversation|notes?|demande|ticket|contrat|r[ée]servation|commande)\b|\bje (regarde|consulte|v[ée]rifie|ouvre|examine|parcours|lis|charge|r[ée]cup[èe]re)( (rapidement|vite|juste|tout de suite))? (votre|ton|le|la|les|vos|tes) (dossier|compte|fiche|historique|[ée]changes?|conversation|notes?|demande|ticket|contrat|r[ée]servation|commande)\b|\bje (regarde|v[ée]rifie) (ça|cela)\b|\bje (prends|lis) connaissance (de|du) (votre |ton |le |du )?(dossier|historique|[ée]change)s?\b".to_string(),
        r"\b(estoy )?(revisando|consultando|mirando|abriendo|cargando|reviso|consulto|miro|abro)( (un momento|r[áa]pidamente|ahora))? (su|tu|el|la|sus|tus|los|las) (expediente|cuenta|ficha|historial|caso|conversaci[oó]n|notas?|solicitud|pedido|reserva|contrato|datos)\b".to_string(),
        r"\b(sto )?(guardando|controllando|verificando|aprendo|consultando|guardo|controllo|verifico|apro|consulto) (la sua|il suo|la tua|il tuo|la|il|le|i) (pratica|posizione|account|conto|scheda|storico|conversazione|note|richiesta|contratto|prenotazione|dati)\b".to_string(),
        r"\b(estou )?(verificando|olhando|consultando|abrindo|carregando|verifico|olho|consulto|abro|carrego)( aqui)? (o seu|a sua|seu|sua|o|a|os|as) (cadastro|conta|ficha|hist[oó]rico|processo|conversa|notas?|pedido|protocolo|contrato|reserva|dados)\b".to_string(),
        r"\bik (bekijk|open|lees|check|doorloop) (uw|je|jouw|het|de)( [\p{L}-]+){0,2} (dossier|account|gegevens|notities|gesprek|aanvraag|klantgegevens|geschiedenis|historie|chat|bestelling)( (even|snel|gauw|nog|door|na|in))*\b".to_string(),
        // A bare "Moment," that opens the turn; reading oneself in: "ich les
        // mich kurz ein"; looking in the system: "estoy abriendo tu bodega en
        // el sistema", "sto cercando nel sistema".
        r"^\W*(moment|momentje|ogenblikje|momento|momentito|un attimo|instant)\b\W".to_string(),
        r"\bich (les|lese) mich( (kurz|mal|eben|schnell|gerade|noch))* (ein|rein)\b".to_string(),
        r"\b(revisando|consultando|mirando|abriendo|cargando|buscando|guardando|controllando|aprendo|cercando|olhando|abrindo|procurando|verificando)\b[^.!?]{0,30}\b(en el|en mi|en nuestro|nel|nel mio|nel nostro|no|no meu|no nosso) sistema\b".to_string(),
        // Reading along in Dutch: "ik lees even mee", "ik kijk even terug".
        r"\bik (lees|kijk|scroll)( (even|snel|gauw|nog|het|alles|dit))* (mee|terug|door|na)\b".to_string(),
        // The record still loading, in the other languages: "Ihr Verlauf
        // lädt bei mir noch", "votre dossier se charge", "su expediente está
        // cargando", "la pratica si sta caricando", "uw dossier laadt nog".
        r"\b(ihre?|deine?|der|die|das|meine?) (verlauf|chatverlauf|akte|konto|kundenkonto|daten|vorgang|bildschirm|system|unterlagen|fall|ticket|notizen)((,)? (bei mir|gerade|noch|gleich|kurz|hier|erst))* (l[äa]dt|laden|[öo]ffnet sich|[öo]ffnen sich|baut sich( noch)? auf|h[äa]ngt)( (bei mir|gerade|noch|gleich|kurz|hier|erst))*\b".to_string(),
        r"\b(votre|ton|le|mon) (dossier|compte|historique|[ée]cran|syst[èe]me|fiche)( (est|est en train de|est encore))? (se )?(charge|chargent|s'ouvre|s'affiche|en cours de chargement|en train de charger|charger)\b".to_string(),
        r"\b(su|tu|el|la|mi) (expediente|historial|cuenta|ficha|sistema|pantalla)( (se|todav[ií]a|a[uú]n))* (est[aá] )?(cargando|carga|abriendo|abre)\b|\b(estoy|sigo) cargando (su|tu|el|la|los|las)\b".to_string(),
        r"\b(la sua|la tua|la|il suo|il tuo|il) (pratica|scheda|storico|sistema|schermata)( (si|sta|ancora))* (sta caricando|caricando|carica|si apre|apre)\b|\bsto caricando (la|il|i|le)\b".to_string(),
        r"\b(uw|je|jouw|het|de|mijn) (dossier|scherm|systeem|gegevens|gesprek|chat)( (is|zijn|nog|even))* (laadt|laden|aan het laden|opent|komt)( (nog|even|binnen))*\b".to_string(),
        r"\b(d[eé]jame|perm[ií]tame|d[eé]jeme) (revisar|ver|mirar|comprobar|consultar)\b|\blaissez-moi (regarder|vérifier|consulter)\b|\b(ich schaue|ich sehe|ich gucke) (kurz |mal |eben )*nach\b|\bmi (lasci|faccia) (controllare|verificare|vedere)\b|\b(deixa|deixe)(-me| eu) (verificar|ver|olhar|conferir)\b|\bik kijk (even|het even)( na)?\b".to_string(),
        // Asking for the moment rather than announcing it: "¿me permite un
        // momento?", "permítame un segundo", "me dá um minutinho?",
        // "accordez-moi un instant", "mi conceda un attimo".
        r"\b(?:me|nos) (?:permite|permites|regala|regalas|concede|concedes|da|das|dá|dê|d[aá]s) (?:un |um |unos |uns )?(?:momento|momentito|segundo|segundito|minuto|minutito|minutinho|instante|instantinho)s?\b|\b(?:perm[ií]tame|perm[ií]teme|d[eé]me|reg[aá]leme|reg[aá]lame|accordez-moi|laissez-moi|mi conceda|mi dia|gib mir|geben sie mir) (?:un |um |una |uno |einen )?(?:momento|momentito|segundo|minuto|minutito|instante|attimo|instant|seconde|moment|augenblick)\b".to_string(),
        // Checking "it", with nothing named: "ahora lo reviso", "ya lo
        // miro", "lo controllo subito", "je vérifie ça tout de suite" (said
        // above), "já vejo isso".
        r"\b(?:ahora |ya |enseguida )?(?:se |te )?(?:lo|la|eso|esto) (?:reviso|miro|checo|verifico|compruebo|consulto|busco)(?: (?:ahora|ya|enseguida|ahorita|un momento))?\b|\b(?:lo|la) (?:controllo|verifico|guardo)(?: (?:subito|adesso|ora|un attimo))?\b|\b(?:j[aá] )?(?:vejo|verifico|confiro|olho) (?:isso|isto|aqui)(?: (?:agora|j[aá]))?\b".to_string(),
        // Reading the record, in the other languages: "estou lendo o seu
        // histórico", "estoy leyendo su historial", "sto leggendo la sua
        // pratica", "dando uma olhada na conversa".
        r"\b(?:que )?(?:estou |estoy |sto |t[oô] )?(?:lendo|leyendo|leggendo|dando uma olhada (?:n[oa]s?|em)|echando un vistazo a)( (?:aqui|r[aá]pido|rapidinho|rapidamente|un attimo|un momento))? (?:o seu|a sua|os seus|as suas|seu|sua|su|tu|sus|tus|el|la|los|las|o|a|os|as|la sua|il suo|la tua|il tuo|le|i|gli|l')( [\p{L}-]+){0,2} ?(?:hist[oó]rico|historial|storico|conversa|conversaci[oó]n|conversazione|chat|notas?|note|caso|pratica|expediente|cadastro|processo|dossi[eê]r|mensagens|mensajes|messaggi|ficha|scheda|atendimento|protocolo)\b".to_string(),
        // Holding in Japanese (no spaces there): "確認いたしますので少々お
        // 待ちください" (I'll check, please wait a moment), "お調べします".
        r"(確認|お調べ|調べ)(いた)?(します|致します)(ので|から)?[、,]?(少々|しばらく|今しばらく)?(お待ち(ください|くださいませ|いただけますか))?|(少々|しばらく|今しばらく)お待ち(ください|くださいませ|いただけますか)".to_string(),
    ];
    let other = vec![
        // At the customer's disposal, with nothing said: "Julie à votre
        // écoute", "main Rohit bol raha hoon support team se".
        r"(?:(?-i:[A-Z\u{C0}-\u{DE}])[\p{L}'-]+,? )?\b[àa] (?:votre|ton) [ée]coute\b|\bmain (?-i:[A-Z])[\p{L}'-]+ (?:bol|baat kar) (?:raha|rahi) (?:hoon|hu|hun)\b(?: [\p{L} ]{0,25}? se\b)?".to_string(),
        // "Please" in the other languages, said whole: "por favor", "per
        // favore", "s'il vous plaît", "bitte schön".
        r"\b(?:por favor|per favore|s'il vous pla[iî]t|s'il te pla[iî]t|bitte(?: sehr| sch[öo]n)?|alstublieft|por gentileza)\b".to_string(),
        // Reassurance that names nothing: "you're in good hands now",
        // "está en buenas manos", "vous êtes entre de bonnes mains".
        r"\b(?:you(?:'re| are)(?: now)? in (?:good|safe|great|capable|the best) hands(?: now)?|(?:usted )?(?:est[aá]|est[aá]s) en (?:buenas|las mejores) manos|(?:voc[eê] )?(?:est[aá]) em (?:boas|[oó]timas) m[aã]os|vous [eê]tes (?:entre de|en) (?:tr[eè]s )?bonnes mains|(?:Sie sind|du bist)(?: hier| jetzt)? in (?:guten|besten) H[äa]nden|(?:[eè]|sei) in (?:buone|ottime) mani|(?:u bent|je bent|jij bent) in goede handen)\b".to_string(),
        // Pleasantries: "lovely to meet you", "nice to speak with you".
        r"\b(it's |it is )?(lovely|nice|great|good|pleased|glad|a pleasure) to (meet|speak (to|with)|talk (to|with)|chat (to|with)|hear from|have) you( (here|with us|on the line|on board))?( (today|this (morning|afternoon|evening)))?\b".to_string(),
        // Small talk: "hope you're keeping well", "I hope you're having a
        // good day".
        r"\b(I )?hope (you're|you are|you've been|this (message )?finds you)( (keeping|doing|staying))? (well|ok|okay|good|alright|fine|safe)\b|\b(I )?hope (you're|you are) having a (good|great|lovely|nice) (day|morning|afternoon|evening|week)\b".to_string(),
        // The same pleasantries in the other languages: "schön, dass Sie
        // da sind", "freut mich", "ravi de vous parler", "encantada de
        // atenderle", "piacere di sentirla", "prazer em atendê-lo", "fijn
        // dat u er bent".
        r"\bsch[öo]n,? dass (Sie|du|ihr) (da|hier) (sind|bist|seid)\b|\b(es )?freut mich( sehr)?(,? (Sie|dich) (zu sprechen|kennenzulernen))?\b|\b(ravie?|enchant[ée]e?) de (vous|te) (parler|aider|retrouver|conna[îi]tre|avoir au t[ée]l[ée]phone)\b|\b(encantad[oa]|un placer|es un placer) (de )?(atenderle|atenderte|saludarle|saludarte|ayudarle|ayudarte|hablar con usted)\b|\b(piacere|lieto|lieta) di (sentirla|sentirti|conoscerla|aiutarla|aiutarti)\b|\b(muito )?prazer em (atend[êe]-l[oa]|falar com (voc[êe]|o senhor|a senhora)|ajudar)\b|\bfijn dat (u|je) (er bent|wacht)\b".to_string(),
        // An e-mail's sign-off: "Kind regards, Maya" (line breaks are
        // spaces by the time a check reads the text).
        r"\b((kind|best|warm|many) regards|regards|best wishes|yours (sincerely|faithfully|truly)|sincerely|all the best|take care)\b(,? (?-i:[A-Z][a-zA-Z'-]+)( (?-i:[A-Z][a-zA-Z'-]+))?\s*$)?".to_string(),
        // The same sign-offs in the other languages: "Mit freundlichen
        // Grüßen", "Bien cordialement", "Saludos cordiales", "Atenciosamente",
        // "Cordiali saluti", "Met vriendelijke groet", with the name after.
        r"\b(mit freundlichen gr(ü|u)(ß|ss)en|(freundliche|viele|beste|liebe) gr(ü|u)(ß|ss)e|(bien |tr(è|e)s )?cordialement|bien (à vous|a vous)|(un )?(cordial )?saludos?( cordiales)?|atentamente|atenciosamente|(cordiali|distinti) saluti|met vriendelijke groet(en)?)\b(,? ((?-i:[A-Z])\.? ?)?(?-i:[A-Z][a-zA-Z\u{C0}-\u{24F}'-]+)( (?-i:[A-Z][a-zA-Z\u{C0}-\u{24F}'-]+))?\s*$)?".to_string(),
        // A one-word sign-off before the name that ends the message:
        // "Cheers, Ines", "Warmly, Ruth, Parkside Lettings".
        r"\b(best|warmly|cheers|thanks|many thanks|thank you|speak soon|talk soon),? (?-i:[A-Z][a-zA-Z'-]+)( (?-i:[A-Z][a-zA-Z'-]+))?(,? (?-i:[A-Z][a-zA-Z'-]*)( (?-i:[A-Z][a-zA-Z'-]*)){0,3})?\s*$".to_string(),
        // Replying later, with nothing said now: "I'll come back to you
        // soon", "and will be in touch later today", "we'll update you asap".
        r"\b(I'll|I will|we'll|we will|will|shall)( (try to|aim to|be sure to))? (get back to you|come back to you|be in touch|reply|respond|write back|follow up|update you)( (shortly|soon|asap|as soon as (I|we) can|as soon as possible|in a (bit|while|moment|few minutes)|later( today| on)?|today|by (the )?end of (the )?day))?\s*([.!?,;:-]|$)".to_string(),
        // Nothing having reached the human: "no, nothing's come through
        // yet", "I don't have any notes from the assistant, I'm afraid".
        r"\b(nothing|none of (it|that|this)|no (notes|details|information|info|context|summary|file|record|history|handover|transcript))( (at all|yet))?('s| has| have)?( (yet|actually|really))? (come|came|got|gotten|made it|been (passed|sent|forwarded|shared)|arrived|reached me|popped up|shown up|turned up|showed up)(,? (through|over|across|up|in|to me|on my (screen|end|side)|my way|yet|I'm afraid|unfortunately|here|from (the|your) (bot|assistant|chatbot|chat|virtual (agent|assistant)|AI|system|transfer)))*\b".to_string(),
        r"\bI (don't|do not|can't|cannot|didn't|did not|haven't|have not)( actually| really)? (have|see|get|got|receive|received)( got)? (any|the|your)( [a-z]+)? (notes|details|information|info|context|summary|file|record|history|handover|transcript|messages?|chat)( (from|on|about) (the|your) ([a-z]+ )?(bot|assistant|chat|system|transfer|handover|call|agent))?( (here|yet|I'm afraid|unfortunately|on my (screen|end|side)))*\b".to_string(),
    ];
    (holding, other)
}

pub static DEFAULT_FILLER: LazyLock<Patterns> = LazyLock::new(|| {
    let (holding, other) = default_filler();
    Patterns::new(&[holding, other].concat()).expect("built-in patterns compile")
});

/// How many of [`DEFAULT_FILLER`]'s patterns, the first ones, hold the line.
static DEFAULT_HOLDING: LazyLock<usize> = LazyLock::new(|| default_filler().0.len());

/// What opens a turn without saying anything about the case: a greeting
/// ("Hi there", "Good morning"), the human introducing themselves ("this is
/// Dana from billing", "Eoin here, technical support", "you're through to
/// renewals"), thanks for waiting ("thanks so much for your patience",
/// "thank you for calling City Water") and sorry for the wait.
static OPENER: LazyLock<regex::Regex> = LazyLock::new(|| {
    // A name as written: a capital, then letters ("Dana", "O'Brien",
    // "Marie-Ève"); a title may come first.
    let name = r"(?:(?:mr|mrs|ms|miss|mx|dr|herr|frau|señora?|sra?|monsieur|madame|mme|m|signora?|sig(?:ra)?|senhora?|dona|meneer|mevrouw)\.? )?(?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*(?: (?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*)?";
    // What a desk is called, alone or after the business's name: "the
    // claims team", "billing", "Zenith Cover claims", "TeamHub privacy".
    let dept = r"(?:team|department|dept|desk|unit|office|services?|support|line|care|claims|billing|helpdesk|centre|center|group|crew|recovery|relations|sales|reservations|bookings|accounts|assistance|operations|enquiries|payments|collections|complaints|returns|reception|privacy|fraud|lending|mortgages?|plans|repayments?|renewals|retentions?|refunds|disputes|escalations|underwriting|admissions|enrol?ments?|onboarding|opera[çc][õo]es|operaciones|op[ée]rations|klantendienst|loyalty|memberships?|subscriptions|pharmacy|maintenance|repairs|facilities|housing|technical|tech|finance|risk|security|compliance|dispatch|scheduling|servicing|payroll|kundenservice|kundendienst|abteilung|service client(?:s|èle)?|servicio(?: al cliente| t[eé]cnico)?|atenci[oó]n al cliente|atendimento(?: ao cliente)?|assistenza(?: clienti)?|klantenservice|reclamaciones|facturaci[oó]n|facturation|abonnements|fatturazione|cobran[çc]a|[ée]quipe|equipo|ufficio|servizio|reparto|afdeling)";
    let team = r"(?:(?:the|our) )?(?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,3}DEPT\b";
    // (joined by "and", "of", "&": "Kyle and Sound booking office", "Bank
    // of Ireland")
    let org = r"(?:(?:the|our) )?(?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}&'-]*(?: (?:(?-i:and|of|&|de|du|des|van|von|der|del|di|da) )?(?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}&'-]*){0,3}(?: (?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,2}DEPT\b|(?: (?:BUSINESS)){1,2})?";
    // What a business is, said after its name: "Lakeshore lettings",
    // "GlobeForward customs brokerage".
    let business = r"(?:lettings?|brokerage|brokers?|insurance|assurance|energy|water|gas|power|electric(?:ity)?|mobile|broadband|fibre|telecoms?|bank(?:ing)?|savings|pensions?|credit|cards?|loans?|finance|airlines?|airways|air|rail|travel|holidays|tours|hotels?|resorts?|rentals?|hire|motors?|cars?|health(?:care)?|pharmacy|clinic|dental|vets?|legal|customs|baggage|properties|property|homes?|estates?|realty|logistics|couriers?|delivery|parcels|removals|storage|tickets?|events|gyms?|fitness|leisure|retail|stores?|shop|online|direct|uk|us|plc|ltd|inc)\b";
    let role = r"(?:(?:the|your|a|an|one of the)(?: [a-zA-Z\u{C0}-\u{24F}-]+){0,2} )?(?:manager|supervisor|agent|specialist|advis[eo]r|officer|rep|representative|assessor|handler|technician|engineer|consultant|lead|coordinator|colleague|pharmacist|nurse|doctor|clinician|adjuster|underwriter|counsell?or|caseworker|case worker|dispatcher|planner|banker|broker|clerk|analyst|librarian|administrator|admin)\b";
    let greeting = r"\b(?:hi+|hel+o+|he+y+|hiya+|howdy|heya|yo+|hai|greetings|good (?:morning|afternoon|evening|day)|morning|afternoon|evening|g'?day|(?:you(?:'re| are) (?:(?:most|very|warmly) )?)?welcome(?: back)?|bonjour|bonsoir|salut|hola|buenos d[ií]as|buenas(?: (?:tardes|noches))?|ol[aá]|oi|bom dia|boa (?:tarde|noite)|ciao|buongiorno|buonasera|hallo|guten (?:tag|morgen|abend)|hej|hei|god (?:morgon|morgen|dag)|goedemorgen|goedemiddag|goedenavond|goedendag|goeiemorgen|goeiemiddag|goeienavond|goeiedag|hoi|dzie[nń] dobry|(?:dear|valued) (?:customer|client|member|sir(?:/madam)?|madam)|gentil(?:e|issim[oa]) (?:cliente|signor[ae]?)|car[oa] cliente|estimad[oa] (?:cliente|señora?)|ch[èe]re? client(?:e)?|prezad[oa] (?:cliente|senhora?)|beste klant|sehr geehrte[rs]?|liebe[rs]?|gr[üu](?:ß|ss) gott|gr[üu]ezi|servus|moin|salve|merhaba|namaste|salaam|kia ora|dear)(?: there| again| all| everyone| folks)?\b";
    let intro = r"\b(?:this is|it's|it is|I'm|I am|my name(?:'s| is)|here is|speaking(?: is)?) (?:NAME|ROLE)(?:,? ROLE)?(?:,? (?:from|with|at|in|on|of|here at|here in|here from) (?:TEAM|ORG))?(?: here| speaking)?(?:,? (?:TEAM|ORG))?|\bNAME (?:here|speaking)\b(?:,? (?:(?:from|with|at|in|on) )?(?:TEAM|ORG))?|^\W*(?:(?:yeah|yes|ok|okay|right|so)\W+)*(?:HELLO\W+)?NAME,? (?:from|with|at|here at|in) (?:TEAM|ORG)\b|\b(?:you're|you are|you've|you have)(?: now)? (?:through to|speaking (?:to|with)|talking (?:to|with)|chatting (?:to|with)|reached|got|with) [^.!?,;:-]{1,40}";
    let thanks = r"\b(?:(?:muchas )?gracias por (?:esperar|la espera|su paciencia|tu paciencia)|(?:muchas )?gracias por (?:comunicarse|comunicarte|contactar(?:nos)?|contactarnos|llamar(?:nos)?|escribir(?:nos)?|su llamada|tu llamada|elegir(?:nos)?)(?: (?:a|con))?|merci (?:d'avoir|de nous avoir) (?:appel[ée]|contact[ée]s?|[ée]crit)|merci (?:pour|de) votre appel|danke(?:,)? (?:für (?:ihren|deinen) anruf|dass (?:sie|du) (?:uns )?(?:angerufen|kontaktiert|geschrieben) (?:haben|hast))|grazie per (?:aver|avere|averci) (?:contattato|chiamato|scritto)|grazie (?:per la|della) (?:sua |tua )?chiamata|obrigad[oa] (?:por (?:entrar em contato|ligar|nos contatar|contatar|sua liga[çc][ãa]o))|bedankt voor (?:het bellen|uw telefoontje|je telefoontje|uw bericht|je bericht)|merci (?:de|pour) (?:votre|ta) (?:patience|attente)|merci d'avoir patienté|merci de (?:bien vouloir )?patienter|danke (?:für (?:ihre|deine) geduld|fürs warten)|vielen dank für (?:ihre|deine) geduld|grazie (?:per l'attesa|per la pazienza|di aver atteso)|obrigad[oa] (?:por (?:aguardar|esperar|sua paciência)|pela (?:espera|paciência))|bedankt voor (?:uw|je) geduld|(?:vielen |herzlichen )?dank(?:e)? f[üu]r (?:ihre|deine|die) (?:nachricht|e-?mail|anfrage|mail)|merci (?:pour|de) votre (?:message|e-?mail|courriel|demande)|(?:muchas )?gracias por (?:su|tu) (?:mensaje|correo|consulta)|obrigad[oa] pela (?:sua )?(?:mensagem|e-?mail)|grazie per (?:il suo|il tuo|la sua|la tua) (?:messaggio|e-?mail|richiesta)|bedankt voor (?:uw|je) (?:bericht|e-?mail|vraag))\b|\b(?:thanks?(?: you)?|thank you|thank u|many thanks|cheers|thx|thnx|thanx|thnks|tnx|ty|tysm|tyvm)(?: (?:so|very|ever so) much| a lot| a million| kindly)?(?: again)?(?: (?:for|4) (?:holdin[g']?(?: on)?|waitin[g']?(?: so long)?(?: (?:on|for) (?:me|us))?|hanging in(?: there)?|sticking with (?:me|us)|your patience|being (?:so )?patient|bearing with (?:me|us)|hanging on|staying on(?: the line)?|the wait|your time|(?:calling|contacting|reaching out to|getting in touch with|choosing|chatting with|messaging|writing to|e-?mailing|being with|joining)(?: us)?(?: (?:TEAM|BRAND|ORG))?|reaching out|getting in touch|your (?:message|e-?mail|enquiry|inquiry|call)))?(?: today| this (?:morning|afternoon|evening))?";
    // Taking over, small talk: "I'm taking over from the assistant", "I've
    // been assigned your case", "how are you today?", "tudo bem?", "wie
    // geht's?", "I really appreciate your patience", "I know you've been
    // waiting a while", and the script's "I'll be assisting you today", which
    // promises nothing about the case ("I'll be looking after you"
    // still counts, as the demo set's labels read it).
    // The same introductions in the other languages: "hier ist Lena vom
    // Support", "Katharina Weber hier", "soy Joaquín de reclamaciones",
    // "aqui é a Camila, da equipe de risco", "sono Sara dell'ufficio
    // finanziamenti", "je suis Karim, du service abonnements", "u spreekt
    // met Daan van de klantenservice".
    // What the human does, said after their name in the other languages:
    // "ici Paul, conseiller", "soy Lucía, asesora", "Jonas,
    // Kundenberater", "sono Paolo, il tecnico".
    let role_abroad = r"(?:(?:el|la|le|l'|il|lo|der|die|o|a|de|votre|su|tu|ihr|ihre|dein|uw|je|sua|seu|vostr[oa]) )?(?:conseill(?:er|ère)|agente?|pharmacien(?:ne)?|technicien(?:ne)?|responsable|gestionnaire|superviseu(?:r|se)|infirmi(?:er|ère)|m[ée]decin|juriste|asesor(?:a)?|gestor(?:a)?|t[ée]cnic[oa]|farmac[ée]utic[oa]|supervisor(?:a)?|enfermer[oa]|operador(?:a)?|especialista|encargad[oa]|berater(?:in)?|sachbearbeiter(?:in)?|apotheker(?:in)?|techniker(?:in)?|mitarbeiter(?:in)?|teamleiter(?:in)?|kundenberater(?:in)?|consulente|operat(?:ore|rice)|farmacista|responsabile|atendente|consultor(?:a)?|gerente|medewerker|adviseur|monteur|teamleider)\b";
    let intro_abroad = r"\b(?:hier ist|hier spricht|hier|ich bin|mein name ist|am apparat ist|je suis|ici|c'est|moi c'est|je m'appelle|soy|me llamo|le habla|te habla|habla|le atiende|te atiende|sono|mi chiamo|qui è|qui parla|sou|eu sou|aqui (?:é|fala)|meu nome é|mi nombre es|ik ben|u spreekt met|je spreekt met|sie sprechen mit|du sprichst mit|vous parlez (?:avec|à)|(?:usted )?(?:habla|est[aá] hablando) con|parla con|sta parlando con|(?:voc[eê] )?(?:fala|est[aá] falando) com|ako si|ako po si)(?: (?:o|a|la|el|il|der|die))? NAME(?:,? JOB)?(?:,? (?:vom|von der|von|aus dem|aus der|de la|de l'|della|dello|dell'|dalla|dal|del|des|du|de|da|do|van de|van het|van)\s*[a-zA-Z\u{C0}-\u{24F}'-]+(?: [a-zA-Z\u{C0}-\u{24F}'-]+){0,3}|,? TEAM)?|(?:^|[,!.;:]\s*)NAME,? (?:(?:vom|von der|von|aus dem|aus der|de la|della|dello|dal|del|du|de|da|do|van de|van het|van)\s+|de l'|dell')[a-zA-Z\u{C0}-\u{24F}'-]+(?: [a-zA-Z\u{C0}-\u{24F}'-]+){0,2}(?:\s*[,.;:!?-]|\s*$)|\bNAME (?:hier|ici|aquí|qui|aqui|am apparat|à l'appareil)(?:\b|$)(?:,? (?:vom|von der|von|de la|de l'|della|dell'|dal|del|des|du|de|da|do|van de|van het|van)?\s*TEAM)?"
    .replace("JOB", role_abroad);
    let taking_over = r"\b(?:I'm|I am|I'll be|I will be|I've|I have) (?:taking over|picking (?:this|it|things) up|joining(?: you)?|jumping in)(?: (?:from|for) [^.!?,;:-]{0,40})?(?: today| now| from here)?|\b(?:I've|I have)(?: just| now)? (?:picked up|taken (?:over|on)|been (?:assigned|given|passed|handed)(?: to)?) (?:your|this|the)(?: [a-zA-Z-]+)? (?:ticket|case|chat|query|enquiry|inquiry|request|message|e-?mail|conversation|thread)\b|\bhow are you(?: doing)?(?: today| this (?:morning|afternoon|evening))?|\b(?:tudo bem|tudo bom|como (?:est[aá]s?|vai)|qu[eé] tal|wie geht(?:'s| es (?:ihnen|dir))(?: heute)?|comment (?:allez-vous|vas-tu|ça va)|ça va|come (?:sta|stai|va)|hoe gaat het(?: met (?:u|je))?)\b|\b(?:I'll|I will|I'm going to|I am going to|who'll|who will) be (?:assisting|helping|supporting) you(?: today| this (?:morning|afternoon|evening)| from here| from now on| now)?\b|\b(?:I )?(?:really |truly )?appreciate (?:your patience|you waiting|you holding|it)\b|\b(?:I know |I understand |I see |I appreciate )?(?:you've|you have) been (?:waiting|holding|on hold)(?: (?:a while|so long|a long time|for a while|ages|some time))?";
    // Help offered with nothing said of the case, ending where the phrase
    // ends: "I'll help you out today!", "happy to assist.", "I'm here to
    // help", "je vais vous aider.", "le ayudo yo". "I'll help you with the
    // refund" goes on and counts.
    let helping = r"\b(?:(?:I'll|I will|I'm going to|I am going to|I can|I'd|I would|I'm|I am|I'll be|I will be|we'll|we can)(?: (?:be|more than|really|so|very))?(?: (?:happy|glad|here|pleased|delighted|able))?(?: to)? |(?:happy|glad|pleased|delighted|here) to )(?:help|assist|support)(?: you)?(?: out)?(?: (?:today|now|with (?:that|this|anything|everything|whatever you need)|from here|tonight|this (?:morning|afternoon|evening)))*\s*(?:[.!?,;:-]|$)|\b(?:je vais (?:vous|t') aider|je suis (?:là|ici) pour vous aider|(?:le|la|te|les) ayudo(?: (?:yo|con gusto|encantad[oa]))?|(?:le|la|te) voy a ayudar|ich helfe (?:Ihnen|dir)(?: (?:gerne?|weiter))*|(?:la|ti) aiuto io|posso aiutarla io|vou (?:te|lhe) ajudar|ik help (?:u|je)(?: (?:graag|verder))?)\s*(?:[.!?,;:-]|$)";
    // Saying back that the customer asked for a person, which says nothing
    // of the case: "I understand you wanted to speak to a person", "Sie
    // wollten mit jemandem sprechen", "vous souhaitiez parler à un
    // conseiller", "quería hablar con una persona".
    let wanted_person = r"\b(?:I (?:see|understand|hear|gather)(?: that)? )?you(?:'d| had| have)? (?:wanted|asked|requested|wished|were asking|were hoping|want|wish|'d like|would like|like)(?: (?:to (?:speak|talk|chat) (?:to|with)|for))? (?:a |an |some |one of our |the )?(?:real |live |actual )?(?:person|human|agent|representative|rep|someone|somebody|colleague|advis[eo]r|member of (?:staff|the team)|manager|supervisor)\b|\bSie (?:wollten|möchten|wünschten)(?: gerne?)? mit (?:einer?|einem|jemandem)(?: (?:echten|richtigen|menschlichen))?(?: (?:Mitarbeiter(?:in)?|Menschen|Person|Berater(?:in)?|Kolleg(?:e|in|en)|Ansprechpartner(?:in)?))?(?: (?:sprechen|reden))?\b|\bvous (?:souhaitiez|vouliez|avez demandé à|désiriez) (?:parler|échanger) (?:à|avec) (?:un|une|quelqu'un)(?: (?:conseill[eè]re?|agent|humain|personne|interlocut(?:eur|rice)))?\b|\b(?:quería|querías|pidió|pediste|solicitó|deseaba)(?: hablar| conversar) con (?:un|una|alguien)(?: (?:agente|persona|humano|asesora?|operadora?))?\b|\b(?:queria|pediu para|solicitou) falar com (?:um|uma|alguém)(?: (?:atendente|pessoa|humano|agente))?\b|\b(?:voleva|ha chiesto di|desiderava) parlare con (?:un|una|qualcuno)(?: (?:operatore|operatrice|persona|consulente))?\b";
    let sorry = r"\b(?:(?:so|very|really) )?(?:sorry|apologies)(?: (?:about|for))?(?: (?:the|your|that|this|keeping you|having kept you|to keep you|to have kept you))? (?:long )?(?:wait(?:ing)?|delay|hold)(?: (?:time|there))?\b|\bsorry (?:to|for) (?:keep|keeping|have kept|having kept) you (?:waiting|on hold|holding)\b|\bsorry (?:about|for) (?:that|this)\b";
    // The desk answering: "Fraud team, please hold", "Hello, duty manager
    // Kochi", "Billing, this is Tanya", "Coastal Super calling back".
    let hello =
        r"(?:hi|hello|hey|good (?:morning|afternoon|evening)|morning|afternoon|evening)(?: there)?";
    // (the desk's name may follow a greeting in the customer's language:
    // "Grüß Gott, Donautal Bahn Kundenservice,")
    let desk = r"^\W*(?:(?:HELLO|gr[üu](?:ß|ss) gott|guten (?:tag|morgen|abend)|hallo|servus|bonjour|bonsoir|hola|buen[oa]s (?:d[ií]as|tardes|noches)|buongiorno|buonasera|ol[aá]|bom dia|boa (?:tarde|noite)|goe(?:de|ie)(?:morgen|middag|navond))\W+)?(?:[a-zA-Z\u{C0}-\u{24F}&'-]+ ){0,3}(?:DEPT|manager|supervisor)(?: (?-i:[A-Z\u{C0}-\u{DE}])[a-zA-Z\u{C0}-\u{24F}'-]*)?\s*(?:[,.;:!?-]|$)";
    // The business's name where it ends a phrase, with what it does in a
    // word or two: "Hello, Brightmoor lettings.", "welcome to Cityline
    // permits,", "thank you for calling Ostra home repairs."
    let brand =
        r"ORG(?: (?-i:[a-z\u{DF}-\u{24F}])[a-zA-Z\u{C0}-\u{24F}&'-]*){0,2}\s*(?:[,.;:!?-]|$)";
    // A welcome to the business, ending where its name and what it does
    // end: "you are welcome to Cityline permits." (apart from `greeting`,
    // whose closing word boundary cannot follow the punctuation that ends
    // the name).
    let welcomed = r"\b(?:you(?:'re| are) (?:(?:most|very|warmly) )?)?welcome(?: back)? to (?:BRAND|ORG\b)|\b(?:bienvenue|bienvenid[oa]s?|willkommen|benvenut[oa]|bem-vind[oa]|welkom) (?:au|à la|à l'|aux|chez|sur|a|al|a la|bei|beim|im|in der|da|dal|nel|nella|alla|ao|à|na|no|bij)\b[^.!?,;:]{0,60}";
    // A greeting, then the business's name.
    let greeted_org = r"^\W*HELLO,\s*BRAND";
    // The business's name, then a greeting: "Alvéa Assurances bonjour",
    // "Brightmoor Lettings, good morning".
    let org_greeted = r"^\W*ORG,?\s+(?:bonjour|bonsoir|hello|hallo|hola|buenos d[ií]as|buenas(?: tardes| noches)?|good (?:morning|afternoon|evening)|buongiorno|buonasera|bom dia|boa (?:tarde|noite)|guten (?:tag|morgen|abend)|goedemorgen|goedemiddag|goedenavond)\b";
    // The phone answered: "Pronto, buongiorno", "Allô ?", "¿Dígame?".
    let answering = r"^\W*(?:pronto|all[ôo]|al[ôo]|d[ií]game|diga)\b";
    // The phone answered with the business's name, two words or more,
    // before a comma: "Tierklinik Graz, Sie sprechen mit Sabine Pichler".
    let named_first = r"^\W*(?-i:[A-Z\u{C0}-\u{DE}])[\p{L}&'-]+(?: (?:(?-i:and|of|&|de|du|des|van|von|der|del|di|da) )?(?-i:[A-Z\u{C0}-\u{DE}])[\p{L}&'-]+){1,3},\s";
    // Who the customer is connected to: "Sie sind mit der Tierklinik
    // Oerlikon verbunden", "vous êtes bien avec le service des
    // admissions", "u bent verbonden met de planning", "está comunicado con
    // Cuentas", "è in linea con l'ufficio rimborsi".
    let connected = r"\b(?:Sie sind|du bist)(?: jetzt| nun| hier)? (?:mit|bei) [^.!?,;:]{1,50}? verbunden\b|\bvous [eê]tes(?: bien)?(?: en ligne)? (?:avec|chez|au|à la|aux) [^.!?,;:]{1,40}|\b(?:u bent|je bent)(?: nu)? (?:verbonden|doorverbonden) met [^.!?,;:]{1,40}|\b(?:est[aá]s?|se encuentra)(?: ahora)? (?:comunicad[oa]|conectad[oa]) con [^.!?,;:]{1,40}|\b(?:è|sei)(?: ora)? (?:in linea|collegat[oa]) con [^.!?,;:]{1,40}|\b(?:voc[eê] )?est[aá] (?:conectad[oa]|em linha) com [^.!?,;:]{1,40}";
    let calling_back = r"\b(?:(?:TEAM|ORG) )?(?:calling|ringing|phoning|getting back to) (?:you )?back\b|\b(?:calling|ringing|phoning) you back\b|\breturning (?:your|a|the|his|her|their) (?:call|message|e-?mail|voicemail)\b";
    let asking = r"\b(?:is (?:this|that)|am I (?:speaking|talking|chatting) (?:to|with)|are you|do I have|vous êtes bien|c'est bien|êtes-vous|spreche ich mit|sind Sie|hablo con|es usted|estou falando com|falo com|é o senhor|é a senhora|parlo con|è lei|lei è|spreek ik met|bent u)(?: (?:le|la|el|o|a|il|der|die|mit))? NAME\b";
    // The same in Japanese, written without spaces: "お待たせいたしました"
    // (sorry to keep you waiting), "担当の田中でございます" (I'm Tanaka, in
    // charge of your case), "お電話ありがとうございます", the customer
    // addressed ("佐藤様、"), "恐れ入りますが" (excuse me, but).
    let japanese = r"(?:大変|たいへん)?お待たせ(?:いた)?し(?:まし)?た|お電話(?:代わり|かわり|替わり)ました|お待たせして(?:申し訳|すみません)[^。、！!？?]*|担当(?:の|は)?[^。、！!？?\s]{1,8}(?:でございます|です|と申します)|[^。、！!？?\s]{1,20}の[^。、！!？?\s]{1,6}(?:でございます|と申します)|[^。、！!？?\s]{1,6}と申します|[^。、！!？?\s]{0,10}(?:サポート|窓口|センター|係|部|課|チーム|デスク|担当|受付)(?:の|、)?[^。、！!？?\s]{1,6}(?:です|でございます)|(?:お電話|ご連絡|お問い合わせ)?(?:いただき)?(?:誠に)?ありがとうございます|こんにちは|こんばんは|おはようございます|お世話になっております|お疲れ様です|(?:^|[。！!？?]\s*)[^。、！!？?\s]{1,10}(?:様|さま|さん)[、,]|恐れ入りますが[、,]";
    let all = [
        japanese,
        desk,
        greeted_org,
        answering,
        connected,
        intro,
        intro_abroad.as_str(),
        calling_back,
        thanks,
        taking_over,
        helping,
        wanted_person,
        sorry,
        asking,
        welcomed,
        greeting,
        // Last: at a turn's start, an introduction that opens with an
        // interjection ("Okay, hello, Priya from Metering") reads first.
        org_greeted,
        // After every other reading of a turn's start, so that a greeting
        // ("Servus Frau Gruber, Lukas vom Kartenservice") is read as one
        // and leaves its comma to the introduction after it.
        named_first,
    ]
    .join("|")
    .replace("BRAND", brand)
    .replace("TEAM", team)
    .replace("ORG", org)
    .replace("DEPT", dept)
    .replace("BUSINESS", business)
    .replace("HELLO", hello)
    .replace("ROLE", role)
    .replace("NAME", name);
    regex::Regex::new(&format!("(?i){all}")).expect("built-in pattern compiles")
});

/// Asking who the customer is or which record is theirs, the question a
/// handoff with its context makes unnecessary: "can I have your bag tag
/// number?", "for security, your date of birth and the first line of your
/// address", "to continue I need the last four digits of your card", "the
/// answers to two of your security questions". What else the turn says
/// (the case it names, what will be done) still counts.
static ASKS_WHO: LazyLock<regex::Regex> = LazyLock::new(|| {
    let lead = r"(?:before (?:we|I) (?:go any further|start|begin|continue|proceed|get started|do anything(?: else)?|make any changes|go on)|to (?:continue|proceed|start|begin|get started|get going)|for (?:security|verification|identification|data protection)(?: purposes| reasons)?|first(?:ly)?(?: of all)?|(?:so (?:that )?(?:I|we) can|(?:in order )?to(?: be able to)?) (?:help|assist|support) you(?: (?:further|with (?:this|that|your (?:query|enquiry|inquiry|request))))?|para (?:poder )?(?:ayudarle|ayudarte|atenderle|atenderte|localizarle|localizarte|ajud[aá]-l[oa]|te ajudar|lhe ajudar|ajudar)|pour (?:pouvoir )?(?:vous|t') (?:aider|renseigner)|per (?:poterla|poterti|poter) (?:aiutare|assistere|aiutarla|aiutarti)|um (?:Ihnen|dir) (?:helfen|weiterhelfen) zu k[öo]nnen|damit ich (?:Ihnen|dir) (?:helfen|weiterhelfen) kann|om (?:u|je) te (?:kunnen )?helpen|so (?:I|we) can (?:find|locate|pull up|open|access|bring up|verify|check) (?:you|your (?:account|file|booking|details|record)|it|the (?:account|file|booking|record))(?: (?:up|on (?:my|the) screen))?)";
    let ask = r"(?:(?:can|could|may) (?:I|we)(?: just| please| quickly)? (?:have|take|get|grab|ask (?:you )?for|ask|confirm|check|start with|begin with|go through|run through)|(?:can|could|would|will) you(?: please| just| kindly| also| first| quickly)* (?:give|tell|confirm|provide|send|read|share|spell|verify|answer|let me (?:have|know)|remind me of|go through)(?: me| us)?(?: with)?(?: out)?|(?:please|kindly)(?: just)? (?:confirm|provide|give|share|send|tell|read|verify|spell|answer)(?: me| us)?(?: with)?|(?:I|we)(?:'ll| will| would|'d)?(?: just| first| also)? need(?: to (?:have|take|get|confirm|check|ask (?:you )?for|verify)| you to (?:confirm|give me|provide|tell me|read(?: me| out)?|verify|answer))?|what(?:'s| is| are| was)|(?:and|also|then|plus|&))";
    let item = r"(?:(?:[a-z'-]+ ){0,3}(?:number|no|reference|ref|id|code|pin|passcode|password|digits)\b(?: (?:of|on|from) (?:your|the)(?: [a-z'-]+){0,2} (?:card|account|number|phone|mobile|passport|licence|license))?|date of birth|d\.?o\.?b|birth ?date|(?:first line of (?:your|the) )?(?:post ?code|zip(?: code)?|(?:e-?mail|postal|home|billing|registered|full) ?address|address|e-?mail|(?:phone|mobile|cell)(?: number)?)|(?:full |first |last |sur)?name(?: (?:on|of) (?:the|your) (?:booking|account|card|reservation|policy|file|ticket))?|(?:answers? to )?(?:(?:one|two|three|some|a few|a couple) of )?(?:your |the )?security (?:questions?|answers?|details|word|phrase)|memorable (?:word|date|answer|information|phrase)|maiden name|(?:account|policy|booking|order|claim|reservation) details)";
    let det = r"(?:(?:the|your|a|an|both|all|those|these|its)(?: [a-z'-]+){0,3} )?";
    let items = format!(
        r"{det}{item}(?:\W+(?:and|or|&|plus|as well as)\W+{det}{item})*(?:\W+(?:please|for me|for us|again|first|for (?:security|verification|identification)(?: purposes| reasons)?|to (?:start|begin|continue|get started)|on (?:the|your) (?:account|booking|file|card|policy)|(?:that )?(?:you(?:'re| are| were)|this is) (?:calling|ringing|phoning|writing|chatting|messaging|contacting us|getting in touch|here|asking|enquiring|inquiring) (?:about|regarding|for|with))\b)*"
    );
    // Who they are, asked outright: "who am I speaking with
    // today?", "may I ask who's calling?", "who've I got on the line?".
    let who = r"\b(?:(?:may|can|could) I (?:ask|know|check) )?who(?:(?:'ve| have) I got| do I have| am I (?:speaking|talking|chatting) (?:to|with)|(?:'s| is) (?:this|calling|speaking|on the line)| are you)(?: (?:on the line|there|with me|today|please|now|here|then))*";
    // The request made with the reason and no verb ("for verification, your
    // postcode?"), the verb before the reason ("and, for security,
    // your postcode"), or the detail alone as a question ("Thanks. Your
    // membership number?").
    let pattern = format!(
        r"(?i)(?:\b{lead}\W+)*\b{ask}\W+(?:{lead}\W+)*{items}|\b{lead}\W+{items}|(?:^|[.!?:]\s*)(?:(?:and|also|then|plus|ok|okay|right) )?(?:(?:the|your|a|an) )?{item}(?:\W+(?:and|or|&|plus)\W+{det}{item})*(?:\W+please)?\s*\?|{who}|\b{lead}\b"
    );
    // Who they are, asked in the other languages: "zur Sicherheit: wie
    // lautet die E-Mail-Adresse Ihres Kontos?", "pouvez-vous me confirmer
    // votre date de naissance ?", "¿me puede dar su número de DNI?",
    // "pode me informar o seu CPF?", "mi conferma il codice fiscale?".
    let abroad = r"|\b(?:zur (?:sicherheit|verifizierung|identifizierung)|aus sicherheitsgr[üu]nden|pour (?:des raisons de |votre |plus de )?sécurité|par (?:mesure de )?sécurité|por (?:su |tu |motivos de |razones de )?seguridad|por (?:motivos de |quest[õo]es de |raz[õo]es de )?seguran[çc]a|per (?:motivi di |ragioni di )?sicurezza|voor (?:de )?(?:veiligheid|zekerheid))\b|\b(?:wie lautet|wie ist|nennen sie mir|geben sie mir|k[öo]nnen sie mir|bitte (?:nennen|geben|best[äa]tigen) sie|welche[rsn]?)\b[^.!?]{0,40}?(?:nummer|-id|\bid|adresse|geburtsdatum|kennung|postleitzahl|plz)\b[^.!?]*\??|\b(?:quel(?:le)? est|pouvez-vous (?:me )?(?:donner|confirmer|indiquer|communiquer)|pourriez-vous (?:me )?(?:donner|confirmer|indiquer|communiquer)|merci de (?:me )?(?:donner|confirmer|indiquer))\b[^.!?]{0,40}?\b(?:num[ée]ro|adresse|date de naissance|identifiant|code postal|référence|e-?mail)\b[^.!?]*\??|\b(?:cu[aá]l es|me (?:puede|puedes|podr[ií]a|podr[ií]as) (?:dar|confirmar|indicar|decir|pasar)|me (?:da|das|confirma|confirmas|indica|indicas|pasa|pasas|dice|dices|facilita|facilitas|deja)|(?:puede|puedes) (?:darme|confirmarme|indicarme|decirme|pasarme|facilitarme)|necesito que me (?:confirme|confirmes|diga|digas|d[eé]|des|facilite|facilites|indique|indiques|pase|pases)|necesito (?:su|tu|el|la|sus|tus))\b[^.!?]{0,40}?\b(?:n[uú]mero|correo|direcci[oó]n|fecha de nacimiento|dni|nie|nif|c[oó]digo postal|referencia|nombre|apellidos?|localizador|seguimiento|p[oó]liza|tel[eé]fono)\b[^.!?]*\??|\b(?:qual(?: [ée])?|(?:pode|poderia) (?:me )?(?:informar|dar|confirmar|passar|dizer)|me (?:informa|passa|confirma))\b[^.!?]{0,40}?\b(?:n[uú]mero|e-?mail|endere[çc]o|data de nascimento|cpf|cep|refer[êe]ncia)\b[^.!?]*\??|\b(?:qual(?:e)?(?: [èe])?|(?:pu[òo]|potrebbe|puoi) (?:darmi|confermarmi|indicarmi|dirmi|comunicarmi)|mi (?:dia|dica|dice|dici|d[àa]|conferma|confermi|indichi|fornisca|comunichi)|(?:ho|avrei) bisogno (?:del|della|dei|di)|mi serv(?:e|ono))\b[^.!?]{0,40}?\b(?:numero|e-?mail|indirizzo|data di nascita|codice fiscale|cap|riferimento|nome|cognome|intestatario|codice cliente)\b[^.!?]*\??";
    let pattern = format!("{pattern}{abroad}");
    regex::Regex::new(&pattern).expect("built-in pattern compiles")
});

/// A question anyone could ask without the handoff, inviting the customer to
/// tell their case from the start: "how can I help?", "what can I do for you
/// today?", "what's the issue?", "could you tell me what you need help
/// with?", "a brief description of what happened".
static ASKS_WHAT: LazyLock<regex::Regex> = LazyLock::new(|| {
    let today = r"(?: (?:today|tonight|now|this (?:morning|afternoon|evening)|for you|at all))*";
    let need = r"(?:you(?:'d| would)? (?:like|need|want|wish)(?: (?:help|assistance|support|a hand) with| to (?:do|discuss|talk about|ask|sort out|change)| me to (?:do|look at|help with)| done| today)?|(?:I|we) can (?:help|do|assist)(?: you)?(?: with| for you)?|(?:you(?:'re| are)|this is|it's|it is) (?:calling|ringing|writing|contacting us|getting in touch|here|chatting) (?:about|regarding|for)|(?:'s|is|has) (?:going on|happening|happened|wrong|the (?:matter|problem|issue))|brings you(?: (?:here|in|to us))?|(?:the )?(?:issue|problem|matter|trouble) is)";
    // Asking to hear about "the issue" itself, named by no more than that
    // word: "tell me a little more about the problem you've been having", "give us
    // some details on the problem", "describe the problem you've had".
    let about_the_issue = r"(?:(?:can|could|would|will) you(?: please| just| kindly| also)? )?(?:(?:tell|give|send) (?:me|us)(?: a (?:bit|little)| some| a few)?(?: more)?(?: (?:details?|info(?:rmation)?))?|describe|explain|outline) (?:(?:about|on|regarding|of) )?(?:the|your|this) (?:issue|problem|query|enquiry|inquiry|situation|matter|trouble|concern|request|difficulty|difficulties)(?: (?:that )?you(?:'re| are|'ve| have)(?: been)? (?:having|experiencing|facing|seeing|getting|dealing with|had|experienced|faced))?\b";
    let pattern = format!(
        r"(?i)\bwhat(?:'s| is| was| has| seems to be)(?: (?:the|your))? (?:issue|problem|trouble|matter|wrong|going on|happening|happened|up)(?: (?:with|about|on|to|regarding) (?:the|your|this|that|my)(?: [a-zA-Z'-]+){{1,2}})\s*\?|\bhow (?:can|may|could|might|shall) (?:I|we|i) (?:help|assist|be of (?:help|assistance|service)|support)(?: (?:you|u|ya))?(?: with (?:that|this|anything|your (?:query|enquiry|inquiry|call|request|question)))?{today}|\bwhat (?:can|could|may|shall) (?:I|we) (?:do|help(?: you)?(?: with)?|assist(?: you)?(?: with)?|sort out)(?: for you)?{today}|\bwhat can I do you for\b|\b(?:may|can|could|might) (?:I|we) (?:know|ask|have|get|hear)(?: (?:about|what))?(?: (?:is|are))? (?:your|the) (?:concern|query|issue|problem|enquiry|inquiry|request|question|reason for (?:calling|contacting us|your call))s?\b|\bwhat(?:'s| is| was) (?:the|your) (?:issue|problem|query|enquiry|inquiry|trouble|matter|concern|question|request)\b{today}|\b(?:what(?:'s|’s|s| is| has)|wats|wot's|wots|sup) (?:going on|happening|happened|wrong|up)\b{today}|\b(?:wass?up|whaddup|sup)\b{today}|\bwhat seems to be (?:the )?(?:problem|issue|trouble|matter)\b{today}|\bwhat (?:are|were) you (?:calling|ringing|phoning|writing|contacting us|messaging|chatting|getting in touch|here) (?:about|regarding|for)\b{today}|\bwhat brings you(?: (?:here|in|to us))?\b{today}|\b(?:(?:what(?:'s| is| was)|(?:may|can|could) I (?:ask|know|have)) )?(?:the )?reason for (?:your|the) (?:call|contact|chat|message|visit|enquiry|inquiry)\b{today}|\b{about_the_issue}|\b(?:(?:can|could|would|will) you(?: please| just| kindly)? )?(?:tell|let|remind) me(?: know)? (?:what|how|why) {need}\b{today}|\b(?:may|can|could|might) (?:I|we) (?:know|ask|check|see)(?: please)? (?:what|how|why) {need}\b{today}|\b(?:(?:can|could|would) you(?: please)? (?:tell|let) me(?: know)? )?which (?:[a-z]+ ){{0,2}}(?:you(?:'re| are)|you were|are you|were you) (?:contacting us|calling|writing|getting in touch|enquiring|inquiring|asking|messaging) (?:about|regarding|for)\b|\bwhat (?:do|would|did) you (?:need|like|want|wish)(?: (?:help|assistance|support|a hand) with| to (?:do|discuss|talk about|ask|sort out)| me to (?:do|look at|help with)| done)?\b{today}|\bis there (?:anything|something) (?:I|we) can (?:help|do|assist)(?: you)?(?: with)?{today}|\bhow can I be of (?:help|assistance|service)\b{today}|\b(?:(?:and|with|plus) )?(?:a|an|some) (?:brief |short |quick |little )?(?:description|summary|outline|idea|explanation|overview) of (?:the (?:damage|issue|problem|situation|matter)|what(?:'s| has| is)? ?(?:happened|going on|wrong|the (?:issue|problem)))|\b(?:what(?:'s| is| was)|which)(?: (?:the|your|this))? (?:[a-z-]+ ){{0,2}}(?:that |which )?(?:you(?:'re| are)|you were|we(?:'re| are)|are (?:we|you)|were you) (?:calling|ringing|phoning|writing|talking|speaking|contacting us|getting in touch|enquiring|inquiring|asking|messaging|chatting|here) (?:about|regarding|for|of)\b|\bwhich (?:[a-z-]+ ){{1,2}}(?:do you mean|are you referring to)\b|\bwhat(?:'s| is)(?: (?:it|this|that))? (?:about|regarding|concerning)\b|\b(?:(?:can|could|would) you )?(?:walk|talk|take) me through (?:what(?:'s| has| is)? ?(?:happened|going on|wrong)|the (?:issue|problem|situation))\b|\b(?:(?:can|could|would|will) you(?: please| just| kindly)? )?(?:tell|let) me(?: know)? what(?:'s| is| has| was) (?:going on|happening|happened|wrong|up)\b|\b(?:can|could|would) you(?: please| just| kindly)? (?:repeat|say again|go over|remind me of)\b[^.!?]*"
    );
    // The same questions in the other languages: "worum geht es denn
    // genau?", "wie kann ich Ihnen helfen?", "en quoi puis-je vous
    // aider ?", "¿en qué le puedo ayudar?", "em que posso ajudar?", "come
    // posso aiutarla?", "waarmee kan ik u helpen?".
    let abroad = r"|\bworum geht es\b[^.!?]{0,30}|\b(?:wie|womit) (?:kann|darf) ich (?:ihnen|dir|euch)(?: heute)? (?:helfen|behilflich sein)\b|\bwas kann ich(?: heute)? f[üu]r (?:sie|dich|euch) tun\b|\bwas ist (?:denn )?(?:passiert|los|das problem)\b|\b(?:en quoi|comment) (?:puis-je|est-ce que je peux|pourrais-je) vous (?:aider|être utile)\b|\bque puis-je (?:faire )?pour vous\b|\bqu'est-ce qui (?:se passe|ne va pas)\b|\bquel est (?:le|votre) (?:problème|souci)\b|\b(?:en qu[eé]|c[oó]mo) (?:le|te|les) (?:puedo|podemos) ayudar\b|\bqu[eé] (?:le|te) (?:pasa|ocurre|sucede)\b|\bqu[eé] (?:puedo|podemos) hacer por (?:usted|ti)\b|\bcu[aá]l es (?:el|su|tu) problema\b|\b(?:em que|como) (?:posso|podemos) (?:te |lhe )?ajudar\b|\bo que (?:aconteceu|houve|se passa)\b|\bqual (?:é )?o problema\b|\b(?:come|in cosa|in che cosa) (?:posso|possiamo) (?:aiutarla|aiutarti|esserle utile)\b|\bcosa (?:posso fare per lei|è successo|succede)\b|\bqual è il problema\b|\b(?:hoe|waarmee) kan ik (?:u|je) (?:helpen|van dienst zijn)\b|\bwat is (?:er aan de hand|het probleem)\b|\b(?:vous (?:appelez|nous contactez|nous [ée]crivez|m'appelez)|c'est) (?:pour|à) (?:quelle raison|quel sujet|quoi)\b|\bpour quelle raison (?:vous )?(?:appelez|contactez|[ée]crivez)(?:-vous)?\b|\bquel est (?:l'objet|le motif) de votre (?:appel|demande|message)\b|\b(?:por qu[eé] motivo|cu[aá]l es el motivo de (?:su|tu)) (?:llama|llamas|llamada|consulta|contacto)\b|\bqual (?:[ée] )?o motivo d[oa] (?:seu |sua )?(?:contato|liga[çc][ãa]o|chamada)\b|\bqual [èe] il motivo della (?:sua |tua )?(?:chiamata|richiesta)\b|\bwas (?:ist|wäre) (?:denn )?(?:Ihr|dein) Anliegen\b|\bwas führt (?:Sie|dich) zu uns\b|\b(?:en qu[eé]|c[oó]mo) (?:puedo|podemos|podr[ií]a|podr[ií]amos) (?:ayudarle|ayudarte|ayudarles|ayudaros|servirle|servirte)\b|\ben qu[eé] (?:le|te|les) (?:puedo|podemos) servir\b|\b(?:em que|como) (?:posso|podemos|poderia) (?:ajud[aá]-l[oa]s?|ser [úu]til)\b|\bo que (?:posso|podemos) fazer (?:por|pel[oa]) (?:voc[êe]|senhora?|o senhor|a senhora)\b|\b(?:come|in cosa|in che cosa) (?:la|ti|vi) (?:posso|possiamo|potrei) aiutare\b|\bdi cosa ha bisogno\b|\bmi dica(?: pure)?\b|\bcu[ée]nteme\b|\bcu[ée]ntame\b|\b(?:me )?(?:puede|puedes|podr[ií]a|podr[ií]as) (?:contar|decir|explicar)(?:me)?\b|\bper (?:cosa|quale motivo) (?:ci|mi) (?:contatta|chiama|scrive)\b|(?:今日は)?(?:どうされました|どうなさいました|いかがなさいました|ご用件は)|\b(?:wie|womit) (?:kann|darf|könnte) ich (?:helfen|behilflich sein|dienen)\b|\bwat kan ik voor (?:u|je|jou) doen\b|\bqu'est-ce que je (?:peux|pourrais) faire pour vous\b|\bcomment je (?:peux|pourrais) vous (?:aider|être utile)\b|\b(?:c'est|ce serait|vous appelez|vous nous contactez|vous (?:nous )?[ée]crivez) (?:pour|à propos d[eu']|au sujet d[eu']|concernant) (?:quel|quelle|quels|quelles) [\w-]+(?: [\w-]+)?\s*\?|\bde quoi s'agit-il\b|\b(?:de|pour) quel(?:le)?s? [\w-]+ s'agit-il\b|\b(?:es|ser[ií]a|llama|llamas|escribe|escribes) (?:para|por|sobre|acerca de) (?:qu[eé]|cu[aá]l|cu[aá]les) [\w-]+(?: [\w-]+)?\s*\?|\bde qu[eé] (?:[\w-]+ )?se trata\b|\bum (?:welche[ns]?|was f[üu]r) (?:[\w-]+ )?geht(?:'s| es)\b|\bworum geht'?s\b|\bdi (?:cosa|che cosa|quale [\w-]+) si tratta\b|\b[èe] per (?:quale|che) [\w-]+\s*\?|\bdo que se trata\b|\bde qual [\w-]+ se trata\b|\b(?:é|seria) (?:para|sobre) (?:qual|que) [\w-]+\s*\?|\bom welke? [\w-]+ gaat het\b|\bwaar gaat het (?:over|om)\b|\b(?:which|what) [a-z-]+(?: [a-z-]+)? (?:is (?:it|this|that)|are (?:they|these)) (?:for|about|regarding|concerning)\s*\?|ご用件を?(?:お伺い|伺い|お聞かせ|お聞き)[^。！？!?]*|(?:本日は)?どのような(?:ご用件|ご用|お問い合わせ)[^。！？!?]*|いかがなさいましたか|どうされましたか|どうなさいましたか";
    let pattern = format!("{pattern}{abroad}");
    regex::Regex::new(&pattern).expect("built-in pattern compiles")
});

/// An ask made in order to find the customer's record, which says the
/// human has none before them: "so that we can locate your records", "so I
/// can pull up your account", "para poder localizar su expediente", "pour
/// retrouver votre dossier", "um Ihren Vorgang zu finden", "per trovare la
/// sua pratica", "para localizar o seu cadastro", "om uw dossier te vinden".
static LOOKS_FOR_THE_RECORD: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\bso( that)? (I|we) (can|could|may) (find|locate|look up|pull up|access|bring up|trace|identify|search for) (you|your (account|file|booking|details|records?|case|order|policy|reservation)|the (account|file|booking|records?|case|order|policy|reservation))\b|\bpara (poder )?(localizar|encontrar|ubicar|buscar) (su|tu|el|la|o seu|a sua|seu|sua) (expediente|cuenta|ficha|reserva|pedido|cadastro|processo|conta|registro)\b|\bpour (pouvoir )?(retrouver|localiser|trouver) (votre|ton|le) (dossier|compte|fiche|r[ée]servation|commande)\b|\bum (Ihr(en|e)?|dein(en|e)?) (Vorgang|Konto|Kundenkonto|Akte|Buchung|Bestellung|Daten) (zu )?(finden|zu finden|aufzurufen)\b|\bper (poter )?(trovare|rintracciare|individuare) (la sua|la tua|il suo|il tuo) (pratica|posizione|account|prenotazione|ordine)\b|\bom (uw|je|jouw) (dossier|account|gegevens|bestelling|boeking) te (vinden|zoeken|openen)\b",
    )
    .expect("the built-in pattern compiles")
});

/// Whether an ask says what it is for, and that is an action on the case
/// ("can I have your membership number so I can refund the second
/// payment?"), not looking the customer up ("so I can pull up the claim"):
/// such a sentence engages with the case.
fn acts_on_the_case(sentence: &str) -> bool {
    static PURPOSE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bso(?: that)? (?:I|we) (?:can|could|may|will) (\w+)")
            .expect("built-in pattern compiles")
    });
    const LOOKING_UP: &[&str] = &[
        "pull", "bring", "look", "find", "locate", "access", "check", "verify", "confirm",
        "identify", "open", "see", "view", "help", "assist", "get", "search", "load", "start",
        "continue", "proceed", "go", "make", "be", "sort", "deal", "take", "pick",
    ];
    PURPOSE
        .captures_iter(sentence)
        .any(|found| !LOOKING_UP.contains(&found[1].to_lowercase().as_str()))
}

/// Words that say nothing about the case: discourse particles, terms of
/// address and the little words a stripped greeting leaves behind.
const PARTICLES: &[&str] = &[
    "a",
    "again",
    "ah",
    "und",
    "et",
    "y",
    "e",
    "en",
    "ed",
    "all",
    "alright",
    "also",
    "an",
    "and",
    "at",
    "buddy",
    "darling",
    "dear",
    "kindly",
    "po",
    "opo",
    "do",
    "dr",
    "er",
    "erm",
    "folks",
    "for",
    "great",
    "hello",
    "here",
    "hey",
    "hi",
    "hmm",
    "hon",
    "honey",
    "hun",
    "i",
    "i'm",
    "in",
    "is",
    "it",
    "just",
    "love",
    "lovely",
    "ma'am",
    "madam",
    "mate",
    "miss",
    "mr",
    "mrs",
    "ms",
    "mx",
    "my",
    "no",
    "now",
    "of",
    "oh",
    "ok",
    "okay",
    "on",
    "or",
    "perfect",
    "pet",
    "please",
    "right",
    "sir",
    "so",
    "sorry",
    "sure",
    "thank",
    "thanks",
    "that",
    "the",
    "then",
    "there",
    "this",
    "to",
    "too",
    "uh",
    "um",
    "us",
    "we",
    "well",
    "with",
    "yeah",
    "yep",
    "yes",
    "you",
    // Terms of address in the other languages: "señor Ortega", "madame".
    "señor",
    "señora",
    "señorita",
    "don",
    "doña",
    "monsieur",
    "madame",
    "mademoiselle",
    "herr",
    "frau",
    "signor",
    "signore",
    "signora",
    "signorina",
    "senhor",
    "senhora",
    "dona",
    "meneer",
    "mevrouw",
    // Thanks and "well" in the other languages: "Merci ! Et…", "Vale, …".
    "merci",
    "gracias",
    "danke",
    "grazie",
    "obrigado",
    "obrigada",
    "bedankt",
    "vale",
    "bueno",
    "pues",
    "alors",
    "bon",
    "allora",
    "ecco",
    "nou",
    // "Okay" and the tags of speech in the other languages: "tá?", "né?",
    // "D'accord." ("sí", "por", "ja" stay words: "Sí, por PayPal" answers).
    "tá",
    "né",
    "d'accord",
    "oké",
    "okey",
    // Dutch "hoor" softens: "Momentje hoor", "Prima hoor"; Hindi "ji"
    // honours: "Namaste ji".
    "hoor",
    "ji",
    // "Today" after a question anyone could ask: "Comment je peux vous
    // aider aujourd'hui ?", "¿en qué te puedo ayudar hoy?".
    "aujourd'hui",
    "hoy",
    "heute",
    "hoje",
    "oggi",
    "vandaag",
    // Texting spellings: "how can i help u?", "k, thx".
    "u",
    "ur",
    "ya",
    "pls",
    "plz",
    "k",
    "kk",
    "lol",
];

/// Where the `patterns` match in `text`, as byte ranges.
fn spans<'p>(text: &str, patterns: impl Iterator<Item = &'p regex::Regex>) -> Vec<(usize, usize)> {
    patterns
        .flat_map(|pattern| {
            pattern
                .find_iter(text)
                .map(|found| (found.start(), found.end()))
        })
        .collect()
}

/// `text` without what says nothing of the case: openers (greetings, the
/// human's introduction, "thank you for contacting Parkside Lettings"),
/// questions anyone could ask ("how can I help?") and requests for who the
/// customer is ("and your member ID"), each replaced by a space. What is
/// left is what the human said about the case.
pub fn without_openers_and_asks(text: &str) -> String {
    let mut said = String::with_capacity(text.len());
    let mut from = 0;
    let mut set_aside = spans(text, [&*OPENER, &*ASKS_WHO, &*ASKS_WHAT].into_iter());
    set_aside.sort_unstable();
    for (start, end) in set_aside {
        if start > from {
            said.push_str(&text[from..start]);
            said.push(' ');
        }
        from = from.max(end);
    }
    said.push_str(&text[from..]);
    said
}

/// Whether `text` (in matching form) asks a question anyone could ask
/// without the handoff, inviting the customer to tell their case from the
/// start ("how can I help?", "¿en qué puedo ayudarle?", "c'est pour quelle
/// facture ?"): see [`ASKS_WHAT`].
pub fn asks_for_the_case(text: &str) -> bool {
    ASKS_WHAT.is_match(text)
}

/// The human naming themselves: "my name is Tunde", "this is Dana", "it's
/// Sam from billing", "Eoin here", "soy Marta", "je m'appelle Karim",
/// "ich bin Lena", "sono Sara", "担当の田中です".
static OWN_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    let name = r"(?-i:[A-Z\u{C0}-\u{DE}])[\w'-]*";
    regex::Regex::new(&format!(
        r"(?i)\b(?:my name(?:'s|’s| is)|this is|I'm|I’m|I am|here is|je suis|je m'appelle|moi c'est|ich bin|mein name ist|hier ist|soy|me llamo|le atiende|te atiende|le habla|te habla|sono|mi chiamo|qui parla|eu sou|meu nome é|aqui (?:é|fala)(?: o| a)?|ik ben|u spreekt met|je spreekt met) {name}|\bit(?:'s|’s| is) {name},? (?:from|with|at|in|on|here)\b|\b{name},? (?:here|speaking|hier|ici|aquí|qui|aqui) ?(?:from|with|at|in|on|,|$)|担当(?:の|は)?[^。、！!？?\s]{{1,8}}(?:でございます|です|と申します)|[^。、！!？?\s]{{1,6}}と申します"
    ))
    .expect("built-in pattern compiles")
});

/// `text` without the human naming themselves (see [`OWN_NAME`]), so that a
/// customer who shares the human's name is not taken for named.
pub fn without_own_name(text: &str) -> String {
    OWN_NAME.replace_all(text, " ").into_owned()
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
        word_count(text) <= self.filler_max_words && self.first_said(text, names, &[]).is_none()
    }

    /// Whether a human turn is not yet about the customer's case: filler
    /// (see [`Self::is_filler`]), a question anyone could ask without the
    /// handoff ("how can I help?", "what's the issue?") or one for who the
    /// customer is or which record is theirs ("can I have your booking
    /// reference?", "for security, your date of birth"), with nothing else
    /// said. The first meaningful response is the first turn about the case.
    pub fn says_nothing_of_the_case(&self, text: &str, names: &[CustomerName]) -> bool {
        word_count(text) <= self.filler_max_words
            && self
                .first_said_beyond_asks(text, names, &[&ASKS_WHO, &ASKS_WHAT])
                .is_none()
    }

    /// [`Self::first_said`], with the sentences that make a `not_meaningful`
    /// ask set aside too.
    fn first_said_beyond_asks<'t>(
        &self,
        text: &'t str,
        names: &[CustomerName],
        also: &[&regex::Regex],
    ) -> Option<&'t str> {
        let asks = match &self.not_meaningful {
            Some(patterns) => sentences(text)
                .filter(|&(from, to)| {
                    let sentence = &text[from..to];
                    patterns.is_match(sentence) && asks(sentence) && !acts_on_the_case(sentence)
                })
                .collect(),
            None => Vec::new(),
        };
        self.first_said_except(text, names, also, &asks)
    }

    /// Whether a human turn can be passed over in reading the human's
    /// opening: it says nothing of the case (see
    /// [`Self::says_nothing_of_the_case`]) and asks no question anyone
    /// could ask without the handoff. A greeting ("Hi Nathan, thanks for
    /// your patience."), a holding line or a request for an identifier comes
    /// before the opening; "how can I help?" is the opening, and a generic
    /// one, as is an ask made to find the customer's record ("please reply
    /// with your account reference so that we can locate your records"):
    /// it says the human has no record of the case before them.
    pub fn comes_before_the_opening(&self, text: &str, names: &[CustomerName]) -> bool {
        self.says_nothing_of_the_case(text, names)
            && !ASKS_WHAT.is_match(text)
            && !LOOKS_FOR_THE_RECORD.is_match(text)
    }

    /// Whether a human turn holds the line rather than opening: filler (see
    /// [`Self::is_filler`]) that asks the customer to wait (a holding
    /// pattern: "bear with me", "one moment while I load your file") or asks
    /// them something before the human begins ("Hello?", "Ms Reyes?", "is
    /// this a good time to talk?"). A turn that only greets, introduces the
    /// human and thanks the customer for waiting ("Hi Tomás, thanks for
    /// waiting, you're speaking with Ruth.") does not hold: it is the opening, and it says
    /// nothing of the case.
    pub fn holds(&self, text: &str, names: &[CustomerName]) -> bool {
        // Every pattern given in the rubric is read as holding.
        let (filler, holding) = match &self.filler {
            Some(filler) => (filler, usize::MAX),
            None => (&*DEFAULT_FILLER, *DEFAULT_HOLDING),
        };
        self.is_filler(text, names)
            && (filler.matching(text).any(|pattern| pattern < holding)
                || text.trim_end().ends_with('?'))
    }

    /// The first word of `text` that says something (see [`Self::is_filler`]),
    /// once the openers, the filler and what `also` finds are set aside.
    fn first_said<'t>(
        &self,
        text: &'t str,
        names: &[CustomerName],
        also: &[&regex::Regex],
    ) -> Option<&'t str> {
        self.first_said_except(text, names, also, &[])
    }

    /// [`Self::first_said`], with the byte ranges `asks` set aside too.
    fn first_said_except<'t>(
        &self,
        text: &'t str,
        names: &[CustomerName],
        also: &[&regex::Regex],
        asks: &[(usize, usize)],
    ) -> Option<&'t str> {
        let filler = self.filler.as_ref().unwrap_or(&DEFAULT_FILLER);
        let mut set_aside = spans(text, std::iter::once(&*OPENER).chain(also.iter().copied()));
        set_aside.extend_from_slice(asks);
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
            .find(|turn| !self.says_nothing_of_the_case(turn.text, names));
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
            let said = check.first_said(filler, &[], &[]);
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

    #[test]
    fn a_turn_holds_when_it_asks_to_wait_and_opens_when_it_only_greets() {
        let check = FirstMeaningfulResponse::default();
        for holding in [
            "Hi, bear with me a second.",
            "Hello?",
            "One moment while I open your file.",
            "Is this a good time to talk?",
        ] {
            assert!(check.holds(holding, &[]), "{holding}");
        }
        for opening in [
            "Hi Tomás, thanks for waiting, you're speaking with Ruth.",
            "Good afternoon, box office, this is Sam.",
            "Hi, I've been assigned your case and will come back to you soon. Cheers, Ruth",
            "Hello, how can I help you today?",
        ] {
            assert!(!check.holds(opening, &[]), "{opening}");
        }
    }

    /// Our own wording, not any data set's (see tests/fixtures/kinds for
    /// whole conversations).
    #[test]
    fn generic_questions_and_identity_asks_are_not_about_the_case() {
        let check = FirstMeaningfulResponse::default();
        let not_yet = |text: &str| {
            check
                .first_said(text, &[], &[&ASKS_WHO, &ASKS_WHAT])
                .map(str::to_string)
        };
        for text in [
            "Hello, how can I help you today?",
            "Good morning, Redfern Gas, this is Ola. What can I do for you this morning?",
            "Hi! What's the problem?",
            "Hey, could you tell me what you need help with?",
            "May I know what I can help you with today?",
            "Hi there, could you tell me which parcel you're writing about?",
            "Hello, Brightmoor lettings. Can I take your tenancy reference please?",
            "Before we go any further, for security can you confirm your date of birth and postcode?",
            "To continue I'll need the last four digits of your card, please.",
            "Could I have your membership number and a brief description of what happened?",
            "Hi, what's your booking reference?",
            "Can you answer two of your security questions for me?",
            "Olá! How can I help?",
            "Bom dia, what seems to be the trouble?",
            "Hi po, thanks for waitin' on me! Won't be a tick, just grabbing your details.",
            "Kindly allow me 2 to 3 minutes to review your account.",
            "Is this a good time to talk?",
            "Hi, you're now speaking with Lee. Bear with me while the system loads.",
            "Hi there, thanks for writing to Fernway! How can I help? Kind regards, Maya",
            "Hi there, Thanks for reaching out to Fernway! Could you tell me which flat you're writing about and what seems to be the trouble with it? Best regards, Maya Lund",
            "Good morning, permits desk. Who am I speaking with today?",
            "Thanks. And, for verification, your postcode?",
            "Hi there. Your permit number?",
            "May I ask the reason for your call?",
            "Could you tell me a little more about the problem you've been having?",
            "Hello, you are welcome to Cityline permits. How may I help you?",
            "No, nothing has come through yet, I'm afraid. What seems to be the problem?",
            "Hello Ana, I gather you wanted to speak with a person. What's it about?",
            "Hi Ana, glad to help you out this afternoon!",
            "Valued customer, I hope this message finds you well.",
            "Salve! Mi dice il numero della pratica e il cognome, per favore?",
            "Buenas noches. ¿Me dice su localizador?",
            "Hi Ana, which delivery are we talking about?",
            "Hi there, can you tell me what's going on?",
            "Could you repeat the transaction amounts for me?",
            "Thanks. And what's the order you're writing about?",
            "Un instant, je consulte votre dossier.",
            "Ich schaue mir das gleich an.",
        ] {
            assert_eq!(not_yet(text), None, "{text}");
        }
        for text in [
            "Can I have your order number so I can refund the broken kettle?",
            "Hi, I see the kettle arrived broken. Could you confirm your postcode?",
            "What's your booking reference? I'll move the flight to Friday.",
            "How can I help with the refund for the double charge?",
            "Before we go any further: I've already cancelled the duplicate payment.",
            "Hi there, I've refunded the £40 to your card. Kind regards, Maya",
            "Happy to help with the broken kettle: a new one goes out today.",
            "Sie wollten über die doppelte Abbuchung sprechen, die erstatte ich jetzt.",
            "Which charge is the duplicate? I've already refunded the first one.",
        ] {
            assert!(not_yet(text).is_some(), "{text}");
        }
        // A holding turn is filler for the opening too; a question is not.
        assert!(check.is_filler("Is this a good time to talk?", &[]));
        assert!(!check.is_filler("Hello, how can I help you today?", &[]));
    }
}
