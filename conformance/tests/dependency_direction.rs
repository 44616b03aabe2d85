//! The host's dependencies point one way: api → services → store/runtime (docs/architecture.md, "Layers").
//!
//! Every file of a layer is read for the `crate::…` paths it names (in `use` lines, grouped `use crate::{…}`, and
//! paths written inline), and a path into a layer it must not reach fails the test with the file and line. The
//! rule is read from the source, not from the compiler: a dependency that compiles is exactly what it catches.

use std::path::{Path, PathBuf};

/// Per layer (a directory under `host/src`), the top-level modules its files must never name.
const RULES: &[(&str, &[&str])] = &[
    // The API parses, calls a service and maps its error: it reaches storage and app-server only through services.
    ("api", &["store", "appserver"]),
    ("services", &["api"]),
    // The log sits under services, beside the store it writes to.
    ("events", &["api", "services", "appserver", "plugins"]),
    ("store", &["api", "services", "events", "appserver", "plugins"]),
    ("appserver", &["api", "services", "store", "events", "plugins"]),
];

fn host_src() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../host/src")).to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source names through `crate::`, each with its 1-based line.
fn crate_modules(source: &str) -> Vec<(usize, String)> {
    // Line comments go (doc comments name paths in prose); a `//` inside a string literal would cut the line
    // short, which can only hide a path written after it in that string.
    let text: String = source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("crate::") {
        let at = from + i;
        from = at + "crate::".len();
        // `codex_manager_crate::` or `my_crate::` are other names.
        if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = text[from..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c, d::{e, f}}`: the first segment of each top-level item.
            let mut depth = 0usize;
            let mut expect_item = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expect_item = true,
                    c if expect_item && depth == 0 && (c.is_alphabetic() || c == '_') => {
                        expect_item = false;
                        let name = ident(&group[j..]);
                        let pos = text.len() - group.len() + j;
                        found.push((line_of(pos), name));
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push((line_of(at), name));
            }
        }
    }
    found
}

/// Every place under `host/src/<layer>` that names a module the layer must not depend on.
fn violations(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (layer, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources found for layer `{layer}`");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (line, module) in crate_modules(&source) {
                if forbidden.contains(&module.as_str()) {
                    let rel = file.strip_prefix(src).unwrap_or(&file).display().to_string();
                    out.push(format!("host/src/{rel}:{line}: `{layer}` must not depend on `crate::{module}`"));
                }
            }
        }
    }
    out
}

#[test]
fn dependencies_point_from_api_to_services_to_store_and_runtime() {
    let found = violations(&host_src());
    assert!(found.is_empty(), "dependency direction violated (api → services → store/runtime):\n{}", found.join("\n"));
}

#[test]
fn the_scan_finds_paths_in_every_spelling() {
    let source = "use crate::store::Store;\n\
                  use crate::{\n    api::error::ApiError,\n    events::{Event, NewEvent},\n};\n\
                  // use crate::services::Commented;\n\
                  fn f() { let _ = crate::appserver::version::compare(None); let _ = codex_manager_crate::x; }\n";
    let names: Vec<(usize, String)> = crate_modules(source);
    assert_eq!(
        names,
        vec![(1, "store".to_string()), (3, "api".to_string()), (4, "events".to_string()), (7, "appserver".to_string())]
    );
}

#[test]
fn a_forbidden_import_is_reported_with_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("cm-deps-{}", std::process::id()));
    for (layer, _) in RULES {
        std::fs::create_dir_all(dir.join(layer)).unwrap();
        std::fs::write(dir.join(layer).join("mod.rs"), "use super::x;\n").unwrap();
    }
    std::fs::write(dir.join("services/bad.rs"), "//! A service.\n\nuse crate::api::ApiState;\n").unwrap();
    let found = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, vec!["host/src/services/bad.rs:3: `services` must not depend on `crate::api`".to_string()]);
}
