//! The Rackspace Email & Apps client: signed GETs of the endpoints tally reads,
//! lists as streams (offset paging with the loop guard), the line-item CSV as bytes
//! with its SHA-256, and errors that say what the server said.

use std::sync::Arc;

use futures::{Stream, TryStreamExt};
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::signature::{signature_header, timestamp};
use super::wire::{self, Contact, Customer, CustomerList, FullContact, Invoice, ItemList};
use crate::api::error::{ApiError, ApiErrorKind, ListError, response_message};
use crate::api::http::{Auth, Response, Transport, TransportStats};
use crate::api::paging::{Keyed, Page, offset_stream};
use crate::api::secret::Secret;
use crate::api::write::{ProviderClient, WriteRequest};
use crate::provider::Provider;

pub const DEFAULT_BASE_URL: &str = "https://api.emailsrvr.com";
pub use crate::api::http::DEFAULT_USER_AGENT;
/// Public clients hold themselves to about 120 GETs a minute.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 120;
/// Items per page asked for (public clients use up to 250; the maximum is unconfirmed).
pub const PAGE_SIZE: u32 = 250;
pub const SIGNATURE_HINT: &str =
    "signature rejected: check TALLY_RACKSPACE_USER_KEY/SECRET_KEY and the clock";

/// The two halves of a Rackspace API key.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_key: String,
    pub secret_key: Secret,
}

pub type ClientOptions = crate::api::http::ClientOptions<Credentials>;

impl crate::api::http::ProviderDefaults for Credentials {
    const BASE_URL: &'static str = DEFAULT_BASE_URL;
    const REQUESTS_PER_MINUTE: u32 = DEFAULT_REQUESTS_PER_MINUTE;
}

struct Signer {
    credentials: Credentials,
    user_agent: String,
}

impl Auth for Signer {
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let now = timestamp(chrono::Utc::now());
        let header = signature_header(
            &self.credentials.user_key,
            &self.user_agent,
            &now,
            self.credentials.secret_key.expose(),
        );
        let mut signature = HeaderValue::from_str(&header)
            .unwrap_or_else(|_| HeaderValue::from_static("invalid-user-key"));
        signature.set_sensitive(true);
        vec![
            (HeaderName::from_static("x-api-signature"), signature),
            (ACCEPT, HeaderValue::from_static("application/json")),
        ]
    }

    fn is_throttle(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> bool {
        status == 403 && is_throttle(headers, body)
    }
}

/// A throttle ("Exceeded request limits") in any shape the providers' clients look
/// for: the message of any `*Fault` object, the whole plain-text body (or a bare
/// JSON string), or the `x-error-message` header alone (which both official clients
/// read), whatever the other says.
fn is_throttle(headers: &HeaderMap, body: &[u8]) -> bool {
    let header = response_message(headers, None);
    [header, wire::error_message(body)]
        .iter()
        .flatten()
        .any(|m| wire::is_throttle_message(m))
}

/// A downloaded line-item CSV.
#[derive(Debug, Clone)]
pub struct CsvDownload {
    pub url: String,
    pub sha256: String,
    pub body: bytes::Bytes,
}

pub struct Client {
    transport: Transport,
    signer: Signer,
    base_url: String,
    is_sandbox: bool,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Arc<Client>, ApiError> {
        let checked = crate::api::BaseUrl::parse(&options.base_url)
            .map_err(|e| ApiError::new("GET", &options.base_url, ApiErrorKind::BaseUrl(e)))?;
        let base_url = checked.as_str().trim_end_matches('/').to_owned();
        let signer = Signer {
            credentials: options.credentials,
            user_agent: options.transport.user_agent.clone(),
        };
        let transport = Transport::new(options.transport).map_err(|e| {
            ApiError::new("GET", &base_url, ApiErrorKind::Connection(e.to_string()))
        })?;
        Ok(Arc::new(Client {
            transport,
            signer,
            base_url,
            is_sandbox: checked.is_sandbox(),
        }))
    }

