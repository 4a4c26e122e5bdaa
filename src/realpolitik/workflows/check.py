"""Assumption check: a scenario's channels and alignments against recent dyad evidence in a workspace.

Each :class:`Finding` states the scenario's number and the evidence (counts, net cooperation, the window) and
nothing else: no recommendation. The evidence is event-data counts, which follow media coverage and coder
behaviour as much as the relations themselves; every finding carries that caveat.

Rules (all thresholds are fields of :class:`CheckRules`):

* ``weak_channel_cooperation_rising``: channel strength <= ``weak`` (listed or the scenario's default) while
  cooperation events (quad classes 1-2) in the window are at least ``min_events`` and their share of all events
  of the source is at least ``rise_ratio`` times the share in the window before (which must hold at least
  ``min_events`` events of the source: no claim of a rise without earlier coverage).
* ``strong_channel_no_events``: strength >= ``strong`` but fewer than ``min_dyad_events`` events between the two,
  although each of them appears in at least ``min_events`` events of that source in the window (so the silence is
  not simply missing coverage).
* ``aligned_but_conflict``: the two actors' stances are close (mean |position difference| / scale range <=
  ``aligned``) but material conflict (quad class 4) is at least ``conflict_share`` of their events.
* ``opposed_without_conflict``: stances far apart (>= ``opposed``) yet no conflict event (quad 3-4) among at least
  ``min_events`` events.
* ``no_coverage`` / ``unmapped_actor`` / ``not_assessable``: what could not be checked, and why.

Issue levels (:mod:`realpolitik.workflows.indicators`), for each of the scenario's ``indicators``:

* ``indicator_level``: the observed level over the indicator's window, with its band and the evidence;
* ``indicator_vs_status_quo``: the band and the status quo's range (or point) do not overlap;
* ``indicator_vs_forecast``: a model's forecast (its 5–95 % band with ``draws``, else its point) lies outside the
  observed band;
* ``signpost``: a change point on the indicator's series (PELT, as ``realpolitik events alerts``);
* ``indicator_no_data``: the indicator could not be read, and why.

Evidence warnings, per source and per indicator: ``stale_evidence`` (the window ends more than ``stale_days``
before the scenario's as_of, or the data end more than ``stale_days`` before the window does),
``evidence_after_as_of`` (the data start after the scenario's as_of) and ``short_evidence`` (the data cover less
than ``min_coverage`` of the window; the warning says how much).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..events import actors as actors_mod
from ..events import store
from ..events.errors import EventsError
from ..scenario.model import Scenario

if TYPE_CHECKING:
    from .forecast import ModelRun
    from .indicators import Reading

CAVEAT = (
    "Evidence is event-data counts (GDELT/ICEWS, machine-coded from news): they follow media coverage and "
    "coder behaviour, not only relations between the actors."
)


@dataclass(frozen=True)
class CheckRules:
    weak: float = 0.3
    strong: float = 0.6
    min_events: int = 10
    min_dyad_events: int = 1
    rise_ratio: float = 1.5
    aligned: float = 0.15
    opposed: float = 0.5
    conflict_share: float = 0.25
    stale_days: int = 30
    min_coverage: float = 0.8


@dataclass(frozen=True)
class Finding:
    kind: str
    actors: tuple[str, str] | tuple[str]
    message: str
    source: str | None = None
    window: tuple[str, str] | None = None
    scenario: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    caveat: str = CAVEAT
    issue: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _strength(value: Any) -> float:
    return float(getattr(value, "value", value))


def _alignment(s: Scenario, a: str, b: str) -> tuple[float, int] | None:
    """Mean |position_a - position_b| / (scale high - low) over issues where both have a stance."""
    ds: list[float] = []
    for issue in s.issues:
        sa, sb = s.stance(a, issue.id), s.stance(b, issue.id)
        if sa is None or sb is None:
            continue
        rng = (issue.scale.high - issue.scale.low) or 1.0
        ds.append(abs(_strength(sa.position) - _strength(sb.position)) / rng)
    return (sum(ds) / len(ds), len(ds)) if ds else None


def _evidence(
    con: duckdb.DuckDBPyConnection, start: dt.date, mid: dt.date, end: dt.date
) -> tuple[
    dict[tuple[str, str, str], dict[str, dict[str, int]]], dict[tuple[str, str], int], dict[tuple[str, str], int]
]:
    """Pair counts per source and window ('now' = (mid, end], 'before' = (start, mid]), totals, actor counts."""
    base = f"""SELECT source, actor1, actor2, quad_class,
                      CASE WHEN event_date > DATE '{mid}' THEN 'now' ELSE 'before' END AS w
               FROM events_resolved
               WHERE event_date > DATE '{start}' AND event_date <= DATE '{end}' AND quad_class IS NOT NULL"""
    pairs: dict[tuple[str, str, str], dict[str, dict[str, int]]] = {}
    for src, x, y, w, n, coop, q3, q4 in con.execute(
        f"""SELECT source, least(actor1, actor2), greatest(actor1, actor2), w, count(*),
                   count(*) FILTER (WHERE quad_class IN (1, 2)), count(*) FILTER (WHERE quad_class = 3),
                   count(*) FILTER (WHERE quad_class = 4)
            FROM ({base}) WHERE actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor1 <> actor2 GROUP BY ALL"""
    ).fetchall():
        pairs.setdefault((str(src), str(x), str(y)), {})[str(w)] = dict(
            n=int(n), coop=int(coop), verbal_conflict=int(q3), material_conflict=int(q4)
        )
    totals: dict[tuple[str, str], int] = {}
    for src, w, n in con.execute(f"SELECT source, w, count(*) FROM ({base}) GROUP BY ALL").fetchall():
        totals[(str(src), str(w))] = int(n)
    actor_n: dict[tuple[str, str], int] = {}
    for src, a, n in con.execute(
        f"""SELECT source, a, count(*) FROM (SELECT source, actor1 AS a FROM ({base}) WHERE w = 'now'
            UNION ALL SELECT source, actor2 FROM ({base}) WHERE w = 'now') WHERE a IS NOT NULL GROUP BY ALL"""
    ).fetchall():
        actor_n[(str(src), str(a))] = int(n)
    return pairs, totals, actor_n


def check_assumptions(
    scenario: Scenario,
    workspace: Path | str | duckdb.DuckDBPyConnection,
    *,
    window: int | dt.timedelta = 180,
    as_of: dt.date | None = None,
    rules: CheckRules = CheckRules(),
    actor_table: actors_mod.ActorTable | None = None,
) -> list[Finding]:
    """Compare the scenario's channel strengths and stance alignments with the workspace's recent events.

    ``window`` (days) is the evidence window ending at ``as_of`` (default: the scenario's ``as_of``, else the last
    event date in the workspace); the window before it, of the same length, is the comparison for "rising".
    """
    own = not isinstance(workspace, duckdb.DuckDBPyConnection)
    if own:
        path = Path(workspace)  # type: ignore[arg-type]
        if not path.is_file():
            raise EventsError("no such workspace", file=str(path))
        con = store.connect(path, read_only=True)
    else:
        con = workspace  # type: ignore[assignment]
    try:
        return _check(scenario, con, window, as_of, rules, actor_table)
    except duckdb.Error as exc:
        raise EventsError(f"cannot read the workspace: {str(exc).splitlines()[0]}") from None
    finally:
        if own:
            con.close()


def _check(
    scenario: Scenario,
    con: duckdb.DuckDBPyConnection,
    window: int | dt.timedelta,
    as_of: dt.date | None,
    rules: CheckRules,
    actor_table: actors_mod.ActorTable | None,
) -> list[Finding]:
    w = window if isinstance(window, dt.timedelta) else dt.timedelta(days=int(window))
    if w.days < 1:
        raise EventsError("window must be at least one day", field="--window")
    rng = con.execute("SELECT min(event_date), max(event_date) FROM events").fetchone()
    data_lo, data_hi = rng or (None, None)
    end = as_of or scenario.as_of or data_hi
    findings: list[Finding] = []
    if end is None:
        return [Finding("no_coverage", ("*", "*"), "The workspace holds no events.")]
    mid, start = end - w, end - 2 * w
    win = (str(mid + dt.timedelta(days=1)), str(end))
    pairs, totals, actor_n = _evidence(con, start, mid, end)
    sources = sorted({s for (s, ww) in totals if ww == "now"})
    if not sources:
        return [
            Finding(
                "no_coverage",
                ("*", "*"),
                f"No CAMEO-coded events between {win[0]} and {win[1]}; the workspace covers "
                f"{data_lo} to {data_hi}. Nothing was checked.",
                window=win,
                evidence={"data_from": str(data_lo), "data_to": str(data_hi)},
            )
        ]
    table = actor_table or actors_mod.default_actors()
    smap = table.scenario_map()
    known = set(table.ids())
    ids = [a.id for a in scenario.actors]
    mapped = {a: smap.get(a, a if a in known else None) for a in ids}
    for a in ids:
        if mapped[a] is None:
            findings.append(
                Finding(
                    "unmapped_actor",
                    (a,),
                    f"Scenario actor {a} has no analytic actor in the alias "
                    "table, so its channels were not checked (add it with --actors).",
                )
            )
    listed: dict[frozenset[str], float] = {}
    for link in scenario.channels.links:
        listed[frozenset(link.between)] = _strength(link.strength)
    shared = {v: sorted(k for k, m in mapped.items() if m == v) for v in set(mapped.values()) if v}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            ma, mb = mapped[a], mapped[b]
            if ma is None or mb is None:
                continue
            key = frozenset((a, b))
            strength = listed.get(key, scenario.channels.default.value)
            is_listed = key in listed
            scen: dict[str, Any] = {"channel_strength": strength, "listed": is_listed}
            if ma == mb:
                if is_listed:
                    findings.append(
                        Finding(
                            "not_assessable",
                            (a, b),
                            f"{a} and {b} both map to the event actor {ma}; event data cannot tell them apart.",
                            scenario=scen,
                        )
                    )
                continue
            al = _alignment(scenario, a, b)
            if al is not None:
                scen.update(position_distance=round(al[0], 3), issues_compared=al[1])
            note = ""
            merged = [x for x in (a, b) if len(shared.get(mapped[x] or "", [])) > 1]
            if merged:
                m0 = merged[0]
                note = (
                    f" (event actor {mapped[m0]} stands for {', '.join(shared[mapped[m0] or ''])}; "
                    "the evidence is the same for each)"
                )
            x, y = sorted((ma, mb))
            for src in sources:
                ev = pairs.get((src, x, y), {})
                now = ev.get("now", dict(n=0, coop=0, verbal_conflict=0, material_conflict=0))
                before = ev.get("before", dict(n=0, coop=0, verbal_conflict=0, material_conflict=0))
                tot_now = totals.get((src, "now"), 0)
                tot_before = totals.get((src, "before"), 0)
                n = now["n"]
                net = (now["coop"] - now["verbal_conflict"] - now["material_conflict"]) / n if n else None
                share_now = now["coop"] / tot_now if tot_now else 0.0
                share_before = before["coop"] / tot_before if tot_before else 0.0
                evid: dict[str, Any] = dict(
                    events=n,
                    cooperation=now["coop"],
                    verbal_conflict=now["verbal_conflict"],
                    material_conflict=now["material_conflict"],
                    net_coop=None if net is None else round(net, 3),
                    source_events=tot_now,
                    cooperation_share=round(share_now, 6),
                    cooperation_before=before["coop"],
                    source_events_before=tot_before,
                    cooperation_share_before=round(share_before, 6),
                    events_of_a=actor_n.get((src, ma), 0),
                    events_of_b=actor_n.get((src, mb), 0),
                )
                pair = f"{a}–{b}"
                lab = "listed" if is_listed else "the scenario's default"
                if (
                    strength <= rules.weak
                    and now["coop"] >= rules.min_events
                    and tot_before >= rules.min_events
                    and (share_before == 0 or share_now >= rules.rise_ratio * share_before)
                ):
                    ratio = f"{share_now / share_before:.1f}x" if share_before else "from none"
                    findings.append(
                        Finding(
                            "weak_channel_cooperation_rising",
                            (a, b),
                            f"{pair}: scenario channel strength {strength:.2f} ({lab}; weak <= {rules.weak}). {src} "
                            f"{win[0]}..{win[1]}: {now['coop']} cooperation events of {n} between {x} and {y} "
                            f"({share_now:.3%} of {tot_now} {src} events), before: {before['coop']} "
                            f"({share_before:.3%} of {tot_before}); {ratio}; net cooperation "
                            f"{'n/a' if net is None else f'{net:+.2f}'}{note}.",
                            src,
                            win,
                            scen,
                            evid,
                        )
                    )
                if (
                    strength >= rules.strong
                    and n < rules.min_dyad_events
                    and evid["events_of_a"] >= rules.min_events
                    and evid["events_of_b"] >= rules.min_events
                ):
                    findings.append(
                        Finding(
                            "strong_channel_no_events",
                            (a, b),
                            f"{pair}: scenario channel strength {strength:.2f} ({lab}; strong >= {rules.strong}). "
                            f"{src} {win[0]}..{win[1]}: {n} events between {x} and {y}, while {x} appears in "
                            f"{actor_n.get((src, x), 0)} and {y} in {actor_n.get((src, y), 0)} events{note}.",
                            src,
                            win,
                            scen,
                            evid,
                        )
                    )
                if al is not None and n >= rules.min_events:
                    dist = al[0]
                    mshare = now["material_conflict"] / n
                    if dist <= rules.aligned and mshare >= rules.conflict_share:
                        findings.append(
                            Finding(
                                "aligned_but_conflict",
                                (a, b),
                                f"{pair}: scenario stances close (mean position distance {dist:.2f} of the scale over "
                                f"{al[1]} issues; aligned <= {rules.aligned}). {src} {win[0]}..{win[1]}: "
                                f"{now['material_conflict']} of {n} events between {x} and {y} are material conflict "
                                f"({mshare:.0%}){note}.",
                                src,
                                win,
                                scen,
                                evid,
                            )
                        )
                    if dist >= rules.opposed and now["verbal_conflict"] + now["material_conflict"] == 0:
                        findings.append(
                            Finding(
                                "opposed_without_conflict",
                                (a, b),
                                f"{pair}: scenario stances far apart (mean position distance {dist:.2f}; opposed >= "
                                f"{rules.opposed}). {src} {win[0]}..{win[1]}: none of {n} events between {x} and {y} "
                                f"is conflict{note}.",
                                src,
                                win,
                                scen,
                                evid,
                            )
                        )
    return findings


def _days(a: dt.date, b: dt.date) -> int:
    return abs((b - a).days)


def evidence_warnings(
    scenario: Scenario,
    ranges: dict[str, tuple[dt.date, dt.date]],
    window: tuple[dt.date, dt.date],
    rules: CheckRules = CheckRules(),
    *,
    what: str = "events",
    issue: str | None = None,
    prefix: str = "",
) -> list[Finding]:
    """Stale, late and short evidence: per source, the data's first and last date against the window (first and
    last day) and the scenario's as_of. With ``issue`` (an indicator's warnings), ``prefix`` starts each message and
    the window's own distance from as_of is left to the check's warning."""
    start, end = window
    as_of = scenario.as_of
    span = f"{start}..{end}"
    days = (end - start).days + 1
    ev = {"window": [str(start), str(end)], "window_days": days}
    found: list[Finding] = []

    def warn(kind: str, message: str, **evidence: Any) -> None:
        found.append(
            Finding(kind, ("*", "*"), message, None, (str(start), str(end)), {}, {**ev, **evidence}, CAVEAT, issue)
        )

    if issue is None and as_of is not None and end < as_of - dt.timedelta(days=rules.stale_days):
        warn(
            "stale_evidence",
            f"The evidence window {span} ends {_days(end, as_of)} days before the scenario's as_of {as_of}: the "
            "scenario is compared with older evidence.",
            as_of=str(as_of),
        )
    for name, (lo, hi) in sorted(ranges.items()):
        label = prefix + (f"{name} {what}" if name else what)
        data = {"source": name, "data_from": str(lo), "data_to": str(hi)}
        if hi < end - dt.timedelta(days=rules.stale_days):
            warn(
                "stale_evidence",
                f"{label} end on {hi}, {_days(hi, end)} days before the end of the window ({end}).",
                **data,
            )
        if as_of is not None and lo > as_of:
            warn(
                "evidence_after_as_of",
                f"{label} start on {lo}, {_days(as_of, lo)} days after the scenario's as_of {as_of}: they describe a "
                "later time than the scenario's numbers.",
                as_of=str(as_of),
                **data,
            )
        covered = max(0, (min(hi, end) - max(lo, start)).days + 1)
        if covered < rules.min_coverage * days:
            warn(
                "short_evidence",
                f"{label} cover {covered} of the {days} days of the window {span} ({covered / days:.0%}); "
                f"they run {lo}..{hi}.",
                covered_days=covered,
                **data,
            )
    return found


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    tol = 1e-9 * max(1.0, *map(abs, (*a, *b)))
    return a[0] <= b[1] + tol and b[0] <= a[1] + tol


def _level_text(level: tuple[float, float, float]) -> str:
    return f"{level[0]:.3g} [{level[1]:.3g}–{level[2]:.3g}]"


def indicator_findings(
    scenario: Scenario, readings: Sequence[Reading], runs: Sequence[ModelRun] = (), rules: CheckRules = CheckRules()
) -> list[Finding]:
    """Per indicator: its observed level, and where it disagrees with the status quo or a model's forecast beyond
    the band; signposts; and evidence warnings. ``readings`` come from :func:`~.indicators.read_indicators`,
    ``runs`` from a forecast of the same scenario."""
    found: list[Finding] = []
    for r in readings:
        found += _reading_findings(scenario, r, runs, rules)
    return found


def _reading_findings(scenario: Scenario, r: Reading, runs: Sequence[ModelRun], rules: CheckRules) -> list[Finding]:
    from .text import estimate

    ind = r.indicator
    sq = scenario.issue(ind.issue).status_quo
    actors: tuple[str, str] | tuple[str] = (ind.events.dyad[0], ind.events.dyad[1]) if ind.events else (ind.issue,)
    win = (str(r.window[0]), str(r.window[1]))
    base = {"indicator": ind.id, "issue": ind.issue}
    scen: dict[str, Any] = {**base, "status_quo": None if sq is None else sq.model_dump(mode="json")}
    found: list[Finding] = []

    def add(kind: str, message: str, scen_: dict[str, Any] = scen, evid: dict[str, Any] | None = None) -> None:
        found.append(Finding(kind, actors, message, r.kind, win, scen_, evid or r.to_json_dict(), r.caveat, ind.issue))

    if r.data_range is not None:
        name = ", ".join(r.datasets) if r.kind == "events" else ind.id
        what = "events" if r.kind == "events" else "CSV rows"
        prefix = f"{ind.issue} (indicator {ind.id}): "
        found += evidence_warnings(
            scenario, {name: r.data_range}, r.window, rules, what=what, issue=ind.issue, prefix=prefix
        )
    if r.level is None:
        add("indicator_no_data", r.describe())
    else:
        add("indicator_level", r.describe() + f" The scenario's status quo: {estimate(sq)}.")
    for sp in r.signposts:
        note = f" Near a known break: {sp.note}." if sp.note else ""
        add(
            "signpost",
            f"{ind.issue} (indicator {ind.id}): change point in the {ind.per} of {sp.period}: {sp.before:.3g} → "
            f"{sp.after:.3g} a {ind.per}, level {sp.level_before:.3g} → {sp.level_after:.3g} (PELT over "
            f"{len(r.series)} whole {ind.per}s of the series).{note}",
            evid={**base, **sp.to_json_dict()},
        )
    if r.level is None:
        return found
    band = (r.level[1], r.level[2])
    if sq is not None:
        sq_range = (sq.low, sq.high) if sq.low is not None and sq.high is not None else (sq.value, sq.value)
        if not _overlap(band, sq_range):
            side = "above" if band[0] > sq_range[1] else "below"
            add(
                "indicator_vs_status_quo",
                f"{ind.issue}: the observed level {_level_text(r.level)} over {win[0]}..{win[1]} lies {side} the "
                f"scenario's status quo {estimate(sq)} (as of {scenario.as_of}); the two ranges do not overlap. "
                f"Evidence: {r.describe()}",
            )
    horizon = scenario.horizon_end()
    when = f"for {horizon} (as_of + horizon)" if horizon else "at the end of bargaining"
    for run in runs:
        if run.error is not None:
            continue
        x = float(run.forecast()[ind.issue])
        fb = run.band.get(ind.issue)
        if not _overlap(band, (fb[0], fb[2]) if fb else (x, x)):
            shown = f"{x:.3g} [{fb[0]:.3g}–{fb[2]:.3g}]" if fb else f"{x:.3g}"
            add(
                "indicator_vs_forecast",
                f"{ind.issue}: model {run.name} forecasts {shown} {when}; the observed level over "
                f"{win[0]}..{win[1]} is {_level_text(r.level)}, and the two do not overlap.",
                {**scen, "model": run.name, "forecast": x, "forecast_band": list(fb) if fb else None},
            )
    return found


@dataclass(frozen=True)
class CheckRequest:
    """The assumption check as a request: a scenario against a workspace's events in a window ending ``as_of``.

    ``workspace`` None checks only the indicators that read CSV series. ``source`` is the scenario's file (CSV
    paths are relative to it). Indicators are also compared with every model in ``models`` (empty: all), with a
    5–95 % band over ``draws`` input draws (0: the point forecast)."""

    scenario: Scenario
    workspace: Path | None
    window: int = 180
    as_of: dt.date | None = None
    actors_file: Path | None = None
    source: str | None = None
    models: tuple[str, ...] = ()
    draws: int = 0
    seed: int = 0
    rules: CheckRules = CheckRules()


def _workspace_part(request: CheckRequest) -> tuple[list[Finding], dt.date | None]:
    """Evidence warnings and channel findings from the workspace, and the window's end."""
    assert request.workspace is not None
    table = actors_mod.load_actors(request.actors_file)
    con = store.connect(request.workspace, read_only=True)
    try:
        rows = con.execute(
            "SELECT source, min(event_date), max(event_date) FROM events WHERE event_date IS NOT NULL GROUP BY 1"
        ).fetchall()
        ranges = {str(src): (lo, hi) for src, lo, hi in rows}
        end = request.as_of or request.scenario.as_of or max((hi for _, hi in ranges.values()), default=None)
        findings = check_assumptions(
            request.scenario, con, window=request.window, as_of=end, rules=request.rules, actor_table=table
        )
    finally:
        con.close()
    if end is None:
        return findings, None
    start = end - dt.timedelta(days=request.window - 1)
    return evidence_warnings(request.scenario, ranges, (start, end), request.rules) + findings, end


