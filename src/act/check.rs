//! The checks made before a write is sent, with the providers' documented messages
//! (Rackspace's own error texts; MailRoute's schema help text), so that a write the
//! provider would refuse is refused here, naming the flag, and never sent.

use crate::UsageError;

/// The most characters of a Rackspace customer name.
pub const NAME_MAX: usize = 100;
/// The most characters of a Rackspace reference number.
pub const REFERENCE_MAX: usize = 20;
/// The most characters of a MailRoute admin username.
pub const USERNAME_MAX: usize = 30;

/// The Rackspace rules of a customer's name (`required`: on add) and reference number.
pub fn rackspace_customer(
    name: Option<&str>,
    required: bool,
    reference: Option<&str>,
) -> Result<(), UsageError> {
    let refuse = |flag: &str, message: &str| Err(UsageError(format!("{flag}: {message}")));
    match name {
        None if required => return refuse("--name", "Missing required field: name"),
        None => {}
        Some(name) => {
            if name.trim().is_empty() {
                return refuse("--name", "Required field name cannot be empty");
            }
            if name.trim() != name {
                return refuse(
                    "--name",
                    "Improper Customer Name: cannot begin or end with a space",
                );
            }
            if name.chars().count() > NAME_MAX {
                return refuse("--name", "Name too long: 100 characters or fewer");
            }
        }
    }
    if reference.is_some_and(|r| r.chars().count() > REFERENCE_MAX) {
        return refuse(
            "--reference-number",
            "Reference number too long: 20 characters or fewer",
        );
    }
    Ok(())
}

/// A Rackspace contact's fields as the provider checks them (every one is needed).
pub struct ContactFields<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub security_question: &'a str,
    pub security_answer: &'a str,
}

/// The Rackspace rules of a contact, in the provider's order and words.
pub fn rackspace_contact(c: &ContactFields<'_>) -> Result<(), UsageError> {
    let refuse = |flag: &str, message: &str| Err(UsageError(format!("{flag}: {message}")));
    if c.name.trim().is_empty() {
        return refuse("--name", "Contact name cannot be empty.");
    }
    if !crate::ids::is_email(c.email) {
        return refuse("--email", "Please enter a valid email address.");
    }
    if c.phone.trim().is_empty() {
        return refuse("--phone", "Phone cannot be empty.");
    }
    if c.security_question.trim().is_empty() {
        return refuse("--security-question", "Security question cannot be empty.");
    }
    if c.security_answer.trim().is_empty() {
        return refuse("--security-answer-env", "Security answer cannot be empty.");
    }
    Ok(())
}

/// A MailRoute admin's username (its e-mail): the schema's rule.
pub fn mailroute_username(username: &str) -> Result<(), UsageError> {
    const RULE: &str =
        "Required. 30 characters or fewer. Letters, numbers and @/./+/-/_ characters";
    let length = username.chars().count();
    let allowed = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c));
    if length == 0 || length > USERNAME_MAX || !allowed {
        return Err(UsageError(format!(
            "--email: the admin's username is its e-mail: {RULE} (\"{username}\" has {length} characters{})",
            if allowed { "" } else { ", some not allowed" }
        )));
    }
    if !crate::ids::is_email(username) {
        return Err(UsageError(format!(
            "--email: \"{username}\" is not a valid e-mail address"
        )));
    }
    Ok(())
}

/// Deleting contact `id` of these (id, receives billing) would remove the account's
/// last contact or its last billing contact: the provider refuses that.
pub fn leaves_no_billing_contact(contacts: &[(String, bool)], id: &str) -> bool {
    let is_billing = contacts.iter().any(|(k, billing)| k == id && *billing);
    let rest: Vec<&(String, bool)> = contacts.iter().filter(|(k, _)| k != id).collect();
    rest.is_empty() || (is_billing && !rest.iter().any(|(_, billing)| *billing))
}

/// The provider's message for that refusal.
pub const LAST_BILLING_CONTACT: &str = "There must be at least one billing contact and one primary contact. (A single contact can be both.)";

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<(), UsageError>) -> String {
        r.unwrap_err().0
    }

    #[test]
    fn customer_names_with_the_documented_messages() {
        assert_eq!(
            message(rackspace_customer(None, true, None)),
            "--name: Missing required field: name"
        );
        assert!(rackspace_customer(None, false, None).is_ok());
        assert_eq!(
            message(rackspace_customer(Some(" \t"), true, None)),
            "--name: Required field name cannot be empty"
        );
        assert_eq!(
            message(rackspace_customer(Some("Acme "), true, None)),
            "--name: Improper Customer Name: cannot begin or end with a space"
        );
        assert_eq!(
            message(rackspace_customer(Some(&"é".repeat(101)), true, None)),
            "--name: Name too long: 100 characters or fewer"
        );
        assert!(rackspace_customer(Some(&"é".repeat(100)), true, Some(&"r".repeat(20))).is_ok());
        assert_eq!(
            message(rackspace_customer(
                Some("Acme"),
                true,
                Some(&"r".repeat(21))
            )),
            "--reference-number: Reference number too long: 20 characters or fewer"
        );
    }

    #[test]
    fn contacts_need_every_field() {
        let ok = ContactFields {
            name: "Pat",
            email: "pat@acme.example",
            phone: "1",
            security_question: "q",
            security_answer: "a",
        };
        assert!(rackspace_contact(&ok).is_ok());
        let cases = [
            (
                ContactFields { name: " ", ..ok },
                "--name: Contact name cannot be empty.",
            ),
            (
                ContactFields {
                    email: "pat@acme",
                    ..ok
                },
                "--email: Please enter a valid email address.",
            ),
            (
                ContactFields { phone: "", ..ok },
                "--phone: Phone cannot be empty.",
            ),
            (
                ContactFields {
                    security_question: "",
                    ..ok
                },
                "--security-question: Security question cannot be empty.",
            ),
            (
                ContactFields {
                    security_answer: " ",
                    ..ok
                },
                "--security-answer-env: Security answer cannot be empty.",
            ),
        ];
        for (fields, expected) in cases {
            assert_eq!(message(rackspace_contact(&fields)), expected);
        }
    }

    #[test]
    fn admin_usernames() {
        assert!(mailroute_username("it@acme.example").is_ok());
        assert!(mailroute_username(&format!("{}@b.co", "a".repeat(25))).is_ok());
        assert_eq!(
            message(mailroute_username(&format!("{}@b.com", "a".repeat(25)))),
            format!(
                "--email: the admin's username is its e-mail: Required. 30 characters or fewer. Letters, numbers and @/./+/-/_ characters (\"{}@b.com\" has 31 characters)",
                "a".repeat(25)
            )
        );
        assert!(message(mailroute_username("it!@acme.example")).ends_with("some not allowed)"));
        assert_eq!(
            message(mailroute_username("acme.example")),
            "--email: \"acme.example\" is not a valid e-mail address"
        );
    }

    #[test]
    fn the_last_billing_contact() {
        let k = |id: &str, b: bool| (id.to_owned(), b);
        assert!(leaves_no_billing_contact(
            &[k("1", true), k("2", false)],
            "1"
        ));
        assert!(!leaves_no_billing_contact(
            &[k("1", true), k("2", false)],
            "2"
        ));
        assert!(leaves_no_billing_contact(&[k("1", false)], "1"));
        assert!(!leaves_no_billing_contact(
            &[k("1", true), k("2", true)],
            "2"
        ));
    }
}
