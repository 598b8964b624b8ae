//! A seeded generator of realistic handoff conversations, for the demo set,
//! tests and benchmarks.
//!
//! Each conversation is planned first (`Plan`): scenario, channel, trigger,
//! and, independently, each way a handoff can go wrong (context late, the
//! human re-verifies, repeats a rejected offer, ignores the suggestion, opens
//! blind, answers slowly; the AI gives no reason, no wait estimate, no
//! choice; the package misses fields; a sentiment drop goes unflagged). The
//! events are then written from the plan, in many phrasings, and the human
//! QA `labels` are derived from the plan, not from the rubric. Some
//! re-verifications are paraphrased beyond what rules catch, as in real data.
//!
//! The same seed gives the same conversations, byte for byte. Memory is
//! constant: returning customers wait in a small heap until their time.

mod scenarios;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use scenarios::*;

#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    /// Start of the first conversation, in milliseconds since the epoch.
    pub start_ms: i64,
    /// Mean seconds between conversation starts.
    pub mean_gap_s: f64,
    pub escalation_rate: f64,
    /// Share of conversations with no clock (no `at`, no `endedAt`).
    pub no_clock_rate: f64,
    /// Every conversation from this agent version (default: a mix).
    pub agent_version: Option<String>,
    /// Chance of each AI-side mistake (default: by agent version, 0.08 or 0.16).
    pub ai_flaw: Option<f64>,
    /// Chance of each human-side mistake (default 0.15).
    pub human_flaw: Option<f64>,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 7,
            start_ms: 1_793_000_000_000, // 2026-10-26
            mean_gap_s: 300.0,
            escalation_rate: 0.8,
            no_clock_rate: 0.03,
            agent_version: None,
            ai_flaw: None,
            human_flaw: None,
        }
    }
}

pub struct Generator {
    rng: ChaCha8Rng,
    config: SynthConfig,
    index: u64,
    clock_ms: i64,
    next_customer: u64,
    /// Customers due to contact again: (when, customer number).
    returning: BinaryHeap<Reverse<(i64, u64)>>,
}

impl Generator {
    pub fn new(config: SynthConfig) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            clock_ms: config.start_ms,
            config,
            index: 0,
            next_customer: 0,
            returning: BinaryHeap::new(),
        }
    }
}

impl Iterator for Generator {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        let gap = -self.config.mean_gap_s * (1.0 - self.rng.random::<f64>()).ln();
        self.clock_ms += (gap * 1000.0) as i64;
        let customer = match self.returning.peek() {
            Some(Reverse((due, customer))) if *due <= self.clock_ms => {
                let customer = *customer;
                self.returning.pop();
                customer
            }
            _ => {
                self.next_customer += 1;
                self.next_customer
            }
        };
        let index = self.index;
        self.index += 1;
        // Each conversation draws from its own stream, so the n-th
        // conversation has the same scenario whatever the flaw rates: runs
        // generated with one seed pair up by scenario, like the same test
        // suite run against two agent versions.
        let mut rng = ChaCha8Rng::seed_from_u64(self.rng.random());
        let (conversation, comes_back_after_s) =
            build(&mut rng, &self.config, index, customer, self.clock_ms);
        if let Some(after) = comes_back_after_s {
            self.returning
                .push(Reverse((self.clock_ms + after * 1000, customer)));
        }
        Some(conversation)
    }
}

fn customer_name(customer: u64) -> String {
    let mix = customer.wrapping_mul(0x9E3779B97F4A7C15);
    let first = FIRST_NAMES[(mix % FIRST_NAMES.len() as u64) as usize];
    let last = LAST_NAMES[((mix >> 20) % LAST_NAMES.len() as u64) as usize];
    format!("{first} {last}")
}

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    BeforeConnect,
    Late,
    Missing,
}

#[derive(Clone, Copy, PartialEq)]
enum Opening {
    Informed,
    Generic,
    AskIssue,
}

#[derive(Clone, Copy, PartialEq)]
enum Reverify {
    No,
    Explicit,
    Paraphrased,
}

