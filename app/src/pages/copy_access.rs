use crate::components::page_title::PageTitle;
use leptos::prelude::*;

use crate::api::{copy_access_partners, CopyAccess, PreviewCopy};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::form_error;
use crate::error::AppError;
use crate::model::{CopyChange, CopyPreview};
use crate::page_data::page_data;

/// Copy support access (SPEC F24): mirror the partner's people and levels on one
/// deployment onto others. A preview per target says what happens to each person
/// (added, level changed, removed, unchanged); nothing changes until "Copy access".
/// For vendor operators, and partners' members who approve for every deployment involved;
/// anyone else sees why not.
#[component]
pub fn CopyAccessPage() -> impl IntoView {
    let preview = ServerAction::<PreviewCopy>::new();
    let copy = ServerAction::<CopyAccess>::new();
    // Vendor operators name the partner; a partner's members copy their own partner's.
    let partners = page_data(|| (), |_| copy_access_partners());
    let error = form_error(preview);
    let copy_error = form_error(copy);
    let done = move || match copy.value().get() {
        Some(Ok(said)) => said,
        _ => String::new(),
    };
    view! {
        <PageTitle text="Copy support access"/>
        <h1>"Copy support access"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || {
                    let error = error.clone();
                    Suspend::new(async move {
                    let partners = partners.await?;
                    let choose_partner = (!partners.is_empty()).then(|| {
                        let options = partners
                            .into_iter()
                            .map(|p| view! { <option value=p.partner.to_string()>{p.name}</option> })
                            .collect_view();
                        view! {
                            <div class="field">
                                <label for="copy-partner">"Partner"</label>
                                <select id="copy-partner" name="partner" required>{options}</select>
                            </div>
                        }
                    });
                    Ok::<_, AppError>(view! {
                        <p>
                            "Give the partner's people on other deployments the same support access as on one deployment: "
                            "people missing there are added, other levels are changed to the source's, and people who are not on "
                            "the source are removed. See what changes first. You need to approve for every deployment involved."
                        </p>
                        <ActionForm action=preview>
                            {choose_partner}
                            <div class="field">
                                <label for="copy-source">"Copy from (Org ID)"</label>
                                <input id="copy-source" name="source" required autocomplete="off"/>
                            </div>
                            <div class="field">
                                <label for="copy-targets">"Copy to (Org IDs, one per line)"</label>
                                <textarea id="copy-targets" name="targets" rows="3" required autocomplete="off"></textarea>
                            </div>
                            <p class="field-error" role="alert">{error}</p>
                            <button type="submit" disabled=move || preview.pending().get()>"Preview"</button>
                        </ActionForm>
                    })
                    })
                }}
            </ErrorBoundary>
        </Transition>
        {move || preview.value().get().and_then(Result::ok).map(|p| view! { <Preview p copy/> })}
        <p class="field-error" role="alert">{copy_error}</p>
        <p class="success" role="status">{done}</p>
    }
}

#[component]
fn Preview(p: CopyPreview, copy: ServerAction<CopyAccess>) -> impl IntoView {
    let targets_text = p.targets.iter().map(|t| t.org_id.clone()).collect::<Vec<_>>().join("\n");
    let source_org_id = p.source_org_id.clone();
    let sections = p
        .targets
        .into_iter()
        .map(|t| {
            let heading = format!("copy-target-{}", t.account);
            let labelled_by = heading.clone();
            let body = if t.changes.is_empty() {
                view! { <p>"Nobody of the partner is on either deployment: nothing changes."</p> }.into_any()
            } else {
                let rows = t
                    .changes
                    .into_iter()
                    .map(|(name, email, change)| {
                        let class = match change {
                            CopyChange::Unchanged { .. } => "unchanged",
                            CopyChange::Removed { .. } => "removed",
                            _ => "changed",
                        };
                        view! {
                            <tr class=class>
                                <th scope="row">{name}</th>
                                <td>{email}</td>
                                <td>{change.words()}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">"Person"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"What happens"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            };
            view! {
                <section aria-labelledby=labelled_by>
                    <h3 id=heading>{format!("{} ({})", t.name, t.org_id)}</h3>
                    {body}
                </section>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="copy-preview-heading">
            <h2 id="copy-preview-heading">{format!("Preview: copying {} ({})", p.source, p.source_org_id)}</h2>
            {sections}
            <ActionForm action=copy>
                <input type="hidden" name="partner" value=p.partner.to_string()/>
                <input type="hidden" name="source" value=source_org_id/>
                <input type="hidden" name="targets" value=targets_text/>
                <button type="submit" disabled=move || copy.pending().get()>"Copy access"</button>
            </ActionForm>
        </section>
    }
}
