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

SERVER = """
import sys
from pathlib import Path
import uvicorn
from realpolitik.web import create_app
token = sys.argv[3] or None
app = create_app(None, token, data_dir=Path(sys.argv[2]))
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
def running_server(data_dir: Path, token: str = "") -> Iterator[Server]:
    """Start ``create_app`` under uvicorn on a free loopback port; wait (bounded) until it answers; stop it."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(data_dir), token],
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
