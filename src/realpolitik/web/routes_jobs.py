"""Lab jobs: start (validated by :func:`~realpolitik.workflows.lab.plan` before anything is queued), list,
status, cancel, and the results as JSON, CSV or Parquet."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from ..workflows.errors import RequestError
from ..workflows.lab import LabRequest, load_result, plan
from .common import JobId, Services, Svc, edits, scenario_or_404, unprocessable
from .jobs import JobStore, QueueFullError
from .schemas import Job, JobRequest

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


@router.post("/jobs", status_code=202)
def start_job(body: JobRequest, svc: Svc) -> Job:
    request = lab_request(body, svc)
    try:
        experiment = plan(request)
    except RequestError as exc:
        raise unprocessable(exc) from None
    try:
        job = svc.jobs.submit(request, experiment, {**body.model_dump(), "model": experiment.model})
    except QueueFullError as exc:
        raise HTTPException(409, str(exc)) from None
    return Job(**job)


@router.get("/jobs")
def list_jobs(svc: Svc) -> list[Job]:
    return [Job(**j) for j in svc.jobs.all_jobs()]


def job_or_404(jobs: JobStore, job_id: str) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def finished(jobs: JobStore, job_id: str) -> dict[str, Any]:
    job = job_or_404(jobs, job_id)
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
    table = pq.read_table(out / "shards")
    buf = io.BytesIO()
    if format == "csv":
        pacsv.write_csv(table, buf)
        media = "text/csv"
    else:
        pq.write_table(table, buf, compression="zstd")
        media = "application/vnd.apache.parquet"
    disposition = f'attachment; filename="lab-{job_id}.{format}"'
    return Response(buf.getvalue(), media_type=media, headers={"content-disposition": disposition})
