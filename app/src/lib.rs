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
use leptos_meta::provide_meta_context;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use pages::Page;

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let files = backend::site_files::SiteFiles::of(&options);
    if let Some(split) = &files.split {
        provide_context(split.clone());
    }
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::site_header::Header::provide();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <components::site_header::SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=Page::Home ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/users")
                        view=pages::manage_users::ManageUsers
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/audit") view=Page::Audit ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/api-tokens")
                        view=Page::ApiTokens
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/import") view=Page::Import ssr=SsrMode::Async/>
                    <Route
                        path=path!("/accounts/:account/invitations")
                        view=Page::Invitations
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/accounts/:account/cases") view=Page::Cases ssr=SsrMode::Async/>
                    <Route path=path!("/accounts/:account/cases/new") view=Page::RaiseCase/>
                    <Route path=path!("/accounts/:account/cases/:case") view=Page::Case ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=Page::Notifications ssr=SsrMode::Async/>
                    <Route path=path!("/deployments") view=Page::Deployments ssr=SsrMode::Async/>
                    <Route path=path!("/deployments/:account") view=Page::Deployment ssr=SsrMode::Async/>
                    <Route path=path!("/access-requests") view=Page::AccessRequests ssr=SsrMode::Async/>
                    <Route path=path!("/copy-access") view=Page::CopyAccess ssr=SsrMode::Async/>
                    <Route path=path!("/approvals") view=Page::Approvals ssr=SsrMode::Async/>
                    <Route path=path!("/approvals/:id") view=Page::Approval ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=Page::Settings ssr=SsrMode::Async/>
                    <Route path=path!("/invitations/:token") view=Page::Invitation ssr=SsrMode::Async/>
                    <Route path=path!("/mail") view=Page::SentMail ssr=SsrMode::Async/>
                    <Route path=path!("/operator") view=Page::Console ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=Page::ForgotPassword/>
                    <Route path=path!("/reset-password/:token") view=Page::ResetPassword/>
                    <Route path=path!("/help/manage-support-contacts") view=Page::Help/>
                    <Route path=path!("/sign-in") view=Page::SignIn/>
                    <Route path=path!("/register") view=Page::Register/>
                    <Route
                        path=path!("/verify-email/:token")
                        view=Page::VerifyEmail
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}
