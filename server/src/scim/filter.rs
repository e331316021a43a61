//! SCIM filters (RFC 7644 §3.4.2.2): `userName eq "a@b.example" and (active eq true or
//! not (emails co "@x"))`, parsed into `app::backend::scim::Filter`, which storage turns
//! into parameterised SQL (Users) and `matches` evaluates on a JSON resource (Groups,
//! PATCH value filters). Attribute paths come out in lower case without a schema URN.

use app::backend::scim::{CompareOp, Filter, FilterValue};
use serde_json::Value;

/// The longest filter taken, and the deepest nesting of parentheses.
pub const MAX_LEN: usize = 4096;
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1
            }
            ')' => {
                out.push(Token::Close);
                i += 1
            }
            '[' => {
                out.push(Token::OpenBracket);
                i += 1
            }
            ']' => {
                out.push(Token::CloseBracket);
                i += 1
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err("A string in the filter is not closed.".into());
                }
                i += 1;
                let literal: String = chars[start..i].iter().collect();
                let s: String = serde_json::from_str(&literal)
                    .map_err(|_| format!("The filter's string {literal} is not valid."))?;
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | '[' | ']' | '"') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// An attribute path as filters and PATCH paths name it: lower case, no schema URN.
pub fn attribute(path: &str) -> String {
    let lower = path.to_lowercase();
    let bare = match lower.strip_prefix("urn:") {
        Some(_) => lower.rsplit(':').next().unwrap_or_default().to_string(),
        None => lower,
    };
    bare
}

fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$' | ':'))
        && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn nested(&mut self) -> Result<Filter, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("The filter nests too deeply.".into());
        }
        let inner = self.or()?;
        self.depth -= 1;
        Ok(inner)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            self.pos += 1;
            if self.next() != Some(Token::Open) {
                return Err("\"not\" takes a filter in parentheses.".into());
            }
            let inner = self.nested()?;
            if self.next() != Some(Token::Close) {
                return Err("A parenthesis of the filter is not closed.".into());
            }
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.nested()?;
            if self.next() != Some(Token::Close) {
                return Err("A parenthesis of the filter is not closed.".into());
            }
            return Ok(inner);
        }
        let path = match self.next() {
            Some(Token::Word(w)) if valid_path(&w) => attribute(&w),
            Some(Token::Word(w)) => return Err(format!("\"{w}\" is not an attribute.")),
            _ => return Err("The filter is incomplete: an attribute is missing.".into()),
        };
        if self.peek() == Some(&Token::OpenBracket) {
            self.pos += 1;
            let inner = self.nested()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err("A bracket of the filter is not closed.".into());
            }
            return Ok(prefixed(inner, &path));
        }
        let op = match self.next() {
            Some(Token::Word(w)) => w.to_lowercase(),
            _ => return Err(format!("An operator is missing after \"{path}\".")),
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            other => return Err(format!("\"{other}\" is not an operator.")),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => FilterValue::Str(s),
            Some(Token::Word(w)) => match w.to_lowercase().as_str() {
                "true" => FilterValue::Bool(true),
                "false" => FilterValue::Bool(false),
                "null" => FilterValue::Null,
                _ => match w.parse::<f64>() {
                    Ok(n) if n.is_finite() => FilterValue::Num(n),
                    _ => return Err(format!("\"{w}\" is not a value: quote strings.")),
                },
            },
            _ => return Err(format!("A value is missing after \"{path}\" and its operator.")),
        };
        Ok(Filter::Compare(path, op, value))
    }
}

fn prefixed(f: Filter, parent: &str) -> Filter {
    let p = |a: String| format!("{parent}.{a}");
    match f {
        Filter::And(a, b) => Filter::And(Box::new(prefixed(*a, parent)), Box::new(prefixed(*b, parent))),
        Filter::Or(a, b) => Filter::Or(Box::new(prefixed(*a, parent)), Box::new(prefixed(*b, parent))),
        Filter::Not(a) => Filter::Not(Box::new(prefixed(*a, parent))),
        Filter::Present(a) => Filter::Present(p(a)),
        Filter::Compare(a, op, v) => Filter::Compare(p(a), op, v),
    }
}

/// Parses a filter; the error says what is wrong with it.
pub fn parse(text: &str) -> Result<Filter, String> {
    if text.len() > MAX_LEN {
        return Err(format!("A filter may have at most {MAX_LEN} characters."));
    }
    if text.contains('\0') {
        return Err("The filter holds a NUL character.".into());
    }
    let mut p = Parser { tokens: tokens(text)?, pos: 0, depth: 0 };
    if p.tokens.is_empty() {
        return Err("The filter is empty.".into());
    }
    let f = p.or()?;
    if p.pos < p.tokens.len() {
        return Err("The filter goes on after its end: join filters with \"and\" or \"or\".".into());
    }
    Ok(f)
}

/// The values at `path` (lower case) in a JSON resource, through multi-valued attributes.
fn values_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            let v = match v {
                Value::Object(map) => map.iter().find(|(k, _)| k.to_lowercase() == part).map(|(_, v)| v),
                _ => None,
            };
            match v {
                Some(Value::Array(items)) => next.extend(items.iter()),
                Some(v) => next.push(v),
                None => {}
            }
        }
        current = next;
    }
    // A multi-valued attribute of simple values compared whole: `emails co "x"` means
    // its value sub-attribute.
    current
        .into_iter()
        .map(|v| match v {
            Value::Object(map) => map.get("value").unwrap_or(v),
            _ => v,
        })
        .collect()
}

