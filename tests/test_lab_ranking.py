"""Rankings with their Monte Carlo uncertainty: leading sets by paired differences, stable across seeds.

The stability test runs on a frozen copy of the built-in scenario (tests/data/afghanistan-2025-frozen.yaml), so
revising the built-in scenario cannot make it pass or fail, and with the fast ``bdm`` model, so that changing the
default model cannot either: over 20 seeds at the default draw count, the leading set under every criterion must
be the same in at least 95 % of seeds, and the 95 % intervals must cover the value a 20-times-larger run gives
in most seeds (so wide intervals alone cannot pass).
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from realpolitik.lab.ranking import rank
from realpolitik.scenario import load
from realpolitik.workflows.lab import LabRequest, run_lab

FROZEN = Path(__file__).parent / "data" / "afghanistan-2025-frozen.yaml"
SEEDS = range(20)


def test_a_clearly_better_strategy_leads_alone_and_equal_ones_lead_together() -> None:
    g = np.random.default_rng(0)
    base = g.normal(0.5, 0.1, 2000)
    utility = np.stack([base + 0.05, base, base.copy(), base + g.normal(0, 0.001, 2000)])
    ranking = rank(["a", "b", "b2", "b3"], utility, np.ones_like(utility), seed=1)["expected_utility"]
    assert ranking.best == "a" and ranking.leading == ["a"]
    diff, lo, hi = ranking.differences["b"]
    assert diff == pytest.approx(-0.05) and lo <= diff <= hi < 0
    tie = rank(["b", "b2"], utility[1:3], np.ones((2, 2000)), seed=1)["expected_utility"]
    assert tie.leading == ["b", "b2"]  # identical draws: the paired difference is exactly zero


def test_regret_quantile_and_satisficing_are_ranked_in_the_right_direction() -> None:
    # risky: 0.6 in 17 draws of 20, 0 in 3 (regret 0.5 in 15 % of draws); safe: 0.5 always (regret 0.1 in 85 %)
    risky = np.array([0.6] * 17 + [0.0] * 3)
    utility = np.stack([np.tile(risky, 50), np.full(1000, 0.5)])
    ok = (utility >= 0.5).astype(float)
    r = rank(["risky", "safe"], utility, ok, seed=0)
    assert r["regret_q90"].values == {"risky": pytest.approx(0.5), "safe": pytest.approx(0.1)}
    assert r["regret_q90"].best == "safe" and r["regret_q90"].leading == ["safe"]  # lower regret is better
    assert r["p_satisficing"].best == "safe" and r["p_satisficing"].values["risky"] == pytest.approx(0.85)
    assert r["expected_utility"].values["risky"] == pytest.approx(0.51)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict]:  # type: ignore[type-arg]
    loaded = load(FROZEN)
    out = []
    for seed in SEEDS:
        request = LabRequest(
            loaded, client="pakistan", draws=1000, seed=seed, model="bdm", out=tmp_path_factory.mktemp(f"s{seed}")
        )
        out.append(run_lab(request).summary["ranking"])
    large = run_lab(
        LabRequest(loaded, client="pakistan", draws=20000, seed=999, model="bdm", out=tmp_path_factory.mktemp("large"))
    ).summary["ranking"]
    return out, large


def test_leading_sets_are_stable_across_seeds(runs: tuple[list[dict], dict]) -> None:  # type: ignore[type-arg]
    per_seed, _ = runs
    for criterion in per_seed[0]:
        counts = Counter(tuple(r[criterion]["leading_set"]) for r in per_seed)
        _, n = counts.most_common(1)[0]
        assert n >= 0.95 * len(per_seed), f"{criterion}: leading sets {counts}"


def test_intervals_cover_the_large_draw_value(runs: tuple[list[dict], dict]) -> None:  # type: ignore[type-arg]
    per_seed, large = runs
    for criterion in ("expected_utility", "mean_regret", "p_satisficing"):
        hits = total = 0
        for r in per_seed:
            for strategy, v in r[criterion]["values"].items():
                lo, hi = v["ci95"]
                hits += lo - 1e-12 <= large[criterion]["values"][strategy]["value"] <= hi + 1e-12
                total += 1
        assert hits / total >= 0.85, f"{criterion}: {hits}/{total} intervals cover the 20,000-draw value"


def test_draws_auto_doubles_until_the_leading_set_is_stable(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from realpolitik.cli import app

    args = ["lab", str(FROZEN), "--model", "bdm", "--draws", "auto", "--format", "json", "--quiet"]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "auto")])
    assert r.exit_code == 0, r.output
    auto = json.loads(r.stdout)["draws_auto"]
    steps = [s["draws"] for s in auto["steps"]]
    assert steps[0] == 500 and all(b == 2 * a for a, b in itertools.pairwise(steps))
    assert auto["stable"] == (auto["steps"][-1]["leading_set"] == auto["steps"][-2]["leading_set"])
    bad = CliRunner().invoke(app, ["lab", str(FROZEN), "--draws", "lots"])
    assert bad.exit_code == 2 and "--draws: 'lots' is not a whole number or 'auto'" in bad.output
