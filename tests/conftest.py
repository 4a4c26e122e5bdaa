"""Shared test fixtures.

Third-party reference data lives outside the repository (``../shared/data`` beside the checkout, or the folder
named by ``REALPOLITIK_REFERENCE_DATA``). Tests that need it take the ``shared_data`` fixture, which skips with
the reason when the data is absent, so a fresh clone without it still passes honestly (skips are reported).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def reference_data_dir() -> Path | None:
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    candidate = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder; skips the test when it is absent."""
    path = reference_data_dir()
    if path is None:
        pytest.skip("reference data not found: set REALPOLITIK_REFERENCE_DATA or put shared/data beside the repo")
    return path