fn compare(v: &Value, op: CompareOp, want: &FilterValue) -> bool {
    match (v, want) {
        (Value::String(s), FilterValue::Str(w)) => {
            let (s, w) = (s.to_lowercase(), w.to_lowercase());
            match op {
                CompareOp::Eq => s == w,
                CompareOp::Ne => s != w,
                CompareOp::Co => s.contains(&w),
                CompareOp::Sw => s.starts_with(&w),
                CompareOp::Ew => s.ends_with(&w),
                CompareOp::Gt => s > w,
                CompareOp::Ge => s >= w,
                CompareOp::Lt => s < w,
                CompareOp::Le => s <= w,
            }
        }
        (Value::Bool(b), FilterValue::Bool(w)) => match op {
            CompareOp::Eq => b == w,
            CompareOp::Ne => b != w,
            _ => false,
        },
        (Value::Number(n), FilterValue::Num(w)) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            match op {
                CompareOp::Eq => n == *w,
                CompareOp::Ne => n != *w,
                CompareOp::Gt => n > *w,
                CompareOp::Ge => n >= *w,
                CompareOp::Lt => n < *w,
                CompareOp::Le => n <= *w,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a JSON resource (or one value of a multi-valued attribute) matches `f`.
pub fn matches(f: &Filter, doc: &Value) -> bool {
    match f {
        Filter::And(a, b) => matches(a, doc) && matches(b, doc),
        Filter::Or(a, b) => matches(a, doc) || matches(b, doc),
        Filter::Not(a) => !matches(a, doc),
        Filter::Present(path) => {
            values_at(doc, path).iter().any(|v| !v.is_null() && *v != &Value::String(String::new()))
        }
        Filter::Compare(path, op, want) => {
            let values = values_at(doc, path);
            match want {
                FilterValue::Null => match op {
                    CompareOp::Eq => values.iter().all(|v| v.is_null()),
                    _ => values.iter().any(|v| !v.is_null()),
                },
                _ if *op == CompareOp::Ne => !values.iter().any(|v| compare(v, CompareOp::Eq, want)),
                _ => values.iter().any(|v| compare(v, *op, want)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eq(path: &str, v: &str) -> Filter {
        Filter::Compare(path.into(), CompareOp::Eq, FilterValue::Str(v.into()))
    }

    #[test]
    fn comparisons_and_presence() {
        assert_eq!(parse(r#"userName eq "bjensen@example.com""#), Ok(eq("username", "bjensen@example.com")));
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName CO "O'Malley""#),
            Ok(Filter::Compare("name.familyname".into(), CompareOp::Co, FilterValue::Str("O'Malley".into())))
        );
        assert_eq!(parse("title pr"), Ok(Filter::Present("title".into())));
        assert_eq!(
            parse("active eq false"),
            Ok(Filter::Compare("active".into(), CompareOp::Eq, FilterValue::Bool(false)))
        );
        assert_eq!(parse(r#"x eq "a \"quoted\" \u00e9""#), Ok(eq("x", "a \"quoted\" é")));
        for op in ["sw", "ew", "ne", "gt", "ge", "lt", "le"] {
            assert!(parse(&format!(r#"userName {op} "j""#)).is_ok(), "{op}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_and_not_group() {
        let f = parse(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
        assert_eq!(
            f,
            Filter::Or(Box::new(eq("a", "1")), Box::new(Filter::And(Box::new(eq("b", "2")), Box::new(eq("c", "3")))))
        );
        let g = parse(r#"(a eq "1" or b eq "2") and not (c eq "3")"#).unwrap();
        assert_eq!(
            g,
            Filter::And(
                Box::new(Filter::Or(Box::new(eq("a", "1")), Box::new(eq("b", "2")))),
                Box::new(Filter::Not(Box::new(eq("c", "3"))))
            )
        );
        assert_eq!(parse(r#"emails[type eq "work"]"#), Ok(eq("emails.type", "work")));
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            "userName",
            "userName eq",
            r#"userName eq "x"#,
            r#"userName xx "x""#,
            r#"userName eq bare"#,
            r#"(userName eq "x""#,
            r#"userName eq "x" "y""#,
            r#"not userName eq "x""#,
            r#"emails[type eq "work""#,
            "1abc eq \"x\"",
            "and",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        assert!(parse(&"a".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn json_resources_match() {
        let doc = json!({"displayName": "Account Administrator", "id": "account_admin",
            "members": [{"value": "12"}, {"value": "13"}], "emails": [{"value": "A@b.example", "type": "work"}]});
        let m = |f: &str| matches(&parse(f).unwrap(), &doc);
        assert!(m(r#"displayName eq "account administrator""#));
        assert!(m(r#"members.value eq "13""#));
        assert!(!m(r#"members.value eq "14""#));
        assert!(m(r#"emails co "@B.EXAMPLE""#));
        assert!(m(r#"emails[type eq "work" and value sw "a@"]"#));
        assert!(m(r#"displayName sw "Account" and not (id eq "primary")"#));
        assert!(m("members pr") && !m("title pr"));
        assert!(m(r#"id ne "primary""#) && !m(r#"id ne "account_admin""#));
    }
}
