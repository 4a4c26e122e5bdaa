"""``realpolitik lab`` and ``realpolitik sensitivity``: strategies compared under uncertainty, and what drives it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer

from . import common
from .common import AllowLargeOpt, OutputFormat, ScenarioArg, print_json

ModelOpt = Annotated[
    str | None,
    typer.Option(help="Forecast model (default: the registered model with the lowest DEU III error that runs)."),
]


def _parse_draws(draws: str) -> tuple[bool, int]:
    """``--draws``: a whole number, or ``auto`` (the first batch's size then stands in the request)."""
    text = draws.strip().lower()
    if text == "auto":
        return True, 1000
    if not text.isdigit():
        common.fail(f"--draws: {draws!r} is not a whole number or 'auto'")
    return False, int(text)


def _show(result: Any, format: OutputFormat) -> None:
    doc = result.to_json_dict()
    if format is OutputFormat.json:
        print_json(doc)
    else:
        from .tables import print_lab

        print_lab(common.out, result.scenario, doc)


@common.user_errors
def lab(
    scenario: ScenarioArg,
    strategy: Annotated[list[str] | None, typer.Option(help="Strategy id (repeatable; default: all).")] = None,
    draws: Annotated[
        str,
        typer.Option(
            help="Monte Carlo draws of the uncertain inputs, or 'auto': double from 500 until the leading set under "
            "expected utility is the same twice (at most 16,000)."
        ),
    ] = "1000",
    client: Annotated[
        str | None, typer.Option(help="Actor whose utility ranks strategies (default: the scenario's).")
    ] = None,
    target: Annotated[list[str] | None, typer.Option(help="ISSUE>=X or ISSUE<=X (repeatable).")] = None,
    rng: Annotated[int, typer.Option("--rng", help="Seed of the experiment (recorded in the manifest).")] = 0,
    model: ModelOpt = None,
    rounds: Annotated[int | None, typer.Option(min=0, help="Rounds of bargaining (default: the model's).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Run shards on N local worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")] = None,
    shard_size: Annotated[int, typer.Option(min=1, help="Draws per shard (one batched model call each).")] = 1000,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Results folder (default: out/lab-SCENARIO-KEY).")
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    discover: Annotated[
        bool, typer.Option("--discover", help="PRIM: input ranges where each strategy misses its targets.")
    ] = False,
    box_inputs: Annotated[
        int, typer.Option("--box-inputs", min=1, help="--discover: most inputs a PRIM box may restrict.")
    ] = 4,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Compare strategies over seeded Monte Carlo draws: outcomes, target probabilities, utility, regret."""
    from ..workflows.lab import LabRequest, run_lab, run_lab_auto
    from .progress import RichProgress

    auto, n = _parse_draws(draws)
    request = LabRequest(
        common.load_scenario(scenario),
        strategies=tuple(strategy or ()),
        client=client,
        targets=tuple(target or ()),
        draws=n,
        seed=rng,
        model=model,
        rounds=rounds,
        shard_size=shard_size,
        workers=workers,
        scheduler=scheduler,
        out=out_dir,
        discover=discover,
        box_inputs=box_inputs,
        allow_large=allow_large,
    )
    with RichProgress("lab", quiet) as progress:
        result = run_lab_auto(request, progress=progress) if auto else run_lab(request, progress)
    _show(result, format)


@common.user_errors
def sensitivity(
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option(help="sobol (first-order and total indices) or morris (screening).")] = "sobol",
    strategy: Annotated[str | None, typer.Option(help="Strategy to analyse (default: the first).")] = None,
    client: Annotated[
        str | None, typer.Option(help="Actor whose utility is an outcome (default: the scenario's).")
    ] = None,
    n: Annotated[int, typer.Option(min=4, help="Base sample size (Sobol: N·(k+2) model runs).")] = 256,
    model: ModelOpt = None,
    rounds: Annotated[int | None, typer.Option(min=0)] = None,
    rng: Annotated[int, typer.Option("--rng", help="Seed.")] = 0,
    top: Annotated[int, typer.Option(min=1, help="Inputs shown per outcome in the table.")] = 8,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
    allow_large: AllowLargeOpt = False,
) -> None:
    """Which uncertain inputs drive each outcome (SALib), with 95% confidence half-widths."""
    from ..workflows.sensitivity import Method, SensitivityRequest
    from ..workflows.sensitivity import sensitivity as run_sensitivity

    request = SensitivityRequest(
        common.load_scenario(scenario),
        method=cast(Method, method),  # the workflow checks it: "--method is sobol or morris"
        strategy=strategy,
        client=client,
        n=n,
        model=model,
        rounds=rounds,
        seed=rng,
        allow_large=allow_large,
    )
    outcome = run_sensitivity(request)
    if format is OutputFormat.json:
        print_json(outcome.to_json_dict())
    else:
        from .tables import print_sensitivity

        print_sensitivity(
            common.out, outcome.result, outcome.strategy, outcome.model, top, outcome.request.scenario.scenario
        )
