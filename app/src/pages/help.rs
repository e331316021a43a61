use leptos::prelude::*;
use leptos_meta::Title;

/// "Manage Support Contacts": what the Manage Users page does and what the roles mean.
#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <Title text="Manage Support Contacts"/>
        <article class="help">
            <h1>"Manage Support Contacts"</h1>
            <p>
                "Account administrators decide who may open support cases for their account, "
                "and with which roles. Open an account from the " <a href="/">"accounts list"</a>
                " to see its users."
            </p>
            <h2>"The user list"</h2>
            <ul>
                <li>"Additional roles counts the roles a member holds beyond General Support, which every member has."</li>
                <li>"Active means the member signed in within the last six months."</li>
                <li>"Cases owned counts the open cases where the member is the primary contact."</li>
                <li>"Type in Search Text to find members by name or email; click a column header to sort by it, and again to reverse."</li>
                <li>"The address of the page keeps the search, sort and page, so you can bookmark or share a view."</li>
            </ul>
            <h2>"Roles"</h2>
            <dl>
                <dt>"General Support"</dt><dd>"Open and follow support cases for the account. Every member has it."</dd>
                <dt>"Account Administrator"</dt><dd>"Manage the support contacts of the account."</dd>
                <dt>"Security Contact"</dt><dd>"Receives security advisories and incident notices."</dd>
                <dt>"Cloud Specialist"</dt><dd>"Works on cloud environments of the account, for all or specific projects."</dd>
                <dt>"Billing contact"</dt><dd>"Receives invoices and billing notices."</dd>
                <dt>"License contact"</dt><dd>"Manages licence keys and entitlements."</dd>
                <dt>"Primary"</dt><dd>"The main contact of the account; one member at most."</dd>
            </dl>
        </article>
    }
}
