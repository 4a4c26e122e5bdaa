"""Event evidence for a brief, read from an event workspace (DuckDB) without changing it.

What it gathers, all with the numbers behind each statement:

* counts by month and CAMEO quad class (the ``events`` view) and the most frequent resolved dyads;
* dyad trends among the scenario's actors (:func:`realpolitik.events.indicators.dyad_indicators`, scenario ids
  mapped to analytic actors by the default alias table) with change points on them
  (:func:`realpolitik.events.alerts.alerts_table`, known source breaks labelled as such);
* the assumption check (:func:`realpolitik.workflows.check.check_assumptions`): the scenario's channels and
  alignments against recent dyad evidence.

Why each part is guarded: a workspace may hold no resolved actors, no CAMEO-coded rows or no events near the
scenario's date; the brief then says plainly what it skipped instead of failing.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from ..scenario.model import Scenario

QUAD = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}
FREQ = "month"
ALERT_METRICS = ("net_coop", "n")
MAX_DYADS = 10


def _views(con: Any) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {str(r[0]) for r in rows}


def _plain(v: Any) -> Any:
    """JSON-friendly values (dates as ISO strings, NaN as None)."""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def gather(workspace: Path, scenario: Scenario) -> dict[str, Any]:
    """Counts, dyad trends with alerts, and the assumption check for ``scenario`` from ``workspace``."""
    import duckdb

    result: dict[str, Any] = {
        "workspace": str(workspace),
        "notes": [],
        "monthly": [],
        "dyads": [],
        "trends": [],
        "alerts": [],
        "check": None,
        "freq": FREQ,
    }
    if not workspace.is_file():
        result["notes"].append(f"{workspace}: no such workspace file; the event section is empty.")
        return result
    con = duckdb.connect(str(workspace), read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        views = _views(con)
        if "events" not in views:
            result["notes"].append("The workspace has no `events` view (nothing ingested yet).")
            return result
        total = con.execute("SELECT count(*), min(event_date), max(event_date) FROM events").fetchone()
        assert total is not None
        result["total"], result["first"], result["last"] = int(total[0]), str(total[1]), str(total[2])
        result["monthly"] = [
            {"month": str(m), "quad_class": int(q) if q is not None else 0, "events": int(n)}
            for m, q, n in con.execute(
                "SELECT month, quad_class, count(*) FROM events WHERE month IS NOT NULL "
                "GROUP BY ALL ORDER BY month, quad_class"
            ).fetchall()
        ]
        if not result["total"]:
            return result
        if "events_resolved" not in views:
            result["notes"].append("Actor resolution has not run on this workspace, so dyads are not shown.")
            return result
        _frequent_dyads(result, con, scenario)
        _trends(result, con, scenario)
        _check(result, con, scenario)
    finally:
        con.close()
    return result


def _frequent_dyads(result: dict[str, Any], con: Any, scenario: Scenario) -> None:
    result["dyads"] = [
        {"actor1": a1, "actor2": a2, "events": int(n), "mean_goldstein": g, "conflict_share": c}
        for a1, a2, n, g, c in con.execute(
            """SELECT actor1, actor2, count(*) AS n, avg(goldstein),
                      avg(CASE WHEN quad_class >= 3 THEN 1.0 ELSE 0.0 END)
               FROM events_resolved WHERE actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor1 <> actor2
               GROUP BY ALL ORDER BY n DESC, actor1, actor2 LIMIT 15"""
        ).fetchall()
    ]
    from ..events.indicators import known_actor_ids

    mapped = set(scenario_event_actors(scenario, set(known_actor_ids(con)))[0])
    for d in result["dyads"]:
        d["in_scenario"] = d["actor1"] in mapped and d["actor2"] in mapped


def scenario_event_actors(scenario: Scenario, known: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The analytic actors that the scenario's actors map to (each once) and which scenario ids each stands for."""
    from ..events import actors as actors_mod

    smap = actors_mod.default_actors().scenario_map()
    order: list[str] = []
    stands_for: dict[str, list[str]] = {}
    for a in scenario.actors:
        ev = smap.get(a.id, a.id if a.id in known else None)
        if ev is None or ev not in known:
            continue
        if ev not in stands_for:
            order.append(ev)
            stands_for[ev] = []
        stands_for[ev].append(a.id)
    return order, stands_for


