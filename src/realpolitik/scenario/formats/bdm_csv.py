"""BDM CSV: one issue, one row per actor, as used by the public expected-utility (Bueno de Mesquita) codes.

The header names the columns; their order and spelling vary between codes, so columns are found by name
(case-insensitive): the actor (``Actor``, ``Stakeholder``, ``name``, ``Player``), its capability
(``Capability``, ``Capabilities``, ``Resources``, ``Power``, ``Influence``), ``Position`` and ``Salience``.
Other columns (Flexibility/Veto/Fixed of the 2009 "new model", resolve and hawk/retaliatory types of the 2011
one, ...) are kept verbatim in ``metadata["bdm_csv"]`` (``extra_columns``: their names in order; ``extra``:
actor id -> column -> value) and written back on export, so a round trip loses none of them.

Decisions, because the format declares neither scale:

- **Salience scale.** If every salience is at most 1 the file is on 0–1 (``salience_scale: 1``), otherwise on
  0–100 (``salience_scale: 100``). Values are kept exactly as written; nothing is rescaled, and a salience
  above 100 is reported as out of range.
- **Issue scale.** The smallest of the standard scales [0, 1], [0, 10], [0, 100] that holds every position
  (the EC emissions case, positions 1–10, gets [0, 10]; the 1914 crisis, 0–1, gets [0, 1]); if none does,
  [min(0, lowest position), highest position]. The rule is deterministic, so writing the scenario and
  reading it back gives the same scale; the issue's rationale says which rule applied.
- **Ids.** Actor ids are the names as ids (see ``_common.slugify``); two actors with the same name (the
  litigation case has three "Attorney" rows, which are different people) get ``-2``, ``-3`` suffixes, because
  in BDM CSV the name is a label, not a key. The name as written stays in ``name``.
- **Malformed input.** A header naming a column twice (``mugabe-full.csv`` names Position twice), a row with
  the wrong number of fields or a cell that is not a number is a problem on its line; trailing empty fields
  (a trailing comma) are ignored.

Export writes ``Actor,Capability,Position,Salience`` (plus the kept extra columns) with point values; it needs
exactly one issue and a stance of every actor on it. Ranges, rationales, the issue's scale and anchors have
no place in the format and are not written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..model import Scenario
from ..problems import LineMap, ScenarioError
from . import ScenarioFormat
from ._common import (
    Collector,
    csv_rows,
    export_error,
    fmt_number,
    new_lines,
    parse_number,
    scenario_id,
    stance_table,
    unique_ids,
)

NAME = "bdm-csv"
ROLES: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder", "name", "player"),
    "capability": ("capability", "capabilities", "resources", "power", "influence"),
    "position": ("position",),
    "salience": ("salience",),
}
STANDARD_SCALES = ((0.0, 1.0), (0.0, 10.0), (0.0, 100.0))


def _roles(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        for role, names in ROLES.items():
            if cell.lower() in names and role not in found:
                found[role] = index
    return found


def issue_scale(positions: list[float]) -> tuple[float, float, str]:
    """The issue scale for positions written without one, and the reason, per the module's rule."""
    if not positions:
        return 0.0, 100.0, "BDM CSV declares no scale and the file has no positions: [0, 100] assumed"
    lo, hi = min(positions), max(positions)
    for low, high in STANDARD_SCALES:
        if low <= lo and hi <= high:
            why = f"the smallest standard scale holding every position ({lo:g} to {hi:g})"
            return low, high, f"BDM CSV declares no scale: [{low:g}, {high:g}] is {why}"
    low = min(0.0, lo)
    high = hi if hi > low else low + 1.0
    return low, high, f"BDM CSV declares no scale and positions exceed [0, 100]: [{low:g}, {high:g}] spans them"


