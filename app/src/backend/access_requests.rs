//! Designated approvers and access requests (SPEC F22–F23). A partner member asks for a
//! support access level on deployments their organisation supports; each deployment is a
//! request of its own, decided once by any approver of it (or a vendor operator). The
//! first decision wins in the database: it is one conditional write, and approving
//! grants the membership in the same transaction.

use super::access::{approves_request, Approver, Operator, PartnerMember, RequestDecider};
use super::audit::{self, Record};
use super::db::{Db, Tx};
use super::mail::templates::{self, RequestMail};
use super::mail::{outbox, EmailAddress};
use super::members::write::{grant_level, lock_account};
use super::{now, site_url};
use crate::error::{AppError, Result};
use crate::model::{
    format_time, org_ids, AccessRequestRow, AccountId, ApproverRow, AuditAction, DecisionView, RequestForm,
    RequestPage, RequestState, MAX_REASON, MAX_REQUESTED, REQUEST_DAYS,
};
use crate::sql;

/// Rows of a page of requests.
const PAGE: i64 = 50;

/// A request as stored, with the names the pages and emails show.
#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    partner_id: i64,
    account: i64,
    customer: String,
    deployment: String,
    org_id: String,
    person_id: i64,
    person: String,
    person_email: String,
    requested_by_id: i64,
    requested_by: String,
    requested_by_email: String,
    level_key: String,
    level: String,
    level_bits: i64,
    reason: String,
    created_at: i64,
    expires_at: i64,
    state: String,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
}

const SELECT: &str = "SELECT r.id, r.partner_id, r.account_id AS account, o.name AS customer, a.name AS deployment, \
     a.org_id, r.person_id, p.display_name AS person, p.email AS person_email, r.requested_by AS requested_by_id, \
     q.display_name AS requested_by, q.email AS requested_by_email, r.support_level AS level_key, l.label AS level, \
     l.role_bits AS level_bits, r.reason, r.created_at, r.expires_at, r.state, r.decided_by_name, r.decided_at \
     FROM access_requests r JOIN accounts a ON a.id = r.account_id JOIN organisations o ON o.id = a.organisation_id \
     JOIN people p ON p.id = r.person_id JOIN people q ON q.id = r.requested_by \
     JOIN support_levels l ON l.key = r.support_level";

impl Stored {
    fn state(&self, at: i64) -> RequestState {
        match self.state.as_str() {
            "approved" => RequestState::Approved,
            "declined" => RequestState::Declined,
            "expired" => RequestState::Expired,
            _ if self.expires_at <= at => RequestState::Expired,
            _ => RequestState::Pending,
        }
    }

    fn row(self, at: i64) -> AccessRequestRow {
        let state = self.state(at);
        AccessRequestRow {
            id: self.id,
            account: self.account,
            customer: self.customer,
            deployment: self.deployment,
            org_id: self.org_id,
            person: self.person,
            person_email: self.person_email,
            requested_by: self.requested_by,
            level: self.level,
            reason: self.reason,
            created_at: self.created_at,
            expires_at: self.expires_at,
            state,
            decided_by: self.decided_by_name,
            decided_at: self.decided_at,
        }
    }

    fn mail(&self) -> RequestMail {
        RequestMail {
            person: self.person.clone(),
            requested_by: self.requested_by.clone(),
            level: self.level.clone(),
            deployment: self.deployment.clone(),
            org_id: self.org_id.clone(),
            reason: self.reason.clone(),
        }
    }

    /// Why this request can no longer be decided, in words; `None` while it can.
    fn closed(&self, at: i64) -> Option<String> {
        let when = |t: Option<i64>| t.and_then(format_time).unwrap_or_default();
        let who = self.decided_by_name.clone().unwrap_or_else(|| "someone".into());
        match self.state(at) {
            RequestState::Pending => None,
            RequestState::Approved => {
                Some(format!("This request was already approved by {who} at {}.", when(self.decided_at)))
            }
            RequestState::Declined => {
                Some(format!("This request was already declined by {who} at {}.", when(self.decided_at)))
            }
            RequestState::Expired => Some(format!(
                "This request expired at {} without a decision. {} can ask again.",
                when(Some(self.expires_at)),
                self.person
            )),
        }
    }
}

