"""Decide (Stokman exchange model) input: one record per row, ``#A/#P/#M/#D``.

Rows are tab-separated with single-quoted text in the current files (``'#A'<TAB>'USA'<TAB>'USA'<TAB>''``);
the older files use ``;`` or tabs without quotes. The delimiter is taken from the first record row (tab, then
``;``, then ``,``), as Decide's own reader sniffs it. Records (``decide/docs/inputfiles.md``):

- ``#A key name comment``: an actor. The key becomes the id (as an id, see ``_common.slugify``), the name
  ``name``, the comment ``description``. A key defined twice is a problem.
- ``#P key name comment``: an issue, likewise.
- ``#M issue value description``: a point of the issue's scale. The scale runs from the smallest to the
  largest ``#M`` value of the issue (0–100 when it has none, as in Decide); points with a description become
  the scale's anchors.
- ``#D actor issue position salience power [comment]``: a stance; salience and power in [0, 1] (so the
  scenario's ``salience_scale`` is 1) and the position on the issue's interval, all checked here with the
  line. The comment becomes the stance's rationale. Unknown actor or issue keys are problems.
- ``#O text``: the scenario's title. ``#/`` (and ``#0``) rows are comments; their text is kept in
  ``metadata["decide"]["comments"]`` and written back. Any other first field is a problem, as in Decide.

Extra fields at the end of a row are joined into its last text field, as Decide does; missing fields are a
problem. Blank rows (only delimiters) are skipped.

**Power and capability.** Decide gives power per actor *and issue*; a scenario has one capability per actor.
When an actor's power is the same on all its ``#D`` rows (every real file so far), that power is the
capability. When it differs, the capability is the mean of its powers, the actor's rationale says so, and
the per-issue powers are kept in ``metadata["decide"]["power"]`` (actor id -> issue id -> power), which
export writes back, so the round trip is exact. An actor without ``#D`` rows has no power in Decide:
capability 0.

**Export** writes the quoted, tab-separated style. Powers are capabilities (or the kept per-issue powers);
if any exceeds 1 all are divided by the largest, and saliences by the ``salience_scale``, because Decide
needs both in [0, 1] (a ``#/`` comment says so). Each issue's scale is written as ``#M`` rows (its anchors,
plus its ends), so it reads back the same. Ranges on numbers are not part of the format: point values only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Scenario
from ..problems import LineMap, Loc
from . import ScenarioFormat
from ._common import Collector, csv_rows, new_lines, scenario_id, unique_ids

NAME = "decide"
COMMENT_TAGS = ("#/", "#0")
TAGS = ("#A", "#P", "#M", "#D", "#O", *COMMENT_TAGS)
_RECORD = re.compile(r"^'?#[APMDO/0]'?\s*([\t;,])")
_SNIFF = re.compile(r"^'?#A'?\s*[\t;,]", re.MULTILINE)


@dataclass
class Row:
    line: int
    tag: str
    fields: list[str]


def _delimiter(text: str) -> str:
    for raw in text.split("\n"):
        match = _RECORD.match(raw.strip(" "))
        if match:
            return match.group(1)
    return "\t"


def _rows(text: str, name: str) -> list[Row]:
    rows = csv_rows(text, name, delimiter=_delimiter(text), quotechar="'")
    return [Row(line, cells[0], cells[1:]) for line, cells in rows]


def _squash(fields: list[str], n: int) -> list[str]:
    """Decide joins what follows the last field into it (a comment with the delimiter in it)."""
    return fields if len(fields) <= n else [*fields[: n - 1], " ".join(fields[n - 1 :])]


class _Reader:
    def __init__(self, name: str):
        self.found = Collector(name)
        self.lines: dict[Loc, int] = {}

    def needs(self, row: Row, what: tuple[str, ...], loc: Loc) -> bool:
        if len(row.fields) < len(what):
            self.found.add(
                row.line, loc, f"{row.tag} needs {', '.join(what)}; found {len(row.fields)} field(s) after {row.tag}"
            )
            return False
        return True

    def keyed(self, rows: list[Row], kind: str, prefix: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Actors (#A) or issues (#P): key -> id, duplicates reported with both lines."""
        first: dict[str, int] = {}
        kept: list[Row] = []
        for row in rows:
            if not self.needs(row, ("key",), (kind, len(kept))):
                continue
            key = row.fields[0]
            if key in first:
                self.found.add(
                    row.line,
                    (kind, len(kept), "id"),
                    f"{row.tag} key {key!r} is defined twice (first on line {first[key]})",
                )
                continue
            first[key] = row.line
            kept.append(row)
        ids = unique_ids([r.fields[0] for r in kept], prefix)
        items = []
        for index, (row, ident) in enumerate(zip(kept, ids, strict=True)):
            fields = _squash(row.fields, 3)
            self.lines[(kind, index)] = row.line
            items.append(
                {
                    "id": ident,
                    "name": fields[1] if len(fields) > 1 and fields[1] else fields[0],
                    "description": fields[2] if len(fields) > 2 else "",
                }
            )
        return items, {r.fields[0]: ident for r, ident in zip(kept, ids, strict=True)}

    def read(self, text: str, name: str) -> dict[str, Any]:
        found = self.found
        rows = _rows(text, name)
        by_tag: dict[str, list[Row]] = {tag: [] for tag in TAGS}
        title: str | None = None
        comments: list[str] = []
        for row in rows:
            if row.tag not in TAGS:
                found.add(
                    row.line, (), f"unknown record type {row.tag!r}: a Decide row starts with #A, #P, #M, #D, #O or #/"
                )
            elif row.tag == "#O":
                title = title or " ".join(row.fields)
                self.lines.setdefault(("title",), row.line)
            elif row.tag in COMMENT_TAGS:
                comments.append(" ".join(row.fields))
            else:
                by_tag[row.tag].append(row)
        actors, actor_ids = self.keyed(by_tag["#A"], "actors", "actor")
        issues, issue_ids = self.keyed(by_tag["#P"], "issues", "issue")
        if not actors:
            found.add(rows[0].line if rows else 1, ("actors",), "no #A rows: a Decide file defines its actors with #A")
        if not issues:
            found.add(rows[0].line if rows else 1, ("issues",), "no #P rows: a Decide file defines its issues with #P")
        self.scales(by_tag["#M"], issues, issue_ids)
        stances, powers = self.stances(by_tag["#D"], actor_ids, issue_ids, issues)
        meta = self.capabilities(actors, powers)
        found.raise_if_any()
        if comments:
            meta["comments"] = comments
        data: dict[str, Any] = {
            "id": scenario_id(name),
            "title": title or Path(name).stem,
            "origin": NAME,
            "salience_scale": 1.0,
            "actors": actors,
            "issues": issues,
            "stances": stances,
        }
        if meta:
            data["metadata"] = {"decide": meta}
        if rows:
            self.lines[()] = rows[0].line
        return data

    def scales(self, rows: list[Row], issues: list[dict[str, Any]], issue_ids: dict[str, str]) -> None:
        index = {item["id"]: i for i, item in enumerate(issues)}
        points: dict[str, list[tuple[float, str, int]]] = {}
        for row in rows:
            if not self.needs(row, ("issue", "value"), ("issues",)):
                continue
            fields = _squash(row.fields, 3)
            if fields[0] not in issue_ids:
                self.found.add(row.line, ("issues",), f"#M names issue {fields[0]!r}, which no #P row defines")
                continue
            ident = issue_ids[fields[0]]
            i = index[ident]
            value = self.found.number(fields[1], row.line, ("issues", i, "scale"), "the #M value")
            if value is None:
                continue
            earlier = next((ln for v, _, ln in points.get(ident, []) if v == value), None)
            if earlier is not None:
                self.found.add(
                    row.line,
                    ("issues", i, "scale"),
                    f"#M point {value:g} of {fields[0]!r} is given twice (also line {earlier})",
                )
                continue
            points.setdefault(ident, []).append((value, fields[2] if len(fields) > 2 else "", row.line))
        for ident, pts in points.items():
            i = index[ident]
            self.lines[("issues", i, "scale")] = pts[0][2]
            anchors = []
            for j, (value, label, line) in enumerate(p for p in pts if p[1]):
                self.lines[("issues", i, "scale", "anchors", j)] = line
                anchors.append({"value": value, "label": label})
            values = [p[0] for p in pts]
            issues[i]["scale"] = {"low": min(values), "high": max(values), "anchors": anchors}
        for issue in issues:
            issue.setdefault("scale", {"low": 0.0, "high": 100.0})

    def stances(
        self, rows: list[Row], actor_ids: dict[str, str], issue_ids: dict[str, str], issues: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
        scales = {item["id"]: item["scale"] for item in issues}
        stances: list[dict[str, Any]] = []
        powers: dict[str, dict[str, float]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            k = len(stances)
            loc: Loc = ("stances", k)
            if not self.needs(row, ("actor", "issue", "position", "salience", "power"), loc):
                continue
            fields = _squash(row.fields, 6)
            actor, issue = actor_ids.get(fields[0]), issue_ids.get(fields[1])
            if actor is None:
                self.found.add(row.line, (*loc, "actor"), f"#D names actor {fields[0]!r}, which no #A row defines")
            if issue is None:
                self.found.add(row.line, (*loc, "issue"), f"#D names issue {fields[1]!r}, which no #P row defines")
            pos = self.found.number(fields[2], row.line, (*loc, "position"), "position")
            sal = self.found.number(fields[3], row.line, (*loc, "salience"), "salience")
            power = self.found.number(fields[4], row.line, (*loc, "power"), "power")
            for value, what in ((sal, "salience"), (power, "power")):
                if value is not None and not 0.0 <= value <= 1.0:
                    self.found.add(row.line, (*loc, what), f"{what} {value:g} is outside [0, 1]")
            if issue is not None and pos is not None:
                low, high = scales[issue]["low"], scales[issue]["high"]
                if not low <= pos <= high:
                    self.found.add(
                        row.line,
                        (*loc, "position"),
                        f"position {pos:g} is outside the issue's interval [{low:g}, {high:g}]",
                    )
            if actor is None or issue is None or pos is None or sal is None or power is None:
                continue
            if (actor, issue) in seen:
                self.found.add(
                    row.line,
                    loc,
                    f"a second #D row for {fields[0]!r} on {fields[1]!r} (first on line {seen[actor, issue]})",
                )
                continue
            seen[actor, issue] = row.line
            stance: dict[str, Any] = {"actor": actor, "issue": issue, "position": pos, "salience": sal}
            if len(fields) > 5 and fields[5]:
                stance["rationale"] = fields[5]
            stances.append(stance)
            self.lines[loc] = row.line
            powers.setdefault(actor, {})[issue] = power
        return stances, powers

    def capabilities(self, actors: list[dict[str, Any]], powers: dict[str, dict[str, float]]) -> dict[str, Any]:
        varying: dict[str, dict[str, float]] = {}
        for index, actor in enumerate(actors):
            per_issue = powers.get(actor["id"], {})
            values = list(per_issue.values())
            self.lines.setdefault(("actors", index, "capability"), self.lines.get(("actors", index), 1))
            if not values:
                actor["capability"] = 0.0
                actor["rationale"] = "no #D rows: Decide gives power only per actor and issue"
            elif len(set(values)) == 1:
                actor["capability"] = values[0]
            else:
                actor["capability"] = sum(values) / len(values)
                actor["rationale"] = (
                    f"Decide power differs by issue ({min(values):g} to {max(values):g}); capability is the mean,"
                    " per-issue powers are in metadata.decide.power"
                )
                varying[actor["id"]] = per_issue
        return {"power": varying} if varying else {}


def _read(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    reader = _Reader(name)
    data = reader.read(text, name)
    return data, new_lines(reader.lines)


def _write(scenario: Scenario) -> str:
    meta = scenario.metadata.get("decide", {})
    meta = meta if isinstance(meta, dict) else {}
    kept = meta.get("power", {})
    kept = kept if isinstance(kept, dict) else {}

    def power(actor_id: str, issue_id: str, capability: float) -> float:
        per_issue = kept.get(actor_id)
        if isinstance(per_issue, dict) and isinstance(per_issue.get(issue_id), int | float):
            return float(per_issue[issue_id])
        return capability

    capability = {a.id: a.capability.value for a in scenario.actors}
    all_powers = [power(s.actor, s.issue, capability[s.actor]) for s in scenario.stances] + list(capability.values())
    factor = max([1.0, *all_powers])
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(["#O", scenario.title])
    for comment in meta.get("comments", []) if isinstance(meta.get("comments"), list) else []:
        writer.writerow(["#/", str(comment)])
    if factor > 1.0:
        writer.writerow(["#/", f"powers are capabilities divided by the largest, {factor:g}"])
    if scenario.salience_scale != 1.0:
        writer.writerow(["#/", f"saliences are divided by the scenario's salience scale, {scenario.salience_scale:g}"])
    for actor in scenario.actors:
        writer.writerow(["#A", actor.id, actor.name, actor.description])
    for issue in scenario.issues:
        writer.writerow(["#P", issue.id, issue.name, issue.description])
        scale = issue.scale
        anchored = {a.value for a in scale.anchors}
        if scale.low not in anchored:
            writer.writerow(["#M", issue.id, float(scale.low)])
        for anchor in scale.anchors:
            writer.writerow(["#M", issue.id, float(anchor.value), anchor.label])
        if scale.high not in anchored:
            writer.writerow(["#M", issue.id, float(scale.high)])
    for s in scenario.stances:
        row: list[Any] = [
            "#D",
            s.actor,
            s.issue,
            float(s.position.value),
            float(s.salience.value) / scenario.salience_scale,
            power(s.actor, s.issue, capability[s.actor]) / factor,
        ]
        if s.rationale:
            row.append(s.rationale)
        writer.writerow(row)
    return out.getvalue()


def _sniff(text: str) -> bool:
    return bool(_SNIFF.search(text[:65536]))


FORMAT = ScenarioFormat(
    name=NAME,
    description="Decide exchange-model input (#A/#P/#M/#D rows)",
    suffixes=(".csv",),
    sniff=_sniff,
    read=_read,
    write=_write,
)
