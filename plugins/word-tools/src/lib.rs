//! `word-tools`: two dynamic tools for Codex, `count_words` and `reverse_words`. They need no capability but
//! `log`, which every plugin has.

use codex_manager_plugin_sdk::serde_json::Value;
use codex_manager_plugin_sdk::{export_plugin, Plugin, ToolCall, ToolResult};

struct WordTools;

impl Plugin for WordTools {
    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        let tool: fn(&str) -> String = match call.tool.as_str() {
            "count_words" => count_words,
            "reverse_words" => reverse_words,
            other => return Err(format!("word-tools offers no tool `{other}`")),
        };
        // Bad arguments are the model's mistake: it gets a failed result that says what to fix.
        Ok(match text_argument(&call.arguments) {
            Ok(text) => ToolResult::ok(tool(&text)),
            Err(why) => ToolResult::failure(why),
        })
    }
}

export_plugin!(WordTools);

/// The `text` of arguments `{"text": "..."}`.
fn text_argument(arguments: &str) -> Result<String, String> {
    let args: Value = codex_manager_plugin_sdk::parse_json(arguments)
        .map_err(|err| format!("arguments must be a JSON object {{\"text\": string}}: {}", err.message()))?;
    match args.get("text") {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err("`text` must be a string".to_string()),
        None => Err("missing argument `text`".to_string()),
    }
}

fn count_words(text: &str) -> String {
    text.split_whitespace().count().to_string()
}

fn reverse_words(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.reverse();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(tool: &str, arguments: &str) -> Result<ToolResult, String> {
        WordTools::call_tool(&ToolCall { session_id: None, tool: tool.into(), arguments: arguments.into(), job_id: None })
    }

    #[test]
    fn counts() {
        assert_eq!(call("count_words", r#"{"text":"one two  three\nfour"}"#), Ok(ToolResult::ok("4")));
        assert_eq!(call("count_words", r#"{"text":"   "}"#), Ok(ToolResult::ok("0")));
    }

    #[test]
    fn reverses() {
        assert_eq!(
            call("reverse_words", r#"{"text":"the quick  brown fox"}"#),
            Ok(ToolResult::ok("fox brown quick the"))
        );
    }

    #[test]
    fn bad_arguments_are_failed_results() {
        assert!(!call("count_words", "{").unwrap().success);
        assert!(!call("count_words", r#"{"text": 3}"#).unwrap().success);
        assert!(!call("count_words", "{}").unwrap().success);
        assert!(call("nope", "{}").is_err());
    }
}
