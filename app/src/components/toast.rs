use leptos::prelude::*;

/// Short messages about what just happened, announced to screen readers.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, String, bool)>>);

impl Toasts {
    pub fn provide() -> Self {
        let t = Toasts(RwSignal::new(Vec::new()));
        provide_context(t);
        t
    }

    pub fn ok(self, text: impl Into<String>) {
        self.push(text.into(), false);
    }

    pub fn error(self, text: impl Into<String>) {
        self.push(text.into(), true);
    }

    fn push(self, text: String, error: bool) {
        let id = self.0.with_untracked(|v| v.iter().map(|(i, _, _)| *i).max().unwrap_or(0) + 1);
        self.0.update(|v| v.push((id, text, error)));
        set_timeout(move || self.0.update(|v| v.retain(|(i, _, _)| *i != id)), std::time::Duration::from_secs(8));
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::provide)
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.0.get() key=|(id, _, _)| *id let:t>
                <p class=if t.2 { "toast error" } else { "toast" }>{t.1}</p>
            </For>
        </div>
    }
}