    /// A signed GET; any status but 2xx becomes an error with the server's message.
    async fn get_ok(&self, url: &str) -> Result<Response, ApiError> {
        let response = self.transport.get(&self.signer, url).await?;
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        Err(self.status_error(url, &response))
    }

    fn status_error(&self, url: &str, response: &Response) -> ApiError {
        let message = response_message(&response.headers, wire::error_message(&response.body));
        let kind = if response.status == 403 && !is_throttle(&response.headers, &response.body) {
            ApiErrorKind::Unauthorized {
                status: 403,
                hint: SIGNATURE_HINT,
                message,
            }
        } else {
            ApiErrorKind::Status {
                status: response.status,
                message,
            }
        };
        ApiError::new("GET", url, kind)
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        let response = self.get_ok(url).await?;
        wire::parse(&response.body)
            .map_err(|e| ApiError::new("GET", url, ApiErrorKind::Decode(e.to_string())))
    }

    /// `GET /v1/customers/{account}` (`me`: the caller's own account), with the
    /// address block.
    pub async fn customer(&self, account: &str) -> Result<Customer, ApiError> {
        self.get_json(&self.url(&format!("/v1/customers/{}", segment(account))))
            .await
    }

    /// The sub-account with this exact reference number (`GET
    /// /v1/customers?referenceNumber=R`, which answers with a show), or `None`.
    pub async fn customer_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<Customer>, ApiError> {
        let url = self.url(&format!(
            "/v1/customers?referenceNumber={}",
            segment(reference)
        ));
        let response = self.transport.get(&self.signer, &url).await?;
        let decode =
            |e: serde_json::Error| ApiError::new("GET", &url, ApiErrorKind::Decode(e.to_string()));
        match response.status {
            200..=299 => {
                // A show of the customer; tolerate a one-customer list too.
                match wire::parse::<CustomerList>(&response.body) {
                    Ok(list) if list.total.is_some() || !list.customers.is_empty() => Ok(list
                        .customers
                        .into_iter()
                        .find(|c| c.reference_number.as_deref() == Some(reference))),
                    _ => wire::parse(&response.body).map(Some).map_err(decode),
                }
            }
            404 => Ok(None),
            _ => Err(self.status_error(&url, &response)),
        }
    }

    /// One contact with its security question and answer, to send them back
    /// unchanged in a PUT (they are held as [`Secret`]s and never shown).
    pub async fn contact_for_update(
        &self,
        account: &str,
        id: &str,
    ) -> Result<FullContact, ApiError> {
        let url = self.url(&format!(
            "/v2/customers/{}/contacts/{}",
            segment(account),
            segment(id)
        ));
        let response = self.get_ok(&url).await?;
        wire::parse_full_contact(&response.body)
            .map_err(|e| ApiError::new("GET", &url, ApiErrorKind::Decode(e.to_string())))
    }

    /// Every sub-account: `GET /v1/customers?size=&offset=`.
    pub fn customers(self: &Arc<Self>) -> impl Stream<Item = Result<Customer, ApiError>> + use<> {
        let client = Arc::clone(self);
        let list_url = self.url("/v1/customers");
        paged(list_url, move |url| {
            let client = Arc::clone(&client);
            async move {
                let list: CustomerList = client.get_json(&url).await?;
                Ok(Page {
                    total: list.total,
                    items: list.customers,
                })
            }
        })
    }

    /// An account's invoices, newest first: `GET /v2/customers/{account}/invoices`.
    pub fn invoices(
        self: &Arc<Self>,
        account: &str,
    ) -> impl Stream<Item = Result<Invoice, ApiError>> + use<> {
        self.v2_list(format!("/v2/customers/{}/invoices", segment(account)))
    }

    /// An account's contacts, without their security questions and answers.
    pub fn contacts(
        self: &Arc<Self>,
        account: &str,
    ) -> impl Stream<Item = Result<Contact, ApiError>> + use<> {
        self.v2_list(format!("/v2/customers/{}/contacts", segment(account)))
    }

