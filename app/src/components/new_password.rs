use leptos::prelude::*;

/// A new password, twice, as a reset link's page and Settings ask for it: `id` names the
/// fields (`{id}-password`, `{id}-confirm`); `hint` says what a password must be.
#[component]
pub fn NewPasswordFields(id: &'static str, hint: &'static str) -> impl IntoView {
    let (password, confirm, hint_id) =
        (format!("{id}-password"), format!("{id}-confirm"), format!("{id}-password-hint"));
    view! {
        <div class="field">
            <label for=password.clone()>"New password"</label>
            <input id=password name="password" type="password" autocomplete="new-password"
                required minlength="10" aria-describedby=hint_id.clone()/>
            <p class="hint" id=hint_id>{hint}</p>
        </div>
        <div class="field">
            <label for=confirm.clone()>"New password again"</label>
            <input id=confirm name="confirm" type="password" autocomplete="new-password" required minlength="10"/>
        </div>
    }
}
