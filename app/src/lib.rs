//! Roster's user interface: pages, widgets and server functions, compiled to WASM for
//! the browser (`hydrate`) and natively for the server (`ssr`).

// Builds outside cargo-leptos (clippy, a plain `cargo build`) keep the full view types,
// and laying out the deepest dialogs' futures needs more than the default 128 levels.
#![recursion_limit = "512"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod error;
pub mod model;
pub mod page_data;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let files = backend::site_files::SiteFiles::of(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Roster: who may open support cases for your accounts."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link id="leptos" rel="stylesheet" href=files.css.as_str()/>
                <AutoReload options/>
                // What leptos's `HydrationScripts` writes, from names read once.
                <link rel="modulepreload" href=files.js.as_str() crossorigin=nonce.clone()/>
                <link
                    rel="preload"
                    href=files.wasm.as_str()
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin=nonce.clone()
                />
                <script type="module" nonce=nonce>{files.start.as_str()}</script>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The document title of a page titled `page`. The server writes it into `<title>` as it
/// is (leptos_meta does not escape it), so there it is escaped: a case titled
/// `</title><script>…` must not end the element. The browser sets `document.title`,
/// which is text, from the unescaped one.
fn page_title(page: &str) -> String {
    let title = if page.is_empty() { "Roster".to_string() } else { format!("{page} · Roster") };
    if cfg!(feature = "ssr") {
        title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::site_header::Header::provide();
    // Effects run only in the browser: this marks the page as live once hydrated, which
    // end-to-end tests wait for before they interact.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|page: String| page_title(&page)/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <components::site_header::SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/users")
                        view=pages::manage_users::ManageUsers
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/audit") view=pages::audit::AuditPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/api-tokens")
                        view=pages::api_tokens::ApiTokensPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/import") view=pages::import::ImportPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/invitations")
                        view=pages::invitations::InvitationsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/cases") view=pages::cases::CasesPage ssr=SsrMode::Async/>
                    <Route path=path!("/accounts/:account/cases/new") view=pages::raise_case::RaiseCasePage/>
                    <Route path=path!("/accounts/:account/cases/:case") view=pages::case::CasePage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/deployments") view=pages::deployments::DeploymentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/deployments/:account") view=pages::deployment::DeploymentPage ssr=SsrMode::Async/>
                    <Route path=path!("/access-requests") view=pages::access_requests::AccessRequestsPage ssr=SsrMode::Async/>
                    <Route path=path!("/copy-access") view=pages::copy_access::CopyAccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/approvals") view=pages::approvals::ApprovalsPage ssr=SsrMode::Async/>
                    <Route path=path!("/approvals/:id") view=pages::approval::ApprovalPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=pages::settings::SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/invitations/:token") view=pages::invitation::InvitationPage ssr=SsrMode::Async/>
                    <Route path=path!("/mail") view=pages::sent_mail::SentMailPage ssr=SsrMode::Async/>
                    <Route path=path!("/operator") view=pages::console::ConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=pages::forgot_password::ForgotPasswordPage/>
                    <Route path=path!("/reset-password/:token") view=pages::reset_password::ResetPasswordPage/>
                    <Route path=path!("/help/manage-support-contacts") view=pages::help::HelpPage/>
                    <Route path=path!("/sign-in") view=pages::sign_in::SignInPage/>
                    <Route path=path!("/register") view=pages::register::RegisterPage/>
                    <Route
                        path=path!("/verify-email/:token")
                        view=pages::verify_email::VerifyEmailPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
