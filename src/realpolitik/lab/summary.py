"""What an experiment says: outcome distributions, target probabilities, client utility, regret, rankings.

Computed by DuckDB straight from the Parquet shards, so memory stays flat however many draws there are
(single-threaded, so that sums run in a fixed order and a re-run reproduces every digit).
Every probability comes with a Wilson 95% interval and every mean with its Monte Carlo standard error: the
figures are estimates from a model of estimates, and the report says how precise they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .experiment import Target

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def wilson(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (stays inside [0, 1], sensible at p = 0 or 1)."""
    if n == 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Summary:
    strategies: list[str]
    issues: list[dict[str, Any]]  # per (strategy, issue): mean, sd, quantiles
    strategy_rows: list[dict[str, Any]]  # per strategy: utility, regret, satisficing
    rankings: dict[str, list[str]]
    targets: list[str]
    draws: int

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "targets": self.targets,
            "strategies": self.strategy_rows,
            "outcomes": self.issues,
            "rankings": self.rankings,
        }


def _if_in_effect(
    n: int, n_eff: int, eu: float | None, sd: float | None, p_ok: float | None, targets: bool
) -> dict[str, Any]:
    """For a strategy whose interventions may fail: how often all took effect, and the results in those draws.

    The draws where every intervention took effect are exactly the draws a run with certain interventions would
    have had (the effect columns are independent of every other input), so these figures are the strategy's
    results *without* the uncertainty about its interventions, next to the main figures *with* it."""
    if n_eff == n:
        return {}
    out: dict[str, Any] = {"p_in_effect": n_eff / n, "p_in_effect_ci95": list(wilson(n_eff / n, n))}
    if n_eff:
        block: dict[str, Any] = {
            "draws": n_eff,
            "expected_utility": eu,
            "expected_utility_se": (sd or 0.0) / math.sqrt(n_eff),
        }
        if targets and p_ok is not None:
            block["p_satisficing"] = p_ok
            block["p_satisficing_ci95"] = list(wilson(p_ok, n_eff))
        out["if_in_effect"] = block
    return out


_SQL_OPS = {">=": ">=", "<=": "<="}


def sql_op(target: Target) -> str:
    """The comparison of a (typed) target as SQL: chosen from a fixed table, never taken from the user's text."""
    return _SQL_OPS[target.op]


def targets_met(targets: tuple[Target, ...]) -> tuple[str, list[Any]]:
    """An SQL aggregate (per draw) that is true when every target is met, and its parameters: issue ids and
    thresholds are bound as parameters, never pasted into the SQL."""
    if not targets:
        return "TRUE", []
    sql = " AND ".join(f"bool_or(issue = ? AND outcome {sql_op(t)} ?)" for t in targets)
    params: list[Any] = []
    for t in targets:
        params += [t.issue, float(t.threshold)]
    return sql, params


def register_results(con: duckdb.DuckDBPyConnection, out: Path, name: str = "r") -> None:
    """Make the run's results a table ``name`` on ``con``: exactly the shard files its manifest marks done, read
    through an Arrow dataset, so no path is pasted into SQL or read as a glob pattern and nothing else in the
    folder (a leftover of a killed run, a stray copy) is ever read as a result."""
    import pyarrow.dataset as ds

    from .experiment import RESULT_SCHEMA
    from .runner import shard_files

    con.register(name, ds.dataset(shard_files(out), schema=RESULT_SCHEMA, format="parquet"))


