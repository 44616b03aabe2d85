//! Who this host is: a stable id kept in the data dir, a display name and the URL other hosts reach it at.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The file in the data dir that keeps the host's id from one start to the next.
pub const HOST_ID_FILE: &str = "host-id";

/// Longest host id (and name) accepted: they are shown in lists and sent in headers.
const MAX_LEN: usize = 128;

/// This host as the others know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostIdentity {
    /// Stable across restarts: the owner recorded on the sessions this host creates.
    pub id: String,
    /// What people call it (the machine's hostname unless configured).
    pub name: String,
    /// The base URL other hosts forward session actions to (`http://host:port`, no trailing slash).
    pub url: String,
    /// The codex-manager release.
    pub version: String,
}

/// What the configuration says about the identity; unset parts get their defaults in [`HostIdentity::resolve`].
#[derive(Debug, Clone, Default)]
pub struct IdentityConfig {
    /// `--host-id`: overrides the id kept in the data dir (which is then neither read nor written).
    pub id: Option<String>,
    /// `--host-name`; default: the machine's hostname.
    pub name: Option<String>,
    /// `--advertise-url`; default: `http://<bound address>`.
    pub advertise_url: Option<String>,
}

impl HostIdentity {
    /// The identity of a host bound to `bound`, keeping a new id in `data_dir` the first time one is needed.
    pub fn resolve(config: &IdentityConfig, data_dir: &Path, bound: SocketAddr) -> anyhow::Result<Self> {
        let id = match config.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            Some(id) => checked_id(id).context("--host-id / CODEX_MANAGER_HOST_ID")?,
            None => load_or_create_id(data_dir)?,
        };
        let name = match config.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) if name.len() <= MAX_LEN && !name.chars().any(char::is_control) => name.to_string(),
            Some(_) => anyhow::bail!("--host-name must be at most {MAX_LEN} printable characters"),
            None => machine_hostname().unwrap_or_else(|| id.clone()),
        };
        let url = match config.advertise_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => checked_url(url)?,
            None => {
                if bound.ip().is_unspecified() {
                    tracing::warn!(
                        %bound,
                        "listening on a wildcard address without --advertise-url: other hosts on the store cannot \
                         forward to http://{bound}; set --advertise-url / CODEX_MANAGER_ADVERTISE_URL"
                    );
                }
                format!("http://{bound}")
            }
        };
        Ok(Self { id, name, url, version: env!("CARGO_PKG_VERSION").to_string() })
    }
}

fn checked_id(id: &str) -> anyhow::Result<String> {
    let ok = id.len() <= MAX_LEN && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    anyhow::ensure!(ok, "a host id is 1-{MAX_LEN} characters of letters, digits, `-`, `_` and `.`; got `{id}`");
    Ok(id.to_string())
}

fn checked_url(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("--advertise-url `{url}` is not a URL"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() && parsed.query().is_none(),
        "--advertise-url must be http(s)://HOST[:PORT][/PREFIX] (got `{url}`)"
    );
    Ok(url.trim_end_matches('/').to_string())
}

/// The id in `<data_dir>/host-id`, written (uuid v7) on the first start.
fn load_or_create_id(data_dir: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    let path = data_dir.join(HOST_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => return checked_id(text.trim()).with_context(|| format!("{} is damaged: delete it to get a new id", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let id = uuid::Uuid::now_v7().to_string();
    // Written whole under a temporary name, then renamed: a crash leaves either no file or the whole id.
    let tmp = data_dir.join(format!(".{HOST_ID_FILE}.tmp"));
    let mut file = std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(format!("{id}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(id)
}

fn machine_hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length, which is what is passed.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    fn bound() -> SocketAddr {
        "127.0.0.1:8417".parse().unwrap()
    }

    #[test]
    fn the_id_is_made_once_and_kept_in_the_data_dir() {
        let dir = TempDir::new("host-id");
        let first = HostIdentity::resolve(&IdentityConfig::default(), &dir.0, bound()).unwrap();
        let again = HostIdentity::resolve(&IdentityConfig::default(), &dir.0, bound()).unwrap();
        assert_eq!(first.id, again.id);
        assert_eq!(uuid::Uuid::parse_str(&first.id).unwrap().get_version_num(), 7);
        assert_eq!(std::fs::read_to_string(dir.0.join(HOST_ID_FILE)).unwrap().trim(), first.id);
        assert_eq!(first.url, "http://127.0.0.1:8417");
        assert!(!first.name.is_empty());
    }

    #[test]
    fn configured_parts_win_and_bad_ones_are_refused() {
        let dir = TempDir::new("host-id-config");
        let config = IdentityConfig {
            id: Some("build-box-1".into()),
            name: Some("Build box".into()),
            advertise_url: Some("http://10.0.0.5:8417/".into()),
        };
        let id = HostIdentity::resolve(&config, &dir.0, bound()).unwrap();
        assert_eq!((id.id.as_str(), id.name.as_str(), id.url.as_str()), ("build-box-1", "Build box", "http://10.0.0.5:8417"));
        assert!(!dir.0.join(HOST_ID_FILE).exists(), "an overridden id is not written");
        for bad in [
            IdentityConfig { id: Some("has space".into()), ..Default::default() },
            IdentityConfig { advertise_url: Some("ftp://x".into()), ..Default::default() },
            IdentityConfig { advertise_url: Some("not a url".into()), ..Default::default() },
        ] {
            assert!(HostIdentity::resolve(&bad, &dir.0, bound()).is_err(), "{bad:?}");
        }
        std::fs::write(dir.0.join(HOST_ID_FILE), "not/an id\n").unwrap();
        let damaged = HostIdentity::resolve(&IdentityConfig::default(), &dir.0, bound()).unwrap_err();
        assert!(format!("{damaged:#}").contains("damaged"), "{damaged:#}");
    }
}
