//! The discovery documents (RFC 7643 §5–7, RFC 7644 §4): `/ServiceProviderConfig`,
//! `/ResourceTypes` and `/Schemas`. The schemas publish exactly the attributes Roster
//! keeps, with the mutability it gives them, so that a client fills in nothing it drops.

use super::error::{ScimError, ScimResult};
use super::{base_url, list_response, scim_json, GROUP_SCHEMA, USER_SCHEMA};
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    mutability: &'static str,
    case_exact: bool,
    uniqueness: &'static str,
    description: &'static str,
    sub: Vec<Attr>,
}

fn attr(name: &'static str, kind: &'static str, description: &'static str) -> Attr {
    Attr {
        name,
        kind,
        multi: false,
        required: false,
        mutability: "readWrite",
        case_exact: false,
        uniqueness: "none",
        description,
        sub: Vec::new(),
    }
}

impl Attr {
    fn required(mut self) -> Attr {
        self.required = true;
        self
    }
    fn multi(mut self) -> Attr {
        self.multi = true;
        self
    }
    fn read_only(mut self) -> Attr {
        self.mutability = "readOnly";
        self
    }
    fn unique(mut self) -> Attr {
        self.uniqueness = "server";
        self
    }
    fn exact(mut self) -> Attr {
        self.case_exact = true;
        self
    }
    fn with(mut self, sub: Vec<Attr>) -> Attr {
        self.sub = sub;
        self
    }

    fn json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": "default",
            "uniqueness": self.uniqueness,
        });
        if self.kind == "reference" {
            v["referenceTypes"] = json!(if self.name == "$ref" { vec!["User", "Group"] } else { vec!["external"] });
        }
        if !self.sub.is_empty() {
            v["subAttributes"] = Value::Array(self.sub.iter().map(Attr::json).collect());
        }
        v
    }
}

fn user_attributes() -> Vec<Attr> {
    vec![
        attr("userName", "string", "The identity provider's login for the member; their email unless it sent another.")
            .required()
            .unique(),
        attr("name", "complex", "The member's name as the identity provider has it.")
            .with(vec![attr("givenName", "string", "Given name."), attr("familyName", "string", "Family name.")]),
        attr("displayName", "string", "The member's name in Roster.").read_only(),
        attr(
            "emails",
            "complex",
            "The member's email: their Roster address (only a contact who has not registered can be given another).",
        )
        .multi()
        .required()
        .with(vec![
            attr("value", "string", "The address.").required(),
            attr("type", "string", "A label: work, home, other."),
            attr("primary", "boolean", "The address Roster uses."),
        ]),
        attr("active", "boolean", "False: the member's login to this account is deactivated (SPEC F12).").required(),
        attr("groups", "complex", "The member's roles (Groups); change them through the Groups.")
            .multi()
            .read_only()
            .with(vec![
                attr("value", "string", "The role's key.").read_only(),
                attr("$ref", "reference", "The Group.").read_only(),
                attr("display", "string", "The role's label.").read_only(),
                attr("type", "string", "Always direct.").read_only(),
            ]),
    ]
}

fn group_attributes() -> Vec<Attr> {
    vec![
        attr("displayName", "string", "The role's label; roles are Roster's catalogue and keep their names.")
            .required()
            .unique(),
        attr("members", "complex", "The members holding the role (at most 1,000 are listed).").multi().with(vec![
            attr("value", "string", "The member's User id.").exact(),
            attr("$ref", "reference", "The User.").read_only(),
            attr("display", "string", "The member's name.").read_only(),
            attr("type", "string", "Always User."),
        ]),
    ]
}

fn schema_doc(base: &str, id: &str, name: &str, description: &str, attrs: Vec<Attr>) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attrs.iter().map(Attr::json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

fn all_schemas(base: &str) -> Vec<Value> {
    vec![
        schema_doc(base, USER_SCHEMA, "User", "A member of the token's account.", user_attributes()),
        schema_doc(
            base,
            GROUP_SCHEMA,
            "Group",
            "A role of Roster's catalogue, held by members of the account.",
            group_attributes(),
        ),
        schema_doc(
            base,
            SPC_SCHEMA,
            "ServiceProviderConfig",
            "What this SCIM service supports.",
            vec![
                attr("patch", "complex", "PATCH.")
                    .read_only()
                    .with(vec![attr("supported", "boolean", "Supported.").read_only()]),
                attr("filter", "complex", "Filters.").read_only().with(vec![
                    attr("supported", "boolean", "Supported.").read_only(),
                    attr("maxResults", "integer", "The most resources one answer holds.").read_only(),
                ]),
                attr("etag", "complex", "ETags.")
                    .read_only()
                    .with(vec![attr("supported", "boolean", "Supported.").read_only()]),
            ],
        ),
        schema_doc(
            base,
            RT_SCHEMA,
            "ResourceType",
            "A kind of resource this service serves.",
            vec![
                attr("name", "string", "Its name.").read_only().required(),
                attr("endpoint", "reference", "Where it is served.").read_only().required(),
                attr("schema", "reference", "Its schema.").read_only().required().exact(),
            ],
        ),
        schema_doc(
            base,
            SCHEMA_SCHEMA,
            "Schema",
            "The attributes of a resource.",
            vec![
                attr("name", "string", "Its name.").read_only(),
                attr("description", "string", "What it is.").read_only(),
            ],
        ),
    ]
}

fn resource_types(base: &str) -> Vec<Value> {
    [
        ("User", "/Users", USER_SCHEMA, "The members of the account."),
        ("Group", "/Groups", GROUP_SCHEMA, "The roles of the account's members."),
    ]
    .into_iter()
    .map(|(name, endpoint, schema, description)| {
        json!({
            "schemas": [RT_SCHEMA],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": description,
            "schema": schema,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
        })
    })
    .collect()
}

pub async fn config(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    scim_json(
        200,
        &json!({
            "schemas": [SPC_SCHEMA],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": super::MAX_COUNT},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "API token",
                "description": "An API token of the account, made by one of its administrators: Authorization: Bearer roster_…",
                "primary": true,
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
        }),
        None,
    )
}

pub async fn schemas(headers: HeaderMap) -> Response {
    list_response(all_schemas(&base_url(&headers)), 1, None)
}

pub async fn schema(headers: HeaderMap, Path(id): Path<String>) -> ScimResult<Response> {
    all_schemas(&base_url(&headers))
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| scim_json(200, &s, None))
        .ok_or_else(|| ScimError::not_found(format!("There is no schema {id}.")))
}

pub async fn types(headers: HeaderMap) -> Response {
    list_response(resource_types(&base_url(&headers)), 1, None)
}

pub async fn resource_type(headers: HeaderMap, Path(id): Path<String>) -> ScimResult<Response> {
    resource_types(&base_url(&headers))
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| scim_json(200, &s, None))
        .ok_or_else(|| ScimError::not_found(format!("There is no resource type {id}.")))
}
