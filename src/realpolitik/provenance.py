"""Reproducibility: atomic writes and run manifests.

Every output file is written to a temporary file beside it and renamed into place, so a crash or a bad input
never leaves a half-written result. Every run can write a manifest (inputs' hashes, versions, parameters,
seed), so anyone can audit or repeat it.

Outputs replace only regular files: a symbolic link, device, FIFO or folder where an output should go is
refused (:class:`OutputRefusedError`), never followed or replaced. Files are created with mode 0666 less the
user's umask, like any other program's. A temporary file is named ``.NAME.PID.RANDOM.tmp``: one whose process is
gone, or older than :data:`LEFTOVER_AGE_S`, is a leftover of a killed run, which :func:`clean_leftovers` removes
(the lab does so on every run; ``realpolitik clean`` does it for a folder tree). Readers of results never read
dot-files, so a leftover is never taken for a result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import secrets
import stat
import sys
import time
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import __version__

TRACKED_PACKAGES = ("numpy", "pydantic", "duckdb", "pyarrow", "scipy", "SALib", "dask", "distributed")


LEFTOVER_AGE_S = 3600
"""A temporary file or folder older than this (seconds) is a leftover even if a process of its number lives
(process numbers are reused); no write takes that long."""

_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


class OutputRefusedError(OSError):
    """An output path holds something that is not a regular file; it is left alone."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(
            f"is {kind}, not a regular file; outputs replace only regular files: remove it or choose another path"
        )
        self.filename = str(path)
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.filename}: {self.args[0]}"


def check_replaceable(path: Path) -> None:
    """Raise :class:`OutputRefusedError` if ``path`` exists and is not a regular file (a symbolic link is refused
    even when it points at one: writing through it would change a file somewhere else)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefusedError(path, _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file"))


def temporary_name(target: Path) -> Path:
    """``.NAME.PID.RANDOM.tmp`` beside ``target`` (NAME shortened so the whole stays a legal file name)."""
    return target.with_name(f".{target.name[:120]}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing (temporary file in the same folder, fsync, rename).

    Refuses (:class:`OutputRefusedError`) to replace anything but a regular file; the new file gets mode 0666 less
    the umask. ``OSError`` (disk full, read-only file system, no permission) propagates with the path named."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    check_replaceable(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = temporary_name(target)
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        check_replaceable(target)  # again: something may have appeared there while we wrote
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None or exc.filename == str(tmp):  # name the output, not our temporary file
            exc.filename = str(target)
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_OUR_TMP_FILE = re.compile(r"^\..+\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")
"""Our temporary files: ``.NAME.PID.RANDOM.tmp``."""
_TMP_FILE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""Temporary files of ``tempfile.mkstemp`` (``.NAME.XXXXXXXX.tmp``; also matches ours)."""
_TMP_DIR = re.compile(r"^\..+\.(?:tmp|old)-[A-Za-z0-9_]{8}$")
"""Temporary folders of the brief's atomic folder swap (``.NAME.tmp-XXXXXXXX``, ``.NAME.old-XXXXXXXX``)."""


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (another user's counts as alive: it cannot be signalled)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's process (or a number that is not one)
    return True


def is_leftover(path: Path, *, now: float | None = None) -> bool:
    """True for a temporary file or folder of a killed run: its process is gone, or it is older than
    :data:`LEFTOVER_AGE_S`."""
    is_file = _TMP_FILE.match(path.name)
    is_dir = _TMP_DIR.match(path.name)
    if is_file is None and is_dir is None:
        return False
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if is_file is not None and not stat.S_ISREG(info.st_mode):
        return False
    if is_dir is not None and not stat.S_ISDIR(info.st_mode):
        return False
    age = (time.time() if now is None else now) - info.st_mtime
    if age > LEFTOVER_AGE_S:
        return True
    ours = _OUR_TMP_FILE.match(path.name) if is_file is not None else None
    return ours is not None and not process_alive(int(ours.group("pid")))


def find_leftovers(folder: Path, *, recursive: bool = False) -> list[Path]:
    """Leftovers of killed runs in ``folder`` (and, if ``recursive``, below it; symbolic links not followed)."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    if recursive:
        for root, dirs, files in os.walk(folder, followlinks=False):
            here = Path(root)
            found += [here / f for f in files if is_leftover(here / f)]
            gone = [d for d in dirs if is_leftover(here / d)]
            found += [here / d for d in gone]
            dirs[:] = [d for d in dirs if d not in gone]
    else:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return found
        found = [p for p in entries if is_leftover(p)]
    return sorted(found)


def clean_leftovers(folder: Path, *, recursive: bool = False) -> list[Path]:
    """Remove the leftovers of killed runs in ``folder``; returns what was removed (what cannot be removed, e.g.
    for want of permission, is skipped: it is never read as a result)."""
    import shutil

    removed = []
    for path in find_leftovers(folder, recursive=recursive):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


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


def json_safe(data: Any) -> Any:
    """``data`` with every non-finite float (NaN, ±infinity) replaced by None (JSON null), through dicts, lists
    and tuples, so that what we write is JSON any reader accepts (``json.dumps(..., allow_nan=False)`` holds)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def json_text(data: Any, **kwargs: Any) -> str:
    """Strict JSON text of ``data`` (:func:`json_safe`; no NaN or Infinity, ever)."""
    return json.dumps(json_safe(data), **{**kwargs, "allow_nan": False})


def write_json(path: str | Path, data: Any) -> None:
    text = json_text(data, indent=2, ensure_ascii=False) + "\n"
    # a path or argument of undecodable bytes holds lone surrogates: written as \uXXXX escapes, still valid JSON
    atomic_write_bytes(path, text.encode("utf-8", "backslashreplace"))
