//! Wire objects as store rows: the one place a provider's answer becomes what the
//! store keeps, used by sync and by the write operations' read-backs alike.

/// Rackspace customers, contacts and invoice headers.
pub mod rackspace {
    use crate::api::rackspace::wire;
    use crate::ids::AccountNumber;
    use crate::store::{ContactRow, CustomerRow, InvoiceHeader};

    /// A customer as stored; `with_details`: the address block was read (a list
    /// has none).
    pub fn customer(c: &wire::Customer, is_reseller: bool, with_details: bool) -> CustomerRow {
        CustomerRow {
            account_number: c.account_number.clone(),
            name: c.name.clone(),
            reference_number: c.reference_number.clone(),
            is_reseller,
            details: with_details.then(|| c.address.clone()),
        }
    }

    /// A contact as stored (never its security question or answer).
    pub fn contact(c: &wire::Contact) -> ContactRow {
        ContactRow {
            contact_id: c.id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            receives_alerts: c.receives_alerts,
            receives_billing: c.receives_billing,
            receives_updates: c.receives_updates,
        }
    }

    /// An invoice of `account`'s list as stored.
    pub fn invoice_header(account: &AccountNumber, invoice: wire::Invoice) -> InvoiceHeader {
        InvoiceHeader {
            account_number: account.clone(),
            invoice_id: invoice.invoice_id,
            invoice_date: invoice.invoice_date,
            invoice_type: invoice.invoice_type,
            total_due: invoice.total_due,
            is_paid: invoice.is_paid,
            csv_available: invoice.csv_available,
        }
    }
}

/// MailRoute customers, contacts and admins.
pub mod mailroute {
    use crate::api::mailroute::wire::{self, Admin, Contact, Customer};
    use crate::store::{MrAdminRow, MrContactRow, MrCustomerRow};

    /// A customer as stored.
    pub fn customer(c: Customer) -> MrCustomerRow {
        MrCustomerRow {
            id: c.id,
            name: c.name,
            reseller_id: c.reseller.as_deref().and_then(wire::uri_id),
            reported_user_count: c.reported_user_count,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    /// A contact of customer `customer_id` as stored.
    pub fn contact(k: Contact, customer_id: i64) -> MrContactRow {
        MrContactRow {
            id: k.id,
            customer_id,
            email: k.email,
            first_name: k.first_name,
            last_name: k.last_name,
            phone: k.phone,
            is_billing: k.is_billing,
            is_technical: k.is_technical,
            is_emergency: k.is_emergency,
        }
    }

    /// An admin of customer `customer_id` as stored.
    pub fn admin(a: Admin, customer_id: i64) -> MrAdminRow {
        MrAdminRow {
            id: a.id,
            customer_id,
            username: a.username,
            email: a.email,
            is_active: a.is_active,
            date_joined: a.date_joined,
            last_login: a.last_login,
        }
    }
}
