"""Check local GDELT files against GDELT's ``masterfilelist.txt`` (lines ``SIZE MD5 URL``).

Why: GDELT publishes a file every 15 minutes and downloads fail silently (missing slots, truncated zips). The
master list is the only statement of what should exist, so the check reports expected files that are missing
locally and local files whose size or MD5 differ from the list. "Expected" means: entries of the same kind
(export, mentions, gkg) whose 14-digit timestamp lies between the earliest and latest local file of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EventsError
from .ingest import file_hashes
from .userfiles import MAX_MASTERLIST_BYTES, read_regular

_NAME = re.compile(r"^(\d{14})\.([a-z]+)\.", re.IGNORECASE)


@dataclass
class MasterEntry:
    size: int
    md5: str
    url: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass
class MasterReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    bad_size: list[str] = field(default_factory=list)
    bad_md5: list[str] = field(default_factory=list)
    not_listed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.bad_size or self.bad_md5)


def read_masterlist(path: Path) -> dict[str, MasterEntry]:
    """The entries of a master list file, read within :data:`~realpolitik.events.userfiles.MAX_MASTERLIST_BYTES`
    (only a regular file: ``--masterlist /dev/zero`` is refused, not read until memory runs out)."""
    data = read_regular(Path(path), limit=MAX_MASTERLIST_BYTES, what="master file list")
    return parse_masterlist(data.decode("utf-8", errors="replace"), str(path))


def parse_masterlist(text: str, name: str) -> dict[str, MasterEntry]:
    """Entries by file name from the text of a master list; a malformed line is one error naming ``name:LINE``."""
    out: dict[str, MasterEntry] = {}
    for i, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 15:
            raise EventsError("expected 'SIZE MD5 URL'", file=name, line=i)
        e = MasterEntry(int(parts[0]), parts[1].lower(), parts[2])
        out[e.name] = e
    return out


def check(masterlist: Path, files: list[Path]) -> MasterReport:
    """Compare local files with the master list (size first; MD5 only when the size matches)."""
    entries = read_masterlist(masterlist)
    rep = MasterReport()
    spans: dict[str, tuple[str, str]] = {}
    local = {p.name: p for p in files}
    for name, p in local.items():
        m = _NAME.match(name)
        if m:
            ts, kind = m.group(1), m.group(2).lower()
            lo, hi = spans.get(kind, (ts, ts))
            spans[kind] = (min(lo, ts), max(hi, ts))
        e = entries.get(name)
        if e is None:
            rep.not_listed.append(name)
            continue
        rep.checked += 1
        size = p.stat().st_size
        if size != e.size:
            rep.bad_size.append(f"{name}: {size} bytes, list says {e.size}")
            continue
        _, md5, _ = file_hashes(p)
        if md5 != e.md5:
            rep.bad_md5.append(f"{name}: md5 {md5}, list says {e.md5}")
    for name in entries:
        m = _NAME.match(name)
        if not m or name in local:
            continue
        ts, kind = m.group(1), m.group(2).lower()
        if kind in spans and spans[kind][0] <= ts <= spans[kind][1]:
            rep.missing.append(name)
    rep.missing.sort()
    return rep
