//! Checks the host's protocol facts ([`RELIED_ON`]) against a JSON schema directory as printed by
//! `codex app-server generate-json-schema --out DIR` (`--experimental` for the experimental surface).
//!
//! Only what the host needs of JSON Schema is walked: `$ref` into `definitions`, `properties`, `items`, and the
//! unions `anyOf` / `oneOf` / `allOf` (a path holds if it holds in some branch; enum values are collected across
//! branches).

use std::path::{Path, PathBuf};

use codex_manager_host::appserver::reliance::{Expect, Reliance, Site, RELIED_ON};
use serde_json::Value;

/// A fact that does not hold in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub fact: String,
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.fact, self.problem)
    }
}

/// One schema file, with its `definitions` for resolving `$ref`s.
struct Doc {
    root: Value,
}

impl Doc {
    fn load(path: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(Self { root: serde_json::from_str(&text).ok()? })
    }

    /// Follow `$ref`s until a schema without one.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..64 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix("#/definitions/").and_then(|name| self.root["definitions"].get(name)) {
                    Some(next) => schema = next,
                    None => return &Value::Null,
                },
                None => return schema,
            }
        }
        schema
    }

    /// Every concrete branch a schema can take (unions flattened, refs resolved).
    fn branches<'a>(&'a self, schema: &'a Value, out: &mut Vec<&'a Value>) {
        let schema = self.resolve(schema);
        let mut had_union = false;
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(list) = schema.get(key).and_then(Value::as_array) {
                had_union = true;
                for s in list {
                    self.branches(s, out);
                }
            }
        }
        if !had_union || schema.get("properties").is_some() || schema.get("type").is_some() {
            out.push(schema);
        }
    }

    /// The schemas reached by one path step (`name`, or `name[]` for the items of an array property).
    fn step<'a>(&'a self, schema: &'a Value, segment: &str) -> Vec<&'a Value> {
        let (name, into_items) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        let mut branches = Vec::new();
        self.branches(schema, &mut branches);
        let mut found = Vec::new();
        for b in branches {
            if let Some(prop) = b.get("properties").and_then(|p| p.get(name)) {
                if into_items {
                    let mut arrays = Vec::new();
                    self.branches(prop, &mut arrays);
                    found.extend(arrays.into_iter().filter_map(|a| a.get("items")));
                } else {
                    found.push(prop);
                }
            }
        }
        found
    }
}

/// Where the facts are checked: a directory of generated schema files.
pub struct Schema {
    dir: PathBuf,
    client_requests: Doc,
    notifications: Doc,
    server_requests: Doc,
}

impl Schema {
    pub fn load(dir: &Path) -> Result<Self, String> {
        let doc = |name: &str| Doc::load(&dir.join(name)).ok_or_else(|| format!("no readable {name} in {}", dir.display()));
        Ok(Self {
            dir: dir.to_path_buf(),
            client_requests: doc("ClientRequest.json")?,
            notifications: doc("ServerNotification.json")?,
            server_requests: doc("ServerRequest.json")?,
        })
    }

    /// The params schema of `method` in a `oneOf` of `{method, params}` messages.
    fn params_of<'a>(doc: &'a Doc, method: &str) -> Option<&'a Value> {
        doc.root["oneOf"].as_array()?.iter().find_map(|m| {
            let names = m.pointer("/properties/method/enum")?.as_array()?;
            names.iter().any(|n| n == method).then(|| m.pointer("/properties/params")).flatten()
        })
    }

    fn named_type(&self, name: &str) -> Option<(Doc, Value)> {
        for sub in ["", "v2", "v1"] {
            if let Some(doc) = Doc::load(&self.dir.join(sub).join(format!("{name}.json"))) {
                let root = doc.root.clone();
                return Some((doc, root));
            }
        }
        None
    }

    /// Check one fact.
    pub fn check(&self, fact: &Reliance) -> Result<(), String> {
        let owned;
        let (doc, start): (&Doc, &Value) = match fact.site {
            Site::Request(m) => (&self.client_requests, Self::params_of(&self.client_requests, m).ok_or("no such request method")?),
            Site::Notification(m) => (&self.notifications, Self::params_of(&self.notifications, m).ok_or("no such notification")?),
            Site::ServerRequest(m) => (&self.server_requests, Self::params_of(&self.server_requests, m).ok_or("no such server request")?),
            Site::Type(name) => {
                owned = self.named_type(name).ok_or("no such type")?;
                (&owned.0, &owned.1)
            }
        };
        let mut at = vec![start];
        for segment in fact.path.split('.') {
            at = at.into_iter().flat_map(|s| doc.step(s, segment)).collect();
            if at.is_empty() {
                return Err(format!("`{segment}` is not there"));
            }
        }
        let mut leaves = Vec::new();
        for s in at {
            doc.branches(s, &mut leaves);
        }
        // For enum checks, an array of enums (flags) counts by its items.
        let items: Vec<&Value> = leaves.iter().filter_map(|l| l.get("items")).collect();
        for i in items {
            doc.branches(i, &mut leaves);
        }
        check_leaf(&leaves, fact.expect)
    }

    /// Every fact in [`RELIED_ON`] that does not hold.
    pub fn violations(&self) -> Vec<Violation> {
        RELIED_ON
            .iter()
            .filter_map(|fact| {
                self.check(fact).err().map(|problem| Violation { fact: format!("{:?} {}", fact.site, fact.path), problem })
            })
            .collect()
    }
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
            let mut allowed: Vec<&Value> = Vec::new();
            for l in leaves {
                allowed.extend(l.get("enum").and_then(Value::as_array).into_iter().flatten());
            }
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
