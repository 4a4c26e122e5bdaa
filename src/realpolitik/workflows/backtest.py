"""Backtest: score models on DEU III (real EU legislative outcomes), as a request like any other workflow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..backtest import BacktestResult, run_backtest
from .errors import RequestError


@dataclass(frozen=True)
class BacktestRequest:
    """``cv="proposal"`` cross-validates over ``folds`` groups of whole proposals (out-of-fold errors, conformal
    intervals, CRPS; the ensemble refitted per fold); ``seed`` seeds the bootstrap and the folds."""

    path: Path
    models: tuple[str, ...] = ()
    seed: int = 0
    n_boot: int = 2000
    capability: Literal["weights", "equal"] = "weights"
    cv: Literal["proposal"] | None = None
    folds: int = 10


def backtest(request: BacktestRequest) -> BacktestResult:
    """Run the backtest; a bad file, model name or fold count is a :class:`RequestError` naming the parameter."""
    path = request.path
    if request.cv is not None and request.folds < 2:
        raise RequestError(f"folds must be at least 2, got {request.folds}", parameter="folds")
    try:
        return run_backtest(
            path,
            list(request.models) or None,
            rng=request.seed,
            n_boot=request.n_boot,
            capability=request.capability,
            cv=request.cv,
            folds=request.folds,
        )
    except KeyError as exc:
        raise RequestError(str(exc.args[0] if exc.args else exc), parameter="models") from None
    except OSError as exc:
        raise RequestError(f"{path}: {exc.strerror or exc}", parameter="path") from None
    except ValueError as exc:
        message = str(exc)
        if message.startswith("folds "):
            raise RequestError(message, parameter="folds") from None
        raise RequestError(
            message if message.startswith(str(path)) else f"{path}: {message}", parameter="path"
        ) from None
