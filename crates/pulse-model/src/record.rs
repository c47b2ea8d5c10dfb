//! The record kinds of the import contract, each declared once: its struct, its columns (name,
//! type, required), its identity and its row parser all come from one entry of
//! [`record_kinds!`]. Rules that span several columns of one record live in the `Validate`
//! impls below; rules that span records (references, orderings against another record) are
//! the store's, since they need the other records.

use crate::config::Config;
use crate::field::{
    ActivityType, ColumnSpec, DealStatus, Field, FieldError, Id, OrderStatus, SpendPurpose, SurveyKind, Value,
};
use crate::value::{Money, Timestamp};

/// Free-form columns of customers and leads: (column name as in the header, value).
pub type Attributes = Vec<(String, String)>;

/// A reference from a column of one kind to the id of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub column: &'static str,
    pub target: Kind,
    /// Checked only when the target kind has records (lead owners reference users only once
    /// users are imported).
    pub only_when_target_has_records: bool,
}

macro_rules! slot_type {
    (req $ty:ty) => { $ty };
    (def $ty:ty) => { $ty };
    (opt $ty:ty) => { Option<$ty> };
}

macro_rules! parse_slot {
    (req $ty:ty, $column:expr, $cell:expr, $config:expr, $errors:expr) => {
        parse_required::<$ty>($column, $cell, $config, $errors)
    };
    (opt $ty:ty, $column:expr, $cell:expr, $config:expr, $errors:expr) => {
        parse_optional::<$ty>($column, $cell, $config, $errors)
    };
    (def $ty:ty, $column:expr, $cell:expr, $config:expr, $errors:expr, $default:expr) => {
        parse_optional::<$ty>($column, $cell, $config, $errors).map(|value| value.unwrap_or($default))
    };
}

macro_rules! slot_value {
    (req $field:expr) => {
        Field::value(&$field)
    };
    (def $field:expr) => {
        Field::value(&$field)
    };
    (opt $field:expr) => {
        $field.as_ref().map_or(Value::Null, Field::value)
    };
}

macro_rules! column_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $name:literal) => {
        $name
    };
}

macro_rules! record_kinds {
    ($(
        $(#[$doc:meta])*
        $variant:ident($name:ident) = $table:literal, identity($($identity:ident),+) $(, $attributes:ident)? {
            $( $mode:ident $field:ident $(($column:literal))? : $ty:ty $(= $default:expr)? ),+ $(,)?
        }
    )+) => {
        /// A record kind; its name is the file stem and the table name (`deals`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $($variant),+
        }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),+];

            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => $table),+
                }
            }

            pub fn parse(name: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|kind| kind.name().eq_ignore_ascii_case(name))
            }

            /// The declared columns, in declaration order.
            pub fn columns(self) -> &'static [ColumnSpec] {
                match self {
                    $(Kind::$variant => $name::COLUMNS),+
                }
            }

            /// The columns whose values identify a record of this kind.
            pub fn identity(self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant => &[$(stringify!($identity)),+]),+
                }
            }

            /// Whether unknown columns become free-form attributes (rather than an error).
            pub fn has_attributes(self) -> bool {
                match self {
                    $(Kind::$variant => false $(|| { let _ = stringify!($attributes); true })?),+
                }
            }
        }

        impl std::fmt::Display for Kind {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.name())
            }
        }

        /// A parsed and validated record of any kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Record {
            $($variant($name)),+
        }

        impl Record {
            /// Parses one row. `cells` holds one entry per column of `kind.columns()`, trimmed,
            /// `None` where the cell is empty or the column absent.
            pub fn parse(kind: Kind, cells: &[Option<&str>], attributes: Attributes, config: &Config) -> Result<Record, Vec<FieldError>> {
                match kind {
                    $(Kind::$variant => $name::parse(cells, attributes, config).map(Record::$variant)),+
                }
            }

            pub fn kind(&self) -> Kind {
                match self {
                    $(Record::$variant(_) => Kind::$variant),+
                }
            }

            /// One value per column of `kind().columns()`.
            pub fn values(&self) -> Vec<Value<'_>> {
                match self {
                    $(Record::$variant(record) => record.values()),+
                }
            }

            /// The identity for people: the identity values joined by ", ", timestamps in RFC 3339.
            pub fn identity_text(&self) -> String {
                let columns = self.kind().columns();
                let values = self.values();
                self.kind()
                    .identity()
                    .iter()
                    .map(|name| {
                        let position = columns.iter().position(|column| column.name == *name).expect("identity columns are declared");
                        match (&values[position], columns[position].column_type) {
                            (Value::Int(micros), crate::field::ColumnType::Timestamp) => Timestamp::from_micros(*micros).to_rfc3339(),
                            (value, _) => value_text(value.clone()),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            /// The identity as one string: the identity values joined by U+001F.
            pub fn key(&self) -> String {
                match self {
                    $(Record::$variant(record) => record.key()),+
                }
            }

            pub fn attributes(&self) -> Option<&Attributes> {
                match self {
                    $(Record::$variant(_record) => { None $(.or(Some(&_record.$attributes)))? }),+
                }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq)]
            pub struct $name {
                $( pub $field: slot_type!($mode $ty), )+
                $( pub $attributes: Attributes, )?
            }

            impl $name {
                pub const COLUMNS: &'static [ColumnSpec] = &[
                    $( ColumnSpec {
                        name: column_name!($field $($column)?),
                        column_type: <$ty as Field>::COLUMN_TYPE,
                        required: matches!(stringify!($mode).as_bytes(), b"req"),
                    }, )+
                ];

                fn parse(cells: &[Option<&str>], _attributes: Attributes, config: &Config) -> Result<Self, Vec<FieldError>> {
                    let mut errors = Vec::new();
                    let mut cells = cells.iter().copied();
                    $(
                        let $field = parse_slot!(
                            $mode $ty, column_name!($field $($column)?), cells.next().flatten(), config, &mut errors $(, $default)?
                        );
                    )+
                    if !errors.is_empty() {
                        return Err(errors);
                    }
                    let mut record = Self {
                        $( $field: $field.expect("a field without an error was parsed"), )+
                        $( $attributes: _attributes, )?
                    };
                    record.validate(config, &mut errors);
                    if errors.is_empty() { Ok(record) } else { Err(errors) }
                }

                fn values(&self) -> Vec<Value<'_>> {
                    vec![$( slot_value!($mode self.$field) ),+]
                }

                fn key(&self) -> String {
                    let parts: Vec<String> = vec![$( KeyPart::key_part(&self.$identity) ),+];
                    parts.join("\u{1f}")
                }
            }
        )+
    };
}

