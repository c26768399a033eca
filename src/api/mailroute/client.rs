//! The MailRoute client: `ApiKey` auth, lists followed by their `next` links (never
//! trusting `limit=0` or that the server honours the limit asked), and errors that
//! say what the server said.

use std::sync::Arc;

use futures::{Stream, TryStreamExt};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use super::wire::{self, Admin, Contact, Customer, List, Reseller};
use crate::api::BaseUrl;
use crate::api::error::{ApiError, ApiErrorKind, ListError};
use crate::api::http::{Auth, Response, Transport, TransportStats};
use crate::api::paging::{LinkedPage, PagingError, link_stream};
use crate::api::secret::Secret;
use crate::api::write::{ProviderClient, WriteRequest};
use crate::provider::Provider;

pub const DEFAULT_BASE_URL: &str = "https://admin.mailroute.net/api/v1/";
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 120;
/// The page size asked for; the server may send fewer (Tastypie caps at its max_limit).
pub const PAGE_LIMIT: u32 = 1000;
pub const KEY_HINT: &str = "API key rejected: check TALLY_MAILROUTE_LOGIN/TALLY_MAILROUTE_API_KEY";

#[derive(Debug, Clone)]
pub struct Credentials {
    pub login: String,
    pub api_key: Secret,
}

pub type ClientOptions = crate::api::http::ClientOptions<Credentials>;

impl crate::api::http::ProviderDefaults for Credentials {
    const BASE_URL: &'static str = DEFAULT_BASE_URL;
    const REQUESTS_PER_MINUTE: u32 = DEFAULT_REQUESTS_PER_MINUTE;
}

struct ApiKey {
    header: HeaderValue,
}

impl Auth for ApiKey {
    fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        vec![
            (AUTHORIZATION, self.header.clone()),
            (ACCEPT, HeaderValue::from_static("application/json")),
        ]
    }

    fn is_throttle(&self, status: u16, _headers: &HeaderMap, _body: &[u8]) -> bool {
        status == 429
    }
}

pub struct Client {
    transport: Transport,
    auth: ApiKey,
    /// With its trailing slash: `https://admin.mailroute.net/api/v1/`.
    base_url: String,
    /// `https://admin.mailroute.net`: what `next` links are relative to.
    origin: String,
    /// The only scheme, host and port a `next` link may lead to.
    checked: BaseUrl,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Arc<Client>, ApiError> {
        let bad = |why: &str| {
            ApiError::new(
                "GET",
                &options.base_url,
                ApiErrorKind::Connection(why.to_owned()),
            )
        };
        let checked = BaseUrl::parse(&options.base_url)
            .map_err(|e| ApiError::new("GET", &options.base_url, ApiErrorKind::BaseUrl(e)))?;
        let mut base_url = checked.as_str().to_owned();
        let scheme_end = base_url.find("://").unwrap_or(0);
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let host_end = base_url[scheme_end + 3..]
            .find('/')
            .map_or(base_url.len(), |i| scheme_end + 3 + i);
        let origin = base_url[..host_end].to_owned();
        let credentials = &options.credentials;
        let mut header = HeaderValue::from_str(&format!(
            "ApiKey {}:{}",
            credentials.login,
            credentials.api_key.expose()
        ))
        .map_err(|_| bad("the login or API key holds characters a header cannot carry"))?;
        header.set_sensitive(true);
        let transport = Transport::new(options.transport).map_err(|e| {
            ApiError::new("GET", &base_url, ApiErrorKind::Connection(e.to_string()))
        })?;
        Ok(Arc::new(Client {
            transport,
            auth: ApiKey { header },
            base_url,
            origin,
            checked,
        }))
    }

