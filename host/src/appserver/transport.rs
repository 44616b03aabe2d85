//! What the supervisor runs: the seam between supervision and the thing supervised.
//!
//! The supervisor needs three things of an app-server: a byte stream to write JSON-RPC lines to, one to read
//! them from, and a process it can wait for and stop. [`Launch`] hands out those three for each generation. The
//! product launches the `codex app-server` child ([`ChildLauncher`]); unit tests launch an in-memory peer over
//! `tokio::io::duplex` (see `crate::testing`), so the relay, the turn record and everything above them run
//! without a codex binary. The trait is generic, not boxed: the production path is the same code as before,
//! monomorphized for the child's pipes.

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::process::{self, LaunchSpec};

/// Starts one app-server per generation.
pub trait Launch: Send + Sync + 'static {
    type Process: AppServerProcess;
    type Stdin: AsyncWrite + Unpin + Send + 'static;
    type Stdout: AsyncRead + Unpin + Send + 'static;

    /// Start one. An error is reported as "could not start" and retried with backoff, like an exit.
    fn launch(&self) -> std::io::Result<Launched<Self::Process, Self::Stdin, Self::Stdout>>;

    /// What is launched, in words, for error messages.
    fn describe(&self) -> String;
}

/// A started app-server: its process and its two streams.
pub struct Launched<P, W, R> {
    pub process: P,
    pub stdin: W,
    pub stdout: R,
}

/// The running app-server, as the supervisor sees it.
pub trait AppServerProcess: Send + 'static {
    /// The OS process id, if it is one.
    fn pid(&self) -> Option<u32>;

    /// Resolves when it has exited, with how, in words (`exited with code 1`, `killed by signal 9`).
    fn wait(&mut self) -> impl Future<Output = String> + Send;

    /// Stop it: the caller already closed its stdin (the polite request); firmer steps follow after `grace`.
    fn stop(self, grace: Duration) -> impl Future<Output = ()> + Send;

    /// It exited on its own: make sure nothing it started outlives it.
    fn reap(&mut self);
}

/// The product's launcher: `codex app-server` as a child process in its own process group.
pub struct ChildLauncher(LaunchSpec);

/// The `codex app-server` child.
pub struct ChildProcess {
    child: Child,
    pid: u32,
}

impl ChildLauncher {
    /// `codex app-server` as `config` names it.
    pub fn new(config: &super::AppServerConfig) -> Self {
        Self(LaunchSpec {
            program: config.program.clone(),
            codex_home: config.codex_home.clone(),
            overrides: config.overrides.clone(),
            env: config.env.clone(),
        })
    }
}

impl Launch for ChildLauncher {
    type Process = ChildProcess;
    type Stdin = ChildStdin;
    type Stdout = ChildStdout;

    fn launch(&self) -> std::io::Result<Launched<ChildProcess, ChildStdin, ChildStdout>> {
        let process::Spawned { child, stdin, stdout, pid } = process::spawn(&self.0)?;
        Ok(Launched { process: ChildProcess { child, pid }, stdin, stdout })
    }

    fn describe(&self) -> String {
        self.0.program.display().to_string()
    }
}

impl AppServerProcess for ChildProcess {
    fn pid(&self) -> Option<u32> {
        Some(self.pid)
    }

    async fn wait(&mut self) -> String {
        process::describe_exit(self.child.wait().await)
    }

    async fn stop(self, grace: Duration) {
        process::stop(self.child, self.pid, grace).await
    }

    fn reap(&mut self) {
        process::signal_group(self.pid, libc::SIGKILL);
    }
}
