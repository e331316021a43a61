//! Support cases, their pulse feed and the notifications it sends (SPEC F20), as the
//! pages show them, and the case list's view as its URL holds it.

use serde::{Deserialize, Serialize};

use super::list::SortDir;
use super::table::{ListParams, ListView, SortColumn, TablePage};
use super::{CaseId, UnknownKey};

/// The longest title, description and pulse message, in characters.
pub const MAX_CASE_TITLE: usize = 200;
pub const MAX_CASE_DESCRIPTION: usize = 5_000;
pub const MAX_PULSE_MESSAGE: usize = 4_000;
/// A case that is not there, or not the asker's to read: the same words, so that nobody
/// learns which case numbers exist in other accounts.
pub const NO_SUCH_CASE: &str = "There is no such case in this account.";
/// Pulse messages per page of a case.
pub const PULSE_PAGE: u32 = 20;
/// Notifications per page.
pub const NOTIFICATION_PAGE: u32 = 25;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseStatus {
    #[default]
    Open,
    Resolved,
}

impl CaseStatus {
    /// As stored in `cases.status` and written in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "Open",
            CaseStatus::Resolved => "Resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CaseStatus::Open, CaseStatus::Resolved].into_iter().find(|c| c.as_str() == s)
    }
}

impl TryFrom<String> for CaseStatus {
    type Error = UnknownKey;

    fn try_from(stored: String) -> Result<Self, UnknownKey> {
        CaseStatus::parse(&stored).ok_or(UnknownKey(stored))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseSort {
    Number,
    Title,
    Status,
    Primary,
    #[default]
    Updated,
}

impl SortColumn for CaseSort {
    const ALL: &'static [CaseSort] =
        &[CaseSort::Number, CaseSort::Title, CaseSort::Status, CaseSort::Primary, CaseSort::Updated];

    fn as_str(self) -> &'static str {
        match self {
            CaseSort::Number => "number",
            CaseSort::Title => "title",
            CaseSort::Status => "status",
            CaseSort::Primary => "primary",
            CaseSort::Updated => "updated",
        }
    }

    fn label(self) -> &'static str {
        match self {
            CaseSort::Number => "Number",
            CaseSort::Title => "Title",
            CaseSort::Status => "Status",
            CaseSort::Primary => "Primary contact",
            CaseSort::Updated => "Last update",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, CaseSort::Title | CaseSort::Status | CaseSort::Primary)
    }
}

/// Everything that selects one page of an account's cases: the URL's query string in
/// typed form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaseQuery {
    pub account: i64,
    /// Only cases with this status; `None` for all.
    pub status: Option<CaseStatus>,
    /// Only cases the viewer is primary contact, additional contact or follower of.
    pub mine: bool,
    pub list: ListParams<CaseSort>,
}

impl CaseQuery {
    pub fn new(account: i64) -> Self {
        CaseQuery {
            account,
            status: None,
            mine: false,
            list: ListParams { dir: CaseQuery::default_dir(CaseSort::Updated), ..ListParams::default() },
        }
    }

    /// Reads the view from URL parameters; what makes no sense is replaced by the
    /// default and described in the returned notices.
    pub fn from_params(account: i64, get: impl Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        let sort = get("sort").and_then(|s| CaseSort::parse(&s)).unwrap_or_default();
        let list = ListParams::read(&get, CaseQuery::default_dir(sort), &mut notices);
        let mut q = CaseQuery { list, ..CaseQuery::new(account) };
        match get("status").as_deref() {
            None | Some("") | Some("all") => {}
            Some(s) => match CaseStatus::parse(s) {
                Some(status) => q.status = Some(status),
                None => notices.push("Unknown status in the link; showing all cases.".into()),
            },
        }
        q.mine = get("mine").is_some_and(|m| m == "1" || m == "true" || m == "on");
        (q, notices)
    }

    pub fn is_filtered(&self) -> bool {
        !self.list.search.is_empty() || self.status.is_some() || self.mine
    }
}

impl ListView for CaseQuery {
    type Sort = CaseSort;

    /// The newest change first; everything else from A (or the lowest number).
    fn default_dir(key: CaseSort) -> SortDir {
        if key == CaseSort::Updated {
            SortDir::Desc
        } else {
            SortDir::Asc
        }
    }

    fn list(&self) -> ListParams<CaseSort> {
        self.list.clone()
    }

