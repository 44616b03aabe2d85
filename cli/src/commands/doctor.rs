//! `codex-manager doctor`: what stands between this machine and a working host, each check with ok / warn / fail
//! and the one thing that fixes it. It needs no running host; when one answers, its own view is asked (the codex it
//! runs, its plugins), otherwise the machine is looked at directly.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use clap::Args;
use codex_manager_host::appserver::drift::{self, DriftEffect, Inspection, ProtocolReport};
use codex_manager_host::appserver::version::{self, CodexSupport, CodexVersion};
use codex_manager_host::config::{self, PINNED_CODEX_VERSION};
use codex_manager_host::plugins::PluginInfo;
use codex_manager_host::services::{CodexOp, Readiness};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::ops;
use crate::client::Client;
use crate::exit::{Exit, Silent};
use crate::output::Output;

#[derive(Args)]
pub struct DoctorArgs {
    /// The web UI build the host would serve (default: CODEX_MANAGER_WEB_DIR, else the repository's web/dist).
    #[arg(long, env = "CODEX_MANAGER_WEB_DIR")]
    web_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    pub detail: String,
    /// What to do about it (none when ok).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn check(name: &'static str, level: Level, detail: impl Into<String>, fix: Option<String>) -> Check {
    Check { name, level, detail: detail.into(), fix: if level == Level::Ok { None } else { fix } }
}

/// Free space below which the data dir is a warning (the store, the event log and host.log grow there).
const LOW_SPACE: u64 = 1 << 30;

pub async fn run(a: DoctorArgs, url: &str, data_dir: &Path, client: Option<Client>, out: &Output) -> anyhow::Result<()> {
    let mut checks = Vec::new();
    // The host first: whether it answers decides where the other checks look.
    let found = probe(url, client.as_ref().map(Client::token)).await;
    // Ready or not (503), the body is the readiness; anything else (an error envelope) is no answer.
    let ready: Option<Readiness> = match (&client, &found) {
        (Some(c), Probe::Host(_)) => c.call(&ops::HEALTH_READY, &[]).send_any().await.ok().and_then(|r| r.decode().ok()),
        _ => None,
    };
    checks.push(port_check(url, &found, client.is_some()));
    // Without a host, the codex a host would spawn has its schema read once, for both checks: the fingerprint tells a
    // patch release with a tested release's schema from an untested one, the guard's violations judge the protocol.
    let local = if ready.is_some() { None } else { Some(inspect_local_codex().await) };
    checks.push(codex_check(ready.as_ref().map(|r| &r.codex), local.as_ref()));
    checks.push(protocol_check(ready.as_ref().map(|r| &r.protocol), local.as_ref()));
    checks.extend(sandbox_checks());
    checks.push(data_dir_check(data_dir));
    checks.push(web_check(a.web_dir.unwrap_or_else(codex_manager_host::api::web::default_web_dir)));
    checks.push(plugins_check(client.as_ref().filter(|_| ready.is_some())).await);
    let failed = checks.iter().any(|c| c.level == Level::Fail);
    out.show(&json!({"ok": !failed, "checks": checks}), |_| render(out, &checks));
    if failed {
        return Err(Silent(Exit::Api).into());
    }
    Ok(())
}

fn render(out: &Output, checks: &[Check]) -> String {
    let rows = checks
        .iter()
        .map(|c| {
            let word = match c.level {
                Level::Ok => out.state("ok"),
                Level::Warn => if out.color { "\x1b[33mwarn\x1b[0m".into() } else { "warn".into() },
                Level::Fail => if out.color { "\x1b[31mfail\x1b[0m".into() } else { "fail".into() },
            };
            vec![c.name.to_string(), word, c.detail.clone()]
        })
        .collect();
    // Each fix goes on the line under its check (the table's row i is its line i + 1).
    let table = out.table(&["CHECK", "STATUS", "DETAIL"], rows);
    let mut lines = Vec::new();
    for (i, line) in table.lines().enumerate() {
        lines.push(line.to_string());
        if let Some(fix) = i.checked_sub(1).and_then(|i| checks[i].fix.as_ref()) {
            lines.push(format!("  → fix: {fix}"));
        }
    }
    let (warn, fail) = (checks.iter().filter(|c| c.level == Level::Warn).count(), checks.iter().filter(|c| c.level == Level::Fail).count());
    lines.push(format!("\n{} ok, {warn} warn, {fail} fail", checks.len() - warn - fail));
    lines.join("\n")
}

