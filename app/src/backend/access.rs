//! Who is acting, and what they may do. Storage that reads or writes an account's data
//! takes a proof, never a bare account id: an `AccountAdmin` (from `Actor::manage`), an
//! `AccountMember` (from `Actor::member_of`), a `CaseAccess` (from `Actor::case_access`),
//! a `CaseReader` (from `Actor::read_case`), a `PartnerMember` (from
//! `Actor::partner_member`), an `Approver` (from `Actor::approver`), a `RequestDecider`
//! (from `Actor::decider_of`), an `AccessCopier` (from `Actor::copier`) or an `Operator`
//! (from `Actor::operator`).
//! Their fields are private, so only the checks in this file can make one: code that
//! forgets the check does not compile.

use super::db::Db;
use crate::error::{AppError, Result};
use crate::model::{AccountId, CaseId, MembershipId, TokenScope};
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

/// The columns of an [`Actor`], of `people p`.
pub(super) const ACTOR_COLUMNS: &str = "p.id AS person_id, p.display_name AS name, p.email, p.is_operator";

/// The columns of a [`Standing`], of `people p`.
const STANDING_COLUMNS: &str = "(SELECT COUNT(*) FROM notifications n WHERE n.person_id = p.id AND n.read_at IS NULL) \
     AS unread, \
     EXISTS (SELECT 1 FROM organisations o WHERE o.id = p.organisation_id AND o.kind = 'partner') AS is_partner, \
     EXISTS (SELECT 1 FROM approvers ap WHERE ap.person_id = p.id) AS approves";

/// A [`Standing`] as stored.
#[derive(Clone, Copy, Default, sqlx::FromRow)]
struct StandingRow {
    unread: i64,
    is_partner: bool,
    approves: bool,
}

impl StandingRow {
    fn of(&self, actor: &Actor) -> Standing {
        Standing { unread: self.unread, is_partner: self.is_partner, approves: self.approves || actor.is_operator }
    }
}

/// A person with their standing, read together for a page.
#[derive(sqlx::FromRow)]
struct ActorRow {
    #[sqlx(flatten)]
    actor: Actor,
    #[sqlx(flatten)]
    standing: StandingRow,
}

/// The columns of a person read with the accounts they may see, named apart from an
/// account's (`accounts::seen_with_person_sql`).
const PAGE_PERSON_COLUMNS: &str = "p.id AS person_id, p.display_name AS person_name, p.email, p.is_operator";

/// A person with their standing and one of the accounts they may see, as a page reads them.
#[derive(sqlx::FromRow)]
struct PageRow {
    person_id: i64,
    person_name: String,
    email: String,
    is_operator: bool,
    #[sqlx(flatten)]
    standing: StandingRow,
    #[sqlx(flatten)]
    seen: super::accounts::Seen,
}

/// What a page reads of the signed-in person: who they are, their standing, and the
/// accounts they may see (none read for a vendor operator, whose are every account).
pub type PagePerson = (Actor, Standing, Option<Vec<super::accounts::Seen>>);

/// This request's answer for a person's standing (see `backend::memo`).
fn standing_key(person: i64) -> String {
    format!("standing:{person}")
}

/// What the header shows of a person (see `Actor::standing`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub unread: i64,
    pub is_partner: bool,
    /// Designated approver anywhere, or vendor operator (who decides every request).
    pub approves: bool,
}

/// Proof that `actor` may manage the contacts of `account`.
#[derive(Clone, Debug)]
pub struct AccountAdmin {
    actor: Actor,
    account: AccountId,
    /// The API token the actor acts through, if any: its changes are audited under it.
    token: Option<i64>,
}

