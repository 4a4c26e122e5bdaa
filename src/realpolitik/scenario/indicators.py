"""Issue indicators (schema 2): evidence mapped onto an issue's scale, and the ``supersedes`` reference.

An indicator says how to read an issue's level off a series of evidence: events in the workspace (a dyad and
its direction, event types, actor filters, counts or fatalities) or a user-supplied CSV series (``date,value,
source``: monthly attack counts published by a research institute, trade volumes at a crossing, refugee
returns). The series is summarised per period (``per``: day, week, month or year) over a window of days, and a
documented monotone mapping with calibration points carries that rate onto the issue's scale, e.g. for Pakistani
strikes in Afghanistan: 0 a month ≈ 0, 1–2 ≈ 25, weekly ≈ 60, daily ≈ 90. Between calibration points the level is
interpolated linearly (in the evidence, or in log(1 + evidence) with ``interpolate: log``); outside them it stays
at the end points' levels.

The models here hold the shape of an indicator; :func:`check_indicators` (called by
:func:`realpolitik.scenario.validate.check_references`) checks what needs the whole scenario: the issue and the
actors exist, the codes are CAMEO or PLOVER codes or ACLED event types, the mapping is monotone and on the scale.
Reading the series (workspace queries, CSV files) is :mod:`realpolitik.workflows.indicators`'s job.

This module imports nothing from :mod:`realpolitik.scenario.model` (which imports it), so it carries its own
small base class with the same configuration and value rules.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from .values import check_plain

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
IndicatorId = Annotated[
    str,
    Field(pattern=_ID_PATTERN, max_length=80, description="An identifier: letters, digits, '_' and '-' (no dots)."),
]
Period = Literal["day", "week", "month", "year"]
Dataset = Literal["gdelt", "icews", "acled"]
Loc = tuple[str | int, ...]

PERIOD_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}
"""Days in one period of each length (a month is a twelfth of a Julian year)."""

ACLED_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}
"""ACLED's event types and sub-event types (ACLED codebook; the shared ``acled_event_categories.csv``)."""

CAMEO_ROLES = frozenset(
    {"GOV", "MIL", "COP", "SPY", "JUD", "LEG", "REB", "INS", "OPP", "UAF", "SEP", "CVL", "MED", "BUS", "EDU", "ELI"}
    | {"LAB", "NGO", "IGO", "REF", "HLH", "AGR", "CRM", "DEV", "ENV", "MOD", "RAD", "REL", "SET", "UNR", "LGB"}
)
"""CAMEO actor role codes an actor filter may name."""


