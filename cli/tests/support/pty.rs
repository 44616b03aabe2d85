//! The CLI on a pseudo-terminal, as a person at a terminal runs it: what it printed, and the keys typed into it
//! (Ctrl-C typed reaches it as SIGINT). Used by the chat and `send --wait` tests.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Host, WAIT};

/// The CLI running on a pseudo-terminal: what it printed so far, and the terminal's input side.
pub struct Pty {
    pub child: Child,
    master: std::fs::File,
    screen: Arc<Mutex<String>>,
}

impl Pty {
    pub fn spawn(host: &Host, args: &[&str]) -> Self {
        Self::spawn_with(host, args, &[("NO_COLOR", "1")])
    }

    pub fn spawn_with(host: &Host, args: &[&str], env: &[(&str, &str)]) -> Self {
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

    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().replace('\r', "")
    }

    pub fn type_text(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Wait until the screen holds `what` at least `times` times (after what it showed before is counted).
    pub async fn wait_for(&self, what: &str, times: usize) -> String {
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


/// The CLI's exit once it has printed everything (the pty's reader keeps what it printed).
pub async fn finished(pty: &mut Pty) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the CLI did not finish: {}", pty.screen());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
