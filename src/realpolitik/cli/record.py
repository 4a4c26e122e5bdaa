"""``realpolitik record SCENARIO``: append the forecasts and the strategy table to a hash-chained forecast ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import fail, print_json

LEDGER = Path("forecasts.ledger.jsonl")
LedgerOpt = Annotated[Path, typer.Option("--ledger", help="The ledger file (JSON lines, append-only).")]


@common.user_errors
def record(
    scenario: Annotated[str | None, typer.Argument(help="A scenario file or built-in name.")] = None,
    ledger: LedgerOpt = LEDGER,
    draws: Annotated[int, typer.Option(min=1, help="Draws of the uncertain inputs for quantiles and the lab.")] = 200,
    rng: Annotated[int, typer.Option("--rng", min=0, help="Seed of the draws (recorded).")] = 0,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model (repeatable; default: all).")] = None,
    lab_model: Annotated[str | None, typer.Option("--lab-model", help="Model of the strategy comparison.")] = None,
    target: Annotated[list[str] | None, typer.Option(help="ISSUE>=X or ISSUE<=X (default: the scenario's).")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Only verify the ledger's hash chain.")] = False,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Append every model's forecast of every issue (with quantiles), the lab's strategy table, the scenario's
    hash, the code version and the date to LEDGER; an entry changed after it was recorded is reported."""
    from ..workflows.ledger import RecordRequest, read_ledger
    from ..workflows.ledger import record as run_record

    if verify:
        entries = read_ledger(ledger)
        head = entries[-1]["sha256"] if entries else "(empty)"
        print(f"ok: {ledger}: {len(entries)} entries, hash chain intact; head {head}")
        return
    if scenario is None:
        fail("SCENARIO: name the scenario to record (or pass --verify to check the ledger only)")
    loaded = common.load_scenario(scenario)
    request = RecordRequest(
        loaded,
        ledger,
        draws=draws,
        seed=rng,
        models=tuple(model or ()),
        lab_model=lab_model,
        targets=tuple(target or ()),
    )
    entry = run_record(request)
    if format == "json":
        print_json(entry, ensure_ascii=False)
        return
    n = len(entry["forecasts"])
    lab = entry["lab"]
    print(
        f"recorded: {ledger} entry {entry['seq']}: {loaded.scenario.id} (sha256 {loaded.sha256[:12]}…), {n} "
        f"forecasts, {len(lab['strategies']) if lab else 0} strategies"
    )
    print(f"head: {entry['sha256']}")
