"""The REST API: scenarios, forecasts, lab jobs and their results, each shape declared for the OpenAPI schema.

Why forecasts take stance overrides rather than a whole edited scenario: the dashboard's "what if this actor
cared more?" is one number changed on the arrays the models already read, with the same bounds the scenario
format enforces, so there is no second validation path to keep in step.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..lab.experiment import Experiment, Target
from ..models import available_models, from_scenario
from ..scenario import LoadedScenario, ScenarioError
from .jobs import JobStore, QueueFullError
from .scenarios import ScenarioStore

IdPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$", max_length=80)]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]


class Message(BaseModel):
    error: str
    problems: list[str] = Field(default_factory=list)


class ScenarioInfo(BaseModel):
    id: str
    title: str
    builtin: bool
    actors: int
    issues: int
    strategies: int


class ScenarioDetail(ScenarioInfo):
    source: str
    sha256: str
    scenario: dict[str, Any]


class Validation(BaseModel):
    ok: bool
    problems: list[str]
    summary: ScenarioInfo | None = None


class StanceOverride(BaseModel):
    actor: str = Field(max_length=80)
    issue: str = Field(max_length=80)
    position: float | None = Field(default=None, allow_inf_nan=False)
    salience: float | None = Field(default=None, allow_inf_nan=False)


class ForecastRequest(BaseModel):
    models: list[str] | None = Field(default=None, max_length=20, description="Default: every registered model.")
    rounds: int | None = Field(default=None, ge=0, le=200)
    stances: list[StanceOverride] = Field(default_factory=list, max_length=2000)
    seed: int = Field(
        default=0, ge=0, le=2**63 - 1, description="Seed for stochastic models (e.g. exchange-random); recorded."
    )


class ModelResult(BaseModel):
    model: str
    error: str | None = None
    rounds: int = 0
    forecast: dict[str, float] = Field(default_factory=dict)
    issues: list[dict[str, Any]] = Field(default_factory=list)


class ForecastResponse(BaseModel):
    scenario: str
    caveat: str
    seed: int = 0
    results: list[ModelResult]


class DyadRow(BaseModel):
    source: str
    period: str
    actor_a: str
    actor_b: str
    n: int
    verbal_coop: int
    material_coop: int
    verbal_conflict: int
    material_conflict: int
    goldstein_sum: float | None = None
    goldstein_mean: float | None = None
    goldstein_wmean: float | None = None
    net_coop: float | None = None
    total: int
    share: float | None = None


class DyadsResponse(BaseModel):
    workspace: str
    freq: str
    directed: bool
    actors: list[str]
    rows: list[DyadRow]


class AlertRow(BaseModel):
    source: str
    actor_a: str
    actor_b: str
    method: str
    metric: str
    kind: str
    period: str
    alarm: str | None = None
    before: float | None = None
    after: float | None = None
    shift_sigma: float | None = None
    n_periods: int
    note: str


class AlertSeries(BaseModel):
    source: str
    actor_a: str
    actor_b: str
    periods: int
    events: int


class AlertsResponse(BaseModel):
    workspace: str
    freq: str
    method: str
    metric: str
    series: list[AlertSeries]
    alerts: list[AlertRow]


class JobRequest(BaseModel):
    scenario: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$")
    strategies: list[str] | None = Field(default=None, max_length=100)
    draws: int = Field(default=200, ge=1, le=20000)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    model: str | None = Field(default=None, max_length=40)
    client: str | None = Field(default=None, max_length=80)
    targets: list[str] | None = Field(default=None, max_length=20)


class Job(BaseModel):
    id: str
    kind: str
    scenario: str
    status: Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
    progress: dict[str, int]
    message: str
    created: str
    updated: str
    request: dict[str, Any]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Message},
    404: {"model": Message},
    409: {"model": Message},
    413: {"model": Message},
    422: {"model": Message},
}


def _info(sid: str, builtin: bool, loaded: LoadedScenario) -> ScenarioInfo:
    s = loaded.scenario
    return ScenarioInfo(
        id=sid, title=s.title, builtin=builtin, actors=len(s.actors), issues=len(s.issues), strategies=len(s.strategies)
    )


def _problems(exc: ScenarioError) -> list[str]:
    return [str(p) for p in exc.problems][:200]


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


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


def build_router(scenarios: ScenarioStore, jobs: JobStore, workspace: Path | None = None) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERRORS)

    def event_indicators(actors: str, freq: str, directed: bool) -> tuple[Path, Any]:
        """The dyad-indicator table from the server's workspace, opened read-only for this request only."""
        import duckdb

        from ..events.errors import EventsError
        from ..events.indicators import dyad_indicators

        if workspace is None:
            raise HTTPException(409, "no event workspace is configured; start the server with --workspace FILE")
        if not workspace.is_file():
            raise HTTPException(404, f"the event workspace {workspace.name} does not exist yet")
        try:
            con = duckdb.connect(str(workspace), read_only=True)
        except duckdb.Error:
            raise HTTPException(409, f"the event workspace {workspace.name} cannot be opened") from None
        try:
            con.execute("SET enable_progress_bar = false")
            views = {str(r[0]) for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "events" not in views:
                raise HTTPException(409, "the event workspace holds no events (run `realpolitik events ingest`)")
            tokens = [t for t in actors.split(",") if t]
            table = dyad_indicators(con, tokens, freq=freq, directed=directed)
        except EventsError as exc:
            raise HTTPException(422, str(exc)) from None
        finally:
            con.close()
        return workspace, table

    @router.get("/events/dyads", tags=["events"])
    def event_dyads(actors: ActorsQuery, freq: FreqQuery = "month", directed: bool = False) -> DyadsResponse:
        """Per source, period and dyad: counts by CAMEO quad class, Goldstein, net cooperation, share of volume."""
        ws, table = event_indicators(actors, freq, directed)
        rows = [
            DyadRow(**{k: _json_value(v) for k, v in r.items() if k in DyadRow.model_fields}) for r in table.to_pylist()
        ]
        return DyadsResponse(
            workspace=ws.name, freq=freq, directed=directed, actors=[t for t in actors.split(",") if t], rows=rows
        )

    @router.get("/events/alerts", tags=["events"])
    def event_alerts(
        actors: ActorsQuery = "pakistan,taliban",
        freq: FreqQuery = "month",
        directed: bool = False,
        metric: Annotated[Literal["net_coop", "goldstein_mean", "goldstein_wmean", "n", "share"], Query()] = "net_coop",
        method: Annotated[Literal["pelt", "binseg", "cusum", "ewma"], Query()] = "pelt",
        min_n: Annotated[int, Query(ge=1, le=100000, description="Ratio metrics: skip periods with fewer events.")] = 5,
    ) -> AlertsResponse:
        """Change points on each dyad series; known breaks in a source's coverage are labelled, not reported."""
        from ..events.alerts import alerts_table
        from ..events.errors import EventsError

        ws, table = event_indicators(actors, freq, directed)
        try:
            found = alerts_table(table, metric=metric, method=method, freq=freq, min_n=min_n)
        except EventsError as exc:
            raise HTTPException(422, str(exc)) from None
        series: dict[tuple[str, str, str], list[int]] = {}
        for r in table.to_pylist():
            acc = series.setdefault((str(r["source"]), str(r["actor_a"]), str(r["actor_b"])), [0, 0])
            acc[0] += 1
            acc[1] += int(r["n"])
        return AlertsResponse(
            workspace=ws.name,
            freq=freq,
            method=method,
            metric=metric,
            series=[
                AlertSeries(source=k[0], actor_a=k[1], actor_b=k[2], periods=v[0], events=v[1])
                for k, v in sorted(series.items())
            ],
            alerts=[AlertRow(**{k: _json_value(v) for k, v in r.items()}) for r in found.to_pylist()],
        )

    def scenario_or_404(sid: str) -> LoadedScenario:
        try:
            loaded = scenarios.get(sid)
        except ScenarioError as exc:
            raise HTTPException(422, "; ".join(_problems(exc))) from None
        if loaded is None:
            raise HTTPException(404, f"no scenario {sid!r}")
        return loaded

    @router.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        from .. import __version__

        return {"status": "ok", "version": __version__}

    @router.get("/models", tags=["meta"])
    def models() -> list[dict[str, Any]]:
        return [
            {"name": n, "title": m.title, "reference": m.reference, "dynamic": m.dynamic, "rounds": m.default_rounds}
            for n, m in available_models().items()
        ]

    @router.get("/scenarios", tags=["scenarios"])
    def list_scenarios() -> list[ScenarioInfo]:
        out = []
        for sid, builtin in scenarios.ids():
            try:
                loaded = scenarios.get(sid)
            except ScenarioError:
                continue
            if loaded is not None:
                out.append(_info(sid, builtin, loaded))
        return out

    @router.get("/scenarios/{sid}", tags=["scenarios"])
    def get_scenario(sid: IdPath) -> ScenarioDetail:
        loaded = scenario_or_404(sid)
        info = _info(sid, sid in dict(scenarios.ids()) and dict(scenarios.ids())[sid], loaded)
        return ScenarioDetail(
            **info.model_dump(),
            source=loaded.source,
            sha256=loaded.sha256,
            scenario=loaded.scenario.model_dump(mode="json"),
        )

    @router.post("/scenarios", tags=["scenarios"], status_code=201)
    async def upload_scenario(file: Annotated[UploadFile, File(description="A scenario file.")]) -> ScenarioInfo:
        data = await file.read()
        try:
            sid, loaded = scenarios.add(data, file.filename)
        except ScenarioError as exc:
            raise HTTPException(422, "; ".join(_problems(exc))) from None
        return _info(sid, False, loaded)

    @router.post("/scenarios/validate", tags=["scenarios"])
    async def validate_scenario(file: Annotated[UploadFile, File(description="A scenario file.")]) -> Validation:
        from .scenarios import parse_upload

        data = await file.read()
        try:
            loaded = parse_upload(data, file.filename)
        except ScenarioError as exc:
            return Validation(ok=False, problems=_problems(exc))
        return Validation(ok=True, problems=[], summary=_info(loaded.scenario.id, False, loaded))

    @router.post("/scenarios/{sid}/forecast", tags=["forecast"])
    def forecast(sid: IdPath, body: ForecastRequest) -> ForecastResponse:
        from ..console import CAVEAT

        loaded = scenario_or_404(sid)
        s = loaded.scenario
        registry = available_models()
        names = body.models or list(registry)
        unknown = [m for m in names if m not in registry]
        if unknown:
            raise HTTPException(422, f"unknown model(s): {', '.join(unknown)} (available: {', '.join(registry)})")
        arrays = from_scenario(s)
        position, salience = arrays.position.copy(), arrays.salience.copy()
        actors, issues = list(arrays.actor_ids), list(arrays.issue_ids)
        for o in body.stances:
            if o.actor not in actors or o.issue not in issues:
                raise HTTPException(422, f"unknown actor or issue in stance {o.actor}.{o.issue}")
            k, i = actors.index(o.actor), issues.index(o.issue)
            if not arrays.present[k, i]:
                raise HTTPException(422, f"{o.actor} takes no stance on {o.issue}")
            issue = s.issue(o.issue)
            if o.position is not None:
                if not issue.scale.low <= o.position <= issue.scale.high:
                    raise HTTPException(
                        422, f"{o.actor}.{o.issue}.position must be in [{issue.scale.low:g}, {issue.scale.high:g}]"
                    )
                position[:, k, i] = o.position
            if o.salience is not None:
                if not 0 <= o.salience <= s.salience_scale:
                    raise HTTPException(422, f"{o.actor}.{o.issue}.salience must be in [0, {s.salience_scale:g}]")
                salience[:, k, i] = o.salience / s.salience_scale
        arrays = replace(arrays, position=position, salience=salience)
        results = []
        for name in names:
            try:
                spec = registry[name]
                traj = spec(arrays, rounds=body.rounds, rng=body.seed, **spec.options_for(s.metadata))
            except Exception as exc:  # one model failing on a scenario is a result to show, not a server error
                results.append(ModelResult(model=name, error=f"{type(exc).__name__}: {exc}"))
                continue
            fc = {issue: float(traj.forecast[0, i]) for i, issue in enumerate(issues)}
            if not all(np.isfinite(v) for v in fc.values()):
                results.append(ModelResult(model=name, error="the model returned a non-finite forecast"))
                continue
            results.append(
                ModelResult(model=name, rounds=traj.rounds, forecast=fc, issues=traj.to_json_dict()["issues"])
            )
        return ForecastResponse(scenario=sid, caveat=CAVEAT, seed=body.seed, results=results)

    @router.get("/scenarios/{sid}/figures/{name}", tags=["figures"], response_class=Response)
    def scenario_figure(sid: IdPath, name: Literal["actor_map", "channels", "models"]) -> Response:
        from ..brief import figures
        from ..brief.compute import model_forecasts

        s = scenario_or_404(sid).scenario
        import matplotlib

        with matplotlib.rc_context(figures.RC):
            if name == "actor_map":
                fig = figures.actor_map(s)
            elif name == "channels":
                fig = figures.channel_network(s)
            else:
                fig = figures.model_comparison(s, model_forecasts(s, None, 100, 0))
            svg, _ = figures.render(fig)
        return Response(svg, media_type="image/svg+xml")

    @router.post("/jobs", tags=["jobs"], status_code=202)
    def start_job(body: JobRequest) -> Job:
        loaded = scenario_or_404(body.scenario)
        s = loaded.scenario
        registry = available_models()
        model = body.model or ("bdm" if "bdm" in registry else "compromise")
        if model not in registry:
            raise HTTPException(422, f"unknown model {model!r}")
        try:
            targets = tuple(Target.parse(t) for t in (body.targets or [str(g) for g in s.targets]))
            strategies = tuple(body.strategies or [x.id for x in s.strategies])
            if not strategies:
                raise ValueError("the scenario defines no strategies")
            experiment = Experiment(
                scenario=s,
                strategies=strategies,
                client=body.client or s.client or "",
                draws=body.draws,
                seed=body.seed,
                model=model,
                targets=targets,
                shard_size=max(1, -(-body.draws // 20)),
            )
        except (ValueError, KeyError) as exc:
            raise HTTPException(422, str(exc.args[0] if exc.args else exc)) from None
        try:
            job = jobs.submit(loaded, experiment, {**body.model_dump(), "model": model})
        except QueueFullError as exc:
            raise HTTPException(409, str(exc)) from None
        return Job(**job)

    @router.get("/jobs", tags=["jobs"])
    def list_jobs() -> list[Job]:
        return [Job(**j) for j in jobs.all_jobs()]

    def job_or_404(job_id: str) -> dict[str, Any]:
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return job

    @router.get("/jobs/{job_id}", tags=["jobs"])
    def get_job(job_id: JobId) -> Job:
        return Job(**job_or_404(job_id))

    @router.post("/jobs/{job_id}/cancel", tags=["jobs"])
    def cancel_job(job_id: JobId) -> Job:
        job = jobs.cancel(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return Job(**job)

    def finished(job_id: str) -> dict[str, Any]:
        job = job_or_404(job_id)
        if job["status"] != "done":
            raise HTTPException(409, f"job {job_id} is {job['status']}, not done")
        return job

    @router.get("/jobs/{job_id}/results", tags=["jobs"], response_class=Response)
    def job_results(
        job_id: JobId,
        format: Annotated[Literal["json", "csv", "parquet"], Query()] = "json",
    ) -> Response:
        import json

        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        finished(job_id)
        out = jobs.lab_dir(job_id)
        if format == "json":
            summary = json.loads((out / "summary.json").read_text())
            return JSONResponse(summary)
        table = pq.read_table(out / "shards")
        buf = io.BytesIO()
        if format == "csv":
            pacsv.write_csv(table, buf)
            return Response(
                buf.getvalue(),
                media_type="text/csv",
                headers={"content-disposition": f'attachment; filename="lab-{job_id}.csv"'},
            )
        pq.write_table(table, buf, compression="zstd")
        return Response(
            buf.getvalue(),
            media_type="application/vnd.apache.parquet",
            headers={"content-disposition": f'attachment; filename="lab-{job_id}.parquet"'},
        )

    @router.get("/jobs/{job_id}/figures/{name}", tags=["figures"], response_class=Response)
    def job_figure(job_id: JobId, name: Literal["outcomes", "scores"]) -> Response:
        import json

        import matplotlib

        from ..brief import figures
        from ..brief.compute import LabData, lab_outcomes

        job = finished(job_id)
        loaded = scenario_or_404(job["scenario"])
        out = jobs.lab_dir(job_id)
        summary = json.loads((out / "summary.json").read_text())
        req = job["request"]
        strategies = tuple(r["strategy"] for r in summary["strategies"])
        lab = LabData(
            model=req["model"],
            client=req.get("client") or loaded.scenario.client or "",
            draws=summary["draws"],
            seed=req["seed"],
            targets=summary["targets"],
            summary=summary,
            outcomes=lab_outcomes(out, strategies),
            out=out,
        )
        with matplotlib.rc_context(figures.RC):
            fig = figures.strategy_scores(lab) if name == "scores" else figures.strategy_outcomes(loaded.scenario, lab)
            svg, _ = figures.render(fig)
        return Response(svg, media_type="image/svg+xml")

    return router
