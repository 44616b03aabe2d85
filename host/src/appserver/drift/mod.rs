//! The drift guard: checks the contract in [`super::reliance`] against the JSON schema a codex binary prints, and
//! keeps what it found where every call to app-server consults it ([`ProtocolGate`]).
//!
//! Beyond the listed facts it checks three things a list of facts cannot say: every field app-server requires in
//! what the host sends is one the contract names (a param that became required), every request app-server can send
//! is one the host reads or knowingly declines (a new server request), and every method the host calls exists (a
//! renamed method behind one of the Codex operations).

mod gate;
mod inspect;
mod schema;

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::reliance::{Expect, Reliance, Site, DECLINED_SERVER_REQUESTS, RELIED_ON};
pub use super::reliance::{Call, DriftEffect};
pub use gate::{ProtocolGate, ProtocolReport};
pub use inspect::{inspect, Inspection};
use schema::{methods_of, Doc, SchemaDir};

/// One fact (or one of the checks beyond the list) that does not hold in a schema: named in `/api/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolViolation {
    /// Where in the protocol, and the path: "`turn/steer` params, expectedTurnId".
    pub fact: String,
    /// What is wrong with it in the running codex's schema.
    pub problem: String,
    /// The app-server method it belongs to.
    pub method: String,
    pub effect: DriftEffect,
}

impl std::fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.fact, self.problem)
    }
}

impl ProtocolViolation {
    fn at(site: Site, path: &str, problem: impl Into<String>) -> Self {
        let fact = if path.is_empty() { site.to_string() } else { format!("{site}, {path}") };
        Self { fact, problem: problem.into(), method: site.method().to_string(), effect: site.effect() }
    }
}

/// Check the contract against the schema `codex app-server generate-json-schema --experimental --out DIR` wrote
/// into `dir`. `calls` are the methods the host calls beyond those the contract lists (the Codex operations), with
/// the params each sends.
pub fn check(dir: &Path, calls: &[Call]) -> Result<Vec<ProtocolViolation>, String> {
    let schema = SchemaDir::load(dir)?;
    let mut found: Vec<ProtocolViolation> = RELIED_ON
        .iter()
        .filter_map(|fact| check_fact(&schema, fact).err().map(|problem| ProtocolViolation::at(fact.site, fact.path, problem)))
        .collect();
    found.extend(newly_required(&schema, calls));
    found.extend(unanswered_server_requests(&schema));
    found.extend(missing_calls(&schema, calls));
    Ok(found)
}

/// Run `f` on a site's schema, with the document its `$ref`s resolve in.
fn with_site<T>(schema: &SchemaDir, site: Site, f: impl FnOnce(&Doc, &Value) -> T) -> Result<T, String> {
    let (doc, missing) = match site {
        Site::Request(_) => (&schema.client_requests, "no such request method"),
        Site::Notification(_) => (&schema.notifications, "no such notification"),
        Site::ServerRequest(_) => (&schema.server_requests, "no such server request"),
        Site::Response(_, name) | Site::Answer(_, name) => {
            let doc = schema.named_type(name).ok_or("no such type")?;
            return Ok(f(&doc, &doc.root));
        }
    };
    let params = SchemaDir::params_of(doc, site.method()).ok_or(missing)?;
    Ok(f(doc, params))
}

fn check_fact(schema: &SchemaDir, fact: &Reliance) -> Result<(), String> {
    with_site(schema, fact.site, |doc, start| {
        let mut leaves = Vec::new();
        for s in doc.walk(start, fact.path)? {
            doc.branches(s, &mut leaves);
        }
        // For enum checks, an array of enums (flags) counts by its items.
        let items: Vec<&Value> = leaves.iter().filter_map(|l| l.get("items")).collect();
        for i in items {
            doc.branches(i, &mut leaves);
        }
        check_leaf(&leaves, fact.expect)
    })?
}

