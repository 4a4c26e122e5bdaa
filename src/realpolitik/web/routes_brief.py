"""Brief jobs: build a scenario's brief (``realpolitik brief``) on the job worker, then serve its files.

A brief runs forecasts with bands, the strategy comparison under every model and a sensitivity screening: it is
the server's most expensive request, so it is a job and counts against the same limits as a lab job
(``Limits.jobs_per_minute``, ``Limits.jobs_at_once``). The request is checked
(:func:`~realpolitik.workflows.brief_data.check`) before anything is queued.

The brief names the scenario by its stored file (``ID.yaml``), never by the server's path. The server reads no file
a scenario names: a scenario with CSV indicators is refused (build its brief with ``realpolitik brief``), and
event indicators read as "no event workspace". ``brief.html`` is served under its own Content-Security-Policy: no
script at all (the brief has none), its inline style and figures allowed, sandboxed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..workflows.brief_data import BriefRequest, check
from ..workflows.errors import RequestError
from .common import IdPath, JobId, Services, Svc, limiter, scenario_or_404, unprocessable
from .jobs import QueueFullError
from .routes_jobs import finished, within_limits
from .schemas import Job, Message
from .schemas_editor import BriefJobRequest

router = APIRouter(tags=["brief"])
BRIEF_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; sandbox"
)
"""The brief page's policy: no script, nothing from anywhere; only its own inline style and figures."""
MIN_SENSITIVITY = 4
"""Morris needs at least this many trajectories (``--sensitivity-n``); 0 skips the screening."""


def brief_request(sid: str, body: BriefJobRequest, svc: Services) -> BriefRequest:
    """The body as the workflow's request, on the stored scenario named by its file (422 when it cannot be served)."""
    loaded = scenario_or_404(svc.scenarios, sid)
    if any(ind.csv is not None for ind in loaded.scenario.indicators):
        raise HTTPException(
            422, "this scenario reads CSV indicator files, which the server does not read; use `realpolitik brief`"
        )
    if 0 < body.sensitivity_n < MIN_SENSITIVITY:
        raise HTTPException(422, f"sensitivity_n is 0 (no screening) or at least {MIN_SENSITIVITY}")
    since = None
    if body.since is not None:
        old = scenario_or_404(svc.scenarios, body.since)
        since = replace(old, source=svc.scenarios.stored_file(body.since) or f"{body.since}.yaml")
    request = BriefRequest(
        replace(loaded, source=svc.scenarios.stored_file(sid) or f"{sid}.yaml"),
        draws=body.draws,
        seed=body.seed,
        models=tuple(body.models or ()),
        targets=tuple(body.targets or ()),
        sensitivity_n=body.sensitivity_n,
        since=since,
    )
    try:
        check(request)
    except RequestError as exc:
        raise unprocessable(exc) from None
    return request


@router.post("/scenarios/{sid}/brief", status_code=202, responses={429: {"model": Message}})
def start_brief(sid: IdPath, body: BriefJobRequest, svc: Svc, http: Request) -> Job:
    """Start building the brief as ``realpolitik brief SCENARIO --draws N --rng SEED --sensitivity-n K`` would."""
    key = within_limits(http, svc)
    request = brief_request(sid, body, svc)
    try:
        job = svc.jobs.submit_brief(request, {"scenario": sid, **body.model_dump()}, owner=key)
    except QueueFullError as exc:
        raise HTTPException(409, str(exc)) from None
    limiter(http).record("jobs", key)
    return Job(**job)


@router.get("/jobs/{job_id}/brief", response_class=Response)
def brief_file(
    job_id: JobId, svc: Svc, format: Annotated[Literal["html", "markdown", "json"], Query()] = "html"
) -> Response:
    """A finished brief: the HTML page (shown), its Markdown summary or its data (downloads)."""
    finished(svc.jobs, job_id, kind="brief")
    folder = svc.jobs.brief_dir(job_id)
    if format == "html":
        return HTMLResponse(
            (folder / "brief.html").read_text(encoding="utf-8"), headers={"content-security-policy": BRIEF_CSP}
        )
    name, media = {"markdown": ("brief.md", "text/markdown"), "json": ("data.json", "application/json")}[format]
    disposition = f'attachment; filename="brief-{job_id}.{name.rsplit(".", 1)[1]}"'
    return Response((folder / name).read_bytes(), media_type=media, headers={"content-disposition": disposition})
