//! Where a component is compiled into its artifact: in a child process of the host's own executable, or in this
//! process.
//!
//! Compiling runs Cranelift, code the host needs for nothing else, and peaks at hundreds of MB of heap for an
//! interpreter (componentize-py's ~18 MB component). In a child, those pages and that heap are the child's and go
//! back whole when it exits; the host's resident set stays what serving needs (docs/benchmarks.md, "Compiling in
//! a child"), and a compile that dies (out of memory, a compiler fault) fails that install, not the host.
//!
//! The child protocol, both ends of which live here: `<program> __compile-plugin --pooled|--on-demand <key>`, the
//! component on stdin, the artifact written to stdout (the host hands it the artifact's temporary file), exit 0;
//! a component wasmtime refuses exits [`EXIT_INVALID`] with wasmtime's message on stderr. `<key>` is the host
//! engine's artifact key: a child whose engine would compile for something else (other CPU features: a host run
//! under valgrind sees a simulated CPU) exits [`EXIT_OTHER_ENGINE`] before compiling, and the host compiles in its
//! own process instead. Anything else is the host's failure, not the plugin's.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use super::engine::{artifact_key, compiling_engine};
use super::PluginError;

/// The first argument that makes the executable a compiler instead of the CLI.
pub const CHILD_ARG: &str = "__compile-plugin";
/// The child's exit status for a component that does not compile (`EX_DATAERR`).
const EXIT_INVALID: i32 = 65;
/// The child's exit status for its own failure (`EX_SOFTWARE`).
const EXIT_FAILED: i32 = 70;
/// The child's exit status when its engine's artifact key is not the host's (`EX_CONFIG`).
const EXIT_OTHER_ENGINE: i32 = 78;
/// The most of the child's stderr kept for an error message.
const STDERR_KEPT: usize = 16 << 10;

/// Where components are compiled.
#[derive(Debug, Clone, Default)]
pub enum Compiler {
    /// In this process: for embedders and tests whose executable has no [`CHILD_ARG`] entry point.
    #[default]
    InProcess,
    /// In a child process running `program` (the `codex-manager` executable) with [`CHILD_ARG`].
    Child {
        program: PathBuf,
        /// The executable held open while `program` names it by descriptor (see [`Compiler::this_executable`]).
        held: Option<Arc<std::fs::File>>,
    },
}

impl Compiler {
    /// Compile in children of the running executable, whose `main` must answer [`CHILD_ARG`] with [`run_child`].
    ///
    /// On Linux the executable is opened now and run through its descriptor (`/proc/self/fd/N`): the very image
    /// this host runs, even once an upgrade has replaced the file, so every artifact is one this engine loads. Not
    /// `/proc/self/exe`, which under valgrind (scripts/text-order.sh) is valgrind's own tool.
    pub fn this_executable() -> Compiler {
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(e) => {
                tracing::warn!(error = %e, "the executable's path is unknown; plugins are compiled inside the host");
                return Compiler::InProcess;
            }
        };
        #[cfg(target_os = "linux")]
        if let Ok(file) = std::fs::File::open(&exe) {
            use std::os::fd::AsRawFd;
            let program = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
            return Compiler::Child { program, held: Some(Arc::new(file)) };
        }
        Compiler::Child { program: exe, held: None }
    }

    /// Compile `wasm` for an engine configured with `pooled` whose artifact key is `key`, and write the artifact
    /// into `out`. Blocking.
    pub(super) fn compile(&self, wasm: &[u8], pooled: bool, key: &str, out: std::fs::File) -> Result<(), PluginError> {
        let Compiler::Child { program, .. } = self else {
            return compile_here(wasm, pooled, out);
        };
        let started = Instant::now();
        let rewind = out.try_clone();
        let why_not = match compile_in_child(program, wasm, pooled, key, out)? {
            ChildCompiled::Done => {
                tracing::info!(bytes = wasm.len(), elapsed_ms = started.elapsed().as_millis() as u64, "compiled a plugin in a child process");
                return Ok(());
            }
            ChildCompiled::NotStarted(e) => format!("the compiling child did not start: {e}"),
            ChildCompiled::OtherEngine => "the compiling child's engine differs from the host's (another CPU as seen from here?)".into(),
        };
        // Nothing was written to the file: compile here rather than fail an install a child cannot serve.
        tracing::warn!(program = %program.display(), "{why_not}; compiling in the host");
        compile_here(wasm, pooled, rewind.map_err(|e| PluginError::Internal(format!("reopening the artifact's file: {e}")))?)
    }
}

/// Compile in this process, with an engine of its own dropped with its compiler: wasmtime keeps every compiling
/// thread's Cranelift context for reuse, each sized by the largest function it compiled, for the engine's life
/// (~100 MB after an interpreter).
///
/// Never inlined: `scripts/text-order.sh` names it to leave the compile out of the host's code layout (under
/// valgrind the host compiles here; natively, a child does).
#[inline(never)]
fn compile_here(wasm: &[u8], pooled: bool, mut out: std::fs::File) -> Result<(), PluginError> {
    let engine = compiling_engine(pooled).map_err(|e| PluginError::Internal(format!("a compiling engine: {e:#}")))?;
    let bytes = compile_with(&engine, wasm)?;
    drop(engine);
    out.write_all(&bytes).map_err(|e| PluginError::Internal(format!("writing the compiled plugin: {e}")))
}

