use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{apply_import, get_account, get_import, import_rows, list_imports, step_import};
use crate::components::error_view::ErrorView;
use crate::error::AppError;
use crate::model::{
    format_date, thousands, ImportRow, ImportState, ImportStatus, RowOutcome, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS,
    IMPORT_SHOWN_ROWS,
};
use crate::page_data::page_data;

/// CSV import of members (SPEC F27). The file is posted by a plain form (it works
/// without JavaScript) to the upload route, which answers with this page showing the
/// new import. The page then runs its dry run batch by batch, shows the report, and on
/// "Apply" applies it batch by batch with a progress bar; an import that stopped half
/// way is resumed from here.
#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let account = Memo::new(move |_| params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok())));
    let chosen = Memo::new(move |_| query.with(|q| q.get("import").and_then(|a| a.parse::<i64>().ok())));
    let data = page_data(
        move || (account.get(), chosen.get()),
        |(account, chosen)| async move {
            let Some(account) = account else {
                return Err(AppError::not_found("There is no such account."));
            };
            let summary = get_account(account).await?;
            let recent = list_imports(account).await?;
            let current = match chosen {
                Some(id) => Some(get_import(account, id).await?),
                None => None,
            };
            Ok::<_, AppError>((summary, recent, current))
        },
    );
    view! {
        <PageTitle text="Import members"/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let (summary, recent, current) = data.await?;
                    let id = summary.id;
                    Ok::<_, AppError>(view! {
                        <p class="eyebrow"><a href=format!("/accounts/{id}/users")>"← " {summary.name.clone()}</a></p>
                        <h1>"Import members from a CSV file"</h1>
                        {current.map(|s| view! { <ImportView status=s/> })}
                        <section aria-labelledby="upload-heading">
                            <h2 id="upload-heading">"Check a file"</h2>
                            <p>
                                "The first line names the columns: " <strong>"Email"</strong>
                                " (required), " <strong>"Roles"</strong> " (role names or keys, separated by semicolons), "
                                <strong>"First name"</strong> " and " <strong>"Last name"</strong>
                                " (to create a contact for someone not registered yet) and " <strong>"Active login"</strong>
                                " (Yes or No). A file of Roster's own CSV export is accepted as it is. "
                                {format!(
                                    "UTF-8, comma or semicolon separated, at most {} rows and {} MiB. Nothing changes until you apply the checked file.",
                                    thousands(IMPORT_MAX_ROWS as u64),
                                    IMPORT_MAX_BYTES / (1024 * 1024)
                                )}
                            </p>
                            <form method="post" action=format!("/accounts/{id}/import") enctype="multipart/form-data" class="stacked">
                                <label for="import-file">"CSV file"</label>
                                <input id="import-file" type="file" name="file" accept=".csv,text/csv" required/>
                                <button type="submit">"Check the file"</button>
                            </form>
                        </section>
                        {(!recent.is_empty()).then(|| view! {
                            <section aria-labelledby="recent-heading">
                                <h2 id="recent-heading">"Recent imports"</h2>
                                <ul>
                                    {recent.into_iter().map(|r| view! {
                                        <li>
                                            <a href=format!("/accounts/{id}/import?import={}", r.id)>{r.file_name.clone()}</a>
                                            {format!(
                                                " — {}, {} rows, by {} on {}",
                                                r.state.label(),
                                                thousands(r.total.max(0) as u64),
                                                r.created_by,
                                                format_date(r.created_at).unwrap_or_default()
                                            )}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// One import: its progress, counts, report and actions.
#[component]
fn ImportView(status: ImportStatus) -> impl IntoView {
    let (account, id) = (status.account, status.id);
    let auto = status.state == ImportState::Checking;
    let status = RwSignal::new(status);
    let running = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Steps the import until it has nothing left to do.
    let run = move || {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        error.set(None);
        spawn_local(async move {
            loop {
                match step_import(account, id).await {
                    Ok(s) => {
                        let more = s.working();
                        status.set(s);
                        if !more {
                            break;
                        }
                    }
                    Err(e) => {
                        error.set(Some(format!("The import stopped: {e} Resume it to go on.")));
                        break;
                    }
                }
            }
            running.set(false);
        });
    };
    // A dry run goes on by itself (it changes nothing); an apply only when asked.
    Effect::new(move |_| {
        if auto {
            run();
        }
    });
    let apply = move |_: ()| {
        error.set(None);
        spawn_local(async move {
            match apply_import(account, id).await {
                Ok(s) => {
                    status.set(s);
                    run();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let state = Memo::new(move |_| status.with(|s| s.state));
    let rows = page_data(
        move || (state.get(), running.get()),
        move |(state, running)| async move {
            match state {
                ImportState::Checked | ImportState::Finished if !running => import_rows(account, id, false).await,
                ImportState::Applying if !running => import_rows(account, id, false).await,
                _ => Ok(Vec::new()),
            }
        },
    );
    view! {
        <section aria-labelledby="import-heading">
            <h2 id="import-heading">{move || status.with(|s| format!("{} — {}", s.file_name, s.state.label()))}</h2>
            {move || status.with(|s| s.problem.clone()).map(|p| view! {
                <p class="error" role="alert">{format!("Roster could not read this file: {p}")}</p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || status.with(|s| (!s.ignored_columns.is_empty()).then(|| view! {
                <p>{format!("Columns not used: {}.", s.ignored_columns.join(", "))}</p>
            }))}
            {move || status.with(|s| (s.state != ImportState::Failed && !s.has_roles).then(|| view! {
                <p>"This file has no Roles column: members keep their roles, and new members get General Support."</p>
            }))}
            {move || status.with(progress)}
            {move || status.with(counts)}
            <div class="actions">
                {move || {
                    let s = status.get();
                    let busy = running.get();
                    // Forms posting to `run_import`, so that they work before the page is
                    // live or without JavaScript; once live, the page runs the import.
                    let form = move |apply_it: bool, label: String, disabled: bool| view! {
                        <form
                            method="post"
                            action="/api/import/run"
                            class="inline"
                            on:submit=move |ev| {
                                ev.prevent_default();
                                if apply_it { apply(()) } else { run() }
                            }
                        >
                            <input type="hidden" name="account" value=account.to_string()/>
                            <input type="hidden" name="import" value=id.to_string()/>
                            <input type="hidden" name="apply" value=apply_it.to_string()/>
                            <button type="submit" disabled=disabled>{label}</button>
                        </form>
                    };
                    match s.state {
                        ImportState::Checked => Some(form(
                            true,
                            format!("Apply: create {} and update {} members", s.creates, s.updates),
                            busy || s.creates + s.updates == 0,
                        ).into_any()),
                        ImportState::Applying if !busy => Some(form(false, "Resume the import".into(), false).into_any()),
                        ImportState::Checking if !busy => Some(form(false, "Go on checking".into(), false).into_any()),
                        _ => None,
                    }
                }}
                {move || status.with(|s| matches!(s.state, ImportState::Checked | ImportState::Applying | ImportState::Finished)).then(|| view! {
                    <a class="button secondary" href=format!("/accounts/{account}/import/{id}/report.csv") download="" rel="external">
                        "Download the report"
                    </a>
                })}
                {move || (state.get() == ImportState::Finished).then(|| view! {
                    <a href=format!("/accounts/{account}/users")>"Go to Manage Users"</a>
                })}
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let rows = rows.await.unwrap_or_default();
                    let s = status.get_untracked();
                    report_table(&s, rows)
                })}
            </Transition>
        </section>
    }
}

fn progress(s: &ImportStatus) -> Option<AnyView> {
    let (what, value) = match s.state {
        ImportState::Checking => ("Checking rows", s.checked),
        ImportState::Applying | ImportState::Finished => ("Applying rows", s.done),
        _ => return None,
    };
    let total = s.total.max(1);
    let words = format!("{what}: {} of {}", thousands(value.max(0) as u64), thousands(s.total.max(0) as u64));
    Some(
        view! {
            <div class="import-progress">
                <label for="import-progress">{what}</label>
                <progress id="import-progress" max=total.to_string() value=value.to_string()>{words.clone()}</progress>
                <p role="status">{words}</p>
            </div>
        }
        .into_any(),
    )
}

fn counts(s: &ImportStatus) -> Option<AnyView> {
    if matches!(s.state, ImportState::Failed | ImportState::Uploading | ImportState::Checking) {
        return None;
    }
    let done = s.state == ImportState::Finished;
    let summary = if done {
        format!(
            "Import finished: {} created, {} updated, {} unchanged, {} with errors.",
            s.creates, s.updates, s.unchanged, s.errors
        )
    } else {
        format!(
            "Dry run of {} rows: {} will be created, {} updated, {} unchanged, {} with errors. Nothing has changed yet.",
            s.total, s.creates, s.updates, s.unchanged, s.errors
        )
    };
    Some(view! { <p role="status" class="import-summary">{summary}</p> }.into_any())
}

fn report_table(s: &ImportStatus, rows: Vec<ImportRow>) -> Option<AnyView> {
    if rows.is_empty() {
        return None;
    }
    let applying = s.applying();
    let caption = if s.total as usize > rows.len() {
        format!("Report of {}: the first {} of {} rows", s.file_name, rows.len().min(IMPORT_SHOWN_ROWS), s.total)
    } else {
        format!("Report of {}: every row", s.file_name)
    };
    Some(
        view! {
            <table class="import-report">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Line"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Details"</th>
                        <th scope="col">"Applied"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let outcome = r.outcome.map_or("Not checked yet", |o| {
                            o.label(applying && (r.applied || o == RowOutcome::Unchanged))
                        });
                        view! {
                            <tr class=if r.outcome == Some(RowOutcome::Error) { "error-row" } else { "" }>
                                <th scope="row">{r.line}</th>
                                <td>{r.email}</td>
                                <td>{outcome}</td>
                                <td>{r.message}</td>
                                <td>{if r.applied { "Yes" } else { "No" }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    )
}
