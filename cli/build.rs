//! Embeds what `codex-manager plugin new` writes into a project, so the installed binary needs no checkout: the
//! templates (plugins/template), the Rust SDK (plugins/sdk, with the plugins workspace's Cargo.toml and Cargo.lock
//! that pin its dependencies), the Python and JavaScript helper packages, and every released WIT folder.
//! Walked here rather than listed by hand, so a file added to the SDK or a helper is embedded without a change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (repository-relative root, file extensions taken; empty: all). Caches (`__pycache__`, `node_modules`) are skipped.
const ROOTS: &[(&str, &[&str])] = &[
    ("plugins/template", &[]),
    ("plugins/sdk/src", &["rs"]),
    ("plugins/sdk/Cargo.toml", &[]),
    ("plugins/Cargo.toml", &[]),
    ("plugins/Cargo.lock", &[]),
    ("plugins/python/codex_manager_plugin", &["py"]),
    ("plugins/js/codex-manager-plugin", &["js", "d.ts"]),
    ("wit", &["wit"]),
];

fn main() {
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let repo = repo.canonicalize().unwrap();
    let mut files = Vec::new();
    for (root, exts) in ROOTS {
        let path = repo.join(root);
        println!("cargo:rerun-if-changed={}", path.display());
        walk(&path, exts, &mut files);
    }
    files.sort();
    let mut out = String::from("/// (repository-relative path, contents) of every file `plugin new` may write.\npub static FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&repo).unwrap().to_string_lossy().replace('\\', "/");
        writeln!(out, "    ({rel:?}, include_str!({:?})),", file.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}

fn walk(path: &Path, exts: &[&str], files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { panic!("{} is missing: the CLI embeds it", path.display()) };
    for entry in entries {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "__pycache__" && name != "node_modules" {
                println!("cargo:rerun-if-changed={}", p.display());
                walk(&p, exts, files);
            }
        } else if exts.is_empty() || exts.iter().any(|e| name.ends_with(&format!(".{e}"))) {
            println!("cargo:rerun-if-changed={}", p.display());
            files.push(p);
        }
    }
}