enum ChildCompiled {
    Done,
    /// The program could not be run (no `/proc`, a deleted file on a system without descriptors to run).
    NotStarted(std::io::Error),
    /// The child's engine would not make what the host's loads: it compiled nothing.
    OtherEngine,
}

fn compile_with(engine: &wasmtime::Engine, wasm: &[u8]) -> Result<Vec<u8>, PluginError> {
    engine
        .precompile_component(wasm)
        .map_err(|e| PluginError::Invalid(format!("not a valid WebAssembly component: {e:#}")))
}

fn compile_in_child(program: &std::path::Path, wasm: &[u8], pooled: bool, key: &str, out: std::fs::File) -> Result<ChildCompiled, PluginError> {
    let failed = |what: &str, e: &dyn std::fmt::Display| PluginError::Internal(format!("compiling the plugin in a child process: {what}: {e}"));
    let child = Command::new(program)
        .arg(CHILD_ARG)
        .arg(if pooled { "--pooled" } else { "--on-demand" })
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out))
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Ok(ChildCompiled::NotStarted(e)),
    };
    // The child reads all of its input before it writes anything, and its stdout is a file: writing here cannot
    // wait on the stderr read below. A child that died early closes the pipe; its status says why.
    let written = child.stdin.take().expect("piped").write_all(wasm);
    let mut stderr = Vec::new();
    let _ = child.stderr.take().expect("piped").take(STDERR_KEPT as u64).read_to_end(&mut stderr);
    let status = child.wait().map_err(|e| failed("waiting for it", &e))?;
    let message = String::from_utf8_lossy(&stderr).trim().to_string();
    match status.code() {
        Some(0) => written.map(|()| ChildCompiled::Done).map_err(|e| failed("sending the component", &e)),
        Some(EXIT_INVALID) => Err(PluginError::Invalid(message)),
        Some(EXIT_OTHER_ENGINE) => Ok(ChildCompiled::OtherEngine),
        _ => Err(failed(&status.to_string(), &if message.is_empty() { "no message".to_string() } else { message })),
    }
}

/// The child's side: what the executable runs when its first argument is [`CHILD_ARG`] (`args` are the ones after
/// it). Returns the exit status.
pub fn run_child(args: &[String]) -> i32 {
    let (pooled, key) = match args {
        [flag, key] if flag == "--pooled" => (true, key),
        [flag, key] if flag == "--on-demand" => (false, key),
        _ => {
            eprintln!("usage: codex-manager {CHILD_ARG} --pooled|--on-demand <artifact key> < component.wasm > artifact.cwasm");
            return EXIT_FAILED;
        }
    };
    die_with_parent();
    let engine = match compiling_engine(pooled) {
        Ok(engine) if artifact_key(&engine) == *key => engine,
        Ok(_) => return EXIT_OTHER_ENGINE,
        Err(e) => {
            eprintln!("a compiling engine: {e:#}");
            return EXIT_FAILED;
        }
    };
    let mut wasm = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut wasm) {
        eprintln!("reading the component: {e}");
        return EXIT_FAILED;
    }
    match compile_with(&engine, &wasm) {
        Ok(bytes) => {
            drop(wasm);
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("writing the artifact: {e}");
                    EXIT_FAILED
                }
            }
        }
        Err(PluginError::Invalid(message)) => {
            eprintln!("{message}");
            EXIT_INVALID
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_FAILED
        }
    }
}

/// A compile outliving a host that stopped would only write a file nobody renames (the sweep removes it later):
/// end it with the host.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number and changes only this process's own setting.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_cannot_start_compiles_here_and_one_that_fails_is_the_hosts_failure() {
        let dir = std::env::temp_dir().join(format!("cm-compiler-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let out = || std::fs::File::create(dir.join("out")).unwrap();
        let missing = Compiler::Child { program: dir.join("no-such-program"), held: None };
        missing.compile(b"\0asm\x0d\0\x01\0", true, "k", out()).expect("compiled in this process instead");
        assert!(std::fs::metadata(dir.join("out")).unwrap().len() > 0, "the artifact was written");
        // A program that is not the compiler (sh, which finds no script named like its argument): an internal error
        // carrying its words. The invalid-component status is the real child's (cli/tests/plugins.rs).
        let err = Compiler::Child { program: "/bin/sh".into(), held: None }.compile(&vec![0; 1 << 20], false, "k", out()).err().expect("fails");
        assert!(matches!(&err, PluginError::Internal(m) if m.contains(CHILD_ARG) && m.contains("exit status")), "{err:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_child_refuses_arguments_it_does_not_know() {
        assert_eq!(run_child(&[]), EXIT_FAILED);
        assert_eq!(run_child(&["--fast".into(), "k".into()]), EXIT_FAILED);
        assert_eq!(run_child(&["--pooled".into()]), EXIT_FAILED, "no key");
    }
}
