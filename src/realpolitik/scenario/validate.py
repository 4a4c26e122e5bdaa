"""Turning plain data into a checked :class:`Scenario`, with every problem reported at its line.

Two passes: pydantic checks each element's shape and ranges; :func:`check_references` then checks what only
the whole document can tell (unknown actors, positions outside their issue's scale, duplicate ids, ...). When
the first pass fails, the second still runs on every element that passed it (:func:`_salvage`), so one run
lists the typo in an actor id beside the malformed number elsewhere, not one after the other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from .indicators import Indicator, check_indicators
from .limits import MAX_MAGNITUDE
from .model import (
    RESERVED_IDS,
    Actor,
    ChannelLink,
    Channels,
    Estimate,
    Goal,
    Id,
    Intervention,
    Issue,
    Outcome,
    Scale,
    Scenario,
    Source,
    Stance,
    Strategy,
)
from .problems import LineMap, Loc, Problem, ScenarioError
from .values import document_problems

STANCE_FIELDS = ("position", "salience")


def _clean_message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    if err.get("type") == "missing":
        return "required field is missing"
    return msg


def _pydantic_loc(loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's union/tag markers so that the path matches the document's own keys."""
    markers = ("function-", "union[", "tagged-union[")
    return tuple(p for p in loc if isinstance(p, int) or (isinstance(p, str) and not p.startswith(markers)))


def build_scenario(data: Any, lines: LineMap, name: str) -> Scenario:
    """Validate ``data`` (from any loader) into a Scenario or raise :class:`ScenarioError` with all problems."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise ScenarioError([Problem(name, 1, (), f"expected a mapping of scenario fields, got {kind}")])
    if isinstance(data.get("channels"), list):  # the short form: a plain list of links
        for loc, line in list(lines.items()):
            if loc[:1] == ("channels",) and len(loc) > 1:
                lines.set(("channels", "links", *loc[1:]), line)
    # non-finite numbers, broken text and sizes first: the reference checks would only trip over them
    hostile = document_problems(data, lines, name)
    if any(p.loc[:1] in (("actors",), ("issues",)) and "over the bound" in p.message for p in hostile):
        raise ScenarioError(hostile)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems, seen = list(hostile), {(p.loc, p.message) for p in hostile}
        for err in exc.errors():
            loc = _pydantic_loc(err["loc"])
            key = (loc, _clean_message(err))
            if any(p.loc and loc[: len(p.loc)] == p.loc for p in hostile):
                continue  # said already, in the value's own words
            if key not in seen:  # unions report one failure per branch; one line is enough
                seen.add(key)
                problems.append(lines.problem(name, loc, key[1]))
        if not hostile:
            for loc, msg in _salvaged_references(data):
                if (loc, msg) not in seen:
                    seen.add((loc, msg))
                    problems.append(lines.problem(name, loc, msg))
        raise ScenarioError(problems) from None
    if hostile:
        raise ScenarioError(hostile)
    problems = [lines.problem(name, loc, msg) for loc, msg in check_references(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


_ELEMENTS: dict[str, type[BaseModel]] = {
    "actors": Actor,
    "issues": Issue,
    "stances": Stance,
    "interventions": Intervention,
    "strategies": Strategy,
    "targets": Goal,
    "outcomes": Outcome,
    "bibliography": Source,
    "indicators": Indicator,
}
_WIDE = MAX_MAGNITUDE
# Stand-ins for elements that failed their own checks but have an id: references to them are not "unknown", and
# they are wide and neutral enough to raise nothing of their own (their own problems are already reported).
_STAND_INS: dict[str, Any] = {
    "actors": lambda i: Actor(id=i, name=i, capability=Estimate(value=1.0)),
    "issues": lambda i: Issue(id=i, name=i, scale=Scale(low=-_WIDE, high=_WIDE)),
    "interventions": lambda i: Intervention(id=i),
}
_INDEX_IN_TEXT = re.compile(
    r"\b(actors|issues|stances|interventions|strategies|targets|bibliography|indicators)\[(\d+)\]"
)
Where = dict[tuple[str, ...], list[int]]
_SCALARS: dict[str, TypeAdapter[Any]] = {
    "schema_version": TypeAdapter(Literal[1, 2]),
    "client": TypeAdapter(Id),
    "salience_scale": TypeAdapter(Annotated[float, Field(gt=0)]),
}


def _salvage(data: Mapping[str, Any]) -> tuple[Scenario, Where, set[Loc]]:
    """The elements of a document that pass field validation on their own, as a Scenario for the reference checks.

    Also returns, per list, the document index of each element kept (invalid ones are dropped, or replaced by a
    stand-in when they have an id), and the stand-ins' own paths (problems there are artefacts)."""
    kept: dict[str, Any] = {}
    where: Where = {}
    stand_ins: set[Loc] = set()

    def keep_valid(key: tuple[str, ...], model: type[BaseModel], items: Any) -> list[Any]:
        good: list[Any] = []
        at: list[int] = []
        for i, item in enumerate(items if isinstance(items, list) else []):
            try:
                good.append(model.model_validate(item))
            except ValidationError:
                ident = item.get("id") if isinstance(item, Mapping) else None
                if key[0] not in _STAND_INS or not isinstance(ident, str) or not ident:
                    continue
                try:
                    good.append(_STAND_INS[key[0]](ident))
                except ValidationError:  # the id itself is malformed: nothing valid can refer to it
                    continue
                stand_ins.add((*key, i))
            at.append(i)
        where[key] = at
        return good

    for field, model in _ELEMENTS.items():
        kept[field] = keep_valid((field,), model, data.get(field))
    channels = data.get("channels")
    if isinstance(channels, list):  # the short form
        channels = {"links": channels}
    if isinstance(channels, Mapping):
        links = keep_valid(("channels", "links"), ChannelLink, channels.get("links"))
        try:
            default = Estimate.model_validate(channels.get("default", 1.0))
        except ValidationError:
            default = Estimate(value=1.0)
        kept["channels"] = Channels(default=default, links=links)
    for field, adapter in _SCALARS.items():
        if field in data:
            try:
                kept[field] = adapter.validate_python(data[field])
            except ValidationError:
                continue
    return Scenario.model_construct(**kept), where, stand_ins


