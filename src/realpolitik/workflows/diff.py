"""Diff: what changed between two versions of a scenario, number by number, and how the forecasts moved.

:func:`diff` lists every changed number (old → new value and range, with the new rationale and sources), every
added or removed element (actor, issue, stance, channel, intervention, strategy, indicator, outcome, target,
source), every other changed field, and the scenario-level fields (as_of, supersedes...). Elements are matched by
their identity (id; actor and issue for a stance; the pair for a channel; issue and date for an outcome), never by
position, so reordering a list changes nothing. It also checks what the new version says it supersedes against
the old one (id and sha256).

:func:`since` adds, for ``realpolitik brief NEW --since OLD``, how each model's forecast of each issue moved and how
the strategy comparison moved, both computed on the same draws and seed for the two versions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..scenario import LoadedScenario
from ..scenario.indicators import Supersedes
from ..scenario.model import Estimate, Scenario
from . import text

TEXT_FIELDS = frozenset({"rationale", "sources", "description", "note", "name", "title", "label"})
ELEMENTS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("actors", "actor", lambda x: x.id),
    ("issues", "issue", lambda x: x.id),
    ("stances", "stance", lambda x: f"{x.actor}.{x.issue}"),
    ("interventions", "intervention", lambda x: x.id),
    ("strategies", "strategy", lambda x: x.id),
    ("indicators", "indicator", lambda x: x.id),
    ("outcomes", "outcome", lambda x: f"{x.issue}@{x.date or 'undated'}"),
    ("targets", "target", lambda x: f"{x.issue}{x.op}"),
    ("bibliography", "source", lambda x: x.id),
)
SCALARS = ("schema_version", "id", "title", "as_of", "client", "salience_scale", "horizon", "supersedes", "origin")


def _plain(v: Any) -> Any:
    """JSON-friendly value of a field (models dumped, dates as text)."""
    if isinstance(v, BaseModel):
        return v.model_dump(mode="json")
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def shown(v: Any) -> str:
    """A field's value as text: an estimate with its range, a reference by name and hash."""
    if isinstance(v, Estimate):
        return text.estimate(v)
    if isinstance(v, Supersedes):
        return str(v)
    if v is None:
        return "(none)"
    p = _plain(v)
    return p if isinstance(p, str) else str(p)


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is number, added, removed, changed (a non-number field) or text."""

    kind: str
    element: str
    key: str
    field: str
    old: Any = None
    new: Any = None
    rationale: str | None = None
    sources: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return " ".join(x for x in (self.element, self.key, self.field) if x)

    def sentence(self) -> str:
        """The change in words, with its numbers, rationale and sources."""
        tail = (f" Rationale: {self.rationale}" if self.rationale else "") + (
            f" Sources: {', '.join(self.sources)}." if self.sources else ""
        )
        if self.kind == "added":
            return f"Added {self.element} {self.key}{': ' + self.new if isinstance(self.new, str) else ''}.{tail}"
        if self.kind == "removed":
            return f"Removed {self.element} {self.key}{': ' + self.old if isinstance(self.old, str) else ''}."
        if self.kind == "number":
            old, new = self.old, self.new
            delta = ""
            if isinstance(old, Estimate) and isinstance(new, Estimate):
                delta = f" ({text.signed(new.value - old.value, 3).rstrip('0').rstrip('.')})"
            return f"{self.where}: {shown(old)} → {shown(new)}{delta}.{tail}"
        if self.kind == "text":
            return f"{self.where} changed: {shown(self.new)}"
        return f"{self.where}: {shown(self.old)} → {shown(self.new)}.{tail}"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "element": self.element,
            "key": self.key,
            "field": self.field,
            "old": _plain(self.old),
            "new": _plain(self.new),
            "rationale": self.rationale,
            "sources": list(self.sources),
            "sentence": self.sentence(),
        }


def _estimate_changes(element: str, key: str, name: str, old: Estimate | None, new: Estimate | None) -> list[Change]:
    if old is None or new is None:
        if old is new:
            return []
        est = new or old
        assert est is not None
        return [Change("number", element, key, name, old, new, est.rationale, tuple(est.sources))]
    numbers = ("value", "low", "high", "dist")
    if any(getattr(old, f) != getattr(new, f) for f in numbers):
        return [Change("number", element, key, name, old, new, new.rationale, tuple(new.sources))]
    if (old.rationale, old.sources) != (new.rationale, new.sources):
        shown = (new.rationale or "") + (f" Sources: {', '.join(new.sources)}." if new.sources else "")
        return [Change("text", element, key, f"{name} (rationale)", old.rationale, shown.strip())]
    return []


def compare(element: str, key: str, old: BaseModel, new: BaseModel, prefix: str = "") -> list[Change]:
    """Field by field: estimates as numbers, nested models recursively, everything else as a whole."""
    out: list[Change] = []
    for name in type(new).model_fields:
        a, b = getattr(old, name, None), getattr(new, name, None)
        path = f"{prefix}{name}"
        if isinstance(a, Estimate) or isinstance(b, Estimate):
            out += _estimate_changes(element, key, path, a, b)
        elif isinstance(a, BaseModel) and isinstance(b, BaseModel) and type(a) is type(b):
            out += compare(element, key, a, b, f"{path}.")
        elif (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(isinstance(x, BaseModel) for x in (*a, *b))
        ):
            for j, (x, y) in enumerate(zip(a, b, strict=True)):
                out += compare(element, key, x, y, f"{path}[{j}].")
        elif _plain(a) != _plain(b):
            kind = "text" if name in TEXT_FIELDS else "changed"
            out.append(Change(kind, element, key, path, a, b))
    return out


def _summary(x: BaseModel) -> str:
    name = getattr(x, "name", None) or getattr(x, "title", None)
    parts = [str(name)] if name else []
    for f in ("position", "salience", "capability", "status_quo", "value", "strength"):
        v = getattr(x, f, None)
        if isinstance(v, Estimate):
            parts.append(f"{f} {text.estimate(v)}")
    return ", ".join(parts)


def _keyed(element: str, old: Iterable[Any], new: Iterable[Any], key: Callable[[Any], str]) -> list[Change]:
    def index(items: Iterable[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for x in items:
            k = key(x)
            n = 2
            while k in out:  # repeated keys (two undated outcomes of one issue) keep their order
                k, n = f"{key(x)}#{n}", n + 1
            out[k] = x
        return out

    a, b = index(old), index(new)
    out: list[Change] = []
    for k, x in b.items():
        if k not in a:
            why, sources = getattr(x, "rationale", None), tuple(getattr(x, "sources", ()))
            out.append(Change("added", element, k, "", None, _summary(x), why, sources))
        else:
            out += compare(element, k, a[k], x)
    out += [Change("removed", element, k, "", _summary(x), None) for k, x in a.items() if k not in b]
    return out


def _link_key(link: Any) -> str:
    ends = tuple(link.between) if link.directed else tuple(sorted(link.between))
    return ("→" if link.directed else "–").join(ends)


def scenario_changes(old: Scenario, new: Scenario) -> list[Change]:
    """Every difference between two scenarios, scenario-level fields first, then element by element."""
    out: list[Change] = []
    for name in SCALARS:
        a, b = getattr(old, name), getattr(new, name)
        if _plain(a) != _plain(b):
            out.append(Change("changed", "scenario", "", name, a, b))
    for name in ("description", "rationale", "sources", "metadata"):
        a, b = getattr(old, name), getattr(new, name)
        if _plain(a) != _plain(b):
            out.append(Change("text", "scenario", "", name, a, b))
    for attr, element, key in ELEMENTS:
        out += _keyed(element, getattr(old, attr), getattr(new, attr), key)
    out += _estimate_changes("channel", "(default)", "strength", old.channels.default, new.channels.default)
    for name in ("rationale", "sources"):
        a, b = getattr(old.channels, name), getattr(new.channels, name)
        if a != b:
            out.append(Change("text", "channels", "", name, a, b))
    out += _keyed("channel", old.channels.links, new.channels.links, _link_key)
    return out


@dataclass(frozen=True)
class ScenarioDiff:
    """Two versions and what changed between them; ``notes`` on what the new one says it supersedes."""

    old: LoadedScenario
    new: LoadedScenario
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.kind] = out.get(c.kind, 0) + 1
        return out

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def sentences(self) -> list[str]:
        return [c.sentence() for c in self.changes]

    def to_json_dict(self) -> dict[str, Any]:
        def side(x: LoadedScenario) -> dict[str, Any]:
            s = x.scenario
            return {"source": x.source, "sha256": x.sha256, "id": s.id, "as_of": _plain(s.as_of)}

        return {
            "old": side(self.old),
            "new": side(self.new),
            "counts": self.counts(),
            "notes": list(self.notes),
            "changes": [c.to_json_dict() for c in self.changes],
        }

    def to_markdown(self) -> str:
        o, n = self.old, self.new
        lines = [f"# Changes from `{o.source}` to `{n.source}`", ""]
        lines += [f"- old: `{o.scenario.id}` as of {o.scenario.as_of}, sha256 `{o.sha256}`"]
        lines += [f"- new: `{n.scenario.id}` as of {n.scenario.as_of}, sha256 `{n.sha256}`", ""]
        lines += [f"> {note}" for note in self.notes] + ([""] if self.notes else [])
        numbers = self.of_kind("number")
        if numbers:
            lines += [
                "## Numbers",
                "",
                "| element | field | old | new | rationale | sources |",
                "|---|---|---:|---:|---|---|",
            ]
            for c in numbers:
                cells = [
                    f"{c.element} {c.key}",
                    c.field,
                    shown(c.old),
                    shown(c.new),
                    c.rationale or "",
                    ", ".join(c.sources),
                ]
                lines.append("| " + " | ".join(x.replace("|", "\\|").replace("\n", " ") for x in cells) + " |")
            lines.append("")
        for title, kinds in (("Added and removed", ("added", "removed")), ("Other fields", ("changed", "text"))):
            found = self.of_kind(*kinds)
            if found:
                lines += [f"## {title}", ""] + [f"- {c.sentence()}" for c in found] + [""]
        if not self.changes:
            lines.append("No differences.")
        return "\n".join(lines).rstrip() + "\n"


def supersedes_notes(old: LoadedScenario, new: LoadedScenario) -> list[str]:
    """What the new version names as its predecessor, against the old one given (neutral notes, never errors)."""
    ref = new.scenario.supersedes
    if ref is None:
        return [f"{new.source} names no previous version (supersedes)."]
    notes = []
    if ref.id is not None and ref.id not in (old.scenario.id, old.source.removesuffix(".yaml")):
        notes.append(f"{new.source} supersedes {ref.id!r}, but {old.source} has id {old.scenario.id!r}.")
    if ref.sha256 is not None and ref.sha256 != old.sha256:
        notes.append(
            f"{new.source} supersedes a file with sha256 {ref.sha256[:12]}…, but {old.source} has sha256 "
            f"{old.sha256[:12]}…: the old version given is not the one the new version names."
        )
    return notes


def diff(old: LoadedScenario, new: LoadedScenario) -> ScenarioDiff:
    """Every difference between ``old`` and ``new`` (see the module docstring)."""
    return ScenarioDiff(
        old, new, tuple(scenario_changes(old.scenario, new.scenario)), tuple(supersedes_notes(old, new))
    )


# --- how the forecasts and the strategy comparison moved (brief --since) ---------------------------------------


@dataclass
class SinceData:
    """For a brief of NEW since OLD: the diff, and per model and issue how the forecast moved, and per strategy how
    the comparison moved (same draws and seed for both versions)."""

    diff: ScenarioDiff
    forecasts: list[dict[str, Any]] = field(default_factory=list)
    lab: list[dict[str, Any]] = field(default_factory=list)
    lab_note: str = ""
    notes: list[str] = field(default_factory=list)

    def title(self) -> str:
        return f"What changed since {self.diff.old.source}"

    def markdown_lines(self) -> list[str]:
        """The section in Markdown: the diff in words, then the forecasts and the strategy comparison, old → new."""
        o, n = self.diff.old, self.diff.new
        lines = ["", f"## {self.title()}", ""]
        lines += [
            f"`{o.source}` ({o.scenario.id}, as of {o.scenario.as_of}, sha256 `{o.sha256[:12]}`) → `{n.source}` "
            f"(as of {n.scenario.as_of}, sha256 `{n.sha256[:12]}`): {len(self.diff.changes)} change(s).",
            "",
        ]
        lines += [f"> {note}" for note in self.notes] + ([""] if self.notes else [])
        lines += [f"- {c.sentence()}" for c in self.diff.changes] or ["No differences in the scenario."]
        lines += ["", "Forecasts, point [5%–95% over the same input draws and seed]:", ""]
        lines += ["| model | issue | old | new | change |", "|---|---|---:|---:|---:|"]
        for m in self.forecasts:
            change = text.signed(m["change"], 1) if m["change"] is not None else text.MISSING
            lines.append(f"| {m['model']} | {m['issue']} | {band_text(m['old'])} | {band_text(m['new'])} | {change} |")
        if self.lab:
            lines += ["", "Strategy comparison:", "", "| strategy | old | new |", "|---|---|---|"]
            lines += [f"| {r['strategy']} | {lab_text(r['old'])} | {lab_text(r['new'])} |" for r in self.lab]
        if self.lab_note:
            lines += ["", self.lab_note]
        return lines

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "diff": self.diff.to_json_dict(),
            "forecasts": self.forecasts,
            "lab": self.lab,
            "lab_note": self.lab_note,
            "notes": self.notes,
        }


def _point(run: Any, issue: str) -> dict[str, Any] | None:
    if run is None or run.error is not None or issue not in run.trajectory.arrays.issue_ids:
        return None
    x = float(run.forecast()[issue])
    band = run.band.get(issue)
    return {"forecast": x, "q05": band[0] if band else None, "q95": band[2] if band else None}


def forecast_moves(old_runs: Iterable[Any], new_runs: Iterable[Any], issues: Iterable[str]) -> list[dict[str, Any]]:
    """Per model and issue (of either version): old and new forecast with their 5–95 % bands, and the change."""
    olds = {r.name: r for r in old_runs}
    news = {r.name: r for r in new_runs}
    out = []
    for model in [*news, *(m for m in olds if m not in news)]:
        for issue in issues:
            a, b = _point(olds.get(model), issue), _point(news.get(model), issue)
            if a is None and b is None:
                continue
            change = b["forecast"] - a["forecast"] if a and b else None
            out.append({"model": model, "issue": issue, "old": a, "new": b, "change": change})
    return out


def lab_moves(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Per strategy: expected utility ± s.e., P[best] and P[targets] (with its interval) in both versions."""
    keys = ("expected_utility", "expected_utility_se", "p_best", "p_satisficing", "p_satisficing_ci95")

    def rows(summary: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
        if not summary:
            return {}
        return {r["strategy"]: {k: r.get(k) for k in keys} for r in summary.get("strategies", [])}

    a, b = rows(old), rows(new)
    out = []
    for name in [*b, *(x for x in a if x not in b)]:
        x, y = a.get(name), b.get(name)
        eu = y["expected_utility"] - x["expected_utility"] if x and y else None
        out.append({"strategy": name, "old": x, "new": y, "expected_utility_change": eu})
    return out


def band_text(p: dict[str, Any] | None) -> str:
    """``42.0 [30.5–60.2]``: a forecast with its band, ``(not forecast)`` where the version lacks it."""
    if p is None:
        return "(not forecast)"
    if p["q05"] is None:
        return f"{p['forecast']:.1f}"
    return text.interval(p["forecast"], p["q05"], p["q95"])


def move_lines(data: SinceData) -> list[str]:
    """The moves in words, one line per model and issue and per strategy (plain text, the brief escapes it)."""
    lines = []
    for m in data.forecasts:
        change = "" if m["change"] is None else f" ({text.signed(m['change'], 1)})"
        lines.append(f"{m['model']} on {m['issue']}: {band_text(m['old'])} → {band_text(m['new'])}{change}")
    for row in data.lab:
        lines.append(f"strategy {row['strategy']}: {lab_text(row['old'])} → {lab_text(row['new'])}")
    return lines


def lab_text(r: dict[str, Any] | None) -> str:
    if r is None:
        return "(not compared)"
    eu, se = r.get("expected_utility"), r.get("expected_utility_se")
    out = "–" if eu is None or not math.isfinite(eu) else f"expected utility {eu:.3f} ± {se or 0:.3f}"
    if r.get("p_satisficing") is not None:
        lo, hi = r.get("p_satisficing_ci95") or (None, None)
        out += f", P[targets] {text.probability(r['p_satisficing'], lo, hi)}"
    return out


def since(
    old: LoadedScenario,
    new: LoadedScenario,
    new_runs: Iterable[Any],
    new_lab: Mapping[str, Any] | None,
    *,
    models: tuple[str, ...] = (),
    draws: int = 200,
    seed: int = 0,
    lab_model: str | None = None,
    targets: tuple[str, ...] = (),
    lab_out: Any = None,
) -> SinceData:
    """The diff of OLD → NEW, and OLD's forecasts and strategy comparison on the same draws and seed as NEW's
    (``new_runs``; ``new_lab`` the lab summary, None when NEW has none)."""
    from .forecast import ForecastRequest, forecast
    from .lab import LabRequest, run_lab

    found = diff(old, new)
    s_old, s_new = old.scenario, new.scenario
    runs = forecast(ForecastRequest(old, models, seed=seed, band_draws=draws)).runs
    issues = [i.id for i in s_new.issues] + [i.id for i in s_old.issues if i.id not in {x.id for x in s_new.issues}]
    data = SinceData(found, forecast_moves(runs, new_runs, issues), notes=list(found.notes))
    if new_lab is None:
        data.lab_note = "The new version has no strategy comparison."
    elif not s_old.strategies or s_old.client is None:
        data.lab_note = "The old version has no strategies or no client, so its strategies were not compared."
        data.lab = lab_moves(None, new_lab)
    else:
        known = {i.id for i in s_old.issues}
        goals = tuple(t for t in targets if t.split(">=")[0].split("<=")[0].strip() in known)
        lab = run_lab(LabRequest(old, targets=goals, draws=draws, seed=seed, model=lab_model, out=lab_out))
        data.lab = lab_moves(lab.to_json_dict(), new_lab)
        if goals != targets:
            data.notes.append("Targets on issues the old version lacks were left out of its comparison.")
    return data
