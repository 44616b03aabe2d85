"""Python SDK for Codex Manager: the host's one API (REST + the ``/api/stream`` websocket)."""

from .client import Client
from .errors import (
    AlreadyResolved,
    ApiError,
    BadRequest,
    CodexManagerError,
    ConfigError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    QueueFull,
    RequestExpired,
    ServerError,
    TurnInProgress,
    Unauthorized,
    Unavailable,
)
from ._http import RetryPolicy
from .aio import AsyncClient
from .events import EventStream
from .tools import ToolRegistry
from .webhooks import sign_webhook
from .types import *  # noqa: F403 - every model
from .types import (
    Controls,
    Event,
    EventPage,
    Health,
    Inspection,
    Interrupted,
    Job,
    JobKind,
    JobPage,
    PendingRequest,
    PendingSnapshot,
    PluginCall,
    PluginInfo,
    Project,
    QueueStats,
    Ready,
    Reset,
    Session,
    SessionDetail,
    SessionNote,
    SessionPage,
    Setting,
    Transcript,
    TurnAccepted,
    TurnResult,
)

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
