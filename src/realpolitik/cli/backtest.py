"""``realpolitik backtest``: score the models on DEU III (real EU legislative outcomes)."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from . import common
from .common import OutputFormat, print_json

if TYPE_CHECKING:
    from rich.console import Console

    from ..backtest import BacktestResult


class Capability(StrEnum):
    weights = "weights"
    equal = "equal"


class CV(StrEnum):
    proposal = "proposal"


@common.user_errors
def backtest(
    deu3_file: Annotated[Path, typer.Argument(help="DEU III data in the layout of deu3.csv (tab-separated).")],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Model (repeatable; default: all, and 'procedural': Council rule, Commission agenda setter, "
            "Parliament veto under co-decision, on the issues with a reference point).",
        ),
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    rng: Annotated[int, typer.Option("--rng", help="Seed of the bootstrap (and of the folds with --cv).")] = 0,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples (of proposals).")] = 2000,
    capability: Annotated[
        Capability, typer.Option(help="weights: the file's weights row; equal: all 1.")
    ] = Capability.weights,
    cv: Annotated[
        CV | None,
        typer.Option(
            "--cv",
            help="proposal: cross-validate over folds of whole proposals (out-of-fold errors, conformal "
            "50/80/95% intervals, CRPS; the ensemble refitted on each fold's training proposals).",
        ),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Number of folds with --cv.")] = 10,
) -> None:
    """Score models on DEU III: MAE, RMSE, median error, bootstrap 95% CIs, paired difference to compromise;
    with --cv proposal out of fold, with interval coverage, width and CRPS."""
    from ..workflows.backtest import BacktestRequest
    from ..workflows.backtest import backtest as run_backtest

    cap: Literal["weights", "equal"] = "equal" if capability is Capability.equal else "weights"
    scheme: Literal["proposal"] | None = "proposal" if cv is CV.proposal else None
    request = BacktestRequest(
        deu3_file, tuple(model or ()), seed=rng, n_boot=n_boot, capability=cap, cv=scheme, folds=folds
    )
    result = run_backtest(request)
    if format is OutputFormat.json:
        print_json(result.to_json_dict(), allow_nan=False)
        return
    if result.cv is not None:
        print_cross_validated(common.out, result, rng, n_boot)
    else:
        from .tables import print_backtest

        print_backtest(common.out, result, rng, n_boot)
    print_scopes(common.out, result)


def print_scopes(console: Console, result: BacktestResult) -> None:
    """A line per model scored on a subset by design (the procedural model): the compromise model's MAE there."""
    from rich.markup import escape

    from ..backtest import BASELINE
    from ..workflows import text

    for name, score in result.models.items():
        scope = score.scope
        if not scope:
            continue
        values = [scope.get(f"{BASELINE}_mae_same_issues"), *(scope.get(f"{BASELINE}_mae_ci_same_issues") or [])]
        mae, lo, hi = (math.nan if v is None else float(v) for v in [*values, None, None][:3])
        base = text.interval(mae, lo, hi, digits=2)
        console.print(
            escape(
                f"{name}: scored on the {score.n} issues with a reference point; {BASELINE} on the same "
                f"{score.n} issues: MAE {base}; the difference above is over those issues."
            ),
            style="dim",
        )


def print_cross_validated(console: Console, result: BacktestResult, seed: int, n_boot: int) -> None:
    """Per model: out-of-fold MAE with its bootstrap interval, CRPS, conformal coverage and width, Δ to compromise."""
    from rich.markup import escape
    from rich.table import Table

    from ..workflows import text
    from .tables import difference_cell

    assert result.cv is not None
    cv = result.cv
    table = Table(
        title=f"DEU III backtest out of fold: {result.n} issues, {cv.k} folds of whole proposals, "
        "absolute error on the 0-100 scale"
    )
    columns = ("model", "MAE [95% CI]", "CRPS", "in 50/80/95%", "width 80%", "MAE − compromise [95% CI]", "failed")
    for col in columns:
        table.add_column(escape(col), justify="left" if col == "model" else "right")
    for row in result.to_rows():
        shown = difference_cell(row)
        coverage = "/".join(text.number(100 * row[f"coverage{k}"], 3) for k in ("50", "80", "95"))
        table.add_row(
            escape(row["model"]),
            escape(text.interval(row["mae"], row["mae_lo"], row["mae_hi"], digits=2)),
            text.number(row["crps"]),
            coverage,
            text.number(row["width80"], 3),
            escape(shown),
            str(row["failed"]),
        )
    console.print(table)
    console.print(
        f"Folds and bootstrap over proposals, seed {seed}, {n_boot} resamples; intervals are split conformal "
        f"(calibrated on the other folds' errors); ensemble method {cv.ensemble_method or '–'}.",
        style="dim",
    )
