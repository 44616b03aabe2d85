"""The asyncio client: the same resources and methods as :class:`codex_manager_sdk.Client`, awaited.

``AsyncClient`` is the one hand-written definition of every method (``_async_client.py``); the sync client is
generated from it, so the two cannot diverge.
"""

from ._async_client import AsyncClient, AsyncToolServer, AsyncTransport
from ._async_io import AsyncEventStream

__all__ = ["AsyncClient", "AsyncEventStream", "AsyncToolServer", "AsyncTransport"]
