"""Update: draft the next version of a scenario from the evidence, for the analyst to review with ``diff``.

The draft changes exactly this: the status quo of each issue with an indicator that has an observed level is set
to that level, its band as the range, the evidence as rationale and source; ``as_of`` moves to the new date;
``supersedes`` names the old version (its id, its file relative to the draft, its sha256); one bibliography entry
records the evidence (the workspace's file and sha256, or the CSV files'); ``schema_version`` becomes 2. Nothing
else changes. Where an issue has several indicators with a level, the draft takes the mean of their levels and a
range from the lowest low to the highest high, and the rationale gives each.

The draft is validated (written, read back and checked like any file) before it is written, atomically, and an
existing file is never replaced unless ``force`` says so.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..provenance import atomic_write_text
from ..scenario import LoadedScenario, dump
from ..scenario.indicators import Supersedes
from ..scenario.model import Estimate, Scenario, Source
from ..scenario.validate import build_scenario
from ..scenario.yamlio import parse_document
from .errors import RequestError
from .indicators import Reading, file_sha256, read_indicators


@dataclass(frozen=True)
class UpdateRequest:
    scenario: LoadedScenario
    as_of: dt.date
    out: Path
    workspace: Path | None = None
    actors_file: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class IssueUpdate:
    issue: str
    old: Estimate | None
    new: Estimate
    readings: tuple[Reading, ...]

    def sentence(self) -> str:
        from .text import estimate

        return f"{self.issue}: status quo {estimate(self.old)} → {estimate(self.new)}"


@dataclass(frozen=True)
class UpdateResult:
    request: UpdateRequest
    scenario: Scenario
    text: str
    updates: tuple[IssueUpdate, ...]
    readings: tuple[Reading, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.request.out),
            "as_of": self.request.as_of.isoformat(),
            "updates": [
                {
                    "issue": u.issue,
                    "old": None if u.old is None else u.old.model_dump(mode="json"),
                    "new": u.new.model_dump(mode="json"),
                    "indicators": [r.indicator.id for r in u.readings],
                }
                for u in self.updates
            ],
            "readings": [r.to_json_dict() for r in self.readings],
            "notes": list(self.notes),
        }


def _source_id(scenario: Scenario, as_of: dt.date) -> str:
    taken = {b.id for b in scenario.bibliography}
    base = f"evidence_{as_of:%Y_%m_%d}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    return ident


def _evidence_source(ident: str, request: UpdateRequest, readings: list[Reading]) -> Source:
    parts, notes = [], []
    if request.workspace is not None and any(r.kind == "events" for r in readings):
        ws = Path(request.workspace)
        parts.append(f"event workspace {ws.name}")
        notes.append(f"workspace {ws} sha256 {file_sha256(ws)}")
    for r in readings:
        if r.kind == "csv" and r.file:
            parts.append(f"CSV series {r.file}")
            notes.append(f"{r.file} sha256 {r.sha256}")
    title = f"Evidence read by realpolitik update for {request.as_of}: " + ", ".join(dict.fromkeys(parts))
    note = "; ".join(dict.fromkeys(notes)) + ". Synthetic or real as the data are; see the files named here."
    return Source(id=ident, title=title, date=request.as_of.isoformat(), note=note)


def _combined(
    issue_sq: Estimate | None, readings: list[Reading], source_id: str, scale: tuple[float, float]
) -> Estimate:
    levels = [r.level for r in readings if r.level is not None]
    value = sum(lv[0] for lv in levels) / len(levels)
    low, high = min(lv[1] for lv in levels), max(lv[2] for lv in levels)
    how = " ".join(r.describe() for r in readings)
    if len(levels) > 1:
        how += f" The mean of the {len(levels)} levels, with a range from the lowest low to the highest high."
    rationale = f"Observed level as of {readings[0].as_of}, drafted by realpolitik update from the evidence: {how}"
    sources = list(dict.fromkeys([source_id, *(s for r in readings for s in r.indicator.sources)]))
    dist = issue_sq.dist if issue_sq is not None else "triangular"
    value, low, high = (_rounded(x, scale) for x in (value, low, high))
    return Estimate(value=value, low=low, high=high, dist=dist, rationale=rationale, sources=sources)


def _rounded(x: float, scale: tuple[float, float]) -> float:
    """``x`` to a thousandth of the scale's width (one decimal on 0–100), kept on the scale."""
    digits = max(0, 3 - math.floor(math.log10(scale[1] - scale[0])))
    return min(max(round(x, digits), scale[0]), scale[1])


