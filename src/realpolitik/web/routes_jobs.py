"""Lab jobs: start (validated by :func:`~realpolitik.workflows.lab.plan` before anything is queued), list,
status, cancel, and the results as JSON, CSV or Parquet.

Starting a job is the expensive request: each client may start ``Limits.jobs_per_minute`` jobs in any minute
and have ``Limits.jobs_at_once`` queued or running; past either, 429 with ``Retry-After``. Every job kind the
server runs (today the lab; a brief or sensitivity job would be another kind) counts against the same limits."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from ..lab.runner import read_results
from ..workflows.errors import RequestError
from ..workflows.lab import LabRequest, load_result, plan
from .common import (
    JOB_RETRY_SECONDS,
    JobId,
    Limits,
    Services,
    Svc,
    client,
    edits,
    limiter,
    scenario_or_404,
    too_many,
    unprocessable,
)
from .jobs import JobStore, QueueFullError
from .schemas import Job, JobRequest, Message

router = APIRouter(tags=["jobs"])
SHARDS = 20
"""Jobs run in about this many shards, so that progress moves and cancel is checked often."""


def lab_request(body: JobRequest, svc: Services) -> LabRequest:
    return LabRequest(
        scenario_or_404(svc.scenarios, body.scenario),
        strategies=tuple(body.strategies or ()),
        client=body.client,
        targets=tuple(body.targets or ()),
        draws=body.draws,
        seed=body.seed,
        model=body.model,
        edits=edits(body.stances),
        shard_size=max(1, -(-body.draws // SHARDS)),
    )


def within_limits(http: Request, svc: Services) -> str:
    """The client's key, or 429 when it is at its limit of jobs a minute or jobs at once."""
    key, limits = client(http), http.app.state.limits
    assert isinstance(limits, Limits)
    wait = limiter(http).wait("jobs", key)
    if wait:
        raise too_many(f"over the limit of {limits.jobs_per_minute} jobs a minute for this client", wait)
    if svc.jobs.active_for(key) >= limits.jobs_at_once:
        raise too_many(
            f"this client has {limits.jobs_at_once} jobs queued or running, its limit; wait for one to end",
            JOB_RETRY_SECONDS,
        )
    return key


@router.post("/jobs", status_code=202, responses={429: {"model": Message}})
def start_job(body: JobRequest, svc: Svc, http: Request) -> Job:
    key = within_limits(http, svc)
    request = lab_request(body, svc)
    try:
        experiment = plan(request)
    except RequestError as exc:
        raise unprocessable(exc) from None
    try:
        job = svc.jobs.submit(request, experiment, {**body.model_dump(), "model": experiment.model}, owner=key)
    except QueueFullError as exc:
        raise HTTPException(409, str(exc)) from None
    limiter(http).record("jobs", key)
    return Job(**job)


@router.get("/jobs")
def list_jobs(svc: Svc) -> list[Job]:
    return [Job(**j) for j in svc.jobs.all_jobs()]


def job_or_404(jobs: JobStore, job_id: str) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def finished(jobs: JobStore, job_id: str, kind: str = "lab") -> dict[str, Any]:
    """A job of ``kind`` that is done, else 404 (no such job) or 409 (another kind, or not done)."""
    job = job_or_404(jobs, job_id)
    if job.get("kind", "lab") != kind:
        raise HTTPException(409, f"job {job_id} is a {job.get('kind')} job, not a {kind} job")
    if job["status"] != "done":
        raise HTTPException(409, f"job {job_id} is {job['status']}, not done")
    return job


@router.get("/jobs/{job_id}")
def get_job(job_id: JobId, svc: Svc) -> Job:
    return Job(**job_or_404(svc.jobs, job_id))


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: JobId, svc: Svc) -> Job:
    job = svc.jobs.cancel(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return Job(**job)


@router.get("/jobs/{job_id}/results", response_class=Response)
def job_results(
    job_id: JobId, svc: Svc, format: Annotated[Literal["json", "csv", "parquet"], Query()] = "json"
) -> Response:
    """The lab's summary (its documented JSON) or its tidy rows, one per strategy, draw and issue."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    finished(svc.jobs, job_id)
    out = svc.jobs.lab_dir(job_id)
    if format == "json":
        # the server does not disclose its own paths: the results are named relative to its data folder
        return JSONResponse({**load_result(out), "out": f"jobs/{job_id}/lab"})
    table = read_results(out)
    buf = io.BytesIO()
    if format == "csv":
        pacsv.write_csv(table, buf)
        media = "text/csv"
    else:
        pq.write_table(table, buf, compression="zstd")
        media = "application/vnd.apache.parquet"
    disposition = f'attachment; filename="lab-{job_id}.{format}"'
    return Response(buf.getvalue(), media_type=media, headers={"content-disposition": disposition})
