"""Scenarios the web app can serve: the built-in ones plus validated uploads kept in the data folder.

Why uploads are stored under the scenario's own id (never the client's file name): the id is validated by the
scenario schema (letters, digits, ``_``, ``-``), so no request can name a path outside the folder; the file
keeps only a known format suffix so that format detection works as it does on the command line.
"""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

from ..provenance import atomic_write_bytes
from ..scenario import LoadedScenario, ScenarioError, builtin_names, load
from ..scenario.formats import all_formats
from ..scenario.problems import Problem

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$")


def allowed_suffixes() -> set[str]:
    return {suffix for fmt in all_formats().values() for suffix in fmt.suffixes}


def safe_suffix(filename: str | None) -> str:
    """The upload's suffix if it names a known format, else '' (the content is then sniffed)."""
    suffix = Path(filename or "").suffix.lower()
    return suffix if suffix in allowed_suffixes() else ""


def parse_upload(data: bytes, filename: str | None, *, format: str | None = None) -> LoadedScenario:
    """Validate uploaded bytes as a scenario (through a private temporary file, as the CLI would read it)."""
    suffix = safe_suffix(filename)
    with tempfile.TemporaryDirectory(prefix="realpolitik-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            loaded = load(path, format=format)
        except ScenarioError as exc:
            # problems name the temporary path; show the client's file name instead
            shown = Path(filename or "upload").name
            raise ScenarioError([Problem(shown, p.line, p.loc, p.message) for p in exc.problems]) from None
    return LoadedScenario(loaded.scenario, Path(filename or "upload").name, loaded.format, loaded.sha256)


class ScenarioStore:
    """Built-in scenarios (read-only) and uploads (``DATA/scenarios/ID.SUFFIX``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cache: dict[str, LoadedScenario] = {}

    def _upload_path(self, scenario_id: str) -> Path | None:
        if not ID_RE.match(scenario_id):
            return None
        for path in sorted(self.folder.glob(f"{scenario_id}.*")):
            if path.stem == scenario_id and path.suffix in allowed_suffixes():
                return path
        return None

    def ids(self) -> list[tuple[str, bool]]:
        """(id, built-in?) for every scenario, built-ins first."""
        uploads = sorted({p.stem for p in self.folder.iterdir() if p.is_file() and ID_RE.match(p.stem)})
        return [(n, True) for n in builtin_names()] + [(n, False) for n in uploads if n not in builtin_names()]

    def get(self, scenario_id: str) -> LoadedScenario | None:
        if not ID_RE.match(scenario_id):
            return None
        with self._lock:
            if scenario_id in self._cache:
                return self._cache[scenario_id]
        if scenario_id in builtin_names():
            loaded = load(scenario_id)
        else:
            path = self._upload_path(scenario_id)
            if path is None:
                return None
            loaded = load(path)
        with self._lock:
            self._cache[scenario_id] = loaded
        return loaded

    def add(self, data: bytes, filename: str | None, *, format: str | None = None) -> tuple[str, LoadedScenario]:
        """Validate and store an upload; returns the id it is served under (built-in names are never shadowed)."""
        loaded = parse_upload(data, filename, format=format)
        sid = loaded.scenario.id
        if sid in builtin_names():
            sid = f"{sid}-upload"[:80]
        suffix = safe_suffix(filename) or {"yaml": ".yaml", "json": ".json"}.get(loaded.format, ".yaml")
        with self._lock:
            for old in self.folder.glob(f"{sid}.*"):
                if old.stem == sid:
                    old.unlink(missing_ok=True)
            atomic_write_bytes(self.folder / f"{sid}{suffix}", data)
            self._cache.pop(sid, None)
        stored = self.get(sid)
        assert stored is not None
        return sid, stored
