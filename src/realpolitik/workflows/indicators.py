"""Issue indicators read off the evidence: an observed level per issue with its band, and signposts.

For each of a scenario's ``indicators`` (:mod:`realpolitik.scenario.indicators`) and an as-of date, the reading
is the evidence over the indicator's window (its ``window`` days ending on the as-of date), as a rate per period,
carried onto the issue's scale by the indicator's calibration:

* **event series** (a workspace's ``events_resolved`` view): the events of the dyad that match the event types and
  filters, counted (``measure: count``) or their ACLED fatalities summed (``fatalities``);
* **CSV series** (``date,value,source``; a row counts in a window when the middle of its period lies in it): the
  values are counts per period (``count``) or levels (``level``).

Exposure: only the days of the window that the data cover count (the data's first to last date of the sources
used, or the CSV rows' periods), so 6 events in the 3 days a workspace covers read as 60 a month, not 6, and the
reading says how much of the window was covered.

Bands, at the indicator's ``confidence`` (default 90 %): a count's exact (Garwood) Poisson interval; fatalities,
which come in bursts, a bootstrap over the covered days (2,000 resamples, seed 0); CSV levels a bootstrap of the
mean over the rows. The band's ends go through the same monotone mapping, so the band on the issue's scale is the
image of the band on the evidence.

Signposts: PELT change points (:func:`realpolitik.events.alerts.detect`, the settings of ``realpolitik events
alerts``) on the indicator's series per period over all the data up to the as-of date, whole periods only; a
change within a period of a known break in a source's coverage is labelled as such.

This module compares the scenario with the evidence, so it lives in the workflow layer: ``events/`` never
imports the scenario.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.indicators import PERIOD_DAYS, Indicator
from ..scenario.model import Scenario
from ..scenario.problems import Problem, ScenarioError
from .errors import RequestError

BOOTSTRAP = 2000
ADVERB = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
MIN_SIGNPOST_PERIODS = 6
EVENT_CAVEAT = (
    "Evidence is event-data counts (machine-coded from news, or ACLED's own coding): they follow media coverage "
    "and coder behaviour, not only what happened."
)
CSV_CAVEAT = "Evidence is a user-supplied series; its quality is that of its sources (listed per row in the file)."


@dataclass(frozen=True)
class Signpost:
    """A change point on an indicator's series: the level per period before and after, on both scales."""

    period: dt.date
    before: float
    after: float
    level_before: float
    level_after: float
    kind: str = "change"
    note: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.isoformat(),
            "before": self.before,
            "after": self.after,
            "level_before": self.level_before,
            "level_after": self.level_after,
            "kind": self.kind,
            "note": self.note,
        }


