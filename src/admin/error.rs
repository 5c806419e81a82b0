//! The one error type of the admin API and its conversion to the JSON error shape
//! `{"error": {"code", "message", "field"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

/// A failed admin request, shaped by what the client must do about it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all (400).
    #[error("{0}")]
    Malformed(String),
    /// No valid Bearer token (401).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The caller sees the object but its role may not do this; `field` names a forbidden field (403).
    #[error("{message}")]
    Forbidden {
        message: String,
        field: Option<String>,
    },
    /// The object does not exist or lies outside the caller's scope (404).
    #[error("{0}")]
    NotFound(String),
    /// A duplicate, a limit reached, or a concurrent change that won (409).
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<String>,
    },
    /// A value of the request is invalid, or a field is unknown or missing (422).
    #[error("{message}")]
    Invalid {
        message: String,
        field: Option<String>,
    },
    /// The database cannot be reached; retrying later is the fix (503).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store failed; the client sees a generic message and the cause goes to the log (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden {
            message: message.into(),
            field: None,
        }
    }

    pub fn forbidden_field(field: &str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: None,
        }
    }

    pub fn conflict_field(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Invalid { .. } => "invalid_value",
            Self::Unavailable(_) => "store_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::Forbidden { field, .. }
            | Self::Conflict { field, .. }
            | Self::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

/// PostgreSQL SQLSTATEs of a transaction that lost against a concurrent one: serialization failure
/// and deadlock. Retrying the request is the fix, so they are conflicts, not server errors.
const CONCURRENCY_SQLSTATES: [&str; 2] = ["40001", "40P01"];

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unique_violation() {
            return Self::conflict(
                "the record already exists (a concurrent request may have created it)",
            );
        }
        if let StoreError::Unavailable(sqlx::Error::Database(db)) = &error {
            if db
                .code()
                .is_some_and(|code| CONCURRENCY_SQLSTATES.contains(&code.as_ref()))
            {
                return Self::conflict("a concurrent change won; retry the request");
            }
        }
        match error {
            StoreError::Conflict(message) => Self::conflict(message),
            StoreError::NotFound { kind, key } => Self::not_found(format!("{kind} {key}")),
            StoreError::Unavailable(
                source @ (sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)),
            ) => Self::Unavailable(source.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// The JSON error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The error code and message, and the request field at fault when one value caused the error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of `malformed_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `invalid_value`, `store_unavailable`, `internal_error`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, as a path such as `tenants[1]`, or null.
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Internal(cause) => {
                tracing::error!(error = %cause, "admin request failed");
                "internal error; the cause is in the server log".to_owned()
            }
            Self::Unavailable(cause) => {
                tracing::warn!(error = %cause, "admin request failed: store unavailable");
                "the database is unavailable; retry later".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field: self.field().map(str::to_owned),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("static header"),
            );
        }
        response
    }
}
