"""The forecast endpoint: the body becomes a :class:`~realpolitik.workflows.forecast.ForecastRequest`, each
model's run becomes a :class:`ModelResult`; nothing else happens here.

Stance overrides are what-if edits of the scenario itself (:mod:`realpolitik.workflows.edits`), so the same
edit gives the same numbers here, in the strategy comparison and in the brief.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..workflows import forecast as workflow
from ..workflows.errors import RequestError
from ..workflows.text import CAVEAT
from .common import IdPath, Svc, edits, scenario_or_404, unprocessable
from .schemas import ForecastRequest, ForecastResponse, ModelResult

router = APIRouter(tags=["forecast"])


def model_result(run: workflow.ModelRun) -> ModelResult:
    """One model's answer; a model that failed on the scenario is a result with its error, not a server error."""
    if run.error is not None:
        return ModelResult(model=run.name, track_record=run.track_record, error=run.error)
    traj = run.trajectory
    return ModelResult(
        model=run.name,
        track_record=run.track_record,
        rounds=traj.rounds,
        forecast=run.forecast(),
        issues=traj.to_json_dict()["issues"],
    )


@router.post("/scenarios/{sid}/forecast")
def forecast(sid: IdPath, body: ForecastRequest, svc: Svc) -> ForecastResponse:
    loaded = scenario_or_404(svc.scenarios, sid)
    request = workflow.ForecastRequest(
        loaded, models=tuple(body.models or ()), rounds=body.rounds, seed=body.seed, edits=edits(body.stances)
    )
    try:
        result = workflow.forecast(request)
    except RequestError as exc:
        raise unprocessable(exc) from None
    return ForecastResponse(
        scenario=sid, caveat=CAVEAT, seed=body.seed, results=[model_result(run) for run in result.runs]
    )
