//! Who may call what (SPEC F18), over HTTP through the real router, on SQLite and on
//! PostgreSQL: every server function and API route of an account, called by each kind
//! of person, against a table of expectations; and the session rules (a new session at
//! every sign-in, none after sign-out, none a week after sign-in).

use crate::common;

use common::http::{send, sign_in, Reply};
use common::personas::{ADMIN, INACTIVE, MEMBER, NEWCOMER, OPERATOR};
use server::sessions::COOKIE;

use std::net::SocketAddr;

use app::backend::access::{Actor, NO_ACCESS};
use app::backend::{accounts, members, Db};
use app::model::{AccountSummary, MemberQuery, PersonRef, RoleChange};
use app::sql;
use server::seed::{seed, SeedOptions};
use tower_sessions::cookie::time::{Duration as TimeSpan, OffsetDateTime};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

/// The columns of the matrix, in order.
const PERSONAS: [&str; 6] = ["operator", "admin", "other admin", "member", "inactive", "anonymous"];

/// What one persona's call must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Done: 2xx (or a redirect).
    Served,
    /// Let through to the call itself, which refused the arguments with this status
    /// (400 invalid, 404 not in this account, 409 conflict): never 401 or 403.
    Status(u16),
    /// 403, worded as SPEC F18 words it.
    Denied,
    /// 401: nobody is signed in.
    SignIn,
    /// 403, worded as SPEC F12 words it for raising a case where one is not a member.
    NotAMember,
    /// 403: not an approver of the access request's deployment.
    NotAnApprover,
    /// 403, saying that a partner supports the deployment, so the customer's own
    /// membership gives no access (seed 004).
    Asleep,
}

use Expect::{Asleep, Denied, NotAMember, NotAnApprover, Served, SignIn, Status};

/// Managing Northwind Production: its administrators and vendor operators only.
const MANAGE: [Expect; 6] = [Served, Served, Denied, Denied, Denied, SignIn];
/// The same, for a write the allowed personas make with a stale version.
const MANAGE_STALE: [Expect; 6] = [Status(409), Status(409), Denied, Denied, Denied, SignIn];
/// Managing Contoso Health Cloud: its administrator and vendor operators only.
const CONTOSO: [Expect; 6] = [Served, Denied, Served, Denied, Denied, SignIn];
/// Reaching a Northwind member through Contoso: let in, but there is no such member there.
const CONTOSO_MISSING: [Expect; 6] = [Status(404), Denied, Status(404), Denied, Denied, SignIn];

/// Reading Northwind Production's cases: its administrators, vendor operators, and a
/// member on the case; anyone else is told they are not a member (SPEC F12).
const CASES: [Expect; 6] = [Served, Served, NotAMember, Served, NotAMember, SignIn];
/// A Contoso case through Northwind Production: not found by whoever may read there.
const CASE_MISSING: [Expect; 6] = [Status(404), Status(404), NotAMember, Status(404), NotAMember, SignIn];
/// An administrator's case change, let through and refused for its arguments.
const MANAGE_400: [Expect; 6] = [Status(400), Status(400), Denied, Denied, Denied, SignIn];
const MANAGE_404: [Expect; 6] = [Status(404), Status(404), Denied, Denied, Denied, SignIn];

/// A vendor operator's call, let through and refused for its arguments.
const OPERATOR_400: [Expect; 6] = [Status(400), Denied, Denied, Denied, Denied, SignIn];
const OPERATOR_404: [Expect; 6] = [Status(404), Denied, Denied, Denied, Denied, SignIn];

