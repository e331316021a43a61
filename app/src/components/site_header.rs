use leptos::prelude::*;

use crate::api::{get_current_user, SignOut};

/// The site header: who is signed in, with sign-out; or a sign-in link.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_current_user());
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            let _ = window().location().set_href("/sign-in");
        }
    });
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Roster"</a>
            <nav aria-label="Main">
                <a href="/">"Accounts"</a>
                <a href="/help/manage-support-contacts">"Help"</a>
            </nav>
            <div class="who">
                <Transition>
                    {move || Suspend::new(async move {
                        match me.await.ok().flatten() {
                            Some(u) => view! {
                                <span class="signed-in">
                                    "Signed in as " <strong>{u.name}</strong>
                                    {u.is_operator.then_some(" (vendor operator)")}
                                </span>
                                <ActionForm action=sign_out attr:class="inline">
                                    <button type="submit" class="secondary small">"Sign out"</button>
                                </ActionForm>
                            }
                            .into_any(),
                            None => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}
