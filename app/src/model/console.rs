//! The vendor operator console (SPEC F19).

use serde::{Deserialize, Serialize};

/// The kinds of organisation an operator creates (the vendor itself is seeded).
pub const ORGANISATION_KINDS: [&str; 2] = ["customer", "partner"];
/// The kinds of support account.
pub const ACCOUNT_KINDS: [&str; 3] = ["on-premises", "client-managed cloud", "cloud"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleOrganisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub domains: Vec<String>,
    pub accounts: Vec<ConsoleAccount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleAccount {
    pub id: i64,
    pub name: String,
    pub org_id: String,
    pub kind: String,
    pub government_cloud: bool,
    pub projects: Vec<String>,
    /// Names of its active Account Administrators.
    pub admins: Vec<String>,
}

/// A comma- or space-separated list as typed, trimmed, without empty or repeated items.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_are_split_trimmed_and_deduplicated() {
        assert_eq!(super::split_list(" a.example, b.example;A.example,, \n c "), ["a.example", "b.example", "c"]);
        assert!(super::split_list(" , ").is_empty());
    }
}
