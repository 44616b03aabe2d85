//! The REST calls the host benchmarks make.

use super::*;

#[derive(Clone)]
pub(super) struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// The API of `host`, on the run's HTTP client.
    pub(super) fn of(http: &reqwest::Client, host: &HostProcess) -> Self {
        Self { http: http.clone(), base: host.base_url(), token: host.token.clone() }
    }

    pub(super) async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let resp = self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or_default();
        Ok((status, body))
    }

    pub(super) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await?.json().await?)
    }

    /// `POST /api/jobs` → the job id.
    pub(super) async fn enqueue(&self, kind: &str, payload: Value) -> anyhow::Result<String> {
        let (status, body) = self.post("/api/jobs", &json!({"kind": kind, "payload": payload})).await?;
        ensure!(status == reqwest::StatusCode::CREATED, "POST /api/jobs answered {status}: {body}");
        body["id"].as_str().map(str::to_owned).context("POST /api/jobs returned no id")
    }

    /// Install `dist/<id>` granting `grant`; `events` replaces the manifest's subscriptions when given.
    pub(super) async fn install(&self, package: &Path, grant: &[&str], events: Option<&str>) -> anyhow::Result<()> {
        self.install_as(package, grant, events, false).await
    }

    /// The same, as an upgrade when `upgrade` (a second host's copy of a plugin the shared store lists already).
    pub(super) async fn install_as(&self, package: &Path, grant: &[&str], events: Option<&str>, upgrade: bool) -> anyhow::Result<()> {
        let mut manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
        if let Some(events) = events {
            let line = manifest.lines().find(|l| l.trim_start().starts_with("events =")).context("no events line")?.to_string();
            manifest = manifest.replace(&line, &format!("events = {events}"));
        }
        let wasm = std::fs::read(package.join("plugin.wasm"))?;
        let body = json!({"manifest": manifest, "component": base64(&wasm), "grant": grant, "upgrade": upgrade});
        let (status, body) = self.post("/api/plugins", &body).await?;
        ensure!(status.is_success(), "installing {} answered {status}: {body}", package.display());
        Ok(())
    }
}

/// Standard base64 with padding (the plugin install body).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
