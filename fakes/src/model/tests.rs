use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::sse::{even_chunks, word_chunks};
use super::*;

fn user(text: &str) -> Value {
    json!({ "type": "message", "role": "user", "content": [{ "type": "input_text", "text": text }] })
}

fn body(input: Vec<Value>) -> Value {
    json!({ "model": "fake-model", "stream": true, "input": input, "tools": [] })
}

fn first_text(steps: &[Step]) -> &str {
    steps
        .iter()
        .find_map(|s| match s {
            Step::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .expect("a text step")
}

#[test]
fn selects_newest_real_user_message_and_counts_later_outputs() {
    let view = TurnView::from_body(&body(vec![
        json!({ "type": "message", "role": "developer", "content": [{ "type": "input_text", "text": "be nice" }] }),
        user("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"),
        user("first scenario:approval"),
        json!({ "type": "function_call", "call_id": "a", "name": "exec_command", "arguments": "{}" }),
        json!({ "type": "function_call_output", "call_id": "a", "output": "old" }),
        user("please scenario:tool:echo  ping   pong"),
        json!({ "type": "function_call", "call_id": "b", "name": "echo", "arguments": "{}" }),
        json!({ "type": "function_call_output", "call_id": "b", "output": "pong!" }),
        user("<turn_aborted>\n</turn_aborted>"),
    ]));
    assert_eq!(view.scenario.as_deref(), Some("tool:echo"));
    assert_eq!(view.user_text, "please ping pong");
    assert_eq!(view.user_index, 5);
    assert_eq!(view.step, 1);
    assert_eq!(view.last_output.as_deref(), Some("pong!"));
    let steps = view.response(&Script::new());
    assert_eq!(first_text(&steps), "Tool said: pong!");
}

#[test]
fn counts_every_tool_output_kind() {
    let view = TurnView::from_body(&body(vec![
        user("scenario:x"),
        json!({ "type": "custom_tool_call_output", "call_id": "a", "output": "1" }),
        json!({ "type": "reasoning", "summary": [] }),
        json!({ "type": "tool_search_output", "call_id": "b", "tools": [] }),
        json!({ "type": "function_call_output", "call_id": "c",
                "output": [{ "type": "input_text", "text": "part" }] }),
    ]));
    assert_eq!(view.step, 3);
    assert_eq!(view.last_output.as_deref(), Some("part"));
}

#[test]
fn default_scenario_echoes_and_finished_scenarios_say_so() {
    let view = TurnView::from_body(&body(vec![user("hello  there")]));
    assert_eq!(view.scenario, None);
    let steps = view.response(&Script::new());
    assert!(matches!(&steps[0], Step::Reasoning { text } if text == "Thinking about the request."));
    assert_eq!(first_text(&steps), "You said: hello  there");

    let done = TurnView::from_body(&body(vec![
        user("scenario:deltas=3"),
        json!({ "type": "function_call_output", "call_id": "a", "output": "x" }),
    ]));
    assert_eq!(
        first_text(&done.response(&Script::new())),
        "(fake: scenario finished)"
    );
}

#[test]
fn patch_uses_the_freeform_tool_only_when_offered() {
    let mut request = body(vec![user("scenario:patch")]);
    let steps = TurnView::from_body(&request).response(&Script::new());
    assert!(
        matches!(&steps[0], Step::FunctionCall { name, arguments, .. }
        if name == "exec_command" && arguments["cmd"].as_str().unwrap().starts_with("apply_patch <<'EOF'\n*** Begin Patch"))
    );

    request["tools"] = json!([{ "type": "custom", "name": "apply_patch" }]);
    let steps = TurnView::from_body(&request).response(&Script::new());
    assert!(matches!(&steps[0], Step::CustomToolCall { name, input }
        if name == "apply_patch" && input.contains("*** Add File: hello.txt\n")));
}

#[test]
fn script_overrides_builtins_and_parses_every_step() {
    let script: Script = serde_json::from_value(json!({
        "approval": [[
            { "type": "reasoning", "text": "r" },
            { "type": "text", "text": "abc", "chunks": 2 },
            { "type": "function_call", "name": "f", "arguments": { "a": 1 }, "namespace": null },
            { "type": "custom_tool_call", "name": "c", "input": "i" },
            { "type": "sleep", "ms": 1 },
            { "type": "failed", "code": "server_error" },
        ], [{ "type": "http_error", "status": 502 }, { "type": "disconnect" }]],
    }))
    .unwrap();
    let view = TurnView::from_body(&body(vec![user("scenario:approval")]));
    let responses = view.responses(&script);
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0].len(), 6);
    assert_eq!(
        responses[1],
        vec![Step::HttpError { status: 502 }, Step::Disconnect]
    );
}

#[test]
fn chunking_is_lossless() {
    assert_eq!(word_chunks(" a b  c"), vec![" a ", "b  ", "c"]);
    assert_eq!(word_chunks(""), Vec::<&str>::new());
    assert_eq!(even_chunks("héllo", 2), vec!["hé", "llo"]);
    assert_eq!(even_chunks("ab", 5), vec!["a", "b"]);
    let view = TurnView::from_body(&body(vec![user("scenario:deltas=250")]));
    let text = first_text(&view.response(&Script::new())).to_owned();
    let chunks = word_chunks(&text);
    assert_eq!(chunks.len(), 250);
    assert_eq!((chunks[0], chunks[249]), ("d0 ", "d249 "));
}