class _Frozen(BaseModel):
    """As :class:`realpolitik.scenario.model.Frozen`: immutable, no unknown fields, finite numbers, clean text."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        return check_plain(value)


class Calibration(_Frozen):
    """One point of an indicator's mapping: this much evidence per period ≈ this level on the issue's scale."""

    evidence: float = Field(description="The series' value per period (events, fatalities, a volume...).")
    level: float = Field(description="The issue level it corresponds to, on the issue's scale.")
    label: str | None = Field(default=None, description="What the point means in words ('weekly').")

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple) and len(data) == 2:
            return {"evidence": data[0], "level": data[1]}
        return data


class EventSeries(_Frozen):
    """Which events of the workspace count: a dyad (and its direction), event types and filters.

    The dyad's second actor may be ``"*"``: the first actor's events whoever the other side is (or none), for
    example Pakistan's strikes located in Afghanistan (``location: [Afghanistan, AF]``).

    Event types are CAMEO codes (a code matches itself and its sub-codes: ``"19"`` is every 'Fight' event,
    ``"195"`` aerial weapons), PLOVER categories (``ASSAULT``) and ACLED event or sub-event types (``Air/drone
    strike``); an event counts when it matches any of them. With no type at all, every event of the dyad counts.
    """

    dyad: tuple[IndicatorId, IndicatorId | Literal["*"]] = Field(
        description="Two scenario actors (mapped to event actors through the alias table); '*' as the second is anyone."
    )
    directed: bool = Field(default=True, description="If true, only events the first actor directs at the second.")
    cameo: list[str] = Field(default_factory=list, description="CAMEO event codes or prefixes ('19', '195').")
    plover: list[str] = Field(default_factory=list, description="PLOVER categories (ASSAULT, COERCE...).")
    acled: list[str] = Field(default_factory=list, description="ACLED event types or sub-event types.")
    roles: list[str] = Field(
        default_factory=list, description="Actor filter: the first actor's CAMEO roles include one of these (MIL)."
    )
    location: list[str] = Field(
        default_factory=list, description="Place filter: the event's country as the source writes it (AF, Afghanistan)."
    )
    datasets: list[Dataset] = Field(default_factory=list, description="Sources to count (default: all).")


class Indicator(_Frozen):
    """Evidence mapped onto an issue's scale, with its rationale and sources like any estimate."""

    id: IndicatorId
    issue: IndicatorId = Field(description="The issue whose level the indicator reads.")
    name: str | None = None
    events: EventSeries | None = Field(default=None, description="An event series from the workspace.")
    csv: str | None = Field(
        default=None, description="A CSV file (date,value,source) relative to the scenario file, for other series."
    )
    measure: Literal["count", "fatalities", "level"] = Field(
        default="count",
        description="count: events (or CSV counts), Poisson band; fatalities: ACLED fatalities, "
        "level: CSV values that are not counts; both with a bootstrap band over periods.",
    )
    per: Period = Field(default="month", description="The period the mapping's evidence values are per.")
    window: int = Field(default=90, ge=1, description="Days of evidence, ending at the as-of date, for one reading.")
    mapping: list[Calibration] = Field(description="Calibration points, evidence increasing, levels monotone.")
    interpolate: Literal["linear", "log"] = Field(
        default="linear", description="Interpolate between points linearly in the evidence or in log(1 + evidence)."
    )
    confidence: float = Field(default=0.9, gt=0, lt=1, description="Coverage of the observed level's band.")
    rationale: str | None = None
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_series(self) -> Indicator:
        if (self.events is None) == (self.csv is None):
            raise ValueError("give either events or csv (one series per indicator)")
        if self.csv is not None and self.measure == "fatalities":
            raise ValueError("measure 'fatalities' applies to event series; a CSV series is a count or a level")
        if self.events is not None and self.measure == "level":
            raise ValueError("measure 'level' applies to CSV series; an event series is a count or fatalities")
        return self

    def level_of(self, x: float) -> float:
        """The issue level for ``x`` evidence per period (the documented piecewise-linear mapping, clamped)."""
        return map_level(self.mapping, x, self.interpolate)


def _axis(x: float, interpolate: str) -> float:
    return math.log1p(max(x, 0.0)) if interpolate == "log" else x


def map_level(points: list[Calibration], x: float, interpolate: str = "linear") -> float:
    """Piecewise-linear interpolation through ``points`` (evidence increasing), clamped to the end levels."""
    if not points:
        return math.nan
    if x <= points[0].evidence:
        return points[0].level
    for a, b in itertools.pairwise(points):
        if x <= b.evidence:
            xa, xb, xx = _axis(a.evidence, interpolate), _axis(b.evidence, interpolate), _axis(x, interpolate)
            t = (xx - xa) / (xb - xa) if xb > xa else 1.0
            return a.level + t * (b.level - a.level)
    return points[-1].level


class Supersedes(_Frozen):
    """The version a scenario replaces: its id (or built-in name), its file, and the sha256 of that file.

    A plain string is read as an id when it looks like one, else as a file name."""

    id: IndicatorId | None = Field(default=None, description="The previous version's id or built-in name.")
    file: str | None = Field(default=None, description="The previous version's file, relative to this one.")
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="The sha256 of the previous version's file."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"id": data} if re.fullmatch(_ID_PATTERN, data) and len(data) <= 80 else {"file": data}
        return data

    @model_validator(mode="after")
    def _named(self) -> Supersedes:
        if self.id is None and self.file is None:
            raise ValueError("name the previous version: id (or built-in name) or file")
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> Any:
        """A reference with only an id is written back as the plain id (as schema 2 first allowed)."""
        if self.file is None and self.sha256 is None:
            return self.id
        return {k: v for k, v in handler(self).items() if v is not None}

    def __str__(self) -> str:
        name = self.id or self.file or ""
        return name + (f" (sha256 {self.sha256[:12]}…)" if self.sha256 else "")


# --- whole-scenario checks -------------------------------------------------------------------------------------


def _plover_categories() -> set[str]:
    from ..events.lookups import plover

    return {c for c in (*plover.ROOT_TO_PLOVER.values(), *plover.OVERRIDES.values()) if c}


def _cameo_known(code: str) -> bool:
    from ..events.lookups import cameo, icews

    return code in cameo.codes() or code in icews.intensities()


def _acled_known() -> dict[str, str]:
    names = [*ACLED_TYPES, *(sub for subs in ACLED_TYPES.values() for sub in subs)]
    return {n.lower(): n for n in names}


