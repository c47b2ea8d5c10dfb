//! Errors of the metric engine.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidPeriod(String),
    #[error("unknown metric {0:?}; `pulse metrics list` shows the catalog")]
    UnknownMetric(String),
    #[error("unknown category {0:?} (sales, marketing, revenue, subscriptions, support, team, crm_roi)")]
    UnknownCategory(String),
    #[error(
        "{0:?} is not a dimension (source, owner, segment, region, industry, country, campaign, channel, plan, touchpoint, attr:<name>)"
    )]
    UnknownDimension(String),
    #[error("metric {0} is not a count of records, so it has no records to list")]
    NoRecords(String),
    #[error("metric {metric} cannot be segmented by {dimension}")]
    DimensionNotSupported { metric: String, dimension: String },
    #[error("metric {metric}: {message}")]
    Query { metric: String, message: String },
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] pulse_store::Error),
    #[error("query engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("query engine: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