/// Everything decided about a conversation before a word is written.
struct Plan {
    scenario: &'static Scenario,
    channel: &'static str,
    escalated: bool,
    trigger: &'static str,
    verification: Option<&'static str>,
    offer_made: bool,
    offer_rejected: bool,
    declining: bool,
    flag_by_urgency: bool,
    flag_by_payload: bool,
    say_reason: bool,
    say_promise: bool,
    say_wait: bool,
    wait_s: u32,
    offer_choice: bool,
    propose_callback: bool,
    callback_taken: bool,
    abandoned: bool,
    package: bool,
    package_drops: Vec<&'static str>,
    summary_bad_length: bool,
    context: Context,
    slow_first: bool,
    /// Set while building: the first human message about the case (the one
    /// after a bare "how can I help?", a security question or a request for
    /// the reference) came more than 30 s after the connect.
    first_case_late: bool,
    opening: Opening,
    reverify: Reverify,
    ask_collected: bool,
    customer_complains: bool,
    repeat_offer: bool,
    follow: bool,
    clock: bool,
}

impl Plan {
    fn human_connects(&self) -> bool {
        self.escalated && !self.callback_taken && !self.abandoned
    }

    fn urgency(&self) -> &'static str {
        if self.scenario.domain == "banking" {
            "critical"
        } else if self.flag_by_urgency {
            "elevated"
        } else {
            "standard"
        }
    }

    /// The human QA verdicts that follow from the plan.
    fn labels(&self) -> Map<String, Value> {
        let mut labels = Map::new();
        if !self.escalated {
            return labels;
        }
        let verdict = |pass: bool| Value::from(if pass { "pass" } else { "fail" });
        let na = Value::from("na");
        let connected = self.human_connects();
        let suggestion = self.package && !self.package_drops.contains(&"suggestedNextAction");
        let put = |labels: &mut Map<String, Value>, id: &str, value: Value| {
            labels.insert(id.to_string(), value);
        };
        put(
            &mut labels,
            "context_before_connect",
            if connected {
                verdict(self.context == Context::BeforeConnect)
            } else {
                na.clone()
            },
        );
        put(
            &mut labels,
            "no_reverification",
            if connected && self.verification == Some("verified") {
                verdict(self.reverify == Reverify::No)
            } else {
                na.clone()
            },
        );
        put(
            &mut labels,
            "no_repeated_offer",
            if connected && self.offer_rejected {
                verdict(!self.repeat_offer)
            } else {
                na.clone()
            },
        );
        put(
            &mut labels,
            "suggested_action_followed",
            if connected && suggestion {
                verdict(self.follow)
            } else {
                na.clone()
            },
        );
        // No package to judge: n/a (whether context arrived is
        // context_before_connect's matter).
        put(
            &mut labels,
            "package_complete",
            if self.package {
                verdict(self.package_drops.is_empty() && !self.summary_bad_length)
            } else {
                na.clone()
            },
        );
        put(
            &mut labels,
            "honest_disclosure",
            verdict(self.say_reason && self.say_promise && self.say_wait),
        );
        let wait_label = if self.wait_s < 120 {
            na.clone()
        } else if self.wait_s <= 600 {
            verdict(self.offer_choice)
        } else {
            verdict(self.propose_callback)
        };
        put(&mut labels, "wait_options", wait_label);
        if self.clock {
            put(
                &mut labels,
                "first_meaningful_response",
                if connected {
                    verdict(!self.slow_first && !self.first_case_late)
                } else {
                    na.clone()
                },
            );
        }
        put(
            &mut labels,
            "informed_opening",
            if connected {
                verdict(self.opening == Opening::Informed)
            } else {
                na.clone()
            },
        );
        let asked_issue_again =
            self.opening == Opening::AskIssue && self.trigger != "customer_request";
        put(
            &mut labels,
            "no_repeat_yourself",
            if connected {
                verdict(!(self.ask_collected || self.customer_complains || asked_issue_again))
            } else {
                na.clone()
            },
        );
        let alert_delivered = self.flag_by_payload
            && (self.context == Context::BeforeConnect
                || (self.context == Context::Late && connected));
        put(
            &mut labels,
            "sentiment_flagged",
            if self.declining {
                verdict(self.flag_by_urgency || alert_delivered || self.urgency() != "standard")
            } else {
                na
            },
        );
        labels
    }

    /// How many things went wrong, for CSAT and re-contact.
    fn flaws(&self) -> u32 {
        [
            self.context != Context::BeforeConnect && self.human_connects(),
            self.reverify != Reverify::No,
            self.repeat_offer,
            !self.follow && self.human_connects(),
            self.opening != Opening::Informed && self.human_connects(),
            self.ask_collected || self.customer_complains,
            self.slow_first,
            !self.package || !self.package_drops.is_empty(),
        ]
        .iter()
        .filter(|flaw| **flaw)
        .count() as u32
    }
}