def _salvaged_references(data: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """:func:`check_references` on what :func:`_salvage` kept, located in the original document.

    Checks that need an element that failed its own checks may miss a problem here; they all run again, complete,
    once the field problems are fixed. They never report one that is not there.
    """
    try:
        salvaged, where, stand_ins = _salvage(data)
        found = check_references(salvaged)
    except (ValidationError, TypeError, ValueError, AttributeError):
        return []

    def original(loc: Loc) -> Loc:
        for key, at in where.items():
            n = len(key)
            index = loc[n] if len(loc) > n and loc[:n] == key else None
            if isinstance(index, int) and index < len(at):
                return (*key, at[index], *loc[n + 1 :])
        return loc

    def original_text(msg: str) -> str:
        def swap(m: re.Match[str]) -> str:
            at, i = where.get((m.group(1),), []), int(m.group(2))
            return f"{m.group(1)}[{at[i]}]" if i < len(at) else m.group(0)

        return _INDEX_IN_TEXT.sub(swap, msg)

    out = []
    for loc, msg in found:
        located = original(loc)
        if any(located[: len(s)] == s for s in stand_ins):
            continue
        if msg.startswith("a scenario needs at least one") and data.get(str(loc[0])):
            continue  # it lists some; they all failed their own checks
        out.append((located, original_text(msg)))
    return out


def _duplicates(kind: str, ids: Iterable[str]) -> list[tuple[Loc, str]]:
    ids = list(ids)
    counts = Counter(ids)
    out: list[tuple[Loc, str]] = []
    first: dict[str, int] = {}
    for index, ident in enumerate(ids):
        if ident in first and counts[ident] > 1:
            out.append(((kind, index, "id"), f"duplicate id {ident!r} (also {kind}[{first[ident]}])"))
        first.setdefault(ident, index)
    return out


def _range_problems(loc: Loc, est: Estimate, lo: float, hi: float, what: str) -> list[tuple[Loc, str]]:
    out = []
    for field, v in (("value", est.value), ("low", est.low), ("high", est.high)):
        if v is not None and not lo <= v <= hi:
            where = loc if field == "value" and est.low is None else (*loc, field)
            out.append((where, f"{what} {v:g} is outside [{lo:g}, {hi:g}]"))
    return out


def check_references(s: Scenario) -> list[tuple[Loc, str]]:
    """Whole-document checks; returns (field path, message) pairs, empty when the scenario is consistent."""
    out: list[tuple[Loc, str]] = []
    for kind, items in (
        ("actors", s.actors),
        ("issues", s.issues),
        ("interventions", s.interventions),
        ("strategies", s.strategies),
        ("bibliography", s.bibliography),
    ):
        out += _duplicates(kind, (x.id for x in items))
    actors = {a.id for a in s.actors}
    issues = {i.id: i for i in s.issues}
    source_ids = {b.id for b in s.bibliography}
    if not s.actors:
        out.append((("actors",), "a scenario needs at least one actor"))
    if not s.issues:
        out.append((("issues",), "a scenario needs at least one issue"))

    for i, a in enumerate(s.actors):
        if a.id in RESERVED_IDS:
            out.append((("actors", i, "id"), f"{a.id!r} is reserved for intervention targets"))
        out += _range_problems(("actors", i, "capability"), a.capability, 0.0, float("inf"), "capability")
    for i, issue in enumerate(s.issues):
        sc = issue.scale
        if not sc.low < sc.high:
            out.append((("issues", i, "scale"), f"scale low ({sc.low:g}) must be below high ({sc.high:g})"))
            continue
        for j, anchor in enumerate(sc.anchors):
            if not sc.low <= anchor.value <= sc.high:
                out.append((("issues", i, "scale", "anchors", j, "value"), f"anchor {anchor.value:g} is off the scale"))
        if issue.status_quo is not None:
            out += _range_problems(("issues", i, "status_quo"), issue.status_quo, sc.low, sc.high, "status quo")

    seen_stances: dict[tuple[str, str], int] = {}
    for i, st in enumerate(s.stances):
        if st.actor not in actors:
            out.append((("stances", i, "actor"), f"unknown actor {st.actor!r}"))
        if st.issue not in issues:
            out.append((("stances", i, "issue"), f"unknown issue {st.issue!r}"))
        else:
            sc = issues[st.issue].scale
            if sc.low < sc.high:
                out += _range_problems(("stances", i, "position"), st.position, sc.low, sc.high, "position")
        out += _range_problems(("stances", i, "salience"), st.salience, 0.0, s.salience_scale, "salience")
        if st.influence is not None:
            out += _range_problems(("stances", i, "influence"), st.influence, 0.0, float("inf"), "influence")
        key = (st.actor, st.issue)
        if key in seen_stances:
            out.append(
                (("stances", i), f"second stance of {st.actor!r} on {st.issue!r} (first: stances[{seen_stances[key]}])")
            )
        seen_stances.setdefault(key, i)

    out += _range_problems(("channels", "default"), s.channels.default, 0.0, 1.0, "channel strength")
    for i, link in enumerate(s.channels.links):
        for j, end in enumerate(link.between):
            if end not in actors:
                out.append((("channels", "links", i, "between", j), f"unknown actor {end!r}"))
        if link.between[0] == link.between[1]:
            out.append((("channels", "links", i, "between"), "a channel joins two different actors"))
        out += _range_problems(("channels", "links", i, "strength"), link.strength, 0.0, 1.0, "channel strength")

    for i, iv in enumerate(s.interventions):
        if iv.success is not None:
            out += _range_problems(("interventions", i, "success"), iv.success, 0.0, 1.0, "success probability")
        for j, change in enumerate(iv.changes):
            loc: Loc = ("interventions", i, "changes", j)
            out += [((*loc, *sub), msg) for sub, msg in check_change(change, actors, issues.keys())]
    interventions = {iv.id for iv in s.interventions}
    for i, strat in enumerate(s.strategies):
        for j, ref in enumerate(strat.interventions):
            if ref not in interventions:
                out.append((("strategies", i, "interventions", j), f"unknown intervention {ref!r}"))
    for i, goal in enumerate(s.targets):
        if goal.issue not in issues:
            out.append((("targets", i, "issue"), f"unknown issue {goal.issue!r}"))
        else:
            sc = issues[goal.issue].scale
            if not sc.low <= goal.value <= sc.high:
                out.append((("targets", i, "value"), f"target {goal.value:g} is outside [{sc.low:g}, {sc.high:g}]"))
    out += check_decisions(s)
    for i, outcome in enumerate(s.outcomes):
        if outcome.issue not in issues:
            out.append((("outcomes", i, "issue"), f"unknown issue {outcome.issue!r}"))
        elif issues[outcome.issue].scale.low < issues[outcome.issue].scale.high:
            sc = issues[outcome.issue].scale
            out += _range_problems(("outcomes", i, "value"), outcome.value, sc.low, sc.high, "outcome")
        if outcome.date is not None and s.as_of is not None and outcome.date < s.as_of:
            out.append(
                (("outcomes", i, "date"), f"outcome dated {outcome.date} precedes the scenario's as_of {s.as_of}")
            )
    scales = {i.id: (i.scale.low, i.scale.high) for i in s.issues if i.scale.low < i.scale.high}
    out += check_indicators(s.indicators, actors, scales, source_ids if s.bibliography else set())
    out += _schema_2_fields(s)
    if s.client is not None and s.client not in actors:
        out.append((("client",), f"unknown actor {s.client!r}"))
    if source_ids or s.bibliography:
        out += _check_sources(s, source_ids)
    return out


def decision_members(s: Scenario, names: Iterable[str]) -> list[str] | None:
    """Actor ids named by ``names`` (actor ids or group names, in order, without repeats); None if one is unknown."""
    actors = [a.id for a in s.actors]
    out: list[str] = []
    for name in names:
        found = [name] if name in actors else [a.id for a in s.actors if a.group == name]
        if not found:
            return None
        out += [a for a in found if a not in out]
    return out


def check_decisions(s: Scenario) -> list[tuple[Loc, str]]:
    """Each issue's decision structure: members exist and hold a stance, rules have what they need."""
    out: list[tuple[Loc, str]] = []
    holders: dict[str, set[str]] = {}
    for st in s.stances:
        holders.setdefault(st.issue, set()).add(st.actor)
    for i, issue in enumerate(s.issues):
        d = issue.decision
        if d is None:
            continue
        loc: Loc = ("issues", i, "decision")
        if "decision_rule" in issue.model_fields_set:
            out.append(((*loc,), "give decision or decision_rule, not both"))
        fields = {"owner": d.owner, "players": d.players, "share": d.share, "blocking": d.blocking}
        needs = {"owner": ("owner",), "veto": ("players",), "qualified_majority": ()}.get(d.rule, ())
        allowed = {"owner": {"owner"}, "veto": {"players"}, "qualified_majority": {"share", "blocking"}}.get(
            d.rule, set()
        )
        for name, value in fields.items():
            if value not in (None, []) and name not in allowed:
                out.append(((*loc, name), f"{name} does not apply to rule {d.rule!r}"))
        for name in needs:
            if not fields[name]:
                out.append(((*loc, name), f"rule {d.rule!r} needs {name}"))
        if d.rule == "qualified_majority" and d.share is None and d.blocking is None:
            out.append(((*loc, "share"), "rule 'qualified_majority' needs share (or blocking)"))
        for name in ("share", "blocking"):
            value = fields[name]
            if isinstance(value, float) and not 0 < value <= 1:
                out.append(((*loc, name), f"{name} {value:g} is outside (0, 1]"))
        if d.rule in ("veto", "qualified_majority") and issue.status_quo is None:
            out.append(((*loc, "rule"), f"rule {d.rule!r} needs the issue's status_quo"))
        for name, names in (("owner", d.owner), ("players", d.players)):
            for k, member in enumerate(names):
                ids = decision_members(s, [member])
                if ids is None:
                    out.append(((*loc, name, k), f"unknown actor or group {member!r}"))
                    continue
                for a in ids:
                    if a not in holders.get(issue.id, set()):
                        out.append(((*loc, name, k), f"{a!r} decides {issue.id!r} but holds no stance on it"))
    return out


SCHEMA_2 = "needs schema_version: 2 (add `schema_version: 2` at the top of the file)"


def _schema_2_fields(s: Scenario) -> list[tuple[Loc, str]]:
    """Fields of schema 2 in a file that declares (or defaults to) version 1."""
    if s.schema_version >= 2:
        return []
    out: list[tuple[Loc, str]] = []
    out += [(("issues", i, "decision"), f"decision {SCHEMA_2}") for i, x in enumerate(s.issues) if x.decision]
    out += [(("stances", i, "influence"), f"influence {SCHEMA_2}") for i, x in enumerate(s.stances) if x.influence]
    out += [
        (("interventions", i, "success"), f"success {SCHEMA_2}") for i, x in enumerate(s.interventions) if x.success
    ]
    out += [(("outcomes",), f"outcomes {SCHEMA_2}")] if s.outcomes else []
    out += [(("horizon",), f"horizon {SCHEMA_2}")] if s.horizon else []
    out += [(("supersedes",), f"supersedes {SCHEMA_2}")] if s.supersedes else []
    out += [(("indicators",), f"indicators {SCHEMA_2}")] if s.indicators else []
    return out


def parse_target(target: str) -> tuple[str, tuple[str, ...]]:
    """Split a change target into its kind and parts; raises ValueError with a readable message."""
    parts = tuple(target.split("."))
    if parts[0] == "channel":
        if len(parts) != 3:
            raise ValueError("a channel target is 'channel.A.B'")
        return "channel", parts[1:]
    if parts[0] == "coalition":
        if len(parts) != 2:
            raise ValueError("a coalition target is 'coalition.ISSUE'")
        return "coalition", parts[1:]
    if len(parts) == 2 and parts[1] == "capability":
        return "capability", parts[:1]
    if len(parts) == 3 and parts[2] in STANCE_FIELDS:
        return parts[2], parts[:2]
    raise ValueError(
        "target must be ACTOR.ISSUE.position, ACTOR.ISSUE.salience, ACTOR.capability, channel.A.B or coalition.ISSUE"
    )


_OPS = {
    "channel": {"open", "close", "set", "add", "scale"},
    "coalition": {"align"},
    "capability": {"set", "add", "scale"},
    "position": {"set", "add", "scale"},
    "salience": {"set", "add", "scale"},
}


def check_change(change: Any, actors: set[str], issues: Iterable[str]) -> list[tuple[Loc, str]]:
    issues = set(issues)
    try:
        kind, parts = parse_target(change.target)
    except ValueError as exc:
        return [(("target",), f"{change.target!r}: {exc}")]
    out: list[tuple[Loc, str]] = []
    if change.op not in _OPS[kind]:
        out.append(
            (("op",), f"op {change.op!r} does not apply to a {kind} target (use {', '.join(sorted(_OPS[kind]))})")
        )
    if kind == "coalition":
        if parts[0] not in issues:
            out.append((("target",), f"unknown issue {parts[0]!r}"))
        if len(change.members) < 2:
            out.append((("members",), "a coalition needs at least two members"))
        out += [(("members", k), f"unknown actor {m!r}") for k, m in enumerate(change.members) if m not in actors]
        return out
    if kind == "channel":
        out += [(("target",), f"unknown actor {p!r}") for p in parts if p not in actors]
        if change.op in {"set", "add", "scale"} and change.value is None:
            out.append((("value",), f"op {change.op!r} needs a value"))
        return out
    if parts[0] not in actors:
        out.append((("target",), f"unknown actor {parts[0]!r}"))
    if kind in STANCE_FIELDS and parts[1] not in issues:
        out.append((("target",), f"unknown issue {parts[1]!r}"))
    if change.value is None:
        out.append((("value",), f"op {change.op!r} needs a value"))
    return out


def _check_sources(s: Scenario, known: set[str]) -> list[tuple[Loc, str]]:
    """Every `sources: [...]` reference must name a bibliography entry."""
    out: list[tuple[Loc, str]] = []

    def visit(obj: Any, loc: Loc) -> None:
        if isinstance(obj, list):
            for k, item in enumerate(obj):
                visit(item, (*loc, k))
            return
        if not isinstance(obj, BaseModel):
            return
        for field in type(obj).model_fields:
            value = getattr(obj, field)
            if field == "sources" and isinstance(value, list):
                out.extend(
                    ((*loc, "sources", k), f"unknown source {ref!r}") for k, ref in enumerate(value) if ref not in known
                )
            else:
                visit(value, (*loc, field))

    for field in ("actors", "issues", "stances", "interventions", "strategies", "outcomes"):
        visit(getattr(s, field), (field,))
    visit(s.channels.links, ("channels", "links"))
    out.extend((("sources", k), f"unknown source {ref!r}") for k, ref in enumerate(s.sources) if ref not in known)
    return out
