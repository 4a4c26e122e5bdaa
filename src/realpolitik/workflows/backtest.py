"""Backtest: score models on DEU III (real EU legislative outcomes), as a request like any other workflow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..backtest import BacktestResult, run_backtest
from .errors import RequestError


@dataclass(frozen=True)
class BacktestRequest:
    path: Path
    models: tuple[str, ...] = ()
    seed: int = 0
    n_boot: int = 2000
    capability: Literal["weights", "equal"] = "weights"


def backtest(request: BacktestRequest) -> BacktestResult:
    """Run the backtest; a bad file or model name is a :class:`RequestError` naming the file or parameter."""
    path = request.path
    try:
        return run_backtest(
            path, list(request.models) or None, rng=request.seed, n_boot=request.n_boot, capability=request.capability
        )
    except KeyError as exc:
        raise RequestError(str(exc.args[0] if exc.args else exc), parameter="models") from None
    except OSError as exc:
        raise RequestError(f"{path}: {exc.strerror or exc}", parameter="path") from None
    except ValueError as exc:
        message = str(exc)
        raise RequestError(
            message if message.startswith(str(path)) else f"{path}: {message}", parameter="path"
        ) from None
