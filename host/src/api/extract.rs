//! Extractors whose rejections use the API's error shape and codes instead of axum's plain text. Routes use these,
//! never axum's own `Json`, `Path` or `Query`: every client mistake is answered with the envelope.

use crate::services::ErrorCode;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body that must be a JSON object, as every documented request body is. serde would otherwise read a
/// struct from an array positionally (`["hi"]` as `{"text": "hi"}`, `[]` as "every field absent").
///
/// Malformed JSON → 400 `invalid_json`; not an object, or wrong shape → 422 `invalid_body`; too large → 413
/// `body_too_large`; wrong content type → 415 `unsupported_media_type`.
pub struct ApiJson<T>(pub T);

/// A JSON body of any JSON value (only where the API documents that: a setting's value). Same rejections as
/// [`ApiJson`] otherwise.
pub struct AnyJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, true).await.map(ApiJson)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AnyJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, false).await.map(AnyJson)
    }
}

async fn read_json<T: DeserializeOwned, S: Send + Sync>(req: Request, state: &S, object_only: bool) -> Result<T, ApiError> {
    if !is_json_content_type(req.headers()) {
        return Err(unsupported_media_type());
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            body_too_large()
        } else {
            ApiError::bad_request(ErrorCode::InvalidBody, r.body_text())
        }
    })?;
    if object_only {
        // Only the first token is looked at: the full parse below still reports malformed JSON as such.
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody, "the body must be a JSON object"));
            }
            _ => {}
        }
    }
    axum::Json::<T>::from_bytes(&bytes).map(|axum::Json(v)| v).map_err(json_rejection)
}

/// `application/json`, or any `application/*+json`, with or without parameters (as axum's own `Json` accepts).
fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, "send `Content-Type: application/json`")
}

fn body_too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge, "the request body is larger than this route's limit (see docs/api.md, limits)")
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let text = r.body_text();
    match r {
        JsonRejection::JsonDataError(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody, text),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, text),
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        other => ApiError::new(other.status(), ErrorCode::InvalidBody, text),
    }
}

/// Path parameters. Named `Path` like axum's so route signatures (and the OpenAPI derivation, which goes by the
/// name) stay as they are. A segment that does not decode (percent-encoded bytes that are not UTF-8) → 400
/// `invalid_path`.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => Err(path_rejection(r)),
        }
    }
}

fn path_rejection(r: PathRejection) -> ApiError {
    match r {
        PathRejection::FailedToDeserializePathParams(e) => ApiError::bad_request(ErrorCode::InvalidPath, e.body_text()),
        // Only a route wired without its parameters gets here: the host's mistake, not the client's.
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, other.body_text()),
    }
}

/// Query parameters; a bad one → 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, r.body_text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Msg {
        #[allow(dead_code)]
        text: String,
    }

    fn request(body: &str) -> Request {
        Request::builder().method("POST").uri("/").header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_owned())).unwrap()
    }

    async fn object(body: &str) -> Result<Msg, ApiError> {
        ApiJson::<Msg>::from_request(request(body), &()).await.map(|ApiJson(m)| m)
    }

    #[tokio::test]
    async fn a_body_must_be_an_object_where_one_is_documented() {
        assert!(object(r#" {"text": "hi"}"#).await.is_ok());
        for body in [r#"["hi"]"#, "[]", " \"hi\"", "5", "null", "true"] {
            let e = object(body).await.unwrap_err();
            assert_eq!((e.status, e.code), (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody), "{body}");
        }
        let e = object("{\"text\": ").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        let e = object("").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson, "an empty body is malformed JSON");
    }

    #[tokio::test]
    async fn any_json_takes_every_value() {
        for body in ["[1, 2]", "\"x\"", "null", "{}"] {
            assert!(AnyJson::<serde_json::Value>::from_request(request(body), &()).await.is_ok(), "{body}");
        }
        let wrong_type = Request::builder().method("POST").uri("/").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}")).unwrap();
        let e = AnyJson::<serde_json::Value>::from_request(wrong_type, &()).await.err().unwrap();
        assert_eq!(e.code, ErrorCode::UnsupportedMediaType);
    }

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json_content_type(&h));
        for (v, ok) in [("application/json", true), ("Application/JSON; charset=utf-8", true), ("application/merge-patch+json", true), ("text/json", false), ("text/plain", false)] {
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            assert_eq!(is_json_content_type(&h), ok, "{v}");
        }
    }
}
