//! Server functions: the only way the browser reaches data, one file per area. Each
//! checks who is asking through `backend::access`, calls storage in `crate::backend`, and
//! reports errors through `backend::respond`.

mod access_requests;
mod accounts;
mod api_tokens;
mod cases;
mod console;
mod import;
mod invitations;
mod mail;
mod manage_users;
mod partners;
mod password;
mod registration;
mod session;

pub use access_requests::*;
pub use accounts::*;
pub use api_tokens::*;
pub use cases::*;
pub use console::*;
pub use import::*;
pub use invitations::*;
pub use mail::*;
pub use manage_users::*;
pub use partners::*;
pub use password::*;
pub use registration::*;
pub use session::*;

#[cfg(feature = "ssr")]
use crate::error::AppError;

/// The signed-in administrator of `account`, or the refusal.
#[cfg(feature = "ssr")]
pub(crate) async fn admin_of(
    db: &crate::backend::Db,
    account: i64,
) -> Result<crate::backend::access::AccountAdmin, AppError> {
    // Once per request: a page's server functions all ask (see `backend::memo`).
    crate::backend::memo::once(format!("admin_of:{account}"), || async {
        crate::backend::access::Actor::current(db).await?.manage(db, crate::model::AccountId(account)).await
    })
    .await
}
