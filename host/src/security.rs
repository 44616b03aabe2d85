//! The API token and one-time login codes.
//!
//! The token lives in `<data_dir>/token`, created at first start with mode 0600 so only the owner (and the CLI and
//! SDK running as that owner) can read it. The web UI never sees it in a URL: a one-time code printed at start is
//! exchanged for an HttpOnly cookie.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

/// File name of the token inside the data dir.
pub const TOKEN_FILE: &str = "token";

/// 32 random bytes, hex-encoded.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read the token from the data dir, creating it (0600, atomically) if absent.
pub fn load_or_create_token(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(t.trim().to_string()),
        Ok(_) => anyhow::bail!("{} is empty: delete it to have a new token created", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    }
    let token = random_secret();
    let tmp = data_dir.join(format!(".{TOKEN_FILE}.{}", std::process::id()));
    {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(token.as_bytes())?;
        f.sync_all()?;
    }
    // A concurrent first start may have won: keep theirs.
    match std::fs::hard_link(&tmp, &path) {
        Ok(()) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            Ok(std::fs::read_to_string(&path)?.trim().to_string())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e.into())
        }
    }
}

/// Compare secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How long a login link works.
pub const LOGIN_CODE_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// Most unused codes kept; issuing more drops the oldest.
pub const MAX_LOGIN_CODES: usize = 32;

/// One-time login codes for the browser: each works once, within [`LOGIN_CODE_TTL`].
#[derive(Default)]
pub struct LoginCodes {
    codes: Mutex<Vec<(String, std::time::Instant)>>,
}

impl LoginCodes {
    pub fn issue(&self) -> String {
        let code = random_secret();
        let mut codes = self.codes.lock().expect("login codes poisoned");
        codes.retain(|(_, at)| at.elapsed() < LOGIN_CODE_TTL);
        if codes.len() >= MAX_LOGIN_CODES {
            codes.remove(0);
        }
        codes.push((code.clone(), std::time::Instant::now()));
        code
    }

    /// True (once) for a code that was issued, is not used yet and has not timed out.
    pub fn redeem(&self, code: &str) -> bool {
        let mut codes = self.codes.lock().expect("login codes poisoned");
        codes.retain(|(_, at)| at.elapsed() < LOGIN_CODE_TTL);
        match codes.iter().position(|(c, _)| constant_time_eq(c, code)) {
            Some(i) => {
                codes.remove(i);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn token_is_created_once_with_owner_only_mode() {
        let dir = std::env::temp_dir().join(format!("cm-token-test-{}", random_secret()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = load_or_create_token(&dir).unwrap();
        let second = load_or_create_token(&dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        let mode = std::fs::metadata(dir.join(TOKEN_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn login_codes_work_once() {
        let codes = LoginCodes::default();
        let c = codes.issue();
        assert!(!codes.redeem("nope"));
        assert!(codes.redeem(&c));
        assert!(!codes.redeem(&c));
    }
}
