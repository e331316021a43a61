//! Who is acting, and what they may do. Storage that reads or writes an account's data
//! takes a proof, never a bare account id: an `AccountAdmin` (from `Actor::manage`), an
//! `AccountMember` (from `Actor::member_of`), a `CaseAccess` (from `Actor::case_access`),
//! a `CaseReader` (from `Actor::read_case`), a `PartnerMember` (from
//! `Actor::partner_member`) or an `Operator` (from `Actor::operator`).
//! Their fields are private, so only the checks in this file can make one: code that
//! forgets the check does not compile.

use super::db::Db;
use crate::error::{AppError, Result};
use crate::model::{AccountId, CaseId, MembershipId};
use crate::sql;

/// The refusal SPEC F18 words for anyone who may not manage contacts.
pub const NO_ACCESS: &str = "You do not have access to this feature.";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Actor {
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub is_operator: bool,
}

/// Proof that `actor` may manage the contacts of `account`.
#[derive(Clone, Debug)]
pub struct AccountAdmin {
    actor: Actor,
    account: AccountId,
}

impl AccountAdmin {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The account this proof is for.
    pub fn account(&self) -> AccountId {
        self.account
    }
}

/// Proof that `actor` is an active member of `account` (SPEC F12: raising and following
/// cases). Writes that depend on it check the membership again in their transaction.
#[derive(Clone, Debug)]
pub struct AccountMember {
    actor: Actor,
    account: AccountId,
    membership: MembershipId,
}

impl AccountMember {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The membership that makes them a member.
    pub fn membership(&self) -> MembershipId {
        self.membership
    }
}

/// Proof of how `actor` reads an account's cases (SPEC F20): as its administrator,
/// every case; as an active member, the cases they are on.
#[derive(Clone, Debug)]
pub enum CaseAccess {
    Admin(AccountAdmin),
    Member(AccountMember),
}

impl CaseAccess {
    pub fn actor(&self) -> &Actor {
        match self {
            CaseAccess::Admin(a) => a.actor(),
            CaseAccess::Member(m) => m.actor(),
        }
    }

    pub fn account(&self) -> AccountId {
        match self {
            CaseAccess::Admin(a) => a.account(),
            CaseAccess::Member(m) => m.account(),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, CaseAccess::Admin(_))
    }
}

/// Proof that `actor` may read one case of an account (SPEC F20): an administrator of
/// the account reads all its cases, an active member those they are primary contact,
/// additional contact or follower of.
#[derive(Clone, Debug)]
pub struct CaseReader {
    actor: Actor,
    account: AccountId,
    case: CaseId,
    admin: bool,
}

impl CaseReader {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn account(&self) -> AccountId {
        self.account
    }

    pub fn case(&self) -> CaseId {
        self.case
    }

    /// They administer the account (and so read every case of it).
    pub fn is_admin(&self) -> bool {
        self.admin
    }
}

/// Proof that `actor` belongs to a partner organisation (SPEC F21): they see the
/// deployments it supports.
#[derive(Clone, Debug)]
pub struct PartnerMember {
    actor: Actor,
    partner: i64,
    partner_name: String,
}

impl PartnerMember {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The partner organisation.
    pub fn partner(&self) -> i64 {
        self.partner
    }

    pub fn partner_name(&self) -> &str {
        &self.partner_name
    }
}

/// Proof that `actor` is a vendor operator (SPEC F19).
#[derive(Clone, Debug)]
pub struct Operator {
    actor: Actor,
}

impl Operator {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

impl Actor {
    /// The signed-in person of this server-function call or page render.
    pub async fn current(db: &Db) -> Result<Actor> {
        super::memo::once("actor", || async { super::auth::signed_in(db).await?.ok_or(AppError::SignInRequired) }).await
    }

    /// The signed-in person of a plain axum request.
    pub async fn from_session(db: &Db, session: &tower_sessions::Session) -> Result<Actor> {
        super::auth::signed_in_with(db, session).await?.ok_or(AppError::SignInRequired)
    }

    /// A registered person by email, acting outside a request (seeding, tests, tools).
    pub async fn by_email(db: &Db, email: &str) -> Result<Actor> {
        db.fetch_optional::<Actor>(&sql!(
            "SELECT id AS person_id, display_name AS name, email, is_operator FROM people WHERE email_key = $1",
            super::mail::EmailAddress::key_of(email)
        ))
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no person with the email {email}.")))
    }

