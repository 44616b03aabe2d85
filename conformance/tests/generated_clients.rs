//! The clients' generated files (types and operation tables, from docs/openapi.json) are current: a route or schema
//! change that was not regenerated fails here, not in a user's hands.

use std::path::Path;
use std::process::Command;

#[test]
fn every_generated_client_file_is_current() {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let out = Command::new("python3").arg("scripts/gen_clients").arg("--check").current_dir(repo).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "generated client files are stale: run `python3 scripts/gen_clients` and commit them\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
