"""Finding the host, as the CLI does (``cli/src/main.rs``, ``cli/src/client.rs``).

- URL: the ``url`` argument, else ``CODEX_MANAGER_URL``, else ``http://127.0.0.1:8417``.
- Token: the ``token`` argument, else ``CODEX_MANAGER_TOKEN``, else the file ``<data-dir>/token``.
- Data dir: the ``data_dir`` argument, else ``CODEX_MANAGER_DATA_DIR``, else ``$XDG_DATA_HOME/codex-manager``,
  else ``~/.local/share/codex-manager``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

DEFAULT_URL = "http://127.0.0.1:8417"


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return Path(xdg) / "codex-manager"
    return Path.home() / ".local" / "share" / "codex-manager"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    env = os.environ.get("CODEX_MANAGER_DATA_DIR")
    return Path(env) if env else default_data_dir()


def resolve_url(url: str | None = None) -> str:
    url = url or os.environ.get("CODEX_MANAGER_URL") or DEFAULT_URL
    return url.rstrip("/")


def resolve_token(token: str | None = None, data_dir: str | os.PathLike[str] | None = None) -> str:
    if token:
        return token
    env = os.environ.get("CODEX_MANAGER_TOKEN")
    if env:
        return env
    path = resolve_data_dir(data_dir) / "token"
    try:
        value = path.read_text().strip()
    except OSError as e:
        raise ConfigError(
            f"no token: pass token=..., set CODEX_MANAGER_TOKEN, or start the host once so it creates {path} ({e})"
        ) from None
    if not value:
        raise ConfigError(f"the token file {path} is empty")
    return value
