"""``realpolitik events fetch SOURCE``: download event data from its publisher, verify it, and ingest it.

Each source lives in its own module (``gdelt``, ``acled``, ``ucdp``, ``polecat``) exposing
``fetch(request, progress) -> FetchResult``; this package maps source names to modules and imports a module only
when it is used, so a source's dependencies never slow the others down. What they share:
:mod:`.request` (the request, the account, the deadline), :mod:`.http` (requests with retries, verified downloads),
:mod:`.credentials` and :mod:`.bookkeeping` (``fetch_state``, loading files into the workspace).
"""

from __future__ import annotations

import importlib

from .request import MAX_PARALLEL, AccountRow, Deadline, FetchError, FetchRequest, FetchResult, Progress

__all__ = [
    "MAX_PARALLEL",
    "SOURCES",
    "AccountRow",
    "Deadline",
    "FetchError",
    "FetchRequest",
    "FetchResult",
    "Progress",
    "run_fetch",
]

SOURCES = {"gdelt": "gdelt", "acled": "acled", "ucdp-ged": "ucdp", "ucdp-candidate": "ucdp", "polecat": "polecat"}
"""Source name (as typed on the command line) -> module under :mod:`realpolitik.events.fetch`."""


def check_request(request: FetchRequest) -> None:
    """Checks every source shares; a problem is a :class:`FetchError` naming the parameter (exit status 2)."""
    if request.source not in SOURCES:
        raise FetchError(f"unknown source {request.source!r} (known: {', '.join(SOURCES)})", file="SOURCE")
    if request.start > request.end:
        raise FetchError(f"{request.start} is after --to {request.end}", file="--from")
    if not 1 <= request.parallel <= MAX_PARALLEL:
        raise FetchError(f"must be 1..{MAX_PARALLEL}, got {request.parallel}", file="--parallel")
    if not request.timeout_s > 0:
        raise FetchError(f"must be positive seconds, got {request.timeout_s:g}", file="--timeout")


def run_fetch(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    """Fetch ``request.source`` into ``request.workspace`` (or only plan it, with ``dry_run``).

    Raises :class:`FetchError` for bad input (exit status 2) or a source that cannot be reached at all
    (``exit_status`` 1); units that fail one by one are rows with status ``failed`` in the result instead."""
    check_request(request)
    name = SOURCES[request.source]
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise FetchError(f"source {request.source!r} is not available in this version", file="SOURCE") from None
    result: FetchResult = module.fetch(request, progress)
    return result
