"""A host restart: the stream's connection ends without a close frame; the iterator reconnects to the new process
(same port and data dir) and resumes from the last seq, missing and doubling nothing."""

from __future__ import annotations

import socket
import time

from codex_manager_sdk import Client, PendingSnapshot
from hosthelper import start_host


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stream_resumes_across_a_host_restart(tmp_path):
    port = _free_port()
    host = start_host(tmp_path, bind=f"127.0.0.1:{port}")
    try:
        cm = Client(url=host.url, token=host.token)
        cm.wait_ready()
        s = cm.sessions.create(host.work_dir)
        start = cm.latest_seq()
        with cm.events(since=start, exclude_types=["item.delta", "item.reasoning"]) as stream:
            accepted = cm.turns.send(s.id, "before the restart")
            got = []
            while not (got and got[-1].type == "turn.completed" and got[-1].turn_id == accepted.turn_id):
                got.append(stream.next(timeout=30))
            host.stop()
            # Events published while stopping (runtime.stopped) may or may not have reached the old connection.
            host = start_host(tmp_path, bind=f"127.0.0.1:{port}", data_dir=host.data_dir)
            assert host.url == f"http://127.0.0.1:{port}"
            cm.wait_ready()
            deadline = time.monotonic() + 30
            while not any(e.type == "runtime.ready" for e in got[-5:]):
                ev = stream.next(timeout=max(0.1, deadline - time.monotonic()))
                if not isinstance(ev, PendingSnapshot):
                    got.append(ev)
            assert stream.reconnects >= 1
        types = [e.type for e in got]
        assert "runtime.stopped" in types and types.index("runtime.stopped") < types.index("runtime.ready")
        seqs = [e.seq for e in got]
        assert seqs == sorted(set(seqs))
        logged = [e.seq for e in cm.iter_events(start, exclude_types=["item.delta", "item.reasoning"]) if e.seq <= seqs[-1]]
        assert seqs == logged
        after = cm.turns.send_and_wait(s.id, "after the restart", timeout=60)
        assert after.text == "You said: after the restart"
        cm.close()
    finally:
        host.stop()
