//! Which codex release is running, and how far this host stands behind it: `tested` (a release the project's
//! suites passed on), `compatible` (untested, but inside the supported range or with a protocol schema identical to
//! a tested release's), `incompatible` (outside the range), or `unknown` (not started yet).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The codex release the project installs and its suites run on by default (`scripts/setup.sh`).
pub const EXPECTED_CODEX_VERSION: &str = "0.171.0";

/// The releases this host supports: from `.0` inclusive to `.1` exclusive. Inside it, a release whose schema the
/// host was not tested against is `compatible`: the drift guard's facts are additive-safe there.
pub const SUPPORTED_RANGE: (&str, &str) = ("0.169.0", "0.172.0");

/// A release the project's suites passed on, with the fingerprint of its app-server schema
/// (`codex app-server generate-json-schema --experimental`, see [`schema_fingerprint`]). A release whose schema
/// has the same fingerprint (a patch release that changed nothing the protocol shows) is `compatible` with nothing
/// to warn about.
#[derive(Debug, Clone, Copy)]
pub struct TestedRelease {
    pub version: &'static str,
    pub schema: &'static str,
}

/// Every tested release, one a line: `scripts/codex-release.sh VERSION` prints the line to add once the drift guard
/// and the end-to-end suites pass on VERSION. `conformance/tests/protocol_drift.rs` checks the installed codex's
/// entry against its real schema, so a wrong fingerprint fails the build, not a user. The releases here other than
/// [`EXPECTED_CODEX_VERSION`] are the ones `scripts/test.sh` also runs the drift guard and the end-to-end suites on.
pub const TESTED: &[TestedRelease] = &[
    TestedRelease { version: "0.169.0", schema: "f7c9371db33a311cea847c5bfcdb9df37875e0fb62cc12966b910e13b6e543da" },
    TestedRelease { version: "0.171.0", schema: "6178cb3e65eb16623262e81cce12d9563245ce279d2ef906d459f5aa6183e9e5" },
];

