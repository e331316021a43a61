use leptos::html::Div;
use leptos::prelude::*;

/// Short messages about what just happened, announced to screen readers.
///
/// They only ever appear in the browser, after something was done, so each is a `<p>`
/// put into the region and taken out again eight seconds later, rather than a list of
/// views: the region is in the WASM every page loads first, and a keyed list of views
/// was a tenth of what Manage Users kept there.
#[derive(Clone, Copy)]
pub struct Toasts(NodeRef<Div>);

impl Toasts {
    pub fn provide() -> Self {
        let t = Toasts(NodeRef::new());
        provide_context(t);
        t
    }

    pub fn ok(self, text: impl Into<String>) {
        self.push(&text.into(), false);
    }

    pub fn error(self, text: impl Into<String>) {
        self.push(&text.into(), true);
    }

    fn push(self, text: &str, error: bool) {
        let Some(region) = self.0.get_untracked() else { return };
        let Ok(toast) = document().create_element("p") else { return };
        toast.set_class_name(if error { "toast error" } else { "toast" });
        toast.set_text_content(Some(text));
        if region.append_child(&toast).is_ok() {
            set_timeout(move || toast.remove(), std::time::Duration::from_secs(8));
        }
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::provide)
}

/// Where the toasts appear: a polite live region, so each one added is announced.
#[component]
pub fn ToastRegion() -> impl IntoView {
    view! { <div class="toasts" role="status" aria-live="polite" node_ref=use_toasts().0></div> }
}
