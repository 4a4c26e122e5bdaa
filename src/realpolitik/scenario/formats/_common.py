"""Helpers the community formats share: ids from names, numbers from text, problems collected by line.

The community formats name actors in free text ("EU (incl Norway)", "UKR, Kiev") while a scenario needs ids
that are safe in intervention targets (``ACTOR.ISSUE.position``), so every reader turns names into ids the same
way, and keeps the original text in ``name``. Numbers are parsed strictly (no NaN, no infinity) because a
model fed ``nan`` fails far from the file, where nobody can tell which cell was wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from ..model import RESERVED_IDS, Scenario
from ..problems import LineMap, Loc, Problem, ScenarioError

_NOT_ID = re.compile(r"[^A-Za-z0-9_\-]+")
MAX_ID = 80


def slugify(text: str, fallback: str) -> str:
    """A valid scenario id for ``text``: accents dropped, runs of other characters become one '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_ID.sub("-", ascii_text).strip("-_")
    slug = slug[:MAX_ID].rstrip("-_")
    return slug or fallback


def unique_ids(names: list[str], prefix: str) -> list[str]:
    """Ids for ``names`` in order: slugs, made unique with ``-2``, ``-3``, ... and never a reserved word.

    Deterministic, so that writing a scenario out and reading it back gives the same ids.
    """
    taken: set[str] = set(RESERVED_IDS)
    out: list[str] = []
    for index, name in enumerate(names):
        base = slugify(name, f"{prefix}-{index + 1}")
        ident, n = base, 1
        while ident in taken:
            n += 1
            suffix = f"-{n}"
            ident = base[: MAX_ID - len(suffix)] + suffix
        taken.add(ident)
        out.append(ident)
    return out


def parse_number(text: str) -> float | None:
    """The finite number written in ``text`` (surrounding blanks allowed), or None."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def fmt_number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` ("10" for 10.0, "0.26" for 0.26)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def scenario_id(name: str) -> str:
    """The scenario id for a file: its stem, as an id (community formats carry no id of their own)."""
    return slugify(Path(name).stem, "scenario")


class Collector:
    """Problems of one file, gathered so that a reader reports all of them at once, not the first only."""

    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def add(self, line: int | None, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.name, line, loc, message))

    def number(self, text: str, line: int, loc: Loc, what: str) -> float | None:
        """Parse a number, or record a problem naming the cell and return None."""
        value = parse_number(text)
        if value is None:
            shown = text.strip()
            self.add(line, loc, f"{what} must be a number, got {shown!r}" if shown else f"{what} is empty")
        return value

    def raise_if_any(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda p: p.line or 0)
            raise ScenarioError(self.problems)


def csv_rows(text: str, name: str, **dialect: Any) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows with the 1-based line each starts on; cells trimmed, trailing empty cells dropped.

    Trailing delimiters are common in these files (KTAB pads rows with a final comma, Decide's spreadsheets
    with ``;;;``) and mean nothing, so they are dropped rather than counted as fields.
    """
    out = []
    reader = csv.reader(io.StringIO(text), **dialect)
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            cells = [cell.strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                out.append((line, cells))
    except csv.Error as exc:
        raise ScenarioError([Problem(name, start, (), f"unreadable CSV row: {exc}")]) from None
    return out


def new_lines(entries: dict[Loc, int]) -> LineMap:
    lines = LineMap()
    for loc, line in entries.items():
        lines.set(loc, line)
    return lines


def export_error(scenario: Scenario, fmt: str, loc: Loc, message: str) -> ScenarioError:
    """A scenario that the target format cannot hold: reported like any input problem, never a traceback."""
    return ScenarioError([Problem(f"{scenario.id} (export to {fmt})", None, loc, message)])


def stance_table(scenario: Scenario, fmt: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(actor, issue) -> (position, salience) point values; the table formats need every actor on every issue."""
    table = {(s.actor, s.issue): (s.position.value, s.salience.value) for s in scenario.stances}
    for actor in scenario.actors:
        for issue in scenario.issues:
            if (actor.id, issue.id) not in table:
                raise export_error(
                    scenario,
                    fmt,
                    ("stances",),
                    f"{fmt} needs a stance of every actor on every issue; {actor.id!r} has none on {issue.id!r}",
                )
    return table
