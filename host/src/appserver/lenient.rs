//! Reading app-server's payloads so that an additive release never breaks a read: a field the host reads as one of
//! the variants it knows (an enum value, a union member) is [`Lenient`], so a newer codex's new variant or shape is
//! kept as raw JSON beside the rest of the message instead of failing all of it.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
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

// Field by field: for `#[serde(default, deserialize_with = "...")]` on an `Option` field of a composite the host
// decodes from app-server (the ids of every notification, of every server request), so that one field of another
// type or shape reads as `None` instead of failing the whole composite, and every other field with it.

/// A string field, or `None` when the value is anything else. Reads no `Value`: another type is skipped as it is
/// parsed (the relay decodes every delta with this).
pub fn string_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(d.deserialize_any(StrOrSkip(PhantomData))?.map(Cow::into_owned))
}

/// As [`string_or_none`], borrowing from the input when the string has no escapes.
pub fn cow_or_none<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    d.deserialize_any(StrOrSkip(PhantomData))
}

/// A field of a composite type (a turn, a thread), or `None` when it does not read as one. Borrows the raw JSON
/// (no copy, no `Value`) and decodes it on its own, so a failure stays inside the field. For input read with
/// `serde_json::from_str`.
pub fn json_or_none<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    Ok(serde_json::from_str(raw.get()).ok())
}

struct StrOrSkip<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for StrOrSkip<'a> {
    type Value = Option<Cow<'a, str>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
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

    #[derive(Debug, Deserialize, Default)]
    struct Ids<'a> {
        #[serde(default, deserialize_with = "string_or_none")]
        id: Option<String>,
        #[serde(borrow, default, deserialize_with = "cow_or_none")]
        text: Option<Cow<'a, str>>,
        #[serde(default, deserialize_with = "json_or_none")]
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        id: String,
    }

    #[test]
    fn a_field_of_another_type_reads_as_none_and_the_rest_still_reads() {
        let ids: Ids = serde_json::from_str(r#"{"id": "a", "text": "plain", "inner": {"id": "i"}}"#).unwrap();
        assert_eq!((ids.id.as_deref(), ids.inner), (Some("a"), Some(Inner { id: "i".into() })));
        assert!(matches!(ids.text, Some(Cow::Borrowed("plain"))), "no copy of a plain string");
        let ids: Ids = serde_json::from_str(r#"{"id": 7, "text": {"nested": [1, {"x": "y"}]}, "inner": "flat"}"#).unwrap();
        assert_eq!((ids.id, ids.text, ids.inner), (None, None, None));
        let ids: Ids = serde_json::from_str(r#"{"id": ["x"], "text": "esc\"aped", "inner": {"id": 3}}"#).unwrap();
        assert_eq!((ids.id, ids.text.as_deref(), ids.inner), (None, Some("esc\"aped"), None));
        let ids: Ids = serde_json::from_str(r#"{"id": null, "text": true}"#).unwrap();
        assert_eq!((ids.id, ids.text), (None, None));
    }
}
