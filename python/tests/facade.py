"""One set of test cases for both clients: a facade that makes the asyncio client callable like the sync one.

``Facade(client, loop)`` forwards attribute access; a call whose answer is a coroutine runs it to completion on the
test's event loop, an async iterator is drained into a list (as is a sync generator, so both read the same), and
an async context manager or stream is wrapped so ``with`` / ``for`` / ``next(timeout=)`` work. Background tasks the
async client starts (the tool server) run whenever the loop runs, i.e. during any awaited call.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

_PLAIN = (str, bytes, int, float, bool, type(None), list, dict, tuple)


class Facade:
    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop | None):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_loop", loop)

    @property
    def target(self) -> Any:
        return self._target

    def _wrap(self, value: Any) -> Any:
        loop = self._loop
        if inspect.iscoroutine(value):
            return self._wrap(loop.run_until_complete(value))
        if inspect.isasyncgen(value):
            async def drain() -> list[Any]:
                return [v async for v in value]
            return loop.run_until_complete(drain())
        if inspect.isgenerator(value):
            return list(value)
        if loop is not None and (hasattr(value, "__aenter__") or hasattr(value, "__anext__")) \
                or type(value).__module__.startswith("codex_manager_sdk") and (hasattr(value, "_t") or hasattr(value, "_client")):
            return Facade(value, loop)
        return value

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if callable(attr) and not isinstance(attr, type):
            def call(*args: Any, **kwargs: Any) -> Any:
                return self._wrap(attr(*args, **kwargs))
            return call
        return self._wrap(attr) if not isinstance(attr, _PLAIN) else attr

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    # -- context managers and iteration of async objects ----------------------------------------------------

    def __enter__(self) -> "Facade":
        t = self._target
        if hasattr(t, "__aenter__"):
            self._loop.run_until_complete(t.__aenter__())
        else:
            t.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        t = self._target
        if hasattr(t, "__aexit__"):
            self._loop.run_until_complete(t.__aexit__(*exc))
        else:
            t.__exit__(*exc)

    def __iter__(self) -> "Facade":
        return self

    def __next__(self) -> Any:
        t = self._target
        if hasattr(t, "__anext__"):
            try:
                return self._loop.run_until_complete(t.__anext__())
            except StopAsyncIteration:
                raise StopIteration from None
        return next(t)

    def close(self) -> None:
        t = self._target
        if hasattr(t, "aclose"):
            self._loop.run_until_complete(t.aclose())
        else:
            t.close()
