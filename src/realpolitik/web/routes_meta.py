"""Health and the model registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..models import available_models

router = APIRouter(tags=["meta"])


@router.get("/health")
def health() -> dict[str, str]:
    from .. import __version__

    return {"status": "ok", "version": __version__}


@router.get("/models")
def models() -> list[dict[str, Any]]:
    return [
        {"name": n, "title": m.title, "reference": m.reference, "dynamic": m.dynamic, "rounds": m.default_rounds}
        for n, m in available_models().items()
    ]
