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
results are the lab's own ``summary.json`` (:meth:`~realpolitik.workflows.lab.LabResult.to_json_dict`). A brief
job (kind ``brief``) is a :class:`~realpolitik.workflows.brief_data.BriefRequest` built by
:func:`~realpolitik.brief.build.build` (the same call as ``realpolitik brief``) into ``DATA/jobs/ID/brief/``.

Finished jobs do not pile up: a job that ended (done, failed, cancelled, interrupted) more than ``keep_hours``
ago is deleted with its files, and so are the oldest finished jobs beyond ``keep_count``; the store checks on
start, when a job is submitted or ends, and every :data:`SWEEP_SECONDS` (a long-running server with no traffic
still frees its disk). Queued and running jobs are never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lab.experiment import Experiment
from ..provenance import write_json
from ..workflows.errors import RequestError
from ..workflows.lab import LabRequest, run_lab
from ..workflows.progress import Progress

if TYPE_CHECKING:
    from ..workflows.brief_data import BriefRequest

Work = Callable[[str, Progress], None]
"""What a job does, given its id and its progress callback."""

FINAL = frozenset({"done", "failed", "cancelled", "interrupted"})
MAX_QUEUED = 16
KEEP_HOURS = 24.0
"""Finished jobs, with their files, are deleted this many hours after they ended."""
KEEP_COUNT = 100
"""At most this many finished jobs are kept; beyond it the oldest are deleted first."""
SWEEP_SECONDS = 60.0
"""How often a running server looks for expired jobs."""


class CancelledError(Exception):
    """Raised inside a running job when its cancel flag is set."""


class QueueFullError(Exception):
    """Too many jobs waiting; the client should retry later."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def now_precise() -> str:
    """For ``finished``: two quick jobs end within the same second, and pruning must know which ended last."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def ended(job: dict[str, Any]) -> dt.datetime:
    """When a finished job ended (its ``finished`` time, else its last update)."""
    stamp = dt.datetime.fromisoformat(str(job.get("finished") or job.get("updated") or job["created"]))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


class JobStore:
    def __init__(
        self,
        folder: Path,
        *,
        keep_hours: float = KEEP_HOURS,
        keep_count: int = KEEP_COUNT,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep_hours = keep_hours
        self.keep_count = keep_count
        self._lock = threading.RLock()
        self._cancel: dict[str, threading.Event] = {}
        self._owner: dict[str, str] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="realpolitik-job")
        self._recover()
        self.prune()
        self._stop = threading.Event()
        self._sweeper = threading.Thread(
            target=self._sweep, args=(sweep_seconds,), name="realpolitik-job-sweep", daemon=True
        )
        self._sweeper.start()

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

    def brief_dir(self, job_id: str) -> Path:
        return self.folder / job_id / "brief"

    # --- retention ---
    def prune(self, now: dt.datetime | None = None) -> list[str]:
        """Delete finished jobs that ended over ``keep_hours`` ago, then the oldest beyond ``keep_count``; the
        ids deleted, oldest first."""
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            done = sorted((j for j in self.all_jobs() if j["status"] in FINAL), key=ended)
            cutoff = now - dt.timedelta(hours=self.keep_hours)
            expired = [j for j in done if ended(j) < cutoff]
            kept = [j for j in done if ended(j) >= cutoff]
            expired += kept[: max(0, len(kept) - self.keep_count)]
            for job in expired:
                shutil.rmtree(self.folder / job["id"], ignore_errors=True)
                self._owner.pop(job["id"], None)
        return [j["id"] for j in expired]

    def _sweep(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.prune()
            except Exception:  # the next sweep tries again; serving goes on
                continue

    def active_for(self, owner: str) -> int:
        """How many of ``owner``'s jobs are queued or running."""
        with self._lock:
            ids = [job_id for job_id, o in self._owner.items() if o == owner]
            return sum(1 for job_id in ids if (job := self.get(job_id)) and job["status"] not in FINAL)

    # --- running ---
    def submit(
        self, request: LabRequest, experiment: Experiment, record: dict[str, Any], owner: str = ""
    ) -> dict[str, Any]:
        """Queue ``request`` (already validated: ``experiment`` is its plan); ``record`` is stored as the job's
        request, ``owner`` (the client, for its limit on jobs at once) only in memory."""

        def work(job_id: str, progress: Progress) -> None:
            run_lab(replace(request, out=self.lab_dir(job_id)), progress)

        return self._enqueue("lab", record, work, owner, total=experiment.n_shards, key=experiment.key())

    def submit_brief(self, request: BriefRequest, record: dict[str, Any], owner: str = "") -> dict[str, Any]:
        """Queue a brief (``request`` already checked); it is built into ``jobs/ID/brief/`` by the same call as
        ``realpolitik brief``."""
        from ..brief.build import build

        def work(job_id: str, progress: Progress) -> None:
            build(request, self.brief_dir(job_id), progress)

        return self._enqueue("brief", record, work, owner, total=0)

    def _enqueue(
        self, kind: str, record: dict[str, Any], work: Work, owner: str, *, total: int, key: str = ""
    ) -> dict[str, Any]:
        self.prune()
        active = sum(1 for j in self.all_jobs() if j["status"] in ("queued", "running"))
        if active >= MAX_QUEUED:
            raise QueueFullError(f"{active} jobs are queued or running; try again later")
        job_id = uuid.uuid4().hex
        job = {
            "id": job_id,
            "kind": kind,
            "scenario": record["scenario"],
            "request": record,
            "experiment_key": key,
            "status": "queued",
            "phase": "",
            "progress": {"done": 0, "total": total},
            "message": "",
            "created": now(),
            "updated": now(),
        }
        self._save(job)
        self._owner[job_id] = owner
        self._cancel[job_id] = threading.Event()
        self._pool.submit(self._run, job_id, work)
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

    def _run(self, job_id: str, work: Work) -> None:
        flag = self._cancel.get(job_id, threading.Event())
        job = self.get(job_id)
        if job is None or job["status"] != "queued" or flag.is_set():
            return
        self._update(job_id, status="running", started=now())
        try:
            work(job_id, self._progress(job_id, flag))
            self._update(job_id, status="done", finished=now_precise(), message="")
        except CancelledError:
            self._update(job_id, status="cancelled", finished=now_precise(), message="cancelled; finished shards kept")
        except RequestError as exc:
            self._update(job_id, status="failed", finished=now_precise(), message=exc.line())
        except Exception as exc:  # a failed job records its message; the server keeps serving
            self._update(job_id, status="failed", finished=now_precise(), message=f"{type(exc).__name__}: {exc}")
        finally:
            self._cancel.pop(job_id, None)
            self.prune()

    def shutdown(self) -> None:
        self._stop.set()
        for flag in self._cancel.values():
            flag.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
