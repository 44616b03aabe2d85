//! Connection limits as an attacker meets them: connections that send nothing or half a request are closed by
//! the host, the connection cap refuses newcomers at once while connections already open (and the loopback
//! reserve) still reach `/api/health`, and slots come back when connections go.

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use support::{Env, Host, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn addr(host: &Host) -> SocketAddr {
    host.url.trim_start_matches("http://").parse().unwrap()
}

fn health_request(host: &Host) -> String {
    format!("GET /api/health HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n", addr(host), host.token)
}

/// Read until the host closes the connection; the bytes read. Fails the test if it stays open past [`WAIT`].
async fn read_until_closed(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(WAIT, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return seen,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => panic!("{what}: the host kept the connection open"),
        }
    }
}

/// One HTTP/1.1 response off a kept-alive connection: (status, body).
async fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse::<usize>().unwrap()))
                .expect("a content-length");
            if body.len() >= length {
                let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                return (status, body[..length].to_string());
            }
        }
        let n = tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("a response in time").expect("readable");
        assert!(n > 0, "closed before a whole response: {text}");
        data.extend_from_slice(&buf[..n]);
    }
}

/// What became of one connection that asked for `/api/health`.
#[derive(Debug, PartialEq)]
enum Outcome {
    Served,
    Refused,
}

/// Connect (from `source` when given) and ask for `/api/health`; a served connection is returned still open.
async fn try_connect(host: &Host, source: Option<IpAddr>) -> (Outcome, Option<TcpStream>) {
    let target = addr(host);
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0)).unwrap();
    }
    let mut stream = socket.connect(target).await.expect("the kernel accepts the connection");
    // A refused connection may be closed before the request is even written.
    let _ = stream.write_all(health_request(host).as_bytes()).await;
    let mut data = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("an answer or a close in time") {
            Ok(0) | Err(_) => {
                let text = String::from_utf8_lossy(&data);
                // Closed: refused, with the canned answer when it got through before the close.
                assert!(text.is_empty() || text.contains("too_many_connections"), "unexpected answer before close: {text}");
                return (Outcome::Refused, None);
            }
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&data);
        if text.starts_with("HTTP/1.1 200") && text.contains("\"status\":\"ok\"") {
            return (Outcome::Served, Some(stream));
        }
        if text.contains("too_many_connections") {
            assert!(text.starts_with("HTTP/1.1 503"), "the refusal is a 503: {text}");
            return (Outcome::Refused, None);
        }
    }
}

