//! Server functions: the only way the browser reaches data. Each validates its input,
//! calls storage in `crate::server`, and reports errors through `server::respond`.

mod cases;
mod console;
mod invitations;
mod mail;
mod password;
mod registration;

pub use cases::*;
pub use console::*;
pub use invitations::*;
pub use mail::*;
pub use password::*;
pub use registration::*;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::{
    AccountSummary, AuditPage, BulkAction, BulkResult, ColumnValues, CurrentUser, FilterColumn, MemberDetails,
    MemberPage, MemberQuery, Overview, PersonMatch, PersonRef, RoleChange, Selection,
};

/// Who is signed in, for the header; `None` when nobody is.
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::{auth, db, respond};
    respond(
        async {
            let db = db()?;
            let Some(actor) = auth::signed_in(&db).await? else {
                return Ok(None);
            };
            let accounts = crate::server::accounts::list_for(&db, &actor).await?;
            Ok(Some(CurrentUser {
                accounts: accounts.into_iter().take(CurrentUser::SWITCHER_MAX + 1).map(|a| (a.id, a.name)).collect(),
                name: actor.name,
                email: actor.email,
                is_operator: actor.is_operator,
            }))
        }
        .await,
    )
}

/// Signs in with email and password, then goes to `next` (a path on this site).
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, db, respond};
    respond(
        async {
            let db = db()?;
            auth::sign_in(&db, &email, &password, auth::client_ip().await).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// Registers with name, email and password: emails a link that proves the email, to be
/// followed before signing in. Returns the address the link went to.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(name: String, email: String, password: String) -> Result<String, AppError> {
    use crate::server::{auth, db, registration, respond};
    respond(
        async {
            let ip = auth::client_ip().await;
            let sent_to = registration::start(&db()?, &name, &email, &password, ip.as_deref()).await?;
            // Without JavaScript the form lands here; the address is not put in the URL.
            leptos_axum::redirect("/register?sent=1");
            Ok(sent_to)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, respond};
    respond(
        async {
            auth::sign_out().await?;
            leptos_axum::redirect("/sign-in");
            Ok(())
        }
        .await,
    )
}

/// Only paths on this site, so a sign-in link cannot send people elsewhere.
///
/// Browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/<TAB>/evil.example`
/// would become `//evil.example`: another site. Rather than guess every such rewrite, only
/// a plain ASCII path without spaces, controls or backslashes, not starting `//`, is kept —
/// every link Roster makes looks like that (query values are percent-encoded).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_keeps_only_paths_on_this_site() {
        for ok in ["/", "/accounts/1/users?sort=name&dir=desc", "/a%20b#top"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            " //evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "evil.example",
            "/\u{7f}/evil.example",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

/// The accounts the signed-in person may see: all for a vendor operator, else the
/// accounts they are an active member of.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    use crate::server::access::Actor;
    use crate::server::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            accounts::list_for(&db, &actor).await
        }
        .await,
    )
}

/// One account's header data, for its administrators.
#[server(prefix = "/api", endpoint = "account")]
pub async fn get_account(account: i64) -> Result<AccountSummary, AppError> {
    use crate::server::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            admin_of(&db, account).await?;
            accounts::get(&db, account).await
        }
        .await,
    )
}

/// One page of an account's members for the given view.
#[server(prefix = "/api", endpoint = "members", input = Json)]
pub async fn list_members(query: MemberQuery) -> Result<MemberPage, AppError> {
    use crate::server::{db, members, now, respond};
    respond(
        async {
            let db = db()?;
            // The URL parser already cleaned this for the pages; a hand-made request
            // gets the same treatment.
            let mut query = query;
            query.search = crate::model::clean_search(&query.search);
            if !crate::model::PAGE_SIZES.contains(&query.page_size) {
                return Err(AppError::invalid("Page size must be 10, 25, 50 or 100."));
            }
            admin_of(&db, query.account).await?;
            members::list(&db, &query, now()).await
        }
        .await,
    )
}

/// The signed-in administrator of `account`, or the refusal.
#[cfg(feature = "ssr")]
async fn admin_of(db: &crate::server::Db, account: i64) -> Result<crate::server::access::AccountAdmin, AppError> {
    // Once per request: a page's server functions all ask (see `server::memo`).
    crate::server::memo::once(format!("admin_of:{account}"), || async {
        crate::server::access::Actor::current(db).await?.manage(db, account).await
    })
    .await
}

