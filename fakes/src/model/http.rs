//! Just enough HTTP/1.1 for codex's Responses client: one request per connection, every response
//! sent with `Connection: close`, streamed bodies chunked.
//!
//! Hand-rolled on tokio because a streamed axum body needs a `Stream`/`http_body::Body` impl, and
//! neither trait is nameable without adding a dependency. A chunked body that stops without its
//! terminating chunk is what lets the `disconnect` step look like a real mid-stream drop.

use std::collections::BTreeMap;
use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MAX_HEAD_LINES: usize = 200;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A parsed request; header names are lower-cased.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// Reads one request. `Ok(None)` when the peer closed before sending anything.
pub(crate) async fn read_request(stream: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(invalid("malformed request line"));
    };
    let (method, path) = (method.to_owned(), path.to_owned());

    let mut headers = BTreeMap::new();
    for _ in 0..MAX_HEAD_LINES {
        line.clear();
        stream.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            let body = read_body(stream, &headers).await?;
            return Ok(Some(Request {
                method,
                path,
                headers,
                body,
            }));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    Err(invalid("too many header lines"))
}

async fn read_body(
    stream: &mut BufReader<TcpStream>,
    headers: &BTreeMap<String, String>,
) -> io::Result<Vec<u8>> {
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if !chunked {
        let len: usize = match headers.get("content-length") {
            Some(v) => v.parse().map_err(|_| invalid("bad content-length"))?,
            None => 0,
        };
        if len > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let mut body = vec![0; len];
        stream.read_exact(&mut body).await?;
        return Ok(body);
    }
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let size = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        if size == 0 {
            // Trailers (normally none) up to the blank line.
            loop {
                line.clear();
                if stream.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        stream.read_exact(&mut body[start..]).await?;
        let mut crlf = [0; 2];
        stream.read_exact(&mut crlf).await?;
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Writes a complete response with a fixed-length body.
pub(crate) async fn write_full(
    stream: &mut BufReader<TcpStream>,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> io::Result<()> {
    write_full_with(stream, status, content_type, &[], body).await
}

/// [`write_full`] with extra headers.
pub(crate) async fn write_full_with(
    stream: &mut BufReader<TcpStream>,
    status: u16,
    content_type: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> io::Result<()> {
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let stream = stream.get_mut();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

/// A `text/event-stream` response body written as HTTP chunks.
pub(crate) struct ChunkedWriter<'a> {
    stream: &'a mut TcpStream,
}

impl<'a> ChunkedWriter<'a> {
    pub async fn start(
        stream: &'a mut BufReader<TcpStream>,
        content_type: &str,
    ) -> io::Result<Self> {
        let stream = stream.get_mut();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncache-control: no-cache\r\n\
             transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await?;
        stream.flush().await?;
        Ok(Self { stream })
    }

    pub async fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut buf = format!("{:x}\r\n", data.len()).into_bytes();
        buf.extend_from_slice(data);
        buf.extend_from_slice(b"\r\n");
        self.stream.write_all(&buf).await?;
        self.stream.flush().await
    }

    /// Ends the body properly.
    pub async fn finish(self) -> io::Result<()> {
        self.stream.write_all(b"0\r\n\r\n").await?;
        self.stream.shutdown().await
    }

    /// Closes the connection without the terminating chunk: the client sees a truncated body.
    pub async fn abort(self) -> io::Result<()> {
        self.stream.shutdown().await
    }
}
