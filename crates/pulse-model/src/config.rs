//! The workspace configuration (`pulse.toml`): currency, timezone, customer model, pipeline and
//! the parameters of the metrics. Every value is checked while it is deserialized, so a bad value
//! is reported with the line and column where it stands, and an unknown key is an error.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// The configuration written to a new data directory: the defaults and an example pipeline.
pub const DEFAULT_CONFIG_TOML: &str = r#"# Pulse workspace configuration. See the README for every key.
currency = "USD"
# IANA zone in which periods are cut. It cannot change once records exist.
timezone = "UTC"
# subscription, purchase, or auto (per customer: subscription rule for customers who ever had one)
customer_model = "auto"
inactivity_days = 90
stall_days = 14
gross_margin = 1.0

[pipeline]
stages = [
  { name = "lead", probability = 0.1, stall_days = 7 },
  { name = "qualified", probability = 0.25, stall_days = 14 },
  { name = "demo", probability = 0.4, stall_days = 14 },
  { name = "proposal", probability = 0.6, stall_days = 21 },
  { name = "negotiation", probability = 0.8, stall_days = 14 },
]

[email]
initial_list_size = 0

[clv]
discount_rate_annual = 0.10

# [crm]
# go_live = 2024-01-01
# cost_one_time = 20000
# cost_monthly = 1500
"#;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub currency: Currency,
    pub timezone: TimeZone,
    pub customer_model: CustomerModel,
    pub inactivity_days: PositiveInt,
    pub stall_days: NonNegative,
    pub gross_margin: Fraction,
    pub pipeline: Pipeline,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crm: Option<Crm>,
    pub email: Email,
    pub clv: Clv,
}

/// The documented defaults. The pipeline has no default: [`DEFAULT_CONFIG_TOML`] starts new
/// workspaces with an example one.
impl Default for Config {
    fn default() -> Self {
        Config {
            currency: Currency("USD".to_owned()),
            timezone: TimeZone(chrono_tz::UTC),
            customer_model: CustomerModel::Auto,
            inactivity_days: PositiveInt(90),
            stall_days: NonNegative(14.0),
            gross_margin: Fraction(1.0),
            pipeline: Pipeline::default(),
            crm: None,
            email: Email::default(),
            clv: Clv::default(),
        }
    }
}

impl Config {
    /// Parses `pulse.toml` text. The error's text names the line and column.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn zone(&self) -> Tz {
        self.timezone.0
    }

    /// The pipeline stage with this name, matched case-insensitively.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.pipeline.stages.iter().find(|stage| stage.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerModel {
    Auto,
    Subscription,
    Purchase,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    #[serde(deserialize_with = "distinct_stages")]
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: StageName,
    pub probability: Fraction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_days: Option<NonNegative>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crm {
    pub go_live: GoLive,
    pub cost_one_time: NonNegative,
    pub cost_monthly: NonNegative,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Email {
    pub initial_list_size: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Clv {
    pub discount_rate_annual: NonNegative,
}

impl Default for Clv {
    fn default() -> Self {
        Self { discount_rate_annual: NonNegative(0.10) }
    }
}

fn distinct_stages<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Stage>, D::Error> {
    let stages = Vec::<Stage>::deserialize(deserializer)?;
    for (index, stage) in stages.iter().enumerate() {
        if stages[..index].iter().any(|earlier| earlier.name.eq_ignore_ascii_case(&stage.name)) {
            return Err(de::Error::custom(format!("stage {:?} is named twice", stage.name.0)));
        }
    }
    Ok(stages)
}

/// Declares a newtype whose deserialization checks its value.
macro_rules! checked {
    ($(#[$doc:meta])* $name:ident($inner:ty), $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$inner>::deserialize(deserializer)?;
                let check: fn(&$inner) -> Result<(), String> = $check;
                check(&value).map_err(de::Error::custom)?;
                Ok(Self(value))
            }
        }

        impl std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

checked!(
    /// A share between 0 and 1 inclusive.
    Fraction(f64),
    |value| if (0.0..=1.0).contains(value) { Ok(()) } else { Err(format!("{value} is not between 0 and 1")) }
);
checked!(NonNegative(f64), |value| if value.is_finite() && *value >= 0.0 {
    Ok(())
} else {
    Err(format!("{value} is negative"))
});
checked!(PositiveInt(u32), |value| if *value > 0 { Ok(()) } else { Err("must be at least 1".to_owned()) });
checked!(StageName(String), |value| if value.trim().is_empty() {
    Err("a stage name may not be empty".to_owned())
} else {
    Ok(())
});
checked!(
    /// An ISO 4217 code, three capital letters.
    Currency(String),
    |value| {
        if value.len() == 3 && value.bytes().all(|byte| byte.is_ascii_uppercase()) {
            Ok(())
        } else {
            Err(format!("{value:?} is not a three-letter currency code such as \"USD\""))
        }
    }
);

/// An IANA time zone name such as `America/New_York`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub Tz);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Tz::from_str(&name)
            .map(TimeZone)
            .map_err(|_| de::Error::custom(format!("{name:?} is not an IANA time zone such as \"Europe/Warsaw\"")))
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0.name())
    }
}

