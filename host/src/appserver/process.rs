//! Spawning and stopping the app-server child.
//!
//! The child runs in its own process group so that shutdown can reach every descendant: app-server killed with
//! SIGKILL orphans unsandboxed commands, so the polite path (stdin EOF, then SIGTERM) comes first and the group
//! kill comes last.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How the child is launched.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub program: PathBuf,
    pub codex_home: PathBuf,
    /// `-c key=value` overrides, passed through verbatim.
    pub overrides: Vec<String>,
    /// Extra environment for the child.
    pub env: Vec<(String, String)>,
}

pub struct Spawned {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub pid: u32,
}

pub fn spawn(spec: &LaunchSpec) -> std::io::Result<Spawned> {
    std::fs::create_dir_all(&spec.codex_home)?;
    let mut cmd = Command::new(&spec.program);
    cmd.arg("app-server");
    for o in &spec.overrides {
        cmd.arg("-c").arg(o);
    }
    cmd.env("CODEX_HOME", &spec.codex_home)
        .env("RUST_LOG", std::env::var("CODEX_RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .env("NO_COLOR", "1")
        .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(forward_stderr(stderr));
    }
    let pid = child.id().unwrap_or(0);
    Ok(Spawned { child, stdin, stdout, pid })
}

/// app-server's stderr goes to our log. It runs with `RUST_LOG=warn` unless told otherwise, so what it prints is
/// worth seeing — including fatal config errors it prints before exiting, which are not tagged as log lines.
async fn forward_stderr(stderr: tokio::process::ChildStderr) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = strip_ansi(&line);
        if line.trim().is_empty() {
            continue;
        }
        match known_notice(&line) {
            Some(notice) => notice.log_once(),
            None => tracing::warn!(target: "app_server", "{line}"),
        }
    }
}

/// Lines app-server prints at every start that need no action, with what to say instead (once per host run, at
/// info): an ERROR in every first start's log teaches people to ignore the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    /// No system bubblewrap: codex sandboxes commands with the copy it bundles, so nothing is less safe.
    BundledBubblewrap,
}

static NOTICES_SEEN: std::sync::Mutex<Vec<Notice>> = std::sync::Mutex::new(Vec::new());

impl Notice {
    fn log_once(self) {
        let mut seen = NOTICES_SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(&self) {
            return;
        }
        seen.push(self);
        match self {
            Notice::BundledBubblewrap => tracing::info!(
                target: "app_server",
                "codex sandboxes commands with its bundled bubblewrap (install the `bubblewrap` package to use the system's)"
            ),
        }
    }
}

fn known_notice(line: &str) -> Option<Notice> {
    (line.contains("could not find bubblewrap on PATH") && line.contains("bundled bubblewrap")).then_some(Notice::BundledBubblewrap)
}

/// Drop terminal colour sequences (`ESC [ ... letter`) some tools print even without a terminal.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How the child ended, in words.
pub fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exited with code {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => "exited".to_string(),
        },
        Err(e) => format!("wait failed: {e}"),
    }
}

/// Send `signal` to the whole process group led by `pid`.
pub fn signal_group(pid: u32, signal: i32) {
    if pid == 0 {
        return;
    }
    // SAFETY: kill(2) with a negative pid addresses a process group; it has no memory-safety preconditions.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

/// Stop politely, then firmly: stdin EOF (the caller closed the connection, whose writer then drops stdin),
/// SIGTERM after `grace`, SIGKILL of the group after another `grace`.
pub async fn stop(mut child: Child, pid: u32, grace: Duration) {
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        signal_group(pid, libc::SIGTERM);
        if tokio::time::timeout(grace, child.wait()).await.is_err() {
            signal_group(pid, libc::SIGKILL);
            let _ = child.wait().await;
        }
    }
    // Whatever the leader did, make sure nothing of the group outlives it.
    signal_group(pid, libc::SIGKILL);
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_sequences_are_stripped() {
        assert_eq!(super::strip_ansi("\u{1b}[31mERROR\u{1b}[0m boom"), "ERROR boom");
    }

    #[test]
    fn the_bundled_bubblewrap_notice_is_known_and_other_errors_are_not() {
        use super::{known_notice, Notice};
        let line = "2026-12-05T06:27:02.757090Z ERROR codex_app_server: Codex could not find bubblewrap on PATH. Install bubblewrap \
                    with your OS package manager. See the sandbox prerequisites: https://developers.openai.com/codex/concepts/sandboxing#prerequisites. \
                    Codex will use the bundled bubblewrap in the meantime.";
        assert_eq!(known_notice(line), Some(Notice::BundledBubblewrap));
        assert_eq!(known_notice("ERROR codex_app_server: could not find bubblewrap on PATH and no bundled copy"), None);
        assert_eq!(known_notice("ERROR codex_app_server: config.toml: invalid value"), None);
    }
}
