"""The scenario: actors, issues, stances, channels, interventions and strategies, as frozen pydantic models.

A scenario is the analyst's statement of a bargaining situation in their own words and units. Every number may
be a plain value or an :class:`Estimate` with a range, so that uncertainty is written down where the number is,
next to its rationale and sources. Cross-references (a stance naming an actor, a strategy naming an
intervention) are checked by :mod:`realpolitik.scenario.validate`, which reports every problem with its line.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from .indicators import Indicator, Supersedes
from .values import check_plain

Id = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$",
        max_length=80,
        description="An identifier: letters, digits, '_' and '-', starting with a letter or digit (no dots).",
    ),
]
Distribution = Literal["triangular", "uniform", "pert", "truncnormal"]
RESERVED_IDS = frozenset({"channel", "coalition"})


class Frozen(BaseModel):
    """Every scenario element: immutable, no unknown fields, and only finite, bounded numbers and clean text in any
    field (:func:`realpolitik.scenario.values.check_plain`), however the element was made."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        return check_plain(value)


class Documented(Frozen):
    """Any element may say why it is what it is: a rationale in words and the ids of its sources."""

    rationale: str | None = Field(default=None, description="Why this element or number is what it is.")
    sources: list[str] = Field(default_factory=list, description="Ids of entries in the scenario's `sources`.")


class Estimate(Frozen):
    """A number with an honest range: ``{value: 60, low: 40, high: 75, dist: triangular}``.

    A plain number in a file means a point value (no range). ``dist`` names how the lab samples it: triangular
    (mode = value, the default), uniform, beta-PERT (mode = value) or a normal truncated to [low, high] with mean
    = value and the range covering about ±2 standard deviations.
    """

    value: float
    low: float | None = None
    high: float | None = None
    dist: Distribution = "triangular"
    rationale: str | None = None
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("expected a number or {value, low, high}, got a boolean")
        if isinstance(data, int | float):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _check_range(self) -> Estimate:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.high is not None:
            if self.low > self.high:
                raise ValueError(f"low ({self.low:g}) > high ({self.high:g})")
            if not self.low <= self.value <= self.high:
                raise ValueError(f"value {self.value:g} is outside its range [{self.low:g}, {self.high:g}]")
        return self

    @property
    def is_uncertain(self) -> bool:
        return self.low is not None and self.high is not None and self.low < self.high

    @model_serializer(mode="wrap")
    def _compact(self, handler: Any) -> Any:
        """A point value with nothing else to say is written back as a plain number."""
        if self.low is None and self.rationale is None and not self.sources and self.dist == "triangular":
            return self.value
        data = handler(self)
        return {k: v for k, v in data.items() if v not in (None, []) and not (k == "dist" and v == "triangular")}


class Source(Frozen):
    """A bibliography entry that rationales point to by id."""

    id: Id
    title: str
    publisher: str | None = None
    date: str | None = Field(default=None, description="Publication date as written by the source (ISO preferred).")
    url: str | None = None
    note: str | None = None


class Anchor(Frozen):
    """A labelled point on an issue's scale, so that a number means something to a reader."""

    value: float
    label: str


class Scale(Frozen):
    low: float = 0.0
    high: float = 100.0
    unit: str | None = None
    anchors: list[Anchor] = Field(default_factory=list)


class Actor(Documented):
    id: Id
    name: str = Field(description="The actor's name as it names itself or as neutral sources name it.")
    description: str = ""
    group: str | None = Field(default=None, description="Optional grouping, e.g. two power centres of one movement.")
    capability: Estimate = Field(description="Relative weight the actor can bring to bear (any non-negative unit).")
    risk: float | None = Field(
        default=None, ge=-1.0, le=1.0, description="Optional risk attitude in [-1, 1] for models that use one (KTAB)."
    )


DecisionRule = Literal["median", "mean", "owner", "veto", "qualified_majority"]


