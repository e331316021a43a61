use crate::components::page_title::PageTitle;
use leptos::prelude::*;

/// "Manage Support Contacts": what the Manage Users page does, what the roles mean, and
/// where the rest of Roster is (cases, partners, settings), one section each.
#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <PageTitle text="Manage Support Contacts"/>
        <article class="help">
            <h1>"Manage Support Contacts"</h1>
            <p>
                "Account administrators decide who may open support cases for their account, "
                "and with which roles. Open an account from the " <a href="/">"accounts list"</a>
                " to see its users."
            </p>
            <nav aria-label="On this page">
                <ul>
                    <li><a href="#user-list">"The user list"</a></li>
                    <li><a href="#adding">"Adding people"</a></li>
                    <li><a href="#changing">"Changing, deactivating and removing"</a></li>
                    <li><a href="#roles">"Roles"</a></li>
                    <li><a href="#cases">"Cases"</a></li>
                    <li><a href="#partners">"Partners"</a></li>
                    <li><a href="#yours">"Your settings"</a></li>
                </ul>
            </nav>

            <h2 id="user-list">"The user list"</h2>
            <ul>
                <li>"The account overview counts the members holding each role; click a role to list only them."</li>
                <li>"Additional roles counts the roles a member holds beyond General Support, which every member has."</li>
                <li>
                    "Active means the member signed in within the last six months. It is not the same as "
                    <strong>"Active Login"</strong> ", the switch that decides whether they may sign in to this account at all."
                </li>
                <li>"Cases owned counts the open cases where the member is the primary contact."</li>
                <li>
                    "Type in Search Text to find members by name or email; the filter icon of the Name and Email "
                    "columns picks exact values. A one- or two-letter search looks through the list a few thousand "
                    "members at a time and says so; Next goes on."
                </li>
                <li>"Click a column header to sort by it, and again to reverse."</li>
                <li>"Show inactive lists the members whose login is deactivated."</li>
                <li>
                    "The address of the page keeps the search, filters, sort and page, so you can bookmark or share a "
                    "view. Export to Excel and Export CSV save exactly the view shown, every page of it."
                </li>
            </ul>

            <h2 id="adding">"Adding people"</h2>
            <dl>
                <dt>"Add new user"</dt>
                <dd>
                    "For people already registered: type a name to find them among your organisation's people, or "
                    "type the full email of someone from elsewhere. They get a welcome email naming you and their roles."
                </dd>
                <dt>"Invite New Users"</dt>
                <dd>"For people not registered yet: they get an email with a link; registering through it makes them a member."</dd>
                <dt>"New Contact"</dt>
                <dd>
                    "Records someone (first name, last name, email) before they register; they show as Not registered "
                    "until they accept an invitation (Invite to Community, in their row). Save & New keeps the "
                    "form open for the next one."
                </dd>
                <dt>"Import CSV"</dt>
                <dd>"Adds and updates many members from a file. Nothing changes until you apply the checked file, whose report says what each row would do."</dd>
            </dl>

            <h2 id="changing">"Changing, deactivating and removing"</h2>
            <ul>
                <li>"Update (in a row's ⋯ menu) changes a member's roles, and a Cloud Specialist's projects and environment."</li>
                <li>
                    "Turning off Active Login deactivates a member: they keep their roles but cannot sign in to this "
                    "account or raise cases on it until you turn it on again."
                </li>
                <li>
                    "Remove takes the member out of the account and off every case of it; you become the primary "
                    "contact of their open cases. Nothing else of the account is lost."
                </li>
                <li>"Select rows to change roles, deactivate or remove several members at once, or select all that match the view."</li>
                <li>
                    "An account keeps at least one administrator, and one Primary at most. Everything you change is "
                    "in the account's audit history (View audit history), and each member's in their details."
                </li>
            </ul>

            <h2 id="roles">"Roles"</h2>
            <dl>
                <dt>"General Support"</dt><dd>"Open and follow support cases for the account. Every member has it."</dd>
                <dt>"Account Administrator"</dt><dd>"Manage the support contacts of the account."</dd>
                <dt>"Security Contact"</dt><dd>"Receives security advisories and incident notices."</dd>
                <dt>"Cloud Specialist"</dt><dd>"Works on cloud environments of the account, for all or specific projects."</dd>
                <dt>"Billing contact"</dt><dd>"Receives invoices and billing notices."</dd>
                <dt>"License contact"</dt><dd>"Manages licence keys and entitlements."</dd>
                <dt>"Primary"</dt><dd>"The main contact of the account; one member at most."</dd>
            </dl>

            <h2 id="cases">"Cases"</h2>
            <p>
                "Active members raise cases from the accounts list. Administrators see every case of their account; "
                "other members the cases they are on. On a case, its contacts and followers post to its pulse feed, "
                "and everyone on the case sees new posts under Notifications."
            </p>

            <h2 id="partners">"Partners"</h2>
            <p>
                "A partner supports some customers' deployments. While it does, those deployments' contacts come from "
                "the partner: its people see them under My deployments and ask for access under Access requests; the "
                "partner's approvers decide under Approvals, and can copy one deployment's access to others."
            </p>

            <h2 id="yours">"Your settings"</h2>
            <p>
                "Under " <a href="/settings">"Settings"</a> " you choose whether posts on your cases reach you by email, "
                "change your password, and sign out of every other session of yours."
            </p>
        </article>
    }
}
