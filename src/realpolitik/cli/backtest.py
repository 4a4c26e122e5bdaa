"""``realpolitik backtest``: score the models on DEU III (real EU legislative outcomes)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import typer

from . import common
from .common import OutputFormat, print_json


class Capability(StrEnum):
    weights = "weights"
    equal = "equal"


@common.user_errors
def backtest(
    deu3_file: Annotated[Path, typer.Argument(help="DEU III data in the layout of deu3.csv (tab-separated).")],
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model (repeatable; default: all).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    rng: Annotated[int, typer.Option("--rng", help="Seed of the bootstrap.")] = 0,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples (of proposals).")] = 2000,
    capability: Annotated[
        Capability, typer.Option(help="weights: the file's weights row; equal: all 1.")
    ] = Capability.weights,
) -> None:
    """Score models on DEU III: MAE, RMSE, median error, bootstrap 95% CIs, paired difference to compromise."""
    from ..workflows.backtest import BacktestRequest
    from ..workflows.backtest import backtest as run_backtest

    cap: Literal["weights", "equal"] = "equal" if capability is Capability.equal else "weights"
    result = run_backtest(BacktestRequest(deu3_file, tuple(model or ()), seed=rng, n_boot=n_boot, capability=cap))
    if format is OutputFormat.json:
        print_json(result.to_json_dict(), allow_nan=False)
        return
    from .tables import print_backtest

    print_backtest(common.out, result, rng, n_boot)
