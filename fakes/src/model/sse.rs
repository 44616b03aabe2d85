//! Renders one response (a list of [`Step`]s) as a Responses API SSE stream.

use std::io;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::BufReader;
use tokio::net::TcpStream;

use super::http::{write_full, write_full_with, ChunkedWriter};
use super::scenario::Step;

/// Per-response identifiers and pacing.
pub(crate) struct ResponseCtx {
    /// `resp_<n>`; also the stem of item ids.
    pub response_id: String,
    /// Stem of `call_id`s, unique per scenario, turn and step (e.g. `approval_3_0`).
    pub call_stem: String,
    /// Pause after every event.
    pub delay: Duration,
    /// Reported as `usage.input_tokens`.
    pub input_tokens: u64,
}

/// Writes the response for `steps` to `stream`.
pub(crate) async fn respond(
    stream: &mut BufReader<TcpStream>,
    steps: &[Step],
    ctx: &ResponseCtx,
) -> io::Result<()> {
    let first = steps.iter().position(|s| !matches!(s, Step::Sleep { .. }));
    let leading_sleep = || -> u64 {
        steps
            .iter()
            .map_while(|s| match s {
                Step::Sleep { ms } => Some(*ms),
                _ => None,
            })
            .sum()
    };
    if let Some((i, Step::UsageLimit { resets_at })) = first.map(|i| (i, &steps[i])) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if now < *resets_at {
            tokio::time::sleep(Duration::from_millis(leading_sleep())).await;
            let body = json!({ "error": {
                "type": "usage_limit_reached",
                "message": "fake: the usage limit has been reached",
                "plan_type": "plus",
                "resets_at": resets_at,
                "resets_in_seconds": resets_at - now,
            }});
            let headers = [
                ("x-codex-primary-used-percent", "100".to_owned()),
                ("x-codex-primary-window-minutes", "300".to_owned()),
                ("x-codex-primary-reset-at", resets_at.to_string()),
                ("x-codex-primary-reset-after-seconds", (resets_at - now).to_string()),
            ];
            return write_full_with(stream, 429, "application/json", &headers, body.to_string().as_bytes()).await;
        }
        // The limit has reset: the rest of the response as if the step were not there.
        let rest: Vec<Step> = steps.iter().skip(i + 1).cloned().collect();
        return Box::pin(respond(stream, &rest, ctx)).await;
    }
    if let Some(Step::HttpError { status }) = first.map(|i| &steps[i]) {
        let ms: u64 = steps
            .iter()
            .map_while(|s| match s {
                Step::Sleep { ms } => Some(*ms),
                _ => None,
            })
            .sum();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        let body = json!({ "error": {
            "message": format!("fake: scripted HTTP {status}"),
            "type": "server_error",
            "code": "server_error",
        }});
        return write_full(
            stream,
            *status,
            "application/json",
            body.to_string().as_bytes(),
        )
        .await;
    }

    let mut sse = Sse {
        out: ChunkedWriter::start(stream, "text/event-stream").await?,
        ctx,
        seq: 0,
        items: 0,
        output_chars: 0,
        reasoning_chars: 0,
    };
    let created = json!({ "id": ctx.response_id, "object": "response", "status": "in_progress", "output": [] });
    sse.event(
        "response.created",
        json!({ "response": created.clone() }),
        ctx.delay,
    )
    .await?;
    sse.event(
        "response.in_progress",
        json!({ "response": created }),
        ctx.delay,
    )
    .await?;

    for step in steps {
        match step {
            Step::Text {
                text,
                chunks,
                delay_ms,
            } => {
                let pause = delay_ms.map_or(ctx.delay, Duration::from_millis);
                sse.message(text, *chunks, pause).await?;
            }
            Step::Reasoning { text } => sse.reasoning(text).await?,
            Step::FunctionCall {
                name,
                arguments,
                namespace,
            } => {
                let arguments = match arguments {
                    Value::String(s) => s.clone(),
                    Value::Null => "{}".to_owned(),
                    other => other.to_string(),
                };
                let mut item =
                    json!({ "type": "function_call", "name": name, "arguments": arguments });
                if let Some(ns) = namespace {
                    item["namespace"] = json!(ns);
                }
                sse.tool_call(item).await?;
            }
            Step::CustomToolCall { name, input } => {
                sse.tool_call(json!({ "type": "custom_tool_call", "name": name, "input": input }))
                    .await?;
            }
            Step::HttpError { status } => {
                tracing::warn!(
                    status,
                    "fake model: http_error step after the stream started; ignored"
                );
            }
            Step::Failed { code, message } => {
                let message = message
                    .clone()
                    .unwrap_or_else(|| format!("fake: scripted failure {code}"));
                let response = json!({
                    "id": ctx.response_id, "object": "response", "status": "failed",
                    "error": { "code": code, "message": message },
                });
                sse.event(
                    "response.failed",
                    json!({ "response": response }),
                    Duration::ZERO,
                )
                .await?;
                return sse.out.finish().await;
            }
            Step::UsageLimit { .. } => {
                tracing::warn!("fake model: usage_limit step after the stream started; ignored");
            }
            Step::Disconnect => return sse.out.abort().await,
            Step::Sleep { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
        }
    }
    sse.completed().await?;
    sse.out.finish().await
}