/// What the request form offers a partner member.
pub async fn form(db: &Db, member: &PartnerMember) -> Result<RequestForm> {
    Ok(RequestForm { partner: member.partner_name().to_string(), levels: super::partners::levels(db).await? })
}

/// What a partner member asks for: Org IDs as typed or picked, a level's key, a reason,
/// and, when they ask for a colleague, the colleague's email.
pub struct Asked<'a> {
    pub org_ids: &'a str,
    pub level: &'a str,
    pub reason: &'a str,
    pub for_email: Option<&'a str>,
}

/// A deployment a request names, once checked.
struct Named {
    account: i64,
    org_id: String,
}

/// Files an access request for each deployment named (SPEC F23). Every line is checked
/// first, and any problem is named per Org ID with nothing filed. A deployment the
/// requester approves is approved at once; every other one waits, and each of its
/// approvers gets an email. Returns what happened, in words.
pub async fn submit(db: &Db, member: &PartnerMember, asked: &Asked<'_>) -> Result<String> {
    let reason = asked.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("Say why the access is needed: approvers decide on the reason."));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid(format!("The reason is too long: at most {MAX_REASON} characters.")));
    }
    let level: Option<(String, String)> =
        db.fetch_optional(&sql!("SELECT key, label FROM support_levels WHERE key = $1", asked.level.trim())).await?;
    let Some((level, level_label)) = level else {
        return Err(AppError::invalid("Choose a support access level."));
    };
    let me = member.actor();
    let person = match asked.for_email.map(str::trim).filter(|e| !e.is_empty()) {
        None => (me.person_id, me.name.clone()),
        Some(email) => {
            let not_ours =
                || AppError::invalid(format!("{email} is not a registered person of {}.", member.partner_name()));
            let key = EmailAddress::key_of(email);
            let found: Option<(i64, String)> = db
                .fetch_optional(&sql!(
                    "SELECT id, display_name FROM people WHERE email_key = $1 AND organisation_id = $2 \
                     AND registered_at IS NOT NULL",
                    key,
                    member.partner()
                ))
                .await?;
            found.ok_or_else(not_ours)?
        }
    };
    let ids = org_ids(asked.org_ids);
    if ids.is_empty() {
        return Err(AppError::invalid("Name at least one deployment by its Org ID."));
    }
    if ids.len() > MAX_REQUESTED {
        return Err(AppError::invalid(format!("Ask for at most {MAX_REQUESTED} deployments at once.")));
    }
    let mut named = Vec::new();
    let mut problems = Vec::new();
    for org_id in &ids {
        let found: Option<(i64, String, Option<String>, bool)> = db
            .fetch_optional(&sql!(
                "SELECT a.id, a.org_id, m.support_level, \
                 EXISTS (SELECT 1 FROM access_requests r WHERE r.person_id = $1 AND r.account_id = a.id \
                 AND r.state = 'pending' AND r.expires_at > $2) \
                 FROM partner_deployments pd JOIN accounts a ON a.id = pd.account_id \
                 LEFT JOIN memberships m ON m.account_id = a.id AND m.person_id = $1 AND m.status = 'active' \
                 WHERE pd.partner_id = $3 AND lower(a.org_id) = $4",
                person.0,
                now(),
                member.partner(),
                org_id.to_lowercase()
            ))
            .await?;
        match found {
            None => problems.push(format!("{org_id}: not a deployment {} supports.", member.partner_name())),
            Some((_, org_id, Some(held), _)) if held == level => {
                problems.push(format!("{org_id}: {} has {level_label} there already.", person.1))
            }
            Some((_, org_id, _, true)) => {
                problems.push(format!("{org_id}: {} has a request waiting for a decision there already.", person.1))
            }
            Some((account, org_id, _, false)) => named.push(Named { account, org_id }),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid(format!("Nothing was requested. {}", problems.join(" "))));
    }
    // Accounts in id order: two requests naming the same deployments lock them alike.
    named.sort_by_key(|n| n.account);
    let t = now();
    let mut tx = db.begin().await?;
    for n in &named {
        lock_account(&mut tx, AccountId(n.account)).await?;
    }
    let (mut approved, mut waiting, mut notified) = (Vec::new(), Vec::new(), 0usize);
    for n in &named {
        // An expired request is closed as such, so that the person may ask again (the
        // one-pending index allows one undecided request).
        tx.execute(&sql!(
            "UPDATE access_requests SET state = 'expired' WHERE person_id = $1 \
             AND account_id = $2 AND state = 'pending' AND expires_at <= $3",
            person.0,
            n.account,
            t
        ))
        .await?;
        let id: i64 = tx
            .scalar(&sql!(
                "INSERT INTO access_requests (partner_id, account_id, person_id, requested_by, support_level, reason, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                member.partner(),
                n.account,
                person.0,
                me.person_id,
                &level,
                reason,
                t,
                t + REQUEST_DAYS * 86_400
            ))
            .await?;
        let stored = stored_in(&mut tx, id).await?;
        audit::record_as(
            &mut tx,
            Some(me.person_id),
            Some(AccountId(n.account)),
            Record {
                subject: Some(person.0),
                action: AuditAction::AccessRequested,
                before: None,
                after: Some(format!("{level_label}: {reason}")),
            },
        )
        .await?;
        let approves: bool = tx
            .scalar(&sql!(
                format!("SELECT {} FROM access_requests r WHERE r.id = $2", approves_request("$1", "r")),
                me.person_id,
                id
            ))
            .await?;
        if approves {
            decide_within(&mut tx, &stored, me.person_id, &me.name, true).await?;
            approved.push(n.org_id.clone());
        } else {
            notified += notify_approvers(&mut tx, &stored).await?;
            waiting.push(n.org_id.clone());
        }
    }
    tx.commit().await?;
    // Said in Org ID order, whatever order the locks needed.
    approved.sort();
    waiting.sort();
    let mut said = Vec::new();
    if !approved.is_empty() {
        said.push(format!(
            "{} now has {level_label} on {} (you approve requests there).",
            person.1,
            approved.join(", ")
        ));
    }
    if !waiting.is_empty() {
        said.push(match notified {
            0 => format!(
                "Requested {level_label} on {}; nobody approves requests there yet, so it waits for Roster's operators.",
                waiting.join(", ")
            ),
            1 => format!("Requested {level_label} on {}; its approver was emailed.", waiting.join(", ")),
            n => format!("Requested {level_label} on {}; {n} approver emails were sent.", waiting.join(", ")),
        });
    }
    Ok(said.join(" "))
}

