//! Embeds what `codex-manager plugin new` writes into a project, so the installed binary needs no checkout: the
//! templates (plugins/template), the Rust SDK (plugins/sdk, with the plugins workspace's Cargo.toml and Cargo.lock
//! that pin its dependencies), the Python and JavaScript helper packages, and every released WIT folder.
//! Walked here rather than listed by hand, so a file added to the SDK or a helper is embedded without a change.
//! It also sets how release binaries are linked (`link_options`): code laid out by use, relocations packed.

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
    link_options(&repo);
}

/// Two link options for release binaries, where rustc links with its lld (x86_64 Linux with glibc, its default
/// there). Debug builds, other targets and other linkers link as before; `CODEX_MANAGER_TEXT_ORDER=0` links without
/// the first.
///
/// - The functions a host runs (start and idle, turns, plugin installs) first and together, in the order
///   `scripts/text-order.sh` recorded in `cli/text-order.txt`. The kernel maps code in 64 KiB windows around each
///   page a process touches: spread over the whole `.text`, the few MB an idle host had run kept ~18 MB of it
///   resident (docs/benchmarks.md, "Code layout"). Names the build no longer has are skipped, so a stale file costs
///   memory, never a build.
/// - Relative relocations packed (`DT_RELR`, glibc 2.36 and later): the loader reads a few KiB instead of a 1.5 MB
///   `.rela.dyn` that stayed resident. Checked against the building machine's glibc, where the binary runs.
fn link_options(repo: &Path) {
    let order = repo.join("cli/text-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=CODEX_MANAGER_TEXT_ORDER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    // rustc's own lld, unless the build chose another linker (`-C linker=...`, `-C linker-features=-lld`).
    let lld_target = var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("linker");
    if var("PROFILE") != "release" || !lld_target {
        return;
    }
    if var("CODEX_MANAGER_TEXT_ORDER") != "0" && order.is_file() {
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", order.display());
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    if glibc_version().is_some_and(|v| v >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The building machine's glibc (`getconf GNU_LIBC_VERSION` prints `glibc 2.36`); None when it cannot tell.
fn glibc_version() -> Option<(u32, u32)> {
    let out = std::process::Command::new("getconf").arg("GNU_LIBC_VERSION").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let (major, minor) = text.trim().strip_prefix("glibc ")?.split_once('.')?;
    Some((major.parse().ok()?, minor.split('.').next()?.parse().ok()?))
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
