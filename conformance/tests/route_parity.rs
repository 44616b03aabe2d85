//! Route parity: every API path a client uses exists in the OpenAPI document the host generates from its routes,
//! and the checked-in copy of that document (docs/openapi.json, what SDK and UI authors read) is current.
//! Drift fails the build here, not a user.

use std::collections::BTreeSet;
use std::path::Path;

use codex_manager_conformance::{api_literals, normalize, openapi_operations};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn every_path_the_cli_uses_is_an_api_route() {
    let routes: BTreeSet<String> = openapi_operations().into_iter().map(|(_, p)| p).collect();
    let used = api_literals(&repo().join("cli/src"));
    assert!(used.len() >= 20, "the scan found the CLI's paths ({})", used.len());
    let missing: Vec<_> = used.iter().filter(|(p, _)| !routes.contains(&normalize(p))).collect();
    assert!(missing.is_empty(), "the CLI uses paths the API does not serve: {missing:#?}");
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
