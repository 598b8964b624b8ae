//! The scenario bank: what customers call about, how each side words it.
//! Placeholders: {ref} (order or booking reference), {total} (amount at
//! stake), {offer} (the AI's offer amount), {first} (customer's first name).

pub struct Scenario {
    pub id: &'static str,
    pub domain: &'static str,
    pub queue: &'static str,
    /// What the reference is called ("order number").
    pub ref_name: &'static str,
    pub ref_prefix: &'static str,
    pub total: (u32, u32),
    pub openers: &'static [&'static str],
    pub lookup_tool: &'static str,
    pub intent: &'static str,
    /// The AI's offer within its authority, and its remedy wording.
    pub offer: Option<Offer>,
    pub triggers: &'static [&'static str],
    /// Why the AI escalates, said to the customer.
    pub reasons: &'static [&'static str],
    /// The escalation description in the event and package.
    pub escalation_description: &'static str,
    pub summary_issue: &'static str,
    pub suggestion: &'static str,
    pub action: &'static str,
    /// What an informed human says first about the issue.
    pub informed: &'static [&'static str],
    /// The human doing the suggested thing, in words.
    pub follow: &'static [&'static str],
    /// A different first action and its words.
    pub other_action: &'static str,
    pub other: &'static [&'static str],
}

pub struct Offer {
    pub amount: (u32, u32),
    pub describe: &'static str,
    pub spoken: &'static [&'static str],
    /// The human offering the same again.
    pub repeat: &'static [&'static str],
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "refund-over-limit",
        domain: "billing",
        queue: "billing-tier2",
        ref_name: "order number",
        ref_prefix: "",
        total: (80, 420),
        openers: &[
            "I was charged twice for order {ref}.",
            "Hi, my card got billed two times for order {ref} and I want the extra charge back.",
            "There's a duplicate charge of ${total} on my statement for order {ref}.",
            "Why did you take ${total} twice for the same order? It's order {ref}.",
        ],
        lookup_tool: "get_order",
        intent: "refund duplicate charge on order {ref}",
        offer: Some(Offer {
            amount: (20, 60),
            describe: "${offer} account credit",
            spoken: &[
                "I can add a ${offer} credit to your account right away. Would that work?",
                "I'm able to offer a ${offer} account credit for the trouble.",
            ],
            repeat: &[
                "What I can do is put a ${offer} credit on your account.",
                "How about a ${offer} account credit for the inconvenience?",
            ],
        }),
        triggers: &[
            "authority_limit",
            "authority_limit",
            "customer_request",
            "policy",
        ],
        reasons: &[
            "Refunds above $50 need a specialist, so I'm connecting you with one who can approve it.",
            "A refund of ${total} is more than I'm allowed to approve, so I'm bringing in a billing specialist.",
            "Because this refund exceeds my approval limit, a billing agent needs to authorize it.",
        ],
        escalation_description: "Refund of ${total} exceeds the $50 AI limit",
        summary_issue: "{first} was charged twice for order {ref}, a duplicate charge of ${total}.",
        suggestion: "Approve the ${total} refund of the duplicate charge on order {ref}.",
        action: "approve_refund",
        informed: &[
            "I can see you were charged twice for order {ref}.",
            "I've got the duplicate ${total} charge on order {ref} in front of me.",
            "I see the double charge on order {ref} that you discussed with our assistant.",
        ],
        follow: &[
            "I can approve that ${total} refund for you right now.",
            "I'm processing the refund of the duplicate ${total} charge as we speak.",
        ],
        other_action: "open_billing_ticket",
        other: &["I'll open a ticket with our finance team and they'll look into it."],
    },
    Scenario {
        id: "flight-change-fee",
        domain: "airline",
        queue: "airline-reservations",
        ref_name: "booking reference",
        ref_prefix: "PNR",
        total: (150, 600),
        openers: &[
            "I need to move my flight, booking {ref}, but the change fee is ridiculous.",
            "My mother is in hospital and I have to change my flight on booking {ref}.",
            "Can you change booking {ref} to an earlier flight without the fee?",
        ],
        lookup_tool: "get_reservation_details",
        intent: "change flight on booking {ref} without the change fee",
        offer: Some(Offer {
            amount: (50, 100),
            describe: "${offer} travel voucher",
            spoken: &[
                "I can offer a ${offer} travel voucher toward the change fee.",
                "Would a ${offer} voucher for a future trip help?",
            ],
            repeat: &[
                "I could give you a ${offer} travel voucher.",
                "Let me offer you a ${offer} voucher for your next trip.",
            ],
        }),
        triggers: &["policy", "authority_limit", "customer_request"],
        reasons: &[
            "Waiving a change fee on compassionate grounds needs an agent's approval, so I'm transferring you to one.",
            "Fee waivers aren't something I can authorize under our policy, so a reservations agent will take over.",
        ],
        escalation_description: "Change fee waiver of ${total} requires agent approval",
        summary_issue: "{first} needs to change booking {ref} for a family emergency and asks for the ${total} change fee to be waived.",
        suggestion: "Review the compassionate waiver for the ${total} change fee on booking {ref} and rebook the earlier flight.",
        action: "waive_change_fee",
        informed: &[
            "I understand you need to change booking {ref} because of a family emergency.",
            "I see you're looking to move your flight on booking {ref} and have the change fee waived.",
        ],
        follow: &[
            "I can waive the ${total} change fee and rebook you on the earlier flight.",
            "Let me review the compassionate waiver for booking {ref} and rebook you now.",
        ],
        other_action: "quote_fare_difference",
        other: &[
            "The new flight would cost an extra $90 in fare difference, do you want to proceed?",
        ],
    },
    Scenario {
        id: "no-service-outage",
        domain: "telecom",
        queue: "tech-support-tier2",
        ref_name: "line number",
        ref_prefix: "LN",
        total: (40, 120),
        openers: &[
            "My phone has had no service for three days.",
            "I can't make calls or use data since Monday, the bars just say No Service.",
            "Still no signal on my line, this is the third time I'm contacting you.",
        ],
        lookup_tool: "get_line_status",
        intent: "restore mobile service on line {ref}",
        offer: Some(Offer {
            amount: (10, 30),
            describe: "${offer} bill credit for the outage",
            spoken: &["I can apply a ${offer} credit to your bill for the days without service."],
            repeat: &["I can give you a ${offer} credit on your bill for the outage."],
        }),
        triggers: &["repeated_failure", "complexity", "customer_request"],
        reasons: &[
            "The reset steps didn't bring your service back, so I'm handing this to a network technician who can check the tower and your line.",
            "This needs a technician who can look at the network side, which I can't do from here.",
        ],
        escalation_description: "Network reset and APN steps failed; line still without service",
        summary_issue: "{first} has had no mobile service for three days on line {ref}.",
        suggestion: "Check the line provisioning and tower status for line {ref} and open a network ticket.",
        action: "open_network_ticket",
        informed: &[
            "I can see line {ref} has been without service since Monday.",
            "I see the reset steps didn't restore service on line {ref}.",
        ],
        follow: &[
            "I'm checking the line provisioning and the tower status for your area now.",
            "I've opened a network ticket for line {ref} and I'm checking the tower status.",
        ],
        other_action: "send_replacement_sim",
        other: &["Let's try a new SIM card first, I'll mail one out to you."],
    },
    Scenario {
        id: "damaged-item-return",
        domain: "retail",
        queue: "returns",
        ref_name: "order number",
        ref_prefix: "W",
        total: (60, 900),
        openers: &[
            "The TV I ordered arrived with a cracked screen, order {ref}.",
            "My order {ref} came damaged and I want a replacement, not store credit.",
            "Order {ref} showed up broken. What are you going to do about it?",
        ],
        lookup_tool: "get_order_details",
        intent: "replacement for damaged item in order {ref}",
        offer: Some(Offer {
            amount: (25, 75),
            describe: "${offer} store credit",
            spoken: &[
                "I can offer you ${offer} in store credit for the damage.",
                "Would ${offer} of store credit make up for it?",
            ],
            repeat: &[
                "I can do ${offer} in store credit.",
                "Would you take a ${offer} store credit instead?",
            ],
        }),
        triggers: &["authority_limit", "policy", "complexity"],
        reasons: &[
            "Replacing an item over $50 needs a returns specialist, so I'm connecting you to one.",
            "Because the item is damaged and high value, our returns team has to approve the replacement.",
        ],
        escalation_description: "Replacement of damaged item worth ${total} exceeds AI authority",
        summary_issue: "{first}'s order {ref} arrived damaged; the item is worth ${total}.",
        suggestion: "Approve a replacement shipment for order {ref} and email a prepaid return label.",
        action: "approve_replacement",
        informed: &[
            "I see your order {ref} arrived damaged.",
            "I've got order {ref} here, I'm sorry the item arrived broken.",
        ],
        follow: &[
            "I'm approving a replacement shipment and emailing you a prepaid return label.",
            "I'll send a replacement for order {ref} today with a prepaid return label.",
        ],
        other_action: "request_photos",
        other: &[
            "Could you email us photos of the damage so we can file a claim with the carrier?",
        ],
    },
    Scenario {
        id: "card-fraud",
        domain: "banking",
        queue: "fraud",
        ref_name: "transaction amounts",
        ref_prefix: "",
        total: (200, 2500),
        openers: &[
            "There are transactions on my card I didn't make, about ${total}.",
            "Someone used my debit card, I see ${total} of charges I don't recognise.",
        ],
        lookup_tool: "list_recent_transactions",
        intent: "dispute unauthorized card transactions of ${total}",
        offer: None,
        triggers: &["policy", "policy", "customer_request"],
        reasons: &[
            "Fraud disputes have to be handled by our fraud team, so I'm transferring you to them now.",
            "For your protection, disputes like this are handled by a fraud specialist.",
        ],
        escalation_description: "Unauthorized transactions of ${total}; fraud policy requires a specialist",
        summary_issue: "{first} reports ${total} of card transactions they did not make.",
        suggestion: "Block the card, open a fraud dispute for the ${total} of transactions and order a new card.",
        action: "block_card",
        informed: &[
            "I see you've spotted ${total} of transactions you didn't make on your card.",
            "I understand there are unauthorized charges of ${total} on your card.",
        ],
        follow: &[
            "First I'm blocking the card, then I'll open a fraud dispute for those transactions.",
            "I've blocked your card and I'm opening the fraud dispute for the ${total} now.",
        ],
        other_action: "lookup_merchant",
        other: &[
            "Let me look up the merchant, sometimes these are subscriptions people forgot about.",
        ],
    },
    Scenario {
        id: "subscription-cancel",
        domain: "subscriptions",
        queue: "retention",
        ref_name: "subscription ID",
        ref_prefix: "SUB",
        total: (30, 120),
        openers: &[
            "I want to cancel my subscription and get a refund for this month.",
            "Please cancel subscription {ref}, I was charged ${total} after I asked to stop.",
        ],
        lookup_tool: "get_subscription",
        intent: "cancel subscription {ref} and refund the last charge",
        offer: Some(Offer {
            amount: (20, 50),
            describe: "{offer}% discount for three months",
            spoken: &[
                "Before you go, I can give you {offer}% off for the next three months.",
                "Would a {offer}% discount for three months change your mind?",
            ],
            repeat: &[
                "I could offer you {offer}% off for three months if you stay.",
                "What if I gave you a {offer}% discount for the next three months?",
            ],
        }),
        triggers: &["customer_request", "authority_limit"],
        reasons: &[
            "Refunds on a cancelled plan need an account specialist, so I'm connecting you with one.",
            "Since you'd like a person to handle the cancellation and refund, I'm transferring you now.",
        ],
        escalation_description: "Customer wants cancellation with refund of last ${total} charge",
        summary_issue: "{first} wants to cancel subscription {ref} and get the last ${total} charge refunded.",
        suggestion: "Cancel subscription {ref} effective today and refund the last ${total} charge.",
        action: "cancel_subscription",
        informed: &[
            "I see you'd like to cancel subscription {ref} and get the last charge back.",
            "I understand you want to cancel and be refunded the ${total} charge.",
        ],
        follow: &[
            "I'm cancelling subscription {ref} effective today and refunding the ${total}.",
            "Done, the subscription is cancelled effective today and the ${total} refund is on its way.",
        ],
        other_action: "apply_retention_offer",
        other: &["Have you looked at our basic plan? It's much cheaper."],
    },
];

