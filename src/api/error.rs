//! A failed request, typed: the method, the URL (never a secret: credentials travel
//! in headers, and any user:password in a URL is cut out), the status, and the
//! provider's own message from the body or the `x-error-message` header.

use std::time::Duration;

use super::base_url::display_url;
use super::paging::PagingError;
use super::retry::Attempt;

#[derive(Debug, thiserror::Error)]
#[error("{method} {}: {kind}{}", display_url(.url), attempts_text(*.attempts))]
pub struct ApiError {
    pub method: &'static str,
    pub url: String,
    /// How many attempts were made before giving up.
    pub attempts: u32,
    pub kind: ApiErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiErrorKind {
    /// A status that is not success, with the provider's message if it sent one.
    #[error("HTTP {status}{}", .message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        status: u16,
        message: Option<String>,
    },
    /// The provider refused the credentials.
    #[error("HTTP {status}: {hint}{}", .message.as_ref().map(|m| format!(" (server said: {m})")).unwrap_or_default())]
    Unauthorized {
        status: u16,
        hint: &'static str,
        message: Option<String>,
    },
    #[error("no complete response within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connection(String),
    /// The connection could not be made (refused, unreachable, DNS): the request
    /// never reached the server.
    #[error("could not connect: {0}")]
    NotSent(String),
    /// A write was sent but no complete answer came back: it may or may not have
    /// been applied.
    #[error(
        "outcome unknown: the request was sent but no answer came back ({0}); it may or may not have been applied"
    )]
    OutcomeUnknown(String),
    #[error("the response body was cut short: {0}")]
    Truncated(String),
    #[error("the response is larger than {0} bytes; refused")]
    TooLarge(usize),
    #[error("unexpected response body: {0}")]
    Decode(String),
    /// A redirect: never followed, since the request carries the provider's keys.
    #[error(
        "HTTP {status}: the server redirects to {location}; refused (tally sends its keys only to the configured base URL)"
    )]
    Redirect { status: u16, location: String },
    #[error(transparent)]
    BaseUrl(#[from] super::base_url::BaseUrlError),
    #[error(transparent)]
    Paging(#[from] PagingError),
}

impl ApiErrorKind {
    /// What the retry policy sees of a failure without a usable response.
    pub(super) fn attempt(&self) -> Attempt {
        match self {
            ApiErrorKind::Status { status, .. } | ApiErrorKind::Unauthorized { status, .. } => {
                Attempt::Status {
                    status: *status,
                    throttled: false,
                }
            }
            ApiErrorKind::Timeout(_) => Attempt::Timeout,
            ApiErrorKind::Connection(_) => Attempt::Connection,
            ApiErrorKind::NotSent(_) => Attempt::NotSent,
            ApiErrorKind::Truncated(_) => Attempt::Truncated,
            // Repeating cannot fix these.
            ApiErrorKind::TooLarge(_)
            | ApiErrorKind::Decode(_)
            | ApiErrorKind::Paging(_)
            | ApiErrorKind::Redirect { .. }
            | ApiErrorKind::OutcomeUnknown(_)
            | ApiErrorKind::BaseUrl(_) => Attempt::Final,
        }
    }
}

impl ApiError {
    pub fn new(method: &'static str, url: &str, kind: ApiErrorKind) -> ApiError {
        ApiError {
            method,
            url: display_url(url),
            attempts: 1,
            kind,
        }
    }

    pub fn after(mut self, attempts: u32) -> ApiError {
        self.attempts = attempts;
        self
    }

    /// True when the provider refused the credentials (no use going on).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Unauthorized { .. })
    }
}

/// The error of a paged list while it streams: a request that failed, or the paging
/// guard tripping. [`ListError::at`] turns it into an [`ApiError`] naming the list.
pub(crate) enum ListError {
    Api(ApiError),
    Paging(PagingError),
}

impl From<PagingError> for ListError {
    fn from(e: PagingError) -> ListError {
        ListError::Paging(e)
    }
}

impl ListError {
    pub(crate) fn at(self, list_url: &str) -> ApiError {
        match self {
            ListError::Api(e) => e,
            ListError::Paging(e) => ApiError::new("GET", list_url, ApiErrorKind::Paging(e)),
        }
    }
}

fn attempts_text(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (gave up after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// The message of an error response: the `x-error-message` header (older servers)
/// or the provider's body format, whichever says something.
pub fn response_message(
    headers: &reqwest::header::HeaderMap,
    from_body: Option<String>,
) -> Option<String> {
    from_body.or_else(|| {
        headers
            .get("x-error-message")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        let e = ApiError::new(
            "GET",
            "https://api.emailsrvr.com/v2/customers/1/invoices",
            ApiErrorKind::Status {
                status: 500,
                message: Some("Internal error".into()),
            },
        )
        .after(8);
        assert_eq!(
            e.to_string(),
            "GET https://api.emailsrvr.com/v2/customers/1/invoices: HTTP 500: Internal error (gave up after 8 attempts)"
        );
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(response_message(&headers, None), None);
        headers.insert("x-error-message", "Invalid account".parse().unwrap());
        assert_eq!(
            response_message(&headers, None).as_deref(),
            Some("Invalid account")
        );
        assert_eq!(
            response_message(&headers, Some("from body".into())).as_deref(),
            Some("from body")
        );
    }
}
