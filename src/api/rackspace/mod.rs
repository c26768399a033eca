//! The Rackspace Email & Apps API: request signing and the wire models of the
//! endpoints tally reads (customers, invoices, contacts).

pub mod signature;
pub mod wire;
