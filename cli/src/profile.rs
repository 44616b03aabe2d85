//! Named profiles: several hosts from one small file, `--profile NAME`.
//!
//! ```toml
//! default = "laptop"            # used when no --profile / CODEX_MANAGER_PROFILE is given (optional)
//! [profiles.laptop]
//! url = "http://127.0.0.1:8417"
//! data_dir = "~/.local/share/codex-manager"   # where the token file is, when no token is given
//! [profiles.box]
//! url = "https://box.example:8417"
//! token = "..."
//! ```
//!
//! Precedence, per setting: the flag, then its environment variable, then the profile, then the built-in default.
//! The file is `$CODEX_MANAGER_PROFILES`, else `$XDG_CONFIG_HOME/codex-manager/profiles.toml`, else
//! `~/.config/codex-manager/profiles.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub token: Option<String>,
    pub data_dir: Option<PathBuf>,
}

pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CODEX_MANAGER_PROFILES") {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("codex-manager/profiles.toml"))
}

/// The profile `name` names (or the file's `default`), empty when neither is set. A named profile that is not in
/// the file is a usage error; a missing file is not an error unless a profile was named.
pub fn resolve(name: Option<&str>) -> anyhow::Result<Profile> {
    let file = path();
    let text = match &file {
        Some(f) if f.exists() => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        _ => {
            if let Some(n) = name {
                return Err(crate::exit::Usage(format!(
                    "no profile `{n}`: there is no profiles file (looked for {})",
                    file.map(|f| f.display().to_string()).unwrap_or_else(|| "$HOME/.config/codex-manager/profiles.toml".into())
                ))
                .into());
            }
            return Ok(Profile::default());
        }
    };
    let file = file.expect("checked above");
    let profiles: Profiles =
        toml::from_str(&text).map_err(|e| crate::exit::Usage(format!("{} is not a valid profiles file: {e}", file.display())))?;
    let Some(name) = name.map(str::to_owned).or(profiles.default.clone()) else {
        return Ok(Profile::default());
    };
    let mut profile = profiles.profiles.get(&name).cloned().ok_or_else(|| {
        let known: Vec<&str> = profiles.profiles.keys().map(String::as_str).collect();
        crate::exit::Usage(format!("no profile `{name}` in {} (it has: {})", file.display(), known.join(", ")))
    })?;
    profile.data_dir = profile.data_dir.map(expand_home);
    Ok(profile)
}

fn expand_home(p: PathBuf) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p,
    }
}
