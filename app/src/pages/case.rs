use crate::components::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{case_href, get_case, FollowCase, PostPulse, SetCaseContact, SetCasePrimary, SetCaseStatus};
use crate::components::error_view::ErrorView;
use crate::components::form_feedback::form_error;
use crate::components::site_header::use_header;
use crate::error::AppError;
use crate::model::{
    format_date, CaseDetails, CaseId, CasePerson, CaseStatus, Cursor, CursorKey, PageCursor, PulsePage,
    MAX_PULSE_MESSAGE,
};
use crate::page_data::page_data;

/// Where in the pulse feed a case page starts: `?after=ID`, `?before=ID`, or
/// `?pulse=latest` for the newest messages; else from the first message.
fn pulse_position(get: impl Fn(&str) -> Option<String>) -> Option<PageCursor> {
    let at = |id: i64| Cursor { key: CursorKey::Int(id), id };
    if let Some(id) = get("after").and_then(|v| v.parse().ok()) {
        return Some(PageCursor::After(at(id)));
    }
    if let Some(id) = get("before").and_then(|v| v.parse().ok()) {
        return Some(PageCursor::Before(at(id)));
    }
    (get("pulse").as_deref() == Some("latest")).then(|| PageCursor::Before(at(i64::MAX)))
}

/// A support case: its people, what the viewer may do with it, and its pulse feed.
/// Every action is a plain form, so the page works without JavaScript too.
#[component]
pub fn CasePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let ids = Memo::new(move |_| {
        params.with(|p| {
            let account = p.get("account")?.parse::<i64>().ok()?;
            let case = p.get("case")?.parse::<i64>().ok()?;
            Some((account, CaseId(case)))
        })
    });
    let at = Memo::new(move |_| query.with(|q| pulse_position(|k| q.get(k))));
    let raised = move || query.with(|q| q.get("raised").is_some());
    let follow = ServerAction::<FollowCase>::new();
    let status = ServerAction::<SetCaseStatus>::new();
    let post = ServerAction::<PostPulse>::new();
    let contact = ServerAction::<SetCaseContact>::new();
    let primary = ServerAction::<SetCasePrimary>::new();
    let details = page_data(
        move || {
            // Any change reloads the page's data.
            let versions = (
                follow.version().get(),
                status.version().get(),
                post.version().get(),
                contact.version().get(),
                primary.version().get(),
            );
            (ids.get(), at.get(), versions)
        },
        |(ids, at, _)| async move {
            match ids {
                Some((account, case)) => get_case(account, case, at).await,
                None => Err(AppError::not_found(crate::model::NO_SUCH_CASE)),
            }
        },
    );
    // Seeing the page marked its notifications read: the header's count follows.
    let header = use_header();
    Effect::new(move |_| {
        if let Some(Ok(_)) = details.get() {
            header.refresh();
        }
    });
    let actions = CaseActions { follow, status, post, contact, primary };
    view! {
        <PageTitle text="Case"/>
        <Transition fallback=|| view! { <p role="status">"Loading the case…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors/> }>
                {move || Suspend::new(async move {
                    let d = details.await?;
                    Ok::<_, AppError>(view! { <CaseView d actions raised=raised()/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct CaseActions {
    follow: ServerAction<FollowCase>,
    status: ServerAction<SetCaseStatus>,
    post: ServerAction<PostPulse>,
    contact: ServerAction<SetCaseContact>,
    primary: ServerAction<SetCasePrimary>,
}

#[component]
fn CaseView(d: CaseDetails, actions: CaseActions, raised: bool) -> impl IntoView {
    let CaseDetails { case: c, pulse } = d;
    let (account, id) = (c.account, c.id);
    let follow_error = form_error(actions.follow);
    let status_error = form_error(actions.status);
    let resolved = c.status == CaseStatus::Resolved;
    let status_class = if resolved { "badge muted" } else { "badge ok" };
    let heading = format!("{}: {}", c.number, c.title);
    view! {
        <PageTitle text=heading.clone()/>
        <p class="eyebrow"><a href=format!("/accounts/{account}/cases")>"← Cases of " {c.account_name.clone()}</a></p>
        <h1>{heading}</h1>
        {raised.then(|| view! {
            <p class="notice" role="status">{format!("Case {} is open. You are its primary contact.", c.number)}</p>
        })}
        <p class="case-meta">
            <span class=status_class>{c.status.label()}</span>
            " Opened " {format_date(c.opened_at).unwrap_or_default()}
            " · Last update " {format_date(c.updated_at).unwrap_or_default()}
        </p>
        {(!c.description.is_empty()).then(|| view! { <p class="case-description">{c.description.clone()}</p> })}
        <div class="toolbar">
            <ActionForm action=actions.follow attr:class="inline">
                <input type="hidden" name="account" value=account/>
                <input type="hidden" name="case" value=id.0/>
                <input type="hidden" name="follow" value=(!c.following).to_string()/>
                <button type="submit" class="secondary">{if c.following { "Unfollow" } else { "Follow" }}</button>
            </ActionForm>
            {c.may_resolve.then(|| view! {
                <ActionForm action=actions.status attr:class="inline">
                    <input type="hidden" name="account" value=account/>
                    <input type="hidden" name="case" value=id.0/>
                    <input type="hidden" name="resolved" value=(!resolved).to_string()/>
                    <button type="submit" class="secondary">{if resolved { "Reopen case" } else { "Resolve case" }}</button>
                </ActionForm>
            })}
        </div>
        <p class="field-error" role="alert">{move || follow_error().or_else(status_error.clone())}</p>
        <CasePeople c=c.clone() actions/>
        <Pulse account case_id=id pulse open=!resolved action=actions.post/>
    }
}

/// The primary contact, additional contacts and followers; administrators change them.
#[component]
fn CasePeople(c: crate::model::CaseView, actions: CaseActions) -> impl IntoView {
    let (account, id, manage) = (c.account, c.id, c.may_manage);
    let contact_error = form_error(actions.contact);
    let primary_error = form_error(actions.primary);
    let person = |p: &CasePerson| format!("{} <{}>", p.name, p.email);
    let contacts = c
        .contacts
        .iter()
        .map(|p| {
            let name = p.name.clone();
            let email = p.email.clone();
            let buttons = manage.then(|| {
                let (email2, name2) = (email.clone(), name.clone());
                view! {
                    <ActionForm action=actions.primary attr:class="inline">
                        <input type="hidden" name="account" value=account/>
                        <input type="hidden" name="case" value=id.0/>
                        <input type="hidden" name="email" value=email.clone()/>
                        <button type="submit" class="link small" aria-label=format!("Make primary: {name}")>
                            "Make primary"
                        </button>
                    </ActionForm>
                    <ActionForm action=actions.contact attr:class="inline">
                        <input type="hidden" name="account" value=account/>
                        <input type="hidden" name="case" value=id.0/>
                        <input type="hidden" name="email" value=email2/>
                        <input type="hidden" name="add" value="false"/>
                        <button type="submit" class="link small" aria-label=format!("Remove contact: {name2}")>
                            "Remove"
                        </button>
                    </ActionForm>
                }
            });
            view! { <li>{person(p)} " " {buttons}</li> }
        })
        .collect_view();
    let followers = c.followers.iter().map(|p| view! { <li>{p.name.clone()}</li> }).collect_view();
    view! {
        <section class="case-people" aria-labelledby="case-people">
            <h2 id="case-people">"People on this case"</h2>
            <dl>
                <dt>"Primary contact"</dt>
                <dd>{c.primary.as_ref().map(person).unwrap_or_else(|| "Nobody".into())}</dd>
                <dt>"Additional contacts"</dt>
                <dd>
                    {if c.contacts.is_empty() {
                        view! { "None" }.into_any()
                    } else {
                        view! { <ul class="plain">{contacts}</ul> }.into_any()
                    }}
                </dd>
                <dt>"Followers"</dt>
                <dd>
                    {if c.followers.is_empty() {
                        view! { "None" }.into_any()
                    } else {
                        view! { <ul class="plain">{followers}</ul> }.into_any()
                    }}
                </dd>
            </dl>
            {manage.then(|| view! {
                <ActionForm action=actions.contact attr:class="row-form">
                    <input type="hidden" name="account" value=account/>
                    <input type="hidden" name="case" value=id.0/>
                    <input type="hidden" name="add" value="true"/>
                    <div class="field">
                        <label for="contact-email">"Add a contact (email of an active member)"</label>
                        <input id="contact-email" name="email" type="email" required autocomplete="off"/>
                    </div>
                    <button type="submit" class="secondary">"Add contact"</button>
                </ActionForm>
                <ActionForm action=actions.primary attr:class="row-form">
                    <input type="hidden" name="account" value=account/>
                    <input type="hidden" name="case" value=id.0/>
                    <div class="field">
                        <label for="primary-email">"New primary contact (email of an active member)"</label>
                        <input id="primary-email" name="email" type="email" required autocomplete="off"/>
                    </div>
                    <button type="submit" class="secondary">"Change primary contact"</button>
                </ActionForm>
            })}
            <p class="field-error" role="alert">{move || contact_error().or_else(primary_error.clone())}</p>
            <p class="done" role="status">
                {move || {
                    let done = |v: Option<Result<String, AppError>>| v.and_then(Result::ok);
                    done(actions.contact.value().get()).or_else(|| done(actions.primary.value().get()))
                }}
            </p>
        </section>
    }
}

/// The pulse feed, oldest first, a page at a time, and the form to post.
#[component]
fn Pulse(
    account: i64,
    case_id: CaseId,
    pulse: PulsePage,
    open: bool,
    action: ServerAction<PostPulse>,
) -> impl IntoView {
    let error = form_error(action);
    let base = case_href(account, case_id);
    let older = pulse.older.map(|id| format!("{base}?before={id}#pulse"));
    let newer = pulse.newer.map(|id| format!("{base}?after={id}#pulse"));
    let latest = pulse.newer.map(|_| format!("{base}?pulse=latest#pulse"));
    let messages = pulse
        .messages
        .into_iter()
        .map(|m| {
            view! {
                <li>
                    <article class="pulse-message">
                        <header>
                            <strong>{m.author.unwrap_or_else(|| "Someone no longer here".into())}</strong>
                            " · " {format_date(m.created_at).unwrap_or_default()}
                        </header>
                        <p>{m.body}</p>
                    </article>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="pulse" id="pulse" aria-labelledby="pulse-heading">
            <h2 id="pulse-heading">"Pulse"</h2>
            <ol class="pulse-feed" aria-label="Messages, oldest first">{messages}</ol>
            <nav class="pager" aria-label="Pulse pages">
                {older.map(|h| view! { <a href=h rel="prev">"Older messages"</a> })}
                {newer.map(|h| view! { <a href=h rel="next">"Newer messages"</a> })}
                {latest.map(|h| view! { <a href=h>"Latest messages"</a> })}
            </nav>
            {if open {
                view! {
                    <ActionForm action>
                        <input type="hidden" name="account" value=account/>
                        <input type="hidden" name="case" value=case_id.0/>
                        <div class="field">
                            <label for="pulse-body">"Write a message"</label>
                            <textarea id="pulse-body" name="body" rows="4" required maxlength=MAX_PULSE_MESSAGE.to_string()></textarea>
                        </div>
                        <p class="field-error" role="alert">{error}</p>
                        <button type="submit" disabled=move || action.pending().get()>"Post"</button>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! { <p class="notice">"This case is resolved. Reopen it to post."</p> }.into_any()
            }}
        </section>
    }
}