/// A field's contribution to a record's identity string.
trait KeyPart {
    fn key_part(&self) -> String;
}

impl<T: Field> KeyPart for T {
    fn key_part(&self) -> String {
        value_text(self.value())
    }
}

impl<T: Field> KeyPart for Option<T> {
    fn key_part(&self) -> String {
        self.as_ref().map_or_else(String::new, |value| value_text(value.value()))
    }
}

fn value_text(value: Value<'_>) -> String {
    match value {
        Value::Null => String::new(),
        Value::Int(number) => number.to_string(),
        Value::Real(number) => number.to_string(),
        Value::Text(text) => text.into_owned(),
    }
}

fn parse_required<T: Field>(
    column: &str,
    cell: Option<&str>,
    config: &Config,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match cell {
        None => {
            errors.push(FieldError::new(column, "", "is required"));
            None
        }
        Some(text) => parse_cell(column, text, config, errors),
    }
}

fn parse_optional<T: Field>(
    column: &str,
    cell: Option<&str>,
    config: &Config,
    errors: &mut Vec<FieldError>,
) -> Option<Option<T>> {
    match cell {
        None => Some(None),
        Some(text) => parse_cell(column, text, config, errors).map(Some),
    }
}

fn parse_cell<T: Field>(column: &str, text: &str, config: &Config, errors: &mut Vec<FieldError>) -> Option<T> {
    match T::parse(text, config) {
        Ok(value) => Some(value),
        Err(reason) => {
            errors.push(FieldError::new(column, text, reason));
            None
        }
    }
}