pub const FIRST_NAMES: &[&str] = &[
    "Sarah", "James", "Priya", "Mohammed", "Elena", "Tom", "Aisha", "Lukas", "Mei", "Carlos",
    "Fatima", "Oliver", "Yuki", "Grace", "Daniel", "Amara", "Noah", "Sofia", "Ravi", "Hannah",
    "Kwame", "Ingrid", "Diego", "Chloe", "Omar", "Lena", "Tariq", "Rosa", "Ben", "Nadia",
];

pub const LAST_NAMES: &[&str] = &[
    "Chen", "Okafor", "Patel", "Garcia", "Novak", "Smith", "Haddad", "Müller", "Tanaka", "Silva",
    "Kowalski", "Johnson", "Nguyen", "O'Brien", "Rossi", "Mensah", "Larsen", "Dubois", "Khan",
    "Cohen",
];

pub const AGENT_VERSIONS: &[&str] = &["support-bot@2.3.1", "support-bot@2.4.0"];

/// The AI promising that context travels with the customer.
pub const CONTEXT_PROMISES: &[&str] = &[
    "I'll pass along everything we covered so you won't have to repeat yourself.",
    "They'll have the full details of our conversation in front of them.",
    "I've shared a summary of everything so far with them.",
    "The specialist will see your case notes, so there's no need to explain it again.",
];

