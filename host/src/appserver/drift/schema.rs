//! Just enough JSON Schema to walk what `codex app-server generate-json-schema` prints: `$ref` into `definitions`,
//! `properties`, `items`, `required`, and the unions `anyOf` / `oneOf` / `allOf` (a path holds if it holds in some
//! branch; enum values are collected across branches).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// One schema file, with its `definitions` for resolving `$ref`s.
pub(super) struct Doc {
    pub root: Value,
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
    pub fn branches<'a>(&'a self, schema: &'a Value, out: &mut Vec<&'a Value>) {
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
    pub fn step<'a>(&'a self, schema: &'a Value, segment: &str) -> Vec<&'a Value> {
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

    /// The schemas at a dotted path from `start` (empty when some step is not there).
    pub fn walk<'a>(&'a self, start: &'a Value, path: &str) -> Result<Vec<&'a Value>, String> {
        let mut at = vec![start];
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            at = at.into_iter().flat_map(|s| self.step(s, segment)).collect();
            if at.is_empty() {
                return Err(format!("`{segment}` is not there"));
            }
        }
        Ok(at)
    }

    /// The properties every object branch of `schemas` requires (a field one branch of a union requires and
    /// another does not is the branch's business, not a new demand on every sender).
    pub fn required_in_every_branch(&self, schemas: &[&Value]) -> Vec<String> {
        let mut objects = Vec::new();
        for s in schemas {
            self.branches(s, &mut objects);
        }
        let objects: Vec<&Value> = objects.into_iter().filter(|o| o.get("properties").is_some()).collect();
        let required = |o: &Value| -> Vec<String> {
            o.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let Some((first, rest)) = objects.split_first() else { return Vec::new() };
        let mut common = required(first);
        for o in rest {
            let theirs = required(o);
            common.retain(|name| theirs.contains(name));
        }
        common
    }
}

/// The method names of a `oneOf` of `{method, params}` messages.
pub(super) fn methods_of(doc: &Doc) -> Vec<String> {
    doc.root["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.pointer("/properties/method/enum/0").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// A directory of generated schema files: the three message unions, and one file per named type.
pub(super) struct SchemaDir {
    dir: PathBuf,
    pub client_requests: Doc,
    pub notifications: Doc,
    pub server_requests: Doc,
}

impl SchemaDir {
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
    pub fn params_of<'a>(doc: &'a Doc, method: &str) -> Option<&'a Value> {
        doc.root["oneOf"].as_array()?.iter().find_map(|m| {
            let names = m.pointer("/properties/method/enum")?.as_array()?;
            names.iter().any(|n| n == method).then(|| m.pointer("/properties/params")).flatten()
        })
    }

    /// A named type's own file (at the top, or under `v2` / `v1`).
    pub fn named_type(&self, name: &str) -> Option<Doc> {
        ["", "v2", "v1"].iter().find_map(|sub| Doc::load(&self.dir.join(sub).join(format!("{name}.json"))))
    }
}
