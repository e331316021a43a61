use crate::components::page_title::PageTitle;
use leptos::prelude::*;

/// Shown for any path no route matches; answers 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::backend::set_status(404);
    view! {
        <PageTitle text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Go to your accounts"</a> "."</p>
    }
}