def _trend(
    key: tuple[str, str, str], rows: list[dict[str, Any]], stands_for: dict[str, list[str]]
) -> dict[str, Any] | None:
    """One dyad's series summarised (None when it holds no event)."""
    source, a, b = key
    rows.sort(key=lambda r: r["period"])
    n = sum(int(r["n"]) for r in rows)
    if n == 0:
        return None
    n_quad = sum(int(r["n_quad"]) for r in rows)
    coop = sum(int(r["verbal_coop"]) + int(r["material_coop"]) for r in rows)
    conflict = sum(int(r["verbal_conflict"]) + int(r["material_conflict"]) for r in rows)
    gsum = sum(float(r["goldstein_sum"] or 0.0) for r in rows)
    g_n = sum(int(r["n"]) for r in rows if r["goldstein_mean"] is not None)
    last = rows[-1]
    return {
        "source": source,
        "actor_a": a,
        "actor_b": b,
        "scenario_a": stands_for.get(a, [a]),
        "scenario_b": stands_for.get(b, [b]),
        "periods": len(rows),
        "first": rows[0]["period"].isoformat(),
        "last": last["period"].isoformat(),
        "events": n,
        "cooperation": coop,
        "conflict": conflict,
        "net_coop": (coop - conflict) / n_quad if n_quad else None,
        "goldstein_mean": gsum / g_n if g_n else None,
        "last_events": int(last["n"]),
        "last_net_coop": _plain(last["net_coop"]),
        "series": [
            {"period": r["period"].isoformat(), "n": int(r["n"]), "net_coop": _plain(r["net_coop"])} for r in rows
        ],
    }


def _alerts(result: dict[str, Any], table: Any, keep: set[tuple[str, str, str]]) -> None:
    from ..events.alerts import alerts_table
    from ..events.errors import EventsError

    for metric in ALERT_METRICS:
        try:
            found = alerts_table(table, metric=metric, method="pelt", freq=FREQ)
        except EventsError as exc:
            result["notes"].append(f"Alerts on {metric} could not be computed: {exc}")
            continue
        for r in found.to_pylist():
            if (r["source"], r["actor_a"], r["actor_b"]) in keep:
                result["alerts"].append(_plain(r))


def _trends(result: dict[str, Any], con: Any, scenario: Scenario) -> None:
    from ..events.errors import EventsError
    from ..events.indicators import dyad_indicators, known_actor_ids

    ids, stands_for = scenario_event_actors(scenario, set(known_actor_ids(con)))
    result["stands_for"] = stands_for
    if len(ids) < 2:
        result["notes"].append(
            "Fewer than two scenario actors map to event actors in the alias table, so no dyad trends are shown."
        )
        return
    try:
        table = dyad_indicators(con, ids, freq=FREQ)
    except EventsError as exc:
        result["notes"].append(f"Dyad indicators could not be computed: {exc}")
        return
    series: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in table.to_pylist():
        series.setdefault((str(r["source"]), str(r["actor_a"]), str(r["actor_b"])), []).append(r)
    trends = [trend for key, rows in series.items() if (trend := _trend(key, rows, stands_for)) is not None]
    trends.sort(key=lambda t: (-t["events"], t["source"], t["actor_a"], t["actor_b"]))
    shown = trends[:MAX_DYADS]
    result["trends"] = shown
    if len(trends) > MAX_DYADS:
        result["notes"].append(f"{len(trends) - MAX_DYADS} further dyads with events are not listed.")
    if not shown:
        result["notes"].append(
            "No events between the scenario's actors (as mapped to event actors: " + ", ".join(ids) + ")."
        )
        return
    _alerts(result, table, {(t["source"], t["actor_a"], t["actor_b"]) for t in shown})
    result["alert_method"] = (
        "PELT change points (ruptures, l2 cost, penalty 3·σ²·log n) on monthly net cooperation (months with at "
        "least 5 events) and on monthly event counts; a change within a month of a known break in a source's "
        "coverage is labelled as a source break, not as a change in relations."
    )


def _check(result: dict[str, Any], con: Any, scenario: Scenario) -> None:
    from ..events.errors import EventsError
    from ..workflows.check import CAVEAT, check_assumptions

    try:
        findings = check_assumptions(scenario, con)
        as_of = scenario.as_of
        note = ""
        coded = con.execute("SELECT max(event_date) FROM events WHERE quad_class IS NOT NULL").fetchone()
        last = coded[0] if coded else None
        stale = findings and all(f.kind == "no_coverage" for f in findings)
        if stale and last is not None and (as_of is None or last < as_of):
            findings = check_assumptions(scenario, con, as_of=last)
            note = (
                f"The workspace has no CAMEO-coded events in the window before the scenario's date"
                f"{f' ({as_of})' if as_of else ''}; the check below uses the window ending at the last event "
                f"in the workspace with a CAMEO code ({last}), so it compares the scenario with older evidence."
            )
    except EventsError as exc:
        result["notes"].append(f"The assumption check could not run: {exc}")
        return
    result["check"] = {
        "caveat": CAVEAT,
        "note": note,
        "findings": [{k: v for k, v in _plain(f.to_dict()).items() if k != "caveat"} for f in findings],
    }
