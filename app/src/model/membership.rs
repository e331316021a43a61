//! Roles, memberships and the changes an administrator makes to them.

use serde::{Deserialize, Serialize};

use super::AccountSummary;

/// A role of the catalogue (data, not code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Role {
    pub key: String,
    pub label: String,
    pub description: String,
    /// Given to every member (General Support).
    pub is_default: bool,
    /// May manage the account's contacts.
    pub is_admin: bool,
    /// At most one member of an account holds it (Primary).
    pub unique_per_account: bool,
    /// Comes with a cloud affiliation (Cloud Specialist).
    pub cloud_affiliation: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCount {
    pub role: Role,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Project {
    pub id: i64,
    pub name: String,
}

/// The account overview: members per role, and what the dialogs need to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub account: AccountSummary,
    pub roles: Vec<RoleCount>,
    pub inactive: i64,
    pub projects: Vec<Project>,
}

impl Overview {
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.roles.iter().map(|r| &r.role).find(|r| r.key == key)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Environment {
    Production,
    #[default]
    NonProduction,
    All,
}

impl Environment {
    pub const ALL: [Environment; 3] = [Environment::Production, Environment::NonProduction, Environment::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::NonProduction => "non-production",
            Environment::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Environment::Production => "Production",
            Environment::NonProduction => "Non-production",
            Environment::All => "All",
        }
    }
}

/// Where a Cloud Specialist works. Default: all projects, non-production.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudAffiliation {
    pub all_projects: bool,
    /// Project ids, when not all projects.
    pub projects: Vec<i64>,
    pub environment: Environment,
}

impl Default for CloudAffiliation {
    fn default() -> Self {
        CloudAffiliation { all_projects: true, projects: Vec::new(), environment: Environment::NonProduction }
    }
}

/// The roles (beyond the default one) and cloud affiliation a member should have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub roles: Vec<String>,
    /// Used with a cloud-affiliation role (the default when missing); ignored without one.
    pub cloud: Option<CloudAffiliation>,
}

/// Who to add: a person picked from the type-ahead, or typed as a full email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersonRef {
    Id(i64),
    Email(String),
}

/// A registered person offered by the Add new user type-ahead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PersonMatch {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// Everything the details dialog and the Update dialog show of one member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDetails {
    pub membership_id: i64,
    pub account: i64,
    pub person_id: i64,
    pub name: String,
    pub email: String,
    pub active_login: bool,
    pub roles: Vec<Role>,
    pub cloud: Option<CloudAffiliation>,
    pub last_sign_in_at: i64,
    pub open_cases_owned: i64,
    pub added_at: i64,
    pub added_by: Option<String>,
    /// Changes with every write; an update must name the version it was made from.
    pub version: i64,
    pub history: Vec<super::AuditEntry>,
}

impl MemberDetails {
    pub fn has_role(&self, key: &str) -> bool {
        self.roles.iter().any(|r| r.key == key)
    }
}

/// What a bulk action does to each selected member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    /// Give these roles to every selected member, keeping the roles they have.
    AddRoles(Vec<String>),
    /// Take these roles away from every selected member.
    RemoveRoles(Vec<String>),
    Deactivate,
    Remove,
}

/// Which members a bulk action applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selection {
    Members(Vec<i64>),
    /// Every member the view matches, on all its pages.
    AllMatching(super::MemberQuery),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    pub changed: usize,
    pub unchanged: usize,
    /// Members that could not be changed, with why.
    pub refused: Vec<(String, String)>,
    /// Selected ids that are not members of the account (removed meanwhile, or never
    /// were): counted, never named.
    pub not_members: usize,
}

/// The exact confirmation text of Remove (SPEC F11).
pub fn removal_warning(name: &str) -> String {
    format!(
        "Removing {name} will remove them as a contact or follower on all open and resolved cases for this account. \
         Are you sure you want to continue?"
    )
}