record_kinds! {
    /// A customer (person or company).
    Customers(Customer) = "customers", identity(customer_id), attributes {
        req customer_id: Id,
        req name: String,
        opt email: String,
        opt phone: String,
        opt company: String,
        req created_at: Timestamp,
        opt source: String,
        opt segment: String,
        opt region: String,
        opt industry: String,
        opt country: String,
        opt employees: i64,
    }
    Leads(Lead) = "leads", identity(lead_id), attributes {
        req lead_id: Id,
        req created_at: Timestamp,
        opt source: String,
        opt campaign_id: Id,
        opt owner: String,
        opt name: String,
        opt email: String,
        opt company: String,
        opt converted_at: Timestamp,
        opt customer_id: Id,
        opt disqualified_at: Timestamp,
    }
    Deals(Deal) = "deals", identity(deal_id) {
        req deal_id: Id,
        opt customer_id: Id,
        opt lead_id: Id,
        opt owner: String,
        req created_at: Timestamp,
        req amount: Money,
        req status: DealStatus,
        opt closed_at: Timestamp,
        opt lost_reason: String,
        opt source: String,
        opt currency: String,
    }
    /// One entry of a deal into a pipeline stage.
    DealStageChanges(DealStageChange) = "deal_stage_changes", identity(deal_id, entered_at) {
        req deal_id: Id,
        req stage: String,
        req entered_at: Timestamp,
    }
    Activities(Activity) = "activities", identity(activity_id) {
        req activity_id: Id,
        req at: Timestamp,
        req owner: String,
        req activity_type("type"): ActivityType,
        opt channel: String,
        opt deal_id: Id,
        opt lead_id: Id,
        opt customer_id: Id,
        opt outcome: String,
    }
    Orders(Order) = "orders", identity(order_id) {
        req order_id: Id,
        req customer_id: Id,
        req at: Timestamp,
        req amount: Money,
        def status: OrderStatus = OrderStatus::Paid,
        opt product: String,
        opt category: String,
        opt currency: String,
    }
    Subscriptions(Subscription) = "subscriptions", identity(subscription_id) {
        req subscription_id: Id,
        req customer_id: Id,
        opt plan: String,
        req started_at: Timestamp,
        opt ended_at: Timestamp,
        req mrr: Money,
        def term_months: i64 = 1,
        opt currency: String,
    }
    SubscriptionChanges(SubscriptionChange) = "subscription_changes", identity(subscription_id, at) {
        req subscription_id: Id,
        req at: Timestamp,
        req mrr: Money,
        opt currency: String,
    }
    Tickets(Ticket) = "tickets", identity(ticket_id) {
        req ticket_id: Id,
        opt customer_id: Id,
        req opened_at: Timestamp,
        opt first_response_at: Timestamp,
        opt resolved_at: Timestamp,
        def agent_replies: i64 = 0,
        opt channel: String,
        opt assignee: String,
        opt category: String,
    }
    /// A survey answer. After validation `scale_min`, `scale_max` and `reversed` always hold
    /// the effective values (defaults filled in).
    SurveyResponses(SurveyResponse) = "survey_responses", identity(response_id) {
        req response_id: Id,
        opt customer_id: Id,
        opt user_id: Id,
        req at: Timestamp,
        req kind: SurveyKind,
        req score: f64,
        opt scale_min: f64,
        opt scale_max: f64,
        opt reversed: bool,
        opt comment: String,
        opt touchpoint: String,
    }
    Campaigns(Campaign) = "campaigns", identity(campaign_id) {
        req campaign_id: Id,
        req name: String,
        req channel: String,
        req started_at: Timestamp,
        opt ended_at: Timestamp,
    }
    MarketingSpend(MarketingSpend) = "marketing_spend", identity(date, channel, campaign_id, purpose) {
        req date: Timestamp,
        req channel: String,
        opt campaign_id: Id,
        req amount: Money,
        def purpose: SpendPurpose = SpendPurpose::Acquisition,
        opt currency: String,
    }
    WebTraffic(WebTraffic) = "web_traffic", identity(date, source) {
        req date: Timestamp,
        req source: String,
        req visitors: i64,
        opt sessions: i64,
        opt avg_session_seconds: f64,
        opt purchases: i64,
    }
    EmailList(EmailListDay) = "email_list", identity(date) {
        req date: Timestamp,
        req subscribed: i64,
        req unsubscribed: i64,
        req bounced: i64,
        opt list_size: i64,
    }
    /// A person working in the CRM.
    Users(User) = "users", identity(user_id) {
        req user_id: Id,
        req name: String,
        opt team: String,
        def licensed: bool = true,
        req created_at: Timestamp,
        opt deactivated_at: Timestamp,
    }
    UsageEvents(UsageEvent) = "usage_events", identity(user_id, at, action) {
        req user_id: Id,
        req at: Timestamp,
        req action: String,
    }
    SocialMentions(SocialMention) = "social_mentions", identity(mention_id) {
        req mention_id: Id,
        req at: Timestamp,
        req platform: String,
        req text: String,
        opt language: String,
        opt likes: i64,
        opt shares: i64,
        opt comments: i64,
        opt reach: i64,
    }
}