async fn stored_in(tx: &mut Tx, id: i64) -> Result<Stored> {
    tx.fetch_optional(&sql!(format!("{SELECT} WHERE r.id = $1"), id)).await?.ok_or(AppError::Internal)
}

/// Emails every approver of the request's deployment. Returns how many.
async fn notify_approvers(tx: &mut Tx, r: &Stored) -> Result<usize> {
    let approvers: Vec<(String, String)> = tx
        .fetch_all(&sql!(
            "SELECT DISTINCT p.email, p.display_name FROM approvers ap JOIN people p ON p.id = ap.person_id \
             WHERE ap.partner_id = $1 AND (ap.account_id IS NULL OR ap.account_id = $2) ORDER BY p.email",
            r.partner_id,
            r.account
        ))
        .await?;
    let link = format!("{}/approvals/{}", site_url(), r.id);
    let mail = r.mail();
    for (email, name) in &approvers {
        outbox::enqueue(tx, &templates::access_request(email, name, &mail, &link)).await?;
    }
    Ok(approvers.len())
}

/// Decides `r` inside `tx`, as the person `by`: the first decision wins (a conditional
/// write); approving grants the level. Audited, and emailed to the person and whoever
/// asked for them.
async fn decide_within(tx: &mut Tx, r: &Stored, by: i64, by_name: &str, approve: bool) -> Result<()> {
    let t = now();
    let state = if approve { "approved" } else { "declined" };
    let decided = tx
        .execute(&sql!(
            "UPDATE access_requests SET state = $1, decided_by = $2, decided_by_name = $3, decided_at = $4 \
             WHERE id = $5 AND state = 'pending' AND expires_at > $4",
            state,
            by,
            by_name,
            t,
            r.id
        ))
        .await?;
    if decided == 0 {
        // Someone decided first (or it expired): say who and when, change nothing.
        let now_stored = stored_in(tx, r.id).await?;
        return Err(AppError::Conflict(
            now_stored.closed(t).unwrap_or_else(|| "This request changed; try again.".into()),
        ));
    }
    let (action, before, after) = if approve {
        let (before, after) =
            grant_level(tx, AccountId(r.account), r.person_id, &r.level_key, r.level_bits, by).await?;
        (AuditAction::AccessApproved, before, format!("{}: {after}", r.level))
    } else {
        (AuditAction::AccessDeclined, None, r.level.clone())
    };
    audit::record_as(
        tx,
        Some(by),
        Some(AccountId(r.account)),
        Record { subject: Some(r.person_id), action, before, after: Some(after) },
    )
    .await?;
    let mail = r.mail();
    outbox::enqueue(tx, &templates::access_decided(&r.person_email, &r.person, &mail, approve, by_name)).await?;
    if r.requested_by_id != r.person_id {
        outbox::enqueue(
            tx,
            &templates::access_decided(&r.requested_by_email, &r.requested_by, &mail, approve, by_name),
        )
        .await?;
    }
    Ok(())
}

