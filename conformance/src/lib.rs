//! Contract checks shared by the conformance suites: the OpenAPI document's routes, and the API paths a client's
//! source code uses, normalized so they can be compared.

pub mod plugin_harness;

use std::collections::BTreeSet;
use std::path::Path;

/// `(METHOD, /path/{param})` for every operation in the host's generated OpenAPI document.
pub fn openapi_operations() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&codex_manager_host::api::openapi_json()).expect("OpenAPI is JSON");
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.insert((method.to_uppercase(), normalize(path)));
        }
    }
    ops
}

/// Replace every `{name}` (or `{}`) with `{}` and drop any query string, so templates compare by shape.
pub fn normalize(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every string literal starting with `/api/` in the `.rs` files under `dir`, with the file it is in.
pub fn api_literals(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable source");
                for piece in text.split('"').skip(1).step_by(2) {
                    if piece.starts_with("/api/") {
                        found.push((piece.to_string(), path.display().to_string()));
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_normalize_to_one_shape() {
        assert_eq!(normalize("/api/sessions/{id}/settings/{key}"), "/api/sessions/{}/settings/{}");
        assert_eq!(normalize("/api/sessions/{}/messages"), "/api/sessions/{}/messages");
        assert_eq!(normalize("/api/events?since={since}&x=1"), "/api/events");
    }
}
