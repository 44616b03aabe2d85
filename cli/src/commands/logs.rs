//! `codex-manager logs [-n N] [--follow]`: the host's log file (`<data-dir>/host.log`, see `serve/logfile.rs`),
//! read from disk, so it works while the host is down too, which is when it is needed most. `--follow` keeps
//! printing what is appended, and goes on across a rotation (the file becoming `host.log.1` and a new one starting):
//! what was written to the old file before it moved is printed first, then the new file from its start.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::serve::logfile;

#[derive(Args)]
pub struct LogsArgs {
    /// How many of the last lines to print.
    #[arg(short = 'n', long = "lines", default_value_t = 50)]
    lines: usize,
    /// Keep printing lines as the host writes them (Ctrl-C to stop).
    #[arg(short, long)]
    follow: bool,
    /// The log file, when the host was started with `--log-file PATH` (default: host.log in the data dir).
    #[arg(long, env = "CODEX_MANAGER_LOG_FILE")]
    file: Option<PathBuf>,
}

/// How often `--follow` looks for more.
const POLL: Duration = Duration::from_millis(200);

pub async fn run(a: LogsArgs, data_dir: &Path) -> anyhow::Result<()> {
    let path = match a.file {
        Some(p) if p.as_os_str() == "none" => crate::usage!("the host was told to keep no log file (`--log-file none`): its log is on its stderr"),
        Some(p) => p,
        None => data_dir.join(logfile::DEFAULT_NAME),
    };
    let old = rotated(&path);
    if !path.exists() && !old.exists() {
        if !a.follow {
            crate::usage!("no log at {} (has the host run with this data dir? `--data-dir` or `--file` names another)", path.display());
        }
        eprintln!("(waiting for {} to appear)", path.display());
    }
    // The current file is read through the handle that then follows it, so a line written between printing the
    // tail and following is neither lost nor printed twice.
    let mut follower = Follower::open(&path);
    let mut text = std::fs::read(&old).unwrap_or_default();
    text.extend(follower.poll());
    let tail = last_lines(&String::from_utf8_lossy(&text), a.lines);
    let mut stdout = std::io::stdout();
    if stdout.write_all(tail.as_bytes()).and_then(|_| stdout.flush()).is_err() {
        return Ok(()); // a closed pipe (`| head`) is the reader's choice
    }
    if !a.follow {
        return Ok(());
    }
    loop {
        let more = follower.poll();
        if !more.is_empty() && (stdout.write_all(&more).is_err() || stdout.flush().is_err()) {
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `host.log` → `host.log.1`.
fn rotated(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".1");
    PathBuf::from(p)
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    let ends_with_newline = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines[lines.len().saturating_sub(n)..].join("\n");
    if ends_with_newline && !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Reads what is appended to a file, across rotations.
pub struct Follower {
    path: PathBuf,
    file: Option<(File, u64)>,
}

impl Follower {
    /// From the file's start: the first poll reads what it holds now.
    pub fn open(path: &Path) -> Self {
        let file = File::open(path).ok().and_then(|f| {
            let ino = f.metadata().ok()?.ino();
            Some((f, ino))
        });
        Self { path: path.to_path_buf(), file }
    }

    /// The bytes written since the last poll.
    pub fn poll(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some((f, _)) = &mut self.file {
            // The handle still reads the old file after a rename: its last lines come first.
            let _ = f.read_to_end(&mut out);
        }
        let Ok(meta) = std::fs::metadata(&self.path) else { return out };
        match &mut self.file {
            Some((f, ino)) if *ino == meta.ino() => {
                // Truncated in place (not how the host rotates, but a person may `: > host.log`).
                if f.stream_position().is_ok_and(|pos| meta.len() < pos) {
                    let _ = f.seek(SeekFrom::Start(0));
                    let _ = f.read_to_end(&mut out);
                }
            }
            _ => {
                // Rotated (a new file under the name), or it appeared: read the new one from its start.
                if let Ok(mut f) = File::open(&self.path) {
                    let _ = f.read_to_end(&mut out);
                    self.file = Some((f, meta.ino()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_spans_the_rotated_file_and_following_crosses_a_rotation() {
        let dir = std::env::temp_dir().join(format!("cm-logs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (log, old) = (dir.join("host.log"), dir.join("host.log.1"));
        std::fs::write(&old, "a\nb\n").unwrap();
        std::fs::write(&log, "c\nd\n").unwrap();
        assert_eq!(last_lines("a\nb\nc\nd\n", 3), "b\nc\nd\n");
        assert_eq!(last_lines("a\nb\nc\nd\n", 10), "a\nb\nc\nd\n");
        assert_eq!(last_lines("a\nb", 1), "b");
        assert_eq!(last_lines("a\n", 0), "");

        let mut f = Follower::open(&log);
        assert_eq!(f.poll(), b"c\nd\n", "the first poll reads what the file holds");
        assert!(f.poll().is_empty());
        let append = |p: &Path, s: &str| std::fs::OpenOptions::new().append(true).open(p).unwrap().write_all(s.as_bytes()).unwrap();
        append(&log, "e\n");
        assert_eq!(f.poll(), b"e\n");
        // Rotation as the host does it: the file moves to .1 (after a last line), a new one starts.
        append(&log, "f\n");
        std::fs::rename(&log, &old).unwrap();
        std::fs::write(&log, "g\n").unwrap();
        assert_eq!(String::from_utf8(f.poll()).unwrap(), "f\ng\n");
        append(&log, "h\n");
        assert_eq!(f.poll(), b"h\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
