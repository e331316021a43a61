//! The least an islands build of Roster would load: one island that calls a server
//! function and shows the rows it returns, and one holding the router's links.

use leptos::prelude::*;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Row {
    id: i64,
    name: String,
}

#[server(prefix = "/api", endpoint = "probe")]
pub async fn probe(q: String) -> Result<Vec<Row>, ServerFnError> {
    let _ = q;
    Ok(vec![])
}

#[island]
pub fn SearchBox() -> impl IntoView {
    let (text, set_text) = signal(String::new());
    let (rows, set_rows) = signal(Vec::<Row>::new());
    let search = move |_| {
        let q = text.get();
        leptos::task::spawn_local(async move {
            if let Ok(r) = probe(q).await {
                set_rows.set(r);
            }
        });
    };
    view! {
        <input prop:value=text on:input=move |ev| set_text.set(event_target_value(&ev))/>
        <button on:click=search>"Search"</button>
        <ul>
            <For each=move || rows.get() key=|r| r.id let:r>
                <li>{r.name}</li>
            </For>
        </ul>
    }
}

#[island]
pub fn Nav() -> impl IntoView {
    use leptos_router::components::{Router, A};
    view! {
        <Router>
            <nav>
                <A href="/accounts/1/users">"Manage Users"</A>
            </nav>
        </Router>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
