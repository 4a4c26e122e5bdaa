"""Built-in and uploaded scenarios: list, read, upload, validate.

Uploads are bounded before they are parsed: at most ``MAX_UPLOAD_BYTES`` (the scenario file limit) are read, and
at most ``PARSING_SLOTS`` uploads are parsed at once, each in a worker thread, so that a large or hostile file
(an alias bomb is refused within milliseconds anyway) never stops the server from answering other clients. A
stored upload that no longer validates (e.g. one saved by an older version) is left out of the listing, never
turned into an error for every client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from ..scenario import LoadedScenario, ScenarioError
from ..scenario.limits import MAX_SCENARIO_BYTES
from .common import IdPath, Svc, info, problems, scenario_or_404
from .scenarios import ScenarioStore, parse_upload
from .schemas import ScenarioDetail, ScenarioInfo, Validation

router = APIRouter(tags=["scenarios"])
UploadFileField = Annotated[UploadFile, File(description="A scenario file.")]
log = logging.getLogger("realpolitik.web")
T = TypeVar("T")

MAX_UPLOAD_BYTES = MAX_SCENARIO_BYTES
"""Largest scenario upload (the limit on scenario files; the whole request body is capped separately)."""
PARSING_SLOTS = 2
"""Uploads parsed at the same time; more wait their turn (parsing a large file takes a core and ~1 KB a value)."""
_slots = threading.BoundedSemaphore(PARSING_SLOTS)


def _in_slot(func: Callable[..., T], *args: Any) -> T:
    """Run ``func`` (in a worker thread) once one of the parsing slots is free."""
    with _slots:
        return func(*args)


async def read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, or 413 when it is over ``MAX_UPLOAD_BYTES`` (checked from its size first)."""
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"upload of {file.size:,} bytes is over the limit of {MAX_UPLOAD_BYTES:,} bytes")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"upload is over the limit of {MAX_UPLOAD_BYTES:,} bytes")
    return data


@router.get("/scenarios")
def list_scenarios(svc: Svc) -> list[ScenarioInfo]:
    out = []
    for sid, builtin in svc.scenarios.ids():
        try:
            loaded = svc.scenarios.get(sid)
            if loaded is not None:
                out.append(info(sid, builtin, loaded))
        except ScenarioError:
            continue
        except Exception:  # one unreadable file must not take the listing from every client
            log.exception("scenario %r left out of the listing", sid)
            continue
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


async def _add(store: ScenarioStore, data: bytes, filename: str | None) -> tuple[str, LoadedScenario]:
    return await run_in_threadpool(_in_slot, store.add, data, filename)


async def _parse(data: bytes, filename: str | None) -> LoadedScenario:
    return await run_in_threadpool(_in_slot, parse_upload, data, filename)


@router.post("/scenarios", status_code=201)
async def upload_scenario(file: UploadFileField, svc: Svc) -> ScenarioInfo:
    data = await read_upload(file)
    try:
        sid, loaded = await _add(svc.scenarios, data, file.filename)
    except ScenarioError as exc:
        raise HTTPException(422, "; ".join(problems(exc))) from None
    return info(sid, False, loaded)


@router.post("/scenarios/validate")
async def validate_scenario(file: UploadFileField) -> Validation:
    data = await read_upload(file)
    try:
        loaded = await _parse(data, file.filename)
    except ScenarioError as exc:
        return Validation(ok=False, problems=problems(exc))
    return Validation(ok=True, problems=[], summary=info(loaded.scenario.id, False, loaded))