    /// A GET whose body is JSON; any status but 2xx is an error.
    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        let response = self.transport.get(&self.auth, url).await?;
        if !(200..300).contains(&response.status) {
            return Err(self.status_error("GET", url, &response));
        }
        serde_json::from_slice(&response.body)
            .map_err(|e| ApiError::new("GET", url, ApiErrorKind::Decode(e.to_string())))
    }

    /// One object as JSON (`customer/157/`), or `None` when it is not there (404).
    pub async fn object(&self, path: &str) -> Result<Option<serde_json::Value>, ApiError> {
        let url = self.url(path);
        let response = self.transport.get(&self.auth, &url).await?;
        if response.status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&response.status) {
            return Err(self.status_error("GET", &url, &response));
        }
        serde_json::from_slice(&response.body)
            .map(Some)
            .map_err(|e| ApiError::new("GET", &url, ApiErrorKind::Decode(e.to_string())))
    }

    fn status_error(&self, method: &'static str, url: &str, response: &Response) -> ApiError {
        let message = wire::error_message(&response.body);
        let kind = if response.status == 401 {
            ApiErrorKind::Unauthorized {
                status: 401,
                hint: KEY_HINT,
                message,
            }
        } else {
            ApiErrorKind::Status {
                status: response.status,
                message,
            }
        };
        ApiError::new(method, url, kind)
    }

    /// Every object of a list (`path` relative to the base URL, with its filters).
    fn list<T>(self: &Arc<Self>, path: &str) -> impl Stream<Item = Result<T, ApiError>> + use<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let separator = if path.contains('?') { '&' } else { '?' };
        let first = format!(
            "{}{path}{separator}limit={PAGE_LIMIT}&offset=0",
            self.base_url
        );
        let client = Arc::clone(self);
        let url_for_errors = first.clone();
        link_stream(first, move |url| {
            let client = Arc::clone(&client);
            async move {
                let list: List<T> = client.get_json(&url).await.map_err(ListError::Api)?;
                let next = list.meta.next.map(|next| client.resolve(&next));
                if let Some(next) = &next
                    && !client.checked.same_origin(next)
                {
                    let url = crate::api::base_url::display_url(next);
                    return Err(ListError::Paging(PagingError::ForeignLink { url }));
                }
                Ok(LinkedPage {
                    items: list.objects,
                    next,
                    total: list.meta.total_count,
                })
            }
        })
        .map_err(move |e: ListError| e.at(&url_for_errors))
    }

    /// A `next` link: relative to the host (`/api/v1/customer/?offset=20`), or whole.
    fn resolve(&self, link: &str) -> String {
        if link.contains("://") {
            link.to_owned()
        } else if link.starts_with('/') {
            format!("{}{link}", self.origin)
        } else {
            format!("{}{link}", self.base_url)
        }
    }

    pub fn resellers(self: &Arc<Self>) -> impl Stream<Item = Result<Reseller, ApiError>> + use<> {
        self.list("reseller/")
    }

    /// Customers, all or of one reseller (`?reseller=ID`).
    pub fn customers(
        self: &Arc<Self>,
        reseller: Option<i64>,
    ) -> impl Stream<Item = Result<Customer, ApiError>> + use<> {
        match reseller {
            Some(id) => self.list(&format!("customer/?reseller={id}")),
            None => self.list("customer/"),
        }
    }

    /// The customers of that exact name (`customer/?name=NAME`).
    pub fn customers_named(
        self: &Arc<Self>,
        name: &str,
    ) -> impl Stream<Item = Result<Customer, ApiError>> + use<> {
        self.list(&format!("customer/?name={}", query_value(name)))
    }

    /// A customer's contacts through the customer (`customer/ID/contacts/`).
    pub fn customer_contacts(
        self: &Arc<Self>,
        customer: i64,
    ) -> impl Stream<Item = Result<Contact, ApiError>> + use<> {
        self.list(&format!("customer/{customer}/contacts/"))
    }

    /// A customer's contacts (`contact_customer/?customer=ID`).
    pub fn contacts(
        self: &Arc<Self>,
        customer: i64,
    ) -> impl Stream<Item = Result<Contact, ApiError>> + use<> {
        self.list(&format!("contact_customer/?customer={customer}"))
    }

    /// A customer's admins (`admins/customer/ID/`).
    pub fn admins(
        self: &Arc<Self>,
        customer: i64,
    ) -> impl Stream<Item = Result<Admin, ApiError>> + use<> {
        self.list(&format!("admins/customer/{customer}/"))
    }
}

