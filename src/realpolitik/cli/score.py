"""``realpolitik score``: every model's forecast against the outcomes a scenario records, beside no change."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import common
from .common import OutputFormat, ScenarioArg, print_json

if TYPE_CHECKING:
    from ..workflows.ledger import LedgerScoreResult
    from ..workflows.score import ScoreResult


def score_csv(result: ScoreResult) -> str:
    """One row per forecaster and issue."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["model", "issue", "forecast", "outcome", "abs_error", "crps", "in50", "in80", "in95", "direction"])
    for s in result.scores:
        inside = [s.inside[k] for k in ("50", "80", "95")]
        writer.writerow(
            [s.model, s.issue, repr(s.forecast), repr(s.outcome), repr(s.abs_error), repr(s.crps)]
            + ["" if v is None else str(v).lower() for v in (*inside, s.direction_right)]
        )
    return buf.getvalue()


@common.user_errors
def score(
    scenario: ScenarioArg,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model (repeatable; default: all).")] = None,
    draws: Annotated[int, typer.Option(min=0, help="Draws of the uncertain inputs for CRPS and intervals.")] = 200,
    rng: Annotated[int, typer.Option("--rng", min=0, help="Seed of the draws (recorded).")] = 0,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table,
    ledger: Annotated[
        Path | None, typer.Option("--ledger", help="Grade every entry of this forecast ledger (realpolitik record).")
    ] = None,
) -> None:
    """Score each model and the no-change baseline against the scenario's recorded outcomes: absolute error, CRPS,
    50/80/95% interval coverage, direction of change. With --ledger, grade the ledger's recorded forecasts of this
    scenario against the outcomes it records since."""
    if ledger is not None:
        from ..workflows.ledger import LedgerScoreRequest, score_ledger

        print_ledger(score_ledger(LedgerScoreRequest(common.load_scenario(scenario), ledger)), format)
        return
    from ..workflows.score import ScoreRequest
    from ..workflows.score import score as run_score

    result = run_score(ScoreRequest(common.load_scenario(scenario), tuple(model or ()), draws=draws, seed=rng))
    if format is OutputFormat.json:
        print_json(result.to_json_dict(), allow_nan=False)
    elif format is OutputFormat.csv:
        sys.stdout.write(score_csv(result))
    else:
        from .tables import print_score

        print_score(common.out, result)


def print_ledger(result: LedgerScoreResult, format: OutputFormat) -> None:
    """The ledger's grades: JSON, CSV (one row per entry, forecaster and issue) or a summary table."""
    if format is OutputFormat.json:
        print_json(result.to_json_dict(), allow_nan=False)
        return
    rows = result.rows()
    if format is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        keys = list(rows[0]) if rows else ["seq", "model", "issue", "forecast", "outcome", "abs_error"]
        writer.writerow(keys)
        writer.writerows([["" if r[k] is None else r[k] for k in keys] for r in rows])
        return
    print(f"{result.request.ledger}: {result.entries} entries, hash chain intact; head {result.head or '(empty)'}")
    print(f"{len({r['seq'] for r in rows})} entries graded, {len(rows)} forecasts scored")
    print(f"{'model':<18} {'scored':>6} {'MAE':>8} {'QS':>8} {'skill':>7}")
    for r in result.summary():
        skill = "–" if r["skill_vs_no_change"] is None else f"{r['skill_vs_no_change']:+.2f}"
        print(f"{r['model']:<18} {r['scored']:>6} {r['mae']:>8.2f} {r['quantile_score']:>8.2f} {skill:>7}")
    for note in result.notes:
        print(f"note: {note}")
