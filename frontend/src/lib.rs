//! The browser entry point: hydrates the server-rendered page into the live app.

// Hydrating the full view types (builds outside cargo-leptos, which erases them) needs
// deeper type layouts than the default.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = leptos::prelude::document().body() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        // Waits for the code of a page that loads on demand (`app::pages::Page`) before
        // hydrating it, so that the server's HTML is taken over, not drawn twice
        // (leptos's `hydrate_lazy`, with the end known).
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // The page is live: its buttons take clicks from now on (style/main.css), and
        // end-to-end tests wait for this before they interact.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
