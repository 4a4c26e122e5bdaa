"""The registry of forecast models: name -> :class:`ModelSpec`.

Models are listed explicitly (no import-time side effects), so ``realpolitik models`` shows exactly what
ships and each entry names its reference test.
"""

from __future__ import annotations

from .base import ModelSpec


def _specs() -> list[ModelSpec]:
    from . import bdm, compromise, ensemble, exchange, median, nbs, smp

    return [
        compromise.SPEC,
        bdm.SPEC,
        bdm.SCHOLZ_SPEC,
        median.SPEC,
        nbs.SPEC,
        exchange.SPEC,
        exchange.DECIDE_SPEC,
        exchange.RANDOM_SPEC,
        smp.SPEC,
        ensemble.SPEC,
    ]


def available_models() -> dict[str, ModelSpec]:
    return {spec.name: spec for spec in _specs()}


def get_model(name: str) -> ModelSpec:
    models = available_models()
    if name not in models:
        raise KeyError(f"unknown model {name!r} (available: {', '.join(models)})")
    return models[name]
