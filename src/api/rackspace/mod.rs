//! The Rackspace Email & Apps API: request signing, the client of the endpoints
//! tally reads (customers, invoices and their CSVs, contacts) and their wire models.

mod client;
pub mod signature;
pub mod wire;
mod writes;

pub use client::{
    Client, ClientOptions, Credentials, CsvDownload, DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_USER_AGENT, PAGE_SIZE, SIGNATURE_HINT, segment,
};
pub use writes::{ContactBody, CustomerBody};
