use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{get_account, list_api_calls, list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::{form_error, toast_answers};
use crate::components::toast::{ToastRegion, Toasts};
use crate::error::AppError;
use crate::model::{
    format_date, format_time, ApiCalls, ApiToken, TokenScope, API_CALLS_KEPT_DAYS, TOKEN_LIFETIMES, TOKEN_NAME_MAX,
};
use crate::page_data::page_data;

/// An account's API tokens (SPEC F25): its administrators make them for scripts and
/// identity providers (SCIM), see when each was last used, and revoke them. A new
/// token's secret is shown once, right after it is made. Every call made with the
/// account's tokens is listed below them, newest first (`?before=` pages back).
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let params = use_params_map();
    let account = Memo::new(move |_| params.with(|p| p.get("account").and_then(|a| a.parse::<i64>().ok())));
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let query = use_query_map();
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let data = page_data(
        move || (account.get(), before.get(), create.version().get(), revoke.version().get()),
        |(account, before, _, _)| async move {
            let Some(account) = account else {
                return Err(AppError::not_found("There is no such account."));
            };
            let summary = get_account(account).await?;
            let tokens = list_api_tokens(account).await?;
            let calls = list_api_calls(account, before).await?;
            Ok::<_, AppError>((summary, tokens, calls))
        },
    );
    let toasts = Toasts::provide();
    toast_answers(revoke, toasts);
    let create_error = form_error(create);
    view! {
        <PageTitle text="API tokens"/>
        <ToastRegion/>
        <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || {
                    let create_error = create_error.clone();
                    Suspend::new(async move {
                    let (summary, tokens, calls) = data.await?;
                    let id = summary.id;
                    Ok::<_, AppError>(view! {
                        <p class="eyebrow"><a href=format!("/accounts/{id}/users")>"← " {summary.name.clone()}</a></p>
                        <h1>"API tokens"</h1>
                        <p>
                            "Scripts and identity providers (SCIM provisioning from Okta or Entra ID) call Roster with a token. "
                            "A token acts with the authority of the administrator who made it, and stops working when they no longer administer "
                            {summary.name.clone()} ". What it changes is in the "
                            <a href=format!("/accounts/{id}/audit")>"audit history"</a> " under its name. "
                            <a href="/api/v1/docs" rel="external">"API reference"</a>
                        </p>
                        <section aria-labelledby="new-token">
                            <h2 id="new-token">"New token"</h2>
                            <ActionForm action=create attr:class="stacked">
                                <input type="hidden" name="account" value=id.to_string()/>
                                <label for="token-name">"Name"</label>
                                <input id="token-name" name="name" required maxlength=TOKEN_NAME_MAX.to_string() autocomplete="off"
                                    aria-describedby="token-name-hint"/>
                                <p id="token-name-hint" class="hint">"After what will use it, like \"Okta provisioning\"."</p>
                                <fieldset>
                                    <legend>"Access"</legend>
                                    <label><input type="radio" name="scope" value="Read" checked/> {TokenScope::Read.label()}</label>
                                    <label><input type="radio" name="scope" value="Write"/> {TokenScope::Write.label()} " (add, change and remove members)"</label>
                                </fieldset>
                                <label for="token-days">"Expires after"</label>
                                <select id="token-days" name="days">
                                    {TOKEN_LIFETIMES.iter().map(|d| view! {
                                        <option value=d.to_string() selected=*d == 90>{format!("{d} days")}</option>
                                    }).collect_view()}
                                </select>
                                {move || create_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                                <button type="submit">"Create token"</button>
                            </ActionForm>
                            {move || create.value().get().and_then(Result::ok).map(|made| view! {
                                <div class="notice" role="status">
                                    <p>
                                        <strong>{format!("Token \"{}\" made.", made.token.name)}</strong>
                                        " Copy its secret now: Roster keeps only a fingerprint of it and cannot show it again."
                                    </p>
                                    <label for="token-secret">{format!("Secret of \"{}\"", made.token.name)}</label>
                                    <input id="token-secret" readonly value=made.secret.clone() class="secret" size="80"/>
                                    <p class="hint">"Send it as " <code>"Authorization: Bearer …"</code> "."</p>
                                </div>
                            })}
                        </section>
                        <section aria-labelledby="tokens">
                            <h2 id="tokens">"Tokens"</h2>
                            {token_table(id, tokens, revoke)}
                        </section>
                        <section aria-labelledby="calls">
                            <h2 id="calls">"Calls"</h2>
                            <p class="hint">
                                {format!("Every call made with this account's tokens, reads too, newest first; kept {API_CALLS_KEPT_DAYS} days.")}
                            </p>
                            {call_table(calls, before.get_untracked().is_some())}
                        </section>
                    })
                })}}
            </ErrorBoundary>
        </Transition>
    }
}

fn token_table(account: i64, tokens: Vec<ApiToken>, revoke: ServerAction<RevokeApiToken>) -> AnyView {
    if tokens.is_empty() {
        return view! { <p>"This account has no API tokens."</p> }.into_any();
    }
    view! {
        <table class="api-tokens">
            <caption>"API tokens, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col">"Made by"</th>
                    <th scope="col">"Made"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|t| {
                        let date = |at: i64| format_date(at).unwrap_or_default();
                        let status = match t.revoked_at {
                            Some(at) => format!("Revoked {}", date(at)),
                            None if t.expired => format!("Expired {}", date(t.expires_at)),
                            None => format!("Expires {}", date(t.expires_at)),
                        };
                        let live = t.live();
                        let label = format!("Revoke the token {}", t.name);
                        view! {
                            <tr>
                                <th scope="row">{t.name.clone()}</th>
                                <td>{t.scope.label()}</td>
                                <td>{t.created_by.clone()}</td>
                                <td>{date(t.created_at)}</td>
                                <td>{t.last_used_at.map(date).unwrap_or_else(|| "Never".into())}</td>
                                <td>{status}</td>
                                <td class="row-buttons">
                                    {live.then(|| view! {
                                        <ActionForm action=revoke attr:class="inline">
                                            <input type="hidden" name="account" value=account.to_string()/>
                                            <input type="hidden" name="token" value=t.id.to_string()/>
                                            <button type="submit" class="secondary small danger" aria-label=label>"Revoke"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn call_table(calls: ApiCalls, paged: bool) -> AnyView {
    let newest = paged.then(|| view! { <a href="?">"Newest calls"</a> });
    if calls.calls.is_empty() {
        return view! { <p>"No calls yet."</p> {newest} }.into_any();
    }
    view! {
        <table class="api-calls">
            <caption>"Calls made with API tokens, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Call"</th>
                    <th scope="col">"Answer"</th>
                </tr>
            </thead>
            <tbody>
                {calls
                    .calls
                    .into_iter()
                    .map(|c| {
                        view! {
                            <tr>
                                <td>{format_time(c.at).unwrap_or_default()}</td>
                                <td>{c.token}</td>
                                <td><code>{format!("{} {}", c.method, c.path)}</code></td>
                                <td>{c.status}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav aria-label="Calls pages" class="pager">
            {newest}
            {calls.older.map(|o| view! { <a href=format!("?before={o}")>"Older calls"</a> })}
        </nav>
    }
    .into_any()
}