    fn v2_list<T>(
        self: &Arc<Self>,
        path: String,
    ) -> impl Stream<Item = Result<T, ApiError>> + use<T>
    where
        T: DeserializeOwned + Keyed + Send + 'static,
    {
        let client = Arc::clone(self);
        paged(self.url(&path), move |url| {
            let client = Arc::clone(&client);
            async move {
                let list: ItemList<T> = client.get_json(&url).await?;
                Ok(Page {
                    total: list.total,
                    items: list.items,
                })
            }
        })
    }

    /// The invoice's line-item CSV, or `None` when the server has none (404).
    pub async fn invoice_csv(
        &self,
        account: &str,
        invoice_id: &str,
    ) -> Result<Option<CsvDownload>, ApiError> {
        let url = self.url(&format!(
            "/v2/customers/{}/invoices/{}",
            segment(account),
            segment(invoice_id)
        ));
        let response = self.transport.get(&self.signer, &url).await?;
        match response.status {
            200..=299 => {
                let sha256 = hex(&Sha256::digest(&response.body));
                Ok(Some(CsvDownload {
                    url: crate::api::base_url::display_url(&url),
                    sha256,
                    body: response.body,
                }))
            }
            404 => Ok(None),
            _ => Err(self.status_error(&url, &response)),
        }
    }
}

impl ProviderClient for Client {
    const PROVIDER: Provider = Provider::Rackspace;

    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn is_sandbox(&self) -> bool {
        self.is_sandbox
    }

    fn stats(&self) -> TransportStats {
        self.transport.stats()
    }

    async fn send(&self, write: &WriteRequest) -> Result<Response, ApiError> {
        let response =
            crate::api::write::send_raw(&self.transport, &self.signer, &self.base_url, write)
                .await?;
        let url = self.url(&write.path);
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let message = response_message(&response.headers, wire::error_message(&response.body));
        Err(ApiError::new(
            crate::api::http::method_name(&write.method),
            &url,
            ApiErrorKind::Status {
                status: response.status,
                message,
            },
        ))
    }
}

/// Pages through `list_url` with `size`/`offset`; `fetch` gets each page's URL.
fn paged<T, F, Fut>(list_url: String, fetch: F) -> impl Stream<Item = Result<T, ApiError>>
where
    T: Keyed,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let url_for_errors = list_url.clone();
    offset_stream(PAGE_SIZE, move |offset, size| {
        let page = fetch(format!("{list_url}?size={size}&offset={offset}"));
        async move { page.await.map_err(ListError::Api) }
    })
    .map_err(move |e: ListError| e.at(&url_for_errors))
}

