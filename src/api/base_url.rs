//! A provider's base URL, checked before any key is sent to it: `https://`, or
//! plain `http://` only to a loopback address (the sandbox), and never with a
//! `user:password@` part. Keys go only to the host of this URL: links elsewhere
//! are not followed ([`BaseUrl::same_origin`]) and redirects are refused by the
//! transport.

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

/// A checked base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("expected an http(s) URL such as https://api.emailsrvr.com; found \"{0}\"")]
    NotAUrl(String),
    #[error(
        "{0}: a base URL must not carry a user name or password (user:password@); keys come from the environment or tally.toml"
    )]
    Credentials(String),
    #[error(
        "{0}: plain http:// is allowed only to a loopback address (the sandbox); use https:// so that keys never travel in clear text"
    )]
    PlainHttp(String),
}

impl BaseUrl {
    pub fn parse(text: &str) -> Result<BaseUrl, BaseUrlError> {
        let text = text.trim();
        let shown = display_url(text);
        let url = Url::parse(text).map_err(|_| BaseUrlError::NotAUrl(shown.clone()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(BaseUrlError::NotAUrl(shown));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BaseUrlError::Credentials(shown));
        }
        let base = BaseUrl(url);
        if base.0.scheme() == "http" && !base.is_loopback() {
            return Err(BaseUrlError::PlainHttp(shown));
        }
        Ok(base)
    }

    /// True when the host is a loopback address (`127.0.0.0/8`, `[::1]`, `localhost`).
    pub fn is_loopback(&self) -> bool {
        self.0.host_str().is_some_and(|host| {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
    }

    /// Plain http on loopback: only the sandbox (or a test server) lives there,
    /// since real providers are reached over https.
    pub fn is_sandbox(&self) -> bool {
        self.0.scheme() == "http" && self.is_loopback()
    }

    /// True when `link` has this URL's scheme, host and port: the only place a
    /// request carrying this provider's keys may go.
    pub fn same_origin(&self, link: &str) -> bool {
        Url::parse(link).is_ok_and(|u| {
            u.scheme() == self.0.scheme()
                && u.host() == self.0.host()
                && u.port_or_known_default() == self.0.port_or_known_default()
                && u.username().is_empty()
                && u.password().is_none()
        })
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = BaseUrlError;
    fn from_str(s: &str) -> Result<BaseUrl, BaseUrlError> {
        BaseUrl::parse(s)
    }
}

/// The URL as it may be shown: any `user:password@` cut out.
pub fn display_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..scheme_end + 3], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://api.emailsrvr.com",
            "https://admin.mailroute.net/api/v1/",
            "http://127.0.0.1:8765",
            "http://127.3.4.5/api/v1/",
            "http://localhost:9",
            "http://[::1]:8765/",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        assert!(
            BaseUrl::parse("http://127.0.0.1:8765")
                .unwrap()
                .is_sandbox()
        );
        assert!(
            !BaseUrl::parse("https://127.0.0.1:8765")
                .unwrap()
                .is_sandbox()
        );
        assert!(
            !BaseUrl::parse("https://api.emailsrvr.com")
                .unwrap()
                .is_sandbox()
        );
        assert_eq!(
            BaseUrl::parse("http://api.emailsrvr.com")
                .unwrap_err()
                .to_string(),
            "http://api.emailsrvr.com: plain http:// is allowed only to a loopback address (the sandbox); use https:// so that keys never travel in clear text"
        );
        assert_eq!(
            BaseUrl::parse("http://10.0.0.1:8765").unwrap_err(),
            BaseUrlError::PlainHttp("http://10.0.0.1:8765".into())
        );
    }

    #[test]
    fn no_credentials_in_the_url_and_none_echoed() {
        let err = BaseUrl::parse("https://me:s3cret@api.emailsrvr.com/").unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://api.emailsrvr.com/: a base URL must not carry a user name or password (user:password@); keys come from the environment or tally.toml"
        );
        assert!(!err.to_string().contains("s3cret"));
    }

    #[test]
    fn not_urls() {
        for bad in [
            "api.emailsrvr.com",
            "ftp://x.example",
            "",
            "https://",
            "file:///etc",
        ] {
            assert!(
                matches!(BaseUrl::parse(bad), Err(BaseUrlError::NotAUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn same_origin_means_scheme_host_and_port() {
        let base = BaseUrl::parse("https://admin.mailroute.net/api/v1/").unwrap();
        assert!(base.same_origin("https://admin.mailroute.net/api/v1/customer/?offset=20"));
        assert!(base.same_origin("https://admin.mailroute.net:443/x"));
        assert!(!base.same_origin("https://evil.example/api/v1/customer/"));
        assert!(!base.same_origin("http://admin.mailroute.net/api/v1/"));
        assert!(!base.same_origin("https://admin.mailroute.net:8443/api/v1/"));
        assert!(!base.same_origin("https://admin.mailroute.net.evil.example/"));
        assert!(!base.same_origin("https://u:p@admin.mailroute.net/"));
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            display_url("https://user:s3cret@api.example.com/v1/customers?size=5"),
            "https://api.example.com/v1/customers?size=5"
        );
        assert_eq!(
            display_url("http://127.0.0.1:8080/x?email=a@b.c"),
            "http://127.0.0.1:8080/x?email=a@b.c"
        );
        assert_eq!(display_url("not a url"), "not a url");
    }
}
