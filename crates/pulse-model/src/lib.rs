//! Pulse's domain model: the record kinds of the import contract as typed records, the scalar
//! values they are made of, and the workspace configuration. Everything here is pure: text in,
//! typed values or located reasons out. No file, database or network access.

mod config;
mod field;
mod record;
mod value;

pub use config::{
    Clv, Config, Crm, Currency, CustomerModel, DEFAULT_CONFIG_TOML, Email, Fraction, GoLive, NonNegative, Pipeline,
    PositiveInt, Stage, StageName, TimeZone,
};
pub use field::{
    ActivityType, ColumnSpec, ColumnType, DealStatus, Field, FieldError, Id, OrderStatus, SpendPurpose, SurveyKind,
    Value,
};
pub use record::{
    Activity, Attributes, Campaign, Customer, Deal, DealStageChange, EmailListDay, Kind, Lead, MarketingSpend, Order,
    Record, Reference, SocialMention, Subscription, SubscriptionChange, SurveyResponse, Ticket, UsageEvent, User,
    WebTraffic,
};
pub use value::{Money, Timestamp};
