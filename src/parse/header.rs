//! The documented header of a line-item CSV (API-NOTES: "Invoices and line items"),
//! which the parser checks and its errors quote.

/// The header every line-item CSV starts with, in this order.
pub const HEADER: [&str; 13] = [
    "Account No",
    "Reference No",
    "Domain",
    "Product",
    "Type",
    "Service Start",
    "Service End",
    "Term Committed Usage",
    "Current Usage",
    "Usage Change",
    "Months",
    "Rate",
    "Charge",
];

/// [`HEADER`] as it appears on the first line of the file.
pub const HEADER_LINE: &str = "Account No,Reference No,Domain,Product,Type,Service Start,Service End,Term Committed Usage,Current Usage,Usage Change,Months,Rate,Charge";