def _read(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    found = Collector(name)
    rows = csv_rows(text, name)
    if not rows:
        found.add(1, (), "no header row")
        found.raise_if_any()
    header_line, header = rows[0]
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = cell.lower()
        if key in seen:
            found.add(
                header_line,
                ("header",),
                f"column {cell!r} appears twice (columns {seen[key] + 1} and {index + 1}); which one holds the data?",
            )
        seen.setdefault(key, index)
    roles = _roles(header)
    missing = [role for role in ROLES if role not in roles]
    if missing:
        found.add(header_line, ("header",), f"no {' or '.join(missing)} column (header: {','.join(header)})")
    found.raise_if_any()

    extra_cols = [i for i in range(len(header)) if i not in roles.values()]
    body = rows[1:]
    ids = unique_ids([cells[roles["actor"]] if len(cells) > roles["actor"] else "" for _, cells in body], "actor")
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    extra: dict[str, dict[str, Any]] = {}
    lines: dict[tuple[str | int, ...], int] = {(): header_line, ("issues", 0): header_line}
    saliences: list[float] = []
    positions: list[float] = []
    for index, ((line, cells), ident) in enumerate(zip(body, ids, strict=True)):
        if len(cells) != len(header):
            found.add(
                line, ("actors", index), f"expected {len(header)} fields ({','.join(header)}), found {len(cells)}"
            )
            continue
        actor_name = cells[roles["actor"]]
        if not actor_name:
            found.add(line, ("actors", index, "name"), "the actor's name is empty")
        cap = found.number(cells[roles["capability"]], line, ("actors", index, "capability"), "capability")
        pos = found.number(cells[roles["position"]], line, ("stances", index, "position"), "position")
        sal = found.number(cells[roles["salience"]], line, ("stances", index, "salience"), "salience")
        if cap is None or pos is None or sal is None:
            continue
        actors.append({"id": ident, "name": actor_name, "capability": cap})
        stances.append({"actor": ident, "issue": "", "position": pos, "salience": sal})
        positions.append(pos)
        saliences.append(sal)
        for loc in (("actors", len(actors) - 1), ("stances", len(stances) - 1)):
            lines[loc] = line
        if extra_cols:
            extra[ident] = {header[i]: _value(cells[i]) for i in extra_cols}
    if not body:
        found.add(header_line, ("actors",), "no actor rows after the header")
    found.raise_if_any()

    title = Path(name).stem
    issue_id = scenario_id(name)
    low, high, why = issue_scale(positions)
    for stance in stances:
        stance["issue"] = issue_id
    data: dict[str, Any] = {
        "id": scenario_id(name),
        "title": title,
        "origin": NAME,
        "salience_scale": 1.0 if all(s <= 1.0 for s in saliences) else 100.0,
        "actors": actors,
        "issues": [{"id": issue_id, "name": title, "scale": {"low": low, "high": high}, "rationale": why}],
        "stances": stances,
    }
    if extra_cols:
        data["metadata"] = {"bdm_csv": {"extra_columns": [header[i] for i in extra_cols], "extra": extra}}
    return data, new_lines(lines)


def _value(cell: str) -> Any:
    """An extra column's cell: a number where it is one (resolve 0.8), else the text as written."""
    number = parse_number(cell)
    return number if number is not None else cell


def _write(scenario: Scenario) -> str:
    if len(scenario.issues) != 1:
        raise export_error(
            scenario, NAME, ("issues",), f"BDM CSV holds one issue; this scenario has {len(scenario.issues)}"
        )
    issue = scenario.issues[0]
    table = stance_table(scenario, NAME)
    meta = scenario.metadata.get("bdm_csv", {})
    extra_columns = [str(c) for c in meta.get("extra_columns", [])] if isinstance(meta, dict) else []
    extra = meta.get("extra", {}) if isinstance(meta, dict) else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Actor", "Capability", "Position", "Salience", *extra_columns])
    for actor in scenario.actors:
        position, salience = table[(actor.id, issue.id)]
        values = extra.get(actor.id, {}) if isinstance(extra, dict) else {}
        cells = [_cell(values.get(col, "")) for col in extra_columns]
        writer.writerow(
            [actor.name, fmt_number(actor.capability.value), fmt_number(position), fmt_number(salience), *cells]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt_number(value)
    return str(value)


def _sniff(text: str) -> bool:
    try:
        rows = csv_rows("\n".join(text.split("\n", 2)[:1]), "")
    except ScenarioError:
        return False
    if not rows:
        return False
    roles = _roles(rows[0][1])
    return {"actor", "position", "salience"} <= roles.keys()


FORMAT = ScenarioFormat(
    name=NAME,
    description="BDM expected-utility CSV (Actor,Capability,Position,Salience; one issue)",
    suffixes=(".csv",),
    sniff=_sniff,
    read=_read,
    write=_write,
)
