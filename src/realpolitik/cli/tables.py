"""What the command line shows a person: scenario summaries and result tables, in a neutral voice.

Every figure is labelled as a model's estimate from the scenario's inputs, with the model named, so that a table
pasted into a brief cannot be mistaken for a statement of fact or a recommendation. Every number is written by
:mod:`realpolitik.workflows.text`, the formatter the brief and the web use too; text is escaped for rich markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..workflows import text

if TYPE_CHECKING:
    from ..backtest import BacktestResult
    from ..lab.sensitivity import SensitivityResult
    from ..models.trajectory import Trajectory
    from ..scenario.model import Scenario
    from ..workflows.score import ScoreResult


def _caveat(console: Console) -> None:
    console.print(escape(text.CAVEAT), style="dim italic")


def print_summary(console: Console, scenario: Scenario) -> None:
    """The scenario's title, actors, issues (with their anchors) and strategies."""
    as_of = f", as of {escape(str(scenario.as_of))}" if scenario.as_of else ""
    console.print(f"[bold]{escape(scenario.title)}[/bold]  ({escape(scenario.id)}{as_of})")
    if scenario.description:
        console.print(escape(scenario.description.strip().split("\n\n")[0]), style="dim")
    actors = Table(title="Actors", show_lines=False)
    for col in ("id", "name", "capability"):
        actors.add_column(col)
    for a in scenario.actors:
        actors.add_row(escape(a.id), escape(a.name), escape(text.estimate(a.capability)))
    console.print(actors)
    issues = Table(title="Issues")
    for col in ("id", "name", "scale", "status quo", "rule"):
        issues.add_column(col)
    for i in scenario.issues:
        scale = f"{text.number(i.scale.low)}–{text.number(i.scale.high)}"
        if i.scale.anchors:
            scale += "\n" + "\n".join(f"  {text.number(a.value)}: {a.label}" for a in i.scale.anchors)
        issues.add_row(
            escape(i.id), escape(i.name), escape(scale), escape(text.estimate(i.status_quo)), escape(i.decision_rule)
        )
    console.print(issues)
    if scenario.strategies:
        strategies = Table(title="Strategies")
        strategies.add_column("id")
        strategies.add_column("interventions")
        for s in scenario.strategies:
            strategies.add_row(escape(s.id), escape(", ".join(s.interventions)) or "(none: the status quo)")
        console.print(strategies)


def print_forecast(
    console: Console,
    scenario: Scenario | None,
    traj: Trajectory,
    issues: Sequence[str] | None = None,
    about: str | None = None,
) -> None:
    """One table per issue: forecast, nearest labelled anchor, and each actor's start and end positions; ``about``
    (which model, why, and its track record) first."""
    if about:
        console.print(escape(about), style="bold")
    a = traj.arrays
    for i, issue_id in enumerate(a.issue_ids):
        if issues and issue_id not in issues:
            continue
        issue = scenario.issue(issue_id) if scenario is not None else None
        x = float(traj.forecast[0, i])
        title = f"{issue.name if issue else issue_id}: forecast {text.number(x)}"
        if issue is not None and (near := text.anchor(issue, x)):
            title += f" {near}"
        table = Table(title=escape(f"{title}  [model: {traj.model}, rounds: {traj.rounds}]"))
        table.add_column("actor")
        for col in ("start", "end", "moved"):
            table.add_column(col, justify="right")
        for k, name in enumerate(a.actor_names):
            if not a.present[k, i]:
                continue
            start, end = float(traj.positions[0, 0, k, i]), float(traj.positions[0, -1, k, i])
            moved = "" if abs(end - start) <= 1e-8 + 1e-5 * abs(start) else text.signed(end - start)
            table.add_row(escape(name), text.number(start), text.number(end), moved)
        console.print(table)
    _caveat(console)


CRITERIA_COLUMNS = {
    "expected_utility": "expected utility",
    "p_best": "P[best]",
    "p_satisficing": "P[targets]",
    "mean_regret": "mean regret",
    "regret_q90": "regret q90",
}


def model_line(model: str, track_record: str | None, reason: str | None) -> str:
    """``model ensemble (the default model: …); error on EU legislation (DEU III), out of fold: 22.3 [19.6, 25.0]``."""
    line = f"model {model}" + (f" ({reason})" if reason and reason != "named by the request" else "")
    return line + f"; {track_record or 'no DEU III track record'}"


