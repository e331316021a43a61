//! The browser entry point: hydrates the server-rendered page into the live app.

// Hydrating the full view types (builds outside cargo-leptos, which erases them) needs
// deeper type layouts than the default.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
