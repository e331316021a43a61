use std::fmt::Write;

use html_escape::encode_text as text;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{get_current_user, SignOut};
use crate::model::CurrentUser;

/// The header's HTML as the browser last wrote it: empty until `refresh`, the server's
/// HTML standing till then.
#[derive(Clone, Copy)]
pub struct Header(RwSignal<String>);

impl Header {
    /// Provided by the app around every page.
    pub fn provide() {
        provide_context(Header(RwSignal::new(String::new())));
    }

    /// Reads who is signed in again and shows it (their unread notifications changed).
    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            if let Ok(user) = get_current_user().await {
                self.0.set(header_html(user.as_ref()));
            }
        });
    }
}

pub fn use_header() -> Header {
    use_context::<Header>().unwrap_or_else(|| Header(RwSignal::new(String::new())))
}

/// The site header: who is signed in, a switcher to their accounts, their
/// notifications, the operators' Sent mail, and sign-out; or a sign-in link.
///
/// Every page loads it with the browser's first file, and nothing in it needs the WASM:
/// its links are followed by the router like any other, the switcher is a `<details>`,
/// and sign-out is a plain form (the server function redirects to the sign-in page). So
/// it is one piece of HTML (`header_html`) that the server writes and the browser takes
/// over as it is (an `inner_html` the server rendered is not written again when
/// hydrated), writing it anew only on `Header::refresh`: no resource, no data sent with
/// the page, no views to hydrate. Their code was a tenth of that first file.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let html = use_header().0;
    view! {
        <Transition fallback=|| view! { <header class="site-header"><a class="brand" href="/">"Roster"</a></header> }>
            {move || Suspend::new(async move {
                #[cfg(feature = "ssr")]
                html.set(header_html(get_current_user().await.ok().flatten().as_ref()));
                view! { <header class="site-header" inner_html=move || html.get()></header> }
            })}
        </Transition>
    }
}

/// The header's contents for `user` (`None`: nobody is signed in).
pub fn header_html(user: Option<&CurrentUser>) -> String {
    let mut out = String::with_capacity(1_024);
    out.push_str(r#"<a class="brand" href="/">Roster</a><nav aria-label="Main"><a href="/">Accounts</a>"#);
    let Some(u) = user else {
        out.push_str(r#"<a href="/help/manage-support-contacts">Help</a></nav><div class="who"><a href="/sign-in">Sign in</a></div>"#);
        return out;
    };
    if u.is_partner {
        out.push_str(r#"<a href="/deployments">My deployments</a><a href="/access-requests">Access requests</a>"#);
    }
    if let Some(waiting) = u.approvals {
        counted_link(&mut out, "/approvals", "Approvals", waiting, "waiting");
    }
    counted_link(&mut out, "/notifications", "Notifications", u.unread, "unread");
    if u.is_operator {
        out.push_str(r#"<a href="/operator">Vendor console</a><a href="/mail">Sent mail</a>"#);
    }
    out.push_str(r#"<a href="/help/manage-support-contacts">Help</a></nav>"#);
    if !u.accounts.is_empty() {
        out.push_str(r#"<details class="switcher"><summary>Switch account</summary><ul>"#);
        for (id, name) in u.accounts.iter().take(CurrentUser::SWITCHER_MAX) {
            let _ = write!(out, r#"<li><a href="/accounts/{id}/users">{}</a></li>"#, text(name));
        }
        if u.accounts.len() > CurrentUser::SWITCHER_MAX {
            out.push_str(r#"<li><a href="/">All accounts…</a></li>"#);
        }
        out.push_str("</ul></details>");
    }
    let _ = write!(
        out,
        r#"<div class="who"><span class="signed-in">Signed in as <strong>{}</strong>{}</span><a href="/settings">Settings</a><form method="post" action="{}" class="inline"><button type="submit" class="secondary small">Sign out</button></form></div>"#,
        text(&u.name),
        if u.is_operator { " (vendor operator)" } else { "" },
        SignOut::url(),
    );
    out
}

/// A link with a badge counting `n` of something (unread notifications, waiting
/// requests): the badge shows the count, the link's name says it in words.
fn counted_link(out: &mut String, href: &str, label: &str, n: i64, what: &str) {
    let _ = write!(out, r#"<a href="{href}">{label}"#);
    if n > 0 {
        let _ = write!(
            out,
            r#"<span class="count-badge" aria-hidden="true">{}{}</span><span class="visually-hidden">, {n} {what}</span>"#,
            n.min(99),
            if n > 99 { "+" } else { "" },
        );
    }
    out.push_str("</a>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> CurrentUser {
        CurrentUser {
            name: "Ada <Admin> & Co".into(),
            email: "ada@example.com".into(),
            is_operator: false,
            accounts: vec![(7, "Acme \"Prod\"".into())],
            unread: 120,
            is_partner: false,
            approvals: Some(1),
        }
    }

    #[test]
    fn escapes_names_and_counts_in_words() {
        let html = header_html(Some(&person()));
        assert!(html.contains("<strong>Ada &lt;Admin&gt; &amp; Co</strong>"), "{html}");
        assert!(html.contains(r#"<a href="/accounts/7/users">Acme "Prod"</a>"#), "{html}");
        assert!(html.contains(">99+</span><span class=\"visually-hidden\">, 120 unread</span>"), "{html}");
        assert!(html.contains("Approvals<span class=\"count-badge\" aria-hidden=\"true\">1</span>"), "{html}");
        assert!(html.contains(r#"<form method="post" action="/api/sign_out""#), "{html}");
        assert!(!html.contains("Vendor console"));
    }

    #[test]
    fn a_visitor_gets_a_sign_in_link() {
        let html = header_html(None);
        assert!(html.contains(r#"<a href="/sign-in">Sign in</a>"#));
        assert!(!html.contains("Notifications"));
    }

    #[test]
    fn no_badge_without_a_count() {
        let html = header_html(Some(&CurrentUser { unread: 0, ..person() }));
        assert!(html.contains(r#"<a href="/notifications">Notifications</a>"#), "{html}");
    }
}