/// What answers at the URL.
enum Probe {
    /// codex-manager, with its version.
    Host(String),
    /// codex-manager (its error envelope), refusing this token or the lack of one.
    Refused,
    /// Something else speaks HTTP there.
    Other(u16),
    /// Nothing answers.
    Nothing,
}

/// `GET /api/health` with the token when there is one.
async fn probe(url: &str, token: Option<&str>) -> Probe {
    let Ok(http) = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build() else { return Probe::Nothing };
    let mut req = http.get(format!("{}{}", url.trim_end_matches('/'), ops::HEALTH_HEALTH.url_path(&[])));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let Ok(resp) = req.send().await else { return Probe::Nothing };
    let status = resp.status().as_u16();
    // Read as JSON, not as `Health`: whatever listens on the port may not be a codex-manager host at all.
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    match (status, body["version"].as_str(), body["error"]["code"].as_str()) {
        (200, Some(v), _) => Probe::Host(v.to_string()),
        (401 | 403, _, Some(_)) => Probe::Refused,
        _ => Probe::Other(status),
    }
}

fn port_check(url: &str, probe: &Probe, token: bool) -> Check {
    match probe {
        Probe::Host(version) => return check("host", Level::Ok, format!("codex-manager {version} answers at {url}"), None),
        Probe::Refused => {
            let fix = if token {
                "the host refused the token: pass the one in its data dir (`--data-dir`, `--token` or CODEX_MANAGER_TOKEN)"
            } else {
                "no token: pass --token, set CODEX_MANAGER_TOKEN, or --data-dir of the host (it writes <data-dir>/token)"
            };
            return check("host", Level::Warn, format!("codex-manager answers at {url}, but not to this token"), Some(fix.into()));
        }
        Probe::Other(status) => {
            return check(
                "host",
                Level::Fail,
                format!("something that is not codex-manager answers at {url} (HTTP {status})"),
                Some("point --url / CODEX_MANAGER_URL at the host, or serve on another port: `codex-manager serve --bind 127.0.0.1:PORT`".into()),
            );
        }
        Probe::Nothing => {}
    }
    let Some(addr) = host_port(url) else {
        return check("host", Level::Warn, format!("no host answers at {url}"), Some("start it: `codex-manager serve`".into()));
    };
    let local = matches!(addr.0.as_str(), "127.0.0.1" | "localhost" | "::1" | "[::1]" | "0.0.0.0");
    if !local {
        return check("host", Level::Warn, format!("no host answers at {url}"), Some("start the host there, or point --url / CODEX_MANAGER_URL at one".into()));
    }
    let bind_host = if addr.0 == "localhost" { "127.0.0.1".to_string() } else { addr.0.trim_matches(['[', ']']).to_string() };
    match std::net::TcpListener::bind((bind_host.as_str(), addr.1)) {
        Ok(_) => check("host", Level::Warn, format!("no host answers at {url}; port {} is free", addr.1), Some("start it: `codex-manager serve`".into())),
        Err(e) => check(
            "host",
            Level::Fail,
            format!("port {} is taken by something that is not codex-manager ({e})", addr.1),
            Some(format!("stop what listens there (`ss -ltnp 'sport = :{}'`), or serve elsewhere: `codex-manager serve --bind 127.0.0.1:PORT` and `--url`", addr.1)),
        ),
    }
}

/// The host name and port of an `http://host:port/...` URL (port 80/443 by scheme when absent).
fn host_port(url: &str) -> Option<(String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    Some((parsed.host_str()?.to_string(), parsed.port_or_known_default()?))
}

/// The codex a host would spawn (`CODEX_BIN`, `PATH`, `.tools/codex`) and what the drift guard reads in its schema.
struct LocalCodex {
    bin: Result<PathBuf, String>,
    inspection: Result<Inspection, String>,
}

