//! Running the guard against a codex binary: have it print its schema into a scratch dir and check it there.

use std::collections::BTreeSet;
use std::path::Path;

use super::schema::{methods_of, SchemaDir};
use super::{check, Call, ProtocolViolation};

/// What the host learns from a codex binary's schema: what it serves, whether it is a known schema, and what of
/// the contract it breaks.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Every client request method (experimental ones included).
    pub methods: BTreeSet<String>,
    /// [`crate::appserver::version::schema_fingerprint`] of the schema.
    pub fingerprint: String,
    pub violations: Vec<ProtocolViolation>,
}

/// Have `codex_bin` print its schema (`app-server generate-json-schema --experimental`, about 0.15 s) into a scratch
/// dir, and inspect it. `calls`: as for [`check`].
pub async fn inspect(codex_bin: &Path, codex_home: &Path, calls: &[Call]) -> anyhow::Result<Inspection> {
    let scratch = ScratchDir::create()?;
    let out = tokio::process::Command::new(codex_bin)
        .args(["app-server", "generate-json-schema", "--experimental", "--out"])
        .arg(&scratch.0)
        .env("CODEX_HOME", codex_home)
        .kill_on_drop(true)
        .output()
        .await?;
    anyhow::ensure!(out.status.success(), "generate-json-schema failed: {}", String::from_utf8_lossy(&out.stderr));
    let schema = SchemaDir::load(&scratch.0).map_err(anyhow::Error::msg)?;
    Ok(Inspection {
        methods: methods_of(&schema.client_requests).into_iter().collect(),
        fingerprint: crate::appserver::version::schema_fingerprint(&scratch.0)?,
        violations: check(&scratch.0, calls).map_err(anyhow::Error::msg)?,
    })
}

/// Where a schema is printed: removed when dropped, also when the inspection is abandoned midway (a host that stops
/// while it runs). Dirs a killed process left behind are swept by the next inspection.
struct ScratchDir(std::path::PathBuf);

const SCRATCH_PREFIX: &str = "codex-manager-schema-";

impl ScratchDir {
    fn create() -> std::io::Result<Self> {
        let tmp = std::env::temp_dir();
        // A schema is printed in well under a second: one older than ten minutes is a dead process's leftover.
        let stale = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
        for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let leftover = entry.file_name().to_string_lossy().starts_with(SCRATCH_PREFIX)
                && entry.metadata().and_then(|m| m.modified()).is_ok_and(|at| at < stale);
            if leftover {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = tmp.join(format!("{SCRATCH_PREFIX}{}-{}", std::process::id(), crate::security::random_secret()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_dir_goes_with_its_owner_and_a_dead_process_s_leftovers_are_swept() {
        let scratch = ScratchDir::create().unwrap();
        let path = scratch.0.clone();
        assert!(path.is_dir());
        drop(scratch);
        assert!(!path.exists(), "removed when dropped, as when an inspection is abandoned");

        let tmp = std::env::temp_dir();
        let old = tmp.join(format!("{SCRATCH_PREFIX}leftover-{}", std::process::id()));
        let fresh = tmp.join(format!("{SCRATCH_PREFIX}running-{}", std::process::id()));
        for dir in [&old, &fresh] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::open(&old).unwrap().set_modified(an_hour_ago).unwrap();
        let next = ScratchDir::create().unwrap();
        assert!(!old.exists(), "a leftover older than any inspection is swept");
        assert!(fresh.exists(), "another process's inspection in progress is left alone");
        std::fs::remove_dir_all(&fresh).unwrap();
        drop(next);
    }
}
