"""Start a REAL host for the tests: ``target/debug/codex-manager serve --demo`` (the pinned codex app-server
against the project's fake model) on a free port, in a temporary data dir."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def host_binary() -> Path:
    env = os.environ.get("CODEX_MANAGER_BIN")
    return Path(env) if env else REPO / "target" / "debug" / "codex-manager"


def codex_binary() -> str:
    return os.environ.get("CODEX_BIN") or str(REPO / ".tools" / "codex" / "node_modules" / ".bin" / "codex")


@dataclass
class RunningHost:
    url: str
    token: str
    data_dir: Path
    work_dir: Path
    log_path: Path
    proc: subprocess.Popen
    extra_env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_host(base: Path | None = None, *, bundled_plugins: str = "none", bind: str = "127.0.0.1:0",
               data_dir: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60.0) -> RunningHost:
    binary = host_binary()
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing: build it with `cargo build -p codex-manager` (scripts/test.sh does)")
    base = base or Path(tempfile.mkdtemp(prefix="cm-py-"))
    data_dir = data_dir or base / "data"
    work_dir = base / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = base / "host.log"
    child_env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    child_env.update({
        "CODEX_BIN": codex_binary(),
        "CODEX_MANAGER_BUNDLED_PLUGINS": bundled_plugins,
        "CODEX_MANAGER_TOKEN": "",
        "HOME": str(base),
        "NO_PROXY": "127.0.0.1,localhost",
        **(env or {}),
    })
    for key in ("CODEX_MANAGER_URL", "CODEX_MANAGER_DATA_DIR", "CODEX_MANAGER_BIND"):
        child_env.pop(key, None)
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [str(binary), "serve", "--demo", "--data-dir", str(data_dir), "--bind", bind],
        stdout=subprocess.PIPE, stderr=log, env=child_env, cwd=str(REPO), start_new_session=True,
    )
    log.close()
    lines: "queue.Queue[str | None]" = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    url = None
    while url is None:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            raise RuntimeError(f"the host did not print its address (exit {proc.poll()}); log:\n{log_path.read_text(errors='replace')[-3000:]}")
        if line.startswith("Codex Manager listening on "):
            url = line.rsplit(" ", 1)[-1]
    token = (data_dir / "token").read_text().strip()
    return RunningHost(url=url, token=token, data_dir=data_dir, work_dir=work_dir, log_path=log_path, proc=proc, extra_env=env or {})