struct Sse<'a> {
    out: ChunkedWriter<'a>,
    ctx: &'a ResponseCtx,
    seq: u64,
    items: usize,
    output_chars: usize,
    reasoning_chars: usize,
}

impl Sse<'_> {
    /// Sends `event: kind` with `type` and `sequence_number` added to `data`, then pauses.
    async fn event(&mut self, kind: &str, mut data: Value, pause: Duration) -> io::Result<()> {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(self.seq);
        self.seq += 1;
        self.out
            .chunk(format!("event: {kind}\ndata: {data}\n\n").as_bytes())
            .await?;
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }

    /// Allocates the next output item: (output_index, item id).
    fn next_item(&mut self, prefix: &str) -> (usize, String) {
        let index = self.items;
        self.items += 1;
        (index, format!("{prefix}_{}_{index}", self.ctx.response_id))
    }

    async fn message(
        &mut self,
        text: &str,
        chunks: Option<usize>,
        pause: Duration,
    ) -> io::Result<()> {
        let delay = self.ctx.delay;
        let (index, id) = self.next_item("msg");
        let item = json!({ "type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": [] });
        self.event(
            "response.output_item.added",
            json!({ "output_index": index, "item": item }),
            delay,
        )
        .await?;
        let parts = match chunks {
            Some(n) => even_chunks(text, n),
            None => word_chunks(text),
        };
        for delta in parts {
            let data =
                json!({ "item_id": id, "output_index": index, "content_index": 0, "delta": delta });
            self.event("response.output_text.delta", data, pause)
                .await?;
        }
        self.output_chars += text.len();
        let item = json!({
            "type": "message", "id": id, "role": "assistant", "status": "completed",
            "content": [{ "type": "output_text", "text": text, "annotations": [] }],
        });
        self.event(
            "response.output_item.done",
            json!({ "output_index": index, "item": item }),
            delay,
        )
        .await
    }

    async fn reasoning(&mut self, text: &str) -> io::Result<()> {
        let delay = self.ctx.delay;
        let (index, id) = self.next_item("rs");
        let item = json!({ "type": "reasoning", "id": id, "summary": [] });
        self.event(
            "response.output_item.added",
            json!({ "output_index": index, "item": item }),
            delay,
        )
        .await?;
        let part = json!({ "item_id": id, "output_index": index, "summary_index": 0,
                           "part": { "type": "summary_text", "text": "" } });
        self.event("response.reasoning_summary_part.added", part, delay)
            .await?;
        for delta in word_chunks(text) {
            let data =
                json!({ "item_id": id, "output_index": index, "summary_index": 0, "delta": delta });
            self.event("response.reasoning_summary_text.delta", data, delay)
                .await?;
        }
        self.reasoning_chars += text.len();
        let item = json!({
            "type": "reasoning", "id": id,
            "summary": [{ "type": "summary_text", "text": text }],
            "encrypted_content": null,
        });
        self.event(
            "response.output_item.done",
            json!({ "output_index": index, "item": item }),
            delay,
        )
        .await
    }

    /// Sends a complete tool-call item (`type`, `name` and payload already set).
    async fn tool_call(&mut self, mut item: Value) -> io::Result<()> {
        let (index, id) = self.next_item("fc");
        item["id"] = json!(id);
        item["call_id"] = json!(format!("call_{}_{index}", self.ctx.call_stem));
        item["status"] = json!("completed");
        self.output_chars += item.to_string().len();
        self.event(
            "response.output_item.done",
            json!({ "output_index": index, "item": item }),
            self.ctx.delay,
        )
        .await
    }

    async fn completed(&mut self) -> io::Result<()> {
        let input = self.ctx.input_tokens;
        let reasoning = (self.reasoning_chars / 4) as u64;
        let output = (self.output_chars / 4) as u64 + reasoning + 1;
        let response = json!({
            "id": self.ctx.response_id, "object": "response", "status": "completed",
            "usage": {
                "input_tokens": input,
                "input_tokens_details": { "cached_tokens": 0 },
                "output_tokens": output,
                "output_tokens_details": { "reasoning_tokens": reasoning },
                "total_tokens": input + output,
            },
        });
        self.event(
            "response.completed",
            json!({ "response": response }),
            Duration::ZERO,
        )
        .await
    }
}

/// Splits after each run of whitespace: "a b  c" → ["a ", "b  ", "c"]. Concatenation is lossless.
pub(crate) fn word_chunks(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let (mut in_word, mut after_word) = (false, false);
    for (i, c) in text.char_indices() {
        let ws = c.is_whitespace();
        if !ws && after_word && !in_word {
            chunks.push(&text[start..i]);
            start = i;
        }
        after_word |= !ws;
        in_word = !ws;
    }
    if start < text.len() {
        chunks.push(&text[start..]);
    }
    chunks
}

/// Splits into `n` pieces of nearly equal char count (fewer if the text is shorter).
pub(crate) fn even_chunks(text: &str, n: usize) -> Vec<&str> {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let chars = bounds.len() - 1;
    let n = n.clamp(1, chars.max(1));
    (0..n)
        .map(|k| &text[bounds[k * chars / n]..bounds[(k + 1) * chars / n]])
        .filter(|s| !s.is_empty())
        .collect()
}
