"""The REST API under ``/api``: the route modules assembled into one router.

Each route module turns a request body into a workflow request (:mod:`realpolitik.workflows`) and the result
into a response body; the domain work (models, edits, the lab) lives in the workflows, so the API, the CLI and
the brief give the same numbers for the same request. Shapes are declared in :mod:`.schemas`.

* :mod:`.routes_events`: ``/events/dyads``, ``/events/alerts``
* :mod:`.routes_meta`: ``/health``, ``/models``
* :mod:`.routes_scenarios`: ``/scenarios`` (list, read, upload, validate)
* :mod:`.routes_forecast`: ``/scenarios/{id}/forecast``
* :mod:`.routes_figures`: ``/scenarios/{id}/figures/…``, ``/jobs/{id}/figures/…``
* :mod:`.routes_jobs`: ``/jobs`` (start, list, status, cancel, results)
* :mod:`.routes_editor`: ``/scenarios/{id}/document``, ``…/validate-document``, ``…/versions``, ``/diff``
* :mod:`.routes_brief`: ``/scenarios/{id}/brief`` (a brief job), ``/jobs/{id}/brief``
"""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    routes_brief,
    routes_editor,
    routes_events,
    routes_figures,
    routes_forecast,
    routes_jobs,
    routes_meta,
    routes_scenarios,
)
from .common import Services
from .schemas import ERRORS

__all__ = ["Services", "build_router"]


def build_router() -> APIRouter:
    """Every endpoint under ``/api``; they find their :class:`Services` in ``app.state.services``."""
    router = APIRouter(prefix="/api", responses=ERRORS)
    for module in (
        routes_events,
        routes_meta,
        routes_scenarios,
        routes_forecast,
        routes_figures,
        routes_jobs,
        routes_editor,
        routes_brief,
    ):
        router.include_router(module.router)
    return router
