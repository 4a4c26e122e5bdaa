"""Editing a scenario and keeping each version: check a document as ``realpolitik validate`` would, turn an edited
document into the next version (schema 2, ``supersedes`` naming the version it came from), and follow the
``supersedes`` links between versions.

Why a document (plain JSON data) rather than a :class:`Scenario`: an editor holds what the analyst typed, which
may not be a valid scenario yet; :func:`check_document` says what is wrong with it, field by field, in the words
of ``realpolitik validate``, because it *is* that check: the document is written out as the text of a file
(JSON, indented) and read back by :func:`~realpolitik.scenario.load.load_bytes`, the loader behind every file.

A saved version is the YAML that ``realpolitik export --to yaml`` writes, checked before it is written: read back,
it validates and writes back to the same text (:func:`new_version` refuses otherwise), so a version saved in the
dashboard loads and round-trips through load and save unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..provenance import atomic_write_text
from ..scenario import LoadedScenario, ScenarioError, dump
from ..scenario.formats.document import to_data
from ..scenario.indicators import Supersedes
from ..scenario.load import load_bytes
from ..scenario.model import Scenario
from ..scenario.problems import Problem, format_loc
from .errors import RequestError

TextFormat = Literal["yaml", "json"]
MAX_ID = 80
_VERSION = re.compile(r"^(?P<base>.+)-v(?P<n>\d{1,6})$")


@dataclass(frozen=True)
class DocumentCheck:
    """A document checked: the scenario it makes (None when it is not valid) and every problem found."""

    scenario: Scenario | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.problems

    def problem_dicts(self) -> list[dict[str, Any]]:
        """Each problem with its field path (as a list and as text), its line, its message and the full line
        ``realpolitik validate`` prints for it."""
        return [
            {"loc": list(p.loc), "path": format_loc(p.loc), "line": p.line, "message": p.message, "text": str(p)}
            for p in self.problems
        ]


def document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the plain data of its YAML file (schema 2, defaults left out): what an editor edits."""
    return to_data(scenario)


def document_text(data: Any) -> str:
    """The document as the text of a JSON file (indented), the form :func:`check_document` validates it in;
    ``ValueError`` for a number JSON cannot hold (NaN, infinity)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def check_text(text: str, fmt: TextFormat, name: str = "edited") -> DocumentCheck:
    """Check the text of a scenario file (YAML or JSON) exactly as ``realpolitik validate`` checks a file named
    ``NAME.yaml`` or ``NAME.json``."""
    try:
        loaded = load_bytes(text.encode("utf-8", "surrogatepass"), f"{name}.{fmt}", format=fmt)
    except ScenarioError as exc:
        return DocumentCheck(None, tuple(exc.problems))
    return DocumentCheck(loaded.scenario)


def check_document(data: Any, name: str = "edited") -> DocumentCheck:
    """Check a document (plain JSON data) as ``realpolitik validate NAME.json`` checks it written to a file by
    :func:`document_text`: the same problems, with the same field paths, lines and messages."""
    try:
        text = document_text(data)
    except (ValueError, TypeError, RecursionError):
        message = "numbers must be finite: NaN and infinity are not allowed"
        return DocumentCheck(None, (Problem(f"{name}.json", None, (), message),))
    return check_text(text, "json", name)


def next_version_id(base: str, taken: set[str]) -> str:
    """The first free ``ID-vN`` after ``base`` (``x-v3`` → ``x-v4``; ``x`` → ``x-v2``), at most 80 characters."""
    match = _VERSION.match(base)
    stem, n = (match.group("base"), int(match.group("n")) + 1) if match else (base, 2)
    while True:
        suffix = f"-v{n}"
        ident = stem[: MAX_ID - len(suffix)].rstrip("-_") + suffix
        if ident not in taken:
            return ident
        n += 1


def supersedes_ref(source_id: str, loaded: LoadedScenario, file: str | None) -> Supersedes:
    """What a new version names as its predecessor: the id it is served under, its file (relative to the new
    version's, when it has one) and its sha256."""
    return Supersedes(id=source_id, file=file, sha256=loaded.sha256)


@dataclass(frozen=True)
class NewVersion:
    scenario: Scenario
    text: str


def new_version(checked: Scenario, new_id: str, supersedes: Supersedes | None) -> NewVersion:
    """The next version of a checked scenario: ``new_id`` as its id, schema 2, ``supersedes`` set (None: none);
    its YAML text is read back and must validate and write back to the same text (``RequestError`` otherwise)."""
    s = checked.model_copy(update={"id": new_id, "schema_version": 2, "supersedes": supersedes})
    text = dump(s, "yaml")
    try:
        again = load_bytes(text.encode("utf-8"), f"{new_id}.yaml", format="yaml")
    except ScenarioError as exc:
        raise RequestError("the new version does not validate: " + "; ".join(map(str, exc.problems))) from None
    if dump(again.scenario, "yaml") != text:
        raise RequestError("the new version does not read back as it was written; it was not saved")
    return NewVersion(again.scenario, text)


def write_version(target: Path, text: str, *, overwrite: bool) -> None:
    """Write a version's text atomically; an existing file only with ``overwrite`` (``RequestError`` otherwise)."""
    if target.exists() and not overwrite:
        raise RequestError(f"{target.name} exists; confirm to replace it", parameter="overwrite")
    atomic_write_text(target, text)


def lineage(versions: Mapping[str, Scenario], sid: str) -> list[str]:
    """The versions linked to ``sid`` by ``supersedes`` (its ancestors, its descendants and their other
    branches), oldest first: by the number of steps from the oldest, then by id."""
    parent: dict[str, str] = {}
    for k, s in versions.items():
        ref = s.supersedes.id if s.supersedes is not None else None
        if ref is not None and ref in versions:
            parent[k] = ref
    children: dict[str, list[str]] = {}
    for child, p in parent.items():
        children.setdefault(p, []).append(child)
    root, seen = sid, {sid}
    while root in parent and parent[root] not in seen:  # a cycle of hand-written files ends the walk
        root = parent[root]
        seen.add(root)
    order: list[tuple[int, str]] = []
    todo, found = [(0, root)], {root}
    while todo:
        depth, k = todo.pop()
        order.append((depth, k))
        for c in children.get(k, []):
            if c not in found:
                found.add(c)
                todo.append((depth + 1, c))
    if sid not in found:
        order.append((0, sid))
    return [k for _, k in sorted(order)]