class Decision(Documented):
    """Who decides an issue, and so how its outcome is read off the positions a model produces (schema 2).

    - ``median`` / ``mean``: the weighted median or mean of every position (the default, ``median``).
    - ``owner``: the outcome is the owner's position (``owner``: one actor id, or a group name or list of actors
      acting as one, whose positions are combined by ``base``). Others act only through pressure on the owner.
    - ``veto``: ``base`` (median or mean) of every position, clamped into the intersection of the ``players``'
      win sets relative to the status quo (for a player at x and status quo q: the points no farther from x
      than q is); if that intersection holds only q, the outcome is q.
    - ``qualified_majority``: with positions sorted, the two pivots are where the cumulative weight from each end
      first reaches ``share`` of the total (or ``1 − blocking``, whichever is stricter); the outcome is the
      status quo if it lies between the pivots (gridlock), else the pivot nearest the status quo. ``share: 1``
      is unanimity.

    Weights are the actors' voice on the issue: influence (or capability) × salience. See
    docs/scenario-format.md for a worked example of each rule.
    """

    rule: DecisionRule = "median"
    owner: list[Id] = Field(default_factory=list, description="owner: actor ids or a group name acting as one.")
    players: list[Id] = Field(default_factory=list, description="veto: the veto players (actor ids or groups).")
    share: float | None = Field(default=None, description="qualified_majority: share of weight needed, in (0, 1].")
    blocking: float | None = Field(default=None, description="qualified_majority: share that blocks, in (0, 1].")
    base: Literal["median", "mean"] = Field(
        default="median", description="veto and owner groups: the rule the clamp or the group starts from."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"rule": data}
        if isinstance(data, dict) and isinstance(data.get("owner"), str):
            return {**data, "owner": [data["owner"]]}
        return data


class Issue(Documented):
    id: Id
    name: str
    description: str = ""
    scale: Scale = Field(default_factory=Scale)
    status_quo: Estimate | None = Field(default=None, description="Reference point, on the issue's scale.")
    decision_rule: Literal["median", "mean"] = Field(
        default="median", description="How the outcome is read off positions: weighted median voter or mean."
    )
    decision: Decision | None = Field(
        default=None, description="Who decides (schema 2): median, mean, owner, veto or qualified_majority."
    )

    @property
    def rule(self) -> Decision:
        """The issue's decision structure, with a version-1 ``decision_rule`` read as ``decision: {rule: ...}``."""
        return self.decision if self.decision is not None else Decision(rule=self.decision_rule)


class Stance(Documented):
    actor: Id
    issue: Id
    position: Estimate
    salience: Estimate = Field(description="How much the issue matters to the actor, on the scenario's salience scale.")
    influence: Estimate | None = Field(
        default=None,
        description="Weight the actor brings to this issue (schema 2), overriding its capability here; same unit.",
    )


class ChannelLink(Documented):
    between: tuple[Id, Id]
    strength: Estimate = Field(description="How well the two can bargain: 0 no contact, 1 full contact.")
    directed: bool = Field(default=False, description="If true, only the first can reach the second.")


class Channels(Documented):
    """Who can bargain with whom. Pairs not listed get ``default`` (1.0: everyone with everyone).

    ``default`` is an estimate like any other number: a scenario that lists only some channels is saying something
    about all the others, and the lab samples that claim within its range.
    """

    default: Estimate = Field(
        default_factory=lambda: Estimate(value=1.0), description="Strength of every pair not listed (0..1)."
    )
    links: list[ChannelLink] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        return {"links": data} if isinstance(data, list) else data


ChangeOp = Literal["set", "add", "scale", "open", "close", "align"]


class Change(Frozen):
    """One declarative change.

    ``target`` is one of:

    - ``ACTOR.ISSUE.position`` or ``ACTOR.ISSUE.salience`` (ops: set, add, scale),
    - ``ACTOR.capability`` (ops: set, add, scale),
    - ``channel.A.B`` (ops: open [= set to ``value`` or 1], close [= 0], set, add, scale; symmetric unless
      ``directed``),
    - ``coalition.ISSUE`` with ``members`` (op: align): members take one common position, ``value`` if given,
      else their capability × salience weighted mean.
    """

    target: str
    op: ChangeOp = "set"
    value: Estimate | None = None
    members: list[Id] = Field(default_factory=list)
    directed: bool = False
    rationale: str | None = None
    sources: list[str] = Field(default_factory=list)


class Intervention(Documented):
    id: Id
    name: str | None = None
    description: str = ""
    changes: list[Change] = Field(default_factory=list)
    success: Estimate | None = Field(
        default=None,
        description="Probability that the intervention takes effect (schema 2; default 1); the lab draws it per draw.",
    )


class Strategy(Documented):
    id: Id
    name: str | None = None
    description: str = ""
    interventions: list[Id] = Field(default_factory=list, description="Ids of interventions applied in order.")


