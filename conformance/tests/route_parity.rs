//! Route parity: the checked-in OpenAPI document (docs/openapi.json, what SDK and UI authors read) is current with
//! the routes, and its operations are documented and uniquely named. The CLI's parity (both ways) is cli_parity.rs.
//! Drift fails the build here, not a user.

use std::collections::BTreeSet;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_checked_in_openapi_document_is_current() {
    let generated = codex_manager_host::api::openapi_json();
    let file = repo().join("docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&file, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/openapi.json is out of date with the routes: run `UPDATE_OPENAPI=1 cargo test -p codex-manager-conformance` and commit it"
    );
}

#[test]
fn every_operation_documents_its_errors_and_auth() {
    let doc: serde_json::Value = serde_json::from_str(&codex_manager_host::api::openapi_json()).unwrap();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path} documents no response");
            if path.contains("{id}") {
                assert!(responses.contains_key("404"), "{method} {path} takes an id but documents no 404");
            }
        }
    }
}

#[test]
fn every_operation_has_a_unique_dotted_id() {
    let doc: serde_json::Value = serde_json::from_str(&codex_manager_host::api::openapi_json()).unwrap();
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let (group, handler) = id.split_once('.').unwrap_or_else(|| panic!("{method} {path}: `{id}` is not group.handler"));
            assert!(!group.is_empty() && !handler.is_empty(), "{method} {path}: `{id}`");
            assert!(seen.insert(id.to_string()), "{method} {path}: operationId `{id}` is used twice");
        }
    }
    assert!(seen.len() > 80, "only {} operations", seen.len());
}
