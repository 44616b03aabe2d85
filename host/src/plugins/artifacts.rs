//! Compiled plugins on disk: one artifact per component, named by the SHA-256 of its bytes and the engine's
//! compatibility key, written once by whichever needs it first (an inspection, an install, a load at start) and
//! memory-mapped by every use after. So `plugin install` (which inspects, then installs) compiles once, a restart
//! compiles nothing, and a running plugin's code is file-backed rather than a private copy on the heap.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use super::engine::PluginEngine;
use super::PluginError;

/// How long an artifact no installed plugin uses is kept: an inspection's, waiting for the install that follows it
/// (the CLI asks the user in between).
pub const UNUSED_ARTIFACT_GRACE: Duration = Duration::from_secs(3600);

/// The name of a component's artifact: the hex SHA-256 of its bytes.
pub fn digest(wasm: &[u8]) -> String {
    Sha256::digest(wasm).iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Artifacts {
    dir: PathBuf,
    engine: Arc<PluginEngine>,
}

impl Artifacts {
    pub fn open(dir: PathBuf, engine: Arc<PluginEngine>) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir, engine })
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.{}.cwasm", self.engine.artifact_key()))
    }

    /// The compiled component whose bytes hash to `digest`: mapped from its artifact, or, when there is none yet,
    /// compiled from `wasm()`, written, and then mapped. Blocking (compiling takes seconds to minutes). The
    /// compiler's memory is given back to the OS before this returns.
    pub fn component(&self, digest: &str, wasm: impl FnOnce() -> Result<Vec<u8>, PluginError>) -> Result<Component, PluginError> {
        let path = self.path(digest);
        if path.exists() {
            match self.engine.load_file(&path) {
                Ok(c) => return Ok(c),
                Err(e) => tracing::warn!(path = %path.display(), error = %format!("{e:#}"), "a compiled plugin did not load; compiling it again"),
            }
        }
        let compiled = {
            let wasm = wasm()?;
            self.engine.precompile(&wasm)
        };
        let written = compiled.and_then(|bytes| write_new(&path, &bytes).map_err(|e| PluginError::Internal(format!("caching the compiled plugin: {e}"))));
        // Compiling a large component (an interpreter) peaks at hundreds of MB of heap, all free by now.
        crate::events::release_freed_memory();
        written?;
        self.engine.load_file(&path).map_err(|e| PluginError::Internal(format!("loading the compiled plugin: {e:#}")))
    }

    /// Delete artifacts of another engine (they can never load again), and those no installed plugin uses (`keep`)
    /// and leftovers of interrupted writes once they are older than `grace`.
    pub fn sweep(&self, keep: &HashSet<String>, grace: Duration) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let suffix = format!(".{}.cwasm", self.engine.artifact_key());
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let used = name.strip_suffix(&suffix).is_some_and(|digest| keep.contains(digest));
            let foreign = name.ends_with(".cwasm") && !name.ends_with(&suffix);
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_none_or(|age| age >= grace);
            // A temporary file is someone's compile in progress until it is old.
            if foreign || (!used && old) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Write `bytes` to `path` whole or not at all: a mapped artifact is never changed in place.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", fastrand::u64(..)));
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
