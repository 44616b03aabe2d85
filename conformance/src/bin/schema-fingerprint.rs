//! `schema-fingerprint DIR`: the fingerprint of a schema `codex app-server generate-json-schema --experimental --out
//! DIR` wrote, computed by the host's own `schema_fingerprint` (the value a `TestedRelease` entry in
//! host/src/appserver/version.rs holds). scripts/codex-release.sh prints it for a new release.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: schema-fingerprint DIR (a directory `codex app-server generate-json-schema --out DIR` wrote)");
        return std::process::ExitCode::from(2);
    };
    match codex_manager_host::appserver::version::schema_fingerprint(std::path::Path::new(&dir)) {
        Ok(fingerprint) => {
            println!("{fingerprint}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot read the schema in {}: {e}", std::path::Path::new(&dir).display());
            std::process::ExitCode::FAILURE
        }
    }
}
