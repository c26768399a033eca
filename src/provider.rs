//! The providers tally speaks to, by the name the store records for each.

use std::fmt;

/// A provider: the `provider` column of `sync_runs` and `actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Rackspace,
    Mailroute,
}

impl Provider {
    /// The name stored and shown: `rackspace`, `mailroute`.
    pub const fn name(self) -> &'static str {
        match self {
            Provider::Rackspace => "rackspace",
            Provider::Mailroute => "mailroute",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