/// Decides a request (SPEC F23). The decider's right is checked again in the write's
/// transaction, so that an approver revoked since the page opened decides nothing.
pub async fn decide(db: &Db, decider: &RequestDecider, approve: bool) -> Result<String> {
    let actor = decider.actor();
    let mut tx = db.begin().await?;
    // The first statement writes, so that SQLite takes its write lock at once.
    let still: u64 = tx
        .execute(&sql!(
            format!(
                "UPDATE access_requests SET state = state WHERE id = $1 AND ($2 OR {})",
                approves_request("$3", "access_requests")
            ),
            decider.request(),
            actor.is_operator,
            actor.person_id
        ))
        .await?;
    if still == 0 {
        return Err(AppError::Forbidden(super::access::NOT_AN_APPROVER.into()));
    }
    let r = stored_in(&mut tx, decider.request()).await?;
    if let Some(closed) = r.closed(now()) {
        return Err(AppError::Conflict(closed));
    }
    decide_within(&mut tx, &r, actor.person_id, &actor.name, approve).await?;
    tx.commit().await?;
    Ok(if approve {
        format!("Approved: {} now has {} on {}.", r.person, r.level, r.deployment)
    } else {
        format!("Declined: {} does not get {} on {}.", r.person, r.level, r.deployment)
    })
}

/// The request as its decision page shows it, to its person, whoever asked, its
/// approvers and vendor operators; anyone else is told it is not theirs to see.
pub async fn view(db: &Db, actor: &super::access::Actor, request: i64) -> Result<DecisionView> {
    let found: Option<Stored> = db
        .fetch_optional(&sql!(
            format!(
                "{SELECT} WHERE r.id = $1 AND ($2 OR r.person_id = $3 OR r.requested_by = $3 OR {})",
                approves_request("$3", "r")
            ),
            request,
            actor.is_operator,
            actor.person_id
        ))
        .await?;
    let r = found.ok_or_else(|| AppError::not_found("There is no such access request for you."))?;
    let may_decide: bool = db
        .scalar(&sql!(
            format!("SELECT ($2 OR {}) FROM access_requests r WHERE r.id = $1", approves_request("$3", "r")),
            request,
            actor.is_operator,
            actor.person_id
        ))
        .await?;
    let t = now();
    let refusal = r.closed(t).or_else(|| (!may_decide).then(|| super::access::NOT_AN_APPROVER.to_string()));
    Ok(DecisionView { request: r.row(t), refusal })
}

