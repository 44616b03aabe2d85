//! `/api/stream`: the event log over a websocket — replay from `since`, then live, filtered.
//!
//! Each client has its own [`Subscription`]; a client that reads slowly only falls behind itself and is caught up
//! from the store. Frames are the event envelopes as text; a `reset` frame means "re-read state over REST".

use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::events::EventQuery;
use crate::api::error::ErrorResponse;
use crate::api::extract::ApiQuery;
use crate::api::websocket::{text_frames, Socket, WebSocketRequest};
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
/// life of the connection, so this, plus one fragment ([`crate::api::websocket::FRAGMENT`]: large events go out in
/// pieces), bounds what a burst leaves behind per client (the default is 128 KiB).
const WRITE_BUFFER: usize = 16 * 1024;
/// Largest message a client may send (clients send only pings, pongs and a close).
const MAX_INCOMING: usize = 64 * 1024;

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
    ws: WebSocketRequest,
) -> Response {
    let (subscription, opening) = s.services.events().subscribe(q.since, q.filter()).await;
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(MAX_INCOMING))
        .max_frame_size(Some(MAX_INCOMING));
    ws.accept(config, move |socket| serve(socket, subscription, opening))
}

async fn serve(socket: Socket, mut sub: Subscription, opening: Option<Bytes>) {
    let (mut tx, mut rx) = socket.split();
    if let Some(frame) = opening {
        let mut frames = futures_util::stream::iter(text_frames(frame).map(Ok));
        if tx.send_all(&mut frames).await.is_err() {
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
                            Ok(i) => i.to_frame(),
                            Err(e) => {
                                tracing::error!(error = %e, "stream: store read failed");
                                return Err(());
                            }
                        };
                        for message in text_frames(frame) {
                            tx.feed(message).await.map_err(|_| ())?;
                        }
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
