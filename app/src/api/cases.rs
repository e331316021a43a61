//! Server functions of support cases (SPEC F20): raising, the case list, a case's page,
//! following, contacts, resolving, the pulse feed, notifications and the pulse-email
//! setting.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::{CaseDetails, CaseId, CaseList, CaseQuery, NotificationPage, PageCursor};

#[cfg(feature = "ssr")]
use crate::backend::{access::CaseReader, Db};

/// The signed-in person's proof that they may read `case` of `account`.
#[cfg(feature = "ssr")]
async fn reader(db: &Db, account: i64, case: CaseId) -> Result<CaseReader, AppError> {
    use crate::backend::access::Actor;
    Actor::current(db).await?.read_case(db, crate::model::AccountId(account), case).await
}

/// Where a case's page is.
pub fn case_href(account: i64, case: CaseId) -> String {
    format!("/accounts/{account}/cases/{case}")
}

/// Raises a case on the account with the signed-in person as its primary contact, then
/// opens its page. Returns the case number.
#[server(prefix = "/api", endpoint = "cases/raise")]
pub async fn raise_case(account: i64, title: String, description: Option<String>) -> Result<String, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::{cases, db, respond};
    respond(
        async {
            let db = db()?;
            let member = Actor::current(&db).await?.member_of(&db, crate::model::AccountId(account)).await?;
            let (id, number) = cases::raise(&db, &member, &title, description.as_deref().unwrap_or("")).await?;
            leptos_axum::redirect(&format!("{}?raised=1", case_href(account, id)));
            Ok(number)
        }
        .await,
    )
}

/// One page of the account's cases: all of them for its administrators, the cases they
/// are on for other members.
#[server(prefix = "/api", endpoint = "cases", input = Json)]
pub async fn list_cases(query: CaseQuery) -> Result<CaseList, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::cases::list::list;
    use crate::backend::{accounts, db, respond};
    respond(
        async {
            let db = db()?;
            let mut query = query;
            query.list.search = crate::model::clean_search(&query.list.search);
            if !crate::model::PAGE_SIZES.contains(&query.list.page_size) {
                return Err(AppError::invalid("Page size must be 10, 25, 50 or 100."));
            }
            let access = Actor::current(&db).await?.case_access(&db, crate::model::AccountId(query.account)).await?;
            let account_name = accounts::name(&db, &access).await?;
            let page = list(&db, &access, &query).await?;
            Ok(CaseList { account_name, sees_all: access.is_admin(), page })
        }
        .await,
    )
}

/// A case and one page of its pulse feed (from the start, or at `at`). Seeing the page
/// marks the reader's notifications of this case read.
#[server(prefix = "/api", endpoint = "cases/view", input = Json)]
pub async fn get_case(account: i64, case: CaseId, at: Option<PageCursor>) -> Result<CaseDetails, AppError> {
    use crate::backend::cases::{case, pulse};
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let reader = reader(&db, account, case).await?;
            let view = case::view(&db, &reader).await?;
            let page = pulse::page(&db, &reader, at).await?;
            pulse::mark_case_read(&db, &reader).await?;
            Ok(CaseDetails { case: view, pulse: page })
        }
        .await,
    )
}

/// Follows the case, or stops following it.
#[server(prefix = "/api", endpoint = "cases/follow")]
pub async fn follow_case(account: i64, case: CaseId, follow: bool) -> Result<String, AppError> {
    use crate::backend::cases::case;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let reader = reader(&db, account, case).await?;
            case::follow(&db, &reader, follow).await?;
            leptos_axum::redirect(&case_href(account, case));
            Ok(if follow { "You follow this case." } else { "You no longer follow this case." }.to_string())
        }
        .await,
    )
}

/// Makes an active member the case's primary contact (administrators).
#[server(prefix = "/api", endpoint = "cases/primary")]
pub async fn set_case_primary(account: i64, case: CaseId, email: String) -> Result<String, AppError> {
    use crate::backend::cases::case;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let admin = super::admin_of(&db, account).await?;
            let done = case::set_primary(&db, &admin, case, &email).await?;
            leptos_axum::redirect(&case_href(account, case));
            Ok(done)
        }
        .await,
    )
}

/// Adds an active member to the case's additional contacts, or takes one off
/// (administrators).
#[server(prefix = "/api", endpoint = "cases/contact")]
pub async fn set_case_contact(account: i64, case: CaseId, email: String, add: bool) -> Result<String, AppError> {
    use crate::backend::cases::case;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let admin = super::admin_of(&db, account).await?;
            let done = case::set_contact(&db, &admin, case, &email, add).await?;
            leptos_axum::redirect(&case_href(account, case));
            Ok(done)
        }
        .await,
    )
}

/// Resolves the case, or reopens it (its primary contact or an administrator).
#[server(prefix = "/api", endpoint = "cases/status")]
pub async fn set_case_status(account: i64, case: CaseId, resolved: bool) -> Result<String, AppError> {
    use crate::backend::cases::case;
    use crate::backend::{db, respond};
    use crate::model::CaseStatus;
    respond(
        async {
            let db = db()?;
            let reader = reader(&db, account, case).await?;
            let status = if resolved { CaseStatus::Resolved } else { CaseStatus::Open };
            let done = case::set_status(&db, &reader, status).await?;
            leptos_axum::redirect(&case_href(account, case));
            Ok(done)
        }
        .await,
    )
}

/// Posts a message on the case's pulse feed, then shows the feed's latest page.
#[server(prefix = "/api", endpoint = "cases/post")]
pub async fn post_pulse(account: i64, case: CaseId, body: String) -> Result<i64, AppError> {
    use crate::backend::cases::pulse;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let reader = reader(&db, account, case).await?;
            let id = pulse::post(&db, &reader, &body).await?;
            leptos_axum::redirect(&format!("{}?pulse=latest#pulse", case_href(account, case)));
            Ok(id)
        }
        .await,
    )
}

/// The signed-in person's notifications, newest first.
#[server(prefix = "/api", endpoint = "notifications")]
pub async fn list_notifications(before: Option<i64>) -> Result<NotificationPage, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::cases::pulse;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            pulse::notifications(&db, &actor, before).await
        }
        .await,
    )
}

/// Marks all of the signed-in person's notifications read.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn mark_notifications_read() -> Result<String, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::cases::pulse;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            let n = pulse::mark_all_read(&db, &actor).await?;
            leptos_axum::redirect("/notifications");
            Ok(match n {
                0 => "Nothing was unread.".to_string(),
                1 => "Marked 1 notification read.".to_string(),
                n => format!("Marked {n} notifications read."),
            })
        }
        .await,
    )
}

/// Whether the signed-in person gets an email for each pulse message that notifies them.
#[server(prefix = "/api", endpoint = "settings")]
pub async fn get_pulse_emails() -> Result<bool, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::cases::pulse;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            pulse::pulse_emails(&db, &actor).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "settings/pulse")]
pub async fn set_pulse_emails(on: Option<String>) -> Result<String, AppError> {
    use crate::backend::access::Actor;
    use crate::backend::cases::pulse;
    use crate::backend::{db, respond};
    respond(
        async {
            let db = db()?;
            let actor = Actor::current(&db).await?;
            let on = on.is_some();
            pulse::set_pulse_emails(&db, &actor, on).await?;
            leptos_axum::redirect("/settings?saved=1");
            Ok(if on {
                "You will get an email for each pulse message on your cases."
            } else {
                "You will not get pulse emails."
            }
            .to_string())
        }
        .await,
    )
}