/// Each call as `METHOD path [body]`: GET, or FORM (a form-urlencoded POST) or JSON (a
/// JSON POST) for the server functions. Placeholders, filled in per run: `$ACCOUNT`
/// Northwind Production, `$CONTOSO` Contoso Health Cloud, `$CARLA` the plain member's
/// membership of Northwind Production and `$PERSON` her person id, `$TMP` a throwaway
/// member of Northwind Production of the calling persona's own, `$QUERY` / `$CQUERY`
/// the default Manage Users view of Northwind Production / Contoso Health Cloud.
///
/// Columns: operator, admin (of Northwind Production), other admin (of Contoso Health
/// Cloud only), member (plain, of Northwind Production), inactive (a deactivated
/// Account Administrator of Northwind Production), anonymous. The rows run in order.
const MATRIX: &[(&str, [Expect; 6])] = &[
    // Open to everyone.
    ("FORM /api/me", [Served; 6]),
    ("FORM /api/register name=Eve+Example&email=eve%40example.com&password=short", [Status(400); 6]),
    ("FORM /api/sign_in email=nobody%40example.com", [Status(400); 6]),
    // Any signed-in person; each sees only their own accounts (checked separately).
    ("FORM /api/accounts", [Served, Served, Served, Served, Served, SignIn]),
    // Reading Northwind Production. A page checks access by the accounts its header
    // reads (`accounts::administers`), a server function by its own statement.
    ("GET /accounts/$ACCOUNT/users", MANAGE),
    ("GET /accounts/$ACCOUNT/audit", MANAGE),
    ("GET /accounts/$ACCOUNT/invitations", MANAGE),
    ("GET /accounts/$ACCOUNT/api-tokens", MANAGE),
    ("GET /accounts/$ACCOUNT/import", MANAGE),
    ("FORM /api/account account=$ACCOUNT", MANAGE),
    ("FORM /api/account/head account=$ACCOUNT", MANAGE),
    ("FORM /api/overview account=$ACCOUNT", MANAGE),
    (r#"JSON /api/members {"query":$QUERY}"#, MANAGE),
    (r#"JSON /api/member-list {"query":$QUERY}"#, MANAGE),
    (r#"JSON /api/members/values {"query":$QUERY,"column":"Name","text":"","after":null}"#, MANAGE),
    (r#"JSON /api/members/values {"query":$QUERY,"column":"Email","text":"a","after":null}"#, MANAGE),
    ("FORM /api/people/suggest account=$ACCOUNT&text=nina", MANAGE),
    ("FORM /api/members/details account=$ACCOUNT&membership=$CARLA", MANAGE),
    ("FORM /api/audit account=$ACCOUNT", MANAGE),
    ("FORM /api/audit account=$ACCOUNT&person=$PERSON", MANAGE),
    // CSV import (SPEC F27): the account's imports; import 0 is no import of it.
    ("FORM /api/import/list account=$ACCOUNT", MANAGE),
    ("FORM /api/import/status account=$ACCOUNT&import=0", [Status(404), Status(404), Denied, Denied, Denied, SignIn]),
    (
        "FORM /api/import/rows account=$ACCOUNT&import=0&errors_only=false",
        [Status(404), Status(404), Denied, Denied, Denied, SignIn],
    ),
    ("FORM /api/import/step account=$ACCOUNT&import=0", [Status(404), Status(404), Denied, Denied, Denied, SignIn]),
    ("FORM /api/import/apply account=$ACCOUNT&import=0", [Status(404), Status(404), Denied, Denied, Denied, SignIn]),
    (
        "FORM /api/import/run account=$ACCOUNT&import=0&apply=true",
        [Status(404), Status(404), Denied, Denied, Denied, SignIn],
    ),
    // API tokens (SPEC F25): the account's tokens and the calls made with them; token 0
    // is no token of it; a nameless token is refused for its name.
    ("FORM /api/api-tokens account=$ACCOUNT", MANAGE),
    ("FORM /api/api-tokens/calls account=$ACCOUNT", MANAGE),
    ("FORM /api/api-tokens/revoke account=$ACCOUNT&token=0", MANAGE_404),
    ("FORM /api/api-tokens/new account=$ACCOUNT&name=&scope=Read&days=30", MANAGE_400),
    ("GET /accounts/$ACCOUNT/import/0/report.csv", [Status(404), Status(404), Denied, Denied, Denied, SignIn]),
    ("GET /accounts/$ACCOUNT/users/export.xlsx", MANAGE),
    ("GET /accounts/$ACCOUNT/users/export.csv", MANAGE),
    ("GET /accounts/$ACCOUNT/users/export.csv?q=carla&status=inactive&sort=email", MANAGE),
    // Writing to Northwind Production. The operator adds the newcomer, after which the
    // admin's identical call is a conflict.
    (
        concat!(
            r#"JSON /api/members/add {"account":$ACCOUNT,"person":{"Email":"nina.newcomer@northwind.example"},"#,
            r#""change":{"roles":[],"cloud":null}}"#
        ),
        [Served, Status(409), Denied, Denied, Denied, SignIn],
    ),
    (
        concat!(
            r#"JSON /api/members/update {"account":$ACCOUNT,"membership":$CARLA,"version":-1,"#,
            r#""change":{"roles":["billing_contact"],"cloud":null}}"#
        ),
        MANAGE_STALE,
    ),
    // Already active: a no-op for whoever may do it.
    ("FORM /api/members/active account=$ACCOUNT&membership=$CARLA&active=true", MANAGE),
    // Carla holds no billing role: nothing changes.
    (
        concat!(
            r#"JSON /api/members/bulk {"account":$ACCOUNT,"selection":{"Members":[$CARLA]},"#,
            r#""action":{"RemoveRoles":["billing_contact"]}}"#
        ),
        MANAGE,
    ),
    ("FORM /api/members/active account=$ACCOUNT&membership=$TMP&active=false", MANAGE),
    ("FORM /api/members/remove account=$ACCOUNT&membership=$TMP", MANAGE),
    // Invitations and new contacts of Northwind Production (refused arguments, so
    // that nothing is sent: the matrix is about who gets through).
    ("FORM /api/invitations account=$ACCOUNT", MANAGE),
    (
        r#"JSON /api/invitations/new {"account":$ACCOUNT,"name":"Ned","email":"not-an-email","change":{"roles":[],"cloud":null}}"#,
        [Status(400), Status(400), Denied, Denied, Denied, SignIn],
    ),
    // Carla has registered: nothing to invite her to.
    ("FORM /api/invitations/member account=$ACCOUNT&membership=$CARLA", MANAGE_STALE),
    (
        "FORM /api/invitations/resend account=$ACCOUNT&invitation=0",
        [Status(404), Status(404), Denied, Denied, Denied, SignIn],
    ),
    (
        "FORM /api/invitations/revoke account=$ACCOUNT&invitation=0",
        [Status(404), Status(404), Denied, Denied, Denied, SignIn],
    ),
    (
        concat!(
            r#"JSON /api/contacts/new {"account":$ACCOUNT,"contact":{"first_name":"Ned","last_name":"Nobody","#,
            r#""email":"not-an-email"},"change":{"roles":[],"cloud":null}}"#
        ),
        [Status(400), Status(400), Denied, Denied, Denied, SignIn],
    ),
    // An invitation link is its own credential; a wrong one is simply not found.
    ("FORM /api/invitations/view token=not-a-token", [Status(404); 6]),
    ("FORM /api/invitations/accept token=not-a-token", [Status(404); 6]),
    // So is a registration's link.
    ("FORM /api/registration/view token=not-a-token", [Status(404); 6]),
    ("FORM /api/registration/verify token=not-a-token", [Status(404); 6]),
    ("FORM /api/password/forgot email=not-an-email", [Status(400); 6]),
    ("FORM /api/password/reset token=not-a-token&password=short&confirm=short", [Status(400); 6]),
    // Changing one's own password: whoever is signed in (a short one, so nothing changes).
    (
        "FORM /api/password/change current=x&password=short&confirm=short",
        [Status(400), Status(400), Status(400), Status(400), Status(400), SignIn],
    ),
    // Raising a case: active members of the account only (a too-long title from
    // whoever may, so that nothing is raised).
    (
        "FORM /api/cases/raise account=$ACCOUNT&title=",
        [NotAMember, Status(400), NotAMember, Status(400), NotAMember, SignIn],
    ),
    // Cases of Northwind Production: its administrators and vendor operators read all
    // of them, a member those they are on ($CASE: Carla is its primary contact); a case
    // of another account ($CCASE) is not found through this one. Writes with refused
    // arguments, or changing nothing, so that the matrix stays about who gets through.
    (r#"JSON /api/cases {"query":$CASEQ}"#, CASES),
    (r#"JSON /api/cases/view {"account":$ACCOUNT,"case":$CASE,"at":null}"#, CASES),
    (r#"JSON /api/cases/view {"account":$ACCOUNT,"case":$CCASE,"at":null}"#, CASE_MISSING),
    (
        r#"JSON /api/cases/view {"account":$CONTOSO,"case":$CASE,"at":null}"#,
        [Status(404), NotAMember, Status(404), NotAMember, NotAMember, SignIn],
    ),
    ("FORM /api/cases/follow account=$ACCOUNT&case=$CASE&follow=false", CASES),
    ("FORM /api/cases/follow account=$ACCOUNT&case=$CCASE&follow=true", CASE_MISSING),
    ("FORM /api/cases/status account=$ACCOUNT&case=$CASE&resolved=false", CASES),
    ("FORM /api/cases/status account=$ACCOUNT&case=$CCASE&resolved=true", CASE_MISSING),
    (
        "FORM /api/cases/post account=$ACCOUNT&case=$CASE&body=",
        [Status(400), Status(400), NotAMember, Status(400), NotAMember, SignIn],
    ),
    ("FORM /api/cases/post account=$ACCOUNT&case=$CCASE&body=Hello", CASE_MISSING),
    ("FORM /api/cases/primary account=$ACCOUNT&case=$CASE&email=nobody%40example.com", MANAGE_400),
    ("FORM /api/cases/primary account=$ACCOUNT&case=$CCASE&email=adam.admin%40northwind.example", MANAGE_404),
    ("FORM /api/cases/contact account=$ACCOUNT&case=$CASE&email=nobody%40example.com&add=true", MANAGE_400),
    (
        "FORM /api/cases/contact account=$ACCOUNT&case=$CCASE&email=carla.contact%40northwind.example&add=true",
        MANAGE_404,
    ),
    // Everyone's own notifications and settings.
    ("FORM /api/notifications", [Served, Served, Served, Served, Served, SignIn]),
    ("FORM /api/notifications/read", [Served, Served, Served, Served, Served, SignIn]),
    ("FORM /api/settings", [Served, Served, Served, Served, Served, SignIn]),
    // The outbox and the vendor console: vendor operators only (refused arguments for
    // the writes, so that the operator's call changes nothing).
    ("FORM /api/mail", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/organisations/new name=&kind=customer&domains=x.example", OPERATOR_400),
    ("FORM /api/console/organisations/update organisation=0&name=X&kind=customer&domains=x.example", OPERATOR_404),
    ("FORM /api/console/accounts organisation=0&name=&org_id=X-1&kind=cloud", OPERATOR_400),
    ("FORM /api/console/accounts account=0&name=X&org_id=X-1&kind=cloud", OPERATOR_404),
    ("FORM /api/console/admins account=$ACCOUNT&email=not-an-email&grant=grant", OPERATOR_400),
    // Partners: the console's record of supported deployments is the operators'; "My
    // deployments" is for partner members only (none of these personas is one).
    ("FORM /api/console/partners", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/access/copy/partners", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/partners/support partner=0&org_id=NW-1002", OPERATOR_404),
    ("FORM /api/console/partners/end partner=0&account=$ACCOUNT", OPERATOR_404),
    (
        r#"JSON /api/deployments {"query":{"list":{"search":"","sort":"Customer","dir":"Asc","page_size":25,"cursor":null}}}"#,
        [Denied, Denied, Denied, Denied, Denied, SignIn],
    ),
    // Access requests are asked by partner members (none of these personas is one) and
    // decided by approvers (vendor operators decide any); a request that does not exist
    // is not found by anyone, and nobody decides it.
    ("FORM /api/access-requests/form", [Denied, Denied, Denied, Denied, Denied, SignIn]),
    (
        "FORM /api/access-requests/new org_ids=NW-1003&level=technical&reason=x",
        [Denied, Denied, Denied, Denied, Denied, SignIn],
    ),
    ("FORM /api/access-requests/mine", [Denied, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/approvals", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/approvals/request id=0", [Status(404), Status(404), Status(404), Status(404), Status(404), SignIn]),
    (
        "FORM /api/approvals/decide id=0&decision=approve",
        [NotAnApprover, NotAnApprover, NotAnApprover, NotAnApprover, NotAnApprover, SignIn],
    ),
    (
        "FORM /api/approvals/decide id=0&decision=maybe",
        [Status(400), Status(400), Status(400), Status(400), Status(400), SignIn],
    ),
    // Copying support access: approvers of every deployment involved (none of these
    // personas is a partner's) and vendor operators, who must name the partner.
    (
        "FORM /api/access/copy/preview source=NW-1003&targets=CH-2002",
        [Status(400), Denied, Denied, Denied, Denied, SignIn],
    ),
    ("FORM /api/access/copy source=NW-1003&targets=CH-2002", [Status(400), Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/approvers", [Served, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/approvers/grant partner=0&email=x%40initech.example&org_id=", OPERATOR_404),
    ("FORM /api/console/approvers/revoke approver=0", OPERATOR_404),
    ("FORM /api/invitations account=$CONTOSO", CONTOSO),
    // Managing Contoso Health Cloud: the other admin is an admin there.
    ("FORM /api/account account=$CONTOSO", CONTOSO),
    ("FORM /api/overview account=$CONTOSO", CONTOSO),
    ("FORM /api/import/list account=$CONTOSO", CONTOSO),
    (r#"JSON /api/members {"query":$CQUERY}"#, CONTOSO),
    (r#"JSON /api/members/values {"query":$CQUERY,"column":"Email","text":"","after":null}"#, CONTOSO),
    ("GET /accounts/$CONTOSO/users", CONTOSO),
    ("GET /accounts/$CONTOSO/users/export.csv", CONTOSO),
    // Bulk through Northwind Production over a view of Contoso Health Cloud: refused to all.
    (
        concat!(
            r#"JSON /api/members/bulk {"account":$ACCOUNT,"selection":{"AllMatching":$CQUERY},"#,
            r#""action":{"RemoveRoles":["billing_contact"]}}"#
        ),
        [Denied, Denied, Denied, Denied, Denied, SignIn],
    ),
    // A Northwind member through Contoso Health Cloud: not a member there.
    ("FORM /api/members/details account=$CONTOSO&membership=$CARLA", CONTOSO_MISSING),
    (
        concat!(
            r#"JSON /api/members/update {"account":$CONTOSO,"membership":$CARLA,"version":1,"#,
            r#""change":{"roles":["billing_contact"],"cloud":null}}"#
        ),
        CONTOSO_MISSING,
    ),
    ("FORM /api/members/active account=$CONTOSO&membership=$CARLA&active=false", CONTOSO_MISSING),
    // Bulk answers per member: Carla is refused as not a member (checked below).
    (r#"JSON /api/members/bulk {"account":$CONTOSO,"selection":{"Members":[$CARLA]},"action":"Deactivate"}"#, CONTOSO),
    ("FORM /api/members/remove account=$CONTOSO&membership=$CARLA", CONTOSO_MISSING),
];

/// The partner personas' columns: Paula Partner (a partner member), Alex Approver (approves
/// for every deployment of the partner), Pete Approver (for Globex GovCloud only), Adam
/// Admin (the customer's administrator of Northwind Field Sites, which the partner
/// supports, so his membership there is asleep), Rita Rival (approves for every
/// deployment of another partner), anonymous.
const PARTNER_PERSONAS: [&str; 6] = ["partner", "approver", "one approver", "customer admin", "rival", "anonymous"];

/// Placeholders: `$FIELD` Northwind Field Sites (supported, Paula is a contact, Adam its
/// customer's administrator), `$PROD` Northwind Production (not supported), `$REQ`
/// Paula's waiting request on Globex GovCloud, `$OTHER_REQ` the one Paula asked for a
/// colleague on Globex Records, `$FQUERY` the default Manage Users view of `$FIELD`. The
/// rows run in order: Alex's approval of `$OTHER_REQ` is the one write let through, last
/// of its uses.
const PARTNER_MATRIX: &[(&str, [Expect; 6])] = &[
    ("FORM /api/deployments/one account=$FIELD", [Served, Served, Served, Denied, Status(404), SignIn]),
    ("FORM /api/deployments/one account=$PROD", [Status(404), Status(404), Status(404), Denied, Status(404), SignIn]),
    (
        r#"JSON /api/deployments {"query":{"list":{"search":"","sort":"Customer","dir":"Asc","page_size":25,"cursor":null}}}"#,
        [Served, Served, Served, Denied, Served, SignIn],
    ),
    // The supported deployment itself: the partner's people hold support levels, no
    // administrator role; the customer's administrator is told why he may not.
    ("GET /accounts/$FIELD/users", [Denied, Denied, Denied, Asleep, Denied, SignIn]),
    ("FORM /api/account account=$FIELD", [Denied, Denied, Denied, Asleep, Denied, SignIn]),
    (r#"JSON /api/members {"query":$FQUERY}"#, [Denied, Denied, Denied, Asleep, Denied, SignIn]),
    ("FORM /api/people/suggest account=$FIELD&text=paula", [Denied, Denied, Denied, Asleep, Denied, SignIn]),
    // Raising a case there (an empty title, so that nothing is raised): its contacts only.
    ("FORM /api/cases/raise account=$FIELD&title=", [Status(400), NotAMember, NotAMember, Asleep, NotAMember, SignIn]),
    ("FORM /api/access-requests/form", [Served, Served, Served, Denied, Served, SignIn]),
    ("FORM /api/access-requests/mine", [Served, Served, Served, Denied, Served, SignIn]),
    (
        "FORM /api/access-requests/new org_ids=NW-1001&level=technical&reason=x",
        [Status(400), Status(400), Status(400), Denied, Status(400), SignIn],
    ),
    ("FORM /api/approvals", [Denied, Served, Served, Denied, Served, SignIn]),
    ("FORM /api/approvals/request id=$REQ", [Served, Served, Served, Status(404), Status(404), SignIn]),
    ("FORM /api/approvals/request id=$OTHER_REQ", [Served, Served, Status(404), Status(404), Status(404), SignIn]),
    (
        "FORM /api/approvals/decide id=$OTHER_REQ&decision=maybe",
        [Status(400), Status(400), Status(400), Status(400), Status(400), SignIn],
    ),
    (
        "FORM /api/approvals/decide id=$OTHER_REQ&decision=approve",
        [NotAnApprover, Served, NotAnApprover, NotAnApprover, NotAnApprover, SignIn],
    ),
    (
        "FORM /api/approvals/decide id=$OTHER_REQ&decision=decline",
        [NotAnApprover, Status(409), NotAnApprover, NotAnApprover, NotAnApprover, SignIn],
    ),
    (
        "FORM /api/access/copy/preview source=GX-3001&targets=GX-3002",
        [Status(403), Served, Status(403), Denied, Status(400), SignIn],
    ),
    // Who may copy: a partner's people (each deployment's approvers, checked by the
    // preview); not a customer's administrator.
    ("FORM /api/access/copy/partners", [Served, Served, Served, Denied, Served, SignIn]),
    ("FORM /api/console/approvers", [Denied, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/approvers/revoke approver=0", [Denied, Denied, Denied, Denied, Denied, SignIn]),
    ("FORM /api/console/partners/end partner=0&account=$FIELD", [Denied, Denied, Denied, Denied, Denied, SignIn]),
];

/// A server under test and the ids the calls name.
struct Site {
    addr: SocketAddr,
    account: i64,
    contoso: i64,
    carla: i64,
    carla_person: i64,
    contoso_admin: String,
}

/// Seeds the database, makes the personas what the matrix says they are, and serves the
/// router on a random port.
async fn serve(db: &Db) -> Site {
    let now = app::backend::now();
    seed(db, &SeedOptions { members: 130, seed: 11, now: now - now % 86_400 }).await.expect("seed");
    let all = accounts::list(db, &common::operator(db).await).await.unwrap();
    let id_of = |name: &str| all.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no account {name}")).id;
    let (account, contoso) = (id_of("Northwind Production"), id_of("Contoso Health Cloud"));

    // The plain member holds only the default role; the inactive member is a
    // deactivated Account Administrator, so that the refusal is about the status.
    let (carla, carla_person) = membership_of(db, account, MEMBER).await;
    db.execute(&sql!("UPDATE memberships SET role_bits = 1, additional_roles = 0 WHERE id = $1", carla)).await.unwrap();
    let (ivan, _) = membership_of(db, account, INACTIVE).await;
    let changed = db
        .execute(&sql!(
            "UPDATE memberships SET role_bits = 3, additional_roles = 1 WHERE id = $1 AND status = 'inactive'",
            ivan
        ))
        .await
        .unwrap();
    assert_eq!(changed, 1, "Ivan Inactive is not an inactive member of Northwind Production");

    // The other admin: the first member of Contoso Health Cloud, with the demo password.
    let (contoso_admin, bits, status): (String, i64, String) = db
        .fetch_optional(&sql!(
            "SELECT p.email, m.role_bits, m.status FROM memberships m JOIN people p ON p.id = m.person_id \
             WHERE m.account_id = $1 ORDER BY m.id LIMIT 1",
            contoso
        ))
        .await
        .unwrap()
        .expect("Contoso Health Cloud has members");
    assert!(bits & 2 != 0 && status == "active", "{contoso_admin} does not administer Contoso Health Cloud");
    db.execute(&sql!(
        "UPDATE people SET password_hash = (SELECT password_hash FROM people WHERE email_key = $1), \
         registered_at = COALESCE(registered_at, $2) WHERE email_key = $3",
        ADMIN,
        now,
        contoso_admin.to_lowercase()
    ))
    .await
    .unwrap();

    let addr = common::serve_router(db, server::security::Site::default()).await;
    Site { addr, account, contoso, carla, carla_person, contoso_admin }
}

/// (membership id, person id) of a person in an account.
async fn membership_of(db: &Db, account: i64, email: &str) -> (i64, i64) {
    db.fetch_optional(&sql!(
        "SELECT m.id, m.person_id FROM memberships m JOIN people p ON p.id = m.person_id \
         WHERE m.account_id = $1 AND p.email_key = $2",
        account,
        email
    ))
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("{email} is not a member of account {account}"))
}

/// Whether a reply is what `expect` says; otherwise why not.
fn check(expect: Expect, reply: &Reply) -> Result<(), String> {
    let fine = match expect {
        Served => (200..400).contains(&reply.status),
        Status(code) => reply.status == code,
        Denied => reply.status == 403 && reply.text().contains(NO_ACCESS),
        SignIn => reply.status == 401,
        NotAMember => reply.status == 403 && reply.text().contains(app::backend::cases::NOT_A_MEMBER),
        NotAnApprover => reply.status == 403 && reply.text().contains(app::backend::access::NOT_AN_APPROVER),
        Asleep => {
            reply.status == 403
                && reply
                    .text()
                    .contains(&app::backend::access::supported_elsewhere("Northwind Field Sites", "Initech Partners"))
        }
    };
    if fine {
        return Ok(());
    }
    let mut body = reply.text();
    if body.len() > 160 {
        let mut cut = 160;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push('…');
    }
    Err(format!("expected {expect:?}, got {} {body}", reply.status))
}

/// Whether a membership is still there.
async fn exists(db: &Db, membership: i64) -> bool {
    db.scalar::<i64>(&sql!("SELECT COUNT(*) FROM memberships WHERE id = $1", membership)).await.unwrap() == 1
}

/// The id of the session behind `cookie` (`name=id`).
/// Sessions signed in a few seconds ago, so that a change made now comes after them: the
/// administrator's here and elsewhere, and the operator's.
struct Sessions {
    here: String,
    elsewhere: String,
    someone_else: String,
}

async fn three_sessions(db: &Db, addr: SocketAddr) -> Sessions {
    let store = server::sessions::Store::for_db(db).await.unwrap();
    let sessions = Sessions {
        here: sign_in(addr, ADMIN, None).await,
        elsewhere: sign_in(addr, ADMIN, None).await,
        someone_else: sign_in(addr, OPERATOR, None).await,
    };
    for cookie in [&sessions.here, &sessions.elsewhere, &sessions.someone_else] {
        backdate(&store, cookie, 5).await;
    }
    sessions
}

/// The status of a call only a signed-in session gets through (the account's overview).
async fn status_with(addr: SocketAddr, account: i64, cookie: String) -> u16 {
    send(addr, &format!("FORM /api/overview account={account}"), Some(&cookie)).await.status
}

fn session_id(cookie: &str) -> Id {
    cookie.split_once('=').unwrap().1.parse().expect("a session id")
}

/// The stored record of the session behind `cookie`.
async fn stored(store: &server::sessions::Store, cookie: &str) -> Record {
    store.load(&session_id(cookie)).await.unwrap().expect("the session is stored")
}

/// Sets the time `field` of the session's sign-in (`signed_in_at`, `renewed_at`) to
/// `seconds_ago` before now.
fn set_time(record: &mut Record, field: &str, seconds_ago: i64) {
    set_field(record, field, app::backend::now() - seconds_ago);
}

/// Overwrites `field` of the session's sign-in with `value`.
fn set_field(record: &mut Record, field: &str, value: i64) {
    let signed_in = record
        .data
        .values_mut()
        .find(|v| v.get(field).is_some())
        .unwrap_or_else(|| panic!("the session records {field}"));
    signed_in[field] = serde_json::json!(value);
}

/// Overwrites when the session behind `cookie` was signed in, as if it were `age` seconds ago.
async fn backdate(store: &server::sessions::Store, cookie: &str, age: i64) {
    let mut record = stored(store, cookie).await;
    set_time(&mut record, "signed_in_at", age);
    set_field(&mut record, "started_ms", app::backend::now_ms() - age * 1_000);
    store.save(&record).await.unwrap();
}

/// Makes the session behind `cookie` look last renewed `renewed_ago` seconds ago and due
/// to expire in `expires_in` seconds.
async fn age(store: &server::sessions::Store, cookie: &str, renewed_ago: i64, expires_in: i64) {
    let mut record = stored(store, cookie).await;
    set_time(&mut record, "renewed_at", renewed_ago);
    record.expiry_date = OffsetDateTime::now_utc() + TimeSpan::seconds(expires_in);
    store.save(&record).await.unwrap();
}

/// Seconds until the session behind `cookie` expires in the store.
async fn stored_life(store: &server::sessions::Store, cookie: &str) -> i64 {
    (stored(store, cookie).await.expiry_date - OffsetDateTime::now_utc()).whole_seconds()
}

backend_tests! {
    async fn a_session_in_use_is_renewed_and_one_signed_out_stays_gone(db) {
        let site = serve(&db).await;
        let addr = site.addr;
        let store = server::sessions::Store::for_db(&db).await.unwrap();
        let overview = format!("FORM /api/overview account={}", site.account);
        let idle = server::sessions::IDLE_EXPIRY_HOURS * 3600;
        let cookie = sign_in(addr, ADMIN, None).await;
        assert!(stored_life(&store, &cookie).await > idle - 60);

        // Renewed a few minutes ago: a request writes nothing, so the session keeps the
        // expiry it has.
        age(&store, &cookie, 300, 3600).await;
        let reply = send(addr, &overview, Some(&cookie)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.session_cookie(), None);
        assert!(stored_life(&store, &cookie).await <= 3600);

        // Last renewed a quarter of an hour ago: the request renews it, in the store and in
        // the browser's cookie, for the whole idle expiry again.
        age(&store, &cookie, app::backend::auth::RENEW_AFTER_SECS, 3600).await;
        let reply = send(addr, &overview, Some(&cookie)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.session_cookie().as_deref(), Some(cookie.as_str()), "the same session, renewed");
        let set = reply.header("set-cookie").unwrap_or_default().to_string();
        assert!(set.contains(&format!("Max-Age={idle}")), "{set}");
        assert!(stored_life(&store, &cookie).await > idle - 60);

        // Saving a session that was signed out meanwhile (a request of it still in flight
        // renewing it) does not bring it back.
        let id = session_id(&cookie);
        let record = stored(&store, &cookie).await;
        let reply = send(addr, "FORM /api/sign_out", Some(&cookie)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        store.save(&record).await.unwrap();
        assert!(store.load(&id).await.unwrap().is_none(), "the signed-out session is back");
        assert_eq!(send(addr, &overview, Some(&cookie)).await.status, 401);
    }

    async fn partner_calls_are_refused_to_whoever_may_not_make_them(db) {
        let site = serve(&db).await;
        let emails = [Some(common::personas::PARTNER), Some(common::personas::APPROVER), Some(common::personas::GOVCLOUD_APPROVER), Some(ADMIN), Some(common::personas::RIVAL), None];
        let mut cookies = Vec::new();
        for email in emails {
            cookies.push(match email {
                Some(e) => Some(sign_in(site.addr, e, None).await),
                None => None,
            });
        }
        let request_on = |org_id: &'static str| {
            let db = db.clone();
            async move {
                db.scalar::<i64>(&sql!(
                    "SELECT r.id FROM access_requests r JOIN accounts a ON a.id = r.account_id \
                     WHERE a.org_id = $1 AND r.state = 'pending' ORDER BY r.id LIMIT 1",
                    org_id
                ))
                .await
                .unwrap()
            }
        };
        let field = common::account_named(&db, "Northwind Field Sites").await;
        let vars = [
            ("$FIELD", field.to_string()),
            ("$FQUERY", serde_json::to_string(&MemberQuery::new(field)).unwrap()),
            ("$PROD", site.account.to_string()),
            ("$OTHER_REQ", request_on("GX-3002").await.to_string()),
            ("$REQ", request_on("GX-3001").await.to_string()),
        ];
        let mut mismatches = Vec::new();
        for (call, expects) in PARTNER_MATRIX {
            let mut filled = call.to_string();
            for (name, value) in &vars {
                filled = filled.replace(name, value);
            }
            for (p, persona) in PARTNER_PERSONAS.iter().enumerate() {
                let reply = send(site.addr, &filled, cookies[p].as_deref()).await;
                if let Err(why) = check(expects[p], &reply) {
                    mismatches.push(format!("{persona:<12} {filled}: {why}"));
                }
            }
        }
        assert!(mismatches.is_empty(), "{} calls answered otherwise than expected:\n{}", mismatches.len(), mismatches.join("\n"));
        // Only Alex's approval was let through, once.
        let decided: Vec<(String, Option<String>)> = db
            .fetch_all(&sql!("SELECT state, decided_by_name FROM access_requests WHERE id = $1", vars[3].1.parse::<i64>().unwrap()))
            .await
            .unwrap();
        assert_eq!(decided, vec![("approved".to_string(), Some("Alex Approver".to_string()))]);
    }

    async fn every_call_is_refused_to_whoever_may_not_make_it(db) {
        let site = serve(&db).await;
        let other = Some(site.contoso_admin.as_str());
        let emails = [Some(OPERATOR), Some(ADMIN), other, Some(MEMBER), Some(INACTIVE), None];
        let mut cookies = Vec::new();
        for email in emails {
            cookies.push(match email {
                Some(e) => Some(sign_in(site.addr, e, None).await),
                None => None,
            });
        }

        // A throwaway member of Northwind Production for each persona to deactivate and
        // remove: registered people of Globex GovCloud, added by the admin.
        let globex: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT p.email FROM memberships m JOIN people p ON p.id = m.person_id JOIN accounts a \
                 ON a.id = m.account_id WHERE a.name = 'Globex GovCloud' AND p.registered_at IS NOT NULL \
                 ORDER BY m.id LIMIT 6"
            ))
            .await
            .unwrap();
        assert_eq!(globex.len(), 6);
        let admin = Actor::by_email(&db, ADMIN).await.unwrap().manage(&db, app::model::AccountId(site.account)).await.unwrap();
        let mut tmp = Vec::new();
        for (email,) in &globex {
            let person = PersonRef::Email(email.clone());
            tmp.push(members::write::add(&db, &admin, &person, &RoleChange::default()).await.unwrap());
        }

        let query = |account| serde_json::to_string(&MemberQuery::new(account)).unwrap();
        // A case Carla raised on Northwind Production, and one of Contoso Health Cloud.
        let carla = Actor::by_email(&db, MEMBER).await.unwrap().member_of(&db, app::model::AccountId(site.account)).await.unwrap();
        let (case, _) = app::backend::cases::raise(&db, &carla, "Matrix case", "").await.unwrap();
        let ccase: i64 = db.scalar(&sql!("SELECT MIN(id) FROM cases WHERE account_id = $1", site.contoso)).await.unwrap();
        let vars = [
            ("$ACCOUNT", site.account.to_string()),
            ("$CONTOSO", site.contoso.to_string()),
            ("$CARLA", site.carla.to_string()),
            ("$PERSON", site.carla_person.to_string()),
            ("$QUERY", query(site.account)),
            ("$CQUERY", query(site.contoso)),
            ("$CASEQ", serde_json::to_string(&app::model::CaseQuery::new(site.account)).unwrap()),
            ("$CCASE", ccase.to_string()),
            ("$CASE", case.to_string()),
        ];
        let mut mismatches = Vec::new();
        let mut table = String::new();
        for (call, expects) in MATRIX {
            let mut row = Vec::new();
            for (p, persona) in PERSONAS.iter().enumerate() {
                let mut filled = call.replace("$TMP", &tmp[p].to_string());
                for (name, value) in &vars {
                    filled = filled.replace(name, value);
                }
                let reply = send(site.addr, &filled, cookies[p].as_deref()).await;
                row.push(reply.status.to_string());
                if let Err(why) = check(expects[p], &reply) {
                    mismatches.push(format!("{persona:<11} {filled}: {why}"));
                }
            }
            table.push_str(&format!("{:<20} {call}\n", row.join(" ")));
        }
        eprintln!("statuses per persona ({}):\n{table}", PERSONAS.join(", "));

        // The writes that were refused left no trace.
        for (p, persona) in PERSONAS.iter().enumerate() {
            let allowed = p < 2;
            if exists(&db, tmp[p]).await == allowed {
                let now = if allowed { "still there" } else { "gone" };
                mismatches.push(format!("{persona:<11} the throwaway member {} is {now}", tmp[p]));
            }
        }
        let carla: Option<(String, i64)> = db
            .fetch_optional(&sql!("SELECT status, role_bits FROM memberships WHERE id = $1", site.carla))
            .await
            .unwrap();
        if carla != Some(("active".into(), 1)) {
            mismatches.push(format!("Carla's membership of Northwind Production is now {carla:?}"));
        }
        let adders: Vec<(String,)> = db
            .fetch_all(&sql!(
                "SELECT a.email_key FROM memberships m JOIN people p ON p.id = m.person_id \
                 JOIN people a ON a.id = m.added_by WHERE m.account_id = $1 AND p.email_key = $2",
                site.account,
                NEWCOMER
            ))
            .await
            .unwrap();
        if adders != [(OPERATOR.to_string(),)] {
            mismatches.push(format!("the newcomer was added by {adders:?}, not just by the operator"));
        }

        // Everyone signed in lists their own accounts only: the operator all of them, the
        // others those they are an active member of, but for a deployment a partner
        // supports (Adam's Northwind Field Sites), where only the partner's people are.
        let everything: Vec<String> = accounts::list(&db, &common::operator(&db).await).await.unwrap().into_iter().map(|a| a.name).collect();
        for (p, email) in emails.iter().enumerate() {
            let (Some(email), Some(cookie)) = (email, &cookies[p]) else { continue };
            let reply = send(site.addr, "FORM /api/accounts", Some(cookie)).await;
            let listed: Vec<AccountSummary> = serde_json::from_slice::<app::model::AccountPage>(&reply.body)
                .map(|page| page.accounts)
                .unwrap_or_default();
            let mut got: Vec<String> = listed.into_iter().map(|a| a.name).collect();
            got.sort();
            let mut want: Vec<String> = if p == 0 {
                everything.clone()
            } else {
                db.fetch_all::<(String,)>(&sql!(
                    "SELECT a.name FROM accounts a JOIN memberships m ON m.account_id = a.id \
                     JOIN people p ON p.id = m.person_id WHERE p.email_key = $1 AND m.status = 'active' \
                     AND NOT EXISTS (SELECT 1 FROM partner_deployments d WHERE d.account_id = a.id \
                     AND d.partner_id <> p.organisation_id)",
                    email.to_lowercase()
                ))
                .await
                .unwrap()
                .into_iter()
                .map(|(n,)| n)
                .collect()
            };
            want.sort();
            let has = |name: &str| got.iter().any(|n| n == name);
            let sound = match PERSONAS[p] {
                "operator" => got.len() == everything.len(),
                "admin" => has("Northwind Production") && !has("Northwind Field Sites"),
                "member" => has("Northwind Production"),
                "other admin" => has("Contoso Health Cloud") && !has("Northwind Production"),
                _ => !has("Northwind Production"),
            };
            if got != want || !sound {
                mismatches.push(format!("{:<11} /api/accounts lists {got:?}, expected {want:?}", PERSONAS[p]));
            }
        }

        // Each cookie is the persona it claims to be.
        for (p, email) in emails.iter().enumerate() {
            let reply = send(site.addr, "FORM /api/me", cookies[p].as_deref()).await;
            let me: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
            let got = me.get("email").and_then(|e| e.as_str()).map(str::to_lowercase);
            if got.as_deref() != email.map(|e| e.to_lowercase()).as_deref() {
                mismatches.push(format!("{:<11} /api/me says {me}", PERSONAS[p]));
            }
        }

        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }

    async fn changing_the_password_takes_the_current_one_and_ends_the_other_sessions(db) {
        let site = serve(&db).await;
        let addr = site.addr;
        let status = |cookie: String| status_with(addr, site.account, cookie);
        let Sessions { here, elsewhere, someone_else } = three_sessions(&db, addr).await;
        let password_hash = sql!("SELECT password_hash FROM people WHERE email_key = $1", ADMIN);
        let before: String = db.scalar(&password_hash).await.unwrap();
        let change = |current: &str, new: &str, again: &str| {
            format!("FORM /api/password/change current={current}&password={new}&confirm={again}")
        };
        let demo = server::seed::DEMO_PASSWORD;

        // Refused, changing nothing: a wrong current password, two new ones that differ,
        // the current one again, a short one.
        for (call, says) in [
            (change("not-my-password", "a+brand+new+password", "a+brand+new+password"), "Your current password is not right."),
            (change(demo, "a+brand+new+password", "a+brand+new+passwort"), "The two new passwords are not the same."),
            (change(demo, demo, demo), "Choose a new password that is not your current one."),
            (change(demo, "short", "short"), "Choose a password of at least 10 characters."),
        ] {
            let reply = send(addr, &call, Some(&here)).await;
            assert_eq!(reply.status, 400, "{call}: {}", reply.text());
            assert!(reply.text().contains(says), "{call}: {}", reply.text());
        }
        assert_eq!(db.scalar::<String>(&password_hash).await.unwrap(), before);
        assert_eq!((status(here.clone()).await, status(elsewhere.clone()).await), (200, 200));

        // Changed: this session goes on (under a new id), the other one of the same person
        // ends, and someone else's does not; the old password no longer signs in.
        let reply = send(addr, &change(demo, "a+brand+new+password", "a+brand+new+password"), Some(&here)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        let renewed = reply.session_cookie().expect("the session goes on under a new id");
        assert_ne!(renewed, here);
        assert_eq!(status(renewed).await, 200);
        assert_eq!(status(elsewhere).await, 401);
        assert_eq!(status(someone_else).await, 200);
        let old = send(addr, &format!("FORM /api/sign_in {}", common::http::sign_in_form(ADMIN)), None).await;
        assert_eq!(old.status, 400, "{}", old.text());
        let new = send(
            addr,
            &format!("FORM /api/sign_in email={}&password=a+brand+new+password&next=%2F", ADMIN.replace('@', "%40")),
            None,
        )
        .await;
        assert!(new.status < 400, "{} {}", new.status, new.text());

        // Audited, and the person is told by email.
        let audited: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM audit_log a JOIN people p ON p.id = a.subject_person_id \
                 WHERE a.action = 'password.changed' AND p.email_key = $1",
                ADMIN
            ))
            .await
            .unwrap();
        assert_eq!(audited, 1);
        let subject: String = db
            .scalar(&sql!("SELECT subject FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1", ADMIN))
            .await
            .unwrap();
        assert_eq!(subject, "Your Roster password was changed");
    }

    async fn signing_out_everywhere_else_keeps_this_session_only(db) {
        let site = serve(&db).await;
        let addr = site.addr;
        let status = |cookie: String| status_with(addr, site.account, cookie);
        assert_eq!(send(addr, "FORM /api/sessions/end-others", None).await.status, 401);
        let Sessions { here, elsewhere, someone_else } = three_sessions(&db, addr).await;
        // Started a moment before, most likely in the same second: it ends too.
        let just_before = sign_in(addr, ADMIN, None).await;
        let reply = send(addr, "FORM /api/sessions/end-others", Some(&here)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        let renewed = reply.session_cookie().expect("the session goes on under a new id");
        assert_ne!(renewed, here);
        assert_eq!(status(renewed).await, 200);
        assert_eq!(status(here).await, 401);
        assert_eq!(status(elsewhere).await, 401);
        assert_eq!(status(just_before).await, 401);
        assert_eq!(status(someone_else).await, 200);
        // The password is as it was, and the step is in the person's audit history.
        sign_in(addr, ADMIN, None).await;
        let audited: i64 = db
            .scalar(&sql!(
                "SELECT COUNT(*) FROM audit_log a JOIN people p ON p.id = a.actor_id \
                 WHERE a.action = 'sessions.ended' AND p.email_key = $1 AND a.subject_person_id = p.id",
                ADMIN
            ))
            .await
            .unwrap();
        assert_eq!(audited, 1);
    }

    async fn sessions_are_new_at_sign_in_and_end(db) {
        let site = serve(&db).await;
        let addr = site.addr;
        let overview = format!("FORM /api/overview account={}", site.account);
        let status = |cookie: String| {
            let overview = overview.clone();
            async move { send(addr, &overview, Some(&cookie)).await.status }
        };

        // A cookie the client already holds is never kept: one the server never issued
        // (planted by someone else) …
        let planted = format!("{COOKIE}={}", Id::default());
        let first = sign_in(addr, ADMIN, Some(&planted)).await;
        assert_ne!(first, planted);
        assert_eq!(status(first.clone()).await, 200);
        assert_eq!(status(planted).await, 401);
        // … nor the one of an earlier sign-in, which stops working.
        let second = sign_in(addr, ADMIN, Some(&first)).await;
        assert_ne!(second, first);
        assert_eq!(status(second.clone()).await, 200);
        assert_eq!(status(first).await, 401);

        // Signing out ends the session: its cookie no longer works, even if kept.
        let reply = send(addr, "FORM /api/sign_out", Some(&second)).await;
        assert!(reply.status < 400, "{} {}", reply.status, reply.text());
        assert_eq!(status(second.clone()).await, 401);
        assert_eq!(send(addr, "FORM /api/me", Some(&second)).await.text(), "null");

        // A session lasts at most seven days from sign-in, however active.
        let store = server::sessions::Store::for_db(&db).await.unwrap();
        let third = sign_in(addr, ADMIN, None).await;
        backdate(&store, &third, 6 * 86_400).await;
        assert_eq!(status(third.clone()).await, 200);
        backdate(&store, &third, 7 * 86_400 + 60).await;
        assert_eq!(status(third.clone()).await, 401);
        assert_eq!(send(addr, "FORM /api/me", Some(&third)).await.text(), "null");
        let id = session_id(&third);
        assert!(store.load(&id).await.unwrap().is_none(), "the expired session is still stored");

        // A password reset ends every session of that person, not anyone else's.
        let admin_session = sign_in(addr, ADMIN, None).await;
        let operator_session = sign_in(addr, OPERATOR, None).await;
        backdate(&store, &admin_session, 5).await;
        assert_eq!(status(admin_session.clone()).await, 200);
        app::backend::password_reset::request(&db, ADMIN, None).await.unwrap();
        let body: String = db
            .scalar(&sql!("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1", ADMIN))
            .await
            .unwrap();
        let at = body.find("/reset-password/").expect("a reset link");
        let token = body[at + "/reset-password/".len()..].split_whitespace().next().unwrap().to_string();
        app::backend::password_reset::complete(&db, &token, "a brand new password").await.unwrap();
        assert_eq!(status(admin_session.clone()).await, 401);
        assert_eq!(send(addr, "FORM /api/me", Some(&admin_session)).await.text(), "null");
        assert_eq!(status(operator_session).await, 200);
    }
}
