//! One file per page; the route table is in `crate::App`.
//!
//! Manage Users, the page people open most, is in the WASM every page loads. The others
//! are [`Page`]s: their code is in a second file (`cargo leptos build --split`), fetched
//! when one of them is first shown, so that it does not weigh on Manage Users' first load.

pub mod access_requests;
pub mod api_tokens;
pub mod approval;
pub mod approvals;
pub mod audit;
pub mod case;
pub mod cases;
pub mod console;
pub mod copy_access;
pub mod deployment;
pub mod deployments;
pub mod forgot_password;
pub mod help;
pub mod home;
pub mod import;
pub mod invitation;
pub mod invitations;
pub mod manage_users;
pub mod not_found;
pub mod notifications;
pub mod raise_case;
pub mod register;
pub mod reset_password;
pub mod sent_mail;
pub mod settings;
pub mod sign_in;
pub mod verify_email;

use leptos::prelude::*;
use leptos_router::ChooseView;

/// A page whose code is loaded when it is first shown (every page but Manage Users). The
/// router awaits it: on a link, the page before stays until the next is ready; on a page
/// the server rendered, hydration waits for it (`hydrate_from_async` in the frontend).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    Audit,
    ApiTokens,
    Import,
    Invitations,
    Cases,
    RaiseCase,
    Case,
    Notifications,
    Deployments,
    Deployment,
    AccessRequests,
    CopyAccess,
    Approvals,
    Approval,
    Settings,
    Invitation,
    SentMail,
    Console,
    ForgotPassword,
    ResetPassword,
    Help,
    SignIn,
    Register,
    VerifyEmail,
}

impl ChooseView for Page {
    async fn choose(self) -> AnyView {
        page_view(self).await
    }

    async fn preload(&self) {
        // The router awaits this before it builds the page (on a link, and when it
        // hydrates one the server rendered); the file is fetched once.
        #[cfg(feature = "hydrate")]
        __preload_page_view().await;
    }
}

/// Every page but Manage Users, in one file: split per page, the code they share would be
/// cut into many small files (161 for the route split measured on 2026-12-04).
#[lazy]
fn page_view(page: Page) -> AnyView {
    match page {
        Page::Home => view! { <home::HomePage/> }.into_any(),
        Page::Audit => view! { <audit::AuditPage/> }.into_any(),
        Page::ApiTokens => view! { <api_tokens::ApiTokensPage/> }.into_any(),
        Page::Import => view! { <import::ImportPage/> }.into_any(),
        Page::Invitations => view! { <invitations::InvitationsPage/> }.into_any(),
        Page::Cases => view! { <cases::CasesPage/> }.into_any(),
        Page::RaiseCase => view! { <raise_case::RaiseCasePage/> }.into_any(),
        Page::Case => view! { <case::CasePage/> }.into_any(),
        Page::Notifications => view! { <notifications::NotificationsPage/> }.into_any(),
        Page::Deployments => view! { <deployments::DeploymentsPage/> }.into_any(),
        Page::Deployment => view! { <deployment::DeploymentPage/> }.into_any(),
        Page::AccessRequests => view! { <access_requests::AccessRequestsPage/> }.into_any(),
        Page::CopyAccess => view! { <copy_access::CopyAccessPage/> }.into_any(),
        Page::Approvals => view! { <approvals::ApprovalsPage/> }.into_any(),
        Page::Approval => view! { <approval::ApprovalPage/> }.into_any(),
        Page::Settings => view! { <settings::SettingsPage/> }.into_any(),
        Page::Invitation => view! { <invitation::InvitationPage/> }.into_any(),
        Page::SentMail => view! { <sent_mail::SentMailPage/> }.into_any(),
        Page::Console => view! { <console::ConsolePage/> }.into_any(),
        Page::ForgotPassword => view! { <forgot_password::ForgotPasswordPage/> }.into_any(),
        Page::ResetPassword => view! { <reset_password::ResetPasswordPage/> }.into_any(),
        Page::Help => view! { <help::HelpPage/> }.into_any(),
        Page::SignIn => view! { <sign_in::SignInPage/> }.into_any(),
        Page::Register => view! { <register::RegisterPage/> }.into_any(),
        Page::VerifyEmail => view! { <verify_email::VerifyEmailPage/> }.into_any(),
    }
}
