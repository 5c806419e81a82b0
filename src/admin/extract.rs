//! Request extractors that validate once, at the edge: JSON bodies into typed requests (400 for
//! malformed JSON, 422 naming the field for any invalid, unknown or missing value) and the pagination
//! query of every list.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::ApiError;

/// The largest `?limit=` a list accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// The page size when the request gives no `?limit=`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// A JSON request body deserialised into `T`. The body is read whatever its `Content-Type`, so that
/// `curl -d` works without a header.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T, S> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::Malformed(format!("could not read the request body: {e}")))?;
        parse_json(&bytes).map(ValidJson)
    }
}

/// Parses a JSON body into `T`, naming the field at fault in the error. The body is first read as a
/// JSON value, so only text that is not JSON at all gets 400. A value of the wrong type, a body that
/// is not an object, and unknown or missing fields get 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Malformed(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::Invalid {
            message: "the body must be a JSON object with named fields".to_owned(),
            field: None,
        });
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        data_error(&path, &error.into_inner())
    })
}

/// Builds the 422 for a JSON value that does not fit the request type. Unknown and missing fields
/// are reported by serde at the level of the enclosing object, so their name is taken from the
/// message and appended to the path.
fn data_error(path: &str, error: &serde_json::Error) -> ApiError {
    let full = error.to_string();
    let message = full.split(" at line ").next().unwrap_or(&full).to_owned();
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|start| message.strip_prefix(start))
        .and_then(|rest| rest.split('`').next());
    let field = match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => ".".to_owned(),
        (parent, Some(name)) if !parent.ends_with(name) => format!("{parent}.{name}"),
        (parent, _) => parent.to_owned(),
    };
    ApiError::Invalid {
        message: format!("{field}: {message}"),
        field: Some(field),
    }
}

#[derive(Debug, Deserialize)]
struct RawPageQuery {
    limit: Option<String>,
    cursor: Option<String>,
    q: Option<String>,
}

/// The pagination (and, where a list supports it, search) query: `?limit=` (1 to 1000, default 100),
/// `?cursor=` (the `next_cursor` of the previous page) and `?q=`.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    pub limit: u32,
    /// The sort key of the last item of the previous page, decoded.
    pub after: Option<String>,
    pub q: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = axum::extract::Query::<RawPageQuery>::try_from_uri(&parts.uri)
            .map_err(|_| ApiError::invalid("query", "the query string is not valid URL encoding"))?
            .0;
        let limit = match raw.limit.as_deref() {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        format!(
                            "invalid limit {text:?}: must be an integer from 1 to {MAX_PAGE_SIZE}"
                        ),
                    ))
                }
            },
        };
        let after = match raw.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        let q = raw.q.filter(|q| !q.trim().is_empty());
        Ok(Self { limit, after, q })
    }
}

/// Encodes a sort key as an opaque cursor.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "invalid cursor: pass the next_cursor of the previous page",
            )
        })
}

/// Cuts a list fetched with `limit + 1` rows to `limit` and returns the cursor of the next page.
pub fn finish_page<T>(
    items: &mut Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> String,
) -> Option<String> {
    if items.len() <= limit as usize {
        return None;
    }
    items.truncate(limit as usize);
    items.last().map(|last| encode_cursor(&key(last)))
}

/// Pages a list that was built in memory and sorted by `key`.
pub fn page_in_memory<T>(
    mut items: Vec<T>,
    page: &PageQuery,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if let Some(after) = &page.after {
        items.retain(|item| key(item).as_str() > after.as_str());
    }
    items.truncate(page.limit as usize + 1);
    let next = finish_page(&mut items, page.limit, key);
    (items, next)
}
