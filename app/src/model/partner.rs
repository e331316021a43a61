//! Partners (SPEC F21): the customer deployments a partner organisation supports, as its
//! members see them, and the support access levels they hold there.

use serde::{Deserialize, Serialize};

use super::list::SortDir;
use super::table::{ListParams, ListView, SortColumn, TablePage};

/// A support access level: a named set of catalogue roles that partners pick from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SupportLevel {
    pub key: String,
    pub label: String,
    pub description: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeploymentSort {
    #[default]
    Customer,
    Name,
    OrgId,
    Kind,
    Access,
}

impl SortColumn for DeploymentSort {
    const ALL: &'static [DeploymentSort] = &[
        DeploymentSort::Customer,
        DeploymentSort::Name,
        DeploymentSort::OrgId,
        DeploymentSort::Kind,
        DeploymentSort::Access,
    ];

    fn as_str(self) -> &'static str {
        match self {
            DeploymentSort::Customer => "customer",
            DeploymentSort::Name => "name",
            DeploymentSort::OrgId => "org_id",
            DeploymentSort::Kind => "kind",
            DeploymentSort::Access => "access",
        }
    }

    fn label(self) -> &'static str {
        match self {
            DeploymentSort::Customer => "Customer",
            DeploymentSort::Name => "Deployment",
            DeploymentSort::OrgId => "Org ID",
            DeploymentSort::Kind => "Kind",
            DeploymentSort::Access => "Your support access",
        }
    }

    fn is_text(self) -> bool {
        true
    }
}

/// One page of "My deployments": the URL's query string in typed form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeploymentQuery {
    pub list: ListParams<DeploymentSort>,
}

impl DeploymentQuery {
    /// Reads the view from URL parameters; what makes no sense is replaced by the
    /// default and described in the returned notices.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        let sort = get("sort").and_then(|s| DeploymentSort::parse(&s)).unwrap_or_default();
        let list = ListParams::read(&get, DeploymentQuery::default_dir(sort), &mut notices);
        (DeploymentQuery { list }, notices)
    }
}

impl ListView for DeploymentQuery {
    type Sort = DeploymentSort;

    fn default_dir(_key: DeploymentSort) -> SortDir {
        SortDir::Asc
    }

    fn list(&self) -> ListParams<DeploymentSort> {
        self.list.clone()
    }

    fn with_list(&self, list: ListParams<DeploymentSort>) -> Self {
        DeploymentQuery { list }
    }

    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn path(&self) -> String {
        "/deployments".to_string()
    }
}

/// One deployment a partner supports, as its members list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub account: i64,
    pub customer: String,
    pub name: String,
    pub org_id: String,
    /// "cloud", "on-premises", "client-managed cloud".
    pub kind: String,
    /// The viewer's support access level there; `None`: "No access".
    pub access: Option<String>,
    /// The viewer is an active member there (so the deployment's pages open).
    pub member: bool,
}

pub type DeploymentPage = TablePage<DeploymentRow>;

/// What "My deployments" shows: the partner, its levels, and a page of deployments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployments {
    pub partner: String,
    /// Deployments the partner supports in all.
    pub total: i64,
    pub page: DeploymentPage,
}

/// A partner and the deployments it supports, as the console lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerSupport {
    pub partner: i64,
    pub name: String,
    /// (account id, customer, deployment name, Org ID), by customer and name.
    pub deployments: Vec<(i64, String, String, String)>,
}

/// One supported deployment as its page shows it to the partner's members: who of the
/// partner are contacts there with which level, and who approves requests for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentDetail {
    pub account: i64,
    pub customer: String,
    pub name: String,
    pub org_id: String,
    pub kind: String,
    pub partner: String,
    /// The viewer is an active member there (its cases open).
    pub member: bool,
    pub contacts: Vec<DeploymentContact>,
    /// (name, email, approves for every deployment of the partner).
    pub approvers: Vec<(String, String, bool)>,
}

/// A partner's person on a deployment, with their support access level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentContact {
    pub name: String,
    pub email: String,
    pub level: String,
    pub active: bool,
}