impl Kind {
    /// The columns of this kind that hold the id of another record.
    pub fn references(self) -> &'static [Reference] {
        const fn to(column: &'static str, target: Kind) -> Reference {
            Reference { column, target, only_when_target_has_records: false }
        }
        match self {
            Kind::Leads => {
                const {
                    &[
                        to("campaign_id", Kind::Campaigns),
                        to("customer_id", Kind::Customers),
                        Reference { column: "owner", target: Kind::Users, only_when_target_has_records: true },
                    ]
                }
            }
            Kind::Deals => const { &[to("customer_id", Kind::Customers), to("lead_id", Kind::Leads)] },
            Kind::DealStageChanges => const { &[to("deal_id", Kind::Deals)] },
            Kind::Activities => {
                const { &[to("deal_id", Kind::Deals), to("lead_id", Kind::Leads), to("customer_id", Kind::Customers)] }
            }
            Kind::Orders | Kind::Subscriptions | Kind::Tickets => const { &[to("customer_id", Kind::Customers)] },
            Kind::SubscriptionChanges => const { &[to("subscription_id", Kind::Subscriptions)] },
            Kind::SurveyResponses => const { &[to("customer_id", Kind::Customers), to("user_id", Kind::Users)] },
            Kind::MarketingSpend => const { &[to("campaign_id", Kind::Campaigns)] },
            Kind::UsageEvents => const { &[to("user_id", Kind::Users)] },
            Kind::Customers
            | Kind::Campaigns
            | Kind::WebTraffic
            | Kind::EmailList
            | Kind::Users
            | Kind::SocialMentions => &[],
        }
    }

    /// The id column of a kind whose identity is one id (`deal_id`), if it has one.
    pub fn id_column(self) -> Option<&'static str> {
        match self.identity() {
            [only]
                if self
                    .columns()
                    .iter()
                    .any(|column| column.name == *only && column.column_type == crate::field::ColumnType::Id) =>
            {
                Some(only)
            }
            _ => None,
        }
    }
}

/// Rules over several columns of one record, and range rules on single columns.
trait Validate {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>);
}

fn not_before(
    errors: &mut Vec<FieldError>,
    column: &str,
    value: Option<Timestamp>,
    earlier_column: &str,
    earlier: Timestamp,
) {
    if let Some(value) = value.filter(|value| *value < earlier) {
        errors.push(FieldError::new(column, value.to_rfc3339(), format!("is before {earlier_column} ({earlier})")));
    }
}

fn non_negative(errors: &mut Vec<FieldError>, column: &str, value: Option<i64>) {
    if let Some(value) = value.filter(|value| *value < 0) {
        errors.push(FieldError::new(column, value.to_string(), "may not be negative"));
    }
}

fn workspace_currency(errors: &mut Vec<FieldError>, currency: &Option<String>, config: &Config) {
    if let Some(currency) = currency {
        if currency.eq_ignore_ascii_case(&config.currency) {
            return;
        }
        errors.push(FieldError::new(
            "currency",
            currency.as_str(),
            format!("is not the workspace currency {} (exchange rates are not configured)", config.currency.0),
        ));
    }
}

impl Validate for Customer {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        non_negative(errors, "employees", self.employees);
    }
}

impl Validate for Lead {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        if self.converted_at.is_some() && self.customer_id.is_none() {
            errors.push(FieldError::new("customer_id", "", "is required when converted_at is set"));
        }
    }
}

impl Validate for Deal {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        if self.customer_id.is_none() && self.lead_id.is_none() {
            errors.push(FieldError::new("customer_id/lead_id", "", "one of them is required"));
        }
        match (self.status, self.closed_at) {
            (DealStatus::Open, Some(closed_at)) => {
                errors.push(FieldError::new(
                    "closed_at",
                    closed_at.to_rfc3339(),
                    "must be empty while the deal is open",
                ));
            }
            (DealStatus::Won | DealStatus::Lost, None) => {
                errors.push(FieldError::new(
                    "closed_at",
                    "",
                    format!("is required when status is {}", self.status.as_str()),
                ));
            }
            _ => not_before(errors, "closed_at", self.closed_at, "created_at", self.created_at),
        }
        workspace_currency(errors, &self.currency, config);
    }
}

impl Validate for DealStageChange {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        match config.stage(&self.stage) {
            Some(stage) => self.stage.clone_from(&stage.name.0),
            None => {
                let names: Vec<&str> = config.pipeline.stages.iter().map(|stage| stage.name.as_str()).collect();
                let reason = if names.is_empty() {
                    "is not a pipeline stage (pulse.toml configures none)".to_owned()
                } else {
                    format!("is not a pipeline stage ({})", names.join(", "))
                };
                errors.push(FieldError::new("stage", self.stage.as_str(), reason));
            }
        }
    }
}

impl Validate for Activity {
    fn validate(&mut self, _: &Config, _: &mut Vec<FieldError>) {}
}

impl Validate for Order {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        if !self.amount.is_positive() {
            errors.push(FieldError::new("amount", self.amount.to_string(), "must be greater than 0"));
        }
        workspace_currency(errors, &self.currency, config);
    }
}

