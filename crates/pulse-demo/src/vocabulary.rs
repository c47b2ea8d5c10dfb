//! The words the demo data is made of: people, companies, places, products, reasons and comments.

use std::fmt;

use rand::Rng;

use crate::sampling::{chance, pick, pick_weighted};

/// A person, and the company they work for when they buy for one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity {
    pub(crate) first_name: &'static str,
    pub(crate) last_name: &'static str,
    pub(crate) company: Option<Company>,
    /// Tells apart the personal email addresses of namesakes.
    email_number: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Company {
    stem: &'static str,
    /// A second word most company names have (`Northwind Bay Logistics`).
    place: Option<&'static str>,
    suffix: &'static str,
}

impl Identity {
    pub(crate) fn random(rng: &mut impl Rng, with_company: bool) -> Identity {
        Identity {
            first_name: pick(rng, FIRST_NAMES),
            last_name: pick(rng, LAST_NAMES),
            company: with_company.then(|| Company {
                stem: pick(rng, COMPANY_STEMS),
                place: chance(rng, 0.7).then(|| pick(rng, COMPANY_PLACES)),
                suffix: pick(rng, COMPANY_SUFFIXES),
            }),
            email_number: rng.random_range(1..100_000),
        }
    }

    pub(crate) fn person_name(&self) -> PersonName<'_> {
        PersonName(self)
    }

    /// A work address at the company's domain, or a personal one.
    pub(crate) fn email(&self) -> Email<'_> {
        Email(self)
    }
}

impl fmt::Display for Company {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Some(place) => write!(formatter, "{} {place} {}", self.stem, self.suffix),
            None => write!(formatter, "{} {}", self.stem, self.suffix),
        }
    }
}

#[derive(Debug)]
pub(crate) struct PersonName<'a>(&'a Identity);

impl fmt::Display for PersonName<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.0.first_name, self.0.last_name)
    }
}

#[derive(Debug)]
pub(crate) struct Email<'a>(&'a Identity);

impl fmt::Display for Email<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let identity = self.0;
        let first = Lowercase(identity.first_name);
        let last = Lowercase(identity.last_name);
        match identity.company {
            Some(company) => write!(
                formatter,
                "{first}.{last}@{}{}{}.com",
                Lowercase(company.stem),
                Lowercase(company.place.unwrap_or("")),
                Lowercase(company.suffix)
            ),
            None => {
                let number = identity.email_number;
                let domain = PERSONAL_EMAIL_DOMAINS[number as usize % PERSONAL_EMAIL_DOMAINS.len()];
                write!(formatter, "{first}.{last}{number}@{domain}")
            }
        }
    }
}

#[derive(Debug)]
struct Lowercase<'a>(&'a str);

impl fmt::Display for Lowercase<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for character in self.0.chars() {
            fmt::Write::write_char(formatter, character.to_ascii_lowercase())?;
        }
        Ok(())
    }
}

/// A region with its countries, their calling codes and weights.
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) name: &'static str,
    pub(crate) countries: &'static [(&'static str, &'static str)],
}

pub(crate) fn random_region(rng: &mut impl Rng) -> &'static Region {
    pick_weighted(rng, REGIONS)
}

/// A phone number in the country's format, often missing: not every record has one.
pub(crate) fn random_phone_digits(rng: &mut impl Rng) -> Option<(u32, u32, u32)> {
    (!chance(rng, 0.12))
        .then(|| (rng.random_range(200..1_000), rng.random_range(100..1_000), rng.random_range(0..10_000)))
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ProductCategory {
    pub(crate) name: &'static str,
    pub(crate) median_amount: f64,
    pub(crate) products: &'static [&'static str],
}

pub(crate) static PRODUCT_CATEGORIES: &[ProductCategory] = &[
    ProductCategory {
        name: "hardware",
        median_amount: 320.0,
        products: &["Barcode scanner", "Receipt printer", "POS terminal", "Card reader"],
    },
    ProductCategory {
        name: "accessories",
        median_amount: 38.0,
        products: &["Cable kit", "Label roll pack", "Charging dock", "Carry case"],
    },
    ProductCategory {
        name: "software",
        median_amount: 140.0,
        products: &["Inventory add-on", "Reporting add-on", "Extra location license", "API access pack"],
    },
    ProductCategory {
        name: "services",
        median_amount: 650.0,
        products: &["Onboarding package", "Data migration", "Custom integration"],
    },
    ProductCategory {
        name: "training",
        median_amount: 260.0,
        products: &["Admin training", "Team workshop", "Certification course"],
    },
];