/// Find the codex a host would spawn and inspect its schema as the host does ([`drift::inspect`]).
async fn inspect_local_codex() -> LocalCodex {
    let explicit = std::env::var_os("CODEX_BIN").map(PathBuf::from);
    let bin = config::resolve_codex_bin(explicit.as_deref()).map_err(|e| e.to_string());
    let inspection = match &bin {
        Ok(bin) => {
            let home = std::env::temp_dir().join(format!("codex-manager-doctor-{}", std::process::id()));
            let found = drift::inspect(bin, &home, CodexOp::CALLS).await.map_err(|e| format!("could not read {}'s schema: {e}", bin.display()));
            let _ = std::fs::remove_dir_all(&home);
            found
        }
        Err(_) => Err("no codex to check (see the codex check)".to_string()),
    };
    LocalCodex { bin, inspection }
}

fn codex_check(codex: Option<&CodexVersion>, local: Option<&LocalCodex>) -> Check {
    let fix_install = format!("run `scripts/setup.sh` (installs @openai/codex@{PINNED_CODEX_VERSION} into .tools/codex), or set CODEX_BIN");
    if let Some(codex) = codex {
        return support_check(codex, "the host runs", &fix_install);
    }
    let Some(local) = local else { return check("codex", Level::Warn, "no codex to check", None) };
    let bin = match &local.bin {
        Ok(bin) => bin,
        Err(e) => return check("codex", Level::Fail, e.clone(), Some(fix_install)),
    };
    let version = std::process::Command::new(bin).arg("--version").output();
    match version {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout).trim().to_string();
            // As the host judges it: the release, and the fingerprint of the schema it prints (when it printed one).
            let inspection = local.inspection.as_ref().ok();
            let fingerprint = inspection.map(|i| i.fingerprint.as_str());
            let codex = version::assess_release(parse_version(&text), fingerprint, inspection.map_or(0, |i| i.violations.len()));
            support_check(&codex, &format!("{} is", bin.display()), &fix_install)
        }
        Ok(o) => check("codex", Level::Fail, format!("`{} --version` failed: {}", bin.display(), String::from_utf8_lossy(&o.stderr).trim()), Some(fix_install)),
        Err(e) => check("codex", Level::Fail, format!("cannot run {}: {e}", bin.display()), Some(fix_install)),
    }
}

/// The codex check from the host's own judgement of the release ([`version::assess`]).
fn support_check(codex: &CodexVersion, who: &str, fix_install: &str) -> Check {
    let running = codex.running.as_deref().unwrap_or("not started yet");
    let [from, to] = &codex.supported;
    match codex.support {
        CodexSupport::Tested => check("codex", Level::Ok, format!("{who} codex {running}, a tested release"), None),
        CodexSupport::Compatible if codex.same_schema_as.is_some() => {
            let same = codex.same_schema_as.as_deref().unwrap_or_default();
            check("codex", Level::Ok, format!("{who} codex {running}: compatible, the same protocol as the tested {same}"), None)
        }
        CodexSupport::Compatible => check("codex", Level::Warn, format!("{who} codex {running}: supported [{from}, {to}), untested"), codex.advice.clone()),
        CodexSupport::Incompatible => check("codex", Level::Fail, format!("{who} codex {running}: outside the supported [{from}, {to})"), Some(fix_install.to_string())),
        CodexSupport::Unknown => check("codex", Level::Warn, format!("{who} codex {running}"), None),
    }
}

/// Whether the codex still speaks what the host relies on (the drift guard): the running host's verdict, else the
/// guard run here against the binary a host would spawn (`local`).
fn protocol_check(report: Option<&ProtocolReport>, local: Option<&LocalCodex>) -> Check {
    match (report, local.map(|l| &l.inspection)) {
        (Some(r), _) if r.checked => protocol_verdict(r),
        (Some(_), _) => check("protocol", Level::Warn, "the host has not read its codex's schema yet (it does shortly after app-server starts)", None),
        (None, Some(Ok(found))) => protocol_verdict(&ProtocolReport { checked: true, violations: found.violations.clone() }),
        (None, Some(Err(e))) => check("protocol", Level::Warn, e.clone(), None),
        (None, None) => check("protocol", Level::Warn, "no codex to check (see the codex check)", None),
    }
}

