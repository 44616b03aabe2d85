//! `codex-manager chat` driven through a pseudo-terminal, as a person at a terminal would: the reply streams, an
//! approval is asked inline and answered with a key, a Plan-mode question is answered by typing, and Ctrl-C
//! interrupts the running turn. What the chat did is then checked against the host's own records. Also: colour only
//! on a terminal, and never with `NO_COLOR`.

mod support;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::*;

/// The CLI running on a pseudo-terminal: what it printed so far, and the terminal's input side.
struct Pty {
    child: Child,
    master: std::fs::File,
    screen: Arc<Mutex<String>>,
}

impl Pty {
    fn spawn(host: &Host, args: &[&str]) -> Self {
        Self::spawn_with(host, args, &[("NO_COLOR", "1")])
    }

    fn spawn_with(host: &Host, args: &[&str], env: &[(&str, &str)]) -> Self {
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty writes two fresh descriptors into the out-pointers; the null termios/winsize use defaults.
        let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened by openpty and are owned by nobody else.
        let (master, slave) = unsafe { (std::fs::File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex-manager"));
        cmd.arg("--url").arg(&host.url).arg("--token").arg(&host.token).args(args).env_remove("NO_COLOR").envs(env.iter().copied());
        cmd.stdin(Stdio::from(slave.try_clone().unwrap())).stdout(Stdio::from(slave.try_clone().unwrap())).stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session whose controlling terminal is the
        // pty (stdin), so Ctrl-C typed on it reaches the CLI as SIGINT.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("the CLI runs");
        drop(cmd); // the parent's copies of the terminal side: the pty reports EOF once the CLI is gone
        let screen = Arc::new(Mutex::new(String::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), screen.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self { child, master, screen }
    }

    fn screen(&self) -> String {
        self.screen.lock().unwrap().replace('\r', "")
    }

    fn type_text(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Wait until the screen holds `what` at least `times` times (after what it showed before is counted).
    async fn wait_for(&self, what: &str, times: usize) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if screen.matches(what).count() >= times {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what:?} ×{times}; the screen:\n{screen}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_chat_streams_answers_approvals_and_questions_and_interrupts_on_ctrl_c() {
    let env = Env::start("chat").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut pty = Pty::spawn(host, &["chat", &session]);
    pty.wait_for("you> ", 1).await;

    // An approval, asked inline with the command, answered with one key.
    pty.type_text("run it scenario:approval\n");
    let screen = pty.wait_for("approve?", 1).await;
    assert!(screen.contains("Codex wants to run:") && screen.contains("approved-output"), "{screen}");
    pty.type_text("y\n");
    let screen = pty.wait_for("you> ", 2).await;
    assert!(screen.contains("Command finished."), "the reply streamed after the approval: {screen}");
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?status=resolved")).await;
    let approval = &requests.as_array().unwrap()[0];
    assert_eq!((approval["decision"].as_str(), approval["decidedBy"].as_str()), (Some("accept"), Some("cli")), "{approval}");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(turns["turns"][0]["status"], "completed", "{turns}");
    assert!(turns["turns"][0]["finalText"].as_str().unwrap().contains("Command finished."), "{turns}");

    // A Plan-mode question, answered by typing.
    pty.type_text("/plan ask me scenario:user_input\n");
    pty.wait_for("Codex asks:", 1).await;
    pty.type_text("Blue\n");
    let screen = pty.wait_for("you> ", 3).await;
    assert!(screen.contains("Got:") && screen.contains("Blue"), "the answer reached the model and the reply shows it: {screen}");
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?kind=tool_input")).await;
    assert_eq!(requests[0]["decidedBy"], "cli", "{requests}");

    // Ctrl-C interrupts the running turn; the chat stays, and says how the turn ended (from its record).
    pty.type_text("go scenario:slow\n");
    pty.wait_for("s3 ", 1).await;
    pty.type_text("\x03");
    let screen = pty.wait_for("[turn interrupted", 1).await;
    pty.wait_for("you> ", 4).await;
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(turns["turns"][0]["status"], "interrupted", "{turns}\n{screen}");

    pty.type_text("/quit\n");
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the chat did not quit: {}", pty.screen());
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(status.success(), "{status:?}");
}

/// The CLI's exit once it has printed everything (the pty's reader keeps what it printed).
async fn finished(pty: &mut Pty) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the CLI did not finish: {}", pty.screen());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let env = Env::start("colour").await;
    let host = env.host();
    env.new_session().await;
    let mut coloured = Pty::spawn_with(host, &["sessions", "list"], &[]);
    assert!(finished(&mut coloured).await.success());
    let screen = coloured.wait_for("idle", 1).await;
    assert!(screen.contains("\x1b[1mID") && screen.contains("\x1b[32midle\x1b[0m"), "a bold header and a green state: {screen:?}");
    let mut plain = Pty::spawn_with(host, &["sessions", "list"], &[("NO_COLOR", "1")]);
    assert!(finished(&mut plain).await.success());
    let screen = plain.wait_for("idle", 1).await;
    assert!(!screen.contains('\x1b'), "{screen:?}");
    // Not a terminal: plain too (the harness's pipes).
    let (code, out, _) = host.cli(&["sessions", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("idle") && !out.contains('\x1b'), "{out:?}");
}