pub(crate) static FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Wei", "Lucas", "Sofia", "Noah", "Emma", "Mateo", "Olivia", "Liam", "Ava", "Hiroshi",
    "Priya", "Ahmed", "Fatima", "Lena", "Jonas", "Chloe", "Diego", "Elena", "Omar", "Grace", "Ravi", "Yuki", "Ines",
    "Pablo", "Nora", "Felix", "Amara", "Kofi", "Sara", "Mikhail", "Zoe", "Arjun", "Hannah", "Tomas", "Leila", "Samuel",
    "Mia",
];

pub(crate) static LAST_NAMES: &[&str] = &[
    "Garcia", "Smith", "Khan", "Chen", "Silva", "Rossi", "Johnson", "Muller", "Lopez", "Brown", "Nguyen", "Tanaka",
    "Patel", "Haddad", "Kowalski", "Dubois", "Jansen", "Okafor", "Larsen", "Novak", "Fischer", "Moreau", "Santos",
    "Ivanova", "Kim", "Hughes", "Ahmed", "Costa", "Berg", "Murphy", "Schmidt", "Rahman", "Alvarez", "Wright", "Sato",
    "Mensah", "Popescu", "Walker", "Nakamura", "Reyes",
];

static COMPANY_STEMS: &[&str] = &[
    "Northwind",
    "Bluepeak",
    "Cedar",
    "Ironclad",
    "Lumen",
    "Brightpath",
    "Harbor",
    "Summit",
    "Granite",
    "Silverline",
    "Oakridge",
    "Redwood",
    "Keystone",
    "Evergreen",
    "Atlas",
    "Nimbus",
    "Pioneer",
    "Quantum",
    "Riverbend",
    "Sterling",
    "Trailhead",
    "Vertex",
    "Willow",
    "Zenith",
    "Copperleaf",
    "Driftwood",
    "Falcon",
    "Juniper",
    "Meridian",
    "Orchard",
];

static COMPANY_PLACES: &[&str] = &[
    "Bay", "Valley", "Coast", "Street", "Hill", "Point", "Creek", "Park", "Union", "Peak", "Harbour", "Ridge", "Lake",
    "Bridge", "Field", "Gate", "Square", "Grove", "Mill", "Port",
];

static COMPANY_SUFFIXES: &[&str] = &[
    "Logistics",
    "Labs",
    "Health",
    "Foods",
    "Retail",
    "Systems",
    "Partners",
    "Studio",
    "Energy",
    "Analytics",
    "Group",
    "Works",
    "Dental",
    "Apparel",
    "Consulting",
];

static PERSONAL_EMAIL_DOMAINS: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "proton.me"];

pub(crate) static INDUSTRIES: &[&str] = &[
    "software",
    "retail",
    "manufacturing",
    "healthcare",
    "financial_services",
    "education",
    "hospitality",
    "logistics",
    "professional_services",
    "real_estate",
];

static REGIONS: &[(&Region, f64)] = &[
    (&Region { name: "north_america", countries: &[("US", "+1"), ("US", "+1"), ("US", "+1"), ("CA", "+1")] }, 0.5),
    (
        &Region {
            name: "emea",
            countries: &[("GB", "+44"), ("DE", "+49"), ("FR", "+33"), ("NL", "+31"), ("ES", "+34")],
        },
        0.3,
    ),
    (&Region { name: "apac", countries: &[("AU", "+61"), ("JP", "+81"), ("SG", "+65"), ("IN", "+91")] }, 0.12),
    (&Region { name: "latam", countries: &[("BR", "+55"), ("MX", "+52")] }, 0.08),
];

/// Why deals are lost early in the pipeline, and later on.
pub(crate) static EARLY_LOST_REASONS: &[&str] = &["no_budget", "not_a_fit", "unresponsive"];
pub(crate) static LATE_LOST_REASONS: &[&str] = &["price", "competitor", "no_decision", "timing"];