/// The requests a person asked for or that were asked for them, newest first.
pub async fn mine(db: &Db, member: &PartnerMember, below: Option<i64>) -> Result<RequestPage> {
    let me = member.actor().person_id;
    page(db, "(r.person_id = $1 OR r.requested_by = $1) AND r.id < $2", me, below.unwrap_or(i64::MAX)).await
}

/// The undecided, unexpired requests an approver may decide (SPEC F22's Approvals
/// inbox), newest first; a vendor operator sees every one.
pub async fn inbox(db: &Db, approver: &Approver, below: Option<i64>) -> Result<RequestPage> {
    let actor = approver.actor();
    let filter =
        format!("r.state = 'pending' AND r.expires_at > {} AND {} AND r.id < $2", now(), decidable_by(approver));
    // `now()` is a number this server wrote, not input: safe to put in the text.
    page(db, &filter, actor.person_id, below.unwrap_or(i64::MAX)).await
}

/// How many requests wait for the approver's decision (the header's badge).
pub async fn waiting(db: &Db, approver: &Approver) -> Result<i64> {
    let actor = approver.actor();
    db.scalar(&sql!(
        format!(
            "SELECT COUNT(*) FROM access_requests r WHERE r.state = 'pending' AND r.expires_at > $2 AND {}",
            decidable_by(approver)
        ),
        actor.person_id,
        now()
    ))
    .await
}

/// The SQL condition "the approver (placeholder `$1`) may decide request `r`": any, for a
/// vendor operator. The partner condition lets a walk use the index of pending requests
/// per partner instead of reading decided ones.
fn decidable_by(approver: &Approver) -> String {
    if approver.actor().is_operator {
        "($1 = $1)".to_string()
    } else {
        format!(
            "r.partner_id IN (SELECT partner_id FROM approvers WHERE person_id = $1) AND {}",
            approves_request("$1", "r")
        )
    }
}

async fn page(db: &Db, filter: &str, person: i64, below: i64) -> Result<RequestPage> {
    let mut rows: Vec<Stored> = db
        .fetch_all(&sql!(format!("{SELECT} WHERE {filter} ORDER BY r.id DESC LIMIT {}", PAGE + 1), person, below))
        .await?;
    let next = (rows.len() as i64 > PAGE).then(|| {
        rows.truncate(PAGE as usize);
        rows.last().map(|r| r.id)
    });
    let t = now();
    Ok(RequestPage { rows: rows.into_iter().map(|r| r.row(t)).collect(), next: next.flatten() })
}

/// Marks the requests that waited their 14 days without a decision as expired (the
/// hourly cleanup). Pages show them as expired before this runs already. Returns how many.
pub async fn expire(db: &Db) -> Result<u64> {
    db.execute(&sql!(
        "UPDATE access_requests SET state = 'expired' WHERE state = 'pending' AND expires_at <= $1",
        now()
    ))
    .await
}

/// Every designated approver, by partner and name (the console).
pub async fn approvers(db: &Db, _operator: &Operator) -> Result<Vec<ApproverRow>> {
    #[derive(sqlx::FromRow)]
    struct Listed {
        id: i64,
        partner: i64,
        name: String,
        email: String,
        deployment: Option<String>,
        org_id: Option<String>,
    }
    let rows: Vec<Listed> = db
        .fetch_all(&sql!(
            "SELECT ap.id, ap.partner_id AS partner, p.display_name AS name, p.email, a.name AS deployment, a.org_id \
             FROM approvers ap JOIN people p ON p.id = ap.person_id LEFT JOIN accounts a ON a.id = ap.account_id \
             ORDER BY ap.partner_id, lower(p.display_name), ap.account_id IS NOT NULL, lower(a.name), ap.id"
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ApproverRow {
            id: r.id,
            partner: r.partner,
            name: r.name,
            email: r.email,
            deployment: r.deployment.zip(r.org_id),
        })
        .collect())
}

