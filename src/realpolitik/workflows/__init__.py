"""Workflows: typed requests in, typed results out; the one pipeline behind every front end.

The CLI, the web API and the brief turn their inputs into one of these requests and the result into their
output, nothing else, so the same request gives the same numbers wherever it is made. A workflow raises
:class:`RequestError` (naming the parameter) for a request it cannot serve and reports progress through one
:class:`Progress` callback.

=================  ===============================  ======================================
workflow           request                          result
=================  ===============================  ======================================
forecast           :class:`ForecastRequest`         :class:`ForecastResult`
run_lab            :class:`LabRequest`              :class:`LabResult`
sensitivity        :class:`SensitivityRequest`      :class:`SensitivityOutcome`
backtest           :class:`BacktestRequest`         ``BacktestResult``
check              :class:`CheckRequest`            list of ``Finding``
brief_data         :class:`BriefRequest`            :class:`BriefData`
=================  ===============================  ======================================

Submodules are imported on first use, so a front end pays only for what it runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .edits import StanceEdit
from .errors import RequestError
from .progress import Progress, silent

_LAZY = {
    "ForecastRequest": "forecast",
    "ForecastResult": "forecast",
    "ModelRun": "forecast",
    "forecast": "forecast",
    "LabRequest": "lab",
    "LabResult": "lab",
    "run_lab": "lab",
    "SensitivityRequest": "sensitivity",
    "SensitivityOutcome": "sensitivity",
    "sensitivity": "sensitivity",
    "BacktestRequest": "backtest",
    "backtest": "backtest",
    "CheckRequest": "check",
    "check": "check",
    "BriefRequest": "brief_data",
    "BriefData": "brief_data",
    "brief_data": "brief_data",
}

__all__ = ["Progress", "RequestError", "StanceEdit", "silent", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
