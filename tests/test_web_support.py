"""A real uvicorn server on loopback for the web tests (a subprocess, so the tests talk to it over TCP).

Kept in a ``test_web*`` module because shared helpers for the web tests live with them; it holds one test of
its own: that the helper starts and stops cleanly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from realpolitik.web.app import TOKEN_ENV, is_loopback, serve, serve_data_dir, user_data_dir

SERVER = """
import sys
from pathlib import Path
import uvicorn
from realpolitik.web import create_app
token = sys.argv[3] or None
workspace = Path(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None
app = create_app(workspace, token, data_dir=Path(sys.argv[2]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=20.0, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(data_dir: Path, token: str = "", workspace: Path | None = None) -> Iterator[Server]:
    """Start ``create_app`` under uvicorn on a free loopback port; wait (bounded) until it answers; stop it.

    ``workspace`` is the event workspace the server reads (as ``realpolitik serve --workspace``)."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(data_dir), token, str(workspace or "")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited: " + (proc.stderr.read().decode() if proc.stderr else ""))
            try:
                if httpx.get(url + "/api/health", timeout=1.0, headers=headers).status_code in (200, 401):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.1)
        yield Server(url, data_dir, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_job(client: httpx.Client, job_id: str, timeout: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, object] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        time.sleep(0.1)


def test_server_starts_and_stops(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        assert httpx.get(server.url + "/api/health", timeout=5).json()["status"] == "ok"
    assert server.process.returncode is not None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),  # all of 127.0.0.0/8 is loopback (RFC 1122)
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),  # every interface
        ("::", False),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("example.org", False),
        ("localhost.example.org", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_a_public_host_without_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The refusal comes before uvicorn starts: the call returns at once with the reason, nothing is bound."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(ValueError, match=f"binding to {host} needs a token"):
            serve(host=host, port=free_port(), data_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # no app was built


def test_serve_keeps_uploads_and_jobs_in_the_user_data_dir_not_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without --workspace, ``$XDG_DATA_HOME/realpolitik/web`` (default ``~/.local/share/realpolitik/web``)."""
    import uvicorn

    cwd, home, xdg = tmp_path / "cwd", tmp_path / "home", tmp_path / "xdg"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert serve_data_dir(None) == home / ".local" / "share" / "realpolitik" / "web"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")  # a relative value is ignored (XDG base directory spec)
    assert user_data_dir() == home / ".local" / "share" / "realpolitik" / "web"
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    assert serve_data_dir(None) == xdg / "realpolitik" / "web"
    assert serve_data_dir(tmp_path / "ev.duckdb") == tmp_path / "ev.duckdb.web"  # beside a workspace
    assert serve_data_dir(None, tmp_path / "given") == tmp_path / "given"

    used: list[Path] = []

    def no_server(app: object, **config: object) -> None:  # serve as far as uvicorn; nothing is bound
        state = app.state  # type: ignore[attr-defined]
        used.append(state.data_dir)
        state.jobs.shutdown()

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.setattr(uvicorn, "run", no_server)
    serve(port=free_port())
    assert used == [xdg / "realpolitik" / "web"] and (used[0] / "jobs").is_dir()
    assert not any(cwd.iterdir())