/// Ticket categories with the median hours they take to resolve.
pub(crate) static TICKET_CATEGORIES: &[((&str, f64), f64)] = &[
    (("how_to", 5.0), 0.25),
    (("billing", 14.0), 0.2),
    (("account", 10.0), 0.15),
    (("technical", 30.0), 0.2),
    (("bug", 70.0), 0.13),
    (("feature_request", 140.0), 0.07),
];

/// Ticket channels with the median hours to a first response.
pub(crate) static TICKET_CHANNELS: &[((&str, f64), f64)] =
    &[(("email", 3.0), 0.4), (("chat", 0.15), 0.3), (("phone", 0.02), 0.15), (("web_form", 4.0), 0.15)];

pub(crate) static POSITIVE_COMMENTS: &[&str] = &[
    "Great support, fixed within the hour",
    "The reports save me hours every week",
    "Easy to set up, the team loves it",
    "Very happy, would recommend to other shops",
];

pub(crate) static NEUTRAL_COMMENTS: &[&str] =
    &["Does the job", "Fine overall, a few features missing", "OK, but the mobile app could be faster"];

pub(crate) static NEGATIVE_COMMENTS: &[&str] = &[
    "Too expensive for what we use",
    "Had to contact support three times for the same issue",
    "Export keeps failing, very frustrating",
    "Missing integrations we need, looking at alternatives",
];

/// Social platforms with their share of mentions.
pub(crate) static PLATFORMS: &[(&str, f64)] = &[
    ("x", 0.3),
    ("linkedin", 0.22),
    ("reddit", 0.14),
    ("instagram", 0.14),
    ("facebook", 0.1),
    ("youtube", 0.05),
    ("tiktok", 0.05),
];

/// A language with what people say in it: positive, neutral and negative mentions.
#[derive(Debug)]
pub(crate) struct MentionLanguage {
    pub(crate) code: &'static str,
    pub(crate) positive: &'static [&'static str],
    pub(crate) neutral: &'static [&'static str],
    pub(crate) negative: &'static [&'static str],
}

pub(crate) static MENTION_LANGUAGES: &[(&MentionLanguage, f64)] = &[
    (
        &MentionLanguage {
            code: "en",
            positive: &[
                "Switched our three stores to Pulse POS last month, checkout is so much faster",
                "Shoutout to the Pulse support team, sorted our printer issue in minutes",
                "The new inventory reports are exactly what we needed #smallbusiness",
            ],
            neutral: &[
                "Anyone using Pulse with Shopify? How is the sync?",
                "Comparing Pulse and two other tools for our cafe, thoughts?",
                "Pulse webinar on holiday season prep starts at 3pm",
            ],
            negative: &[
                "Pulse was down during our lunch rush again, not great",
                "Price went up and the features did not, reconsidering Pulse",
                "Waiting two days for a reply from Pulse support, come on",
            ],
        },
        0.7,
    ),
    (
        &MentionLanguage {
            code: "es",
            positive: &["Muy contentos con Pulse, la caja va mucho más rápida"],
            neutral: &["¿Alguien usa Pulse en su tienda? ¿Qué tal?"],
            negative: &["Pulse otra vez sin servicio en plena hora punta"],
        },
        0.08,
    ),
    (
        &MentionLanguage {
            code: "de",
            positive: &["Pulse spart uns jede Woche Stunden bei der Inventur"],
            neutral: &["Hat jemand Erfahrung mit Pulse für Restaurants?"],
            negative: &["Der Support von Pulse antwortet seit Tagen nicht"],
        },
        0.07,
    ),
    (
        &MentionLanguage {
            code: "fr",
            positive: &["Très satisfaits de Pulse, l'équipe est réactive"],
            neutral: &["Quelqu'un a testé Pulse pour une boutique ?"],
            negative: &["Trop cher pour ce que propose Pulse"],
        },
        0.06,
    ),
    (
        &MentionLanguage {
            code: "pt",
            positive: &["Pulse facilitou muito o controle de estoque da loja"],
            neutral: &["Vale a pena usar o Pulse no varejo?"],
            negative: &["O Pulse caiu de novo no sábado, prejuízo"],
        },
        0.05,
    ),
    (
        &MentionLanguage {
            code: "ja",
            positive: &["Pulseのレポート機能が便利です"],
            neutral: &["Pulseを使っている店舗はありますか？"],
            negative: &["Pulseのサポートの返信が遅い"],
        },
        0.04,
    ),
];