/// Members per role, inactive members and projects of an account (SPEC F2).
#[server(prefix = "/api", endpoint = "overview")]
pub async fn account_overview(account: i64) -> Result<Overview, AppError> {
    use crate::server::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            admin_of(&db, account).await?;
            // The Manage Users page asks twice (the panel and its dialogs' data).
            crate::server::memo::once(format!("overview:{account}"), || accounts::overview(&db, account)).await
        }
        .await,
    )
}

/// Registered people of the account's domains for the Add new user type-ahead.
#[server(prefix = "/api", endpoint = "people/suggest")]
pub async fn suggest_people(account: i64, text: String) -> Result<Vec<PersonMatch>, AppError> {
    use crate::server::{db, people, respond};
    respond(
        async {
            let db = db()?;
            admin_of(&db, account).await?;
            people::suggest(&db, account, &text).await
        }
        .await,
    )
}

/// Adds a registered person to the account with the given roles (SPEC F8).
#[server(prefix = "/api", endpoint = "members/add", input = Json)]
pub async fn add_member(account: i64, person: PersonRef, change: RoleChange) -> Result<i64, AppError> {
    use crate::server::{db, membership, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            membership::add(&db, &admin, &person, &change).await
        }
        .await,
    )
}

/// Changes a member's roles (SPEC F9); refused if the member changed since `version`.
#[server(prefix = "/api", endpoint = "members/update", input = Json)]
pub async fn update_member(account: i64, membership: i64, version: i64, change: RoleChange) -> Result<(), AppError> {
    use crate::server::{db, membership as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::update(&db, &admin, membership, version, &change).await
        }
        .await,
    )
}

/// One member's roles, activity and history (SPEC F10).
#[server(prefix = "/api", endpoint = "members/details")]
pub async fn get_member_details(account: i64, membership: i64) -> Result<MemberDetails, AppError> {
    use crate::server::{db, membership as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::details(&db, &admin, membership).await
        }
        .await,
    )
}

/// Removes a member and takes them off the account's cases (SPEC F11). Returns their name.
#[server(prefix = "/api", endpoint = "members/remove")]
pub async fn remove_member(account: i64, membership: i64) -> Result<String, AppError> {
    use crate::server::{db, membership as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::remove(&db, &admin, membership).await
        }
        .await,
    )
}

/// Deactivates or reactivates a member's login (SPEC F12). Returns their name.
#[server(prefix = "/api", endpoint = "members/active")]
pub async fn set_member_active(account: i64, membership: i64, active: bool) -> Result<String, AppError> {
    use crate::server::{db, membership as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::set_active(&db, &admin, membership, active).await
        }
        .await,
    )
}

/// Applies one action to many members (SPEC F17).
#[server(prefix = "/api", endpoint = "members/bulk", input = Json)]
pub async fn bulk_members(account: i64, selection: Selection, action: BulkAction) -> Result<BulkResult, AppError> {
    use crate::server::{db, membership as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::bulk(&db, &admin, &selection, &action).await
        }
        .await,
    )
}

/// The account's audit history, newest first, optionally of one person (SPEC F14).
#[server(prefix = "/api", endpoint = "audit")]
pub async fn account_audit(account: i64, person: Option<i64>, before: Option<i64>) -> Result<AuditPage, AppError> {
    use crate::server::{audit, db, respond};
    respond(
        async {
            let db = db()?;
            admin_of(&db, account).await?;
            audit::list(&db, account, person, before, 25).await
        }
        .await,
    )
}

/// Distinct values of the Name or Email column for the filter popover, a page at a time.
#[server(prefix = "/api", endpoint = "members/values", input = Json)]
pub async fn list_column_values(
    query: MemberQuery,
    column: FilterColumn,
    text: String,
    after: Option<String>,
) -> Result<ColumnValues, AppError> {
    use crate::server::{db, members, respond};
    respond(
        async {
            let db = db()?;
            admin_of(&db, query.account).await?;
            members::column_values(&db, &query, column, &text, after.as_deref()).await
        }
        .await,
    )
}