crate::wire::wire_enum! {
    /// How well this host knows the codex that runs.
    pub enum CodexSupport {
        /// A release the project's suites passed on.
        Tested = "tested",
        /// Not tested, but inside the supported range (expected to work), or speaking exactly a tested release's
        /// protocol (`sameSchemaAs`: nothing to warn about).
        Compatible = "compatible",
        /// Outside the supported range: parts of the host may fail.
        Incompatible = "incompatible",
        /// app-server has not started yet.
        Unknown = "unknown",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodexVersion {
    /// The release the project installs and tests by default.
    pub expected: String,
    /// From app-server's user agent, once initialized.
    pub running: Option<String>,
    /// True when the running release speaks a tested release's protocol: it is tested, or its schema is identical.
    pub matches: bool,
    pub support: CodexSupport,
    /// The tested release whose schema the running one matches, when it is not that release itself.
    pub same_schema_as: Option<String>,
    /// The supported range, `[from, to)`.
    pub supported: [String; 2],
    /// What to do about it, in words (null when there is nothing to do).
    pub advice: Option<String>,
}

/// `codex_manager/0.169.0 (Debian 12.0.0; x86_64) ...` → `0.169.0`.
pub fn version_from_user_agent(user_agent: &str) -> Option<&str> {
    let after_slash = user_agent.split_once('/')?.1;
    let version = after_slash.split(|c: char| c.is_whitespace() || c == '(').next()?;
    (!version.is_empty()).then_some(version)
}

/// `0.169.1` → (0, 169, 1); a pre-release or build suffix is ignored (`0.170.0-alpha.2` is 0.170.0).
fn numeric(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// How this host stands to the codex in `user_agent`, given its schema's fingerprint once read and how many facts
/// the drift guard found broken in it.
pub fn assess(user_agent: Option<&str>, schema: Option<&str>, broken: usize) -> CodexVersion {
    assess_release(user_agent.and_then(version_from_user_agent), schema, broken)
}

/// How this host stands to codex `release` (`0.169.0`), given its schema's fingerprint if known and the number of
/// facts the drift guard found broken in that schema (the advice says so: such a release does not simply work).
pub fn assess_release(release: Option<&str>, schema: Option<&str>, broken: usize) -> CodexVersion {
    let running = release.map(str::to_owned);
    let tested_by_version = running.as_deref().and_then(|v| TESTED.iter().find(|t| t.version == v));
    let tested_by_schema = schema.and_then(|s| TESTED.iter().find(|t| t.schema == s));
    let in_range = running.as_deref().and_then(numeric).zip(numeric(SUPPORTED_RANGE.0).zip(numeric(SUPPORTED_RANGE.1)))
        .map(|(v, (from, to))| from <= v && v < to);
    let (support, same_schema_as) = match (&running, tested_by_version, tested_by_schema) {
        (None, _, _) => (CodexSupport::Unknown, None),
        (_, Some(_), _) => (CodexSupport::Tested, None),
        // Untested, but byte-for-byte a tested release's protocol (a patch release): compatible, nothing to warn of.
        (_, None, Some(t)) => (CodexSupport::Compatible, Some(t.version.to_string())),
        _ if in_range == Some(true) => (CodexSupport::Compatible, None),
        _ => (CodexSupport::Incompatible, None),
    };
    let (from, to) = SUPPORTED_RANGE;
    let running_text = running.as_deref().unwrap_or("?");
    let install = format!("install a tested release (npm install -g @openai/codex@{EXPECTED_CODEX_VERSION}) or point CODEX_BIN at one");
    let advice = match support {
        CodexSupport::Compatible if same_schema_as.is_some() => None,
        CodexSupport::Compatible if broken > 0 => Some(format!(
            "codex {running_text} is inside the supported range [{from}, {to}) but untested, and its protocol breaks {broken} fact(s) the host relies on (/api/ready protocol.violations): what depends on them is off; {install}"
        )),
        CodexSupport::Compatible => Some(format!(
            "codex {running_text} is inside the supported range [{from}, {to}) but untested: it should work; the tested releases are {}",
            tested_list()
        )),
        CodexSupport::Incompatible if broken > 0 => Some(format!(
            "codex {running_text} is outside the supported range [{from}, {to}) and its protocol breaks {broken} fact(s) the host relies on (/api/ready protocol.violations): {install}"
        )),
        CodexSupport::Incompatible => Some(format!("codex {running_text} is outside the supported range [{from}, {to}): {install}")),
        CodexSupport::Tested | CodexSupport::Unknown => None,
    };
    CodexVersion {
        expected: EXPECTED_CODEX_VERSION.to_string(),
        running,
        matches: support == CodexSupport::Tested || same_schema_as.is_some(),
        support,
        same_schema_as,
        supported: [from.to_string(), to.to_string()],
        advice,
    }
}

fn tested_list() -> String {
    TESTED.iter().map(|t| t.version).collect::<Vec<_>>().join(", ")
}

/// A fingerprint of the schema `codex app-server generate-json-schema` wrote into `dir`: SHA-256 over every file's
/// path (relative, `/`-separated, sorted) and bytes. Equal fingerprints mean the protocol the host reads is the same.
pub fn schema_fingerprint(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap_or(&path).components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                files.push((rel, path));
            }
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for (rel, path) in files {
        hash.update(rel.as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(&path)?);
        hash.update([0]);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_from_the_user_agent() {
        assert_eq!(version_from_user_agent("codex_manager/0.169.0 (Debian 12.0.0; x86_64) xterm"), Some("0.169.0"));
        assert_eq!(version_from_user_agent("nothing"), None);
    }

    #[test]
    fn support_follows_tested_releases_identical_schemas_and_the_range() {
        let ua = |v: &str| format!("codex_manager/{v} (Debian; x86_64)");
        let tested = assess(Some(&ua("0.169.0")), None, 0);
        assert_eq!((tested.support, tested.matches, tested.advice.is_none()), (CodexSupport::Tested, true, true));
        // A patch release with a tested schema: compatible, matching, nothing to warn about.
        let same = assess(Some(&ua("0.169.1")), Some(TESTED[0].schema), 0);
        assert_eq!((same.support, same.same_schema_as.as_deref(), same.matches), (CodexSupport::Compatible, Some("0.169.0"), true));
        assert_eq!(same.advice, None);
        // Inside the range, untested, with another schema: compatible, with advice.
        let newer = assess(Some(&ua("0.170.0")), Some("another"), 0);
        assert_eq!((newer.support, newer.matches), (CodexSupport::Compatible, false));
        assert!(newer.advice.unwrap().contains("untested"));
        // Outside the range either way.
        for v in ["0.168.9", "0.172.0", "1.0.0"] {
            assert_eq!(assess(Some(&ua(v)), Some("x"), 0).support, CodexSupport::Incompatible, "{v}");
        }
        assert_eq!(assess(Some(&ua("0.170.0-alpha.2")), None, 0).support, CodexSupport::Compatible);
        assert_eq!(assess(None, None, 0).support, CodexSupport::Unknown);
    }

    #[test]
    fn an_untested_release_whose_protocol_breaks_facts_is_not_advised_to_just_work() {
        let broken = assess_release(Some("0.170.0"), Some("another"), 2);
        assert_eq!(broken.support, CodexSupport::Compatible);
        let advice = broken.advice.unwrap();
        assert!(advice.contains("breaks 2 fact(s)") && !advice.contains("should work"), "{advice}");
        assert!(advice.contains("protocol.violations") && advice.contains("install a tested release"), "{advice}");
        let far = assess_release(Some("0.999.0"), Some("another"), 1).advice.unwrap();
        assert!(far.contains("outside the supported range") && far.contains("breaks 1 fact(s)"), "{far}");
        assert!(assess_release(Some("0.170.0"), Some("another"), 0).advice.unwrap().contains("should work"));
    }

    #[test]
    fn the_pin_is_a_tested_release_and_every_tested_release_is_supported() {
        assert!(TESTED.iter().any(|t| t.version == EXPECTED_CODEX_VERSION), "add the pin to TESTED (scripts/codex-release.sh prints the line)");
        for t in TESTED {
            let verdict = assess_release(Some(t.version), Some(t.schema), 0);
            assert_eq!(verdict.support, CodexSupport::Tested, "{}", t.version);
            let (from, to) = SUPPORTED_RANGE;
            assert!(numeric(t.version) >= numeric(from) && numeric(t.version) < numeric(to),
                "tested {} lies outside SUPPORTED_RANGE [{from}, {to})", t.version);
            assert!(t.schema.len() == 64 && t.schema.bytes().all(|b| b.is_ascii_hexdigit()), "{}: a SHA-256 in hex", t.version);
        }
    }

    #[test]
    fn a_schema_fingerprint_covers_names_and_bytes_in_a_stable_order() {
        let dir = std::env::temp_dir().join(format!("cm-schema-fp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("v2")).unwrap();
        std::fs::write(dir.join("A.json"), "{}").unwrap();
        std::fs::write(dir.join("v2/B.json"), "[]").unwrap();
        let first = schema_fingerprint(&dir).unwrap();
        assert_eq!(first, schema_fingerprint(&dir).unwrap());
        std::fs::write(dir.join("v2/B.json"), "[1]").unwrap();
        let changed = schema_fingerprint(&dir).unwrap();
        assert_ne!(first, changed, "a byte changed");
        std::fs::rename(dir.join("A.json"), dir.join("C.json")).unwrap();
        assert_ne!(changed, schema_fingerprint(&dir).unwrap(), "a file renamed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
