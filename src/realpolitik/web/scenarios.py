"""Scenarios the web app can serve: the built-in ones plus validated uploads kept in the data folder.

Why uploads are stored under the scenario's own id (never the client's file name): the id is validated by the
scenario schema (letters, digits, ``_``, ``-``), so no request can name a path outside the folder; the file
keeps only a known format suffix so that format detection works as it does on the command line.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from ..provenance import atomic_write_bytes, clean_leftovers
from ..scenario import LoadedScenario, ScenarioError, builtin_names, load
from ..scenario.formats import all_formats
from ..scenario.load import load_bytes
from ..scenario.model import Scenario
from ..scenario.problems import Problem
from ..workflows.editor import write_version
from ..workflows.errors import RequestError

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$")


def allowed_suffixes() -> set[str]:
    return {suffix for fmt in all_formats().values() for suffix in fmt.suffixes}


def safe_suffix(filename: str | None) -> str:
    """The upload's suffix if it names a known format, else '' (the content is then sniffed)."""
    suffix = Path(filename or "").suffix.lower()
    return suffix if suffix in allowed_suffixes() else ""


def shown_name(filename: str | None) -> str:
    """The upload's file name as problems show it: its last part, at most 100 characters, printable."""
    name = Path(filename or "upload").name or "upload"
    name = "".join(c if c.isprintable() else "?" for c in name)[:100]
    return name.encode("utf-8", "replace").decode("utf-8")


def parse_upload(data: bytes, filename: str | None, *, format: str | None = None) -> LoadedScenario:
    """Validate uploaded bytes as a scenario, with the bounds of a file on the command line (size, YAML aliases,
    finite numbers, clean text); problems name the client's file name. Nothing is written to disk."""
    suffix = safe_suffix(filename)
    shown = shown_name(filename)
    try:
        loaded = load_bytes(data, f"upload{suffix}", format=format)
    except ScenarioError as exc:
        raise ScenarioError([Problem(shown, p.line, p.loc, p.message) for p in exc.problems]) from None
    return LoadedScenario(loaded.scenario, shown, loaded.format, loaded.sha256)


class ScenarioStore:
    """Built-in scenarios (read-only), uploads and versions saved by the editor (``DATA/scenarios/ID.SUFFIX``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        clean_leftovers(self.folder)  # temporary files of uploads a killed server was writing
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

    def stored_file(self, scenario_id: str) -> str | None:
        """The stored file's name (``ID.yaml``) of an upload or saved version; None for a built-in."""
        if scenario_id in builtin_names():
            return None
        path = self._upload_path(scenario_id)
        return path.name if path is not None else None

    def save_version(self, scenario_id: str, text: str, *, overwrite: bool = False) -> LoadedScenario:
        """Store a version saved by the editor as ``ID.yaml``, atomically; an existing upload or version is replaced
        only with ``overwrite``, a built-in never (``RequestError``)."""
        if not ID_RE.match(scenario_id):
            raise RequestError(f"{scenario_id!r} is not a scenario id", parameter="id")
        if scenario_id in builtin_names():
            raise RequestError(f"{scenario_id} is a built-in scenario; save under another id", parameter="id")
        target = self.folder / f"{scenario_id}.yaml"
        with self._lock:
            existing = self._upload_path(scenario_id)
            if existing is not None and not overwrite:
                raise RequestError(f"{scenario_id} exists; confirm to replace it", parameter="overwrite")
            write_version(target, text, overwrite=True)
            for old in self.folder.glob(f"{scenario_id}.*"):
                if old.stem == scenario_id and old != target and old.suffix in allowed_suffixes():
                    old.unlink(missing_ok=True)
            self._cache.pop(scenario_id, None)
        stored = self.get(scenario_id)
        assert stored is not None
        return stored

    def scenarios(self) -> dict[str, Scenario]:
        """Every scenario that loads, by the id it is served under (those that do not are left out)."""
        out = {}
        for sid, _ in self.ids():
            try:
                loaded = self.get(sid)
            except ScenarioError:
                continue
            if loaded is not None:
                out[sid] = loaded.scenario
        return out