/// Fields app-server now requires in what the host sends, that neither the contract nor a Codex operation's params
/// name: at the top of each sent site and inside every object the named paths step into.
fn newly_required(schema: &SchemaDir, calls: &[Call]) -> Vec<ProtocolViolation> {
    // Every site the host sends, with the paths it sends there (a method both lists name: the union).
    let mut sent: Vec<(Site, Vec<&str>)> = Vec::new();
    let facts = RELIED_ON.iter().filter(|f| f.site.is_sent()).map(|f| (f.site, f.path));
    let params = calls.iter().flat_map(|c| std::iter::once((c.method, None)).chain(c.sends.iter().map(move |p| (c.method, Some(*p)))));
    let params = params.map(|(method, path)| (Site::Request(method), path));
    for (site, path) in facts.map(|(s, p)| (s, Some(p))).chain(params) {
        let at = match sent.iter().position(|(s, _)| *s == site) {
            Some(i) => i,
            None => {
                sent.push((site, Vec::new()));
                sent.len() - 1
            }
        };
        sent[at].1.extend(path);
    }
    let mut found = Vec::new();
    for (site, paths) in sent {
        // "" and every proper prefix of a named path, each once.
        let mut prefixes = BTreeSet::from([String::new()]);
        for path in &paths {
            let segments: Vec<&str> = path.split('.').collect();
            for n in 1..segments.len() {
                prefixes.insert(segments[..n].join("."));
            }
        }
        let _ = with_site(schema, site, |doc, start| {
            for prefix in &prefixes {
                let Ok(at) = doc.walk(start, prefix) else { continue };
                for field in doc.required_in_every_branch(&at) {
                    let full = if prefix.is_empty() { field } else { format!("{prefix}.{field}") };
                    let named = paths.iter().any(|p| *p == full || p.starts_with(&format!("{full}.")) || p.starts_with(&format!("{full}[]")));
                    if !named {
                        found.push(ProtocolViolation::at(site, &full, "app-server now requires it and the host does not send it"));
                    }
                }
            }
        });
    }
    found
}

/// Requests app-server can send that the host neither reads nor knowingly declines.
fn unanswered_server_requests(schema: &SchemaDir) -> Vec<ProtocolViolation> {
    let read: BTreeSet<&str> = RELIED_ON
        .iter()
        .filter_map(|f| match f.site {
            Site::ServerRequest(m) => Some(m),
            _ => None,
        })
        .collect();
    methods_of(&schema.server_requests)
        .into_iter()
        .filter(|m| !read.contains(m.as_str()) && !DECLINED_SERVER_REQUESTS.contains(&m.as_str()))
        .map(|m| ProtocolViolation {
            fact: format!("`{m}` request from app-server"),
            problem: "app-server can send it and this host does not answer it: such requests are declined".to_string(),
            method: m,
            effect: DriftEffect::Declined,
        })
        .collect()
}

/// Methods the host calls that the schema does not have (renamed or removed): the Codex operations' `calls`, and
/// those the contract knows only by their result. (A method with params in the contract is reported by its facts.)
fn missing_calls(schema: &SchemaDir, calls: &[Call]) -> Vec<ProtocolViolation> {
    let served: BTreeSet<String> = methods_of(&schema.client_requests).into_iter().collect();
    let with_params: BTreeSet<&str> = RELIED_ON.iter().filter(|f| matches!(f.site, Site::Request(_))).map(|f| f.site.method()).collect();
    let by_result = RELIED_ON.iter().filter(|f| matches!(f.site, Site::Response(..))).map(|f| f.site.method());
    let mut missing: Vec<&'static str> = calls.iter().map(|c| c.method).chain(by_result).filter(|m| !served.contains(*m) && !with_params.contains(m)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing.into_iter().map(|m| ProtocolViolation::at(Site::Request(m), "", "no such request method (renamed or removed?)")).collect()
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check_leaf(leaves: &[&Value], expect: Expect) -> Result<(), String> {
    let has_type = |t: &str| leaves.iter().any(|l| types_of(l).contains(&t) || (t == "string" && l.get("enum").is_some()));
    let ok = match expect {
        Expect::Present => true,
        Expect::String => has_type("string"),
        Expect::Boolean => has_type("boolean"),
        Expect::Integer => has_type("integer"),
        Expect::Array => has_type("array"),
        Expect::Object => has_type("object"),
        Expect::Values(values) => {
            // Values of a plain enum, or of the items of an array of enums (flags).
            let allowed: Vec<&Value> = leaves.iter().flat_map(|l| l.get("enum").and_then(Value::as_array).into_iter().flatten()).collect();
            let free_string = leaves.iter().any(|l| types_of(l).contains(&"string") && l.get("enum").is_none());
            let missing: Vec<&&str> = values.iter().filter(|v| !allowed.iter().any(|a| a.as_str() == Some(v))).collect();
            if !missing.is_empty() && !free_string {
                return Err(format!("does not allow {missing:?}"));
            }
            true
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("is not {expect:?}"))
    }
}
