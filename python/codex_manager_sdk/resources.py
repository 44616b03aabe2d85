"""Resource groups of the sync client: ``client.sessions``, ``client.turns``, ``client.requests``, ...
(generated from the asyncio client's, see ``_async_client.py``)."""

from ._sync_client import (
    Account,
    Catalog,
    Config,
    ControlsApi,
    Features,
    Hooks,
    Jobs,
    Mcp,
    Plugins,
    Projects,
    Requests,
    Sessions,
    Settings,
    Skills,
    Tools,
    ToolServer,
    Turns,
    read_package,
)
from .errors import ApiError

__all__ = [
    "ApiError", "Projects", "Sessions", "Turns", "Requests", "ControlsApi", "Settings", "Jobs", "Plugins", "Account",
    "Config", "Catalog", "Mcp", "Skills", "Features", "Hooks", "Tools", "ToolServer", "read_package",
]