/// A broken fact that turns something off fails; one the host can only misread warns.
fn protocol_verdict(report: &ProtocolReport) -> Check {
    if report.violations.is_empty() {
        return check("protocol", Level::Ok, "every fact the host relies on holds in codex's schema", None);
    }
    let level = if report.violations.iter().any(|v| v.effect != DriftEffect::Degraded) { Level::Fail } else { Level::Warn };
    let facts: Vec<String> = report.violations.iter().map(|v| format!("{v} ({})", v.effect)).collect();
    let fix = format!("install a tested codex release (npm install -g @openai/codex@{PINNED_CODEX_VERSION}) or point CODEX_BIN at one; the rest of the host works");
    check("protocol", level, format!("codex changed what the host relies on: {}", facts.join("; ")), Some(fix))
}

/// The version in `codex --version`'s answer (`codex-cli 0.169.0`).
pub fn parse_version(text: &str) -> Option<&str> {
    text.split_whitespace().find(|w| w.split('.').count() >= 3 && w.split('.').all(|p| !p.is_empty() && p.chars().next().is_some_and(|c| c.is_ascii_digit())))
}

fn sandbox_checks() -> Vec<Check> {
    let mut checks = Vec::new();
    let bwrap = std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("bwrap")).find(|p| p.is_file()));
    checks.push(match bwrap {
        Some(p) => check("bubblewrap", Level::Ok, format!("{}", p.display()), None),
        None => check(
            "bubblewrap",
            Level::Warn,
            "bwrap is not on PATH: codex sandboxes with the copy it bundles (and logs an ERROR saying so at every start)",
            Some("install the system's: `sudo apt-get install bubblewrap` (or `dnf install bubblewrap`)".into()),
        ),
    });
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    let userns = read("/proc/sys/kernel/unprivileged_userns_clone");
    let max = read("/proc/sys/user/max_user_namespaces");
    let apparmor = read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    checks.push(userns_check(userns.as_deref(), max.as_deref(), apparmor.as_deref()));
    checks
}

/// Whether unprivileged user namespaces (what bubblewrap needs) are allowed, from the kernel's switches.
pub fn userns_check(clone: Option<&str>, max: Option<&str>, apparmor: Option<&str>) -> Check {
    if clone == Some("0") {
        return check(
            "user namespaces",
            Level::Warn,
            "kernel.unprivileged_userns_clone is 0: bubblewrap cannot create its sandbox",
            Some("`sudo sysctl -w kernel.unprivileged_userns_clone=1` (and in /etc/sysctl.d/ to keep it)".into()),
        );
    }
    if max == Some("0") {
        return check("user namespaces", Level::Warn, "user.max_user_namespaces is 0", Some("`sudo sysctl -w user.max_user_namespaces=15000`".into()));
    }
    if apparmor == Some("1") {
        return check(
            "user namespaces",
            Level::Warn,
            "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
            Some("allow bwrap with an AppArmor profile, or `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`".into()),
        );
    }
    let how = if clone.is_some() { "unprivileged_userns_clone=1" } else { "no kernel switch forbids them" };
    check("user namespaces", Level::Ok, format!("allowed ({how})"), None)
}

fn data_dir_check(dir: &Path) -> Check {
    let shown = dir.display();
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(_) => return check("data dir", Level::Warn, format!("{shown} does not exist yet"), Some("`codex-manager serve` creates it (owner-only) on its first start".into())),
    };
    if !meta.is_dir() {
        return check("data dir", Level::Fail, format!("{shown} is not a directory"), Some("move it away, or pass another --data-dir".into()));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return check("data dir", Level::Fail, format!("{shown} belongs to uid {}, not to you (uid {me})", meta.uid()), Some(format!("`sudo chown -R $USER {shown}`")));
    }
    let mode = meta.mode() & 0o777;
    let space = free_bytes(dir);
    let space_text = space.map(|b| format!(", {} free", human_bytes(b))).unwrap_or_default();
    if mode & 0o077 != 0 {
        return check(
            "data dir",
            Level::Warn,
            format!("{shown} is mode {mode:o}: others can read the token and the store{space_text}"),
            Some(format!("`chmod 700 {shown}`")),
        );
    }
    if space.is_some_and(|b| b < LOW_SPACE) {
        return check("data dir", Level::Warn, format!("{shown}: only {} free", human_bytes(space.unwrap_or(0))), Some("free some space: the store, events and host.log grow here".into()));
    }
    check("data dir", Level::Ok, format!("{shown} (owner-only{space_text})"), None)
}

fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid NUL-terminated string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{b} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

fn web_check(dir: PathBuf) -> Check {
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let index = dir.join("index.html");
    if index.is_file() {
        check("web build", Level::Ok, format!("{}", index.display()), None)
    } else {
        check(
            "web build",
            Level::Warn,
            format!("{} is missing: the API works, the web UI does not", index.display()),
            Some("build it: `cd web && npm ci && npm run build` (or point --web-dir / CODEX_MANAGER_WEB_DIR at a build)".into()),
        )
    }
}

async fn plugins_check(client: Option<&Client>) -> Check {
    let Some(client) = client else {
        return check("plugins", Level::Warn, "not checked: no host answers to this token", Some("start the host, then run doctor again".into()));
    };
    let all: Vec<PluginInfo> = match client.call(&ops::PLUGINS_LIST, &[]).get().await {
        Ok(list) => list,
        Err(e) => return check("plugins", Level::Warn, format!("the host did not list them: {e:#}"), None),
    };
    let off: Vec<String> = all
        .iter()
        .filter(|p| !p.enabled)
        .map(|p| format!("{} ({})", p.id, p.disabled_reason.as_deref().unwrap_or("disabled")))
        .collect();
    let on = all.len() - off.len();
    if off.is_empty() {
        return check("plugins", Level::Ok, format!("{on} installed, all enabled"), None);
    }
    check("plugins", Level::Warn, format!("{on} enabled; off: {}", off.join(", ")), Some("`codex-manager plugin enable ID` (see `plugin logs ID` for why it stopped)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_drift_fails_when_it_turns_something_off_and_warns_when_it_only_degrades() {
        use codex_manager_host::appserver::drift::ProtocolViolation;
        let v = |method: &str, effect| ProtocolViolation { fact: format!("`{method}` params, x"), problem: "gone".into(), method: method.into(), effect };
        assert_eq!(protocol_verdict(&ProtocolReport { checked: true, violations: vec![] }).level, Level::Ok);
        let degraded = protocol_verdict(&ProtocolReport { checked: true, violations: vec![v("turn/completed", DriftEffect::Degraded)] });
        assert_eq!(degraded.level, Level::Warn);
        let refused = protocol_verdict(&ProtocolReport { checked: true, violations: vec![v("turn/steer", DriftEffect::Refused)] });
        assert_eq!(refused.level, Level::Fail);
        assert!(refused.detail.contains("`turn/steer` params, x: gone (refused)"), "{}", refused.detail);
        assert!(refused.fix.unwrap().contains("CODEX_BIN"));
    }

    #[test]
    fn codex_versions_are_read_from_its_answer() {
        assert_eq!(parse_version("codex-cli 0.169.0"), Some("0.169.0"));
        assert_eq!(parse_version("codex-cli 0.170.0-alpha.1"), Some("0.170.0-alpha.1"));
        assert_eq!(parse_version("codex"), None);
    }

    #[test]
    fn user_namespaces_are_judged_by_every_kernel_switch() {
        assert_eq!(userns_check(Some("1"), Some("15000"), None).level, Level::Ok);
        assert_eq!(userns_check(None, None, None).level, Level::Ok);
        let off = userns_check(Some("0"), Some("15000"), None);
        assert_eq!(off.level, Level::Warn);
        assert!(off.fix.unwrap().contains("unprivileged_userns_clone=1"));
        assert_eq!(userns_check(None, Some("0"), None).level, Level::Warn);
        assert_eq!(userns_check(Some("1"), None, Some("1")).level, Level::Warn);
    }

    #[test]
    fn a_data_dir_open_to_others_is_a_warning_with_the_fix() {
        let dir = std::env::temp_dir().join(format!("cm-doctor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let c = data_dir_check(&dir);
        assert_eq!(c.level, Level::Warn, "{c:?}");
        assert!(c.fix.as_deref().unwrap().starts_with("`chmod 700"), "{c:?}");
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        assert_eq!(data_dir_check(&dir).level, Level::Ok);
        assert_eq!(data_dir_check(&dir.join("absent")).level, Level::Warn);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }
}
