"""The sync client. Its definition is generated (``_sync_client.py``) from the asyncio client's
(``_async_client.py``), so both have the same methods with the same semantics."""

from ._sync_client import Client, ToolServer, Transport

__all__ = ["Client", "ToolServer", "Transport"]
