//! The eight acquisition channels and how they differ: how many leads and customers each brings,
//! how well those convert, what the channel costs and how much web traffic it drives.

/// An acquisition channel; its name is the `source` / `channel` value in the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Organic,
    PaidSearch,
    Social,
    Referral,
    Email,
    Events,
    Display,
    Partners,
}

#[derive(Debug)]
pub(crate) struct ChannelProfile {
    pub(crate) name: &'static str,
    /// The `utm_medium` its leads arrive with.
    pub(crate) utm_medium: &'static str,
    pub(crate) lead_share: f64,
    /// Share among customers who sign up directly, without going through a lead.
    pub(crate) direct_customer_share: f64,
    /// Multiplies the win rate of its leads' deals.
    pub(crate) win_multiplier: f64,
    /// Probability that one of its leads without a deal signs up on their own.
    pub(crate) self_serve_conversion: f64,
    /// Acquisition spend per day at scale 1 (for events: per event day).
    pub(crate) daily_spend: f64,
    pub(crate) daily_visitors: f64,
    pub(crate) session_seconds: f64,
    /// Web purchases per visitor.
    pub(crate) purchase_rate: f64,
}

impl Channel {
    pub(crate) const ALL: [Channel; 8] = [
        Channel::Organic,
        Channel::PaidSearch,
        Channel::Social,
        Channel::Referral,
        Channel::Email,
        Channel::Events,
        Channel::Display,
        Channel::Partners,
    ];

    pub(crate) fn profile(self) -> &'static ChannelProfile {
        &PROFILES[self as usize]
    }

    pub(crate) fn name(self) -> &'static str {
        self.profile().name
    }
}

static PROFILES: [ChannelProfile; 8] = [
    ChannelProfile {
        name: "organic",
        utm_medium: "organic",
        lead_share: 0.24,
        direct_customer_share: 0.34,
        win_multiplier: 1.1,
        self_serve_conversion: 0.13,
        daily_spend: 180.0,
        daily_visitors: 620.0,
        session_seconds: 165.0,
        purchase_rate: 0.022,
    },
    ChannelProfile {
        name: "paid_search",
        utm_medium: "cpc",
        lead_share: 0.20,
        direct_customer_share: 0.20,
        win_multiplier: 1.0,
        self_serve_conversion: 0.11,
        daily_spend: 1_400.0,
        daily_visitors: 380.0,
        session_seconds: 110.0,
        purchase_rate: 0.018,
    },
    ChannelProfile {
        name: "social",
        utm_medium: "social",
        lead_share: 0.15,
        direct_customer_share: 0.13,
        win_multiplier: 0.7,
        self_serve_conversion: 0.06,
        daily_spend: 700.0,
        daily_visitors: 300.0,
        session_seconds: 75.0,
        purchase_rate: 0.008,
    },
    ChannelProfile {
        name: "referral",
        utm_medium: "referral",
        lead_share: 0.09,
        direct_customer_share: 0.13,
        win_multiplier: 1.5,
        self_serve_conversion: 0.20,
        daily_spend: 160.0,
        daily_visitors: 90.0,
        session_seconds: 190.0,
        purchase_rate: 0.035,
    },
    ChannelProfile {
        name: "email",
        utm_medium: "email",
        lead_share: 0.09,
        direct_customer_share: 0.10,
        win_multiplier: 1.1,
        self_serve_conversion: 0.14,
        daily_spend: 110.0,
        daily_visitors: 160.0,
        session_seconds: 150.0,
        purchase_rate: 0.030,
    },
    ChannelProfile {
        name: "events",
        utm_medium: "event",
        lead_share: 0.08,
        direct_customer_share: 0.03,
        win_multiplier: 1.25,
        self_serve_conversion: 0.08,
        daily_spend: 4_200.0,
        daily_visitors: 18.0,
        session_seconds: 210.0,
        purchase_rate: 0.012,
    },
    ChannelProfile {
        name: "display",
        utm_medium: "display",
        lead_share: 0.06,
        direct_customer_share: 0.04,
        win_multiplier: 0.6,
        self_serve_conversion: 0.04,
        daily_spend: 520.0,
        daily_visitors: 210.0,
        session_seconds: 45.0,
        purchase_rate: 0.005,
    },
    ChannelProfile {
        name: "partners",
        utm_medium: "affiliate",
        lead_share: 0.09,
        direct_customer_share: 0.03,
        win_multiplier: 1.35,
        self_serve_conversion: 0.12,
        daily_spend: 300.0,
        daily_visitors: 45.0,
        session_seconds: 140.0,
        purchase_rate: 0.028,
    },
];
