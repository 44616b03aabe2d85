//! CLI parity, both ways: every operation of the OpenAPI document has a CLI command (or is listed in the CLI's
//! `EXEMPT` table with the reason), and every operation the CLI calls is in the document with the same method and
//! path. "Which command calls which operation" is read from the code: the `ops::NAME` consts the CLI's sources
//! name (the generated table, cli/src/api/ops.rs, is the only place a route is spelled).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn cli_src() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/src")).to_path_buf()
}

const TABLE: &str = "api/ops.rs";

/// `(id, METHOD, path)` of every operation in the host's generated document.
fn document() -> BTreeMap<String, (String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&codex_manager_host::api::openapi_json()).expect("OpenAPI is JSON");
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().expect("every operation has an id").to_string();
            ops.insert(id, (method.to_uppercase(), path.clone()));
        }
    }
    ops
}

/// The string literals of `text`, in order (`\"` inside one is kept as `"`).
fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut lit = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => lit.extend(chars.next()),
                '"' => break,
                c => lit.push(c),
            }
        }
        out.push(lit);
    }
    out
}

/// The generated table: const name -> (id, METHOD, path).
fn table() -> BTreeMap<String, (String, String, String)> {
    let text = std::fs::read_to_string(cli_src().join(TABLE)).expect("the CLI's operation table");
    let mut consts = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("pub const ") else { continue };
        let Some((name, def)) = rest.split_once(": Op = Op {") else { continue };
        let lits = literals(def);
        assert!(lits.len() >= 3, "cannot read `{line}`");
        consts.insert(name.to_string(), (lits[0].clone(), lits[1].clone(), lits[2].clone()));
    }
    assert!(consts.len() > 80, "the scan read the table ({} consts)", consts.len());
    consts
}

/// A source file without its comments and its `#[cfg(test)]` module (unit tests name operations they do not call).
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![cli_src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with(TABLE) {
                found.push((path.clone(), std::fs::read_to_string(&path).expect("readable source")));
            }
        }
    }
    found
}

/// Every `ops::NAME` the CLI's code names (not `ops::ALL`), with a file that names it.
fn used() -> BTreeMap<String, String> {
    let mut used = BTreeMap::new();
    for (path, text) in sources() {
        let code = code_of(&text);
        for piece in code.split("ops::").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
            if !name.is_empty() && name != "ALL" {
                used.entry(name).or_insert_with(|| path.display().to_string());
            }
        }
    }
    used
}

/// The CLI's `EXEMPT` table: operation id -> why it has no command.
fn exempt() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(cli_src().join("api/mod.rs")).expect("cli/src/api/mod.rs");
    let start = text.find("pub const EXEMPT").expect("the CLI has an EXEMPT table");
    let block = &text[start..];
    let block = &block[..block.find("];").expect("the EXEMPT table ends")];
    let lits = literals(block);
    assert!(lits.len() % 2 == 0, "EXEMPT holds (id, reason) pairs: {lits:?}");
    lits.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect()
}

#[test]
fn every_operation_has_a_cli_command_or_a_stated_reason() {
    let doc = document();
    let table = table();
    let used_ids: BTreeSet<String> = used().keys().filter_map(|name| table.get(name)).map(|(id, _, _)| id.clone()).collect();
    let exempt = exempt();
    let missing: Vec<_> = doc.keys().filter(|id| !used_ids.contains(*id) && !exempt.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "operations with no CLI command: {missing:#?}\nadd a command whose handler calls `ops::<ID>`, or list the operation in EXEMPT (cli/src/api/mod.rs) with the reason"
    );
    for (id, reason) in &exempt {
        assert!(doc.contains_key(id), "EXEMPT lists `{id}`, which the API does not have");
        assert!(reason.len() > 20, "EXEMPT gives `{id}` no real reason: `{reason}`");
        assert!(!used_ids.contains(id), "EXEMPT lists `{id}`, but a command calls it: drop it from EXEMPT");
    }
    eprintln!("CLI covers {} of {} operations ({} exempt)", used_ids.len(), doc.len(), exempt.len());
}

#[test]
fn every_operation_the_cli_calls_is_in_the_document() {
    let doc = document();
    let table = table();
    let used = used();
    assert!(used.len() >= 40, "the scan found the CLI's operations ({})", used.len());
    for (name, file) in &used {
        let (id, method, path) = table.get(name).unwrap_or_else(|| panic!("{file} names ops::{name}, which the table lacks"));
        let (doc_method, doc_path) = doc.get(id).unwrap_or_else(|| panic!("{file} calls `{id}`, which the API does not have (regenerate the table?)"));
        assert_eq!((method, path), (doc_method, doc_path), "{file}: `{id}` is {doc_method} {doc_path} in the API");
    }
}

#[test]
fn the_cli_spells_no_route_outside_its_table() {
    let stray: Vec<(String, String)> = sources()
        .into_iter()
        .flat_map(|(path, text)| {
            literals(&code_of(&text)).into_iter().filter(|l| l.starts_with("/api/")).map(move |l| (l, path.display().to_string()))
        })
        .collect();
    assert!(stray.is_empty(), "routes spelled by hand in the CLI (call an `ops::` const instead): {stray:#?}");
    let table = table();
    let doc = document();
    for (name, (id, method, path)) in &table {
        assert_eq!(doc.get(id), Some(&(method.clone(), path.clone())), "the table's {name} is stale: run `python3 scripts/gen_clients`");
    }
}