@dataclass(frozen=True)
class Reading:
    """One indicator's observed level over its window, with the evidence behind it."""

    indicator: Indicator
    as_of: dt.date
    window: tuple[dt.date, dt.date]
    data_range: tuple[dt.date, dt.date] | None = None
    covered_days: int = 0
    total: float | None = None
    periods: float = 0.0
    rate: tuple[float, float, float] | None = None
    level: tuple[float, float, float] | None = None
    method: str = ""
    what: str = ""
    datasets: tuple[str, ...] = ()
    series: tuple[tuple[dt.date, float], ...] = ()
    signposts: tuple[Signpost, ...] = ()
    note: str = ""
    file: str | None = None
    sha256: str | None = None

    @property
    def kind(self) -> str:
        return "events" if self.indicator.events is not None else "csv"

    @property
    def window_days(self) -> int:
        return (self.window[1] - self.window[0]).days + 1

    @property
    def coverage(self) -> float:
        return self.covered_days / self.window_days

    @property
    def caveat(self) -> str:
        return EVENT_CAVEAT if self.kind == "events" else CSV_CAVEAT

    def describe(self) -> str:
        """The reading in one neutral sentence, with every number behind it."""
        ind = self.indicator
        head = f"{ind.issue} (indicator {ind.id})"
        span = f"{self.window[0]}..{self.window[1]}"
        if self.level is None or self.rate is None:
            return f"{head}: no observed level for {span}: {self.note}."
        x, lo, hi = self.rate
        lev, llo, lhi = self.level
        where = f" ({', '.join(self.datasets)})" if self.kind == "events" else ""
        cover = (
            ""
            if self.covered_days >= self.window_days
            else f" (the data cover {self.covered_days} of its {self.window_days} days)"
        )
        total = "–" if self.total is None else f"{self.total:g}"
        return (
            f"{head}: {total} {self.what} in {span}{where}{cover}: {x:.3g} a {ind.per} [{lo:.3g}–{hi:.3g}], "
            f"{self.method}; through the indicator's calibration, level {lev:.3g} [{llo:.3g}–{lhi:.3g}]."
        )

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.id,
            "issue": self.indicator.issue,
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "window": [d.isoformat() for d in self.window],
            "data_range": None if self.data_range is None else [d.isoformat() for d in self.data_range],
            "covered_days": self.covered_days,
            "window_days": self.window_days,
            "total": self.total,
            "what": self.what,
            "per": self.indicator.per,
            "periods": self.periods,
            "rate": None if self.rate is None else list(self.rate),
            "level": None if self.level is None else list(self.level),
            "confidence": self.indicator.confidence,
            "method": self.method,
            "datasets": list(self.datasets),
            "signposts": [s.to_json_dict() for s in self.signposts],
            "note": self.note,
            "file": self.file,
            "sha256": self.sha256,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class Row:
    """One row of a CSV series."""

    date: dt.date
    value: float
    source: str
    line: int


# --- intervals -------------------------------------------------------------------------------------------------


def poisson_interval(k: float, confidence: float) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean given ``k`` observed events."""
    from scipy import stats

    alpha = 1 - confidence
    lo = 0.0 if k <= 0 else float(stats.chi2.ppf(alpha / 2, 2 * k)) / 2
    hi = float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2)) / 2
    return lo, hi


def bootstrap_interval(values: Sequence[float], confidence: float, stat: str = "mean") -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (or sum) of ``values`` (2,000 resamples, seed 0)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        x = float(v.sum()) if v.size else 0.0
        return x, x
    rng = np.random.default_rng(0)
    draws = v[rng.integers(0, v.size, size=(BOOTSTRAP, v.size))]
    stats_ = draws.mean(axis=1) if stat == "mean" else draws.sum(axis=1)
    lo, hi = np.quantile(stats_, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(lo), float(hi)


def _levels(ind: Indicator, rate: tuple[float, float, float]) -> tuple[float, float, float]:
    x, lo, hi = (ind.level_of(v) for v in rate)
    return x, min(lo, hi), max(lo, hi)


# --- CSV series ------------------------------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date | None:
    t = text.strip()
    try:
        if len(t) == 7:
            return dt.date.fromisoformat(t + "-01")
        return dt.date.fromisoformat(t)
    except ValueError:
        return None


def read_csv_series(path: Path, display: str | None = None) -> tuple[list[Row], str]:
    """A CSV series (header ``date,value,source``) and its sha256; bad rows raise one problem each, with line."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(name, None, (), f"cannot read the CSV series: {exc.strerror or exc}")]) from None
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("date", "value") if c not in header]
    if missing:
        raise ScenarioError(
            [Problem(name, 1, (), f"missing column(s) {', '.join(missing)} (header: date,value,source)")]
        )
    at = {c: header.index(c) for c in ("date", "value", "source") if c in header}
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: dict[dt.date, int] = {}
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = raw + [""] * (len(header) - len(raw))
        day = _parse_date(cells[at["date"]])
        if day is None:
            problems.append(
                Problem(name, line, ("date",), f"not a date (YYYY-MM-DD or YYYY-MM): {cells[at['date']]!r}")
            )
            continue
        try:
            value = float(cells[at["value"]])
        except ValueError:
            problems.append(Problem(name, line, ("value",), f"not a number: {cells[at['value']]!r}"))
            continue
        if not math.isfinite(value):
            problems.append(Problem(name, line, ("value",), f"not a finite number: {cells[at['value']]!r}"))
            continue
        if day in seen:
            problems.append(Problem(name, line, ("date",), f"{day} is given twice (first on line {seen[day]})"))
            continue
        seen[day] = line
        rows.append(Row(day, value, cells[at["source"]].strip() if "source" in at else "", line))
    if problems:
        raise ScenarioError(problems)
    if not rows:
        raise ScenarioError([Problem(name, 1, (), "the CSV series holds no rows")])
    return sorted(rows, key=lambda r: r.date), hashlib.sha256(data).hexdigest()


