"""What the command line shows a person: scenario summaries and forecast tables, in a neutral voice.

Every figure is labelled as a model's estimate from the scenario's inputs, with the model named, so that a
table pasted into a brief cannot be mistaken for a statement of fact or a recommendation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .models.base import Trajectory
from .scenario.model import Estimate, Issue, Scenario

CAVEAT = (
    "Model output: estimates computed from the scenario's inputs (themselves estimates with ranges); "
    "not a prediction of fact and not a recommendation."
)


def fmt_estimate(e: Estimate | None) -> str:
    if e is None:
        return "–"
    if e.low is None or e.high is None:
        return f"{e.value:g}"
    return f"{e.value:g} [{e.low:g}–{e.high:g}]"


def nearest_anchor(issue: Issue, x: float) -> str:
    """The label of the scale anchor nearest to ``x`` ('' when the issue has no anchors)."""
    anchors = issue.scale.anchors
    if not anchors:
        return ""
    best = min(anchors, key=lambda a: abs(a.value - x))
    return f"≈ {best.label} ({best.value:g})"


def print_summary(console: Console, scenario: Scenario) -> None:
    console.print(
        f"[bold]{escape(scenario.title)}[/bold]  ({escape(scenario.id)}"
        + (f", as of {escape(str(scenario.as_of))}" if scenario.as_of else "")
        + ")"
    )
    if scenario.description:
        console.print(escape(scenario.description.strip().split("\n\n")[0]), style="dim")
    actors = Table(title="Actors", show_lines=False)
    for col in ("id", "name", "capability"):
        actors.add_column(col)
    for a in scenario.actors:
        actors.add_row(escape(a.id), escape(a.name), fmt_estimate(a.capability))
    console.print(actors)
    issues = Table(title="Issues")
    for col in ("id", "name", "scale", "status quo", "rule"):
        issues.add_column(col)
    for i in scenario.issues:
        scale = f"{i.scale.low:g}–{i.scale.high:g}"
        if i.scale.anchors:
            scale += "\n" + "\n".join(f"  {a.value:g}: {a.label}" for a in i.scale.anchors)
        issues.add_row(escape(i.id), escape(i.name), escape(scale), fmt_estimate(i.status_quo), escape(i.decision_rule))
    console.print(issues)
    if scenario.strategies:
        strategies = Table(title="Strategies")
        strategies.add_column("id")
        strategies.add_column("interventions")
        for s in scenario.strategies:
            strategies.add_row(escape(s.id), escape(", ".join(s.interventions)) or "(none: the status quo)")
        console.print(strategies)


def print_forecast(
    console: Console, scenario: Scenario | None, traj: Trajectory, issues: list[str] | None = None
) -> None:
    """One table per issue: forecast, nearest labelled anchor, and each actor's start and end positions."""
    a = traj.arrays
    for i, issue_id in enumerate(a.issue_ids):
        if issues is not None and issue_id not in issues:
            continue
        issue = scenario.issue(issue_id) if scenario is not None else None
        x = float(traj.forecast[0, i])
        title = f"{issue.name if issue else issue_id}: forecast {x:.4g}"
        if issue is not None:
            title += f" {nearest_anchor(issue, x)}"
        table = Table(title=escape(f"{title}  [model: {traj.model}, rounds: {traj.rounds}]"))
        table.add_column("actor")
        table.add_column("start", justify="right")
        table.add_column("end", justify="right")
        table.add_column("moved", justify="right")
        for k, name in enumerate(a.actor_names):
            if not a.present[k, i]:
                continue
            start, end = traj.positions[0, 0, k, i], traj.positions[0, -1, k, i]
            moved = "" if np.isclose(start, end) else f"{end - start:+.3g}"
            table.add_row(escape(name), f"{start:.4g}", f"{end:.4g}", moved)
        console.print(table)
    console.print(CAVEAT, style="dim italic")


def print_lab(console: Console, scenario: Scenario, result: dict[str, Any]) -> None:
    """The strategy comparison: per strategy the client's expected utility, regret and target probability."""
    client = scenario.actor(result["client"]).name
    run = f"model: {result['model']}, {result['draws']} draws, seed {result['seed']}"
    table = Table(title=escape(f"Strategies compared for {client}  [{run}]"))
    for col in ("strategy", "expected utility ± se", "mean regret", "max regret", "P[best]"):
        table.add_column(escape(col), justify="left" if col == "strategy" else "right")
    if result["targets"]:
        table.add_column(escape("P[" + " & ".join(result["targets"]) + "] (95% CI)"), justify="right")
    for row in result["strategies"]:
        cells = [
            escape(row["strategy"]),
            f"{row['expected_utility']:.3f} ± {row['expected_utility_se']:.3f}",
            f"{row['mean_regret']:.3f}",
            f"{row['max_regret']:.3f}",
            f"{row['p_best']:.2f}",
        ]
        if result["targets"]:
            lo, hi = row["p_satisficing_ci95"]
            cells.append(f"{row['p_satisficing']:.2f} ({lo:.2f}–{hi:.2f})")
        table.add_row(*cells)
    console.print(table)
    outcomes = Table(title=escape("Outcome per issue: mean [5%–95%]"))
    outcomes.add_column("strategy")
    issues = [i.id for i in scenario.issues]
    for issue in issues:
        outcomes.add_column(escape(issue), justify="right")
    by_key = {(r["strategy"], r["issue"]): r for r in result["outcomes"]}
    for row in result["strategies"]:
        cells = [escape(row["strategy"])]
        for issue in issues:
            r = by_key[(row["strategy"], issue)]
            cells.append(escape(f"{r['mean']:.1f} [{r['quantiles']['q05']:.1f}–{r['quantiles']['q95']:.1f}]"))
        outcomes.add_row(*cells)
    console.print(outcomes)
    for name, order in result["rankings"].items():
        console.print(escape(f"ranking by {name.replace('_', ' ')}: " + " > ".join(order)))
    for strat, disc in result.get("discovery", {}).items():
        line = f"{strat}: {disc['message']}"
        box = disc["chosen_box"]
        if box is not None:
            limits = "; ".join(f"{k} in [{lo:.3g}, {hi:.3g}]" for k, (lo, hi) in box["limits"].items())
            line += f". PRIM box: {limits or '(whole space)'} (mass {box['mass']:.0%})"
        console.print(escape(line))
    console.print(escape(f"results and manifest: {result['out']}"))
    console.print(CAVEAT, style="dim italic")


def print_sensitivity(console: Console, result: Any, strategy: str, model: str, top: int) -> None:
    for ix in result.indices:
        key = "ST" if result.method == "sobol" else "mu_star"
        table = Table(
            title=escape(f"{ix.outcome}: what drives it  [{result.method}, strategy {strategy}, model {model}]")
        )
        table.add_column("input")
        cols = ("S1", "S1_conf", "ST", "ST_conf") if result.method == "sobol" else ("mu_star", "mu_star_conf", "sigma")
        for c in cols:
            table.add_column(c, justify="right")
        for name, _ in ix.ranked(key)[:top]:
            j = ix.names.index(name)
            table.add_row(escape(name), *(f"{ix.values[c][j]:.3f}" for c in cols))
        console.print(table)
    console.print(
        f"{result.n_evaluations} model runs, seed {result.seed}. Indices are estimates; *_conf are 95% half-widths.",
        style="dim italic",
    )
    for warning in result.warnings(top):
        console.print(escape(f"warning: {warning}"), style="yellow")
