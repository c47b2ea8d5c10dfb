//! What a metric is: its declaration (id, name, category, unit, direction, formula text,
//! dimensions) and its plan, a DataFusion SQL query over the record tables.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sales,
    Marketing,
    Revenue,
    Subscriptions,
    Support,
    Team,
    CrmRoi,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::Sales,
        Category::Marketing,
        Category::Revenue,
        Category::Subscriptions,
        Category::Support,
        Category::Team,
        Category::CrmRoi,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Category::Sales => "sales",
            Category::Marketing => "marketing",
            Category::Revenue => "revenue",
            Category::Subscriptions => "subscriptions",
            Category::Support => "support",
            Category::Team => "team",
            Category::CrmRoi => "crm_roi",
        }
    }

    /// The heading the spec uses.
    pub fn title(self) -> &'static str {
        match self {
            Category::Sales => "Sales",
            Category::Marketing => "Marketing",
            Category::Revenue => "Revenue and customers",
            Category::Subscriptions => "Subscriptions",
            Category::Support => "Customer perception and support",
            Category::Team => "Team and CRM adoption",
            Category::CrmRoi => "CRM return on investment",
        }
    }
}

impl FromStr for Category {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Category::ALL
            .iter()
            .copied()
            .find(|category| category.id() == text)
            .ok_or_else(|| Error::UnknownCategory(text.to_owned()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Money,
    Percent,
    Days,
    Hours,
    Seconds,
    Months,
    /// A period label (`2024-04`): the value is text.
    MonthLabel,
    Ratio,
    Score,
    MoneyPerDay,
    CountPerDay,
    OrdersPerCustomer,
}

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::Money => "money",
            Unit::Percent => "%",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Seconds => "s",
            Unit::Months => "months",
            Unit::MonthLabel => "",
            Unit::Ratio => "×",
            Unit::Score => "score",
            Unit::MoneyPerDay => "money/day",
            Unit::CountPerDay => "/day",
            Unit::OrdersPerCustomer => "orders/customer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

/// A dimension a report can be segmented by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dimension {
    Source,
    Owner,
    Segment,
    Region,
    Industry,
    Country,
    Campaign,
    Channel,
    Plan,
    Touchpoint,
    /// The type of an activity.
    Type,
    /// A free-form customer attribute (`--by attr:tier`).
    Attribute(String),
}

impl Dimension {
    pub fn kind(&self) -> DimensionKind {
        match self {
            Dimension::Source => DimensionKind::Source,
            Dimension::Owner => DimensionKind::Owner,
            Dimension::Segment => DimensionKind::Segment,
            Dimension::Region => DimensionKind::Region,
            Dimension::Industry => DimensionKind::Industry,
            Dimension::Country => DimensionKind::Country,
            Dimension::Campaign => DimensionKind::Campaign,
            Dimension::Channel => DimensionKind::Channel,
            Dimension::Plan => DimensionKind::Plan,
            Dimension::Touchpoint => DimensionKind::Touchpoint,
            Dimension::Type => DimensionKind::Type,
            Dimension::Attribute(_) => DimensionKind::Attribute,
        }
    }
}

impl FromStr for Dimension {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if let Some(name) = text.strip_prefix("attr:") {
            if name.trim().is_empty() {
                return Err(Error::UnknownDimension(text.to_owned()));
            }
            return Ok(Dimension::Attribute(name.trim().to_lowercase()));
        }
        Ok(match text {
            "source" => Dimension::Source,
            "owner" => Dimension::Owner,
            "segment" => Dimension::Segment,
            "region" => Dimension::Region,
            "industry" => Dimension::Industry,
            "country" => Dimension::Country,
            "campaign" => Dimension::Campaign,
            "channel" => Dimension::Channel,
            "plan" => Dimension::Plan,
            "touchpoint" => Dimension::Touchpoint,
            "type" => Dimension::Type,
            _ => return Err(Error::UnknownDimension(text.to_owned())),
        })
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::Attribute(name) => write!(formatter, "attr:{name}"),
            other => formatter.write_str(other.kind().name()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DimensionKind {
    Source,
    Owner,
    Segment,
    Region,
    Industry,
    Country,
    Campaign,
    Channel,
    Plan,
    Touchpoint,
    Type,
    Attribute,
}

impl DimensionKind {
    pub fn name(self) -> &'static str {
        match self {
            DimensionKind::Source => "source",
            DimensionKind::Owner => "owner",
            DimensionKind::Segment => "segment",
            DimensionKind::Region => "region",
            DimensionKind::Industry => "industry",
            DimensionKind::Country => "country",
            DimensionKind::Campaign => "campaign",
            DimensionKind::Channel => "channel",
            DimensionKind::Plan => "plan",
            DimensionKind::Touchpoint => "touchpoint",
            DimensionKind::Type => "type",
            DimensionKind::Attribute => "attr:<name>",
        }
    }
}

/// The value of a period or segment with no records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Counts and sums over no records are 0.
    Zero,
    /// Ratios, means and medians over no records are null, for this reason.
    Null(&'static str),
}

/// What a plan is given: the segment expression to group by and the workspace parameters.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// A SQL expression over the metric's aliases (`NULL` when the report is not segmented).
    pub segment: String,
    /// The dimension the report is segmented by, if any.
    pub dimension: Option<DimensionKind>,
    pub inactivity_days: u32,
    pub stall_days: f64,
    pub gross_margin: f64,
    pub initial_list_size: u64,
    /// `auto`, `subscription` or `purchase`.
    pub customer_model: &'static str,
    /// `crm.cost_one_time` and `crm.cost_monthly` (0 when the CRM is not configured; the
    /// `crm_months` table is then empty).
    pub crm_cost_one_time: f64,
    pub crm_cost_monthly: f64,
}

/// A metric, declared once. Its plan returns rows `(period, segment, value)`: `period` a label
/// from the `periods` table or `period_of(ts)`, `segment` the segment's value (text, null for
/// records without one), `value` a DOUBLE (null where the spec says null).
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub id: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub unit: Unit,
    pub direction: Direction,
    /// The formula as the spec states it, shown to users.
    pub formula: &'static str,
    /// The dimensions it can be segmented by, each with its SQL expression; `{attr}` in an
    /// attribute expression stands for the quoted attribute name.
    pub dimensions: &'static [(DimensionKind, &'static str)],
    pub empty: Empty,
    pub plan: fn(&PlanContext) -> String,
    /// For table-valued metrics (stage durations, cohorts, campaign performance, MRR movements,
    /// stalled-deal lists): a plan returning a `period` column and any other columns; each
    /// period's value carries its rows.
    pub rows: Option<fn(&PlanContext) -> String>,
    /// For count metrics, the records behind the count (`pulse report --explain`): a plan
    /// returning `period`, `segment` and the records' columns, one row per counted record.
    pub records: Option<fn(&PlanContext) -> String>,
}

impl Metric {
    /// The SQL expression of `dimension` for this metric, if the metric supports it.
    pub fn segment_sql(&self, dimension: &Dimension) -> Option<String> {
        let (_, expression) = self.dimensions.iter().find(|(kind, _)| *kind == dimension.kind())?;
        Some(match dimension {
            Dimension::Attribute(name) => expression.replace("{attr}", &format!("'{}'", name.replace('\'', "''"))),
            _ => (*expression).to_owned(),
        })
    }
}
