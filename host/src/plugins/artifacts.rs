//! Compiled plugins on disk: one artifact per component, named by the SHA-256 of its bytes and the engine's
//! compatibility key, written once by whichever needs it first (an inspection, an install, a load at start) and
//! memory-mapped by every use after. So `plugin install` (which inspects, then installs) compiles once, a restart
//! compiles nothing, and a running plugin's code is file-backed rather than a private copy on the heap.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cap_std::fs::Dir;
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use super::engine::PluginEngine;
use super::files::write_whole_with;
use super::PluginError;

/// How long an artifact no installed plugin uses is kept: an inspection's, waiting for the install that follows it
/// (the CLI asks the user in between).
pub const UNUSED_ARTIFACT_GRACE: Duration = Duration::from_secs(3600);

/// The name of a component's artifact: the hex SHA-256 of its bytes.
pub fn digest(wasm: &[u8]) -> String {
    Sha256::digest(wasm).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` is what [`digest`] makes (so it can only name a file in the cache).
pub fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

pub struct Artifacts {
    /// Where artifacts are written, listed and removed.
    dir: Dir,
    /// The same directory's path: wasmtime maps an artifact by path.
    path: PathBuf,
    engine: Arc<PluginEngine>,
}

impl Artifacts {
    pub fn open((dir, path): (Dir, PathBuf), engine: Arc<PluginEngine>) -> Self {
        Self { dir, path, engine }
    }

    fn name(&self, digest: &str) -> String {
        assert!(is_digest(digest), "an artifact is named by a digest");
        format!("{digest}.{}.cwasm", self.engine.artifact_key())
    }

    /// The compiled component whose bytes hash to `digest`: mapped from its artifact, or, when there is none yet,
    /// compiled from `wasm()`, written, and then mapped. Blocking (compiling takes seconds to minutes).
    pub fn component(&self, digest: &str, wasm: impl FnOnce() -> Result<Vec<u8>, PluginError>) -> Result<Component, PluginError> {
        let name = self.name(digest);
        let path = self.path.join(&name);
        if self.dir.exists(&name) {
            match self.engine.load_file(&path) {
                Ok(c) => return Ok(c),
                Err(e) => tracing::warn!(path = %path.display(), error = %format!("{e:#}"), "a compiled plugin did not load; compiling it again"),
            }
        }
        self.compile(&name, wasm)?;
        self.engine.load_file(&path).map_err(|e| PluginError::Internal(format!("loading the compiled plugin: {e:#}")))
    }

    /// Make sure the artifact for `digest` exists, compiling it from `wasm()` when it does not, without mapping
    /// it: a plugin's code is mapped when a call needs it (`code`). Blocking.
    pub fn ensure(&self, digest: &str, wasm: impl FnOnce() -> Result<Vec<u8>, PluginError>) -> Result<(), PluginError> {
        let name = self.name(digest);
        if self.dir.exists(&name) {
            return Ok(());
        }
        self.compile(&name, wasm)
    }

    fn compile(&self, name: &str, wasm: impl FnOnce() -> Result<Vec<u8>, PluginError>) -> Result<(), PluginError> {
        let wasm = wasm()?;
        let written = write_whole_with(&self.dir, name, |e| PluginError::Internal(format!("caching the compiled plugin: {e}")), |file| {
            self.engine.compile(&wasm, file)
        });
        // Compiling in this process peaks at hundreds of MB of heap for a large component (an interpreter), all free
        // by now; in a child, the component's bytes were the heap's part.
        drop(wasm);
        crate::memory::note_activity();
        written
    }

    /// Delete artifacts of another engine (they can never load again), and those no installed plugin uses (`keep`)
    /// and leftovers of interrupted writes once they are older than `grace`.
    pub fn sweep(&self, keep: &HashSet<String>, grace: Duration) {
        let Ok(entries) = self.dir.entries() else { return };
        let suffix = format!(".{}.cwasm", self.engine.artifact_key());
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let used = name.strip_suffix(&suffix).is_some_and(|digest| keep.contains(digest));
            let foreign = name.ends_with(".cwasm") && !name.ends_with(&suffix);
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t.into_std()).ok())
                .is_none_or(|age| age >= grace);
            // A temporary file is someone's compile in progress until it is old.
            if foreign || (!used && old) {
                let _ = self.dir.remove_file(&name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::files::PluginFiles;

    #[test]
    fn compiled_once_then_mapped_and_swept_when_unused() {
        let base = std::env::temp_dir().join(format!("cm-artifacts-{}", fastrand::u64(..)));
        let files = PluginFiles::open(base.join("plugins")).unwrap();
        let engine = Arc::new(PluginEngine::new(Default::default()).unwrap());
        let artifacts = Artifacts::open(files.subdir(".compiled").unwrap(), engine);
        let compiled = base.join("plugins/.compiled");
        let listing = || {
            let mut names: Vec<String> = std::fs::read_dir(&compiled).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            names
        };

        // The smallest component: the header alone.
        let wasm = b"\0asm\x0d\0\x01\0".to_vec();
        let d = digest(&wasm);
        assert!(is_digest(&d) && !is_digest("../x") && !is_digest(&d.to_uppercase()));
        artifacts.component(&d, || Ok(wasm.clone())).unwrap();
        let first = listing();
        assert_eq!(first, vec![format!("{d}.{}.cwasm", artifacts.engine.artifact_key())]);
        artifacts.component(&d, || panic!("a cached component is not compiled again")).unwrap();
        let err = artifacts.component(&digest(b"junk"), || Ok(b"junk".to_vec())).err().expect("not a component");
        assert!(matches!(err, PluginError::Invalid(_)), "{err:?}");
        assert_eq!(listing(), first, "nothing is written for what does not compile");

        // Another engine's artifact goes at once; an unused one after its grace period; a used one stays.
        std::fs::write(compiled.join(format!("{d}.0000000000000000.cwasm")), b"old engine").unwrap();
        artifacts.sweep(&HashSet::new(), UNUSED_ARTIFACT_GRACE);
        assert_eq!(listing(), first, "fresh and unused: kept for the install that follows an inspection");
        artifacts.sweep(&HashSet::from([d.clone()]), Duration::ZERO);
        assert_eq!(listing(), first, "used: kept");
        artifacts.sweep(&HashSet::new(), Duration::ZERO);
        assert!(listing().is_empty());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
