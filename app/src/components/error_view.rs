use leptos::prelude::*;

use crate::error::AppError;

/// The one way errors are shown: each error's safe message in an alert. On the server
/// it also sets the response status from the error kind.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| match e.downcast_ref::<AppError>() {
                Some(app) => (app.status(), app.to_string()),
                None => (500, AppError::Internal.to_string()),
            })
            .collect::<Vec<_>>()
    };
    #[cfg(feature = "ssr")]
    {
        let status = messages().iter().map(|(s, _)| *s).max().unwrap_or(500);
        crate::server::set_status(status);
    }
    view! {
        <div class="error" role="alert">
            <h2>"We could not show this"</h2>
            <ul>
                {move || messages().into_iter().map(|(_, m)| view! { <li>{m}</li> }).collect_view()}
            </ul>
            <p><a href="/">"Go to your accounts"</a></p>
        </div>
    }
}
