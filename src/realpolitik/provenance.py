"""Reproducibility: atomic writes and run manifests.

Every output file is written to a temporary file beside it and renamed into place, so a crash or a bad input
never leaves a half-written result. Every run can write a manifest (inputs' hashes, versions, parameters,
seed), so anyone can audit or repeat it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import __version__

TRACKED_PACKAGES = ("numpy", "pydantic", "duckdb", "pyarrow", "scipy", "SALib", "dask", "distributed")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing (temporary file in the same folder, fsync, rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_versions() -> dict[str, str]:
    from .models import kernels  # (here, not at the top: provenance is imported by code the models need)

    out = {"realpolitik": __version__, "python": platform.python_version(), "kernels": kernels.describe()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def build_manifest(
    *,
    command: str,
    inputs: Mapping[str, str],
    parameters: Mapping[str, Any],
    seed: int | None = None,
    outputs: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A manifest: what ran, on which inputs (sha256), with which parameters, versions and seed."""
    return {
        "command": command,
        "argv": sys.argv[1:],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": dict(inputs),
        "parameters": dict(parameters),
        "seed": seed,
        "versions": package_versions(),
        "outputs": dict(outputs or {}),
    }


def write_json(path: str | Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
