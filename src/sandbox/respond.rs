//! The plain answers both emulated APIs build on: a JSON body, a text body, and the
//! paging bound they share.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The largest offset the sandbox accepts (a bound, so no arithmetic on it can overflow).
pub const MAX_OFFSET: u64 = 1_000_000_000;

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response()
}

pub(super) fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
