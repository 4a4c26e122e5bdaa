"""Alerts on dyad series: online alarms (CUSUM, EWMA) and retrospective change points (PELT, BinSeg).

Why two families: an analyst watching a feed needs an alarm soon after a shift with a known false-alarm rate
(CUSUM, EWMA: each new period is compared with a baseline estimated robustly from the periods before it); an
analyst reading history needs the dates at which the level changed (PELT, BinSeg from ``ruptures``, which look at
the whole series at once).

Rules (docs/events.md repeats them):

* **Robust scale.** ``sigma = 1.4826 * MAD(diff(x)) / sqrt(2)``: differences cancel level shifts, the MAD ignores
  outliers (used for the penalty and to express shifts in sigmas).
* **Self-starting charts.** A series has no known in-control mean, and charts on a baseline estimated from a few
  periods raise far more alarms than their tables promise (measured: 2-5x). So each period is scored against the
  mean and SD of all earlier periods of the current regime with Hawkins' (1987) self-starting transform, which
  is exactly N(0, 1) when nothing changes; monitoring starts after ``warmup = 4`` periods.
* **CUSUM** (Page's two-sided tabular form) on those scores, ``k = 0.5``, ``h = 5``: in-control average run length
  about 465 periods per side (Montgomery, *Introduction to Statistical Quality Control*, table for k = 0.5), about
  230 for both sides, i.e. at most about 0.4 % false alarms per period.
* **EWMA** ``lambda = 0.2``, ``L = 3`` with exact time-varying limits (in-control ARL about 560; Lucas & Saccucci
  1990).
* **Dating an alarm.** The change is dated at the best single mean-shift split of the regime up to the alarm
  (least squares), the regime restarts there.
* **PELT / BinSeg**: ``ruptures`` with the ``l2`` (mean-shift) cost, ``jump = 1``, ``min_size = 2`` and penalty
  ``pen = c * sigma**2 * log(n)`` with ``c = 3`` (BIC-like; ``c = 2`` is the textbook BIC for a mean and a location,
  but on pure noise it reports a change in 16 % of 60-period series (PELT), ``c = 3`` in 5 %).
* **Minimum n**: for ratio metrics (net cooperation, Goldstein means) a period with fewer than ``min_n`` events is
  left out of the series (its value is noise); count metrics keep every period that has any volume at all.
* **Source breaks**: a change dated within one period of a known break in the data-generating process of that
  source (``KNOWN_BREAKS``) is reported as ``kind = source_break`` with the break's description, not as a change.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .errors import EventsError

METHODS = ("cusum", "ewma", "pelt", "binseg")
RATIO_METRICS = ("net_coop", "goldstein_mean", "goldstein_wmean")
COUNT_METRICS = ("n", "share", "verbal_coop", "material_coop", "verbal_conflict", "material_conflict", "goldstein_sum")


@dataclass(frozen=True)
class SourceBreak:
    source: str
    date: dt.date
    description: str


KNOWN_BREAKS: tuple[SourceBreak, ...] = (
    SourceBreak(
        "gdelt",
        dt.date(2013, 4, 1),
        "GDELT 1.0 daily updates begin; earlier rows come from the historical backfile built in one run",
    ),
    SourceBreak(
        "gdelt",
        dt.date(2015, 2, 19),
        "GDELT 2.0 begins (15-minute updates, machine-translated sources): volume and source mix change",
    ),
    SourceBreak(
        "icews",
        dt.date(2023, 4, 1),
        "ICEWS production ends (date approximate); its successor POLECAT "
        "uses a different coder and ontology (PLOVER) and is not a continuation",
    ),
    SourceBreak("acled", dt.date(2010, 1, 1), "ACLED coverage of Pakistan begins (ACLED country table)"),
    SourceBreak("acled", dt.date(2017, 1, 1), "ACLED coverage of Afghanistan begins (ACLED country table)"),
)


@dataclass(frozen=True)
class Change:
    """A detected change: ``index`` is the first position of the new regime; ``alarm`` when an online method
    raised it (``None`` for retrospective methods)."""

    index: int
    alarm: int | None
    before: float
    after: float
    direction: str


def robust_sigma(x: np.ndarray) -> float:
    """``1.4826 * MAD(diff(x)) / sqrt(2)``; falls back to the MAD of ``x`` and then to a tiny floor."""
    x = np.asarray(x, dtype=float)
    if x.size >= 3:
        d = np.diff(x)
        s = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2)
        if s > 0:
            return s
    if x.size >= 2:
        s = 1.4826 * float(np.median(np.abs(x - np.median(x))))
        if s > 0:
            return s
        s = float(np.std(x))
        if s > 0:
            return s
    return 1e-9 * (1.0 + float(np.max(np.abs(x))) if x.size else 1.0)


def self_starting(v: np.ndarray, i: int, t: int) -> float:
    """Hawkins' self-starting transform: ``x_t`` against the mean and SD of ``x_i..x_{t-1}`` as an N(0,1) score.

    ``T = (x_t - mean) / (sd * sqrt(1 + 1/m))`` is Student-t with ``m - 1`` degrees of freedom when nothing
    changed (``m = t - i`` earlier values, Gaussian noise), so ``Phi^-1(F_t(T))`` is exactly standard normal and the
    charts keep their textbook false-alarm rates without a known baseline. Clipped to +-8.
    """
    from scipy import stats

    prev = v[i:t]
    m = prev.size
    sd = float(np.std(prev, ddof=1)) if m > 1 else 0.0
    if sd <= 0:
        sd = robust_sigma(v[i : t + 1]) if t > i else 1e-9
    tt = (v[t] - float(np.mean(prev))) / (sd * math.sqrt(1 + 1 / m))
    u = float(stats.norm.ppf(stats.t.cdf(tt, max(m - 1, 1))))
    return max(-8.0, min(8.0, u))


def best_split(v: np.ndarray, i: int, t: int) -> int:
    """The single mean-shift split of ``v[i..t]`` with the least squared error: the change date after an alarm."""
    seg = v[i : t + 1]
    best, at = math.inf, t
    for tau in range(1, seg.size):
        a, b = seg[:tau], seg[tau:]
        sse = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
        if sse < best:
            best, at = sse, i + tau
    return at


def _alarm(v: np.ndarray, i: int, t: int, up: bool) -> Change:
    at = best_split(v, i, t)
    return Change(at, t, float(np.mean(v[i:at])), float(np.mean(v[at : t + 1])), "up" if up else "down")


def _restarting(v: np.ndarray, warmup: int, first_alarm: Callable[[int, int], tuple[int, bool] | None]) -> list[Change]:
    """Run a self-starting chart from index 0; after each alarm, date the change and restart the chart there.

    ``first_alarm(i, start)`` scans the segment that begins at ``i`` from ``start`` on and returns the alarm's
    index and direction, or None when the series ends without one.
    """
    out: list[Change] = []
    i = 0
    warmup = max(warmup, 2)
    while i + warmup < v.size:
        hit = first_alarm(i, i + warmup)
        if hit is None:
            break
        ch = _alarm(v, i, hit[0], hit[1])
        out.append(ch)
        i = ch.index
    return out


def cusum(x: Sequence[float] | np.ndarray, *, k: float = 0.5, h: float = 5.0, warmup: int = 4) -> list[Change]:
    """Self-starting two-sided tabular CUSUM; after an alarm the chart restarts at the dated change."""
    v = np.asarray(x, dtype=float)

    def first_alarm(i: int, start: int) -> tuple[int, bool] | None:
        sp = sn = 0.0
        for t in range(start, v.size):
            z = self_starting(v, i, t)
            sp = max(0.0, sp + z - k)
            sn = max(0.0, sn - z - k)
            if sp > h or sn > h:
                return t, sp > h
        return None

    return _restarting(v, warmup, first_alarm)


def ewma(x: Sequence[float] | np.ndarray, *, lam: float = 0.2, L: float = 3.0, warmup: int = 4) -> list[Change]:
    """Self-starting EWMA chart with exact time-varying limits; restarts at the dated change after an alarm."""
    v = np.asarray(x, dtype=float)

    def first_alarm(i: int, start: int) -> tuple[int, bool] | None:
        z = 0.0
        for j, t in enumerate(range(start, v.size), start=1):
            z = lam * self_starting(v, i, t) + (1 - lam) * z
            lim = L * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * j)))
            if abs(z) > lim:
                return t, z > 0
        return None

    return _restarting(v, warmup, first_alarm)


def change_points(
    x: Sequence[float] | np.ndarray, *, method: str = "pelt", c: float = 3.0, min_size: int = 2
) -> list[Change]:
    """Retrospective mean shifts with ``ruptures`` (``l2`` cost, ``jump=1``, ``pen = c * sigma**2 * log n``)."""
    import ruptures as rpt

    v = np.asarray(x, dtype=float)
    n = v.size
    if n < 2 * min_size:
        return []
    sigma = robust_sigma(v)
    pen = c * sigma**2 * math.log(n)
    algo = (rpt.Pelt if method == "pelt" else rpt.Binseg)(model="l2", min_size=min_size, jump=1)
    bkps = [int(b) for b in algo.fit(v.reshape(-1, 1)).predict(pen=pen) if b < n]
    out: list[Change] = []
    edges = [0, *bkps, n]
    for j, b in enumerate(bkps):
        before = float(np.mean(v[edges[j] : b]))
        after = float(np.mean(v[b : edges[j + 2]]))
        out.append(Change(b, None, before, after, "up" if after > before else "down"))
    return out


def detect(x: Sequence[float] | np.ndarray, method: str, **kw: float) -> list[Change]:
    if method == "cusum":
        return cusum(x, k=kw.get("k", 0.5), h=kw.get("h", 5.0), warmup=int(kw.get("warmup", 4)))
    if method == "ewma":
        return ewma(x, lam=kw.get("lam", 0.2), L=kw.get("L", 3.0), warmup=int(kw.get("warmup", 4)))
    if method in ("pelt", "binseg"):
        return change_points(x, method=method, c=kw.get("c", 3.0), min_size=int(kw.get("min_size", 2)))
    raise EventsError(f"unknown method {method!r} (known: {', '.join(METHODS)})", field="--method")


def _step(freq: str) -> dt.timedelta:
    return {
        "day": dt.timedelta(days=1),
        "week": dt.timedelta(days=7),
        "month": dt.timedelta(days=31),
        "year": dt.timedelta(days=366),
    }[freq]


def breaks_near(
    source: str, periods: Sequence[dt.date], idx: int, freq: str, breaks: Sequence[SourceBreak] = KNOWN_BREAKS
) -> list[SourceBreak]:
    """Known breaks of ``source`` within one period of the start of period ``idx`` (or between its neighbours)."""
    lo = periods[max(idx - 1, 0)] - _step(freq)
    hi = periods[min(idx + 1, len(periods) - 1)] + _step(freq)
    return [b for b in breaks if b.source == source and lo <= b.date <= hi]


def alerts_table(
    series: pa.Table,
    *,
    metric: str = "net_coop",
    method: str = "pelt",
    freq: str = "month",
    min_n: int = 5,
    breaks: Sequence[SourceBreak] = KNOWN_BREAKS,
    **kw: float,
) -> pa.Table:
    """Run ``method`` on each (source, actor_a, actor_b) series of a :func:`dyad_indicators` table.

    Returns one row per change: the period the new level starts, the alarm period (online methods), the level
    before and after, the shift in robust sigmas, ``kind`` (``change`` or ``source_break``) and a note. Known
    source breaks inside the range that no change matched are listed too (``kind = known_break``).
    """
    if metric not in RATIO_METRICS + COUNT_METRICS:
        raise EventsError(
            f"unknown metric {metric!r} (known: {', '.join(RATIO_METRICS + COUNT_METRICS)})", field="--metric"
        )
    if method not in METHODS:
        raise EventsError(f"unknown method {method!r} (known: {', '.join(METHODS)})", field="--method")
    rows: list[dict[str, object]] = []
    data: list[dict[str, Any]] = series.to_pylist()
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in data:
        groups.setdefault((str(r["source"]), str(r["actor_a"]), str(r["actor_b"])), []).append(r)
    for (source, a, b), rs in sorted(groups.items()):
        rs.sort(key=lambda r: r["period"])
        periods: list[dt.date] = []
        vals: list[float] = []
        for r in rs:
            val = r.get(metric)
            if val is None or (isinstance(val, float) and math.isnan(val)):
                continue
            if metric in RATIO_METRICS and int(r.get("n") or 0) < min_n:
                continue
            if metric in COUNT_METRICS and "total" in r and not r["total"]:
                continue
            periods.append(r["period"])
            vals.append(float(val))
        values = np.asarray(vals, dtype=float)
        sigma = robust_sigma(values) if values.size else float("nan")
        matched: set[SourceBreak] = set()
        for ch in detect(values, method, **kw):
            near = breaks_near(source, periods, ch.index, freq, breaks)
            matched.update(near)
            kind = "source_break" if near else "change"
            note = "; ".join(b.description for b in near) if near else ""
            rows.append(
                dict(
                    source=source,
                    actor_a=a,
                    actor_b=b,
                    method=method,
                    metric=metric,
                    kind=kind,
                    period=periods[ch.index],
                    alarm=periods[ch.alarm] if ch.alarm is not None else None,
                    before=ch.before,
                    after=ch.after,
                    shift_sigma=(ch.after - ch.before) / sigma,
                    n_periods=len(periods),
                    note=note,
                )
            )
        if periods:
            for brk in breaks:
                if brk.source == source and periods[0] <= brk.date <= periods[-1] and brk not in matched:
                    rows.append(
                        dict(
                            source=source,
                            actor_a=a,
                            actor_b=b,
                            method=method,
                            metric=metric,
                            kind="known_break",
                            period=brk.date,
                            alarm=None,
                            before=None,
                            after=None,
                            shift_sigma=None,
                            n_periods=len(periods),
                            note=brk.description,
                        )
                    )
    schema = pa.schema(
        [
            ("source", pa.string()),
            ("actor_a", pa.string()),
            ("actor_b", pa.string()),
            ("method", pa.string()),
            ("metric", pa.string()),
            ("kind", pa.string()),
            ("period", pa.date32()),
            ("alarm", pa.date32()),
            ("before", pa.float64()),
            ("after", pa.float64()),
            ("shift_sigma", pa.float64()),
            ("n_periods", pa.int64()),
            ("note", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def load_icews_dyad_year(path: Path | str, a: str, b: str, *, directed: bool = False) -> pa.Table:
    """Read the derived ICEWS dyad-year table (netify; columns ``i, j, year, verbCoop, matlCoop, verbConf,
    matlConf, i_iso3c, j_iso3c, ...``) into the :func:`dyad_indicators` shape for countries ``a`` and ``b``
    (ISO3, e.g. ``AFG``, ``PAK``).

    Undirected (default): both directions are added. Directed: rows ``a -> b`` and ``b -> a`` separately. This is a
    yearly count table, not events: ``total`` is the sum over every dyad in the file that year (only dyads with a
    focus country), ``goldstein_*`` are unknown (NULL).
    """
    p = Path(path)
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            rd = csv.DictReader(fh)
            need = {"year", "verbCoop", "matlCoop", "verbConf", "matlConf", "i_iso3c", "j_iso3c"}
            if rd.fieldnames is None or not need <= set(rd.fieldnames):
                raise EventsError(
                    f"not an ICEWS dyad-year table (needs columns {', '.join(sorted(need))})", file=str(p)
                )
            recs = list(rd)
    except OSError as exc:
        raise EventsError(f"cannot read: {exc.strerror}", file=str(p)) from None
    totals: dict[int, int] = {}
    acc: dict[tuple[int, str, str], list[int]] = {}
    for line, r in enumerate(recs, start=2):
        try:
            year = int(float(r["year"]))
            q = [int(float(r[c] or 0)) for c in ("verbCoop", "matlCoop", "verbConf", "matlConf")]
        except ValueError:
            raise EventsError("year and counts must be numbers", file=str(p), line=line) from None
        totals[year] = totals.get(year, 0) + sum(q)
        i, j = r["i_iso3c"], r["j_iso3c"]
        if {i, j} != {a, b}:
            continue
        key = (year, i, j) if directed else (year, a, b)
        cur = acc.setdefault(key, [0, 0, 0, 0])
        for n_, v in enumerate(q):
            cur[n_] += v
    rows = []
    for (year, i, j), q in sorted(acc.items()):
        n = sum(q)
        rows.append(
            dict(
                source="icews",
                period=dt.date(year, 1, 1),
                actor_a=i,
                actor_b=j,
                n=n,
                n_quad=n,
                verbal_coop=q[0],
                material_coop=q[1],
                verbal_conflict=q[2],
                material_conflict=q[3],
                goldstein_sum=None,
                goldstein_mean=None,
                goldstein_wsum=None,
                goldstein_wmean=None,
                mentions=None,
                net_coop=(q[0] + q[1] - q[2] - q[3]) / n if n else None,
                total=totals[year],
                share=n / totals[year] if totals[year] else None,
            )
        )
    if not rows:
        raise EventsError(f"no rows for the dyad {a}-{b}", file=str(p))
    return pa.Table.from_pylist(rows)
