//! The pinned tools that turn a Python or JavaScript project into a component, and where `plugin build` finds
//! them: the one named (`--tool` or the environment), else the project's own (`.venv/`, `node_modules/`), which
//! `plugin build` installs the first time when the package registry is reachable.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// componentize-py, from PyPI: CPython 3.12 in the component (about 18 MB).
pub const COMPONENTIZE_PY: &str = "0.25.1";
/// componentize-qjs, from npm: QuickJS in the component (about 1.6 MB), built with `--sync`.
pub const COMPONENTIZE_QJS: &str = "0.4.5";

/// Environment variables that name a tool for every build (the test set-up's, or a shared install).
pub const PY_ENV: &str = "CODEX_MANAGER_COMPONENTIZE_PY";
pub const QJS_ENV: &str = "CODEX_MANAGER_COMPONENTIZE_QJS";

fn named(flag: Option<&Path>, env: &str) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| std::env::var_os(env).filter(|v| !v.is_empty()).map(PathBuf::from))
}

fn on_path(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Runs a command, its output shown to the user on stderr (stdout is the result: the package's path); an error
/// names it.
pub fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.stdout(std::process::Stdio::from(std::io::stderr())).status().with_context(|| format!("cannot run {what} ({:?})", cmd.get_program()))?;
    anyhow::ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

/// componentize-py at the pinned version: `--tool`, `$CODEX_MANAGER_COMPONENTIZE_PY`, or `<project>/.venv`
/// (made here on first use).
pub fn componentize_py(project: &Path, flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    let install = format!("python3 -m venv .venv && .venv/bin/pip install componentize-py=={COMPONENTIZE_PY}");
    let tool = match named(flag, PY_ENV) {
        Some(tool) => tool,
        None => {
            let venv = project.join(".venv");
            let tool = venv.join("bin/componentize-py");
            if !tool.exists() {
                if !on_path("python3") {
                    bail!("building a Python plugin needs python3 (3.10+) with venv, to install componentize-py {COMPONENTIZE_PY}: install it (e.g. `apt-get install python3 python3-venv`), or pass --tool PATH to a componentize-py {COMPONENTIZE_PY}");
                }
                eprintln!("installing componentize-py {COMPONENTIZE_PY} into {} (once)", venv.display());
                run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv")
                    .with_context(|| format!("in {}: try `{install}` (on Debian: apt-get install python3-venv)", project.display()))?;
                let pip = venv.join("bin/pip");
                run(
                    Command::new(&pip).args(["install", "--disable-pip-version-check", "-q"]).arg(format!("componentize-py=={COMPONENTIZE_PY}")),
                    "pip install componentize-py",
                )
                .with_context(|| format!("is PyPI reachable? in {}, `{install}` installs it", project.display()))?;
            }
            tool
        }
    };
    let out = Command::new(&tool)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}: install it with `{install}` in the project, or pass --tool PATH", tool.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    anyhow::ensure!(
        version.split_whitespace().last() == Some(COMPONENTIZE_PY),
        "{} is `{version}`, this codex-manager builds with componentize-py {COMPONENTIZE_PY}: `pip install componentize-py=={COMPONENTIZE_PY}`",
        tool.display()
    );
    Ok(tool)
}

/// componentize-qjs at the pinned version: `--tool`, `$CODEX_MANAGER_COMPONENTIZE_QJS`, or
/// `<project>/node_modules` (its package.json pins it; `npm install` runs here on first use).
pub fn componentize_qjs(project: &Path, flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    let install = format!("npm install --save-dev --save-exact componentize-qjs@{COMPONENTIZE_QJS}");
    let tool = match named(flag, QJS_ENV) {
        Some(tool) => tool,
        None => {
            let tool = project.join("node_modules/.bin/componentize-qjs");
            if !tool.exists() {
                if !on_path("npm") {
                    bail!("building a JavaScript plugin needs npm (Node.js 18+), to install componentize-qjs {COMPONENTIZE_QJS}: install Node.js, or pass --tool PATH to a componentize-qjs {COMPONENTIZE_QJS}");
                }
                eprintln!("installing componentize-qjs {COMPONENTIZE_QJS} into {}/node_modules (once)", project.display());
                let mut npm = Command::new("npm");
                npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-dev", "--save-exact"])
                    .arg(format!("componentize-qjs@{COMPONENTIZE_QJS}"))
                    .current_dir(project);
                run(&mut npm, "npm install componentize-qjs").with_context(|| format!("is npm's registry reachable? in {}, `{install}` installs it", project.display()))?;
            }
            tool
        }
    };
    anyhow::ensure!(tool.exists(), "no componentize-qjs at {}: `{install}` in the project installs it", tool.display());
    // The CLI has no --version: its package.json, beside the bin/ the npm link points into, says.
    let real = std::fs::canonicalize(&tool).unwrap_or_else(|_| tool.clone());
    let version = real
        .ancestors()
        .map(|a| a.join("package.json"))
        .find(|p| p.exists())
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .filter(|pkg| pkg["name"] == "componentize-qjs")
        .and_then(|pkg| pkg["version"].as_str().map(str::to_owned));
    match version {
        Some(v) if v == COMPONENTIZE_QJS => {}
        Some(v) => bail!("{} is componentize-qjs {v}, this codex-manager builds with {COMPONENTIZE_QJS}: `{install}`", tool.display()),
        None => eprintln!("note: cannot tell the version of {} (this codex-manager is tested with componentize-qjs {COMPONENTIZE_QJS})", tool.display()),
    }
    Ok(tool)
}