fn plan(rng: &mut ChaCha8Rng, config: &SynthConfig, version: &str) -> Plan {
    // The newer agent build makes fewer AI-side mistakes.
    let ai_flaw = config.ai_flaw.unwrap_or(if version.ends_with("2.4.0") {
        0.08
    } else {
        0.16
    });
    let human_flaw = config.human_flaw.unwrap_or(0.15);
    let scenario = SCENARIOS.choose(rng).expect("scenarios exist");
    let channel = *["voice", "voice", "chat", "chat", "email", "messaging"]
        .choose(rng)
        .unwrap();
    let escalated = rng.random_bool(config.escalation_rate);
    let trigger = *scenario.triggers.choose(rng).unwrap();
    let verification = match rng.random_range(0..100) {
        0..80 => Some("verified"),
        80..88 => Some("partial"),
        88..93 => Some("failed"),
        _ => None,
    };
    let offer_made = scenario.offer.is_some() && rng.random_bool(0.75);
    let offer_rejected = offer_made && (escalated || rng.random_bool(0.2));
    let escalated = escalated || offer_rejected;
    let declining = escalated && rng.random_bool(0.35);
    let flagged = declining && !rng.random_bool(ai_flaw * 1.5);
    // (A payload alert only counts if the payload reaches the human: see labels.)
    let flag_by_urgency = flagged && rng.random_bool(0.6);
    let flag_by_payload = flagged && !flag_by_urgency;
    let wait_s = *[45, 90, 130, 180, 240, 300, 420, 540, 720, 900, 1200]
        .choose(rng)
        .unwrap();
    let propose_callback = wait_s > 600 && !rng.random_bool(ai_flaw * 1.5);
    let callback_taken = propose_callback && rng.random_bool(0.4);
    let package = !rng.random_bool(ai_flaw * 0.25);
    let mut package_drops = Vec::new();
    if package && rng.random_bool(ai_flaw) {
        let field = *[
            "sentimentArc",
            "toolsUsed",
            "attemptedResolutions",
            "suggestedNextAction",
        ]
        .choose(rng)
        .unwrap();
        package_drops.push(field);
        if rng.random_bool(0.3) {
            let second = *["sentimentArc", "toolsUsed", "attemptedResolutions"]
                .choose(rng)
                .unwrap();
            if !package_drops.contains(&second) {
                package_drops.push(second);
            }
        }
    }
    let context = if !package {
        Context::Missing
    } else if rng.random_bool(human_flaw * 0.6) {
        if rng.random_bool(0.5) {
            Context::Late
        } else {
            Context::Missing
        }
    } else {
        Context::BeforeConnect
    };
    let opening = if context == Context::BeforeConnect && !rng.random_bool(human_flaw) {
        Opening::Informed
    } else if rng.random_bool(0.5) {
        Opening::AskIssue
    } else {
        Opening::Generic
    };
    let reverify = if verification == Some("verified") && rng.random_bool(human_flaw) {
        if rng.random_bool(0.15) {
            Reverify::Paraphrased
        } else {
            Reverify::Explicit
        }
    } else {
        Reverify::No
    };
    let ask_collected = rng.random_bool(human_flaw * 0.7);
    let asked_issue_again = opening == Opening::AskIssue && trigger != "customer_request";
    let customer_complains = (ask_collected || asked_issue_again) && rng.random_bool(0.4);
    Plan {
        scenario,
        channel,
        escalated,
        trigger,
        verification,
        offer_made,
        offer_rejected,
        declining,
        flag_by_urgency,
        flag_by_payload,
        say_reason: !rng.random_bool(ai_flaw),
        say_promise: !rng.random_bool(ai_flaw),
        say_wait: !rng.random_bool(ai_flaw),
        wait_s,
        offer_choice: (120..=600).contains(&wait_s) && !rng.random_bool(ai_flaw * 1.5),
        propose_callback,
        callback_taken,
        abandoned: !callback_taken && rng.random_bool(0.02),
        package,
        package_drops,
        summary_bad_length: package && rng.random_bool(ai_flaw * 0.3),
        context,
        slow_first: rng.random_bool(human_flaw),
        first_case_late: false,
        opening,
        reverify,
        ask_collected,
        customer_complains,
        repeat_offer: offer_rejected && rng.random_bool(human_flaw),
        follow: !rng.random_bool(human_flaw),
        clock: !rng.random_bool(config.no_clock_rate),
    }
}

/// Writes events with a running clock.
struct Timeline {
    events: Vec<Value>,
    now_ms: i64,
    clock: bool,
}

