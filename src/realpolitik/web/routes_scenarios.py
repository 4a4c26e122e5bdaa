"""Built-in and uploaded scenarios: list, read, upload, validate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, UploadFile

from ..scenario import ScenarioError
from .common import IdPath, Svc, info, problems, scenario_or_404
from .scenarios import parse_upload
from .schemas import ScenarioDetail, ScenarioInfo, Validation

router = APIRouter(tags=["scenarios"])
UploadFileField = Annotated[UploadFile, File(description="A scenario file.")]


@router.get("/scenarios")
def list_scenarios(svc: Svc) -> list[ScenarioInfo]:
    out = []
    for sid, builtin in svc.scenarios.ids():
        try:
            loaded = svc.scenarios.get(sid)
        except ScenarioError:
            continue
        if loaded is not None:
            out.append(info(sid, builtin, loaded))
    return out


@router.get("/scenarios/{sid}")
def get_scenario(sid: IdPath, svc: Svc) -> ScenarioDetail:
    loaded = scenario_or_404(svc.scenarios, sid)
    builtin = dict(svc.scenarios.ids()).get(sid, False)
    return ScenarioDetail(
        **info(sid, builtin, loaded).model_dump(),
        source=loaded.source,
        sha256=loaded.sha256,
        scenario=loaded.scenario.model_dump(mode="json"),
    )


@router.post("/scenarios", status_code=201)
async def upload_scenario(file: UploadFileField, svc: Svc) -> ScenarioInfo:
    data = await file.read()
    try:
        sid, loaded = svc.scenarios.add(data, file.filename)
    except ScenarioError as exc:
        raise HTTPException(422, "; ".join(problems(exc))) from None
    return info(sid, False, loaded)


@router.post("/scenarios/validate")
async def validate_scenario(file: UploadFileField) -> Validation:
    data = await file.read()
    try:
        loaded = parse_upload(data, file.filename)
    except ScenarioError as exc:
        return Validation(ok=False, problems=problems(exc))
    return Validation(ok=True, problems=[], summary=info(loaded.scenario.id, False, loaded))