#[test]
fn overrides_are_toml_values() {
    let overrides = codex_overrides(
        "http://127.0.0.1:9/v1",
        Some(std::path::Path::new("/a \"b\"/c.json")),
    );
    assert!(overrides.contains(&"model=\"fake-model\"".to_owned()));
    assert!(
        overrides.contains(&"model_providers.fake.base_url=\"http://127.0.0.1:9/v1\"".to_owned())
    );
    assert_eq!(
        overrides.last().unwrap(),
        r#"model_catalog_json="/a \"b\"/c.json""#
    );
}

/// Sends one raw HTTP request; returns (status, de-chunked body, whether the body ended cleanly).
async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, mut rest) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (status, rest.to_owned(), true);
    }
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size, 16).unwrap();
        if size == 0 {
            return (status, out, true);
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    (status, out, false)
}

fn parse_events(sse: &str) -> Vec<(String, Value)> {
    sse.split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').unwrap();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            let event = event.strip_prefix("event: ").unwrap().to_owned();
            assert_eq!(data["type"], event.as_str());
            (event, data)
        })
        .collect()
}

#[tokio::test]
async fn serves_sse_and_logs_requests() {
    let model = start(FakeModelConfig::default()).await.unwrap();
    assert_eq!(
        model.base_url(),
        format!("http://127.0.0.1:{}/v1", model.addr().port())
    );
    let request = body(vec![user("hi scenario:deltas=3")]).to_string();
    let (status, sse, clean) = raw(model.addr(), "POST", "/v1/responses", &request).await;
    assert_eq!((status, clean), (200, true));
    let events = parse_events(&sse);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds[..3],
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added"
        ]
    );
    assert_eq!(kinds.last(), Some(&"response.completed"));
    let deltas: Vec<&str> = events
        .iter()
        .filter(|(k, _)| k == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, ["d0 ", "d1 ", "d2 "]);
    assert!(events.last().unwrap().1["response"]["usage"]["total_tokens"].is_u64());

    let (status, _, _) = raw(
        model.addr(),
        "POST",
        "/v1/responses",
        &body(vec![user("scenario:fail")]).to_string(),
    )
    .await;
    assert_eq!(status, 500);
    let (status, sse, clean) = raw(
        model.addr(),
        "POST",
        "/v1/responses",
        &body(vec![user("scenario:disconnect")]).to_string(),
    )
    .await;
    assert_eq!((status, clean), (200, false));
    assert_eq!(parse_events(&sse)[0].0, "response.created");

    let log = model.requests();
    let answered: Vec<_> = log
        .iter()
        .map(|r| (r.scenario.as_deref(), r.step))
        .collect();
    assert_eq!(
        answered,
        [
            (Some("deltas=3"), Some(0)),
            (Some("fail"), Some(0)),
            (Some("disconnect"), Some(0))
        ]
    );
    assert_eq!(log[0].headers["content-type"], "application/json");

    let (status, json_log, _) = raw(model.addr(), "GET", REQUESTS_PATH, "").await;
    assert_eq!(status, 200);
    let remote: Vec<LoggedRequest> = serde_json::from_str(&json_log).unwrap();
    assert_eq!(remote, log);
}

#[test]
fn the_default_echoes_but_answers_a_quoted_conversation_as_a_helper_would() {
    let script = Script::default();
    let reply = |text: &str| first_text(&TurnView::from_body(&body(vec![user(text)])).response(&script)).to_owned();
    assert_eq!(reply("hello there"), "You said: hello there");
    let helper = "Predict the next request.\n\n<<<CONVERSATION\n## Developer\nfirst ask\n\n## Agent\nok\n\n\
                  ## Developer\nAdd a parser for the config file\n\n## Agent\nYou said: that\n\nCONVERSATION>>>\n";
    assert_eq!(reply(helper), "Now add tests for this: Add a parser for the config file");
    // Markers without a developer's turn are just text.
    assert!(reply("<<<CONVERSATION nothing CONVERSATION>>>").starts_with("You said: "));
}

#[tokio::test]
async fn usage_limit_answers_codexs_429_until_the_reset_then_the_default_reply() {
    let model = start(FakeModelConfig::default()).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let limited = body(vec![user(&format!(
        "hi scenario:usage_limit={},sleep=10",
        now + 3600
    ))])
    .to_string();
    let mut stream = TcpStream::connect(model.addr()).await.unwrap();
    let request = format!(
        "POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{limited}",
        limited.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, rest) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(head.contains("x-codex-primary-used-percent: 100"), "{head}");
    assert!(
        head.contains(&format!("x-codex-primary-reset-at: {}", now + 3600)),
        "{head}"
    );
    let error: Value = serde_json::from_str(rest).unwrap();
    assert_eq!(error["error"]["type"], "usage_limit_reached");
    assert_eq!(error["error"]["resets_at"], now + 3600);
    assert!(error["error"]["resets_in_seconds"].as_i64().unwrap() > 3500);

    // Past the reset: the default reply.
    let reset = body(vec![user(&format!(
        "hi scenario:usage_limit={}",
        now - 1
    ))])
    .to_string();
    let (status, sse, clean) = raw(model.addr(), "POST", "/v1/responses", &reset).await;
    assert_eq!((status, clean), (200, true));
    assert!(
        parse_events(&sse)
            .iter()
            .any(|(k, d)| k == "response.output_text.delta" && d["delta"] == "You "),
        "{sse}"
    );
}