impl Timeline {
    fn advance(&mut self, rng: &mut ChaCha8Rng, low_ms: i64, high_ms: i64) {
        self.now_ms += rng.random_range(low_ms..=high_ms);
    }

    fn push(&mut self, kind: &str, fields: Value) {
        let mut event = Map::new();
        event.insert("type".into(), kind.into());
        if self.clock {
            event.insert("at".into(), iso(self.now_ms).into());
        }
        if let Value::Object(fields) = fields {
            event.extend(fields);
        }
        self.events.push(Value::Object(event));
    }

    fn turn(&mut self, speaker: &str, text: &str, sentiment: Option<f64>) {
        let mut fields = json!({"speaker": speaker, "text": text});
        if let Some(score) = sentiment {
            fields["sentiment"] = json!((score.clamp(-1.0, 1.0) * 100.0).round() / 100.0);
        }
        self.push("turn", fields);
    }
}

struct Fill {
    reference: String,
    total: u32,
    offer: u32,
    first: String,
    ref_name: &'static str,
}

impl Fill {
    fn apply(&self, template: &str) -> String {
        template
            .replace("{ref_name}", self.ref_name)
            .replace("{ref}", &self.reference)
            .replace("{total}", &self.total.to_string())
            .replace("{offer}", &self.offer.to_string())
            .replace("{first}", &self.first)
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, options: &[&'a str]) -> &'a str {
    options.choose(rng).copied().unwrap_or_default()
}

/// What the AI tried besides a monetary offer.
fn tried(scenario: &Scenario) -> &'static str {
    match scenario.domain {
        "telecom" => "Remote network reset and APN reconfiguration (no change)",
        "banking" => "Reviewed the recent transactions with the customer",
        "airline" => "Checked same-day change options under the fare rules",
        "retail" => "Logged the damage report with photos",
        "subscriptions" => "Explained the plan terms",
        _ => "Reviewed the order and payment history",
    }
}

fn build(
    rng: &mut ChaCha8Rng,
    config: &SynthConfig,
    index: u64,
    customer: u64,
    start_ms: i64,
) -> (Value, Option<i64>) {
    let drawn = *AGENT_VERSIONS.choose(rng).unwrap();
    let version = config.agent_version.as_deref().unwrap_or(drawn);
    let mut plan = plan(rng, config, version);
    let scenario = plan.scenario;
    let name = customer_name(customer);
    let first = name.split(' ').next().unwrap_or_default().to_string();
    let fill = Fill {
        reference: format!("{}{}", scenario.ref_prefix, rng.random_range(1000..99999)),
        total: rng.random_range(scenario.total.0..=scenario.total.1),
        offer: scenario
            .offer
            .as_ref()
            .map_or(0, |o| rng.random_range(o.amount.0..=o.amount.1)),
        first: first.clone(),
        ref_name: scenario.ref_name,
    };
    let mut t = Timeline {
        events: Vec::new(),
        now_ms: start_ms,
        clock: plan.clock,
    };
    let s0 = -rng.random_range(0.1..0.4);
    let mut arc = vec![s0];
    t.turn(
        "customer",
        &fill.apply(pick(rng, scenario.openers)),
        Some(s0),
    );
    let mut tools = Vec::new();
    if let Some(status) = plan.verification {
        let (method, ask) = *VERIFY_ASKS.choose(rng).unwrap();
        t.advance(rng, 3_000, 12_000);
        t.turn("ai", &format!("I'm sorry to hear that. {ask}"), None);
        t.advance(rng, 500, 2_000);
        t.push("toolCall", json!({"tool": format!("start_{method}"), "args": {"customerId": format!("cus_{customer:06}")}, "result": {"sent": true}}));
        t.advance(rng, 15_000, 60_000);
        t.turn(
            "customer",
            pick(rng, &["Okay, done.", "Sure, there you go.", "Here it is."]),
            Some(s0),
        );
        t.advance(rng, 1_000, 4_000);
        t.push("verification", json!({"status": status, "method": method}));
    }
    t.advance(rng, 2_000, 8_000);
    let lookup_at = t.now_ms;
    let lookup_args = json!({"reference": fill.reference});
    let lookup_result =
        json!({"reference": fill.reference, "amount": fill.total, "status": "open"});
    t.push(
        "toolCall",
        json!({"tool": scenario.lookup_tool, "args": lookup_args, "result": lookup_result}),
    );
    tools.push(json!({"tool": scenario.lookup_tool, "args": lookup_args, "result": lookup_result, "calledAt": iso(lookup_at)}));
    t.advance(rng, 2_000, 6_000);
    t.turn(
        "ai",
        &fill.apply(&format!(
            "Thanks, I've found your {}. {}",
            scenario.ref_name,
            pick(rng, scenario.informed)
                .replace("you discussed with our assistant", "you mentioned")
        )),
        None,
    );
    let mut attempted = vec![tried(scenario).to_string()];
    if let (true, Some(offer)) = (plan.offer_made, &scenario.offer) {
        t.advance(rng, 3_000, 10_000);
        t.turn("ai", &fill.apply(pick(rng, offer.spoken)), None);
        let description = fill.apply(offer.describe);
        let amount = if offer.describe.contains('%') {
            Value::Null
        } else {
            json!({"value": fill.offer, "currency": "USD"})
        };
        let mut fields = json!({"by": "ai", "description": description, "response": if plan.offer_rejected { "rejected" } else { "accepted" }});
        if !amount.is_null() {
            fields["amount"] = amount;
        }
        t.advance(rng, 1_000, 3_000);
        t.push("offer", fields);
        t.advance(rng, 3_000, 15_000);
        if plan.offer_rejected {
            let s = s0 - 0.1;
            arc.push(s);
            t.turn("customer", pick(rng, DECLINES), Some(s));
            attempted.push(format!("{description} (declined)"));
        } else {
            arc.push(s0 + 0.4);
            t.turn("customer", pick(rng, ACCEPTS), Some(s0 + 0.4));
        }
    }
    if !plan.escalated {
        t.advance(rng, 2_000, 8_000);
        t.turn(
            "ai",
            "Is there anything else I can help you with today?",
            None,
        );
        t.advance(rng, 3_000, 10_000);
        t.turn("customer", "No, that's all. Thanks!", Some(0.5));
        let csat = if rng.random_bool(0.8) { 5 } else { 4 };
        let comes_back = rng
            .random_bool(0.03)
            .then(|| rng.random_range(2 * 3600..72 * 3600));
        return (
            finish(
                rng,
                &plan,
                version,
                index,
                customer,
                &name,
                start_ms,
                t,
                Map::new(),
                json!({"resolved": true, "csat": csat, "disposition": "resolved_by_ai"}),
            ),
            comes_back,
        );
    }
    if plan.declining {
        t.advance(rng, 5_000, 20_000);
        let s = -rng.random_range(0.85..0.98);
        arc.push(s);
        t.turn("customer", pick(rng, FRUSTRATED), Some(s));
    }
    if plan.trigger == "customer_request" {
        t.advance(rng, 3_000, 10_000);
        let s = arc.last().copied().unwrap_or(s0) - 0.05;
        arc.push(s);
        t.turn("customer", pick(rng, HUMAN_REQUESTS), Some(s.max(-1.0)));
    }
    // The AI's handoff message, built from the parts the plan keeps.
    let minutes = (plan.wait_s as f64 / 60.0).round().max(1.0) as u32;
    let mut message = Vec::new();
    if plan.say_reason {
        message.push(fill.apply(pick(rng, scenario.reasons)));
    } else {
        message.push(pick(rng, BARE_HANDOFFS).to_string());
    }
    if plan.say_promise {
        message.push(pick(rng, CONTEXT_PROMISES).to_string());
    }
    if plan.say_wait {
        message.push(pick(rng, WAIT_ESTIMATES).replace("{minutes}", &minutes.to_string()));
    }
    if plan.offer_choice {
        message.push(pick(rng, WAIT_CHOICES).to_string());
    }
    if plan.propose_callback {
        message.push(pick(rng, CALLBACK_PROPOSALS).to_string());
    }
    let message = message.join(" ");
    let speak_first = rng.random_bool(0.3);
    if speak_first {
        t.advance(rng, 2_000, 5_000);
        t.turn("ai", &message, None);
    }
    t.advance(rng, 1_000, 4_000);
    let escalated_at = t.now_ms;
    let description = fill.apply(scenario.escalation_description);
    t.push(
        "escalation",
        json!({"trigger": plan.trigger, "urgency": plan.urgency(), "description": description}),
    );
    if plan.package {
        t.advance(rng, 200, 1_500);
        let package = handoff_package(
            &plan,
            &fill,
            &name,
            customer,
            version,
            index,
            &t,
            &arc,
            &tools,
            &attempted,
            &description,
            escalated_at,
            start_ms,
            rng,
        );
        t.push("handoffPackage", json!({"package": package}));
    }
    if !speak_first {
        t.advance(rng, 500, 2_500);
        t.turn("ai", &message, None);
    }
    t.advance(rng, 300, 1_500);
    t.push(
        "queueJoined",
        json!({"queue": scenario.queue, "estimatedWaitSeconds": plan.wait_s}),
    );
    let delivered = |t: &mut Timeline, rng: &mut ChaCha8Rng| {
        let surface = match plan.channel {
            "voice" => *["screenPop", "whisper"].choose(rng).unwrap(),
            "email" => "other",
            _ => *["screenPop", "chatNote"].choose(rng).unwrap(),
        };
        let mut fields = json!({"surface": surface});
        if plan.flag_by_payload {
            fields["payload"] = json!({"alert": "Customer sentiment dropped sharply: customer is frustrated", "urgency": plan.urgency()});
        }
        if surface == "whisper" {
            fields["durationSeconds"] = json!(rng.random_range(6..15));
        }
        t.push("contextDelivered", fields);
    };
    if plan.context == Context::BeforeConnect {
        t.advance(rng, 200, 1_000);
        delivered(&mut t, rng);
    }
    if plan.callback_taken {
        t.advance(rng, 3_000, 10_000);
        t.turn(
            "customer",
            "Yes, please call me back.",
            Some(arc.last().copied().unwrap_or(s0)),
        );
        t.advance(rng, 500, 2_000);
        let when = t.now_ms + plan.wait_s as i64 * 1000;
        t.push("callbackScheduled", json!({"scheduledFor": iso(when)}));
        let labels = plan.labels();
        return (
            finish(
                rng,
                &plan,
                version,
                index,
                customer,
                &name,
                start_ms,
                t,
                labels,
                json!({"resolved": false, "disposition": "callback_scheduled"}),
            ),
            None,
        );
    }
    if plan.abandoned {
        t.advance(rng, 60_000, 300_000);
        let labels = plan.labels();
        return (
            finish(
                rng,
                &plan,
                version,
                index,
                customer,
                &name,
                start_ms,
                t,
                labels,
                json!({"resolved": false, "disposition": "abandoned"}),
            ),
            Some(rng.random_range(600..20 * 3600)),
        );
    }
    t.now_ms += (plan.wait_s as f64 * rng.random_range(0.6..1.3) * 1000.0) as i64;
    let agent = format!("h-{}", rng.random_range(10..99));
    t.push("humanConnected", json!({"agentId": agent}));
    let connected_at = t.now_ms;
    if plan.context == Context::Late {
        t.advance(rng, 4_000, 20_000);
        delivered(&mut t, rng);
        t.now_ms = t.now_ms.max(connected_at);
    }
    // The human side.
    let mut human_turns = 0;
    if plan.slow_first {
        t.now_ms = connected_at + rng.random_range(2_000..6_000);
        t.turn("human", pick(rng, FILLER), None);
        human_turns += 1;
        t.now_ms = connected_at + rng.random_range(40_000..150_000);
    } else {
        t.now_ms = connected_at.max(t.now_ms) + rng.random_range(2_000..18_000);
        t.now_ms = t.now_ms.min(connected_at + 29_000);
    }
    let opening = match plan.opening {
        Opening::Informed => format!("Hi {first}, {}", fill.apply(pick(rng, scenario.informed))),
        Opening::Generic => pick(rng, GENERIC_OPENINGS).to_string(),
        Opening::AskIssue => pick(rng, ASK_ISSUE_AGAIN).to_string(),
    };
    t.turn("human", &opening, None);
    human_turns += 1;
    // A bare "how can I help?" is not about the case: the first message
    // that is comes later (a security question or a request for the
    // reference is not either).
    let mut about_the_case_at = (plan.opening != Opening::AskIssue).then_some(t.now_ms);
    let mut mood = arc.last().copied().unwrap_or(s0);
    if plan.opening == Opening::AskIssue {
        t.advance(rng, 4_000, 15_000);
        let text = if plan.customer_complains && !plan.ask_collected {
            format!(
                "{} {}",
                pick(rng, CUSTOMER_ALREADY_SAID),
                fill.apply(pick(rng, scenario.openers))
            )
        } else {
            fill.apply(pick(rng, scenario.openers))
        };
        mood -= 0.1;
        t.turn("customer", &text, Some(mood.max(-1.0)));
    } else {
        t.advance(rng, 3_000, 10_000);
        t.turn(
            "customer",
            pick(rng, &["Yes, exactly.", "That's right.", "Yes, that's it."]),
            Some((mood + 0.2).min(1.0)),
        );
    }
    match plan.reverify {
        Reverify::Explicit | Reverify::Paraphrased => {
            t.advance(rng, 3_000, 8_000);
            let ask = if plan.reverify == Reverify::Explicit {
                pick(rng, REVERIFY)
            } else {
                pick(rng, REVERIFY_PARAPHRASED)
            };
            t.turn("human", ask, None);
            human_turns += 1;
            t.advance(rng, 5_000, 20_000);
            mood -= 0.15;
            t.turn(
                "customer",
                "Okay... fine, here you go.",
                Some(mood.max(-1.0)),
            );
        }
        Reverify::No => {}
    }
    if plan.ask_collected {
        t.advance(rng, 3_000, 8_000);
        t.turn("human", &fill.apply(pick(rng, ASK_COLLECTED_AGAIN)), None);
        human_turns += 1;
        t.advance(rng, 5_000, 15_000);
        mood -= 0.15;
        let reply = if plan.customer_complains {
            format!(
                "{} It's {}.",
                pick(rng, CUSTOMER_ALREADY_SAID),
                fill.reference
            )
        } else {
            format!("It's {}.", fill.reference)
        };
        t.turn("customer", &reply, Some(mood.max(-1.0)));
    }
    if let (true, Some(offer)) = (plan.repeat_offer, &scenario.offer) {
        t.advance(rng, 3_000, 10_000);
        about_the_case_at.get_or_insert(t.now_ms);
        t.turn("human", &fill.apply(pick(rng, offer.repeat)), None);
        human_turns += 1;
        t.advance(rng, 3_000, 10_000);
        mood -= 0.2;
        t.turn(
            "customer",
            "No, that's not what I want. I turned that down earlier.",
            Some(mood.max(-1.0)),
        );
    }
    let _ = human_turns;
    t.advance(rng, 3_000, 12_000);
    about_the_case_at.get_or_insert(t.now_ms);
    plan.first_case_late = about_the_case_at.is_some_and(|at| at > connected_at + 30_000);
    if plan.follow {
        t.turn("human", &fill.apply(pick(rng, scenario.follow)), None);
        t.advance(rng, 5_000, 30_000);
        t.push("humanAction", json!({"action": scenario.action, "details": {"reference": fill.reference, "amount": fill.total}}));
    } else {
        t.turn("human", &fill.apply(pick(rng, scenario.other)), None);
        t.advance(rng, 5_000, 30_000);
        t.push(
            "humanAction",
            json!({"action": scenario.other_action, "details": {"reference": fill.reference}}),
        );
    }
    let flaws = plan.flaws();
    t.advance(rng, 3_000, 12_000);
    let closing = if flaws >= 2 {
        pick(rng, CLOSINGS_BAD)
    } else {
        pick(rng, CLOSINGS_GOOD)
    };
    t.turn(
        "customer",
        closing,
        Some(if flaws >= 2 { -0.4 } else { 0.6 }),
    );
    t.advance(rng, 2_000, 6_000);
    t.turn(
        "human",
        "You're welcome. Is there anything else I can help with?",
        None,
    );
    let csat_raw = 5.0 - 0.8 * flaws as f64 + rng.random_range(-0.6..0.6)
        - if plan.declining { 0.5 } else { 0.0 };
    let csat = csat_raw.round().clamp(1.0, 5.0) as u8;
    let mut outcome = json!({"resolved": plan.follow, "disposition": if plan.follow { scenario.action } else { scenario.other_action }});
    if rng.random_bool(0.9) {
        outcome["csat"] = json!(csat);
    }
    let comeback_chance = if flaws >= 2 {
        0.35
    } else if flaws == 1 {
        0.15
    } else {
        0.06
    };
    let comes_back = rng.random_bool(comeback_chance).then(|| {
        if rng.random_bool(0.75) {
            rng.random_range(1_800..20 * 3600)
        } else {
            rng.random_range(26 * 3600..72 * 3600)
        }
    });
    let labels = plan.labels();
    (
        finish(
            rng, &plan, version, index, customer, &name, start_ms, t, labels, outcome,
        ),
        comes_back,
    )
}

#[allow(clippy::too_many_arguments)]
fn handoff_package(
    plan: &Plan,
    fill: &Fill,
    name: &str,
    customer: u64,
    version: &str,
    index: u64,
    t: &Timeline,
    arc: &[f64],
    tools: &[Value],
    attempted: &[String],
    description: &str,
    escalated_at: i64,
    start_ms: i64,
    rng: &mut ChaCha8Rng,
) -> Value {
    let scenario = plan.scenario;
    let verification = match plan.verification {
        Some("verified") => "verified",
        Some("partial") => "partial",
        _ => "unverified",
    };
    let mut summary = vec![fill.apply(scenario.summary_issue)];
    summary.push(match plan.verification {
        Some("verified") => "Identity was verified.".to_string(),
        Some("partial") => "Identity was only partly verified.".to_string(),
        _ => "Identity could not be verified.".to_string(),
    });
    if plan.offer_rejected {
        summary.push(format!(
            "{} was offered and declined.",
            attempted
                .last()
                .map(|a| a.trim_end_matches(" (declined)"))
                .unwrap_or("An offer")
        ));
    }
    summary.push(format!(
        "Escalated because: {}.",
        description.trim_end_matches('.')
    ));
    if plan.summary_bad_length {
        summary.truncate(1);
    }
    let transcript: Vec<Value> = t
        .events
        .iter()
        .filter(|e| e["type"] == "turn")
        .map(|e| {
            let mut line = json!({"role": e["speaker"], "content": e["text"]});
            if let Some(at) = e.get("at") {
                line["timestamp"] = at.clone();
            }
            if let Some(s) = e.get("sentiment") {
                line["sentiment"] = s.clone();
            }
            line
        })
        .collect();
    let sentiment_arc: Vec<Value> = arc
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"at": iso(start_ms + i as i64 * 30_000), "score": (s * 100.0).round() / 100.0}))
        .collect();
    let mut package = json!({
        "customer": {"id": format!("cus_{customer:06}"), "name": name, "verificationStatus": verification, "channel": plan.channel,
                      "contactInfo": format!("{}@example.com", name.split(' ').next().unwrap_or("customer").to_lowercase())},
        "intent": {"primary": fill.apply(scenario.intent), "secondary": [],
                   "resolvedItems": if verification == "verified" { json!(["identity verified"]) } else { json!([]) },
                   "unresolvedItems": [fill.apply(scenario.intent)]},
        "summary": summary.join(" "),
        "transcript": transcript,
        "sentimentArc": sentiment_arc,
        "toolsUsed": tools,
        "attemptedResolutions": attempted,
        "escalationReason": {"trigger": plan.trigger, "description": description, "urgency": plan.urgency()},
        "suggestedNextAction": fill.apply(scenario.suggestion),
        "conversationId": format!("conv-{index:07}"),
        "startedAt": iso(start_ms),
        "escalatedAt": iso(escalated_at),
        "agentVersion": version,
    });
    for field in &plan.package_drops {
        if rng.random_bool(0.5) {
            package.as_object_mut().unwrap().remove(*field);
        } else {
            package[*field] = if *field == "suggestedNextAction" {
                json!("")
            } else {
                json!([])
            };
        }
    }
    package
}

