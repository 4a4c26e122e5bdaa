"""What a fetch is asked for and what it reports: :class:`FetchRequest`, the per-unit :class:`AccountRow` and
:class:`FetchResult`, the :class:`Deadline` of ``--timeout``, :class:`FetchError`, and where a fetch reads from
(``--base-url``) and caches to.

Why a module of its own: these are the words every source, the command line and the tests share, and none of them
needs ``httpx``, so ``realpolitik.events.fetch`` can be imported (for ``run_fetch``, its types, ``--help``) without
loading the HTTP stack.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import EventsError

MAX_PARALLEL = 16
"""Upper bound on ``--parallel``: more concurrent downloads than this only invites 429s from public servers."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called after each unit with the number of units finished so far."""


class FetchError(EventsError):
    """A fetch problem, printed as one line: ``file`` is the URL (secrets removed) or the parameter name.

    ``exit_status`` is 2 for bad input (an option, a credentials file) and 1 for a source that could not be
    reached or answered wrongly (the input was fine; a rerun may succeed)."""

    def __init__(self, message: str, *, file: str | None = None, exit_status: int = 2) -> None:
        super().__init__(message, file=file)
        self.exit_status = exit_status


@dataclass(frozen=True)
class FetchRequest:
    """What to fetch. Dates are inclusive days (UTC for sources that publish timestamps)."""

    source: str
    workspace: Path
    start: dt.date
    end: dt.date
    base_url: str | None = None
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    mentions: bool = False
    dry_run: bool = False
    cache_dir: Path | None = None
    parallel: int = 4
    timeout_s: float = 3600.0
    credentials: Path | None = None


@dataclass
class AccountRow:
    """One fetched unit (a file, a page, a window): what was downloaded and what became of its rows.

    ``status``: ``loaded`` (ingested now), ``skipped`` (loaded by an earlier fetch), ``planned`` (``--dry-run``),
    ``failed`` (``message`` says why; nothing of it was loaded)."""

    unit: str
    status: str
    bytes: int = 0
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    updated: int = 0
    deleted: int = 0
    message: str = ""


ACCOUNT_NUMBERS = ("bytes", "rows", "loaded", "duplicates", "rejected", "updated", "deleted")


@dataclass
class FetchResult:
    """The accounting of one fetch: a row per unit, in the order the units were listed."""

    source: str
    rows: list[AccountRow]
    dry_run: bool
    notes: list[str] = field(default_factory=list)

    def totals(self) -> AccountRow:
        total = AccountRow("total", self.summary())
        for name in ACCOUNT_NUMBERS:
            setattr(total, name, sum(getattr(r, name) for r in self.rows))
        return total

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing"

    @property
    def failed(self) -> list[AccountRow]:
        return [r for r in self.rows if r.status == "failed"]

    @property
    def exit_status(self) -> int:
        """0 when every unit was loaded, skipped or planned; 1 when any failed."""
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "units": [{f.name: getattr(r, f.name) for f in fields(AccountRow)} for r in self.rows],
            "totals": {f.name: getattr(self.totals(), f.name) for f in fields(AccountRow)},
            "notes": list(self.notes),
        }


class Deadline:
    """The overall time limit of a fetch (``--timeout``): every request and retry wait is bounded by it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        return self.remaining() <= 0.0

    def check(self, what: str) -> None:
        if self.passed():
            raise FetchError(f"the fetch deadline ({self.seconds:g} s, --timeout) passed", file=what, exit_status=1)


# --- where a fetch reads from and caches to -------------------------------------------------------------------------


def xdg_dir(var: str, fallback: str) -> Path:
    """The XDG base folder ``$var`` when it is set to an absolute path, else ``~/fallback``."""
    value = os.environ.get(var, "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def default_cache_dir(source: str) -> Path:
    """``$XDG_CACHE_HOME/realpolitik/<source>`` (``~/.cache/realpolitik/<source>``)."""
    return xdg_dir("XDG_CACHE_HOME", ".cache") / "realpolitik" / source


def base_url(request: FetchRequest, default: str) -> str:
    """``--base-url`` (or the source's ``default``) as a folder URL ending in ``/``; anything but http(s) is refused."""
    base = request.base_url or default
    if not base.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {base!r}", file="--base-url")
    return base if base.endswith("/") else base + "/"
