//! How results are printed: a short human summary, or the raw JSON with `--json` for scripts.

use serde_json::Value;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Print `value` as JSON, or as the human text `human` makes of it.
    pub fn show(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        } else {
            println!("{}", human(value));
        }
    }
}

/// `v[key]` as display text ("-" when absent).
pub fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
