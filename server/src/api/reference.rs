//! `/api/v1/docs`: the API's reference, a page Roster renders itself from the same
//! OpenAPI document it serves (no script, nothing from elsewhere).

use axum::response::Html;
use serde_json::Value;
use utoipa::OpenApi;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The name of a schema a `$ref` points to, or the type written out.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!("array of {}", schema.get("items").map(type_of).unwrap_or_default())
        }
        Some(Value::String(t)) => escape(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(escape).collect::<Vec<_>>().join(" or "),
        _ => schema
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|xs| xs.iter().map(type_of).collect::<Vec<_>>().join(" or "))
            .unwrap_or_else(|| "value".into()),
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).map(escape).unwrap_or_default()
}

fn operation(method: &str, path: &str, op: &Value, out: &mut String) {
    let id = format!("{method}-{path}").replace(['/', '{', '}'], "-");
    out.push_str(&format!(
        "<section class=\"operation\" aria-labelledby=\"{id}\"><h3 id=\"{id}\"><code>{} {}</code></h3>",
        method.to_uppercase(),
        escape(path)
    ));
    out.push_str(&format!("<p>{}</p>", text(op.get("summary"))));
    if let Some(d) = op.get("description").and_then(Value::as_str) {
        out.push_str(&format!("<p>{}</p>", escape(d)));
    }
    if let Some(params) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
        out.push_str("<table><caption>Parameters</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">In</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>");
        for p in params {
            out.push_str(&format!(
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(p.get("name")),
                text(p.get("in")),
                p.get("schema").map(type_of).unwrap_or_default(),
                text(p.get("description"))
            ));
        }
        out.push_str("</tbody></table>");
    }
    if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
        out.push_str(&format!("<p>Body (JSON): {}</p>", type_of(schema)));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<table><caption>Responses</caption><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Meaning</th><th scope=\"col\">Body</th></tr></thead><tbody>");
        for (status, r) in responses {
            let body = r.pointer("/content/application~1json/schema").map(type_of).unwrap_or_default();
            out.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{body}</td></tr>",
                escape(status),
                text(r.get("description"))
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn schema(name: &str, s: &Value, out: &mut String) {
    out.push_str(&format!("<section aria-labelledby=\"schema-{0}\"><h3 id=\"schema-{0}\">{0}</h3>", escape(name)));
    if let Some(d) = s.get("description").and_then(Value::as_str) {
        out.push_str(&format!("<p>{}</p>", escape(d)));
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        out.push_str("<table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>");
        for (field, p) in props {
            let optional = if required.contains(&field.as_str()) { "" } else { " (optional)" };
            out.push_str(&format!(
                "<tr><th scope=\"row\"><code>{}</code>{optional}</th><td>{}</td><td>{}</td></tr>",
                escape(field),
                type_of(p),
                text(p.get("description"))
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

/// The reference page, in the site's stylesheet.
pub async fn page(axum::extract::State(site): axum::extract::State<leptos::config::LeptosOptions>) -> Html<String> {
    let doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap_or_default();
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Roster API reference</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><main class=\"api-reference\">",
        app::backend::site_files::SiteFiles::of(&site).css
    );
    out.push_str(&format!(
        "<h1>{} {}</h1><p>{}</p><p>The OpenAPI 3.1 document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>",
        text(doc.pointer("/info/title")),
        text(doc.pointer("/info/version")),
        text(doc.pointer("/info/description"))
    ));
    out.push_str("<h2>Calls</h2>");
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "put", "delete"] {
                if let Some(op) = item.get(method) {
                    operation(method, path, op, &mut out);
                }
            }
        }
    }
    out.push_str("<h2>Shapes</h2>");
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, s) in schemas {
            schema(name, s, &mut out);
        }
    }
    out.push_str("</main></body></html>");
    Html(out)
}
