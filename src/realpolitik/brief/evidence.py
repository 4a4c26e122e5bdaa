"""Event evidence for a brief, read from an event workspace (DuckDB) without changing it.

Why so defensive: the event monitor grows in parallel with the brief. This module uses what the workspace
offers (the ``events`` view always; ``events_resolved`` with actor ids when actor resolution has run) and any
``dyads``/``alerts`` functions that :mod:`realpolitik.events` exposes, and says plainly what it skipped.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..scenario.model import Scenario

HOOKS = ("dyads", "alerts")
QUAD = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}


def _views(con: Any) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {str(r[0]) for r in rows}


def _rows(value: Any, limit: int = 20) -> list[dict[str, Any]] | None:
    """A hook's result as a list of dicts (DataFrame, list of dicts or of dataclass-like objects)."""
    if hasattr(value, "to_dict"):
        try:
            records = value.to_dict("records")
        except TypeError:
            records = None
        if isinstance(records, list):
            return [dict(r) for r in records[:limit]]
    if isinstance(value, list):
        out = []
        for item in value[:limit]:
            if isinstance(item, dict):
                out.append(item)
            elif hasattr(item, "to_json_dict"):
                out.append(item.to_json_dict())
            elif hasattr(item, "__dict__"):
                out.append(dict(vars(item)))
        return out
    return None


def gather(workspace: Path, scenario: Scenario) -> dict[str, Any]:
    """Counts by month and CAMEO quad class; dyads among the scenario's actors when resolution exists; hooks."""
    import duckdb

    result: dict[str, Any] = {"workspace": str(workspace), "notes": [], "monthly": [], "dyads": [], "hooks": {}}
    if not workspace.is_file():
        result["notes"].append(f"{workspace}: no such workspace file; the event section is empty.")
        return result
    con = duckdb.connect(str(workspace), read_only=True)
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
        if "events_resolved" in views:
            result["dyads"] = [
                {"actor1": a1, "actor2": a2, "events": int(n), "mean_goldstein": g, "conflict_share": c}
                for a1, a2, n, g, c in con.execute(
                    """SELECT actor1, actor2, count(*) AS n, avg(goldstein),
                              avg(CASE WHEN quad_class >= 3 THEN 1.0 ELSE 0.0 END)
                       FROM events_resolved WHERE actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor1 <> actor2
                       GROUP BY ALL ORDER BY n DESC LIMIT 15"""
                ).fetchall()
            ]
            known = {a.id for a in scenario.actors}
            for d in result["dyads"]:
                d["in_scenario"] = d["actor1"] in known and d["actor2"] in known
        else:
            result["notes"].append("Actor resolution has not run on this workspace, so dyads are not shown.")
    finally:
        con.close()
    _hooks(result, workspace, scenario)
    return result


def _hooks(result: dict[str, Any], workspace: Path, scenario: Scenario) -> None:
    try:
        events = importlib.import_module("realpolitik.events")
    except ImportError:
        return
    for name in HOOKS:
        fn = getattr(events, name, None)
        if not callable(fn):
            continue
        try:
            rows = _rows(fn(workspace, scenario))
        except Exception as exc:  # a hook is optional evidence; its failure is reported, never fatal
            result["notes"].append(f"realpolitik.events.{name} failed: {type(exc).__name__}: {exc}")
            continue
        if rows is not None:
            result["hooks"][name] = rows
