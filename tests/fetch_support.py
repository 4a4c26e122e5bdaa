"""What the ``events fetch`` tests share: a request against a loopback server, a look into the workspace, and the
CLI run as a user runs it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from realpolitik.events import store
from realpolitik.events.fetch import FetchRequest

REPO = Path(__file__).resolve().parent.parent


def fetch_request(source: str, tmp_path: Path, start: str, end: str, base_url: str, **kw: Any) -> FetchRequest:
    """A request for the days ``start``..``end`` against ``base_url``: workspace ``w.duckdb`` and cache ``cache``
    in ``tmp_path`` (``kw`` may name others), a 60 s deadline so a hanging test fails instead of waiting."""
    paths: dict[str, Any] = {"workspace": tmp_path / "w.duckdb", "cache_dir": tmp_path / "cache"}
    return FetchRequest(
        source=source,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        base_url=base_url,
        timeout_s=60,
        **{**paths, **kw},
    )


def table(workspace: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on ``workspace``, opened read-only (as a user would look while nothing else writes)."""
    con = store.connect(workspace, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``realpolitik ARGS`` in a fresh interpreter (``env`` on top of this one's), with plain, wide output so that
    the tests can read tables."""
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "realpolitik.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=REPO,
        timeout=240,
    )
