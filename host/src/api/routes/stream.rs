//! `/api/stream`: the event log over a websocket — replay from `since`, then live, filtered.
//!
//! Each client has its own [`Subscription`]; a client that reads slowly only falls behind itself and is caught up
//! from the store. Frames are the event envelopes as text; a `reset` frame means "re-read state over REST".

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use bytes::Bytes;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::IntoResponse;
use axum::extract::State;
use axum::response::Response;
use futures_util::{FutureExt, SinkExt, StreamExt};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::events::EventQuery;
use crate::services::ErrorCode;
use crate::api::error::{ApiError, ErrorResponse};
use crate::api::extract::ApiQuery;
use crate::api::ApiState;
use crate::events::Subscription;

/// Ping interval; also how a dead peer is noticed.
const PING_EVERY: Duration = Duration::from_secs(20);
/// A client that cannot take a batch of frames in this long is disconnected (it can reconnect with `since`).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Most frames written before one flush.
const MAX_FRAMES_PER_FLUSH: usize = 256;
/// The websocket's read buffer. Clients send only pings, pongs and a close, and the library zero-fills the whole
/// buffer before every read attempt, which the loop below makes once per batch of frames it sends: at the default
/// (128 KiB) that memset was ~9 % of the host's CPU streaming to 20 clients. A larger message still grows it.
const READ_BUFFER: usize = 4 * 1024;
/// Frames are written out once this much is queued (and at every flush). The buffer keeps its largest size for the
/// life of the connection, so this bounds what a burst leaves behind per client (the default is 128 KiB).
const WRITE_BUFFER: usize = 16 * 1024;

pub fn router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// Websocket of event envelopes (text frames). Reconnect with `since=<last seq>` to get exactly what you missed.
#[utoipa::path(get, path = "/api/stream", tag = "events", params(EventQuery), responses(
    (status = 101, description = "Switching to the websocket protocol"),
    (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse, description = "foreign Origin or Host")))]
async fn stream(
    State(s): State<ApiState>,
    ApiQuery(q): ApiQuery<EventQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(r) => return ApiError::new(r.status(), ErrorCode::WebsocketRequired, r.body_text()).into_response(),
    };
    let (subscription, opening) = s.services.events().subscribe(q.since, q.filter()).await;
    ws.max_message_size(64 * 1024)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .on_upgrade(move |socket| serve(socket, subscription, opening))
}

async fn serve(socket: WebSocket, mut sub: Subscription, opening: Option<Bytes>) {
    let (mut tx, mut rx) = socket.split();
    if let Some(frame) = opening {
        if tx.send(text(frame)).await.is_err() {
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            item = sub.next() => {
                // Queue this frame and whatever else is ready now, then write them with one flush.
                let mut item = Some(item);
                let mut queued = 0;
                let sent = tokio::time::timeout(SEND_TIMEOUT, async {
                    while let Some(next) = item.take() {
                        let frame = match next {
                            Ok(i) => text(i.to_frame()),
                            Err(e) => {
                                tracing::error!(error = %e, "stream: store read failed");
                                return Err(());
                            }
                        };
                        tx.feed(frame).await.map_err(|_| ())?;
                        queued += 1;
                        if queued < MAX_FRAMES_PER_FLUSH {
                            item = sub.next().now_or_never();
                        }
                    }
                    tx.flush().await.map_err(|_| ())
                })
                .await;
                if !matches!(sent, Ok(Ok(()))) {
                    let _ = tx.send(Message::Close(None)).await;
                    return;
                }
            }
            incoming = rx.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if tokio::time::timeout(SEND_TIMEOUT, tx.send(Message::Ping(Default::default()))).await.map_or(true, |r| r.is_err()) {
                    return;
                }
            }
        }
    }
}

fn text(frame: Bytes) -> Message {
    // Envelopes are built from Rust strings, so the check cannot fail; it only wraps the shared bytes.
    Message::Text(Utf8Bytes::try_from(frame).expect("envelopes are UTF-8"))
}
