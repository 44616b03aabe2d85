//! Reading app-server's payloads so that an additive release never breaks a read: a field the host reads as one of
//! the variants it knows (an enum value, a union member) is [`Lenient`], so a newer codex's new variant or shape is
//! kept as raw JSON beside the rest of the message instead of failing all of it.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::Value;

/// `T` when the value reads as one, else the value as it came.
#[derive(Debug, Clone, PartialEq)]
pub enum Lenient<T> {
    Known(T),
    /// A variant or shape this host does not know, as app-server sent it.
    Other(Value),
}

impl<T> Lenient<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Lenient::Known(t) => Some(t),
            Lenient::Other(_) => None,
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&value) {
            Ok(known) => Lenient::Known(known),
            Err(_) => Lenient::Other(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    enum Status {
        Completed,
        Failed,
    }

    #[derive(Debug, Deserialize)]
    struct Message {
        id: String,
        status: Lenient<Status>,
        #[serde(default)]
        flags: Vec<Lenient<Status>>,
    }

    #[test]
    fn an_unknown_variant_or_shape_is_kept_and_the_rest_of_the_message_still_reads() {
        let m: Message = serde_json::from_str(r#"{"id": "t1", "status": "completed"}"#).unwrap();
        assert_eq!((m.id.as_str(), m.status.known()), ("t1", Some(&Status::Completed)));
        let m: Message = serde_json::from_str(r#"{"id": "t2", "status": "cancelled", "flags": ["failed", {"new": 1}]}"#).unwrap();
        assert_eq!(m.id, "t2");
        assert_eq!(m.status, Lenient::Other("cancelled".into()));
        assert_eq!(m.flags, vec![Lenient::Known(Status::Failed), Lenient::Other(serde_json::json!({"new": 1}))]);
        let m: Message = serde_json::from_str(r#"{"id": "t3", "status": {"type": "completed", "at": 3}}"#).unwrap();
        assert_eq!(m.status, Lenient::Other(serde_json::json!({"type": "completed", "at": 3})));
    }
}