/// Designates a person of `partner` as an approver (SPEC F22): of the deployment with
/// `org_id`, or of every deployment the partner supports when it is empty. They need
/// not be a contact of any deployment. Returns what was done, in words.
pub async fn grant_approver(db: &Db, operator: &Operator, partner: i64, email: &str, org_id: &str) -> Result<String> {
    let partner_name: String = db
        .fetch_optional::<(String,)>(&sql!(
            "SELECT name FROM organisations WHERE id = $1 AND kind = 'partner'",
            partner
        ))
        .await?
        .map(|(n,)| n)
        .ok_or_else(|| AppError::not_found("There is no such partner."))?;
    let email = email.trim();
    let person: Option<(i64, String)> = db
        .fetch_optional(&sql!(
            "SELECT id, display_name FROM people WHERE email_key = $1 AND organisation_id = $2 AND registered_at IS NOT NULL",
            EmailAddress::key_of(email),
            partner
        ))
        .await?;
    let Some((person, name)) = person else {
        return Err(AppError::invalid(format!("{email} is not a registered person of {partner_name}.")));
    };
    let org_id = org_id.trim();
    let scope: Option<(i64, String)> = if org_id.is_empty() {
        None
    } else {
        let found: Option<(i64, String)> = db
            .fetch_optional(&sql!(
                "SELECT a.id, a.name FROM partner_deployments pd JOIN accounts a ON a.id = pd.account_id \
                 WHERE pd.partner_id = $1 AND lower(a.org_id) = $2",
                partner,
                org_id.to_lowercase()
            ))
            .await?;
        Some(found.ok_or_else(|| AppError::invalid(format!("{org_id}: not a deployment {partner_name} supports.")))?)
    };
    let what = match &scope {
        Some((_, deployment)) => deployment.clone(),
        None => format!("every deployment {partner_name} supports"),
    };
    let mut tx = db.begin().await?;
    let added = tx
        .execute(&sql!(
            "INSERT INTO approvers (partner_id, person_id, account_id, granted_at, granted_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            partner,
            person,
            scope.as_ref().map(|s| s.0),
            now(),
            operator.actor().person_id
        ))
        .await?;
    if added == 0 {
        return Err(AppError::Conflict(format!("{name} approves requests for {what} already.")));
    }
    audit::record_as(
        &mut tx,
        Some(operator.actor().person_id),
        scope.as_ref().map(|s| AccountId(s.0)),
        Record {
            subject: Some(person),
            action: AuditAction::ApproverGranted,
            before: None,
            after: Some(format!("approves for {what}")),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{name} now approves access requests for {what}."))
}

/// Takes an approver's designation away; their decision links stop working with it.
pub async fn revoke_approver(db: &Db, operator: &Operator, approver: i64) -> Result<String> {
    let mut tx = db.begin().await?;
    let found: Option<(i64, Option<i64>)> = tx
        .fetch_optional(&sql!("DELETE FROM approvers WHERE id = $1 RETURNING person_id, account_id", approver))
        .await?;
    let Some((person, account)) = found else {
        return Err(AppError::not_found("That approver was revoked already."));
    };
    let name: String = tx.scalar(&sql!("SELECT display_name FROM people WHERE id = $1", person)).await?;
    let deployment: Option<(String,)> = match account {
        Some(a) => tx.fetch_optional(&sql!("SELECT name FROM accounts WHERE id = $1", a)).await?,
        None => None,
    };
    let deployment = deployment.map(|(d,)| d);
    let what = deployment.unwrap_or_else(|| "every deployment of their partner".into());
    audit::record_as(
        &mut tx,
        Some(operator.actor().person_id),
        account.map(AccountId),
        Record {
            subject: Some(person),
            action: AuditAction::ApproverRevoked,
            before: Some(format!("approved for {what}")),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("{name} no longer approves access requests for {what}."))
}