/// Wait estimates; {minutes} is filled in.
pub const WAIT_ESTIMATES: &[&str] = &[
    "The wait is about {minutes} minutes.",
    "The current wait time is around {minutes} minutes.",
    "Someone should be with you in roughly {minutes} minutes.",
    "Expected wait: {minutes} minutes.",
];

pub const WAIT_CHOICES: &[&str] = &[
    "Would you rather hold, or would you prefer that we call you back?",
    "You can stay on the line, or I can arrange a callback, whichever you prefer.",
    "If you'd rather not wait, we can call you back instead.",
];

pub const CALLBACK_PROPOSALS: &[&str] = &[
    "I can schedule a callback so you don't have to hold.",
    "The queue is long right now, so we can call you back when an agent is free.",
];

pub const BARE_HANDOFFS: &[&str] = &[
    "I'm transferring you to an agent now.",
    "Please hold while I transfer you.",
    "Let me connect you with someone.",
];

pub const REVERIFY: &[&str] = &[
    "Before we start, can I get your account number?",
    "For security, can you verify your date of birth?",
    "Could you confirm the last four digits of your card for me?",
    "I just need to verify your identity first. What's your postcode?",
    "Can you tell me your security answer, please?",
];

/// Re-verification in other words: rules miss these; the judge should not.
pub const REVERIFY_PARAPHRASED: &[&str] =
    &["Just to be safe, who am I speaking with today, and what's the name on the file?"];