    fn with_list(&self, list: ListParams<CaseSort>) -> Self {
        CaseQuery { list, ..self.clone() }
    }

    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(s) = self.status {
            pairs.push(("status", s.as_str().to_string()));
        }
        if self.mine {
            pairs.push(("mine", "1".to_string()));
        }
        pairs
    }

    fn path(&self) -> String {
        format!("/accounts/{}/cases", self.account)
    }
}

/// One row of the case list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: CaseId,
    pub number: String,
    pub title: String,
    pub status: CaseStatus,
    /// Empty when the case has no primary contact.
    pub primary_name: String,
    pub updated_at: i64,
}

pub type CasePage = TablePage<CaseRow>;

/// Someone on a case, as its page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CasePerson {
    pub person_id: i64,
    pub name: String,
    pub email: String,
}

/// A case page: the case, the people on it, and what the viewer may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub id: CaseId,
    pub account: i64,
    pub account_name: String,
    pub number: String,
    pub title: String,
    pub description: String,
    pub status: CaseStatus,
    pub opened_at: i64,
    pub updated_at: i64,
    pub primary: Option<CasePerson>,
    pub contacts: Vec<CasePerson>,
    pub followers: Vec<CasePerson>,
    /// The viewer follows the case.
    pub following: bool,
    /// The viewer administers the account: changes the contacts.
    pub may_manage: bool,
    /// The viewer is the primary contact or an administrator: resolves and reopens.
    pub may_resolve: bool,
}

/// One message of a case's pulse feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PulseMessage {
    pub id: i64,
    /// `None` once the author's person is gone.
    pub author: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// A page of a case's pulse feed, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulsePage {
    pub messages: Vec<PulseMessage>,
    /// The id the previous (older) page ends before, when there is one.
    pub older: Option<i64>,
    /// The id the next (newer) page starts after, when there is one.
    pub newer: Option<i64>,
}

/// A notification: someone posted on a case the person is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub case_title: String,
    pub author: Option<String>,
    /// The start of the message.
    pub excerpt: String,
    pub created_at: i64,
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// The id the next (older) page starts before, when there is one.
    pub next: Option<i64>,
    pub unread: i64,
}

/// The case list page's data: which account, whose view, and the rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    pub account_name: String,
    /// The viewer administers the account and so sees every case of it; otherwise only
    /// the cases they are on.
    pub sees_all: bool,
    pub page: CasePage,
}

/// A case page's data: the case and one page of its pulse feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetails {
    pub case: CaseView,
    pub pulse: PulsePage,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cursor, CursorKey, PageCursor};

    fn parse(query: &str) -> (CaseQuery, Vec<String>) {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.replace('+', " "))
            })
            .collect();
        CaseQuery::from_params(7, |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_default_view_is_newest_first_and_has_a_bare_link() {
        let q = CaseQuery::new(7);
        assert_eq!((q.list.sort, q.list.dir), (CaseSort::Updated, SortDir::Desc));
        assert_eq!(q.href(), "/accounts/7/cases");
        assert_eq!(parse("").0, q);
    }

    #[test]
    fn a_view_survives_its_own_link() {
        let mut q = CaseQuery::new(7).sorted_by(CaseSort::Title).with_search("login fails".into());
        q.status = Some(CaseStatus::Open);
        q.mine = true;
        q = q.at(Some(PageCursor::After(Cursor { key: CursorKey::Text("login fails".into()), id: 12 })));
        let href = q.href();
        assert_eq!(href, "/accounts/7/cases?q=login+fails&status=open&mine=1&sort=title&after=s12.login+fails");
        let (back, notices) = parse(href.split_once('?').unwrap().1);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(back, q);
    }

    #[test]
    fn sorting_by_update_starts_newest_first_and_flips() {
        let q = CaseQuery::new(7).sorted_by(CaseSort::Number);
        assert_eq!(q.list.dir, SortDir::Asc);
        let q = q.sorted_by(CaseSort::Updated);
        assert_eq!(q.list.dir, SortDir::Desc);
        assert_eq!(q.sorted_by(CaseSort::Updated).list.dir, SortDir::Asc);
        assert_eq!(parse("sort=updated&dir=asc").0.list.dir, SortDir::Asc);
    }

    #[test]
    fn nonsense_in_a_link_is_replaced_and_said() {
        let (q, notices) = parse("status=lost&sort=colour&size=7&after=zz");
        assert_eq!(q, CaseQuery::new(7));
        assert_eq!(notices.len(), 4, "{notices:?}");
    }
}