def _supersedes(loaded: LoadedScenario, out: Path) -> Supersedes:
    old = Path(loaded.source)
    if not old.is_file():  # a built-in: its name is its id
        return Supersedes(id=loaded.source.removesuffix(".yaml"), sha256=loaded.sha256)
    rel = os.path.relpath(old.resolve(), out.resolve().parent)
    return Supersedes(id=loaded.scenario.id, file=Path(rel).as_posix(), sha256=loaded.sha256)


def _csv_paths(s: Scenario, loaded: LoadedScenario, out: Path) -> Scenario:
    """CSV paths relative to the draft's folder (they are relative to the scenario file)."""
    old = Path(loaded.source)
    if not old.is_file() or old.resolve().parent == out.resolve().parent:
        return s
    moved = []
    for ind in s.indicators:
        if ind.csv is not None and not Path(ind.csv).is_absolute():
            rel = os.path.relpath(old.resolve().parent / ind.csv, out.resolve().parent)
            ind = ind.model_copy(update={"csv": Path(rel).as_posix()})
        moved.append(ind)
    return s.model_copy(update={"indicators": moved})


def draft(request: UpdateRequest) -> UpdateResult:
    """The next version as a scenario and its YAML text (nothing written)."""
    loaded = request.scenario
    s = loaded.scenario
    if not s.indicators:
        raise RequestError(f"{loaded.source}: the scenario has no indicators, so there is nothing to update")
    if s.as_of is not None and request.as_of < s.as_of:
        raise RequestError(f"--as-of {request.as_of} is before the scenario's as_of {s.as_of}", parameter="as_of")
    readings = read_indicators(
        s, request.as_of, source=loaded.source, workspace=request.workspace, actors_file=request.actors_file
    )
    observed = [r for r in readings if r.level is not None]
    source_id = _source_id(s, request.as_of)
    issues, updates, notes = [], [], []
    for issue in s.issues:
        mine = [r for r in observed if r.indicator.issue == issue.id]
        if mine:
            new = _combined(issue.status_quo, mine, source_id, (issue.scale.low, issue.scale.high))
            updates.append(IssueUpdate(issue.id, issue.status_quo, new, tuple(mine)))
            issue = issue.model_copy(update={"status_quo": new})
        issues.append(issue)
    notes += [f"not updated: {r.describe()}" for r in readings if r.level is None]
    if not updates:
        raise RequestError("no indicator has an observed level for this date: " + " ".join(notes), parameter="as_of")
    bibliography = [*s.bibliography, _evidence_source(source_id, request, observed)]
    new_s = s.model_copy(
        update={
            "schema_version": 2,
            "as_of": request.as_of,
            "supersedes": _supersedes(loaded, request.out),
            "issues": issues,
            "bibliography": bibliography,
        }
    )
    new_s = _csv_paths(new_s, loaded, request.out)
    old_name = loaded.source if Path(loaded.source).is_file() else loaded.source.removesuffix(".yaml")
    text = (
        f"# Draft of the next version of {s.id} as of {request.as_of}, made by `realpolitik update` from {old_name}.\n"
        f"# Only the status quo of issues with an observed indicator level, as_of, supersedes and one source changed.\n"
        f"# Review it with: realpolitik diff {old_name} {request.out}\n"
    ) + dump(new_s, "yaml")
    data, lines = parse_document(text, str(request.out))
    checked = build_scenario(data, lines, str(request.out))
    return UpdateResult(request, checked, text, tuple(updates), tuple(readings), tuple(notes))


def update(request: UpdateRequest) -> UpdateResult:
    """Draft the next version and write it to ``request.out`` (atomically; an existing file only with ``force``)."""
    if request.out.exists() and not request.force:
        raise RequestError(f"{request.out}: exists; pass --force to replace it", parameter="out")
    if request.out.exists() and request.out.is_dir():
        raise RequestError(f"{request.out}: is a folder", parameter="out")
    result = draft(request)
    atomic_write_text(request.out, result.text)
    return result
