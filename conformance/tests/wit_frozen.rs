//! A released WIT version never changes: plugins built against it must keep loading in every later host. Each file
//! of each released folder under `wit/` is pinned here by its SHA-256; a changed, added or removed file fails, and
//! so does a version folder with no entry. A change goes into a new version folder (with its entry added here in
//! the commit that releases it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// version folder → (file path inside it → SHA-256).
const RELEASED: &[(&str, &[(&str, &str)])] = &[
    ("0.1.0", &[("plugin.wit", "3b1d9b228a5c490d42b7c5e3da79a8d249dc03e8df17c3c44df19f046309aab5")]),
    ("0.2.0", &[("plugin.wit", "cde0d2a536e8217eb6656dc7dff45f4849604db649445865723d5190271895a2")]),
];

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

fn files(dir: &Path, under: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, under, out);
        } else {
            let rel = path.strip_prefix(under).unwrap().to_string_lossy().replace('\\', "/");
            let hash = Sha256::digest(std::fs::read(&path).unwrap());
            out.insert(rel, hash.iter().map(|b| format!("{b:02x}")).collect());
        }
    }
}

/// What is wrong with the `wit/` folder against the released table.
fn violations(root: &Path, released: &[(&str, &[(&str, &str)])]) -> Vec<String> {
    let frozen = |v: &str| format!("wit/{v} is released and frozen: put changes in a new version folder");
    let mut found = Vec::new();
    let mut folders: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    for folder in &folders {
        let Some((_, pinned)) = released.iter().find(|(v, _)| v == folder) else {
            found.push(format!(
                "wit/{folder} has no entry in conformance/tests/wit_frozen.rs: once released it is frozen, so pin its files' \
                 SHA-256 there in the commit that releases it ({})",
                frozen(folder)
            ));
            continue;
        };
        let mut now = BTreeMap::new();
        files(&root.join(folder), &root.join(folder), &mut now);
        let pinned: BTreeMap<String, String> = pinned.iter().map(|(f, h)| (f.to_string(), h.to_string())).collect();
        for (file, hash) in &now {
            match pinned.get(file) {
                Some(p) if p == hash => {}
                Some(_) => found.push(format!("{} (wit/{folder}/{file} changed)", frozen(folder))),
                None => found.push(format!("{} (wit/{folder}/{file} was added)", frozen(folder))),
            }
        }
        for file in pinned.keys().filter(|f| !now.contains_key(*f)) {
            found.push(format!("{} (wit/{folder}/{file} was removed)", frozen(folder)));
        }
    }
    for (v, _) in released.iter().filter(|(v, _)| !folders.iter().any(|f| f == v)) {
        found.push(format!("{} (wit/{v} is gone)", frozen(v)));
    }
    found
}

#[test]
fn released_wit_folders_are_unchanged() {
    let found = violations(&wit_dir(), RELEASED);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The guard itself: a copy of `wit/` with one byte changed, a file added and a new unpinned folder is caught.
#[test]
fn a_changed_file_and_an_unpinned_folder_are_caught() {
    let tmp = std::env::temp_dir().join(format!("wit-frozen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for (v, pinned) in RELEASED {
        std::fs::create_dir_all(tmp.join(v)).unwrap();
        for (file, _) in *pinned {
            std::fs::copy(wit_dir().join(v).join(file), tmp.join(v).join(file)).unwrap();
        }
    }
    assert!(violations(&tmp, RELEASED).is_empty(), "an unchanged copy passes");

    let mut text = std::fs::read_to_string(tmp.join("0.1.0/plugin.wit")).unwrap();
    text.push(' ');
    std::fs::write(tmp.join("0.1.0/plugin.wit"), text).unwrap();
    std::fs::write(tmp.join("0.2.0/extra.wit"), "package x:y;").unwrap();
    std::fs::create_dir_all(tmp.join("0.3.0")).unwrap();
    let found = violations(&tmp, RELEASED);
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("wit/0.1.0 is released and frozen: put changes in a new version folder"), "{}", found[0]);
    assert!(found[1].contains("wit/0.2.0/extra.wit was added"), "{}", found[1]);
    assert!(found[2].contains("wit/0.3.0 has no entry"), "{}", found[2]);
}
