//! The repository files the binary carries for `plugin new` (cli/build.rs lists them).

use anyhow::Context;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// One embedded file by its repository path.
pub fn file(path: &str) -> Option<&'static str> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// The files under a repository folder (`prefix` ends with `/`), with paths relative to it.
pub fn under(prefix: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    FILES.iter().filter_map(move |(p, text)| p.strip_prefix(prefix).map(|rel| (rel, *text)))
}

/// plugins/sdk/Cargo.toml made standalone: what it takes from the plugins workspace (`x.workspace = true`) is
/// written out, so the vendored SDK builds with the same versions outside it.
pub fn sdk_manifest() -> anyhow::Result<String> {
    let member: toml::Table = file("plugins/sdk/Cargo.toml").context("no SDK manifest embedded")?.parse()?;
    let workspace: toml::Table = file("plugins/Cargo.toml").context("no plugins workspace embedded")?.parse()?;
    let ws = workspace.get("workspace").and_then(|w| w.as_table()).context("plugins/Cargo.toml has no [workspace]")?;
    let empty = toml::Table::new();
    let ws_package = ws.get("package").and_then(|p| p.as_table()).unwrap_or(&empty);
    let ws_deps = ws.get("dependencies").and_then(|p| p.as_table()).unwrap_or(&empty);
    let inherits = |v: &toml::Value| v.get("workspace").and_then(|w| w.as_bool()) == Some(true);

    let mut out = String::from("# The Codex Manager plugin SDK, vendored by `codex-manager plugin new`.\n");
    // [package] first, as people write it (the table itself is sorted).
    let sections = member.iter().filter(|(k, _)| *k == "package").chain(member.iter().filter(|(k, _)| *k != "package"));
    for (section, table) in sections {
        let Some(table) = table.as_table() else {
            out.push_str(&format!("{section} = {}\n", value(table)));
            continue;
        };
        out.push_str(&format!("\n[{section}]\n"));
        for (key, v) in table {
            let resolved = match (section.as_str(), inherits(v)) {
                ("package", true) => ws_package.get(key).cloned().with_context(|| format!("workspace.package.{key} missing"))?,
                ("dependencies", true) => {
                    let mut dep = match ws_deps.get(key).cloned().with_context(|| format!("workspace.dependencies.{key} missing"))? {
                        toml::Value::String(version) => {
                            let mut t = toml::Table::new();
                            t.insert("version".into(), toml::Value::String(version));
                            t
                        }
                        toml::Value::Table(t) => t,
                        other => anyhow::bail!("workspace.dependencies.{key} = {other:?}"),
                    };
                    // A member's `features` add to the workspace's.
                    if let Some(extra) = v.get("features").and_then(|f| f.as_array()) {
                        let features = dep.entry("features").or_insert_with(|| toml::Value::Array(Vec::new()));
                        if let Some(list) = features.as_array_mut() {
                            list.extend(extra.iter().cloned());
                        }
                    }
                    toml::Value::Table(dep)
                }
                _ => v.clone(),
            };
            out.push_str(&format!("{key} = {}\n", value(&resolved)));
        }
    }
    Ok(out)
}

/// A TOML value as one line (strings as basic strings, tables inline).
fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(items) => format!("[{}]", items.iter().map(value).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t) => {
            format!("{{ {} }}", t.iter().map(|(k, v)| format!("{} = {}", key(k), value(v))).collect::<Vec<_>>().join(", "))
        }
    }
}

fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}