#[allow(clippy::too_many_arguments)]
fn finish(
    rng: &mut ChaCha8Rng,
    plan: &Plan,
    version: &str,
    index: u64,
    customer: u64,
    name: &str,
    start_ms: i64,
    t: Timeline,
    labels: Map<String, Value>,
    outcome: Value,
) -> Value {
    let mut events = t.events;
    // A few producers send event types and keys this version does not know.
    if rng.random_bool(0.02) && events.len() > 2 {
        let mut extra =
            json!({"type": "sentimentAlert", "score": -0.8, "source": "realtime-analytics"});
        if plan.clock {
            extra["at"] = json!(iso(start_ms + 1_000));
        }
        events.insert(1, extra);
    }
    let region = *["emea", "amer", "apac"].choose(rng).unwrap();
    let mut conversation = json!({
        "schema": "handoff-trace/v1",
        "conversationId": format!("conv-{index:07}"),
        "agentVersion": version,
        "scenarioId": plan.scenario.id,
        "channel": plan.channel,
        "customer": {"id": format!("cus_{customer:06}"), "name": name},
        "startedAt": iso(start_ms),
        "metadata": {"region": region, "domain": plan.scenario.domain, "language": "en"},
        "events": events,
        "outcome": outcome,
    });
    if plan.clock {
        conversation["endedAt"] = json!(iso(t.now_ms + 2_000));
    }
    if !labels.is_empty() {
        conversation["labels"] = Value::Object(labels);
    }
    conversation
}
