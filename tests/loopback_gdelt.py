"""A loopback GDELT 2.0 server for tests: real rows repackaged as GDELT's native 15-minute export files.

What it implements, and from where (see docs/events-gdelt.md for the addresses):

* ``masterfilelist.txt``: one line per file, ``SIZE MD5 URL`` separated by spaces, the URL absolute under
  ``http://data.gdeltproject.org/gdeltv2/`` (GDELT's master list as published; the format is the one the package's
  masterlist reader checks). The listed URLs keep GDELT's host, as GDELT writes them; the fetcher downloads from
  ``--base-url`` + the file name.
* ``YYYYMMDDHHMMSS.export.CSV.zip``: a zip holding one member ``YYYYMMDDHHMMSS.export.CSV`` with the 61 GDELT 2.0
  event fields per line, tab-separated, no header (GDELT Event Codebook V2.0). The timestamp is the 15-minute
  update batch, which is each row's DATEADDED. **Unverified**: the zip member's name and its timestamp inside
  the zip are taken from copies of GDELT files seen second-hand, not from GDELT's documentation; the fetcher
  depends on neither (ingest accepts any single member).

The shared reference files ``gdelt/2020111[345].csv`` are GDELT rows whose copier renamed the columns, added a
leading index column and a trailing ``Confidence``; fields 1..61 of each row are GDELT's 61 fields in order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

GDELT_URL = "http://data.gdeltproject.org/gdeltv2/"
SHARED_FILES = ("20201113.csv", "20201114.csv", "20201115.csv")


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    rows: int

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()

    def list_line(self, md5: str | None = None) -> str:
        return f"{len(self.data)} {md5 or self.md5} {GDELT_URL}{self.name}"


def zip_export(slot: str, lines: list[str]) -> bytes:
    """One export file as GDELT publishes it: a zip with a single tab-separated member (fixed zip timestamps, so
    the bytes, and their MD5, are the same on every run)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{slot}.export.CSV", date_time=(int(slot[:4]), int(slot[4:6]), int(slot[6:8]), 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, "".join(line + "\n" for line in lines))
    return buf.getvalue()


def export_files(gdelt_dir: Path) -> list[ExportFile]:
    """The shared rows grouped by their DATEADDED slot, each group a native export zip, sorted by name."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in SHARED_FILES:
        with open(gdelt_dir / name, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            assert len(header) == 63 and header[60] == "Date_Added", header[58:]
            for row in reader:
                fields = row[1:62]  # drop the copier's index column and trailing Confidence
                assert not any("\t" in f or "\n" in f for f in fields)
                groups[fields[59]].append("\t".join(fields))
    return [
        ExportFile(f"{slot}.export.CSV.zip", zip_export(slot, lines), len(lines))
        for slot, lines in sorted(groups.items())
    ]


def master_list(
    files: list[ExportFile], *, wrong_md5: frozenset[str] = frozenset(), extra: tuple[str, ...] = ()
) -> str:
    """``masterfilelist.txt`` for ``files``; names in ``wrong_md5`` are listed with a wrong MD5."""
    lines = [f.list_line("0" * 32 if f.name in wrong_md5 else None) for f in files]
    return "\n".join([*lines, *extra]) + "\n"
