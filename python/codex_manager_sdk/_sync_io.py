"""The blocking side of the I/O the shared client definition needs: the twin of ``_async_io.py``, same names."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from .events import EventStream, latest_seq

StopSignal = threading.Event
monotonic = time.monotonic
sleep = time.sleep


def maybe_await(value: Any) -> Any:
    return value


def spawn(fn: Callable[..., Any], *args: Any) -> threading.Thread:
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


def join(handle: threading.Thread, timeout: float | None = None) -> None:
    handle.join(timeout)
    if handle.is_alive():
        raise TimeoutError("the background worker did not stop in time")


__all__ = ["EventStream", "StopSignal", "join", "latest_seq", "maybe_await", "monotonic", "sleep", "spawn"]
