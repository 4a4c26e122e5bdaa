"""The editor's endpoints: a scenario as an editable document, checking a document as ``realpolitik validate``
does, saving it as a new version, listing the versions linked by ``supersedes``, and the diff of any two.

The work is :mod:`realpolitik.workflows.editor` and :mod:`realpolitik.workflows.diff`; documents are checked in
the upload parsing slots (:func:`.routes_scenarios._in_slot`), so a large document never stops the server from
answering others. Saved versions are kept in the scenario store (``DATA/scenarios/ID.yaml``) and are served,
forecast, compared and briefed like any other scenario.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..scenario import LoadedScenario, dump
from ..workflows import editor
from ..workflows.diff import diff as scenario_diff
from ..workflows.errors import RequestError
from .common import IdPath, Services, Svc, info, scenario_or_404
from .routes_scenarios import _in_slot
from .schemas import Message
from .schemas_editor import (
    ID_PATTERN,
    DiffResponse,
    DocumentBody,
    DocumentCheck,
    DocumentProblem,
    EditorDocument,
    SaveVersion,
    VersionInfo,
    Versions,
)

router = APIRouter(tags=["editor"])
IdQuery = Annotated[str, Query(pattern=ID_PATTERN, max_length=80)]


def checked(body: DocumentBody) -> editor.DocumentCheck:
    """The body's document checked as a file would be (``text`` if given, else ``scenario``)."""
    if body.text is not None:
        return editor.check_text(body.text, body.format)
    if body.scenario is not None:
        return editor.check_document(body.scenario)
    raise HTTPException(422, "send the scenario as `scenario` (JSON data) or as `text`")


async def check_in_slot(body: DocumentBody) -> editor.DocumentCheck:
    return await run_in_threadpool(_in_slot, checked, body)


def shown(svc: Services, sid: str) -> LoadedScenario:
    """The scenario with its stored file's name (``ID.yaml``) as its source: the server never names its paths."""
    loaded = scenario_or_404(svc.scenarios, sid)
    return replace(loaded, source=svc.scenarios.stored_file(sid) or f"{sid}.yaml")


def version_info(svc: Services, sid: str) -> VersionInfo:
    loaded = scenario_or_404(svc.scenarios, sid)
    s = loaded.scenario
    return VersionInfo(
        id=sid,
        title=s.title,
        as_of=s.as_of.isoformat() if s.as_of else None,
        builtin=dict(svc.scenarios.ids()).get(sid, False),
        supersedes=s.supersedes.id if s.supersedes else None,
        sha256=loaded.sha256,
    )


def next_version(svc: Services, sid: str) -> str:
    return editor.next_version_id(sid, {k for k, _ in svc.scenarios.ids()})


@router.get("/scenarios/{sid}/document")
def get_document(sid: IdPath, svc: Svc) -> EditorDocument:
    """The scenario as the editor edits it: the data of its YAML file (schema 2, defaults left out) and that YAML."""
    loaded = scenario_or_404(svc.scenarios, sid)
    s = loaded.scenario
    return EditorDocument(
        id=sid,
        title=s.title,
        builtin=dict(svc.scenarios.ids()).get(sid, False),
        sha256=loaded.sha256,
        supersedes=s.supersedes.id if s.supersedes else None,
        document=editor.document(s),
        yaml=dump(s, "yaml"),
        next_version=next_version(svc, sid),
    )


@router.post("/scenarios/{sid}/validate-document")
async def validate_document(sid: IdPath, body: DocumentBody, svc: Svc) -> DocumentCheck:
    """Every problem of an edited document, each with its field path and the message of ``realpolitik validate``
    (``ok`` with the document as it would be saved when there is none)."""
    loaded = scenario_or_404(svc.scenarios, sid)
    found = await check_in_slot(body)
    if found.scenario is None:
        return DocumentCheck(ok=False, problems=[DocumentProblem(**p) for p in found.problem_dicts()])
    s = found.scenario
    return DocumentCheck(
        ok=True,
        problems=[],
        summary=info(s.id, False, replace(loaded, scenario=s)),
        document=editor.document(s),
        yaml=dump(s, "yaml"),
    )


def refused(exc: RequestError) -> HTTPException:
    """An existing version without confirmation is a conflict (409); anything else a bad request (422)."""
    return HTTPException(409 if exc.parameter == "overwrite" else 422, exc.line())


def store_version(svc: Services, sid: str, body: SaveVersion, found: editor.DocumentCheck) -> str:
    assert found.scenario is not None
    source = scenario_or_404(svc.scenarios, sid)
    new_id = body.id or next_version(svc, sid)
    if new_id == sid:  # replacing a version in place keeps the version it replaced
        ref = source.scenario.supersedes
    else:
        ref = editor.supersedes_ref(sid, source, svc.scenarios.stored_file(sid))
    try:
        version = editor.new_version(found.scenario, new_id, ref)
        svc.scenarios.save_version(new_id, version.text, overwrite=body.overwrite)
    except RequestError as exc:
        raise refused(exc) from None
    return new_id


@router.post(
    "/scenarios/{sid}/versions", status_code=201, response_model=VersionInfo, responses={409: {"model": Message}}
)
async def save_version(sid: IdPath, body: SaveVersion, svc: Svc) -> Response:
    """Save an edited document as a new version (``ID.yaml`` in the store, schema 2, ``supersedes`` naming ``sid``
    and its sha256), written atomically; an existing id is replaced only with ``overwrite`` (409 otherwise)."""
    scenario_or_404(svc.scenarios, sid)
    found = await check_in_slot(body)
    if not found.ok:
        problems = [p["text"] for p in found.problem_dicts()][:200]
        return JSONResponse({"error": "the document has problems", "problems": problems}, status_code=422)
    new_id = await run_in_threadpool(store_version, svc, sid, body, found)
    return JSONResponse(version_info(svc, new_id).model_dump(), status_code=201)


@router.get("/scenarios/{sid}/versions")
def list_versions(sid: IdPath, svc: Svc) -> Versions:
    """Every version linked to ``sid`` by ``supersedes`` (ancestors and descendants), oldest first."""
    scenario_or_404(svc.scenarios, sid)
    ids = editor.lineage(svc.scenarios.scenarios(), sid)
    return Versions(id=sid, next_version=next_version(svc, sid), versions=[version_info(svc, k) for k in ids])


@router.get("/diff")
def diff(old: IdQuery, new: IdQuery, svc: Svc) -> DiffResponse:
    """What changed from ``old`` to ``new``, as ``realpolitik diff OLD NEW --format json``."""
    found = scenario_diff(shown(svc, old), shown(svc, new))
    return DiffResponse.model_validate(found.to_json_dict())
