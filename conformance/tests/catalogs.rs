//! The host's catalogs and the docs are one fact: the event types and error codes the OpenAPI document exports
//! (from `EventType` and `ErrorCode` in the host) are exactly those docs/api.md's tables list, with the same
//! app-server methods behind each mapped type. Drift fails here, not in a client that trusted the docs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

fn api_md() -> String {
    std::fs::read_to_string(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md"))).unwrap()
}

fn schemas() -> Value {
    let doc: Value = serde_json::from_str(&codex_manager_host::api::openapi_json()).unwrap();
    doc["components"]["schemas"].clone()
}

/// The rows of the first table under the heading `heading`, split into cells.
fn table(md: &str, heading: &str) -> Vec<Vec<String>> {
    let start = md.lines().position(|l| l == heading).unwrap_or_else(|| panic!("docs/api.md has no `{heading}`"));
    md.lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
        .collect()
}

/// The backticked words of a cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn is_type(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
}

fn enum_values(schema: &Value) -> BTreeSet<String> {
    schema["enum"].as_array().expect("a string enum").iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_error_table_lists_exactly_the_error_codes_of_the_catalog() {
    let catalog = enum_values(&schemas()["ErrorCode"]);
    assert!(catalog.len() >= 70, "the catalog is exported ({})", catalog.len());
    let documented: BTreeSet<String> = table(&api_md(), "## Errors").iter().flat_map(|row| ticked(&row[0])).collect();
    let undocumented: Vec<_> = catalog.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&catalog).collect();
    assert!(undocumented.is_empty() && unknown.is_empty(), "codes not in docs/api.md: {undocumented:?}; documented but not in ErrorCode: {unknown:?}");
}

#[test]
fn error_bodies_are_typed_by_the_catalog_in_the_document() {
    let s = schemas();
    assert_eq!(s["ErrorBody"]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode");
}

#[test]
fn the_event_tables_list_exactly_the_event_types_of_the_catalog() {
    let s = schemas();
    let catalog = enum_values(&s["EventType"]);
    let entries = s["EventType"]["x-event-catalog"]["types"].as_object().expect("x-event-catalog.types");
    assert_eq!(entries.keys().cloned().collect::<BTreeSet<_>>(), catalog, "every type has its entry");
    let md = api_md();

    // From app-server: each row maps its methods to one type, as the catalog does.
    let mut documented_methods: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in table(&md, "### Event types: from app-server") {
        let types = ticked(&row[1]);
        if types.iter().any(|t| t.contains('<')) {
            continue; // the open `app_server.<method>` family
        }
        assert_eq!(types.len(), 1, "one type per row: {row:?}");
        documented_methods.entry(types[0].clone()).or_default().extend(ticked(&row[0]));
    }
    let catalog_methods: BTreeMap<String, BTreeSet<String>> = entries
        .iter()
        .filter(|(_, e)| e["source"] == "app_server")
        .map(|(t, e)| (t.clone(), e["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_owned()).collect()))
        .collect();
    assert_eq!(documented_methods, catalog_methods, "docs/api.md's app-server table and the catalog map methods alike");
    assert_eq!(s["EventType"]["x-event-catalog"]["passThrough"]["prefix"], "app_server.");

    // From the host (and the websocket only): every host-built type is listed, and nothing the catalog lacks.
    let host_rows: BTreeSet<String> =
        table(&md, "### Event types: from the host").iter().flat_map(|row| ticked(&row[0])).filter(|t| is_type(t)).collect();
    let host_built: BTreeSet<String> = entries.iter().filter(|(_, e)| e["source"] != "app_server").map(|(t, _)| t.clone()).collect();
    let missing: Vec<_> = host_built.difference(&host_rows).collect();
    let unknown: Vec<_> = host_rows.difference(&catalog).collect();
    assert!(missing.is_empty() && unknown.is_empty(), "host types not in docs/api.md: {missing:?}; documented but not in EventType: {unknown:?}");
}

#[test]
fn host_built_events_name_their_data_and_schema_refs_resolve() {
    let s = schemas();
    for (t, e) in s["EventType"]["x-event-catalog"]["types"].as_object().unwrap() {
        let data = &e["data"];
        if let Some(r) = data["$ref"].as_str() {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            assert!(s[name].is_object(), "{t}: data schema {name} is in the document");
        } else if e["source"] != "app_server" {
            assert!(data["fields"].as_str().is_some_and(|f| !f.is_empty()), "{t}: data fields are named");
        }
    }
}

#[test]
fn states_are_enums_in_the_document() {
    let s = schemas();
    let values = |name: &str| enum_values(&s[name]);
    assert_eq!(values("JobState"), ["canceled", "failed", "queued", "running", "succeeded"].map(String::from).into());
    assert_eq!(values("RequestStatus"), ["expired", "pending", "resolved"].map(String::from).into());
    assert_eq!(values("RequestFamily"), ["approval", "tool_call", "tool_input"].map(String::from).into());
    assert_eq!(values("TurnStatus"), ["completed", "failed", "inProgress", "interrupted"].map(String::from).into());
    assert_eq!(s["Job"]["properties"]["state"]["$ref"], "#/components/schemas/JobState");
    assert_eq!(s["PendingRequest"]["properties"]["status"]["$ref"], "#/components/schemas/RequestStatus");
    assert_eq!(s["PendingRequest"]["properties"]["family"]["$ref"], "#/components/schemas/RequestFamily");
    assert_eq!(s["TurnAccepted"]["properties"]["status"]["$ref"], "#/components/schemas/TurnStatus");
}

#[test]
fn every_turn_status_round_trips_its_wire_string() {
    use codex_manager_host::store::TurnStatus;
    for status in [TurnStatus::InProgress, TurnStatus::Completed, TurnStatus::Interrupted, TurnStatus::Failed] {
        assert_eq!(TurnStatus::parse(status.as_str()), Some(status));
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        assert_eq!(serde_json::from_value::<TurnStatus>(serde_json::json!(status.as_str())).unwrap(), status);
    }
    assert_eq!(TurnStatus::parse("in_progress"), None);
}
