"""Event indicators and alerts from the server's ``--workspace``, opened read-only for each request only.

Why per request: DuckDB allows one writing process per file, so ``realpolitik events ingest`` can keep
writing to the workspace while the server runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from .common import Svc, json_value
from .schemas import AlertRow, AlertSeries, AlertsResponse, DyadRow, DyadsResponse

router = APIRouter(tags=["events"])

ActorsQuery = Annotated[
    str,
    Query(
        min_length=3,
        max_length=400,
        pattern=r"^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)+$",
        description="Comma-separated analytic actor ids (pakistan,taliban), scenario ids or country codes (PAK,AFG).",
    ),
]
FreqQuery = Annotated[Literal["day", "week", "month", "year"], Query(description="Period of the indicators.")]
MetricQuery = Annotated[Literal["net_coop", "goldstein_mean", "goldstein_wmean", "n", "share"], Query()]
MethodQuery = Annotated[Literal["pelt", "binseg", "cusum", "ewma"], Query()]
MinNQuery = Annotated[int, Query(ge=1, le=100000, description="Ratio metrics: skip periods with fewer events.")]


def tokens(actors: str) -> list[str]:
    return [t for t in actors.split(",") if t]


def open_workspace(workspace: Path | None) -> Any:
    """A read-only connection to the workspace, or the HTTP answer saying why there is none."""
    import duckdb

    if workspace is None:
        raise HTTPException(409, "no event workspace is configured; start the server with --workspace FILE")
    if not workspace.is_file():
        raise HTTPException(404, f"the event workspace {workspace.name} does not exist yet")
    try:
        return duckdb.connect(str(workspace), read_only=True)
    except duckdb.Error:
        raise HTTPException(409, f"the event workspace {workspace.name} cannot be opened") from None


def event_indicators(workspace: Path | None, actors: str, freq: str, directed: bool) -> tuple[Path, Any]:
    """The dyad-indicator table from the server's workspace (an Arrow table)."""
    from ..events.errors import EventsError
    from ..events.indicators import dyad_indicators

    con = open_workspace(workspace)
    assert workspace is not None
    try:
        con.execute("SET enable_progress_bar = false")
        views = {str(r[0]) for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "events" not in views:
            raise HTTPException(409, "the event workspace holds no events (run `realpolitik events ingest`)")
        table = dyad_indicators(con, tokens(actors), freq=freq, directed=directed)
    except EventsError as exc:
        raise HTTPException(422, str(exc)) from None
    finally:
        con.close()
    return workspace, table


@router.get("/events/dyads")
def event_dyads(svc: Svc, actors: ActorsQuery, freq: FreqQuery = "month", directed: bool = False) -> DyadsResponse:
    """Per source, period and dyad: counts by CAMEO quad class, Goldstein, net cooperation, share of volume."""
    ws, table = event_indicators(svc.workspace, actors, freq, directed)
    rows = [DyadRow(**{k: json_value(v) for k, v in r.items() if k in DyadRow.model_fields}) for r in table.to_pylist()]
    return DyadsResponse(workspace=ws.name, freq=freq, directed=directed, actors=tokens(actors), rows=rows)


def series_checked(table: Any) -> list[AlertSeries]:
    """Every dyad series the alerts looked at, with its length, so that "no alert" can be read against it."""
    series: dict[tuple[str, str, str], list[int]] = {}
    for r in table.to_pylist():
        acc = series.setdefault((str(r["source"]), str(r["actor_a"]), str(r["actor_b"])), [0, 0])
        acc[0] += 1
        acc[1] += int(r["n"])
    return [
        AlertSeries(source=k[0], actor_a=k[1], actor_b=k[2], periods=v[0], events=v[1])
        for k, v in sorted(series.items())
    ]


@router.get("/events/alerts")
def event_alerts(
    svc: Svc,
    actors: ActorsQuery = "pakistan,taliban",
    freq: FreqQuery = "month",
    directed: bool = False,
    metric: MetricQuery = "net_coop",
    method: MethodQuery = "pelt",
    min_n: MinNQuery = 5,
) -> AlertsResponse:
    """Change points on each dyad series; known breaks in a source's coverage are labelled, not reported."""
    from ..events.alerts import alerts_table
    from ..events.errors import EventsError

    ws, table = event_indicators(svc.workspace, actors, freq, directed)
    try:
        found = alerts_table(table, metric=metric, method=method, freq=freq, min_n=min_n)
    except EventsError as exc:
        raise HTTPException(422, str(exc)) from None
    return AlertsResponse(
        workspace=ws.name,
        freq=freq,
        method=method,
        metric=metric,
        series=series_checked(table),
        alerts=[AlertRow(**{k: json_value(v) for k, v in r.items()}) for r in found.to_pylist()],
    )