    /// This person, if they are a vendor operator (SPEC F19); else the refusal.
    pub fn operator(self) -> Result<Operator> {
        if self.is_operator {
            Ok(Operator { actor: self })
        } else {
            Err(AppError::Forbidden(NO_ACCESS.into()))
        }
    }

    /// This person, if they belong to a partner organisation (SPEC F21); else the refusal.
    pub async fn partner_member(self, db: &Db) -> Result<PartnerMember> {
        let partner: Option<(i64, String)> = db
            .fetch_optional(&sql!(
                "SELECT o.id, o.name FROM people p JOIN organisations o ON o.id = p.organisation_id \
                 WHERE p.id = $1 AND o.kind = 'partner'",
                self.person_id
            ))
            .await?;
        match partner {
            Some((partner, partner_name)) => Ok(PartnerMember { actor: self, partner, partner_name }),
            None => Err(AppError::Forbidden(NO_ACCESS.into())),
        }
    }

    /// Checks that this person may manage the account's contacts: a vendor operator, or
    /// an active member holding a role flagged admin.
    ///
    /// An account that does not exist is "not found" only to a vendor operator; anyone
    /// else is refused as for any account that is not theirs, so that nobody can probe
    /// which accounts exist.
    pub async fn manage(self, db: &Db, account: AccountId) -> Result<AccountAdmin> {
        if self.is_operator {
            super::accounts::find(db, account).await?;
            return Ok(AccountAdmin { actor: self, account });
        }
        // The mask comes from the catalogue: PostgreSQL has no `integer << bigint`, and
        // its SUM of bigints is numeric, which `&` with a bigint does not take.
        let mask = super::roles::Catalogue::load(db).await?.admin_mask();
        let admin: Option<(i64,)> = db
            .fetch_optional(&sql!(
                "SELECT m.id FROM memberships m WHERE m.account_id = $1 AND m.person_id = $2 AND m.status = 'active' \
                 AND (m.role_bits & $3) <> 0",
                account,
                self.person_id,
                mask
            ))
            .await?;
        match admin {
            Some(_) => Ok(AccountAdmin { actor: self, account }),
            None => Err(AppError::Forbidden(NO_ACCESS.into())),
        }
    }

    /// Checks that this person is an active member of the account; anyone else, a
    /// deactivated member included, gets SPEC F12's refusal.
    pub async fn member_of(self, db: &Db, account: AccountId) -> Result<AccountMember> {
        let found: Option<(i64,)> = db
            .fetch_optional(&sql!(
                "SELECT id FROM memberships WHERE account_id = $1 AND person_id = $2 AND status = 'active'",
                account,
                self.person_id
            ))
            .await?;
        match found {
            Some((membership,)) => Ok(AccountMember { actor: self, account, membership: MembershipId(membership) }),
            None => Err(AppError::Forbidden(super::cases::NOT_A_MEMBER.into())),
        }
    }

    /// Checks that this person may read the case: it is a case of `account`, and they
    /// administer the account or are on the case as an active member. A case they may
    /// not read is "not found", whether it exists or not, so that nobody learns of other
    /// accounts' cases; a deactivated member gets SPEC F12's refusal.
    pub async fn read_case(self, db: &Db, account: AccountId, case: CaseId) -> Result<CaseReader> {
        let access = self.case_access(db, account).await?;
        let admin = access.is_admin();
        let person = if admin { None } else { Some(access.actor().person_id) };
        if !super::cases::visible(db, account, case, person).await? {
            return Err(AppError::not_found(super::cases::NO_SUCH_CASE));
        }
        let actor = match access {
            CaseAccess::Admin(a) => a.actor,
            CaseAccess::Member(m) => m.actor,
        };
        Ok(CaseReader { actor, account, case, admin })
    }

    /// How this person reads the account's cases: as its administrator (or a vendor
    /// operator), else as an active member; anyone else gets SPEC F12's refusal.
    pub async fn case_access(self, db: &Db, account: AccountId) -> Result<CaseAccess> {
        match self.clone().manage(db, account).await {
            Ok(admin) => Ok(CaseAccess::Admin(admin)),
            Err(AppError::Forbidden(_)) => Ok(CaseAccess::Member(self.member_of(db, account).await?)),
            Err(e) => Err(e),
        }
    }
}