def _indicator_part(request: CheckRequest, end: dt.date | None) -> list[Finding]:
    from ..scenario.load import LoadedScenario
    from .forecast import ForecastRequest, forecast
    from .indicators import read_indicators

    s = request.scenario
    if not s.indicators:
        return []
    end = end or request.as_of or s.as_of
    if end is None:
        return [Finding("indicator_no_data", ("*", "*"), "No as-of date: give --as-of (the scenario has no as_of).")]
    readings = read_indicators(
        s, end, source=request.source, workspace=request.workspace, actors_file=request.actors_file
    )
    runs: list[ModelRun] = []
    if any(r.level is not None for r in readings):
        loaded = LoadedScenario(s, request.source or f"<{s.id}>", "object", "")
        runs = list(forecast(ForecastRequest(loaded, request.models, seed=request.seed, band_draws=request.draws)).runs)
    return indicator_findings(s, readings, runs, request.rules)


def check(request: CheckRequest) -> list[Finding]:
    """Run the check: evidence warnings, channel and alignment findings, then issue levels. A missing or unreadable
    workspace is the caller's error (:class:`RequestError`)."""
    from .errors import RequestError

    if request.workspace is not None and not request.workspace.is_file():
        raise RequestError(f"{request.workspace}: no such workspace", parameter="workspace")
    if request.window < 1:
        raise RequestError("window must be at least one day", parameter="window")
    if request.draws < 0:
        raise RequestError("draws must be >= 0", parameter="draws")
    try:
        found, end = _workspace_part(request) if request.workspace is not None else ([], None)
        return found + _indicator_part(request, end)
    except EventsError as exc:
        raise RequestError(str(exc), parameter="workspace") from None
    except duckdb.Error as exc:  # a file that is not a DuckDB database
        first = str(exc).splitlines()[0]
        raise RequestError(f"{request.workspace}: cannot read workspace: {first}", parameter="workspace") from None
