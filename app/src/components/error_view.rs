use leptos::prelude::*;

use crate::error::AppError;

/// The one way errors are shown: each error's safe message in an alert, with a way on
/// (sign in, or back to the accounts). On the server it also sets the response status
/// from the error kind.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let found = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| e.downcast_ref::<AppError>().cloned().unwrap_or(AppError::Internal))
            .collect::<Vec<_>>()
    };
    #[cfg(feature = "ssr")]
    {
        let status = found().iter().map(AppError::status).max().unwrap_or(500);
        crate::backend::set_status(status);
    }
    let location = leptos_router::hooks::use_location();
    move || {
        let errors = found();
        let sign_in = errors.contains(&AppError::SignInRequired);
        if sign_in {
            // Nobody is signed in (or the session ended): the sign-in form is the page,
            // and signing in comes back here.
            let search = location.search.get_untracked();
            let search = search.trim_start_matches('?');
            let here = location.pathname.get_untracked();
            let here = if search.is_empty() { here } else { format!("{here}?{search}") };
            let to = format!("/sign-in?next={}", crate::model::encode_component(&here));
            return view! { <leptos_router::components::Redirect path=to/> }.into_any();
        }
        view! {
            <div class="error" role="alert">
                <h1>"We could not show this"</h1>
                <ul>{errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                {if sign_in {
                    view! { <p><a href="/sign-in">"Sign in"</a></p> }.into_any()
                } else {
                    view! { <p><a href="/">"Go to your accounts"</a></p> }.into_any()
                }}
            </div>
        }
        .into_any()
    }
}
