//! The `X-Api-Signature` header: `UserKey:Timestamp:Base64(SHA1(UserKey + UserAgent +
//! Timestamp + SecretKey))`, with a `yyyyMMddHHmmss` UTC timestamp fresh per request.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};

/// The timestamp as the signature wants it: `yyyyMMddHHmmss`, UTC.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%d%H%M%S").to_string()
}

/// Base64 of the binary SHA-1 of `user_key + user_agent + timestamp + secret_key`.
pub fn signature_hash(
    user_key: &str,
    user_agent: &str,
    timestamp: &str,
    secret_key: &str,
) -> String {
    let mut sha = Sha1::new();
    sha.update(user_key.as_bytes());
    sha.update(user_agent.as_bytes());
    sha.update(timestamp.as_bytes());
    sha.update(secret_key.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// The full header value for one request.
pub fn signature_header(
    user_key: &str,
    user_agent: &str,
    timestamp: &str,
    secret_key: &str,
) -> String {
    let hash = signature_hash(user_key, user_agent, timestamp, secret_key);
    format!("{user_key}:{timestamp}:{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_KEY: &str = "eGbq9/2hcZsRlr1JV1Pi";
    const AGENT: &str = "Rackspace Management Interface";
    const SECRET: &str = "QHOvchm/40czXhJ1OxfxK7jDHr3t";

    #[test]
    fn public_test_vectors() {
        assert_eq!(
            signature_hash(USER_KEY, AGENT, "20010308143725", SECRET),
            "46VIwd66mOFGG8IkbgnLlXnfnkU="
        );
        assert_eq!(
            signature_hash(USER_KEY, AGENT, "20010317143725", SECRET),
            "HKUn0aajpSDx7qqGK3vqzn3FglI="
        );
    }

    #[test]
    fn header_and_timestamp_shape() {
        let at = DateTime::parse_from_rfc3339("2001-03-08T14:37:25Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "20010308143725");
        assert_eq!(
            signature_header(USER_KEY, AGENT, &timestamp(at), SECRET),
            "eGbq9/2hcZsRlr1JV1Pi:20010308143725:46VIwd66mOFGG8IkbgnLlXnfnkU="
        );
    }
}
