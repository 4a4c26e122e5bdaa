"""Event files opened for reading within bounds: regular files only, a size limit, zip members inflated with a
bounded ratio, and extraction folders of killed ingests removed.

Why: an event path comes from the command line or a download. A FIFO blocks DuckDB's reader forever, a device
never ends, and a 2.6 MB zip of repeated bytes inflates 2.5 GB into the temporary folder; each is refused with one
line naming the file, before the work starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..provenance import process_alive
from .errors import EventsError

MAX_EVENT_FILE_BYTES = 64 * 1024**3
"""Largest event file (or zip member, inflated) ingested, in bytes. The largest real files are far below it (a full
ACLED export is ~2 GB, a GDELT 1.0 daily file ~150 MB); the bound only stops a device or a runaway file."""

MAX_ZIP_RATIO = 200
"""Most a zip member may inflate relative to its compressed size. Event CSVs compress 5-15 times (GDELT's 15-minute
exports about 6); a "zip bomb" of repeated bytes inflates a thousand times or more and is refused before it fills
the temporary folder."""

UNZIP_PREFIX = "realpolitik-unzip-"
"""Temporary folders holding an extracted zip member: ``realpolitik-unzip-PID-XXXXXXXX`` in the system temporary
folder. One whose process is gone (a killed ingest) is removed by the next ingest."""


def check_regular(path: Path) -> None:
    """Refuse what is not a regular file (a FIFO would block the reader forever, a device never ends) and files
    over :data:`MAX_EVENT_FILE_BYTES`, from ``stat`` alone."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise EventsError("no such file", file=str(path)) from None
    except OSError as exc:
        raise EventsError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise EventsError("is a folder; give event files (a folder is expanded only at the top level)", file=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise EventsError("is not a regular file (a device, FIFO or socket); give an event file", file=str(path))
    if info.st_size > MAX_EVENT_FILE_BYTES:
        raise EventsError(
            f"{info.st_size:,} bytes is over the limit of {MAX_EVENT_FILE_BYTES:,} for an event file "
            "(MAX_EVENT_FILE_BYTES)",
            file=str(path),
        )


def clean_unzip_leftovers(now: float | None = None) -> list[Path]:
    """Remove extraction folders of ingests that were killed (their process is gone, or older than a day)."""
    removed: list[Path] = []
    base = Path(tempfile.gettempdir())
    now = time.time() if now is None else now
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(UNZIP_PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        pid_text = folder.name[len(UNZIP_PREFIX) :].split("-", 1)[0]
        try:
            old = now - folder.lstat().st_mtime > 86_400
            alive = pid_text.isdigit() and process_alive(int(pid_text))
        except OSError:
            continue
        if folder.is_dir() and not folder.is_symlink() and (old or not alive):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _copy_bounded(src: Any, dst: Any, limit: int, name: str) -> None:
    copied = 0
    while chunk := src.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            raise EventsError(
                f"zip member inflates past {limit:,} bytes (MAX_ZIP_RATIO {MAX_ZIP_RATIO}x its compressed size, at "
                f"most MAX_EVENT_FILE_BYTES); refusing a possible zip bomb",
                file=name,
            )
        dst.write(chunk)


@contextlib.contextmanager
def readable(path: Path) -> Iterator[tuple[Path, str | None]]:
    """Yield a plain-text path for ``path``: itself, or its zip member extracted to a temporary file.

    DuckDB reads gzip/zstd but not zip, so GDELT's ``.CSV.zip`` is decompressed by streaming (no row parsing).
    A truncated or corrupt zip raises :class:`EventsError` naming the file, and so does a member whose declared or
    actual inflated size passes :data:`MAX_ZIP_RATIO` times its compressed size or :data:`MAX_EVENT_FILE_BYTES`
    (checked while streaming too: a zip's declared sizes can lie).
    """
    check_regular(path)
    if path.suffix.lower() != ".zip":
        yield path, None
        return
    clean_unzip_leftovers()
    tmpdir = Path(tempfile.mkdtemp(prefix=f"{UNZIP_PREFIX}{os.getpid()}-"))
    try:
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise EventsError(f"zip holds {len(members)} files; expected one event file", file=str(path))
                member = members[0]
                limit = min(MAX_EVENT_FILE_BYTES, max(member.compress_size, 1 << 16) * MAX_ZIP_RATIO)
                if member.file_size > limit:
                    raise EventsError(
                        f"zip member {member.filename!r} declares {member.file_size:,} bytes inflated from "
                        f"{member.compress_size:,} (over MAX_ZIP_RATIO {MAX_ZIP_RATIO}x or MAX_EVENT_FILE_BYTES); "
                        "refusing a possible zip bomb",
                        file=str(path),
                    )
                target = tmpdir / Path(member.filename).name
                with zf.open(member) as src, open(target, "wb") as dst:
                    _copy_bounded(src, dst, limit, str(path))
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError) as exc:
            raise EventsError(f"truncated or corrupt zip: {exc}", file=str(path)) from None
        yield target, member.filename
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
