"""What the route modules share: the services they work on, path parameter types, scenario lookup, and
workflow errors turned into HTTP answers.

Why the services come through a dependency (``app.state.services``) rather than closures: each route module is
then a plain module of small functions, and a test can override :func:`services` on an app.

:class:`Limits` holds every bound the server enforces on clients, with its default; docs/web.md lists them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathParam
from starlette.requests import HTTPConnection

from ..scenario import LoadedScenario, ScenarioError
from ..workflows.edits import StanceEdit
from ..workflows.errors import RequestError
from .jobs import KEEP_COUNT, KEEP_HOURS, JobStore
from .scenarios import ScenarioStore
from .schemas import ScenarioInfo, StanceOverride
from .security import RateLimiter, client_key, retry_after

IdPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$", max_length=80)]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]


def info(sid: str, builtin: bool, loaded: LoadedScenario) -> ScenarioInfo:
    s = loaded.scenario
    return ScenarioInfo(
        id=sid, title=s.title, builtin=builtin, actors=len(s.actors), issues=len(s.issues), strategies=len(s.strategies)
    )


def problems(exc: ScenarioError) -> list[str]:
    return [str(p) for p in exc.problems][:200]


def json_value(v: Any) -> Any:
    """A value a JSON body can hold: dates as ISO text, non-finite floats as null."""
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def scenario_or_404(scenarios: ScenarioStore, sid: str) -> LoadedScenario:
    try:
        loaded = scenarios.get(sid)
    except ScenarioError as exc:
        raise HTTPException(422, "; ".join(problems(exc))) from None
    if loaded is None:
        raise HTTPException(404, f"no scenario {sid!r}")
    return loaded


def edits(stances: Iterable[StanceOverride]) -> tuple[StanceEdit, ...]:
    """The body's stance overrides as the workflows' edits (checked against the scenario by the workflow)."""
    return tuple(StanceEdit(o.actor, o.issue, position=o.position, salience=o.salience) for o in stances)


def unprocessable(exc: RequestError) -> HTTPException:
    """A request the workflow cannot serve: 422 with its one-line message."""
    return HTTPException(422, exc.line())


@dataclass(frozen=True)
class Limits:
    """What one client may ask of the server; every field is a ``realpolitik serve`` option."""

    max_body: int = 4 * 1024 * 1024
    """Largest request body in bytes, however it is sent (413 past it)."""
    jobs_per_minute: int = 10
    """Jobs (lab runs) one client may start in any 60 s (429 with Retry-After past it)."""
    jobs_at_once: int = 2
    """Jobs one client may have queued or running at once (429 with Retry-After past it)."""
    compute_per_minute: int = 120
    """Model-running requests (forecasts, figures) one client may make in any 60 s (429 with Retry-After)."""
    logins_per_minute: int = 10
    """Login attempts one address may make in any 60 s (429 with Retry-After)."""
    keep_hours: float = KEEP_HOURS
    """Finished jobs and their files are deleted this many hours after they ended."""
    keep_count: int = KEEP_COUNT
    """At most this many finished jobs are kept, the oldest deleted first."""

    def limiter(self) -> RateLimiter:
        return RateLimiter(
            {
                "jobs": (self.jobs_per_minute, 60.0),
                "compute": (self.compute_per_minute, 60.0),
                "login": (self.logins_per_minute, 60.0),
            }
        )


JOB_RETRY_SECONDS = 10
"""Retry-After for a client at its limit of jobs at once (when one ends is not known in advance)."""


def too_many(message: str, seconds: float) -> HTTPException:
    return HTTPException(429, message, headers={"retry-after": retry_after(seconds)})


def client(request: HTTPConnection) -> str:
    """The key a request's limits are counted under (the token, else the client's address)."""
    return client_key(request.scope)


def limiter(request: HTTPConnection) -> RateLimiter:
    found: RateLimiter = request.app.state.limiter
    return found


@dataclass(frozen=True)
class Services:
    """What the routes work on: the scenario store, the job store and the event workspace (if any)."""

    scenarios: ScenarioStore
    jobs: JobStore
    workspace: Path | None = None


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]
