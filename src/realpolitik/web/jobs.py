"""Lab runs as background jobs whose state lives on disk, so a restart keeps finished results.

Layout: ``DATA/jobs/ID/job.json`` (status, progress, request, timestamps; rewritten atomically) and
``DATA/jobs/ID/lab/`` (the lab's own manifest and Parquet shards). Why JSON files and not a table in the event
workspace: DuckDB allows one writing process per file, and the server must not lock analysts out of
``realpolitik events ingest`` while it runs. On start, jobs left ``queued`` or ``running`` by a previous
process are marked ``interrupted`` (their finished shards stay on disk, and the lab can resume them).

One worker thread runs jobs in order: the machine's cores belong to the model's vectorised numpy, and a queue
keeps the dashboard responsive. A job is a :class:`~realpolitik.workflows.lab.LabRequest` run by
:func:`~realpolitik.workflows.lab.run_lab` (the same call as ``realpolitik lab``), whose progress callback stores
the phase and ``{done, total}`` in the job and raises to cancel: cancel is checked after every shard. The
results are the lab's own ``summary.json`` (:meth:`~realpolitik.workflows.lab.LabResult.to_json_dict`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..lab.experiment import Experiment
from ..provenance import write_json
from ..workflows.errors import RequestError
from ..workflows.lab import LabRequest, run_lab
from ..workflows.progress import Progress

FINAL = frozenset({"done", "failed", "cancelled", "interrupted"})
MAX_QUEUED = 16


class CancelledError(Exception):
    """Raised inside a running job when its cancel flag is set."""


class QueueFullError(Exception):
    """Too many jobs waiting; the client should retry later."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class JobStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._cancel: dict[str, threading.Event] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="realpolitik-job")
        self._recover()

    # --- persistence ---
    def _path(self, job_id: str) -> Path:
        return self.folder / job_id / "job.json"

    def _valid_id(self, job_id: str) -> bool:
        try:
            return uuid.UUID(job_id).hex == job_id
        except ValueError:
            return False

    def get(self, job_id: str) -> dict[str, Any] | None:
        if not self._valid_id(job_id):
            return None
        path = self._path(job_id)
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return data

    def _save(self, job: dict[str, Any]) -> None:
        with self._lock:
            write_json(self._path(job["id"]), job)

    def _update(self, job_id: str, **changes: Any) -> dict[str, Any]:
        with self._lock:  # read-modify-write as one step: the worker and a cancel request may race
            job = self.get(job_id)
            assert job is not None
            job.update(changes, updated=now())
            self._save(job)
        return job

    def all_jobs(self) -> list[dict[str, Any]]:
        jobs = [self.get(p.name) for p in self.folder.iterdir() if p.is_dir()]
        return sorted((j for j in jobs if j is not None), key=lambda j: j["created"], reverse=True)

    def _recover(self) -> None:
        for job in self.all_jobs():
            if job["status"] not in FINAL:
                job.update(status="interrupted", message="the server stopped before this job finished", updated=now())
                self._save(job)

    def lab_dir(self, job_id: str) -> Path:
        return self.folder / job_id / "lab"

    # --- running ---
    def submit(self, request: LabRequest, experiment: Experiment, record: dict[str, Any]) -> dict[str, Any]:
        """Queue ``request`` (already validated: ``experiment`` is its plan); ``record`` is stored as the job's
        request."""
        active = sum(1 for j in self.all_jobs() if j["status"] in ("queued", "running"))
        if active >= MAX_QUEUED:
            raise QueueFullError(f"{active} jobs are queued or running; try again later")
        job_id = uuid.uuid4().hex
        job = {
            "id": job_id,
            "kind": "lab",
            "scenario": record["scenario"],
            "request": record,
            "experiment_key": experiment.key(),
            "status": "queued",
            "phase": "",
            "progress": {"done": 0, "total": experiment.n_shards},
            "message": "",
            "created": now(),
            "updated": now(),
        }
        self._save(job)
        self._cancel[job_id] = threading.Event()
        self._pool.submit(self._run, job_id, replace(request, out=self.lab_dir(job_id)))
        return job

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        job = self.get(job_id)
        if job is None:
            return None
        if job["status"] in FINAL:
            return job
        flag = self._cancel.get(job_id)
        if flag is not None:
            flag.set()
        if job["status"] == "queued":
            return self._update(job_id, status="cancelled", message="cancelled before it started")
        return self._update(job_id, message="cancel requested")

    def _progress(self, job_id: str, flag: threading.Event) -> Progress:
        """The lab's progress callback: stores the phase and ``{done, total}``; raises once cancel is asked."""

        def report(phase: str, done: int = 0, total: int | None = None) -> None:
            changes: dict[str, Any] = {"phase": phase}
            if total is not None:
                changes["progress"] = {"done": done, "total": total}
            self._update(job_id, **changes)
            if flag.is_set():
                raise CancelledError

        return report

    def _run(self, job_id: str, request: LabRequest) -> None:
        flag = self._cancel.get(job_id, threading.Event())
        job = self.get(job_id)
        if job is None or job["status"] != "queued" or flag.is_set():
            return
        self._update(job_id, status="running", started=now())
        try:
            run_lab(request, self._progress(job_id, flag))
            self._update(job_id, status="done", finished=now(), message="")
        except CancelledError:
            self._update(job_id, status="cancelled", finished=now(), message="cancelled; finished shards kept")
        except RequestError as exc:
            self._update(job_id, status="failed", finished=now(), message=exc.line())
        except Exception as exc:  # a failed job records its message; the server keeps serving
            self._update(job_id, status="failed", finished=now(), message=f"{type(exc).__name__}: {exc}")
        finally:
            self._cancel.pop(job_id, None)

    def shutdown(self) -> None:
        for flag in self._cancel.values():
            flag.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
