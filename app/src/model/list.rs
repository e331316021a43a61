//! What a Manage Users view asks for and
//! what it gets back. Parsing from the URL lives here too, so both sides agree on it.

use serde::{Deserialize, Serialize};

use super::table::{ListParams, ListView, SortColumn, DEFAULT_PAGE_SIZE};

/// The longest Search Text we accept; longer input is cut, not rejected.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The most values one Name or Email column filter holds.
pub const MAX_FILTER_VALUES: usize = 100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Name,
    Email,
    Roles,
    Active,
    LastSignOn,
    CasesOwned,
}

impl SortColumn for SortKey {
    const ALL: &'static [SortKey] =
        &[SortKey::Name, SortKey::Email, SortKey::Roles, SortKey::Active, SortKey::LastSignOn, SortKey::CasesOwned];

    fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Roles => "roles",
            SortKey::Active => "active",
            SortKey::LastSignOn => "last_sign_on",
            SortKey::CasesOwned => "cases",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SortKey::Name => "Name",
            SortKey::Email => "Email",
            SortKey::Roles => "Additional roles",
            SortKey::Active => "Active",
            SortKey::LastSignOn => "Last sign-on",
            SortKey::CasesOwned => "Cases owned",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, SortKey::Name | SortKey::Email)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberStatus {
    #[default]
    Active,
    Inactive,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Inactive => "inactive",
        }
    }
}

/// As stored in `memberships.status`.
impl TryFrom<String> for MemberStatus {
    type Error = super::UnknownKey;

    fn try_from(stored: String) -> Result<Self, Self::Error> {
        match stored.as_str() {
            "active" => Ok(MemberStatus::Active),
            "inactive" => Ok(MemberStatus::Inactive),
            _ => Err(super::UnknownKey(stored)),
        }
    }
}

/// The value a page boundary sits on: the sort column's value and the membership id,
/// which breaks ties so that paging is stable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CursorKey {
    Int(i64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub key: CursorKey,
    pub id: i64,
}