impl AccountAdmin {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The API token this proof came from (`token_grant`), if any.
    pub fn token(&self) -> Option<i64> {
        self.token
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

/// Proof that an API call carries a live token of an account (SPEC F25). The token acts
/// with its maker's authority, checked afresh on every call by the same rule as a
/// signed-in administrator's (`Actor::manage`): a maker who no longer administers the
/// account leaves a token that opens nothing. Only a write-scoped token gives a proof to
/// change anything with (`writer`).
#[derive(Clone, Debug)]
pub struct TokenGrant {
    admin: AccountAdmin,
    scope: TokenScope,
    name: String,
}

impl TokenGrant {
    /// The proof for reading the account.
    pub fn reader(&self) -> &AccountAdmin {
        &self.admin
    }

    /// The proof for changing the account; a read-only token is refused.
    pub fn writer(&self) -> Result<&AccountAdmin> {
        match self.scope {
            TokenScope::Write => Ok(&self.admin),
            TokenScope::Read => Err(AppError::Forbidden(format!(
                "The API token \"{}\" may only read; changes need a token with write access.",
                self.name
            ))),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Calls one token may make per minute.
pub const TOKEN_CALLS_PER_MINUTE: i64 = 600;

/// Calls a token may make a minute: `ROSTER_API_CALLS_PER_MINUTE`, else
/// [`TOKEN_CALLS_PER_MINUTE`] (the API fuzz in `scripts/api-check` raises it).
pub fn calls_per_minute() -> i64 {
    static LIMIT: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("ROSTER_API_CALLS_PER_MINUTE")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(TOKEN_CALLS_PER_MINUTE)
    })
}

/// The grant of the token whose secret an API call carries, for `account`; refused
/// (without saying which account a token is for) when the token is unknown, revoked,
/// expired or of another account, when its minute's calls are used up, or when its maker
/// no longer administers the account. Every answered call stamps the token's last use.
pub async fn token_grant(db: &Db, secret: &str, account: AccountId, now: i64) -> Result<TokenGrant> {
    let unknown = || AppError::Unauthenticated("The API token is not valid: it is unknown, revoked or expired.".into());
    #[derive(sqlx::FromRow)]
    struct Stored {
        id: i64,
        account_id: i64,
        name: String,
        scope: String,
        created_by: i64,
        expires_at: i64,
        revoked_at: Option<i64>,
    }
    let found: Option<Stored> = db
        .fetch_optional(&sql!(
            "SELECT id, account_id, name, scope, created_by, expires_at, revoked_at FROM api_tokens WHERE secret_hash = $1",
            super::token::hash(secret)
        ))
        .await?;
    let Some(Stored { id, account_id: token_account, name, scope, created_by: maker, expires_at, revoked_at }) = found
    else {
        return Err(unknown());
    };
    if revoked_at.is_some() || expires_at <= now {
        return Err(unknown());
    }
    if token_account != account.0 {
        return Err(AppError::Forbidden(NO_ACCESS.into()));
    }
    // One statement counts the call and stamps it, so parallel calls cannot all slip
    // under the limit.
    let minute = now - now.rem_euclid(60);
    let calls: i64 = db
        .scalar(&sql!(
            "UPDATE api_tokens SET last_used_at = $1, \
             window_calls = CASE WHEN window_start = $2 THEN window_calls + 1 ELSE 1 END, window_start = $2 \
             WHERE id = $3 RETURNING window_calls",
            now,
            minute,
            id
        ))
        .await?;
    let limit = calls_per_minute();
    if calls > limit {
        return Err(AppError::TooMany(format!(
            "The API token \"{name}\" made more than {limit} calls this minute. Wait a moment and try again."
        )));
    }
    let actor: Actor = db
        .fetch_optional(&sql!(
            "SELECT id AS person_id, display_name AS name, email, is_operator FROM people WHERE id = $1",
            maker
        ))
        .await?
        .ok_or_else(unknown)?;
    let admin = actor.manage(db, account).await.map_err(|_| {
        AppError::Forbidden(format!(
            "The API token \"{name}\" was made by someone who no longer administers this account; make a new one."
        ))
    })?;
    let scope = TokenScope::from_key(&scope).ok_or(AppError::Internal)?;
    Ok(TokenGrant { admin: AccountAdmin { token: Some(id), ..admin }, scope, name })
}

/// The grant of a token whose secret a call carries that names no account (SCIM, SPEC
/// F26): the token's own account, with every check of `token_grant`.
pub async fn token_grant_by_secret(db: &Db, secret: &str, now: i64) -> Result<TokenGrant> {
    let account: Option<(i64,)> = db
        .fetch_optional(&sql!("SELECT account_id FROM api_tokens WHERE secret_hash = $1", super::token::hash(secret)))
        .await?;
    match account {
        Some((account,)) => token_grant(db, secret, AccountId(account), now).await,
        None => Err(AppError::Unauthenticated("The API token is not valid: it is unknown, revoked or expired.".into())),
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

/// Proof that `actor` decides access requests (SPEC F22): a designated approver of some
/// deployment of their partner, or a vendor operator. Their Approvals inbox lists what
/// they may decide.
#[derive(Clone, Debug)]
pub struct Approver {
    actor: Actor,
}

impl Approver {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// Proof that `actor` may decide the access request `request` (SPEC F23): an approver of
/// its deployment (designated for it or for every deployment of its partner), or a
/// vendor operator. `access_requests::decide` checks it once more in the write itself,
/// so that an approver revoked in between decides nothing.
#[derive(Clone, Debug)]
pub struct RequestDecider {
    actor: Actor,
    request: i64,
}

impl RequestDecider {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn request(&self) -> i64 {
        self.request
    }
}

/// Proof that `actor` may copy (mirror) support access from `source` to `targets`, all
/// deployments `partner` supports (SPEC F24): a vendor operator, or an approver of every
/// one of them.
#[derive(Clone, Debug)]
pub struct AccessCopier {
    actor: Actor,
    partner: i64,
    source: (AccountId, String, String),
    targets: Vec<(AccountId, String, String)>,
}

impl AccessCopier {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn partner(&self) -> i64 {
        self.partner
    }

    /// The source deployment: (account, name, Org ID).
    pub fn source(&self) -> &(AccountId, String, String) {
        &self.source
    }

    /// The target deployments, in the order named: (account, name, Org ID).
    pub fn targets(&self) -> &[(AccountId, String, String)] {
        &self.targets
    }

    /// The copier acting on a target's partner memberships as its administrator would:
    /// removals run the F11 cascade, audited under their name (and open cases go to
    /// them only if they are a member there). Only for this proof's targets.
    pub(super) fn acting_admin(&self, account: AccountId) -> Option<AccountAdmin> {
        self.targets.iter().any(|t| t.0 == account).then(|| AccountAdmin {
            actor: self.actor.clone(),
            account,
            token: None,
        })
    }
}

/// The refusal for someone who does not decide access requests.
pub const NOT_AN_APPROVER: &str = "You do not approve access requests for this deployment.";

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
        super::memo::once("actor", || async {
            if !super::memo::renders_page() {
                return super::auth::signed_in(db).await?.ok_or(AppError::SignInRequired);
            }
            // Every page's header asks next for the person's standing and the accounts
            // they may see: read with them.
            let session = super::auth::session().await?;
            let read = |person, started_ms| Actor::read_for_page(db, person, started_ms);
            let (actor, standing, seen) =
                super::auth::signed_in_reading(&session, read).await?.ok_or(AppError::SignInRequired)?;
            super::memo::remember(standing_key(actor.person_id), standing);
            if let Some(seen) = seen {
                super::accounts::remember_seen(actor.person_id, seen);
            }
            Ok(actor)
        })
        .await
    }

    /// The person `person` with what a page needs of them, if the session that started at
    /// `started_ms` still counts for them (`auth::LIVE`).
    pub async fn read_for_page(db: &Db, person: i64, started_ms: i64) -> Result<Option<PagePerson>> {
        let mask = super::roles::Catalogue::load(db).await?.admin_mask();
        let sql = super::accounts::seen_with_person_sql(&format!("{PAGE_PERSON_COLUMNS}, {STANDING_COLUMNS}"));
        let rows: Vec<PageRow> = db.fetch_all(&sql!(sql, person, started_ms, mask)).await?;
        let Some(first) = rows.first() else {
            // A vendor operator, someone with no account to see, or nobody.
            let columns = format!("{ACTOR_COLUMNS}, {STANDING_COLUMNS}");
            let live = super::auth::LIVE;
            let row: Option<ActorRow> = db
                .fetch_optional(&sql!(format!("SELECT {columns} FROM people p WHERE {live}"), person, started_ms))
                .await?;
            return Ok(row.map(|r| {
                let standing = r.standing.of(&r.actor);
                let seen = (!r.actor.is_operator).then(Vec::new);
                (r.actor, standing, seen)
            }));
        };
        let actor = Actor {
            person_id: first.person_id,
            name: first.person_name.clone(),
            email: first.email.clone(),
            is_operator: first.is_operator,
        };
        let standing = first.standing.of(&actor);
        Ok(Some((actor, standing, Some(rows.into_iter().map(|r| r.seen).collect()))))
    }

    /// The signed-in person of a plain axum request.
    pub async fn from_session(db: &Db, session: &tower_sessions::Session) -> Result<Actor> {
        super::auth::signed_in_with(db, session).await?.ok_or(AppError::SignInRequired)
    }

    /// A registered person by email, acting outside a request (seeding, tests, tools).
    pub async fn by_email(db: &Db, email: &str) -> Result<Actor> {
        db.fetch_optional::<Actor>(&sql!(
            format!("SELECT {ACTOR_COLUMNS} FROM people p WHERE p.email_key = $1"),
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

    /// What every page's header shows of this person besides their accounts: their
    /// unread notifications, whether they belong to a partner and whether they decide
    /// access requests. It gates nothing: what they may do is decided by `partner_member`
    /// and `approver`. A page has read it with the person already (`current`); the
    /// header's own call reads it in one statement.
    pub async fn standing(&self, db: &Db) -> Result<Standing> {
        super::memo::once(standing_key(self.person_id), || async {
            let row: Option<StandingRow> = db
                .fetch_optional(&sql!(
                    format!("SELECT {STANDING_COLUMNS} FROM people p WHERE p.id = $1"),
                    self.person_id
                ))
                .await?;
            Ok(row.unwrap_or_default().of(self))
        })
        .await
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

    /// This person, if they decide access requests anywhere (SPEC F22); else the refusal.
    pub async fn approver(self, db: &Db) -> Result<Approver> {
        if self.is_operator {
            return Ok(Approver { actor: self });
        }
        let found: Option<(i64,)> =
            db.fetch_optional(&sql!("SELECT id FROM approvers WHERE person_id = $1 LIMIT 1", self.person_id)).await?;
        match found {
            Some(_) => Ok(Approver { actor: self }),
            None => Err(AppError::Forbidden(NO_ACCESS.into())),
        }
    }

    /// Checks that this person may decide the access request `request`. A request they
    /// may not decide is refused; whether it exists is not said.
    pub async fn decider_of(self, db: &Db, request: i64) -> Result<RequestDecider> {
        let may: Option<(i64,)> = db
            .fetch_optional(&sql!(
                format!(
                    "SELECT r.id FROM access_requests r WHERE r.id = $1 AND ($2 OR {})",
                    approves_request("$3", "r")
                ),
                request,
                self.is_operator,
                self.person_id
            ))
            .await?;
        match may {
            Some(_) => Ok(RequestDecider { actor: self, request }),
            None => Err(AppError::Forbidden(NOT_AN_APPROVER.into())),
        }
    }

    /// Checks that this person may copy support access from the deployment `source` to
    /// `targets` (Org IDs as typed: one per line, or separated by commas or spaces) of
    /// `partner` (a vendor operator names it; a partner's person copies within their
    /// own). Org IDs the partner does not support are named, each; so are deployments
    /// the person does not approve for.
    pub async fn copier(self, db: &Db, partner: Option<i64>, source: &str, targets: &str) -> Result<AccessCopier> {
        let (partner, partner_name) = if self.is_operator {
            let id = partner.ok_or_else(|| AppError::invalid("Choose the partner whose access to copy."))?;
            let name: Option<(String,)> = db
                .fetch_optional(&sql!("SELECT name FROM organisations WHERE id = $1 AND kind = 'partner'", id))
                .await?;
            (id, name.ok_or_else(|| AppError::not_found("There is no such partner."))?.0)
        } else {
            let member = self.clone().partner_member(db).await?;
            (member.partner(), member.partner_name().to_string())
        };
        let source = source.trim();
        if source.is_empty() {
            return Err(AppError::invalid("Name the deployment to copy from by its Org ID."));
        }
        let targets = crate::model::org_ids(targets);
        if targets.is_empty() {
            return Err(AppError::invalid("Name at least one deployment to copy to by its Org ID."));
        }
        if targets.len() > crate::model::MAX_REQUESTED {
            return Err(AppError::invalid(format!(
                "Copy to at most {} deployments at once.",
                crate::model::MAX_REQUESTED
            )));
        }
        let mut problems = Vec::new();
        let mut found = Vec::new();
        for org_id in std::iter::once(source.to_string()).chain(targets.iter().cloned()) {
            let row: Option<(i64, String, String)> = db
                .fetch_optional(&sql!(
                    "SELECT a.id, a.name, a.org_id FROM partner_deployments pd JOIN accounts a ON a.id = pd.account_id \
                     WHERE pd.partner_id = $1 AND lower(a.org_id) = $2",
                    partner,
                    org_id.to_lowercase()
                ))
                .await?;
            match row {
                Some((id, name, org_id)) => found.push((AccountId(id), name, org_id)),
                None => problems.push(format!("{org_id}: not a deployment {partner_name} supports.")),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::invalid(format!("Nothing was copied. {}", problems.join(" "))));
        }
        let source = found.remove(0);
        if found.iter().any(|t| t.0 == source.0) {
            return Err(AppError::invalid(format!("{}: a deployment cannot be copied onto itself.", source.2)));
        }
        if !self.is_operator {
            let mut refused = Vec::new();
            for (account, _, org_id) in std::iter::once(&source).chain(found.iter()) {
                let approves: Option<(i64,)> = db
                    .fetch_optional(&sql!(
                        "SELECT id FROM approvers WHERE person_id = $1 AND partner_id = $2 \
                         AND (account_id IS NULL OR account_id = $3) LIMIT 1",
                        self.person_id,
                        partner,
                        *account
                    ))
                    .await?;
                if approves.is_none() {
                    refused.push(org_id.clone());
                }
            }
            if !refused.is_empty() {
                return Err(AppError::Forbidden(format!(
                    "Only an approver of every deployment involved may copy access; you do not approve for {}.",
                    refused.join(", ")
                )));
            }
        }
        Ok(AccessCopier { actor: self, partner, source, targets: found })
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
            return Ok(AccountAdmin { actor: self, account, token: None });
        }
        // A page's header reads the accounts this person may see, with whether they
        // administer each: then that answers without a statement of its own.
        if super::memo::renders_page() && super::accounts::administers(db, &self, account).await? {
            return Ok(AccountAdmin { actor: self, account, token: None });
        }
        // The mask comes from the catalogue: PostgreSQL has no `integer << bigint`, and
        // its SUM of bigints is numeric, which `&` with a bigint does not take.
        let mask = super::roles::Catalogue::load(db).await?.admin_mask();
        let admin: Option<(i64,)> = db
            .fetch_optional(&sql!(
                format!(
                    "SELECT m.id FROM memberships m WHERE m.account_id = $1 AND m.person_id = $2 \
                     AND m.status = 'active' AND (m.role_bits & $3) <> 0 AND {}",
                    gives_access("m")
                ),
                account,
                self.person_id,
                mask
            ))
            .await?;
        match admin {
            Some(_) => Ok(AccountAdmin { actor: self, account, token: None }),
            None => Err(refusal(db, account, self.person_id, NO_ACCESS).await?),
        }
    }

    /// Checks that this person is an active member of the account; anyone else, a
    /// deactivated member included, gets SPEC F12's refusal.
    pub async fn member_of(self, db: &Db, account: AccountId) -> Result<AccountMember> {
        let found: Option<(i64,)> = db
            .fetch_optional(&sql!(
                format!(
                    "SELECT m.id FROM memberships m WHERE m.account_id = $1 AND m.person_id = $2 \
                     AND m.status = 'active' AND {}",
                    gives_access("m")
                ),
                account,
                self.person_id
            ))
            .await?;
        match found {
            Some((membership,)) => Ok(AccountMember { actor: self, account, membership: MembershipId(membership) }),
            None => Err(refusal(db, account, self.person_id, super::cases::NOT_A_MEMBER).await?),
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

/// The SQL condition "the membership `m` (an alias of `memberships`) gives portal
/// access". On a deployment a partner supports, the customer's own end users get none
/// (seed 004): its contacts come from the partner. Their memberships stay as they are and
/// count again once the support ends.
pub(super) fn gives_access(m: &str) -> String {
    format!(
        "(NOT EXISTS (SELECT 1 FROM partner_deployments pd WHERE pd.account_id = {m}.account_id) \
         OR EXISTS (SELECT 1 FROM partner_deployments pd JOIN people pp ON pp.organisation_id = pd.partner_id \
         WHERE pd.account_id = {m}.account_id AND pp.id = {m}.person_id))"
    )
}

/// Why `person` may not act on `account`: `otherwise`, unless they hold an active
/// membership there that a partner's support puts to sleep; then that is said (they know
/// the account, so nothing is given away).
async fn refusal(db: &Db, account: AccountId, person: i64, otherwise: &str) -> Result<AppError> {
    let asleep: Option<(String, String)> = db
        .fetch_optional(&sql!(
            format!(
                "SELECT a.name, o.name FROM memberships m JOIN accounts a ON a.id = m.account_id \
                 JOIN partner_deployments pd ON pd.account_id = m.account_id \
                 JOIN organisations o ON o.id = pd.partner_id \
                 WHERE m.account_id = $1 AND m.person_id = $2 AND m.status = 'active' AND NOT {} \
                 ORDER BY o.name LIMIT 1",
                gives_access("m")
            ),
            account,
            person
        ))
        .await?;
    Ok(AppError::Forbidden(match asleep {
        Some((account, partner)) => supported_elsewhere(&account, &partner),
        None => otherwise.to_string(),
    }))
}

/// What a customer's own member of a deployment a partner supports is told.
pub fn supported_elsewhere(account: &str, partner: &str) -> String {
    format!(
        "{account} is supported by {partner}: while they support it, its contacts come from {partner} \
         and your membership gives no access."
    )
}

/// The SQL condition "`person` (a placeholder) approves the request `request` (a table
/// or alias of `access_requests`)": designated for its deployment, or for every
/// deployment of its partner.
pub(super) fn approves_request(person: &str, request: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM approvers ap WHERE ap.person_id = {person} AND ap.partner_id = {request}.partner_id \
         AND (ap.account_id IS NULL OR ap.account_id = {request}.account_id))"
    )
}