pub const ASK_ISSUE_AGAIN: &[&str] = &[
    "Hi, thanks for holding. How can I help you today?",
    "Hello! What can I do for you today?",
    "Hi there, can you tell me what's going on?",
];

pub const GENERIC_OPENINGS: &[&str] = &[
    "Hello, this is Dana from the support team. I'll be taking care of you today.",
    "Hi, my name is Marcus and I'll be looking after you.",
    "Good afternoon, you're through to the specialist team.",
];

pub const ASK_COLLECTED_AGAIN: &[&str] = &[
    "Can you give me the {ref_name} again?",
    "What's the {ref_name}, please?",
    "Could you repeat the {ref_name} for me?",
];

pub const CUSTOMER_ALREADY_SAID: &[&str] = &[
    "I already gave all of that to the bot!",
    "I literally just told the assistant all of this.",
    "Seriously? I already explained this.",
];

pub const FILLER: &[&str] = &[
    "One moment please, let me pull up your account.",
    "Hi, bear with me a second.",
    "Hello, just a moment while I load your details.",
    "Thanks for holding, one second.",
];

pub const VERIFY_ASKS: &[(&str, &str)] = &[
    (
        "sms_otp",
        "I've sent a six-digit code to the phone number on file. Could you read it back to me?",
    ),
    (
        "kba",
        "To verify your identity, can you confirm your date of birth and postcode?",
    ),
    (
        "email_link",
        "I've emailed you a verification link. Let me know once you've clicked it.",
    ),
];

pub const CLOSINGS_GOOD: &[&str] = &[
    "Thank you so much, that's exactly what I needed.",
    "Great, thanks for sorting that out so quickly.",
    "Perfect, I appreciate it.",
];

pub const CLOSINGS_BAD: &[&str] = &[
    "Fine. This took far longer than it should have.",
    "Okay. I'm not happy about having to go through all that again.",
    "Whatever, just get it done.",
];

pub const HUMAN_REQUESTS: &[&str] = &[
    "Can I just talk to a real person, please?",
    "I want to speak to a human agent.",
    "Put me through to someone who can actually help.",
];

pub const DECLINES: &[&str] = &[
    "That's not enough, I want it properly fixed.",
    "No, that doesn't solve my problem.",
    "I don't want that.",
    "No thanks, that's not what I asked for.",
];

pub const ACCEPTS: &[&str] = &["Okay, that works for me.", "Sure, that's fine, thank you."];

pub const FRUSTRATED: &[&str] = &[
    "This is really frustrating, I've wasted my whole morning on this.",
    "I'm getting really angry now.",
    "Honestly this is the worst service I've had.",
];
