//! The one way tally traces what it does: `tracing` events and spans (HTTP requests,
//! invoices), shown on stderr at `-vv`. Results go through the printer; traces never
//! hold a header, a key or a body.

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::printer::Verbosity;

/// Installs the stderr subscriber for `verbosity` (only tally's own events: DEBUG at
/// `-vv`, else warnings). A second call does nothing.
pub fn init(verbosity: Verbosity) {
    let level = if verbosity >= Verbosity::Debug {
        Level::DEBUG
    } else {
        Level::WARN
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(Targets::new().with_target("tally", level))
        .try_init();
}