def series_folder(source: str | None) -> Path:
    """The folder CSV paths are relative to: the scenario file's, else the current folder (built-ins)."""
    if source:
        p = Path(source)
        if p.is_file():
            return p.resolve().parent
    return Path.cwd()


def _period_of(day: dt.date, per: str) -> dt.date:
    if per == "week":
        return day - dt.timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    if per == "year":
        return day.replace(month=1, day=1)
    return day


def _next_period(start: dt.date, per: str) -> dt.date:
    if per == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if per == "year":
        return start.replace(year=start.year + 1)
    return start + dt.timedelta(days=7 if per == "week" else 1)


def _midpoint(day: dt.date, per: str) -> dt.date:
    return day + dt.timedelta(days=(_next_period(_period_of(day, per), per) - _period_of(day, per)).days // 2)


def _read_csv(ind: Indicator, rows: list[Row], as_of: dt.date) -> Reading:
    start = as_of - dt.timedelta(days=ind.window - 1)
    last = _next_period(_period_of(rows[-1].date, ind.per), ind.per) - dt.timedelta(days=1)
    span = (_period_of(rows[0].date, ind.per), last)
    base = Reading(ind, as_of, (start, as_of), data_range=span, datasets=("csv",))
    inside = [r for r in rows if start <= _midpoint(r.date, ind.per) <= as_of]
    series = tuple((r.date, r.value) for r in rows if r.date <= as_of)
    days = min(ind.window, round(len(inside) * PERIOD_DAYS[ind.per]))
    signs = signposts(ind, [d for d, _ in series], [v for _, v in series], ())
    if not inside:
        note = f"the CSV series holds no row for {start}..{as_of} (its rows cover {span[0]}..{span[1]})"
        return _replace(base, note=note, series=series, signposts=signs)
    values = [r.value for r in inside]
    n = float(len(inside))
    if ind.measure == "count":
        total = float(sum(values))
        lo, hi = poisson_interval(total, ind.confidence)
        rate = (total / n, lo / n, hi / n)
        method = f"exact Poisson {ind.confidence:.0%} interval"
        what = f"(the sum of {len(inside)} {ADVERB[ind.per]} counts of the CSV series)"
    else:
        total = n
        rate = (float(np.mean(values)), *bootstrap_interval(values, ind.confidence))
        method = f"mean per row, bootstrap {ind.confidence:.0%} interval"
        what = f"{ADVERB[ind.per]} value(s) of the CSV series"
    return _measured(base, ind, days, total, n, rate, method=method, what=what, series=series, signposts=signs)


def _measured(
    base: Reading,
    ind: Indicator,
    days: int,
    total: float,
    periods: float,
    rate: tuple[float, float, float],
    **changes: Any,
) -> Reading:
    """A reading with a measurement (from events or from a CSV series): the rate and the level it puts the issue at."""
    return _replace(
        base, covered_days=days, total=total, periods=periods, rate=rate, level=_levels(ind, rate), **changes
    )


def _replace(r: Reading, **changes: Any) -> Reading:
    return replace(r, **changes)


# --- event series ----------------------------------------------------------------------------------------------


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _side(actor: str, n: int, roles: Sequence[str]) -> str:
    cond = f"actor{n} = {_lit(actor)}"
    if roles:
        cond += f" AND list_has_any(COALESCE(actor{n}_roles, []), [{', '.join(_lit(r) for r in roles)}])"
    return cond


def event_filter(ind: Indicator, a: str, b: str) -> str:
    """The SQL condition on ``events_resolved`` for the indicator's events (event actors ``a`` and ``b``)."""
    ev = ind.events
    assert ev is not None
    other = {1: "TRUE", 2: "TRUE"} if b == "*" else {1: f"actor1 = {_lit(b)}", 2: f"actor2 = {_lit(b)}"}
    one = f"({_side(a, 1, ev.roles)} AND {other[2]})"
    dyad = one if ev.directed else f"({one} OR ({_side(a, 2, ev.roles)} AND {other[1]}))"
    types: list[str] = [f"starts_with(event_code, {_lit(c)})" for c in ev.cameo]
    if ev.plover:
        types.append(f"plover IN ({', '.join(_lit(p) for p in ev.plover)})")
    if ev.acled:
        names = ", ".join(_lit(t.lower()) for t in ev.acled)
        types.append(f"(source = 'acled' AND (lower(event_type) IN ({names}) OR lower(event_text) IN ({names})))")
    parts = [dyad]
    if types:
        parts.append("(" + " OR ".join(types) + ")")
    if ev.location:
        parts.append(f"lower(location_country) IN ({', '.join(_lit(x.lower()) for x in ev.location)})")
    if ev.datasets:
        parts.append(f"source IN ({', '.join(_lit(d) for d in ev.datasets)})")
    return " AND ".join(parts)


def _event_actor(actor: str, smap: dict[str, str], known: set[str]) -> str | None:
    return smap.get(actor, actor if actor in known else None)


@dataclass
class EventContext:
    """What every event reading of one workspace shares: the connection, the actor map, the data ranges."""

    con: Any
    smap: dict[str, str]
    known: set[str]
    ranges: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    resolved: bool = True


def _read_events(ind: Indicator, ctx: EventContext, as_of: dt.date) -> Reading:
    ev = ind.events
    assert ev is not None
    start = as_of - dt.timedelta(days=ind.window - 1)
    wanted: list[str] = [*ev.datasets] or sorted(ctx.ranges)
    ranges = [ctx.ranges[d] for d in wanted if d in ctx.ranges]
    base = Reading(ind, as_of, (start, as_of), datasets=tuple(d for d in wanted if d in ctx.ranges))
    if not ranges:
        return _replace(base, note=f"the workspace holds no events of {', '.join(wanted) or 'any source'}")
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    base = _replace(base, data_range=(lo, hi))
    if not ctx.resolved:
        return _replace(base, note="actor resolution has not run on the workspace (realpolitik events ingest does it)")
    pair = [x if x == "*" else _event_actor(x, ctx.smap, ctx.known) for x in ev.dyad]
    unmapped = [x for x, m in zip(ev.dyad, pair, strict=True) if m is None]
    if unmapped:
        return _replace(base, note=f"scenario actor {', '.join(unmapped)} maps to no event actor in the alias table")
    a, b = pair
    assert a is not None and b is not None
    value = "count(*)" if ind.measure == "count" else "CAST(sum(COALESCE(fatalities, 0)) AS DOUBLE)"
    daily = {
        d: float(v)
        for d, v in ctx.con.execute(
            f"SELECT event_date, {value} FROM events_resolved WHERE event_date BETWEEN DATE '{lo}' AND "
            f"DATE '{min(hi, as_of)}' AND {event_filter(ind, a, b)} GROUP BY 1"
        ).fetchall()
    }
    return _event_reading(base, daily, lo, hi)


def _event_reading(base: Reading, daily: dict[dt.date, float], lo: dt.date, hi: dt.date) -> Reading:
    ind, as_of = base.indicator, base.as_of
    start = base.window[0]
    first, last = max(lo, start), min(hi, as_of)
    days = max(0, (last - first).days + 1)
    periods, values = _whole_periods(daily, lo, min(hi, as_of), ind.per)
    signs = signposts(ind, periods, values, base.datasets)
    series = tuple(zip(periods, values, strict=True))
    what = "events" if ind.measure == "count" else "fatalities (ACLED's reported figures)"
    if days == 0:
        note = f"the data ({lo}..{hi}) do not reach into the window {start}..{as_of}"
        return _replace(base, note=note, series=series, signposts=signs, what=what)
    exposure = days / PERIOD_DAYS[ind.per]
    in_window = [daily.get(first + dt.timedelta(days=k), 0.0) for k in range(days)]
    total = float(sum(in_window))
    if ind.measure == "count":
        lo_k, hi_k = poisson_interval(total, ind.confidence)
        method = f"exact Poisson {ind.confidence:.0%} interval"
    else:
        lo_k, hi_k = bootstrap_interval(in_window, ind.confidence, stat="sum")
        method = f"bootstrap {ind.confidence:.0%} interval over the {days} covered days"
    rate = (total / exposure, lo_k / exposure, hi_k / exposure)
    return _measured(base, ind, days, total, exposure, rate, method=method, what=what, series=series, signposts=signs)


def _whole_periods(
    daily: dict[dt.date, float], lo: dt.date, hi: dt.date, per: str
) -> tuple[list[dt.date], list[float]]:
    """Per-period sums over the periods that lie wholly within [lo, hi] (partial edge periods would mislead)."""
    periods: list[dt.date] = []
    values: list[float] = []
    p = _period_of(lo, per)
    while p <= hi:
        nxt = _next_period(p, per)
        if p >= lo and nxt - dt.timedelta(days=1) <= hi:
            periods.append(p)
            values.append(sum(v for d, v in daily.items() if p <= d < nxt))
        p = nxt
    return periods, values


# --- signposts -------------------------------------------------------------------------------------------------


def signposts(
    ind: Indicator, periods: Sequence[dt.date], values: Sequence[float], datasets: Sequence[str]
) -> tuple[Signpost, ...]:
    """PELT change points on the series (as ``realpolitik events alerts --method pelt``), with mapped levels."""
    if len(values) < MIN_SIGNPOST_PERIODS:
        return ()
    from ..events.alerts import breaks_near, detect

    found: list[Signpost] = []
    for ch in detect(np.asarray(values, dtype=float), "pelt"):
        near = [b for d in datasets for b in breaks_near(d, list(periods), ch.index, ind.per)]
        found.append(
            Signpost(
                periods[ch.index],
                ch.before,
                ch.after,
                ind.level_of(ch.before),
                ind.level_of(ch.after),
                "source_break" if near else "change",
                "; ".join(b.description for b in near),
            )
        )
    return tuple(found)


# --- all indicators of a scenario ------------------------------------------------------------------------------


def _event_context(workspace: Path, actors_file: Path | None) -> EventContext:
    import duckdb

    from ..events import actors as actors_mod
    from ..events.errors import EventsError

    if not workspace.is_file():
        raise RequestError(f"{workspace}: no such workspace", parameter="workspace")
    try:
        con = duckdb.connect(str(workspace), read_only=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise RequestError(f"{workspace}: cannot read workspace: {first}", parameter="workspace") from None
    try:
        table = actors_mod.load_actors(actors_file)
        views = {str(r[0]) for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        ranges: dict[str, tuple[dt.date, dt.date]] = {}
        if "events" in views:
            rows = con.execute(
                "SELECT source, min(event_date), max(event_date) FROM events WHERE event_date IS NOT NULL GROUP BY 1"
            ).fetchall()
            ranges = {str(s): (lo, hi) for s, lo, hi in rows}
    except EventsError as exc:
        con.close()
        raise RequestError(str(exc), parameter="actors") from None
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        raise RequestError(f"{workspace}: cannot read workspace: {first}", parameter="workspace") from None
    return EventContext(con, table.scenario_map(), set(table.ids()), ranges, "events_resolved" in views)


def read_indicators(
    scenario: Scenario,
    as_of: dt.date,
    *,
    source: str | None = None,
    workspace: Path | None = None,
    actors_file: Path | None = None,
) -> list[Reading]:
    """Every indicator's reading over its window ending ``as_of``.

    CSV paths are relative to the scenario file (``source``); a bad CSV raises :class:`ScenarioError` naming its
    lines. Event indicators need ``workspace``; without one they are read as 'no workspace'."""
    folder = series_folder(source)
    out: list[Reading] = []
    ctx = None
    needs_events = any(ind.events is not None for ind in scenario.indicators)
    if needs_events and workspace is not None:
        ctx = _event_context(Path(workspace), actors_file)
    try:
        for ind in scenario.indicators:
            if ind.csv is not None:
                path = Path(ind.csv) if Path(ind.csv).is_absolute() else folder / ind.csv
                rows, digest = read_csv_series(path, ind.csv)
                reading = _replace(_read_csv(ind, rows, as_of), file=ind.csv, sha256=digest)
            elif ctx is None:
                start = as_of - dt.timedelta(days=ind.window - 1)
                reading = Reading(ind, as_of, (start, as_of), note="no event workspace was given")
            else:
                reading = _read_events(ind, ctx, as_of)
            out.append(reading)
    finally:
        if ctx is not None:
            ctx.con.close()
    return out


def file_sha256(path: Path) -> str:
    """sha256 of a (possibly large) file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def brief_lines(block: Mapping[str, Any], scenario: Scenario) -> list[str]:
    """The brief's indicator section in Markdown: one table row per reading, then the findings in words."""
    from .text import estimate

    lines = [
        f"Each indicator over its window ending {block['as_of']}: the observed level on the issue's scale with its "
        "band (the evidence's interval carried through the indicator's calibration).",
        "",
        "| issue | indicator | observed level [band] | per period [band] | evidence | status quo |",
        "|---|---|---:|---:|---|---:|",
    ]
    for r in block["readings"]:
        sq = estimate(scenario.issue(r["issue"]).status_quo)
        if r["level"] is None:
            lines.append(f"| {r['issue']} | {r['indicator']} | – | – | {r['note']} | {sq} |")
            continue
        lev, rate = r["level"], r["rate"]
        cover = f"{r['covered_days']} of {r['window_days']} days" + (f", {', '.join(r['datasets'])}")
        lines.append(
            f"| {r['issue']} | {r['indicator']} | {lev[0]:.3g} [{lev[1]:.3g}–{lev[2]:.3g}] | {rate[0]:.3g} "
            f"[{rate[1]:.3g}–{rate[2]:.3g}] a {r['per']} | {r['total']:g} {r['what']}; {cover} | {sq} |"
        )
    notes = [f for f in block["findings"] if f["kind"] != "indicator_level"]
    if notes:
        lines += [""] + [f"- [{f['kind']}] {f['message']}" for f in notes]
    return lines


def csv_problems(scenario: Scenario, source: str | None) -> list[Problem]:
    """Every problem in the CSV series the scenario's indicators read (missing file, bad dates, bad values), for
    ``realpolitik validate``: the scenario layer does not read data files, so this check lives here."""
    folder = series_folder(source)
    out: list[Problem] = []
    for ind in scenario.indicators:
        if ind.csv is None:
            continue
        path = folder / ind.csv
        try:
            read_csv_series(path, str(path))
        except ScenarioError as exc:
            out += exc.problems
    return out
