//! Writing plugins without a checkout of this repository: `plugin new` writes a ready project from files embedded
//! in the binary (the template, the WIT, the Rust SDK or the Python/JavaScript helper), `plugin build` turns a
//! project into a package (`dist/<id>/plugin.toml` + `plugin.wasm`) with pinned tools.

mod build;
mod embedded;
mod tools;

use std::path::{Path, PathBuf};

use anyhow::Context;

pub use build::{build, is_project};

/// The WIT version new projects target: the folder copied into them (`wit/<this>/plugin.wit`), the `wit`
/// requirement of their plugin.toml and the version the JavaScript helper imports. The vendored Rust SDK carries
/// its own (`WIT_VERSION` in plugins/sdk); a unit test keeps the two equal.
pub const AUTHORING_WIT: &str = "0.2.0";

/// The language of a plugin project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

impl Lang {
    fn label(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }
}

/// `^0.1` for 0.1.x, `^1` for 1.x: the manifest's `wit` requirement that accepts every compatible host.
fn wit_requirement(version: &str) -> String {
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("0"), Some(minor)) => format!("^0.{minor}"),
        (Some(major), _) => format!("^{major}"),
        _ => format!("^{version}"),
    }
}

/// The interfaces the world `plugin` imports, in the order the WIT lists them.
fn world_imports(wit: &str) -> Vec<&str> {
    wit.lines()
        .skip_while(|l| !l.trim_start().starts_with("world plugin"))
        .take_while(|l| l.trim() != "}")
        .filter_map(|l| l.trim().strip_prefix("import ")?.strip_suffix(';'))
        .map(str::trim)
        .collect()
}

/// The JavaScript helper's import block: one namespace import per interface of the world, and `raw` by name.
fn js_imports(wit: &str) -> String {
    let names = world_imports(wit);
    let mut out = String::new();
    for name in &names {
        out.push_str(&format!("import * as raw_{} from \"codex-manager:plugin/{name}@{AUTHORING_WIT}\";\n", name.replace('-', "_")));
    }
    let fields: Vec<String> = names.iter().map(|n| format!("{:?}: raw_{}", n, n.replace('-', "_"))).collect();
    out.push_str(&format!("const raw = {{ {} }};", fields.join(", ")));
    out
}

fn fill(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{wit}}", AUTHORING_WIT)
        .replace("{{wit_req}}", &wit_requirement(AUTHORING_WIT))
        .replace("{{qjs_version}}", tools::COMPONENTIZE_QJS)
}

/// Write a new project `NAME` (in `dir`, default `./NAME`) for `lang`; returns its path.
pub fn new_project(name: &str, lang: Lang, dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let ok = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    anyhow::ensure!(ok, "the name must be 1-64 of [a-z0-9-]");
    let target = dir.unwrap_or_else(|| PathBuf::from(name));
    let empty = std::fs::read_dir(&target).map(|mut d| d.next().is_none()).unwrap_or(true);
    anyhow::ensure!(empty, "{} exists already and is not empty", target.display());
    for (rel, text) in project_files(name, lang)? {
        let dest = target.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap_or(&target))?;
        std::fs::write(&dest, text).with_context(|| format!("cannot write {}", dest.display()))?;
    }
    Ok(target)
}

/// Every file of a new project: (project-relative path, contents).
fn project_files(name: &str, lang: Lang) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    let template = format!("plugins/template/{}/", lang.template());
    for (path, text) in embedded::under(&template) {
        let rel = path.trim_end_matches(".tmpl");
        files.push((PathBuf::from(rel), fill(text, name)));
    }
    let wit = format!("wit/{AUTHORING_WIT}/plugin.wit");
    let wit_text = embedded::file(&wit).with_context(|| format!("this binary embeds no {wit}"))?;
    files.push((PathBuf::from("wit/plugin.wit"), wit_text.to_string()));
    match lang {
        Lang::Rust => {
            for (path, text) in embedded::under("plugins/sdk/src/") {
                let text = if path == "lib.rs" { retarget_wit_path(text)? } else { text.to_string() };
                files.push((Path::new("sdk/src").join(path), text));
            }
            files.push((PathBuf::from("sdk/Cargo.toml"), embedded::sdk_manifest()?));
            // The versions this repository builds and tests the SDK with; cargo drops the entries it does not need.
            files.push((PathBuf::from("Cargo.lock"), embedded::file("plugins/Cargo.lock").context("no Cargo.lock embedded")?.to_string()));
        }
        Lang::Python => {
            for (path, text) in embedded::under("plugins/python/codex_manager_plugin/") {
                files.push((Path::new("codex_manager_plugin").join(path), text.to_string()));
            }
        }
        Lang::Js => {
            for (path, text) in embedded::under("plugins/js/codex-manager-plugin/") {
                let text = text.replace("// {{imports}}", &js_imports(wit_text));
                files.push((Path::new("codex-manager-plugin").join(path), fill(&text, name)));
            }
        }
    }
    Ok(files)
}