/// This machine's address on its default route, if it has one (no packet is sent).
fn non_loopback_address() -> Option<IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:9").or_else(|_| probe.connect("10.255.255.255:9")).ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn idle_and_half_written_connections_are_closed_by_the_host() {
    let env = Env::start_with(
        "conn-idle",
        &[("CODEX_MANAGER_HEADER_READ_TIMEOUT_MS", "400"), ("CODEX_MANAGER_KEEP_ALIVE_TIMEOUT_MS", "300")],
    )
    .await;
    let host = env.host();
    let target = addr(host);

    // Connects and says nothing.
    let mut idle = TcpStream::connect(target).await.unwrap();
    // Half a request line, then silence.
    let mut half_line = TcpStream::connect(target).await.unwrap();
    half_line.write_all(b"GET /api/hea").await.unwrap();
    // A whole request line, headers never finished.
    let mut half_head = TcpStream::connect(target).await.unwrap();
    half_head.write_all(format!("GET /api/health HTTP/1.1\r\nHost: {target}\r\nX-Slow: ").as_bytes()).await.unwrap();
    // A well-behaved client that keeps its connection after one request.
    let mut kept = TcpStream::connect(target).await.unwrap();
    kept.write_all(health_request(host).as_bytes()).await.unwrap();
    let (status, body) = read_response(&mut kept).await;
    assert_eq!(status, 200, "{body}");

    for (stream, what) in [(&mut idle, "idle"), (&mut half_line, "half a request line"), (&mut half_head, "half a head")] {
        let said = read_until_closed(stream, what).await;
        // hyper may answer a timed-out head with 408 before closing; it never serves it.
        let text = String::from_utf8_lossy(&said);
        assert!(said.is_empty() || text.starts_with("HTTP/1.1 408"), "{what}: unexpected answer {text}");
    }
    assert!(read_until_closed(&mut kept, "kept-alive").await.is_empty(), "an idle kept-alive connection is closed quietly");

    // Headers whole, the body never finished, and no token: the auth check answers before any body is read and
    // the host does not wait for the rest.
    let mut half_body = TcpStream::connect(target).await.unwrap();
    let head = format!("POST /api/sessions HTTP/1.1\r\nHost: {target}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
    half_body.write_all(format!("{head}{{\"cwd\":").as_bytes()).await.unwrap();
    let said = read_until_closed(&mut half_body, "half a body").await;
    assert!(String::from_utf8_lossy(&said).starts_with("HTTP/1.1 401"), "{}", String::from_utf8_lossy(&said));

    // A client that trickles its request line byte by byte, slower than the deadline allows in total.
    let mut trickle = TcpStream::connect(target).await.unwrap();
    let closed = async {
        for b in b"GET /api/health HTTP/1.1\r\n".iter().cycle() {
            if trickle.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(WAIT, closed).await.expect("a trickled head is cut off at the header deadline");

    let (status, _) = host.get("/api/health").await;
    assert_eq!(status, 200, "the host still serves");
}

#[tokio::test]
async fn at_the_cap_newcomers_are_refused_while_open_connections_and_the_local_reserve_still_answer() {
    const MAX: usize = 8;
    const RESERVE: usize = 3;
    let env = Env::start_with(
        "conn-cap",
        &[
            ("CODEX_MANAGER_MAX_CONNECTIONS", "8"),
            ("CODEX_MANAGER_LOCAL_CONNECTION_RESERVE", "3"),
            // Long deadlines: the connections this test holds must stay open while it runs.
            ("CODEX_MANAGER_HEADER_READ_TIMEOUT_MS", "120000"),
            ("CODEX_MANAGER_KEEP_ALIVE_TIMEOUT_MS", "120000"),
        ],
    )
    .await;
    let host = env.host();

    // The web UI's connection, open before the flood.
    let (outcome, ui) = try_connect(host, None).await;
    assert_eq!(outcome, Outcome::Served);
    let mut ui = ui.unwrap();

    let mut held = Vec::new();
    if let Some(remote) = non_loopback_address() {
        // A flood from another address stops short of the reserve.
        let mut refused = false;
        for _ in 0..MAX + 2 {
            match try_connect(host, Some(remote)).await {
                (Outcome::Served, Some(s)) => held.push(s),
                _ => {
                    refused = true;
                    break;
                }
            }
        }
        assert!(refused, "remote connections are refused before the cap");
        assert!(held.len() <= MAX - RESERVE, "remote peers got {} slots, more than max - reserve", held.len());
        // The reserve: a fresh connection from this machine still gets in.
        let (outcome, local) = try_connect(host, None).await;
        assert_eq!(outcome, Outcome::Served, "the loopback reserve admits the local client");
        held.push(local.unwrap());
    } else {
        eprintln!("no non-loopback address on this machine: the remote share is covered by the unit tests only");
    }

    // Fill every remaining slot from loopback, then one more is refused at once with the error body.
    let mut refusal = None;
    for _ in 0..MAX + 2 {
        match try_connect(host, None).await {
            (Outcome::Served, Some(s)) => held.push(s),
            (outcome, _) => {
                refusal = Some(outcome);
                break;
            }
        }
    }
    assert_eq!(refusal, Some(Outcome::Refused), "past the cap a connection is refused");
    assert!(held.len() < MAX, "never more than the cap open (held {})", held.len());
    assert!(host.log_text().contains("the host holds its maximum of connections"), "the refusal is logged");

    // The connection opened before the flood still answers.
    ui.write_all(health_request(host).as_bytes()).await.unwrap();
    let (status, body) = read_response(&mut ui).await;
    assert_eq!(status, 200, "{body}");

    // Slots come back when connections go.
    drop(held);
    support::eventually("a slot after the flood closed", async || match try_connect(host, None).await {
        (Outcome::Served, _) => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn a_flood_of_connections_that_never_show_the_token_cannot_lock_the_user_out() {
    const MAX: usize = 6;
    let env = Env::start_with(
        "conn-evict",
        &[
            ("CODEX_MANAGER_MAX_CONNECTIONS", "6"),
            ("CODEX_MANAGER_HEADER_READ_TIMEOUT_MS", "120000"),
            ("CODEX_MANAGER_KEEP_ALIVE_TIMEOUT_MS", "120000"),
        ],
    )
    .await;
    let host = env.host();
    let target = addr(host);

    // Twice the cap of connections that send half a request line and wait, as an attacker without the token would.
    let mut flood = Vec::new();
    for _ in 0..2 * MAX {
        let mut s = TcpStream::connect(target).await.unwrap();
        s.write_all(b"GET /api/health HTTP/1.1\r\n").await.unwrap();
        flood.push(s);
    }
    // Every newcomer took the place of the oldest: the first ones are closed, none was answered.
    for (i, s) in flood.iter_mut().take(MAX).enumerate() {
        let said = read_until_closed(s, &format!("flood connection {i}")).await;
        assert!(said.is_empty(), "an evicted connection is dropped without an answer: {}", String::from_utf8_lossy(&said));
    }
    // The user still gets in, on a fresh connection, while the flood holds every other slot.
    let (outcome, _user) = try_connect(host, None).await;
    assert_eq!(outcome, Outcome::Served, "the token holder gets a slot");
    let (status, body) = host.get("/api/ready").await;
    assert_eq!(status, 200, "{body}");
}
