"""A small HTTP server in front of the real host that fails the first requests on purpose: answers 503 or 429 (with
``Retry-After``) or drops the connection without an answer, then forwards to the host. It counts what it saw.

Only the host cannot produce these cases on demand (a 503 needs app-server down), hence this stand-in."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Flaky:
    def __init__(self, target_url: str):
        self.target = target_url.removeprefix("http://")
        self.failures: list[tuple[str, str | None]] = []  # (mode, Retry-After): "503", "429" or "drop"
        self.seen: list[tuple[str, str]] = []  # (method, path) of every request, failed or forwarded
        self.lock = threading.Lock()
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with flaky.lock:
                    flaky.seen.append((self.command, self.path))
                    failure = flaky.failures.pop(0) if flaky.failures else None
                if failure is not None:
                    mode, retry_after = failure
                    if mode == "drop":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    code = b"queue_full" if mode == "429" else b"runtime_unavailable"
                    payload = b'{"error":{"code":"' + code + b'","message":"flaky on purpose","details":null}}'
                    self.send_response(int(mode))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if retry_after is not None:
                        self.send_header("Retry-After", retry_after)
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(flaky.target, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail(self, *modes: str, retry_after: str | None = "0") -> None:
        with self.lock:
            self.failures.extend((m, None if m == "drop" else retry_after) for m in modes)
            self.seen.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
