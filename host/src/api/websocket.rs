//! The websocket under `/api/stream`: the upgrade handshake, and text messages sent in bounded fragments.
//!
//! The stream runs on tokio-tungstenite directly rather than through axum's wrapper, for one reason: tungstenite
//! copies every frame it sends into the connection's write buffer, and that buffer keeps its largest size for the
//! life of the connection. axum sends a message as one frame, so one large event (a long reply's `item.completed`
//! carries the whole text: ~450 KiB after a 20,000-delta reply) left every client that stayed connected holding
//! that much for good: +22 MiB of the host's memory with 50 clients open (heaptrack). A message longer than
//! [`FRAGMENT`] is sent here as a text frame followed by continuation frames (RFC 6455 §5.4, which every client
//! library and browser reassembles), so the buffer never outgrows its configured size plus one fragment.

use std::future::Future;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::error::ApiError;
use crate::services::ErrorCode;

/// An upgraded connection.
pub type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Longest frame the host sends: a longer message goes out in fragments of this size.
pub const FRAGMENT: usize = 16 * 1024;

/// A request to open a websocket (HTTP/1.1 `Upgrade: websocket`, version 13). Anything else is refused with 400
/// `websocket_required` before a handler runs.
pub struct WebSocketRequest {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let refuse = |why: &str| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::WebsocketRequired, format!("{why}: /api/stream is a websocket"));
        if !header_has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(refuse("no `Connection: upgrade` header"));
        }
        if !header_has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(refuse("no `Upgrade: websocket` header"));
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
            return Err(refuse("the websocket version is not 13"));
        }
        let key = parts.headers.get(header::SEC_WEBSOCKET_KEY).cloned().ok_or_else(|| refuse("no `Sec-WebSocket-Key` header"))?;
        let on_upgrade = parts.extensions.remove::<OnUpgrade>().ok_or_else(|| {
            ApiError::new(StatusCode::UPGRADE_REQUIRED, ErrorCode::WebsocketRequired, "this connection cannot be upgraded to a websocket")
        })?;
        Ok(Self { key, on_upgrade })
    }
}

impl WebSocketRequest {
    /// Answer 101 and run `serve` on the socket once the client switched protocols. A client that goes away
    /// during the switch is dropped quietly.
    pub fn accept<F, Fut>(self, config: WebSocketConfig, serve: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => serve(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await).await,
                Err(e) => tracing::debug!(error = %e, "websocket upgrade did not complete"),
            }
        });
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, HeaderValue::from_str(&accept).expect("base64 is a valid header value"));
        response
    }
}

/// Whether a comma-separated header (`Connection: keep-alive, Upgrade`) names `token`, in any case.
fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The frames of one text message: the message itself when it fits in [`FRAGMENT`], else a text frame and
/// continuation frames of at most [`FRAGMENT`] bytes, the last one final. The pieces share `text`'s bytes (no copy
/// here); a piece may end inside a UTF-8 character, as the protocol allows: the receiver checks the whole message.
pub fn text_frames(text: Bytes) -> impl Iterator<Item = Message> {
    let whole = (text.len() <= FRAGMENT).then(|| Message::Text(Utf8Bytes::try_from(text.clone()).expect("envelopes are UTF-8")));
    let pieces = if whole.is_some() { 0 } else { text.len().div_ceil(FRAGMENT) };
    let fragments = (0..pieces).map(move |i| {
        let start = i * FRAGMENT;
        let piece = text.slice(start..(start + FRAGMENT).min(text.len()));
        let opcode = if i == 0 { Data::Text } else { Data::Continue };
        Message::Frame(Frame::message(piece, OpCode::Data(opcode), i + 1 == pieces))
    });
    whole.into_iter().chain(fragments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads(text: &str) -> Vec<(bool, bool, usize)> {
        text_frames(Bytes::from(text.to_owned()))
            .map(|m| match m {
                Message::Text(t) => (true, true, t.len()),
                Message::Frame(f) => (matches!(f.header().opcode, OpCode::Data(Data::Text)), f.header().is_final, f.payload().len()),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_message_up_to_a_fragment_is_one_text_message() {
        assert_eq!(payloads("{}"), [(true, true, 2)]);
        assert_eq!(payloads(&"x".repeat(FRAGMENT)), [(true, true, FRAGMENT)]);
    }

    #[test]
    fn a_longer_message_is_a_text_frame_then_continuations_the_last_final() {
        let text = "é".repeat(FRAGMENT); // two bytes each: pieces end inside characters
        assert_eq!(payloads(&text), [(true, false, FRAGMENT), (false, true, FRAGMENT)]);
        let rebuilt: Vec<u8> = text_frames(Bytes::from(text.clone()))
            .flat_map(|m| match m {
                Message::Frame(f) => f.into_payload().to_vec(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(rebuilt, text.as_bytes(), "the pieces are the message, in order");
        let one_more = payloads(&"x".repeat(FRAGMENT * 2 + 1));
        assert_eq!(one_more, [(true, false, FRAGMENT), (false, false, FRAGMENT), (false, true, 1)]);
    }
}