impl Cursor {
    /// URL form: `i<value>.<id>` or `s<id>.<text>` (text last, so it may hold dots).
    pub fn encode(&self) -> String {
        match &self.key {
            CursorKey::Int(v) => format!("i{v}.{}", self.id),
            CursorKey::Text(t) => format!("s{}.{t}", self.id),
        }
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (kind, rest) = (s.get(..1)?, s.get(1..)?);
        match kind {
            "i" => {
                let (v, id) = rest.split_once('.')?;
                Some(Cursor { key: CursorKey::Int(v.parse().ok()?), id: id.parse().ok()? })
            }
            "s" => {
                let (id, t) = rest.split_once('.')?;
                // No stored name or email holds NUL, and PostgreSQL cannot compare with one.
                if t.contains('\0') {
                    return None;
                }
                Some(Cursor { key: CursorKey::Text(t.to_string()), id: id.parse().ok()? })
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PageCursor {
    After(Cursor),
    Before(Cursor),
}

/// Everything that selects one page of an account's members. It is the URL's query
/// string in typed form: `MemberQuery::from_params` reads it and `to_query` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemberQuery {
    pub account: i64,
    pub search: String,
    pub role: Option<String>,
    pub status: MemberStatus,
    pub sort: SortKey,
    pub dir: SortDir,
    pub cursor: Option<PageCursor>,
    pub page_size: u32,
    /// Column filters: exact names / emails to keep (empty = no filter).
    pub names: Vec<String>,
    pub emails: Vec<String>,
}

impl MemberQuery {
    pub fn new(account: i64) -> Self {
        MemberQuery {
            account,
            search: String::new(),
            role: None,
            status: MemberStatus::Active,
            sort: SortKey::Name,
            dir: SortDir::Asc,
            cursor: None,
            page_size: DEFAULT_PAGE_SIZE,
            names: Vec::new(),
            emails: Vec::new(),
        }
    }

    /// Reads the view from URL parameters. Nothing here fails: a value that makes no
    /// sense is replaced by the default and described in the returned notices, which
    /// the page shows, so a mangled link still opens a sensible view.
    pub fn from_params(
        account: i64,
        get: impl Fn(&str) -> Option<String>,
        get_all: impl Fn(&str) -> Vec<String>,
    ) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        let list = ListParams::<SortKey>::read(&get, SortDir::Asc, &mut notices);
        let mut q = MemberQuery::new(account).with_list(list);
        if let Some(r) = get("role").filter(|r| !r.trim().is_empty()) {
            q.role = Some(r.trim().to_string());
        }
        match get("status").as_deref() {
            None | Some("") | Some("active") => {}
            Some("inactive") => q.status = MemberStatus::Inactive,
            Some(_) => notices.push("Unknown status in the link; showing active members.".into()),
        }
        q.names = clean_list(get_all("name"));
        q.emails = clean_list(get_all("email"));
        (q, notices)
    }

    pub fn is_filtered(&self) -> bool {
        !self.search.is_empty() || self.role.is_some() || !self.names.is_empty() || !self.emails.is_empty()
    }
}

impl ListView for MemberQuery {
    type Sort = SortKey;

    fn list(&self) -> ListParams<SortKey> {
        ListParams {
            search: self.search.clone(),
            sort: self.sort,
            dir: self.dir,
            page_size: self.page_size,
            cursor: self.cursor.clone(),
        }
    }

    fn with_list(&self, list: ListParams<SortKey>) -> Self {
        let ListParams { search, sort, dir, page_size, cursor } = list;
        MemberQuery { search, sort, dir, page_size, cursor, ..self.clone() }
    }

    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(r) = &self.role {
            pairs.push(("role", r.clone()));
        }
        if self.status == MemberStatus::Inactive {
            pairs.push(("status", "inactive".into()));
        }
        pairs.extend(self.names.iter().map(|n| ("name", n.clone())));
        pairs.extend(self.emails.iter().map(|e| ("email", e.clone())));
        pairs
    }

    fn path(&self) -> String {
        format!("/accounts/{}/users", self.account)
    }
}

/// Whether `c` may not appear in a name, an email or any other one-line text: control
/// characters (C0, DEL, C1: they break logs, CSV files and PostgreSQL, which refuses NUL)
/// and the invisible marks that reorder or hide text (bidi controls, line and paragraph
/// separators, the byte-order mark), with which one name can pose as another.
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
        )
}

/// Trims, folds runs of white space and caps the length of Search Text. Hidden
/// characters are dropped rather than refused: a search for them could never match.
pub fn clean_search(s: &str) -> String {
    let visible: String =
        s.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !is_hidden_char(*c)).collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(MAX_SEARCH_CHARS).collect()
}

/// The values of a column filter from a link. A NUL cannot be in any stored name or
/// email, so a value holding one is dropped rather than sent to the database.
fn clean_list(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> =
        values.into_iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty() && !v.contains('\0')).collect();
    out.sort();
    out.dedup();
    out.truncate(MAX_FILTER_VALUES);
    out
}

/// Percent-encodes a query-string component (RFC 3986 unreserved characters pass).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The columns with a value filter (SPEC F4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FilterColumn {
    Name,
    Email,
}

impl FilterColumn {
    pub fn label(self) -> &'static str {
        match self {
            FilterColumn::Name => "Name",
            FilterColumn::Email => "Email",
        }
    }

    /// Its name in the page's markup (the filter button's `data-column`).
    pub fn as_str(self) -> &'static str {
        match self {
            FilterColumn::Name => "name",
            FilterColumn::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [FilterColumn::Name, FilterColumn::Email].into_iter().find(|c| c.as_str() == s)
    }
}

/// One page of a column's distinct values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnValues {
    pub values: Vec<String>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

