//! API errors: every failure is `{"error": {"code", "message", "details"?}}` with an HTTP status
//! that says whose fault it was.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One located problem in a request body: a record's line (the CSV line, the NDJSON line or the
/// JSON array element, counting from 1), its column, the value and why it was refused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Detail {
    pub(crate) line: u64,
    pub(crate) column: String,
    pub(crate) value: String,
    pub(crate) reason: String,
}

#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: Vec<Detail>,
    /// Seconds to wait, for 429 responses.
    pub(crate) retry_after: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorContent,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorContent {
    pub(crate) code: String,
    pub(crate) message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) details: Vec<Detail>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", error.to_string())
    }
}

impl From<pulse_store::Error> for ApiError {
    fn from(error: pulse_store::Error) -> ApiError {
        match error {
            pulse_store::Error::InvalidAccount(message) => ApiError::bad_request(message),
            other => ApiError::internal(other),
        }
    }
}

impl From<pulse_engine::Error> for ApiError {
    fn from(error: pulse_engine::Error) -> ApiError {
        use pulse_engine::Error as E;
        match error {
            E::InvalidPeriod(_)
            | E::UnknownCategory(_)
            | E::UnknownDimension(_)
            | E::DimensionNotSupported { .. }
            | E::NoRecords(_) => ApiError::bad_request(error.to_string()),
            E::UnknownMetric(_) => ApiError::not_found(error.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorContent { code: self.code.to_owned(), message: self.message, details: self.details },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
