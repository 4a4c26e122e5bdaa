"""The lab end to end on a toy scenario: seeded, resumable, exactly-once shards, hand-checked summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from realpolitik.lab.experiment import Experiment, Target
from realpolitik.lab.runner import ExperimentMismatchError, run_experiment, shard_path
from realpolitik.lab.summary import summarise, wilson
from realpolitik.scenario.model import Scenario
from realpolitik.scenario.problems import LineMap
from realpolitik.scenario.validate import build_scenario
from tests.test_lab_interventions import DOC


def scenario() -> Scenario:
    return build_scenario(yaml.safe_load(DOC), LineMap(), "toy")


def experiment(draws: int = 50, shard_size: int = 20, seed: int = 3, **kw: object) -> Experiment:
    return Experiment(
        scenario=scenario(),
        strategies=("status_quo", "talk", "push", "bloc"),
        client="a",
        draws=draws,
        seed=seed,
        model="compromise",
        shard_size=shard_size,
        **kw,  # type: ignore[arg-type]
    )


def read_all(out: Path):  # type: ignore[no-untyped-def]
    table = pq.read_table(out / "shards").sort_by([("strategy", "ascending"), ("draw", "ascending")])
    return table


def test_seeded_runs_are_identical_and_complete(tmp_path: Path) -> None:
    exp = experiment()
    m1 = run_experiment(exp, tmp_path / "a")
    m2 = run_experiment(exp, tmp_path / "b")
    assert m1["status"] == m2["status"] == "complete"
    t1, t2 = read_all(tmp_path / "a"), read_all(tmp_path / "b")
    assert t1.equals(t2)
    assert t1.num_rows == 4 * 50 * 1
    keys = set(zip(t1["strategy"].to_pylist(), t1["draw"].to_pylist(), strict=True))
    assert len(keys) == 4 * 50
    assert not t1.equals(read_all_run(experiment(seed=4), tmp_path / "c"))


def read_all_run(exp: Experiment, out: Path):  # type: ignore[no-untyped-def]
    run_experiment(exp, out)
    return read_all(out)


def test_interrupted_run_resumes_without_loss_or_doubling(tmp_path: Path) -> None:
    exp = experiment()
    partial = run_experiment(exp, tmp_path / "r", max_shards=1)
    assert partial["status"] == "incomplete"
    assert [v["status"] for v in partial["shards"].values()] == ["done", "pending", "pending"]
    # a crash can leave a shard file without the manifest marking it done: it must be recomputed, not trusted
    shard_path(tmp_path / "r", 1).write_bytes(b"half-written garbage")
    final = run_experiment(exp, tmp_path / "r")
    assert final["status"] == "complete"
    assert read_all(tmp_path / "r").equals(read_all_run(exp, tmp_path / "fresh"))


def test_resuming_a_different_experiment_is_refused(tmp_path: Path) -> None:
    run_experiment(experiment(), tmp_path / "x", max_shards=1)
    with pytest.raises(ExperimentMismatchError):
        run_experiment(experiment(seed=99), tmp_path / "x")


def test_common_random_numbers_across_strategies(tmp_path: Path) -> None:
    """Strategy 'talk' changes only channels and a's salience: the compromise outcome differs from the status
    quo in each draw exactly through a's weight; with the same draws, b's and c's inputs are identical, so the
    per-draw difference has the sign predicted by hand (a at 10 gains weight, the mean moves toward 10)."""
    out = tmp_path / "crn"
    run_experiment(experiment(), out)
    t = read_all(out).to_pandas()
    sq = t[t.strategy == "status_quo"].set_index("draw").outcome
    talk = t[t.strategy == "talk"].set_index("draw").outcome
    assert (talk < sq).all()


def test_summary_matches_hand_computation(tmp_path: Path) -> None:
    """'push' moves a to 100 (the top of the scale) and halves b's capability. With c's capability drawn in
    [1, 3] the compromise outcome is (1·0.5·100 + 1.5·1·90 + c·0.5·40) / (0.5 + 1.5 + 0.5c); client a's ideal
    is 10 with salience 0.5 on one issue, so its utility is 1 − |outcome − 10| / 100."""
    exp = experiment(targets=(Target.parse("x>=50"),))
    out = tmp_path / "s"
    run_experiment(exp, out)
    t = read_all(out).to_pandas()
    summary = summarise(out, list(exp.strategies), exp.targets)
    push = t[t.strategy == "push"]
    # recover c's capability draw from the status quo outcome: o = (5 + 270 + 20c) / (3.5 + 0.5c)
    sq = t[t.strategy == "status_quo"].set_index("draw").outcome
    cap_c = (275 - 3.5 * sq) / (0.5 * sq - 20)
    expected_push = (50 + 135 + 20 * cap_c) / (2 + 0.5 * cap_c)
    assert np.allclose(push.set_index("draw").outcome, expected_push, atol=1e-9)
    utility = 1 - (push.set_index("draw").outcome - 10).abs() / 100
    assert np.allclose(push.set_index("draw").client_utility, utility, atol=1e-12)
    row = next(r for r in summary.strategy_rows if r["strategy"] == "push")
    assert row["expected_utility"] == pytest.approx(utility.mean(), abs=1e-12)
    per_draw = t.pivot_table(index="draw", columns="strategy", values="client_utility")
    regret = per_draw.max(axis=1) - per_draw["push"]
    assert row["max_regret"] == pytest.approx(regret.max(), abs=1e-12)
    p = float((push.outcome >= 50).mean())
    assert row["p_satisficing"] == pytest.approx(p)
    assert summary.rankings["expected_utility"][0] == per_draw.mean().idxmax()
    assert summary.rankings["minimax_regret"][0] == (per_draw.max(axis=1).values[:, None] - per_draw).max().idxmin()


def test_wilson_interval_known_values() -> None:
    # Wilson (1927) interval for 0 successes of 10 at 95%: [0, 0.2775]
    lo, hi = wilson(0.0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson(0.5, 100)
    assert (lo, hi) == pytest.approx((0.4038, 0.5962), abs=1e-4)


def test_target_parsing() -> None:
    assert Target.parse("ttp_action>=75") == Target("ttp_action", ">=", 75.0)
    assert str(Target.parse("x <= 4.5")) == "x<=4.5"
    with pytest.raises(ValueError):
        Target.parse("x=3")


def test_stochastic_model_noise_is_common_to_strategies_and_free_of_sharding(tmp_path: Path) -> None:
    """A stochastic model (SMP with stochastic transitions) gets draw d's noise from (seed, d) alone: a strategy
    that changes nothing meets exactly the status quo's outcomes, draw for draw (common random numbers), and the
    results do not depend on how the draws are cut into shards."""
    doc = yaml.safe_load(DOC)
    doc["strategies"].append({"id": "same", "interventions": []})
    doc["actors"][2]["capability"] = 2  # no uncertain inputs: draws differ only by the model's own noise
    doc["interventions"][0]["changes"][2]["value"] = 20
    s = build_scenario(doc, LineMap(), "toy")

    def table(shard_size: int, out: Path):  # type: ignore[no-untyped-def]
        exp = Experiment(
            scenario=s,
            strategies=("status_quo", "same"),
            client="a",
            draws=12,
            seed=5,
            model="smp",
            model_options={"state_transitions": "Stochastic"},
            shard_size=shard_size,
        )
        run_experiment(exp, out)
        return read_all(out)

    whole, cut = table(12, tmp_path / "whole"), table(5, tmp_path / "cut")
    assert whole.equals(cut)
    rows = whole.to_pydict()
    by = {(st, d): o for st, d, o in zip(rows["strategy"], rows["draw"], rows["outcome"], strict=True)}
    assert all(by[("same", d)] == by[("status_quo", d)] for d in range(12))
    assert len({by[("status_quo", d)] for d in range(12)}) > 1, "every draw met the same noise"
    manifest = (tmp_path / "whole" / "manifest.json").read_text()
    assert '"model_noise"' in manifest and '"draw_scheme": 2' in manifest
