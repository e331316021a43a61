use leptos::prelude::*;

use crate::error::AppError;

/// The one way errors are shown: each error's safe message in an alert, with a way on
/// (to the sign-in form when nobody is signed in, else back to the accounts). On the
/// server it also sets the response status from the error kind.
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
    move || alert(found())
}

/// One error, shown as [`ErrorView`] shows it, where a page meets its errors itself rather
/// than in an `ErrorBoundary` (Manage Users: the boundary's code was a seventh of the
/// page's, in the file every page loads first).
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::backend::set_status(error.status());
    alert(vec![error])
}

fn alert(errors: Vec<AppError>) -> AnyView {
    if errors.contains(&AppError::SignInRequired) {
        // Nobody is signed in (or the session ended): the sign-in form is the page, and
        // signing in comes back here.
        let location = leptos_router::hooks::use_location();
        let search = location.search.get_untracked();
        let search = search.trim_start_matches('?');
        let here = location.pathname.get_untracked();
        let here = if search.is_empty() { here } else { format!("{here}?{search}") };
        let to = format!("/sign-in?next={}", crate::model::encode_component(&here));
        return view! { <leptos_router::components::Redirect path=to/> }.into_any();
    }
    view! { <div class="error" role="alert" inner_html=alert_html(&errors)></div> }.into_any()
}

/// The alert's contents: each error's message, and the way back to the accounts. HTML,
/// as nothing in it is live (the code of its views was a twentieth of the first file).
fn alert_html(errors: &[AppError]) -> String {
    let items: String =
        errors.iter().map(|e| format!("<li>{}</li>", html_escape::encode_text(&e.to_string()))).collect();
    format!(r#"<h1>We could not show this</h1><ul>{items}</ul><p><a href="/">Go to your accounts</a></p>"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_escapes_each_message() {
        let html = alert_html(&[AppError::not_found("No <b>such</b> account.")]);
        assert!(html.contains("<ul><li>No &lt;b&gt;such&lt;/b&gt; account.</li></ul>"), "{html}");
        assert!(html.ends_with(r#"<p><a href="/">Go to your accounts</a></p>"#), "{html}");
    }
}
