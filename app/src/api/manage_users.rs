//! Server functions of Manage Users (SPEC F1–F17): the list and its filters, the
//! overview, and every change to an account's members.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::admin_of;
use crate::error::AppError;
use crate::model::{
    BulkAction, BulkResult, ColumnValues, FilterColumn, MemberDetails, MemberPage, MemberQuery, MembershipId, Overview,
    PersonMatch, PersonRef, RoleChange, Selection, Version,
};

/// One page of an account's members for the given view.
#[server(prefix = "/api", endpoint = "members", input = Json)]
pub async fn list_members(query: MemberQuery) -> Result<MemberPage, AppError> {
    crate::backend::respond(members_page(query).await.map(|(_, page)| page))
}

/// The same page as Manage Users shows it: the table with its pager, or the empty
/// state, as HTML (`backend::members::list_html`).
#[server(prefix = "/api", endpoint = "member-list", input = Json)]
pub async fn member_list(query: MemberQuery) -> Result<String, AppError> {
    use crate::backend::{members::list_html, respond};
    respond(members_page(query).await.map(|(query, page)| list_html::member_list(&query, &page)))
}

/// A page of members for `query` as cleaned, for its account's administrator.
#[cfg(feature = "ssr")]
async fn members_page(query: MemberQuery) -> Result<(MemberQuery, MemberPage), AppError> {
    use crate::backend::{db, members, now};
    let db = db()?;
    // The URL parser already cleaned this for the pages; a hand-made request gets the
    // same treatment.
    let mut query = query;
    query.search = crate::model::clean_search(&query.search);
    if !crate::model::PAGE_SIZES.contains(&query.page_size) {
        return Err(AppError::invalid("Page size must be 10, 25, 50 or 100."));
    }
    let admin = admin_of(&db, query.account).await?;
    let page = members::read::list(&db, &admin, &query, now()).await?;
    Ok((query, page))
}

/// Members per role, inactive members and projects of an account (SPEC F2).
#[server(prefix = "/api", endpoint = "overview")]
pub async fn account_overview(account: i64) -> Result<Overview, AppError> {
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            // The Manage Users page asks twice (the panel and its dialogs' data).
            crate::backend::memo::once(format!("overview:{account}"), || accounts::overview(&db, &admin)).await
        }
        .await,
    )
}

/// Registered people of the account's domains for the Add new user type-ahead.
#[server(prefix = "/api", endpoint = "people/suggest")]
pub async fn suggest_people(account: i64, text: String) -> Result<Vec<PersonMatch>, AppError> {
    use crate::backend::{db, people, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            people::suggest(&db, &admin, &text).await
        }
        .await,
    )
}

/// Adds a registered person to the account with the given roles (SPEC F8).
#[server(prefix = "/api", endpoint = "members/add", input = Json)]
pub async fn add_member(account: i64, person: PersonRef, change: RoleChange) -> Result<i64, AppError> {
    use crate::backend::{db, members, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            members::write::add(&db, &admin, &person, &change).await
        }
        .await,
    )
}

/// Changes a member's roles (SPEC F9); refused if the member changed since `version`.
#[server(prefix = "/api", endpoint = "members/update", input = Json)]
pub async fn update_member(
    account: i64,
    membership: MembershipId,
    version: Version,
    change: RoleChange,
) -> Result<(), AppError> {
    use crate::backend::{db, members::write as store, respond};
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
pub async fn get_member_details(account: i64, membership: MembershipId) -> Result<MemberDetails, AppError> {
    use crate::backend::{db, members::write as store, respond};
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
pub async fn remove_member(account: i64, membership: MembershipId) -> Result<String, AppError> {
    use crate::backend::{db, members::write as store, respond};
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
pub async fn set_member_active(account: i64, membership: MembershipId, active: bool) -> Result<String, AppError> {
    use crate::backend::{db, members::write as store, respond};
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
    use crate::backend::{db, members::write as store, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, account).await?;
            store::bulk(&db, &admin, &selection, &action).await
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
    use crate::backend::{db, members, respond};
    respond(
        async {
            let db = db()?;
            let admin = admin_of(&db, query.account).await?;
            members::read::column_values(&db, &admin, &query, column, &text, after.as_deref()).await
        }
        .await,
    )
}