/// The signed-in person, as the header shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub name: String,
    pub email: String,
    pub is_operator: bool,
    /// (id, name) of the accounts they may open, for the header's switcher; at most
    /// `CurrentUser::SWITCHER_MAX + 1` (one more says there are more).
    pub accounts: Vec<(i64, String)>,
    /// Notifications they have not read.
    pub unread: i64,
    /// They belong to a partner organisation: "My deployments" is theirs.
    pub is_partner: bool,
    /// They decide access requests: how many wait for them (`None`: not an approver).
    pub approvals: Option<i64>,
}

impl CurrentUser {
    pub const SWITCHER_MAX: usize = 15;
}

/// An account as the pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccountSummary {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub kind: String,
    pub government_cloud: bool,
    pub org_id: String,
    pub members: i64,
    /// The partner supporting this deployment, if one does: then only its people have
    /// portal access here (seed 004).
    pub supported_by: Option<String>,
}

/// A page of the accounts list. A vendor operator's list is every account, searched and
/// read a page at a time (`searchable`); anyone else's is their own few, whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub accounts: Vec<AccountSummary>,
    /// The last account shown, when more follow: the next page starts after it.
    pub next: Option<i64>,
    pub searchable: bool,
}

impl AccountPage {
    /// How many accounts a page of a vendor operator's list shows.
    pub const SIZE: i64 = 50;
}

/// One row of the Manage Users table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberRow {
    pub membership_id: i64,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    /// Roles beyond the default General Support.
    pub additional_roles: i64,
    /// Signed in within the last six months.
    pub active: bool,
    /// Unix seconds of the last sign-in; 0 when never.
    pub last_sign_in_at: i64,
    /// Open cases where this member is the primary contact.
    pub cases_owned: i64,
    /// Has registered in the Community; a known contact who has not is offered "Invite
    /// to Community".
    pub registered: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPage {
    pub rows: Vec<MemberRow>,
    /// Cursor of the next page (after the last row), when there is one.
    pub next: Option<Cursor>,
    /// Cursor of the previous page (before the first row), when there is one.
    pub prev: Option<Cursor>,
    /// Label of the role the view is filtered to, for the table's heading.
    pub role_label: Option<String>,
    /// Set when a short Search Text looked at no more than this many members past the
    /// cursor: the page may hold fewer matches than fit, and "Next" looks further.
    #[serde(default)]
    pub window: Option<u32>,
}

