//! Reading a plugin package: a directory (or a `.wasm` with `plugin.toml` beside it), a `.tar` / `.tar.gz`
//! archive holding both, or an `http(s)` URL to such an archive with its sha256.
//!
//! Archives are read in memory, never extracted: only `plugin.toml` and `plugin.wasm` (at the top or in one
//! top-level folder) are taken, and an archive with an absolute path, a `..` step or a link in it is refused whole.

use std::io::Read;
use std::path::{Component, Path};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

/// Largest archive or download accepted.
pub const MAX_PACKAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The manifest text and the component bytes.
pub struct Package {
    pub manifest: String,
    pub wasm: Vec<u8>,
}

pub async fn load(source: &str, sha256: Option<&str>) -> anyhow::Result<Package> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let expected = sha256.context("a URL needs --sha256 <hex> (the archive's SHA-256), so what installs is what you meant")?;
        let bytes = download(source).await?;
        verify(&bytes, expected)?;
        return from_archive(&bytes);
    }
    let path = Path::new(source);
    let is_archive = [".tar", ".tar.gz", ".tgz"].iter().any(|ext| source.ends_with(ext));
    if is_archive {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(expected) = sha256 {
            verify(&bytes, expected)?;
        }
        return from_archive(&bytes);
    }
    let (manifest, wasm) = if path.is_dir() {
        (path.join("plugin.toml"), path.join("plugin.wasm"))
    } else {
        (path.with_file_name("plugin.toml"), path.to_path_buf())
    };
    Ok(Package {
        manifest: std::fs::read_to_string(&manifest).with_context(|| format!("cannot read {}", manifest.display()))?,
        wasm: std::fs::read(&wasm).with_context(|| format!("cannot read {}", wasm.display()))?,
    })
}

async fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let resp = reqwest::get(url).await.with_context(|| format!("cannot download {url}"))?;
    anyhow::ensure!(resp.status().is_success(), "{url} answered {}", resp.status());
    if resp.content_length().is_some_and(|n| n > MAX_PACKAGE_BYTES) {
        bail!("{url} is larger than {MAX_PACKAGE_BYTES} bytes");
    }
    let bytes = resp.bytes().await?;
    anyhow::ensure!(bytes.len() as u64 <= MAX_PACKAGE_BYTES, "{url} is larger than {MAX_PACKAGE_BYTES} bytes");
    Ok(bytes.to_vec())
}

fn verify(bytes: &[u8], expected: &str) -> anyhow::Result<()> {
    let actual: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if !actual.eq_ignore_ascii_case(expected.trim()) {
        bail!("sha256 mismatch: expected {expected}, the package is {actual}; nothing was installed");
    }
    Ok(())
}

/// The package inside a tar (optionally gzip-compressed) archive.
pub fn from_archive(bytes: &[u8]) -> anyhow::Result<Package> {
    let reader: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    let mut archive = tar::Archive::new(reader.take(4 * MAX_PACKAGE_BYTES));
    let (mut manifest, mut wasm) = (None, None);
    for entry in archive.entries().context("not a tar archive")? {
        let mut entry = entry.context("a broken archive entry")?;
        let path = entry.path().context("an archive entry with an unreadable path")?.into_owned();
        let shown = path.display().to_string();
        if path.components().any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_))) {
            bail!("refused: archive entry `{shown}` points outside the package");
        }
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            bail!("refused: archive entry `{shown}` is a link");
        }
        if !kind.is_file() {
            continue;
        }
        let depth = path.components().filter(|c| matches!(c, Component::Normal(_))).count();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if depth > 2 || !matches!(name, "plugin.toml" | "plugin.wasm") {
            continue;
        }
        anyhow::ensure!(entry.size() <= MAX_PACKAGE_BYTES, "`{shown}` is too large");
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        let slot = if name == "plugin.toml" { &mut manifest } else { &mut wasm };
        anyhow::ensure!(slot.is_none(), "the archive holds more than one `{name}`");
        *slot = Some(data);
    }
    let manifest = String::from_utf8(manifest.context("the archive has no plugin.toml")?).context("plugin.toml is not UTF-8")?;
    Ok(Package { manifest, wasm: wasm.context("the archive has no plugin.wasm")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, kind, data) in entries {
            let mut header = tar::Header::new_gnu();
            // Write the name field directly: the builder would (rightly) refuse the hostile names we test.
            let field = &mut header.as_old_mut().name;
            field[..name.len()].copy_from_slice(name.as_bytes());
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    #[test]
    fn a_good_archive_yields_the_package() {
        let t = tar_with(&[
            ("pkg/plugin.toml", tar::EntryType::Regular, b"id = \"x\""),
            ("pkg/plugin.wasm", tar::EntryType::Regular, b"\0asm"),
            ("pkg/README.md", tar::EntryType::Regular, b"hi"),
        ]);
        let p = from_archive(&t).unwrap();
        assert_eq!(p.manifest, "id = \"x\"");
        assert_eq!(p.wasm, b"\0asm");
    }

    #[test]
    fn hostile_archives_are_refused() {
        for (name, kind) in [
            ("../../x", tar::EntryType::Regular),
            ("/etc/passwd", tar::EntryType::Regular),
            ("pkg/plugin.wasm", tar::EntryType::Symlink),
            ("pkg/plugin.wasm", tar::EntryType::Link),
        ] {
            let t = tar_with(&[("pkg/plugin.toml", tar::EntryType::Regular, b"id = \"x\""), (name, kind, b"x")]);
            let err = from_archive(&t).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.starts_with("refused"), "{name} {kind:?}: {err}");
        }
        let t = tar_with(&[("plugin.toml", tar::EntryType::Regular, b"id = \"x\"")]);
        assert!(from_archive(&t).err().unwrap().to_string().contains("no plugin.wasm"));
    }

    #[test]
    fn the_checksum_must_match() {
        assert!(verify(b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad").is_ok());
        assert!(verify(b"abd", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad").is_err());
    }
}
