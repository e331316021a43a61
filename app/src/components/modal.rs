use leptos::html::Dialog;
use leptos::prelude::*;

/// A modal dialog on the native `<dialog>` element: the browser keeps focus inside it,
/// makes the page behind inert, closes it on Escape and puts focus back where it was.
/// It opens when mounted; `on_close` runs however it is closed.
#[component]
pub fn Modal(
    title: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        if let Some(d) = node.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    });
    let close = move |_| {
        if let Some(d) = node.get_untracked() {
            d.close();
        }
    };
    view! {
        <dialog
            node_ref=node
            class=if wide { "modal wide" } else { "modal" }
            aria-labelledby="modal-title"
            on:close=move |_| on_close.run(())
        >
            <div class="modal-head">
                <h2 id="modal-title">{title}</h2>
                <button type="button" class="icon" aria-label="Close" on:click=close>
                    "×"
                </button>
            </div>
            <div class="modal-body">{children()}</div>
        </dialog>
    }
}

/// Closes the modal dialog that contains the element of an event (for Cancel buttons).
pub fn close_enclosing(ev: &leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    let dialog = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("dialog").ok().flatten())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDialogElement>().ok());
    if let Some(d) = dialog {
        d.close();
    }
}
