"""The brief's figures as SVG: a scenario's (actor map, channels, model comparison) and a finished job's."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from ..scenario import LoadedScenario
from ..workflows.brief_data import LabData
from ..workflows.forecast import ForecastRequest, forecast
from ..workflows.lab import load_result, read_outcomes
from .common import IdPath, JobId, Svc, scenario_or_404
from .routes_jobs import finished

router = APIRouter(tags=["figures"])
BAND_DRAWS = 100
"""Draws behind each model's band in the model comparison (the brief's own default is larger)."""


def svg(make: Any, *args: Any) -> Response:
    """Draw ``make(*args)`` with the brief's style and answer it as SVG."""
    import matplotlib

    from ..brief import figures

    with matplotlib.rc_context(figures.RC):
        text, _ = figures.render(make(*args))
    return Response(text, media_type="image/svg+xml")


@router.get("/scenarios/{sid}/figures/{name}", response_class=Response)
def scenario_figure(sid: IdPath, name: Literal["actor_map", "channels", "models"], svc: Svc) -> Response:
    from ..brief import figures

    loaded = scenario_or_404(svc.scenarios, sid)
    s = loaded.scenario
    if name == "actor_map":
        return svg(figures.actor_map, s)
    if name == "channels":
        return svg(figures.channel_network, s)
    runs = forecast(ForecastRequest(loaded, models=(), band_draws=BAND_DRAWS, seed=0)).runs
    return svg(figures.model_comparison, s, runs)


def lab_data(out: Path, loaded: LoadedScenario, request: dict[str, Any]) -> LabData:
    """A finished job's lab, as the brief's figures read it: its stored summary and its outcomes per draw.

    Jobs written before the summary named its model, client and seed fall back to the job's request."""
    doc = load_result(out)
    summary = {k: doc[k] for k in ("draws", "targets", "strategies", "outcomes", "rankings")}
    strategies = tuple(r["strategy"] for r in doc["strategies"])
    return LabData(
        model=str(doc.get("model", request.get("model", ""))),
        client=str(doc.get("client") or request.get("client") or loaded.scenario.client or ""),
        draws=int(doc["draws"]),
        seed=int(doc.get("seed", request.get("seed", 0))),
        targets=list(doc["targets"]),
        summary=summary,
        outcomes=read_outcomes(out, strategies),
        out=out,
    )


@router.get("/jobs/{job_id}/figures/{name}", response_class=Response)
def job_figure(job_id: JobId, name: Literal["outcomes", "scores"], svc: Svc) -> Response:
    from ..brief import figures

    job = finished(svc.jobs, job_id)
    loaded = scenario_or_404(svc.scenarios, job["scenario"])
    lab = lab_data(svc.jobs.lab_dir(job_id), loaded, job["request"])
    if name == "scores":
        return svg(figures.strategy_scores, lab)
    return svg(figures.strategy_outcomes, loaded.scenario, lab)
