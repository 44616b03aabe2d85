"""The SDK's generated files (operation table, models, the sync client) are current, and a stale one fails
``python3 scripts/gen_clients --check`` (run on a copy of the checkout, so the real files are never touched)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hosthelper import REPO

PKG = "python/codex_manager_sdk"
GENERATED = [f"{PKG}/routes.py", f"{PKG}/models.py", f"{PKG}/_sync_client.py"]


def _python() -> str:
    return shutil.which("python3") or sys.executable


def _check(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_python(), "scripts/gen_clients", "--check"], cwd=repo, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The checkout's files (tracked and new, not ignored) in a temporary directory."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    dest = tmp_path_factory.mktemp("checkout")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def test_the_generated_files_are_current():
    result = _check(REPO)
    stale = [line.strip() for line in result.stderr.splitlines() if line.strip() in GENERATED]
    assert not stale, f"regenerate with `python3 scripts/gen_clients`: {stale}"


@pytest.mark.parametrize("edit", ["models", "sync_client", "async_source"])
def test_a_stale_file_fails_the_check(checkout, edit):
    files = {
        "models": (f"{PKG}/models.py", f"{PKG}/models.py"),
        "sync_client": (f"{PKG}/_sync_client.py", f"{PKG}/_sync_client.py"),
        # An edit of the one client definition leaves the generated sync client behind.
        "async_source": (f"{PKG}/_async_client.py", f"{PKG}/_sync_client.py"),
    }
    edited, stale = files[edit]
    path = checkout / edited
    original = path.read_text()
    subprocess.run([_python(), "scripts/gen_clients"], cwd=checkout, check=True, capture_output=True, timeout=120)
    assert _check(checkout).returncode == 0, "fresh output passes"
    try:
        path.write_text(original + "\n# an edit\n")
        result = _check(checkout)
        assert result.returncode == 1 and stale in result.stderr, result.stderr
    finally:
        path.write_text(original)
