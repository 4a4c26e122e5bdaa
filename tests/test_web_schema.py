"""Schemathesis against the live server's OpenAPI schema: generated requests must never cause a server error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_web_support import running_server


def test_openapi_schema_fuzz_has_no_server_errors(tmp_path: Path) -> None:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if cli is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis)")
    with running_server(tmp_path / "data") as server:
        result = subprocess.run(
            [
                cli,
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "8",
                "--workers",
                "1",
                "--seed",
                "1",
                "--request-timeout",
                "20",
                "--no-shrink",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