def _series_problems(series: EventSeries, actors: set[str]) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for k, a in enumerate(series.dyad):
        if a not in actors and not (k == 1 and a == "*"):
            out.append((("events", "dyad", k), f"unknown actor {a!r}"))
    if series.dyad[0] == series.dyad[1]:
        out.append((("events", "dyad"), "a dyad joins two different actors"))
    for k, code in enumerate(series.cameo):
        if not (code.isdigit() and _cameo_known(code)):
            out.append(
                (("events", "cameo", k), f"unknown CAMEO code {code!r} (a root '01'..'20' or one of its sub-codes)")
            )
    known_plover = _plover_categories()
    for k, cat in enumerate(series.plover):
        if cat not in known_plover:
            out.append(
                (("events", "plover", k), f"unknown PLOVER category {cat!r} (known: {', '.join(sorted(known_plover))})")
            )
    acled = _acled_known()
    for k, name in enumerate(series.acled):
        if name.lower() not in acled:
            out.append(
                (
                    ("events", "acled", k),
                    f"unknown ACLED event type {name!r} (event types: {', '.join(ACLED_TYPES)}, or their sub-event "
                    "types)",
                )
            )
    for k, role in enumerate(series.roles):
        if role not in CAMEO_ROLES:
            out.append((("events", "roles", k), f"unknown CAMEO role {role!r} (e.g. GOV, MIL, COP, REB, INS)"))
    return out


def _mapping_problems(ind: Indicator, low: float, high: float) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    points = ind.mapping
    if len(points) < 2:
        return [(("mapping",), "a mapping needs at least two calibration points")]
    for j, p in enumerate(points):
        if not (math.isfinite(p.evidence) and math.isfinite(p.level)):
            out.append((("mapping", j), "calibration values must be finite numbers"))
        elif not low <= p.level <= high:
            out.append((("mapping", j, "level"), f"level {p.level:g} is outside the issue's scale [{low:g}, {high:g}]"))
        if ind.interpolate == "log" and p.evidence < 0:
            out.append((("mapping", j, "evidence"), "evidence must be >= 0 with interpolate: log"))
    for j in range(1, len(points)):
        a, b = points[j - 1], points[j]
        if not b.evidence > a.evidence:
            out.append(
                (
                    ("mapping", j, "evidence"),
                    f"evidence values must increase: {b.evidence:g} follows {a.evidence:g}",
                )
            )
    steps = [b.level - a.level for a, b in itertools.pairwise(points)]
    sign = next((1 if d > 0 else -1 for d in steps if d), 0)
    turn = next((k + 1 for k, d in enumerate(steps) if d * sign < 0), None)
    if turn is not None:
        out.append(
            (
                ("mapping", turn, "level"),
                f"the mapping is not monotone: level {points[turn].level:g} at evidence {points[turn].evidence:g} "
                f"follows level {points[turn - 1].level:g} (levels must all rise, or all fall, with the evidence)",
            )
        )
    elif sign == 0:
        out.append((("mapping",), "the mapping is flat: every calibration point has the same level"))
    return out


def check_indicators(
    indicators: list[Indicator], actors: Iterable[str], scales: dict[str, tuple[float, float]], sources: set[str]
) -> list[tuple[Loc, str]]:
    """Indicators against the rest of the scenario: (field path, message) pairs, empty when consistent.

    ``scales`` maps each issue id to its (low, high); ``sources`` holds the bibliography ids (empty: unchecked
    when the scenario has no bibliography at all)."""
    out: list[tuple[Loc, str]] = []
    actor_ids = set(actors)
    counts = Counter(ind.id for ind in indicators)
    first: dict[str, int] = {}
    for i, ind in enumerate(indicators):
        loc: Loc = ("indicators", i)
        if counts[ind.id] > 1 and ind.id in first:
            out.append(((*loc, "id"), f"duplicate id {ind.id!r} (also indicators[{first[ind.id]}])"))
        first.setdefault(ind.id, i)
        if ind.issue not in scales:
            out.append(((*loc, "issue"), f"unknown issue {ind.issue!r}"))
        else:
            low, high = scales[ind.issue]
            out += [((*loc, *sub), msg) for sub, msg in _mapping_problems(ind, low, high)]
        if ind.events is not None:
            out += [((*loc, *sub), msg) for sub, msg in _series_problems(ind.events, actor_ids)]
        if ind.csv is not None and not ind.csv.strip():
            out.append(((*loc, "csv"), "the CSV file name is empty"))
        if sources:
            out += [
                ((*loc, "sources", k), f"unknown source {ref!r}")
                for k, ref in enumerate(ind.sources)
                if ref not in sources
            ]
    return out
