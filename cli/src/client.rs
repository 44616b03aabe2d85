//! The API client: the token from the flag, the environment, a profile or the data dir; every request names an
//! operation of the generated table (`api::ops`), so the CLI reaches no route the OpenAPI document lacks. Answers
//! keep the host's bytes (what `--json` prints) and decode into the host's serde types where those deserialize.

use std::path::Path;

use anyhow::Context;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::api::{encode, Op};
use crate::exit::{ApiFailure, Unreachable};

pub struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(url: &str, token: Option<String>, data_dir: &Path) -> anyhow::Result<Self> {
        let token = match token {
            Some(t) => t,
            None => {
                let path = data_dir.join("token");
                std::fs::read_to_string(&path)
                    .map_err(|e| {
                        anyhow::Error::new(crate::exit::NoToken(format!(
                            "no token: pass --token, set CODEX_MANAGER_TOKEN, use a --profile with a token, or start the host once so it creates {} ({e})",
                            path.display()
                        )))
                    })?
                    .trim()
                    .to_string()
            }
        };
        Ok(Self { base: url.trim_end_matches('/').to_string(), token, http: reqwest::Client::new() })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// A request for `op`, its path parameters filled in order from `args`.
    pub fn call(&self, op: &'static Op, args: &[&str]) -> Call<'_> {
        Call {
            client: self,
            op: Some(op),
            method: Method::from_bytes(op.method.as_bytes()).expect("the table holds HTTP methods"),
            path: op.url_path(args),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A request for any method and path: `codex-manager api`, the escape hatch.
    pub fn raw(&self, method: Method, path: &str) -> Call<'_> {
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        Call { client: self, op: None, method, path, query: Vec::new(), headers: Vec::new(), body: None }
    }

    /// The websocket URL of `op` (the event stream) with these query pairs.
    pub fn ws_url(&self, op: &'static Op, query: &[(String, String)]) -> String {
        let ws = self.base.replacen("http://", "ws://", 1).replacen("https://", "wss://", 1);
        for (k, _) in query {
            debug_assert!(op.query.contains(&k.as_str()), "{} takes no query `{k}`", op.id);
        }
        let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("{ws}{}?{}", op.url_path(&[]), q.join("&"))
    }
}

/// One request being built.
pub struct Call<'a> {
    client: &'a Client,
    op: Option<&'static Op>,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

impl Call<'_> {
    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        if let Some(op) = self.op {
            debug_assert!(op.query.contains(&key), "{} takes no query `{key}`", op.id);
        }
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn query_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub fn header(mut self, key: &str, value: impl ToString) -> Self {
        if let Some(op) = self.op {
            debug_assert!(op.headers.iter().any(|h| h.eq_ignore_ascii_case(key)), "{} takes no header `{key}`", op.id);
        }
        self.headers.push((key.to_string(), value.to_string()));
        self
    }

    /// Label the request as the CLI's (recorded as who decided, enqueued, canceled ...).
    pub fn labelled_cli(self) -> Self {
        self.header("X-Codex-Manager-Client", "cli")
    }

    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_value(body).expect("a request body serializes"));
        self
    }

    /// Send; a non-2xx answer is an [`ApiFailure`].
    pub async fn send(self) -> anyhow::Result<Reply> {
        let reply = self.send_any().await?;
        if !(200..300).contains(&reply.status) {
            return Err(ApiFailure::from_reply(reply.status, &reply.body).into());
        }
        Ok(reply)
    }

    /// Send and decode the answer as `T`.
    pub async fn get<T: DeserializeOwned>(self) -> anyhow::Result<T> {
        self.send().await?.decode()
    }

    /// Send; any status is an answer (for routes whose error status still carries the data, and `api`).
    pub async fn send_any(self) -> anyhow::Result<Reply> {
        let base = &self.client.base;
        let mut url = format!("{base}{}", self.path);
        if !self.query.is_empty() {
            let q: Vec<String> = self.query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q.join("&"));
        }
        let mut req = self.client.http.request(self.method, &url).bearer_auth(&self.client.token);
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        if let Some(b) = &self.body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| Unreachable { url: base.clone(), cause: e.to_string() })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| Unreachable { url: base.clone(), cause: e.to_string() })?.to_vec();
        Ok(Reply { status, body })
    }
}

/// An answer: its status and the bytes the host sent.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`null` when empty, as for a 204).
    pub fn value(&self) -> anyhow::Result<Value> {
        self.decode()
    }

    pub fn decode<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        let bytes: &[u8] = if self.body.is_empty() { b"null" } else { &self.body };
        serde_json::from_slice(bytes).context("the host answered with something that is not the expected JSON (a host of another codex-manager version?)")
    }

    /// The body as the host sent it (for `--json`).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