/// The SDK's `wit_bindgen::generate!` reads the WIT from the repository (`../../wit/<version>`); in a project it is
/// beside the SDK (`../wit`).
fn retarget_wit_path(lib_rs: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(lib_rs.len());
    let mut found = false;
    for line in lib_rs.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !found && trimmed.starts_with("path: \"") && trimmed.contains("/wit") {
            let indent = &line[..line.len() - trimmed.len()];
            out.push_str(indent);
            out.push_str("path: \"../wit\",\n");
            found = true;
        } else {
            out.push_str(line);
        }
    }
    anyhow::ensure!(found, "the embedded SDK has no `path: \"…/wit…\"` in its bindings: cannot point it at the project's wit/");
    Ok(out)
}

/// What to do next, printed after `plugin new`.
pub fn next_steps(dir: &Path, lang: Lang) -> String {
    let d = dir.display();
    let first = match lang {
        Lang::Rust => "rustup target add wasm32-wasip2   # once".to_string(),
        Lang::Python => format!("# the first build makes {d}/.venv with componentize-py {} (python3 needed)", tools::COMPONENTIZE_PY),
        Lang::Js => format!("# the first build runs `npm install` there for componentize-qjs {}", tools::COMPONENTIZE_QJS),
    };
    format!(
        "created {d}/ ({}, WIT {AUTHORING_WIT})\n  {first}\n  codex-manager plugin build {d}     # -> {d}/dist/<id>/plugin.toml + plugin.wasm\n  codex-manager plugin install {d}   # builds, then installs",
        lang.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wit_requirement_accepts_compatible_versions() {
        assert_eq!(wit_requirement("0.1.0"), "^0.1");
        assert_eq!(wit_requirement("0.2.3"), "^0.2");
        assert_eq!(wit_requirement("1.4.0"), "^1");
    }

    /// Switching AUTHORING_WIT is this constant plus the SDK's own move: the vendored SDK must speak the same WIT
    /// as the folder copied beside it.
    #[test]
    fn the_vendored_sdk_targets_the_authoring_wit() {
        let lib = embedded::file("plugins/sdk/src/lib.rs").unwrap();
        let declared = format!("pub const WIT_VERSION: &str = \"{AUTHORING_WIT}\";");
        assert!(lib.contains(&declared), "plugins/sdk targets another WIT than AUTHORING_WIT ({AUTHORING_WIT})");
        assert!(embedded::file(&format!("wit/{AUTHORING_WIT}/plugin.wit")).is_some());
    }

    #[test]
    fn every_language_gets_a_complete_project() {
        for lang in [Lang::Rust, Lang::Python, Lang::Js] {
            let files = project_files("my-plugin", lang).unwrap();
            let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
            for needed in ["plugin.toml", "wit/plugin.wit", "README.md", ".gitignore"] {
                assert!(names.iter().any(|n| n == needed), "{lang:?}: no {needed} in {names:?}");
            }
            for (path, text) in &files {
                assert!(!text.contains("{{"), "{lang:?}: {} keeps a placeholder", path.display());
            }
            let manifest = &files.iter().find(|(p, _)| p == Path::new("plugin.toml")).unwrap().1;
            let parsed = codex_manager_host::plugins::manifest::Manifest::parse(manifest).expect("the template's manifest is valid");
            assert_eq!(parsed.id, "my-plugin");
        }
        let rust = project_files("my-plugin", Lang::Rust).unwrap();
        let lib = &rust.iter().find(|(p, _)| p == Path::new("sdk/src/lib.rs")).unwrap().1;
        assert!(lib.contains("path: \"../wit\""), "the vendored SDK reads the project's wit/");
        let sdk_manifest = &rust.iter().find(|(p, _)| p == Path::new("sdk/Cargo.toml")).unwrap().1;
        assert!(!sdk_manifest.contains("workspace = true"), "{sdk_manifest}");
        let py = project_files("my-plugin", Lang::Python).unwrap();
        let app = &py.iter().find(|(p, _)| p == Path::new("app.py")).unwrap().1;
        assert!(app.contains("class Handler(Plugin)"), "componentize-py looks for a class named Handler");
        let helper = &py.iter().find(|(p, _)| p == Path::new("codex_manager_plugin/__init__.py")).unwrap().1;
        assert!(helper.contains("class Plugin(_exports.Handler)"), "Plugin derives from wit_world.exports.Handler");
        let js = project_files("my-plugin", Lang::Js).unwrap();
        let helper = &js.iter().find(|(p, _)| p == Path::new("codex-manager-plugin/index.js")).unwrap().1;
        assert!(helper.contains(&format!("import * as raw_kv from \"codex-manager:plugin/kv@{AUTHORING_WIT}\";")));
    }

    #[test]
    fn the_js_helper_imports_every_interface_of_the_world() {
        let wit = "interface log {}\nworld plugin {\n    import log;\n    import kv;\n    import data-dir;\n    export handler;\n}\n";
        assert_eq!(world_imports(wit), ["log", "kv", "data-dir"]);
        let block = js_imports(wit);
        assert!(block.contains(&format!("import * as raw_data_dir from \"codex-manager:plugin/data-dir@{AUTHORING_WIT}\";")), "{block}");
        assert!(block.ends_with("const raw = { \"log\": raw_log, \"kv\": raw_kv, \"data-dir\": raw_data_dir };"), "{block}");
    }
}
