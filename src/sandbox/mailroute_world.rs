//! The MailRoute side's world: customers derived from the Rackspace world's
//! sub-accounts (most of them their domains, some spelled in another case, a few on
//! one side only), with contacts and admins. `mailroute.rs` serves it and applies
//! the writes to it.

use std::collections::HashMap;

use super::world::World;
use crate::parse::LineType;

/// The sandbox's MailRoute reseller.
pub const RESELLER_ID: i64 = 371;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrWorld {
    pub reseller_name: String,
    pub customers: Vec<MrCustomer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrCustomer {
    pub id: i64,
    pub name: String,
    pub reported_user_count: Option<i64>,
    pub contacts: Vec<MrContact>,
    pub admins: Vec<MrAdmin>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrContact {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_billing: bool,
    pub is_technical: bool,
    pub is_emergency: bool,
    /// The optional fields: phone, address, address2, city, state, zipcode, country.
    pub extra: std::collections::BTreeMap<String, String>,
}

/// The optional text fields of a contact, as the schema names them.
pub const CONTACT_TEXT_FIELDS: [&str; 9] = [
    "first_name",
    "last_name",
    "phone",
    "address",
    "address2",
    "city",
    "state",
    "zipcode",
    "country",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrAdmin {
    pub id: i64,
    pub username: String,
    pub is_active: bool,
}

impl MrWorld {
    pub fn generate(world: &World) -> MrWorld {
        // Seats per account on the latest invoice with line items.
        let mut seats: HashMap<&str, i64> = HashMap::new();
        if let Some(latest) = world.invoices.iter().find(|i| i.csv_served) {
            for l in latest
                .lines
                .iter()
                .filter(|l| l.line_type == LineType::Renewal)
            {
                *seats.entry(l.account_no.as_str()).or_default() +=
                    l.current_usage.as_decimal().trunc().mantissa() as i64;
            }
        }
        let mut customers = Vec::new();
        for (i, c) in world.customers.iter().enumerate() {
            if i % 9 == 4 {
                continue; // on Rackspace only
            }
            let name = if i % 5 == 0 {
                // The same domain in another case (its first letter, whatever script).
                let mut letters = c.domain.chars();
                letters
                    .next()
                    .map(|first| first.to_uppercase().chain(letters).collect())
                    .unwrap_or_default()
            } else {
                c.domain.clone()
            };
            let billed = seats.get(c.account_number.as_str()).copied().unwrap_or(0);
            let reported_user_count = match i % 11 {
                3 => None,
                6 => Some(billed + 2),
                _ => Some(billed),
            };
            customers.push(customer(1000 + i as i64, name, reported_user_count, i));
        }
        // Ids after the Rackspace-derived ones (2000 and 2001 in the small world).
        let first_own = 2000.max(1000 + world.customers.len() as i64);
        for k in 0..2 {
            customers.push(customer(
                first_own + k,
                format!("mronly{}.example", k + 1),
                Some(5 + k),
                100 + k as usize,
            ));
        }
        MrWorld {
            reseller_name: "Sandbox Reseller".into(),
            customers,
        }
    }
}

fn customer(id: i64, name: String, reported_user_count: Option<i64>, i: usize) -> MrCustomer {
    let contacts = if i % 6 == 2 {
        Vec::new()
    } else {
        (0..1 + i % 2)
            .map(|k| MrContact {
                id: 5000 + 10 * id + k as i64,
                email: format!("contact{k}@{}", name.to_lowercase()),
                first_name: format!("First{k}"),
                last_name: format!("Last{i}"),
                is_billing: k == 0 && i % 8 != 1,
                is_technical: k == 1 || i % 8 == 1,
                is_emergency: k == 1,
                extra: Default::default(),
            })
            .collect()
    };
    let admins = (0..1 + i % 2)
        .map(|k| MrAdmin {
            id: 90_000 + 10 * id + k as i64,
            username: format!("admin{k}@{}", name.to_lowercase()),
            is_active: k == 0,
        })
        .collect();
    MrCustomer {
        id,
        name,
        reported_user_count,
        contacts,
        admins,
    }
}