def _lab_strategies(console: Console, client: str, result: Mapping[str, Any]) -> None:
    """Every criterion with its 95 % bootstrap interval (no criterion without one)."""
    run = f"model: {result['model']}, {result['draws']} draws, seed {result['seed']}"
    table = Table(title=escape(f"Strategies compared for {client}  [{run}]; value [95% interval]"))
    table.add_column("strategy")
    ranking = result["ranking"]
    shown = [c for c in CRITERIA_COLUMNS if c in ranking]
    for c in shown:
        table.add_column(escape(CRITERIA_COLUMNS[c]), justify="right")
    for row in result["strategies"]:
        cells = [escape(row["strategy"])]
        for c in shown:
            v = ranking[c]["values"][row["strategy"]]
            lo, hi = v["ci95"]
            cells.append(escape(f"{v['value']:.3f} [{lo:.3f}, {hi:.3f}]"))
        table.add_row(*cells)
    console.print(table)


def _leading_sets(console: Console, result: Mapping[str, Any]) -> None:
    for c, r in result["ranking"].items():
        rest = [
            f"{s} {d['value']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
            for s, d in r["difference_to_best"].items()
            if s not in r["leading_set"]
        ]
        line = f"leading set by {CRITERIA_COLUMNS.get(c, c)}: {', '.join(r['leading_set'])}"
        console.print(escape(line + (f"; then {'; '.join(rest)}" if rest else "")))


def _bottom_line(console: Console, result: Mapping[str, Any]) -> None:
    words = result.get("bottom_line")
    if not words:
        return
    console.print(escape(words["headline"]), style="bold")
    for line in (*words["strategies"], *words["targets"], *words["agreement"], words["horizon"]):
        console.print(escape(f"- {line}"))
    console.print()


def _lab_outcomes(console: Console, issues: Sequence[str], result: Mapping[str, Any]) -> None:
    table = Table(title=escape("Outcome per issue: mean [5%–95%]"))
    table.add_column("strategy")
    for issue in issues:
        table.add_column(escape(issue), justify="right")
    by_key = {(r["strategy"], r["issue"]): r for r in result["outcomes"]}
    for row in result["strategies"]:
        cells = [escape(row["strategy"])]
        for issue in issues:
            r = by_key[(row["strategy"], issue)]
            cells.append(escape(text.interval(r["mean"], r["quantiles"]["q05"], r["quantiles"]["q95"])))
        table.add_row(*cells)
    console.print(table)


def _discovery_line(strategy: str, disc: Mapping[str, Any]) -> str:
    line = f"{strategy}: {disc['message']}"
    box = disc["chosen_box"]
    if box is not None:
        limits = "; ".join(
            f"{k} in [{text.number(lo, 3)}, {text.number(hi, 3)}]" for k, (lo, hi) in box["limits"].items()
        )
        line += f". PRIM box: {limits or '(whole space)'} (mass {box['mass']:.0%})"
    return line


def print_lab(console: Console, scenario: Scenario, result: Mapping[str, Any]) -> None:
    """The strategy comparison (from the lab's JSON document): per strategy the client's expected utility, regret
    and target probability; the outcome per issue; the rankings; the PRIM boxes when discovery ran."""
    _bottom_line(console, result)
    console.print(escape(model_line(result["model"], result.get("track_record"), result.get("model_reason"))))
    _lab_strategies(console, scenario.actor(result["client"]).name, result)
    _lab_outcomes(console, [i.id for i in scenario.issues], result)
    _leading_sets(console, result)
    for line in text.in_effect_lines(result["strategies"]):
        console.print(escape(f"if its interventions take effect: {line}"))
    for strategy, disc in result.get("discovery", {}).items():
        console.print(escape(_discovery_line(strategy, disc)))
    console.print(escape(f"results and manifest: {result['out']}"))
    _caveat(console)


