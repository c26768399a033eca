//! The MailRoute API (Tastypie): `Authorization: ApiKey login:key`, lists that link
//! to their next page, RFC 2822 dates with zones. Resellers, customers, customer
//! contacts and customer admins; MailRoute has no billing resource.

mod client;
pub mod wire;
mod writes;

pub use client::{
    Client, ClientOptions, Credentials, DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE, KEY_HINT,
    PAGE_LIMIT,
};
pub use writes::{ContactBody, contact_path, customer_path, customer_uri};
