//! What every paged table of Roster shares (Manage Users, the case list): Search Text,
//! the sort column and direction, the page size and the keyset position, read from and
//! written to the URL the same way, so a link to any table view behaves alike.

use serde::{Deserialize, Serialize};

use super::list::{clean_search, encode_component, Cursor, CursorKey, PageCursor, SortDir};

/// Page sizes offered in the UI; anything else in a URL falls back to the default.
pub const PAGE_SIZES: [u32; 4] = [10, 25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// A column a table sorts by.
pub trait SortColumn: Copy + PartialEq + Default + Send + Sync + 'static {
    const ALL: &'static [Self];
    /// Its name in a URL.
    fn as_str(self) -> &'static str;
    /// Its column header.
    fn label(self) -> &'static str;
    /// Text keys page by a string, the others by a number.
    fn is_text(self) -> bool;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// The part of a table view every table has.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListParams<S> {
    pub search: String,
    pub sort: S,
    pub dir: SortDir,
    pub page_size: u32,
    pub cursor: Option<PageCursor>,
}

impl<S: SortColumn> Default for ListParams<S> {
    fn default() -> Self {
        ListParams {
            search: String::new(),
            sort: S::default(),
            dir: SortDir::Asc,
            page_size: DEFAULT_PAGE_SIZE,
            cursor: None,
        }
    }
}

impl<S: SortColumn> ListParams<S> {
    /// Reads `q`, `sort`, `dir`, `size` and `after`/`before`. Nothing fails: a value that
    /// makes no sense is replaced by the default and described in `notices`.
    pub fn read(get: &impl Fn(&str) -> Option<String>, default_dir: SortDir, notices: &mut Vec<String>) -> Self {
        let mut p = ListParams { dir: default_dir, ..ListParams::default() };
        if let Some(s) = get("q") {
            p.search = clean_search(&s);
        }
        match get("sort").as_deref() {
            None | Some("") => {}
            Some(s) => match S::parse(s) {
                Some(k) => p.sort = k,
                None => notices.push(format!("Unknown sort column in the link; sorted by {}.", S::default().label())),
            },
        }
        match get("dir").as_deref() {
            None | Some("") => {}
            Some("asc") => p.dir = SortDir::Asc,
            Some("desc") => p.dir = SortDir::Desc,
            Some(_) => notices.push(format!(
                "Unknown sort direction in the link; sorted {}.",
                if default_dir == SortDir::Asc { "ascending" } else { "descending" }
            )),
        }
        match get("size").as_deref() {
            None | Some("") => {}
            Some(s) => match s.parse::<u32>() {
                Ok(n) if PAGE_SIZES.contains(&n) => p.page_size = n,
                _ => notices.push(format!(
                    "Page size must be one of {}; showing {DEFAULT_PAGE_SIZE} per page.",
                    PAGE_SIZES.map(|n| n.to_string()).join(", ")
                )),
            },
        }
        let after = get("after").filter(|s| !s.is_empty());
        let before = get("before").filter(|s| !s.is_empty());
        let cursor = match (after, before) {
            (None, None) => Some(None),
            (Some(a), None) => Cursor::decode(&a).map(|c| Some(PageCursor::After(c))),
            (None, Some(b)) => Cursor::decode(&b).map(|c| Some(PageCursor::Before(c))),
            (Some(_), Some(_)) => None,
        };
        const BAD_POSITION: &str = "The page position in the link is not valid; showing the first page.";
        match cursor {
            Some(c) => p.cursor = c,
            None => notices.push(BAD_POSITION.into()),
        }
        // A cursor only makes sense for the sort it was made for.
        if let Some(PageCursor::After(c) | PageCursor::Before(c)) = &p.cursor {
            if matches!(c.key, CursorKey::Text(_)) != p.sort.is_text() {
                p.cursor = None;
                notices.push(BAD_POSITION.into());
            }
        }
        p
    }

    /// The URL pairs of this part, leaving out defaults. Search Text comes first, the
    /// position last.
    fn pairs(&self, default_dir: SortDir, filters: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        pairs.extend(filters);
        if self.sort != S::default() {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if self.dir != default_dir {
            pairs.push(("dir", self.dir.as_str().into()));
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            pairs.push(("size", self.page_size.to_string()));
        }
        match &self.cursor {
            Some(PageCursor::After(c)) => pairs.push(("after", c.encode())),
            Some(PageCursor::Before(c)) => pairs.push(("before", c.encode())),
            None => {}
        }
        pairs
    }
}

/// A table view: its shared part plus the filters of its own, and where it lives.
pub trait ListView: Clone + PartialEq + Send + Sync + 'static {
    type Sort: SortColumn;
    /// The direction a fresh sort by `key` starts in.
    fn default_dir(_key: Self::Sort) -> SortDir {
        SortDir::Asc
    }
    fn list(&self) -> ListParams<Self::Sort>;
    fn with_list(&self, list: ListParams<Self::Sort>) -> Self;
    /// The view's own filters as URL pairs (and hidden fields of the search form).
    fn filter_pairs(&self) -> Vec<(&'static str, String)>;
    /// The page's path, without a query string.
    fn path(&self) -> String;

    /// The query string for this view (without `?`), leaving out defaults.
    fn to_query(&self) -> String {
        let list = self.list();
        let default_dir = Self::default_dir(list.sort);
        let pairs = list.pairs(default_dir, self.filter_pairs());
        pairs.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect::<Vec<_>>().join("&")
    }

    /// The link to this view.
    fn href(&self) -> String {
        match self.to_query() {
            q if q.is_empty() => self.path(),
            q => format!("{}?{q}", self.path()),
        }
    }

    /// The same view from its first page: any change of filter or sort starts over.
    fn first_page(&self) -> Self {
        self.with_list(ListParams { cursor: None, ..self.list() })
    }

    /// The view sorted by `key`: a second click on the current column flips direction.
    fn sorted_by(&self, key: Self::Sort) -> Self {
        let list = self.list();
        let dir = if list.sort == key { list.dir.flipped() } else { Self::default_dir(key) };
        self.with_list(ListParams { sort: key, dir, cursor: None, ..list })
    }

    fn with_search(&self, search: String) -> Self {
        self.with_list(ListParams { search, cursor: None, ..self.list() })
    }

    fn with_page_size(&self, page_size: u32) -> Self {
        self.with_list(ListParams { page_size, cursor: None, ..self.list() })
    }

    fn at(&self, cursor: Option<PageCursor>) -> Self {
        self.with_list(ListParams { cursor, ..self.list() })
    }

    /// The fields a search form must carry to keep the rest of the view (sort, direction
    /// and the view's filters) when it is submitted without JavaScript.
    fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        let list = self.list();
        let mut fields = self.filter_pairs();
        fields.push(("sort", list.sort.as_str().into()));
        fields.push(("dir", list.dir.as_str().into()));
        fields
    }
}

/// One page of a table: its rows and the positions of its neighbours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePage<R> {
    pub rows: Vec<R>,
    /// Cursor of the next page (after the last row), when there is one.
    pub next: Option<Cursor>,
    /// Cursor of the previous page (before the first row), when there is one.
    pub prev: Option<Cursor>,
    /// Set when a short Search Text looked at no more than this many rows past the
    /// cursor: the page may hold fewer matches than fit, and "Next" looks further.
    #[serde(default)]
    pub window: Option<u32>,
}