impl Validate for Subscription {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        if self.mrr.is_negative() {
            errors.push(FieldError::new("mrr", self.mrr.to_string(), "may not be negative"));
        }
        if self.term_months < 1 {
            errors.push(FieldError::new("term_months", self.term_months.to_string(), "must be at least 1"));
        }
        not_before(errors, "ended_at", self.ended_at, "started_at", self.started_at);
        workspace_currency(errors, &self.currency, config);
    }
}

impl Validate for SubscriptionChange {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        if self.mrr.is_negative() {
            errors.push(FieldError::new("mrr", self.mrr.to_string(), "may not be negative"));
        }
        workspace_currency(errors, &self.currency, config);
    }
}

impl Validate for Ticket {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        not_before(errors, "first_response_at", self.first_response_at, "opened_at", self.opened_at);
        not_before(errors, "resolved_at", self.resolved_at, "opened_at", self.opened_at);
        non_negative(errors, "agent_replies", Some(self.agent_replies));
    }
}

impl Validate for SurveyResponse {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        let (default_min, default_max) = match self.kind {
            SurveyKind::Nps | SurveyKind::Enps => (0.0, 10.0),
            SurveyKind::Ces => (1.0, 7.0),
            SurveyKind::Csat => (1.0, 5.0),
        };
        let fixed_scale = matches!(self.kind, SurveyKind::Nps | SurveyKind::Enps);
        if fixed_scale {
            for (column, given, fixed) in [("scale_min", self.scale_min, 0.0), ("scale_max", self.scale_max, 10.0)] {
                if given.is_some_and(|given| given != fixed) {
                    errors.push(FieldError::new(
                        column,
                        given.unwrap_or_default().to_string(),
                        format!("must be empty or {fixed}: the {} scale is fixed at 0–10", self.kind.as_str()),
                    ));
                }
            }
            if self.score.fract() != 0.0 {
                errors.push(FieldError::new("score", self.score.to_string(), "must be a whole number 0–10"));
            }
        }
        let scale_min = self.scale_min.unwrap_or(default_min);
        let scale_max = self.scale_max.unwrap_or(default_max);
        if scale_min >= scale_max {
            errors.push(FieldError::new(
                "scale_min/scale_max",
                format!("{scale_min}/{scale_max}"),
                "the minimum must be below the maximum",
            ));
        } else if !(scale_min..=scale_max).contains(&self.score) {
            errors.push(FieldError::new(
                "score",
                self.score.to_string(),
                format!("is outside the scale {scale_min}–{scale_max}"),
            ));
        }
        if self.reversed == Some(true) && self.kind != SurveyKind::Ces {
            errors.push(FieldError::new(
                "reversed",
                "true",
                format!("is allowed only on ces responses, not {}", self.kind.as_str()),
            ));
        }
        self.scale_min = Some(scale_min);
        self.scale_max = Some(scale_max);
        self.reversed = Some(self.reversed.unwrap_or(false));
    }
}

impl Validate for Campaign {
    fn validate(&mut self, _: &Config, _: &mut Vec<FieldError>) {}
}

impl Validate for MarketingSpend {
    fn validate(&mut self, config: &Config, errors: &mut Vec<FieldError>) {
        workspace_currency(errors, &self.currency, config);
    }
}

impl Validate for WebTraffic {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        non_negative(errors, "visitors", Some(self.visitors));
        non_negative(errors, "sessions", self.sessions);
        non_negative(errors, "purchases", self.purchases);
        if let Some(seconds) = self.avg_session_seconds.filter(|seconds| *seconds < 0.0) {
            errors.push(FieldError::new("avg_session_seconds", seconds.to_string(), "may not be negative"));
        }
    }
}

impl Validate for EmailListDay {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        non_negative(errors, "subscribed", Some(self.subscribed));
        non_negative(errors, "unsubscribed", Some(self.unsubscribed));
        non_negative(errors, "bounced", Some(self.bounced));
        non_negative(errors, "list_size", self.list_size);
    }
}

impl Validate for User {
    fn validate(&mut self, _: &Config, _: &mut Vec<FieldError>) {}
}

impl Validate for UsageEvent {
    fn validate(&mut self, _: &Config, _: &mut Vec<FieldError>) {}
}

impl Validate for SocialMention {
    fn validate(&mut self, _: &Config, errors: &mut Vec<FieldError>) {
        for (column, value) in
            [("likes", self.likes), ("shares", self.shares), ("comments", self.comments), ("reach", self.reach)]
        {
            non_negative(errors, column, value);
        }
    }
}
