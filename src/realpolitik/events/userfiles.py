"""Small files a user hands to the event commands (actor tables, column mappings, master lists), read within bounds.

Why: these paths come from the command line, so they may be a device (``/dev/zero`` never ends), a FIFO (blocks
until someone writes), a file far larger than any real one, or a YAML alias bomb. Each is refused with one line
naming the file, before much is read: only regular files are opened for reading, their size is checked from
``fstat`` first and at most ``limit + 1`` bytes are read, and YAML goes through :mod:`realpolitik.safeyaml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .. import regularfile
from ..safeyaml import YamlRefusedError, load
from .errors import EventsError

MAX_EVENTS_YAML_BYTES = 4 * 1024 * 1024
"""Largest actor table or column mapping read, in bytes (the package's own actor table is ~20 KB)."""

MAX_MASTERLIST_BYTES = 512 * 1024 * 1024
"""Largest GDELT master file list read, in bytes. GDELT 2.0's full ``masterfilelist.txt`` (events, mentions and
GKG since 2015, three lines per 15 minutes) was about 100 MB in 2025; five times that leaves room for growth."""


def read_regular(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (:func:`realpolitik.regularfile.read_regular`);
    anything else is a one-line :class:`EventsError` naming the file."""
    try:
        return regularfile.read_regular(Path(path), limit=limit)
    except regularfile.FileRefusedError as refused:
        message = {
            "missing": f"no such {what}",
            "directory": f"is a folder, not a {what}",
            "special": f"is not a regular file (a device, FIFO or socket); give a {what}",
            "too_large": f"{refused.size:,} bytes is over the limit of {limit:,} bytes for a {what}",
            "unreadable": f"cannot read {what}: {refused.detail}",
        }[refused.reason]
        raise EventsError(message, file=str(path)) from None


def read_yaml(path: Path, *, what: str) -> Any:
    """A user's YAML file as plain data, within :data:`MAX_EVENTS_YAML_BYTES` and the YAML bounds."""
    data = read_regular(Path(path), limit=MAX_EVENTS_YAML_BYTES, what=what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EventsError("not UTF-8 text; save the file as UTF-8", file=str(path), line=line) from None
    try:
        return load(text)
    except YamlRefusedError as exc:
        raise EventsError(f"refused: {exc.message}", file=str(path), line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = int(mark.line) + 1 if mark is not None else None
        raise EventsError(f"malformed YAML: {exc.problem or exc.context}", file=str(path), line=where) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise EventsError(f"malformed YAML: {(str(exc).splitlines() or ['?'])[0]}", file=str(path)) from None