/// A path segment from user input: only characters that need no escaping pass
/// as they are; anything else is percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(segment("1100000"), "1100000");
        assert_eq!(segment("me"), "me");
        assert_eq!(segment("../x y"), "..%2Fx%20y");
    }

    #[test]
    fn the_signer_sends_a_sensitive_signature_and_json() {
        let signer = Signer {
            credentials: Credentials {
                user_key: "eGbq9/2hcZsRlr1JV1Pi".into(),
                secret_key: Secret::new("QHOvchm/40czXhJ1OxfxK7jDHr3t"),
            },
            user_agent: "Rackspace Management Interface".into(),
        };
        let headers = signer.headers();
        let (_, sig) = headers
            .iter()
            .find(|(n, _)| n == "x-api-signature")
            .unwrap();
        assert!(sig.is_sensitive());
        let text = sig.to_str().unwrap();
        let parts: Vec<&str> = text.split(':').collect();
        assert_eq!(parts[0], "eGbq9/2hcZsRlr1JV1Pi");
        assert_eq!(parts[1].len(), 14);
        assert_eq!(
            parts[2],
            crate::api::rackspace::signature::signature_hash(
                "eGbq9/2hcZsRlr1JV1Pi",
                "Rackspace Management Interface",
                parts[1],
                "QHOvchm/40czXhJ1OxfxK7jDHr3t"
            )
        );
        assert!(!format!("{headers:?}").contains(parts[2]));
        let throttle = br#"{"unauthorizedFault":{"message":"Exceeded request limits"}}"#;
        assert!(signer.is_throttle(403, &HeaderMap::new(), throttle));
        assert!(!signer.is_throttle(403, &HeaderMap::new(), b"{}"));
        let mut h = HeaderMap::new();
        h.insert(
            "x-error-message",
            "Exceeded request limits".parse().unwrap(),
        );
        assert!(signer.is_throttle(403, &h, b""));
        // The header alone decides even when the body names another fault.
        assert!(signer.is_throttle(
            403,
            &h,
            br#"{"unauthorizedFault":{"message":"Not authorized"}}"#
        ));
        // A plain-text body, as another public client meets it.
        assert!(signer.is_throttle(403, &HeaderMap::new(), b"Exceeded request limits"));
        assert!(!signer.is_throttle(403, &HeaderMap::new(), b"Forbidden"));
        assert!(!signer.is_throttle(500, &h, b"Exceeded request limits"));
    }

    /// Answers as the providers' own clients meet them, at the wire: an empty 200
    /// and a bare JSON string on writes are successes; a fault's details and
    /// resource type are shown beside its message; a plain-text throttle on a write
    /// is reported as the throttle it is (a write is never repeated), not as a bad
    /// signature; the header alone says it too.
    #[tokio::test]
    async fn write_answers_in_every_recorded_shape() {
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        use axum::routing::{post, put};
        let app = axum::Router::new()
            .route("/v1/customers", post(|| async { (StatusCode::OK, "").into_response() }))
            .route(
                "/v1/customers/1300001",
                put(|| async { (StatusCode::OK, r#""OK""#).into_response() }),
            )
            .route(
                "/v1/customers/1300002",
                put(|| async {
                    (
                        StatusCode::NOT_FOUND,
                        r#"{"itemNotFoundFault":{"code":404,"details":"Account 1300002 is not yours","message":"Customer not found","resourceType":"customer"}}"#,
                    )
                        .into_response()
                }),
            )
            .route(
                "/v1/customers/1300003/enable",
                post(|| async {
                    (StatusCode::FORBIDDEN, [("content-type", "text/plain")], "Exceeded request limits")
                        .into_response()
                }),
            )
            .route(
                "/v1/customers/1300004/enable",
                post(|| async {
                    (StatusCode::FORBIDDEN, [("x-error-message", "Exceeded request limits")], "")
                        .into_response()
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = Client::new(
            ClientOptions::new(Credentials {
                user_key: "k".into(),
                secret_key: Secret::new("s"),
            })
            .at(base.clone(), 60_000),
        )
        .unwrap();
        let acme = super::super::writes::CustomerBody {
            name: Some("Acme".into()),
            ..Default::default()
        };
        let ok = client.send(&client.customer_add(&acme)).await.unwrap();
        assert_eq!((ok.status, ok.body.len()), (200, 0));
        let ok = client
            .send(&client.customer_edit("1300001", &acme))
            .await
            .unwrap();
        assert_eq!(&ok.body[..], br#""OK""#);
        let error = |method: reqwest::Method, path: &'static str| {
            let client = Arc::clone(&client);
            async move {
                client
                    .send(&WriteRequest::bare(method, path.to_owned()))
                    .await
                    .unwrap_err()
                    .to_string()
            }
        };
        assert_eq!(
            error(reqwest::Method::PUT, "/v1/customers/1300002").await,
            format!(
                "PUT {base}/v1/customers/1300002: HTTP 404: Customer not found (details: Account 1300002 is not yours; resource type: customer)"
            )
        );
        // As plain text, then in the header alone.
        for path in [
            "/v1/customers/1300003/enable",
            "/v1/customers/1300004/enable",
        ] {
            assert_eq!(
                error(reqwest::Method::POST, path).await,
                format!("POST {base}{path}: HTTP 403: Exceeded request limits")
            );
        }
    }
}
