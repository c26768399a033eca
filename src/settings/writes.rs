//! The write commands' arguments as the operations of `act` take them.

use crate::UsageError;
use crate::api::secret::Secret;

/// The write commands' arguments as the operations of `act` take them.
impl From<&crate::cli::CustomerFields> for crate::act::rackspace::CustomerFields {
    fn from(f: &crate::cli::CustomerFields) -> Self {
        Self {
            name: f.name.clone(),
            reference_number: f.reference_number.clone(),
            address: crate::api::rackspace::wire::Address {
                address_line1: f.address_line1.clone(),
                address_line2: f.address_line2.clone(),
                city: f.city.clone(),
                state: f.state.clone(),
                zip: f.zip.clone(),
                country: f.country.clone(),
                phone: f.phone.clone(),
                email: f.email.clone(),
            },
        }
    }
}

/// `rackspace contact add`'s arguments, the security answer read from the
/// environment variable they name (never from the command line).
pub fn new_contact(
    args: &crate::cli::ContactAddArgs,
) -> Result<crate::act::rackspace::NewContact, UsageError> {
    let security_answer = match &args.security_answer_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(answer) => Some(Secret::new(answer)),
            Err(std::env::VarError::NotPresent) => {
                return Err(UsageError(format!(
                    "--security-answer-env: {var} is not set"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(UsageError(format!(
                    "--security-answer-env: {var} is not valid UTF-8"
                )));
            }
        },
    };
    Ok(crate::act::rackspace::NewContact {
        account: args.account.clone(),
        name: args.name.clone(),
        email: args.email.clone(),
        phone: args.phone.clone(),
        security_question: args.security_question.clone(),
        security_answer,
        receives_alerts: args.receives_alerts,
        receives_billing: args.receives_billing,
        receives_updates: args.receives_updates,
    })
}

impl From<&crate::cli::ContactEditArgs> for crate::act::rackspace::ContactChanges {
    fn from(a: &crate::cli::ContactEditArgs) -> Self {
        Self {
            account: a.account.clone(),
            id: a.id.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
            phone: a.phone.clone(),
            receives_alerts: a.receives_alerts,
            receives_billing: a.receives_billing,
            receives_updates: a.receives_updates,
        }
    }
}

impl From<&crate::cli::MrContactFields> for crate::act::mailroute::ContactFields {
    fn from(f: &crate::cli::MrContactFields) -> Self {
        Self {
            first_name: f.first_name.clone(),
            last_name: f.last_name.clone(),
            phone: f.phone.clone(),
            address: f.address.clone(),
            address2: f.address2.clone(),
            city: f.city.clone(),
            state: f.state.clone(),
            zipcode: f.zipcode.clone(),
            country: f.country.clone(),
            ..Self::default()
        }
    }
}

impl From<&crate::cli::MrContactCreateArgs> for crate::act::mailroute::NewContact {
    fn from(a: &crate::cli::MrContactCreateArgs) -> Self {
        Self {
            customer: a.customer,
            email: a.email.clone(),
            fields: (&a.fields).into(),
            billing: a.billing,
            technical: a.technical,
            emergency: a.emergency,
        }
    }
}

impl From<&crate::cli::MrContactUpdateArgs> for crate::act::mailroute::ContactChanges {
    fn from(a: &crate::cli::MrContactUpdateArgs) -> Self {
        Self {
            id: a.id,
            email: a.email.clone(),
            fields: (&a.fields).into(),
            billing: a.billing,
            technical: a.technical,
            emergency: a.emergency,
        }
    }
}