/// `n` with a comma every three digits, as the messages write numbers.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A date as `YYYY-MM-DD` (UTC) from Unix seconds; `None` for 0, which means never.
pub fn format_date(unix: i64) -> Option<String> {
    if unix <= 0 {
        return None;
    }
    // Days to civil date, after Howard Hinnant's `civil_from_days`.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A moment as `YYYY-MM-DD HH:MM UTC` from Unix seconds; `None` for 0, which means never.
pub fn format_time(unix: i64) -> Option<String> {
    let day = format_date(unix)?;
    let secs = unix.rem_euclid(86_400);
    Some(format!("{day} {:02}:{:02} UTC", secs / 3_600, secs % 3_600 / 60))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_with_thousands_separators() {
        assert_eq!(super::thousands(7), "7");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(10_000), "10,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }

    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> (MemberQuery, Vec<String>) {
        let map: HashMap<String, Vec<String>> = pairs.iter().fold(HashMap::new(), |mut m, (k, v)| {
            m.entry(k.to_string()).or_default().push(v.to_string());
            m
        });
        let m2 = map.clone();
        MemberQuery::from_params(
            7,
            move |k| map.get(k).and_then(|v| v.first().cloned()),
            move |k| m2.get(k).cloned().unwrap_or_default(),
        )
    }

    #[test]
    fn defaults_when_empty() {
        let (q, notes) = parse(&[]);
        assert_eq!(q, MemberQuery::new(7));
        assert!(notes.is_empty());
        assert_eq!(q.href(), "/accounts/7/users");
    }

    #[test]
    fn round_trips_through_the_url() {
        let mut q = MemberQuery::new(7);
        q.search = "o'brien & co".into();
        q.sort = SortKey::LastSignOn;
        q.dir = SortDir::Desc;
        q.page_size = 50;
        q.role = Some("security_contact".into());
        q.cursor = Some(PageCursor::After(Cursor { key: CursorKey::Int(1_700_000_000), id: 42 }));
        let query = q.to_query();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), decode(v))
            })
            .collect();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (back, notes) = parse(&refs);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(back, q);
    }

    fn decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bad_values_fall_back_with_a_notice() {
        let (q, notes) = parse(&[("sort", "password"), ("dir", "up"), ("size", "100000"), ("after", "zz")]);
        assert_eq!(q.sort, SortKey::Name);
        assert_eq!(q.dir, SortDir::Asc);
        assert_eq!(q.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(q.cursor, None);
        assert_eq!(notes.len(), 4, "{notes:?}");
    }

    #[test]
    fn cursor_of_another_sort_is_dropped() {
        let (q, notes) = parse(&[("sort", "cases"), ("after", "s3.alice")]);
        assert_eq!(q.cursor, None);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn cursors_round_trip() {
        for c in [
            Cursor { key: CursorKey::Int(-5), id: 9 },
            Cursor { key: CursorKey::Text("a.b.c".into()), id: 12 },
            Cursor { key: CursorKey::Text(String::new()), id: 1 },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in ["", "x1.2", "i1", "i.1", "s.x", "iNaN.1", "s1.a\u{0}"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn search_is_cleaned() {
        assert_eq!(clean_search("  ann   lee \t"), "ann lee");
        assert_eq!(clean_search(&"x".repeat(500)).len(), MAX_SEARCH_CHARS);
        assert_eq!(clean_search("an\u{0}n\u{202E} lee\u{2066}\n x\u{85}"), "ann lee x");
    }

    #[test]
    fn hidden_characters_are_recognised() {
        for c in [
            '\0', '\t', '\n', '\u{1F}', '\u{7F}', '\u{85}', '\u{9F}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}',
            '\u{2066}', '\u{2069}', '\u{2028}', '\u{FEFF}', '\u{61C}',
        ] {
            assert!(is_hidden_char(c), "{:04X}", c as u32);
        }
        // Letters of every script, and the joiners some scripts and emoji need, are fine.
        for c in ['a', 'é', 'ß', 'Ж', 'م', '中', ' ', '\u{200C}', '\u{200D}', '\u{A0}'] {
            assert!(!is_hidden_char(c), "{:04X}", c as u32);
        }
    }

    #[test]
    fn filter_values_from_a_link_are_capped_and_never_hold_nul() {
        let many: Vec<(String, String)> = (0..150).map(|i| ("name".to_string(), format!("n{i:03}"))).collect();
        let mut pairs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("email", "a\u{0}@b.example"));
        let (q, _) = parse(&pairs);
        assert_eq!(q.names.len(), MAX_FILTER_VALUES);
        assert!(q.emails.is_empty());
    }

    #[test]
    fn sorting_the_same_column_flips() {
        let q = MemberQuery::new(1);
        let a = q.sorted_by(SortKey::Email);
        assert_eq!((a.sort, a.dir), (SortKey::Email, SortDir::Asc));
        let b = a.sorted_by(SortKey::Email);
        assert_eq!(b.dir, SortDir::Desc);
    }

    #[test]
    fn times_format_in_utc() {
        assert_eq!(format_time(0), None);
        assert_eq!(format_time(1_700_000_000).as_deref(), Some("2023-11-14 22:13 UTC"));
    }

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(format_date(0), None);
        assert_eq!(format_date(1).as_deref(), Some("1970-01-01"));
        assert_eq!(format_date(951_782_400).as_deref(), Some("2000-02-29"));
        assert_eq!(format_date(1_767_225_599).as_deref(), Some("2025-12-31"));
    }
}