def print_sensitivity(
    console: Console,
    result: SensitivityResult,
    strategy: str,
    model: str,
    top: int,
    scenario: Scenario | None = None,
) -> None:
    """One table per outcome: its inputs ranked by total index (Sobol) or μ* (Morris), with 95% half-widths; inputs
    named in words (actor, issue, field) with their id, folded rather than cut when the terminal is narrow."""
    key = "ST" if result.method == "sobol" else "mu_star"
    cols = ("S1", "S1_conf", "ST", "ST_conf") if result.method == "sobol" else ("mu_star", "mu_star_conf", "sigma")
    for ix in result.indices:
        table = Table(
            title=escape(f"{ix.outcome}: what drives it  [{result.method}, strategy {strategy}, model {model}]")
        )
        table.add_column("input", overflow="fold")
        for c in cols:
            table.add_column(c, justify="right", no_wrap=True)
        for name, _ in ix.ranked(key)[:top]:
            j = ix.names.index(name)
            label = escape(f"{text.input_label(scenario, name)} ({name})" if scenario else name)
            table.add_row(label, *(text.number(float(ix.values[c][j]), 3) for c in cols))
        console.print(table)
    console.print(
        f"{result.n_evaluations} model runs, seed {result.seed}. Indices are estimates; *_conf are 95% half-widths.",
        style="dim italic",
    )
    for warning in result.warnings(top):
        console.print(escape(f"warning: {warning}"), style="yellow")


def difference_cell(row: dict[str, Any]) -> str:
    """A backtest row's paired difference to the compromise model with its interval (blank for compromise itself,
    or where there is none)."""
    diff = row["diff_vs_compromise"]
    if row["model"] == "compromise" or diff != diff:
        return ""
    return f"{text.signed(diff)} [{text.signed(row['diff_lo'])}, {text.signed(row['diff_hi'])}]"


def print_backtest(console: Console, result: BacktestResult, seed: int, n_boot: int) -> None:
    """Per model: MAE with its bootstrap interval, RMSE, median error, and the paired difference to compromise."""
    table = Table(title=f"DEU III backtest: {result.n} issues, absolute error on the 0-100 scale")
    for col in ("model", "n", "MAE [95% CI]", "RMSE", "median AE", "MAE − compromise [95% CI]", "failed"):
        table.add_column(escape(col), justify="left" if col == "model" else "right")
    for row in result.to_rows():
        shown = difference_cell(row)
        table.add_row(
            escape(row["model"]),
            str(row["n"]),
            escape(text.interval(row["mae"], row["mae_lo"], row["mae_hi"], digits=2)),
            text.number(row["rmse"]),
            text.number(row["median_ae"]),
            escape(shown),
            str(row["failed"]),
        )
    console.print(table)
    console.print(
        f"Bootstrap over proposals, seed {seed}, {n_boot} resamples. Errors are of model forecasts.", style="dim"
    )


def print_score(console: Console, result: ScoreResult) -> None:
    """Per issue the outcome, then each forecaster's error, CRPS, interval coverage and direction."""

    def mark(v: bool | None) -> str:
        return "–" if v is None else ("yes" if v else "no")

    for issue, pair in result.pairs.items():
        table = Table(
            title=escape(
                f"{issue}: outcome {text.number(pair['outcome'])}, status quo {text.number(pair['status_quo'])}"
            )
        )
        for col in ("forecaster", "forecast", "abs. error", "CRPS", "in 50/80/95%", "direction right"):
            table.add_column(col, justify="left" if col == "forecaster" else "right")
        for s in (x for x in result.scores if x.issue == issue):
            inside = "/".join(mark(s.inside[k]) for k in ("50", "80", "95"))
            table.add_row(
                escape(s.model),
                text.number(s.forecast),
                text.number(s.abs_error),
                text.number(s.crps),
                inside,
                mark(s.direction_right),
            )
        console.print(table)
    for row in result.summary():
        skill = row["skill_vs_no_change"]
        mae, crps = text.number(row["mae"]), text.number(row["crps"])
        line = f"{row['model']}: MAE {mae}, CRPS {crps} over {row['issues']} issue(s)"
        console.print(escape(line + ("" if skill is None else f", skill vs no change {skill:+.2f}")))
    for name, error in result.failed.items():
        console.print(escape(f"{name} did not run on this scenario: {error}"), style="dim")
    for note in result.notes:
        console.print(escape(note), style="yellow")
    _caveat(console)
