//! The host's log file: plain text (no colour codes), appended, and rotated by size so a long-running host never
//! fills the disk with its own log: past [`MAX_BYTES`] the file becomes `<name>.1` (replacing the older one) and a
//! new file starts. `codex-manager logs` reads it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Size at which the log rotates; at most twice this is kept (the file and its `.1`).
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The log file's name in the data dir when `--log-file` does not name another.
pub const DEFAULT_NAME: &str = "host.log";

pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    max_bytes: u64,
}

impl RotatingFile {
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::with_limit(path, MAX_BYTES)
    }

    fn with_limit(path: &Path, max_bytes: u64) -> io::Result<Self> {
        // Owner-only, like the data dir it usually lives in (created here first when the log is the first thing in it):
        // a log names paths, prompts' first words and errors.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        let file = open_append(path)?;
        let written = file.metadata()?.len();
        Ok(Self { path: path.to_path_buf(), file, written, max_bytes })
    }

    fn rotate(&mut self) -> io::Result<()> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        self.file = open_append(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).mode(0o600).open(path)
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Rotate between lines (each log event is one write), never inside one.
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_between_writes_and_keeps_one_old_file() {
        let dir = std::env::temp_dir().join(format!("cm-logfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("logs/host.log");
        let mut log = RotatingFile::with_limit(&path, 100).unwrap();
        for i in 0..10 {
            // One write per line, as the log's formatter does (it formats an event, then writes it at once).
            log.write_all(format!("line {i:02} {}\n", "x".repeat(30)).as_bytes()).unwrap(); // 39 bytes a line
        }
        let current = std::fs::read_to_string(&path).unwrap();
        let previous = std::fs::read_to_string(dir.join("logs/host.log.1")).unwrap();
        assert!(current.len() <= 100 && previous.len() <= 100, "{current:?} {previous:?}");
        assert!(current.ends_with(&format!("line 09 {}\n", "x".repeat(30))));
        assert!(previous.lines().all(|l| l.starts_with("line 0")), "whole lines only: {previous:?}");
        // Reopening appends and counts what is there.
        drop(log);
        let mut log = RotatingFile::with_limit(&path, 100).unwrap();
        assert_eq!(log.written, current.len() as u64);
        log.write_all(b"after reopen\n").unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().contains("after reopen"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
