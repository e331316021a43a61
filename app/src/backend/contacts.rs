//! New Contact (SPEC F16): a person the account's organisation knows by name and email,
//! related to the account with roles, who has not registered (yet). Their row offers
//! "Invite to Community".

use super::access::AccountAdmin;
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::mail::EmailAddress;
use super::members;
use super::roles::Catalogue;
use crate::error::{AppError, Result};
use crate::model::AuditAction;
use crate::model::{NewContact, RoleChange};
use crate::sql;

pub(in crate::backend) fn checked_part(value: &str, what: &str) -> Result<String> {
    super::refuse_hidden(value.trim(), &format!("Check the {what}."))?;
    let v = super::one_line(value);
    if v.is_empty() {
        return Err(AppError::invalid(format!("Enter the {what}.")));
    }
    if v.chars().count() > 50 {
        return Err(AppError::invalid(format!("The {what} may have at most 50 characters.")));
    }
    Ok(v)
}

/// Creates the contact in the account's organisation and relates them to the account
/// with the roles of `change`. The primary email must be new to the organisation.
/// Returns the new membership and the contact's name.
pub async fn create(db: &Db, admin: &AccountAdmin, contact: &NewContact, change: &RoleChange) -> Result<(i64, String)> {
    let first = checked_part(&contact.first_name, "first name")?;
    let last = checked_part(&contact.last_name, "last name")?;
    create_named(db, admin, &format!("{first} {last}"), &contact.email, change).await
}

/// `create` for a contact whose name comes whole (SCIM, SPEC F26: an identity provider
/// may send a user with no name parts): at most 101 characters on one line.
pub async fn create_named(
    db: &Db,
    admin: &AccountAdmin,
    name: &str,
    email: &str,
    change: &RoleChange,
) -> Result<(i64, String)> {
    let name = whole_name(name)?;
    let address = EmailAddress::parse(email, "Enter a full primary email address, like name@example.com.")?;
    let mut tx = members::write::begin_change(db, admin.account()).await?;
    let cat = Catalogue::load_tx(&mut tx).await?;
    let made = create_within(&mut tx, &cat, admin, &name, &address, change).await?;
    tx.commit().await?;
    Ok(made)
}

/// A contact's name as it comes whole: at most 101 characters on one line.
pub(in crate::backend) fn whole_name(name: &str) -> Result<String> {
    super::refuse_hidden(name.trim(), "Check the name.")?;
    let name = super::one_line(name);
    if name.is_empty() || name.chars().count() > 101 {
        return Err(AppError::invalid("Enter a name of at most 101 characters."));
    }
    Ok(name)
}

/// `create_named` inside a change already under way (a batch of a CSV import), with a
/// checked name and address.
pub(in crate::backend) async fn create_within(
    tx: &mut Tx,
    cat: &Catalogue,
    admin: &AccountAdmin,
    name: &str,
    address: &EmailAddress,
    change: &RoleChange,
) -> Result<(i64, String)> {
    let name = name.to_string();
    let (email, key) = (address.as_str().to_string(), address.key().to_string());
    let (bits, cloud) = members::write::checked_change(tx, cat, admin.account(), change).await?;
    needs_a_role(bits)?;
    let domain = key.rsplit('@').next().unwrap_or_default().to_string();
    // On a deployment a partner supports, a contact with one of the partner's domains is
    // the partner's person; anyone else is the customer's, and refused when joining.
    let (organisation, org_name): (i64, String) = tx
        .fetch_optional(&sql!(
            "SELECT id, name FROM (SELECT o.id, o.name, 0 AS pick FROM partner_deployments pd \
             JOIN organisations o ON o.id = pd.partner_id JOIN organisation_domains d ON d.organisation_id = o.id \
             WHERE pd.account_id = $1 AND d.domain = $2 \
             UNION ALL SELECT o.id, o.name, 1 AS pick FROM accounts a JOIN organisations o ON o.id = a.organisation_id \
             WHERE a.id = $1) o ORDER BY pick LIMIT 1",
            admin.account(),
            &domain
        ))
        .await?
        .ok_or_else(|| AppError::not_found("There is no such account."))?;
    // Who has the email is not said: outside the organisation it is none of the
    // account's business, and inside it the contact may belong to another of its
    // accounts, which are kept apart too.
    let existing: Option<(Option<i64>,)> =
        tx.fetch_optional(&sql!("SELECT organisation_id FROM people WHERE email_key = $1", &key)).await?;
    if let Some((org,)) = existing {
        return Err(AppError::Conflict(if org == Some(organisation) {
            format!("{org_name} already has a contact with the email {email}.")
        } else {
            format!("The email {email} belongs to someone outside {org_name}. Use Add new user instead.")
        }));
    }
    let person: i64 = tx
        .scalar(&sql!(
            "INSERT INTO people (display_name, name_key, email, email_key, email_domain, organisation_id) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &name,
            name.to_lowercase(),
            &email,
            &key,
            &domain,
            organisation
        ))
        .await?;
    let id = members::write::join_with(tx, cat, admin.account(), person, bits, cloud.as_ref(), admin).await?;
    audit::record(
        tx,
        admin,
        Record {
            subject: Some(person),
            action: AuditAction::ContactCreated,
            before: None,
            after: Some(created_text(cat, &name, &email, bits)),
        },
    )
    .await?;
    Ok((id, name))
}

/// Relating a contact to an account needs a role (the default one always counts).
pub(in crate::backend) fn needs_a_role(bits: i64) -> Result<()> {
    if bits == 0 {
        return Err(AppError::invalid("Choose at least one role."));
    }
    Ok(())
}

/// The audit log's words for a new contact.
pub(in crate::backend) fn created_text(cat: &Catalogue, name: &str, email: &str, bits: i64) -> String {
    format!("{name} <{email}>: {}", cat.describe(bits))
}