class Goal(Documented):
    """A level an issue's outcome should reach for the client, e.g. ``ttp_action >= 75``.

    The lab reports the probability of reaching each goal; written as ``{issue, op, value}`` or the short
    string form ``"ttp_action>=75"``.
    """

    issue: Id
    op: Literal[">=", "<="]
    value: float

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            for op in (">=", "<="):
                issue, sep, value = data.partition(op)
                if sep:
                    try:
                        return {"issue": issue.strip(), "op": op, "value": float(value)}
                    except ValueError:
                        break
            raise ValueError(f"goal {data!r} is not 'ISSUE>=NUMBER' or 'ISSUE<=NUMBER'")
        return data

    def __str__(self) -> str:
        return f"{self.issue}{self.op}{self.value:g}"


class Outcome(Documented):
    """What happened on an issue (schema 2): the realised level on the issue's scale, a point or a range, dated.

    A forecast made at the scenario's ``as_of`` is scored against the outcome nearest ``as_of + horizon``."""

    issue: Id
    value: Estimate = Field(description="The realised level on the issue's scale (a range where it is disputed).")
    date: dt.date | None = Field(default=None, description="When the level was observed.")
    note: str = ""


HORIZON = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$")


class Scenario(Documented):
    schema_version: Literal[1, 2] = Field(
        default=1, description="1, or 2 for files that use the fields of schema 2 (decision, influence, success)."
    )
    id: Id
    title: str
    description: str = ""
    as_of: dt.date | None = Field(default=None, description="The date the numbers describe.")
    client: Id | None = Field(default=None, description="The actor whose strategies the lab compares by default.")
    salience_scale: float = Field(default=1.0, gt=0, description="Saliences are given on [0, salience_scale].")
    origin: str | None = Field(default=None, description="Format the scenario was read from, when not YAML/JSON.")
    bibliography: list[Source] = Field(
        default_factory=list, description="Sources that rationales cite by id (`sources: [id, ...]`)."
    )
    actors: list[Actor]
    issues: list[Issue]
    stances: list[Stance] = Field(default_factory=list)
    channels: Channels = Field(default_factory=Channels)
    interventions: list[Intervention] = Field(default_factory=list)
    strategies: list[Strategy] = Field(default_factory=list)
    targets: list[Goal] = Field(
        default_factory=list, description="Outcome levels the client aims for; the lab reports P[reaching each]."
    )
    horizon: str | None = Field(
        default=None,
        pattern=HORIZON.pattern,
        description="How far ahead the forecasts look (schema 2), e.g. '12 months'; outcomes pair at as_of + horizon.",
    )
    outcomes: list[Outcome] = Field(
        default_factory=list, description="What happened (schema 2): realised levels per issue, dated, with sources."
    )
    supersedes: Supersedes | None = Field(
        default=None,
        description="The version this one replaces (schema 2): its id or built-in name, or {id, file, sha256}.",
    )
    indicators: list[Indicator] = Field(
        default_factory=list, description="Evidence mapped onto issue levels (schema 2): event or CSV series."
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form extras kept on round trips.")

    # --- convenient look-ups (derived, never stored) ---
    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def issue(self, issue_id: str) -> Issue:
        return next(i for i in self.issues if i.id == issue_id)

    def stance(self, actor_id: str, issue_id: str) -> Stance | None:
        return next((s for s in self.stances if s.actor == actor_id and s.issue == issue_id), None)

    def strategy(self, strategy_id: str) -> Strategy:
        return next(s for s in self.strategies if s.id == strategy_id)

    def horizon_end(self) -> dt.date | None:
        """``as_of + horizon`` (months and years by the calendar, the day clipped to the month's end)."""
        if self.as_of is None or self.horizon is None:
            return None
        match = HORIZON.match(self.horizon)
        assert match is not None  # the field's pattern
        n, unit = int(match.group(1)), match.group(2)
        if unit in ("day", "week"):
            return self.as_of + dt.timedelta(days=n * (7 if unit == "week" else 1))
        months = self.as_of.month - 1 + n * (12 if unit == "year" else 1)
        year, month = self.as_of.year + months // 12, months % 12 + 1
        import calendar

        return dt.date(year, month, min(self.as_of.day, calendar.monthrange(year, month)[1]))