def summarise(out: Path, strategies: list[str], targets: tuple[Target, ...] = ()) -> Summary:
    # one thread: floating-point sums then run in one fixed order, so a re-run gives the same digits
    con = duckdb.connect(config={"threads": 1})
    try:
        register_results(con, out)
        q_list = ", ".join(str(q) for q in QUANTILES)
        issue_rows = con.execute(
            f"""SELECT strategy, issue, count(*) AS n, avg(outcome) AS mean, stddev_samp(outcome) AS sd,
                       quantile_cont(outcome, [{q_list}]) AS q
                FROM r GROUP BY strategy, issue ORDER BY strategy, issue"""
        ).fetchall()
        issues = []
        for strategy, issue, n, mean, sd, q in issue_rows:
            row: dict[str, Any] = {
                "strategy": strategy,
                "issue": issue,
                "n": n,
                "mean": mean,
                "sd": sd or 0.0,
                "quantiles": {f"q{int(p * 100):02d}": v for p, v in zip(QUANTILES, q, strict=True)},
            }
            for t in targets:
                if t.issue == issue:
                    p = con.execute(
                        f"SELECT avg(CASE WHEN outcome {sql_op(t)} ? THEN 1.0 ELSE 0.0 END) FROM r "
                        "WHERE strategy = ? AND issue = ?",
                        [t.threshold, strategy, issue],
                    ).fetchone()
                    prob = float(p[0]) if p and p[0] is not None else 0.0
                    row.setdefault("targets", {})[str(t)] = {"p": prob, "ci95": list(wilson(prob, n))}
            issues.append(row)

        target_sql, target_params = targets_met(targets)
        per_strategy = con.execute(
            f"""WITH d AS (
                    SELECT strategy, draw, any_value(client_utility) AS u, {target_sql} AS ok,
                           bool_and(in_effect) AS eff
                    FROM r GROUP BY strategy, draw),
                g AS (SELECT *, max(u) OVER (PARTITION BY draw) - u AS regret FROM d)
                SELECT strategy, count(*) AS n, avg(u) AS eu, stddev_samp(u) AS sd_u,
                       avg(regret) AS mean_regret, max(regret) AS max_regret,
                       quantile_cont(regret, 0.9) AS regret_q90, avg(CASE WHEN ok THEN 1.0 ELSE 0.0 END) AS p_ok,
                       avg(CASE WHEN regret = 0 THEN 1.0 ELSE 0.0 END) AS p_best,
                       count(*) FILTER (WHERE eff) AS n_eff, avg(u) FILTER (WHERE eff) AS eu_eff,
                       stddev_samp(u) FILTER (WHERE eff) AS sd_eff,
                       avg(CASE WHEN ok THEN 1.0 ELSE 0.0 END) FILTER (WHERE eff) AS p_ok_eff
                FROM g GROUP BY strategy""",
            target_params,
        ).fetchall()
        draws_row = con.execute("SELECT count(DISTINCT draw) FROM r").fetchone()
    finally:
        con.close()
    rows = []
    for (
        strategy,
        n,
        eu,
        sd_u,
        mean_regret,
        max_regret,
        regret_q90,
        p_ok,
        p_best,
        n_eff,
        eu_eff,
        sd_eff,
        ok_eff,
    ) in per_strategy:
        row = {
            "strategy": strategy,
            "draws": n,
            "expected_utility": eu,
            "expected_utility_se": (sd_u or 0.0) / math.sqrt(n),
            "mean_regret": mean_regret,
            "max_regret": max_regret,
            "regret_q90": regret_q90,
            "p_best": p_best,
        }
        if targets:
            row["p_satisficing"] = p_ok
            row["p_satisficing_ci95"] = list(wilson(p_ok, n))
        row.update(_if_in_effect(n, n_eff, eu_eff, sd_eff, ok_eff, bool(targets)))
        rows.append(row)
    order = {s: k for k, s in enumerate(strategies)}
    rows.sort(key=lambda r: order.get(r["strategy"], len(order)))
    rankings = {
        "expected_utility": [r["strategy"] for r in sorted(rows, key=lambda r: -r["expected_utility"])],
        "minimax_regret": [r["strategy"] for r in sorted(rows, key=lambda r: (r["max_regret"], r["mean_regret"]))],
    }
    if targets:
        rankings["satisficing"] = [r["strategy"] for r in sorted(rows, key=lambda r: -r["p_satisficing"])]
    return Summary(
        strategies=list(strategies),
        issues=issues,
        strategy_rows=rows,
        rankings=rankings,
        targets=[str(t) for t in targets],
        draws=int(draws_row[0]) if draws_row else 0,
    )