/// A query-string value, percent-encoded but for unreserved characters.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl ProviderClient for Client {
    const PROVIDER: Provider = Provider::Mailroute;

    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn is_sandbox(&self) -> bool {
        self.checked.is_sandbox()
    }

    fn stats(&self) -> TransportStats {
        self.transport.stats()
    }

    async fn send(&self, write: &WriteRequest) -> Result<Response, ApiError> {
        let response =
            crate::api::write::send_raw(&self.transport, &self.auth, &self.base_url, write).await?;
        let url = self.url(&write.path);
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        Err(self.status_error(
            crate::api::http::method_name(&write.method),
            &url,
            &response,
        ))
    }

    /// A DELETE answered 404: the object is already gone (MailRoute's PHP client
    /// treats it so).
    fn already_done(&self, write: &WriteRequest, err: &ApiError) -> bool {
        write.method == reqwest::Method::DELETE
            && matches!(err.kind, ApiErrorKind::Status { status: 404, .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Arc<Client> {
        Client::new(ClientOptions {
            base_url: base.into(),
            ..ClientOptions::new(Credentials {
                login: "me".into(),
                api_key: Secret::new("k3y"),
            })
        })
        .unwrap()
    }

    #[test]
    fn links_resolve_against_the_host() {
        let c = client("https://admin.mailroute.net/api/v1");
        assert_eq!(c.base_url(), "https://admin.mailroute.net/api/v1/");
        assert_eq!(
            c.resolve("/api/v1/customer/?limit=20&offset=20"),
            "https://admin.mailroute.net/api/v1/customer/?limit=20&offset=20"
        );
        assert_eq!(c.resolve("http://x/y"), "http://x/y");
        assert_eq!(
            client("http://127.0.0.1:9/api/v1/").resolve("/api/v1/reseller/?offset=5"),
            "http://127.0.0.1:9/api/v1/reseller/?offset=5"
        );
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_value("a b&c=d.example"), "a%20b%26c%3Dd.example");
    }

    #[test]
    fn the_key_header_is_sensitive() {
        let c = client("https://admin.mailroute.net/api/v1/");
        let headers = c.auth.headers();
        assert!(headers[0].1.is_sensitive());
        assert!(!format!("{headers:?}").contains("k3y"));
        assert!(c.auth.is_throttle(429, &HeaderMap::new(), b""));
        assert!(!c.auth.is_throttle(401, &HeaderMap::new(), b""));
    }

    /// Errors as recorded against MailRoute's servers: 400, 404 and 501 with an empty
    /// `text/html` body, a 500 with `{"error_message": ...}`; a POST answered 202
    /// with an empty body is a success.
    #[tokio::test]
    async fn recorded_error_shapes_say_method_url_status_and_message() {
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        let empty = |status: StatusCode| {
            (status, [("content-type", "text/html; charset=utf-8")], "").into_response()
        };
        let app = axum::Router::new()
            .route(
                "/api/v1/admins/",
                axum::routing::post(move || async move { empty(StatusCode::BAD_REQUEST) }),
            )
            .route(
                "/api/v1/customer/9/",
                axum::routing::put(move || async move { empty(StatusCode::NOT_FOUND) }),
            )
            .route(
                "/api/v1/admins/customer/1/admin/2/",
                axum::routing::put(move || async move { empty(StatusCode::NOT_IMPLEMENTED) }),
            )
            .route(
                "/api/v1/customer/",
                axum::routing::post(|| async {
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [("content-type", "application/json")],
                        r#"{"error_message": "Sorry, this request could not be processed."}"#,
                    )
                        .into_response()
                }),
            )
            .route(
                "/api/v1/customer/1/action/",
                axum::routing::post(|| async { (StatusCode::ACCEPTED, "").into_response() }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let c = client(&base);
        let write = |method: reqwest::Method, path: &str| {
            WriteRequest::with(
                method,
                path.to_owned(),
                serde_json::json!({"name": "x"}),
                crate::api::write::Encoding::Json,
            )
        };
        let error = |method: reqwest::Method, path: &'static str| {
            let c = Arc::clone(&c);
            let write = write(method, path);
            async move { c.send(&write).await.unwrap_err().to_string() }
        };
        assert_eq!(
            error(reqwest::Method::POST, "admins/").await,
            format!("POST {base}admins/: HTTP 400")
        );
        assert_eq!(
            error(reqwest::Method::PUT, "customer/9/").await,
            format!("PUT {base}customer/9/: HTTP 404")
        );
        assert_eq!(
            error(reqwest::Method::PUT, "admins/customer/1/admin/2/").await,
            format!("PUT {base}admins/customer/1/admin/2/: HTTP 501")
        );
        assert_eq!(
            error(reqwest::Method::POST, "customer/").await,
            format!("POST {base}customer/: HTTP 500: Sorry, this request could not be processed.")
        );
        let accepted = c
            .send(&write(reqwest::Method::POST, "customer/1/action/"))
            .await
            .unwrap();
        assert_eq!((accepted.status, accepted.body.len()), (202, 0));
    }
}