/// The CRM go-live day: a TOML date (`2024-01-01`) or a `"YYYY-MM-DD"` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoLive(pub NaiveDate);

impl<'de> Deserialize<'de> for GoLive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        let text = match &value {
            toml::Value::String(text) => text.clone(),
            toml::Value::Datetime(datetime) if datetime.time.is_none() && datetime.offset.is_none() => {
                datetime.to_string()
            }
            other => return Err(de::Error::custom(format!("{other} is not a date (YYYY-MM-DD)"))),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(GoLive)
            .map_err(|_| de::Error::custom(format!("{text:?} is not a date (YYYY-MM-DD)")))
    }
}

impl Serialize for GoLive {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected_error: Option<&str>) {
        match (Config::parse(text), expected_error) {
            (Ok(_), None) => {}
            (Ok(config), Some(expected)) => panic!("expected an error containing {expected:?}, parsed {config:?}"),
            (Err(error), None) => panic!("expected success, got {error}"),
            (Err(error), Some(expected)) => {
                let message = error.to_string();
                assert!(message.contains(expected), "{message:?} should contain {expected:?}");
            }
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = Config::parse("").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.currency.0, "USD");
        assert_eq!(config.zone(), chrono_tz::UTC);
        assert_eq!(config.customer_model, CustomerModel::Auto);
        assert_eq!(*config.inactivity_days, 90);
        assert_eq!(*config.stall_days, 14.0);
        assert_eq!(*config.gross_margin, 1.0);
        assert_eq!(config.email.initial_list_size, 0);
        assert_eq!(*config.clv.discount_rate_annual, 0.10);
        assert!(config.crm.is_none());
        assert!(config.pipeline.stages.is_empty());
        let written = Config::parse(DEFAULT_CONFIG_TOML).unwrap();
        assert_eq!(Config { pipeline: Pipeline::default(), ..written.clone() }, config);
        let names: Vec<&str> = written.pipeline.stages.iter().map(|stage| stage.name.as_str()).collect();
        assert_eq!(names, ["lead", "qualified", "demo", "proposal", "negotiation"]);
    }

    #[test]
    fn validation() {
        let cases: &[(&str, Option<&str>)] = &[
            ("timezone = \"America/New_York\"", None),
            ("currency = \"EUR\"\ngross_margin = 0.6", None),
            ("[crm]\ngo_live = 2024-01-01\ncost_one_time = 100\ncost_monthly = 10", None),
            ("[crm]\ngo_live = \"2024-01-01\"\ncost_one_time = 100\ncost_monthly = 10", None),
            ("[[pipeline.stages]]\nname = \"Won\"\nprobability = 1", None),
            ("colour = \"blue\"", Some("unknown field `colour`")),
            ("currency = \"USD\"\ntimezone = \"Mars/Olympus\"", Some("line 2")),
            ("timezone = \"Mars/Olympus\"", Some("not an IANA time zone")),
            ("currency = \"usd\"", Some("not a three-letter currency code")),
            ("gross_margin = 1.5", Some("1.5 is not between 0 and 1")),
            ("inactivity_days = 0", Some("must be at least 1")),
            ("customer_model = \"hybrid\"", Some("unknown variant `hybrid`")),
            ("[pipeline]\nstages = [{ probability = 0.5 }]", Some("missing field `name`")),
            ("[pipeline]\nstages = [{ name = \"\", probability = 0.5 }]", Some("may not be empty")),
            ("[pipeline]\nstages = [{ name = \"a\", probability = 0.5, colour = 1 }]", Some("unknown field `colour`")),
            (
                "[pipeline]\nstages = [{ name = \"a\", probability = 0.5 }, { name = \"A\", probability = 0.6 }]",
                Some("named twice"),
            ),
            ("[crm]\ngo_live = 2024-13-01\ncost_one_time = 1\ncost_monthly = 1", Some("line 2")),
            ("[crm]\ngo_live = \"soon\"\ncost_one_time = 1\ncost_monthly = 1", Some("not a date")),
        ];
        for (text, expected) in cases {
            check(text, *expected);
        }
    }
}
