//! What a running sandbox is started with and holds: its options, its counters, and
//! the state its two emulated APIs share (the world, the accounts as writes leave
//! them, the rate limiter). Below the server and both APIs, so none of them imports
//! another to reach it.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use governor::DefaultDirectRateLimiter;

use super::accounts::RsAccounts;
use super::faults::FaultSpec;
use super::mailroute_world::MrWorld;
use super::world::{World, WorldOptions};

/// The keys a sandbox checks unless told others: Rackspace's user and secret key,
/// MailRoute's login and API key.
pub const SANDBOX_USER_KEY: &str = "sandbox-user-key";
pub const SANDBOX_SECRET_KEY: &str = "sandbox-secret-key";
pub const SANDBOX_LOGIN: &str = "sandbox-login";
pub const SANDBOX_API_KEY: &str = "sandbox-api-key";

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub world: WorldOptions,
    pub user_key: String,
    pub secret_key: String,
    /// The MailRoute side's `ApiKey login:key`.
    pub mailroute_login: String,
    pub mailroute_api_key: String,
    /// The server's request limit; `None`: unlimited.
    pub requests_per_minute: Option<NonZeroU32>,
    pub faults: FaultSpec,
    /// Added to every API response.
    pub latency: Duration,
    /// Invoices whose CSV is served with a broken last row (to test refusals).
    pub corrupt_csv: Vec<String>,
    /// The first N writes (POST, PUT, DELETE) are applied, then their connection is
    /// dropped without an answer: a write whose outcome the client cannot know.
    pub lose_write_answers: u32,
    /// MailRoute DELETEs find their object already deleted by someone else between
    /// the client's read and its delete: the object goes, the answer is 404.
    pub deleted_elsewhere: bool,
    /// MailRoute creates are applied and answered 202 with an empty body (no id, no
    /// `Location`), as MailRoute answers some POSTs.
    pub creates_answer_empty: bool,
    /// The reseller's own account name (its number is the world's).
    pub reseller_name: String,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            world: WorldOptions::default(),
            user_key: SANDBOX_USER_KEY.to_owned(),
            secret_key: SANDBOX_SECRET_KEY.to_owned(),
            mailroute_login: SANDBOX_LOGIN.to_owned(),
            mailroute_api_key: SANDBOX_API_KEY.to_owned(),
            requests_per_minute: None,
            faults: FaultSpec::default(),
            latency: Duration::ZERO,
            corrupt_csv: Vec::new(),
            lose_write_answers: 0,
            deleted_elsewhere: false,
            creates_answer_empty: false,
            reseller_name: "Sandbox Reseller".to_owned(),
        }
    }
}

/// What the server has seen, for tests and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxStats {
    /// API requests received (the sandbox's own paths not counted).
    pub requests: u64,
    /// Requests refused by the rate limit (injected throttles not counted).
    pub throttled: u64,
    /// Requests refused for a bad signature.
    pub unauthorized: u64,
    /// Line-item CSVs sent whole.
    pub csv_served: u64,
    /// CSV requests answered 404.
    pub csv_missing: u64,
    /// Injected faults by kind.
    pub faults: BTreeMap<String, u64>,
    /// Writes (POST, PUT, DELETE) received, by `METHOD path`.
    #[serde(default)]
    pub writes: BTreeMap<String, u64>,
}

pub(super) struct Shared {
    pub(super) world: World,
    /// The Rackspace accounts as writes leave them.
    pub(super) rackspace: Mutex<RsAccounts>,
    /// Writes whose answer is still to be lost (`SandboxOptions::lose_write_answers`).
    pub(super) answers_to_lose: std::sync::atomic::AtomicU32,
    /// Mutable: tests delete and rename MailRoute objects between syncs.
    pub(super) mailroute: Mutex<MrWorld>,
    pub(super) options: SandboxOptions,
    pub(super) limiter: Option<DefaultDirectRateLimiter>,
    pub(super) request_number: AtomicU64,
    pub(super) stats: Mutex<SandboxStats>,
    /// When the first and the latest API request arrived (for the benchmark).
    pub(super) window: Mutex<Option<(Instant, Instant)>>,
}
