"""Who decides: owner, veto and qualified-majority issues, per-stance influence and interventions that may fail.

The rules are checked three ways: hand-computed cases on the decision functions (the worked examples of
docs/scenario-format.md), properties that every registered model must have (iterating the registry, so a new
model cannot join without them), and the format's validation of bad input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from realpolitik.lab.experiment import Experiment
from realpolitik.lab.runner import run_experiment
from realpolitik.lab.summary import summarise
from realpolitik.models.arrays import from_scenario
from realpolitik.models.decision import IssueRule, pivots, structured_outcome
from realpolitik.models.registry import available_models
from realpolitik.models.voice import voice
from realpolitik.scenario import ScenarioError, load
from realpolitik.scenario.model import Scenario
from realpolitik.workflows.diagnostics import round_zero

MODELS = sorted(available_models())


def run(name: str, scenario: Scenario):  # type: ignore[no-untyped-def]
    spec = available_models()[name]
    return spec(from_scenario(scenario), rng=3, **spec.options_for(scenario.metadata))


def scenario_text(decision: str, stances: str, status_quo: float = 50, extra: str = "") -> str:
    return f"""\
schema_version: 2
id: toy
title: Toy
actors:
  - {{id: a, name: A, capability: 1}}
  - {{id: b, name: B, capability: 1}}
  - {{id: c, name: C, capability: 1}}
  - {{id: d, name: D, capability: 1}}
issues:
  - id: x
    name: X
    status_quo: {status_quo}
    decision: {decision}
stances:
{stances}
{extra}"""


def toy(tmp_path: Path, decision: str, stances: str, status_quo: float = 50, extra: str = "") -> Scenario:
    path = tmp_path / "toy.yaml"
    path.write_text(scenario_text(decision, stances, status_quo, extra))
    return load(path).scenario


SPREAD = """\
  - {actor: a, issue: x, position: 10, salience: 0.6}
  - {actor: b, issue: x, position: 30, salience: 0.6}
  - {actor: c, issue: x, position: 60, salience: 0.6}
  - {actor: d, issue: x, position: 90, salience: 0.6}
"""


# --- hand-computed cases (the worked examples in docs/scenario-format.md) -----------------------------------


def test_owner_worked_example() -> None:
    x = np.array([[70.0, 0.0, 0.0]])
    w = np.array([[63.0, 72.0, 20.0]])  # capability × salience: the owner is outweighed
    q = np.array([45.0])
    assert structured_outcome(IssueRule("owner", members=(0,)), x, w, q)[0] == 70.0
    group = IssueRule("owner", base="mean", members=(1, 2))
    assert structured_outcome(group, x, w, q)[0] == 0.0


def test_veto_worked_example() -> None:
    x = np.array([[20.0, 40.0, 80.0]])
    w = np.ones((1, 3))
    q = np.array([50.0])
    # median 40; C at 80 accepts only points no farther than 50 is, i.e. [50, 110]: clamped to 50
    assert structured_outcome(IssueRule("veto", members=(2,)), x, w, q)[0] == 50.0
    # B at 40 accepts [30, 50]: the median 40 stands
    assert structured_outcome(IssueRule("veto", members=(1,)), x, w, q)[0] == 40.0
    # B and C together leave only the status quo
    assert structured_outcome(IssueRule("veto", members=(1, 2)), x, w, q)[0] == 50.0
    # the mean (46.67) as base, clamped by C's win set to 50
    assert structured_outcome(IssueRule("veto", base="mean", members=(2,)), x, w, q)[0] == 50.0


def test_qualified_majority_worked_example() -> None:
    x = np.array([[10.0, 30.0, 60.0, 90.0]])
    w = np.array([[1.0, 2.0, 3.0, 4.0]])
    low, high = pivots(x, w, 0.7)
    assert (low[0], high[0]) == (90.0, 60.0)  # from the low end 1+2+3+4 reaches 7 at 90; from the top 4+3 at 60
    rule = IssueRule("qualified_majority", threshold=0.7)
    assert structured_outcome(rule, x, w, np.array([20.0]))[0] == 60.0  # below both pivots: the nearer one
    assert structured_outcome(rule, x, w, np.array([75.0]))[0] == 75.0  # between them: gridlock
    assert structured_outcome(rule, x, w, np.array([95.0]))[0] == 90.0
    unanimity = IssueRule("qualified_majority", threshold=1.0)
    assert structured_outcome(unanimity, x, w, np.array([5.0]))[0] == 10.0
    assert structured_outcome(unanimity, x, w, np.array([50.0]))[0] == 50.0


# --- every registered model honours the structure ----------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_an_owner_who_alone_cares_gets_its_position(name: str, tmp_path: Path) -> None:
    stances = """\
  - {actor: a, issue: x, position: 80, salience: 0.9}
  - {actor: b, issue: x, position: 10, salience: 0}
  - {actor: c, issue: x, position: 20, salience: 0}
  - {actor: d, issue: x, position: 0, salience: 0}
"""
    s = toy(tmp_path, "{rule: owner, owner: a}", stances)
    traj = run(name, s)
    assert traj.forecast[0, 0] == pytest.approx(traj.positions[0, -1, 0, 0])
    assert traj.forecast[0, 0] == pytest.approx(80.0)


@pytest.mark.parametrize("name", MODELS)
def test_a_veto_player_at_the_status_quo_freezes_the_outcome(name: str, tmp_path: Path) -> None:
    stances = SPREAD.replace("position: 60, salience: 0.6", "position: 50, salience: 1.0")
    s = toy(tmp_path, "{rule: veto, players: [c]}", stances)
    traj = run(name, s)
    final = traj.positions[0, -1, :, 0]
    q = 50.0
    # the outcome lies in the veto player's win set after bargaining; where it stayed at q, the outcome is q
    assert abs(traj.forecast[0, 0] - final[2]) <= abs(q - final[2]) + 1e-9
    if final[2] == q:
        assert traj.forecast[0, 0] == q
    if not available_models()[name].dynamic:
        assert traj.forecast[0, 0] == q


@pytest.mark.parametrize("name", MODELS)
def test_unanimity_is_a_qualified_majority_of_one(name: str, tmp_path: Path) -> None:
    for q in (5.0, 40.0, 95.0):
        s = toy(tmp_path, "{rule: qualified_majority, share: 1.0}", SPREAD, status_quo=q)
        traj = run(name, s)
        final = traj.positions[0, -1, :, 0]
        assert traj.forecast[0, 0] == pytest.approx(float(np.clip(q, final.min(), final.max())))


@pytest.mark.parametrize("name", MODELS)
def test_influence_equal_to_capability_changes_nothing(name: str, tmp_path: Path) -> None:
    plain = toy(tmp_path, "median", SPREAD)
    same = toy(tmp_path, "median", SPREAD.replace("salience: 0.6}", "salience: 0.6, influence: 1}"))
    if "influence" in available_models()[name].unsupported:
        with pytest.raises(ValueError, match="issue 'x': per-stance influence is not supported"):
            run(name, same)
        return
    a, b = run(name, plain), run(name, same)
    np.testing.assert_array_equal(a.forecast, b.forecast)
    np.testing.assert_array_equal(a.positions, b.positions)


def test_influence_replaces_capability_on_its_issue() -> None:
    # version 1: a median issue without influence, where Pakistan's weight alone decides what the median is
    scenario = load("afghanistan-2025-v1").scenario
    stances = [
        st.model_copy(update={"influence": st.position.model_copy(update={"value": 500.0, "low": None, "high": None})})
        if (st.actor, st.issue) == ("pakistan", "cross_border_strikes")
        else st
        for st in scenario.stances
    ]
    heavy = scenario.model_copy(update={"stances": stances, "schema_version": 2})
    before, after = voice(from_scenario(scenario))[0], voice(from_scenario(heavy))[0]
    k, i = (
        [a.id for a in scenario.actors].index("pakistan"),
        [x.id for x in scenario.issues].index("cross_border_strikes"),
    )
    changed = np.argwhere(before != after)
    assert changed.tolist() == [[k, i]]  # Pakistan's weight on that one issue, nothing else
    assert run("median", heavy).forecast[0, i] == pytest.approx(
        heavy.stance("pakistan", "cross_border_strikes").position.value
    )


def test_forecast_json_names_each_issues_rule(tmp_path: Path) -> None:
    s = toy(tmp_path, "{rule: veto, players: [c]}", SPREAD)
    doc = run("median", s).to_json_dict()
    assert doc["issues"][0]["decision"] == {"rule": "veto", "players": ["c"], "base": "median"}


# --- round 0 ------------------------------------------------------------------------------------------------


def test_round_zero_reports_issues_the_inputs_already_move(tmp_path: Path) -> None:
    s = toy(tmp_path, "median", SPREAD, status_quo=90)  # median 30 against a status quo of 90
    (found,) = round_zero(s)
    assert found.issue == "x" and found.outcome == 30.0 and found.share == pytest.approx(0.6)
    assert "before any bargaining" in found.sentence()
    assert round_zero(toy(tmp_path, "median", SPREAD, status_quo=35)) == []
    assert round_zero(s, threshold=0.7) == []


def test_round_zero_on_the_built_in_scenario() -> None:
    found = {r.issue: r for r in round_zero(load("afghanistan-2025-v1").scenario)}  # version 1, as first published
    assert found["cross_border_strikes"].outcome == 0.0 and found["cross_border_strikes"].status_quo == 45.0
    assert found["ttp_action"].outcome == 60.0


# --- interventions that may fail ---------------------------------------------------------------------------


def lab_scenario(tmp_path: Path, success: str) -> Scenario:
    extra = f"""\
client: a
interventions:
  - id: push
    success: {success}
    changes: [{{target: d.x.position, op: set, value: 10}}]
strategies:
  - {{id: status_quo, interventions: []}}
  - {{id: push, interventions: [push]}}
"""
    stances = SPREAD.replace("position: 10, salience: 0.6}", "position: {value: 10, low: 0, high: 20}, salience: 0.6}")
    return toy(tmp_path, "median", stances, extra=extra)


def lab(tmp_path: Path, scenario: Scenario, name: str):  # type: ignore[no-untyped-def]
    exp = Experiment(
        scenario=scenario, strategies=("status_quo", "push"), client="a", draws=400, seed=1, model="median"
    )
    run_experiment(exp, tmp_path / name)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / name / "shards").sort_by([("strategy", "ascending"), ("draw", "ascending")])
    return table.to_pydict(), summarise(tmp_path / name, ["status_quo", "push"]).to_json_dict()


def test_an_intervention_that_may_fail_is_drawn_per_draw(tmp_path: Path) -> None:
    # one uncertain input and one effect column fit one Philox block, so both runs draw the same input values
    sure, sure_summary = lab(tmp_path, lab_scenario(tmp_path, "1"), "sure")
    half, half_summary = lab(tmp_path, lab_scenario(tmp_path, "0.5"), "half")
    never, _ = lab(tmp_path, lab_scenario(tmp_path, "0"), "never")
    n = 400
    push, sq = slice(0, n), slice(n, 2 * n)  # rows sorted by strategy: push draws 0..399, then status_quo
    assert all(sure["in_effect"]) and not any(never["in_effect"][push])
    assert never["outcome"][push] == never["outcome"][sq]  # a failed intervention leaves the status quo
    assert half["outcome"][sq] == sure["outcome"][sq]
    took = np.array(half["in_effect"][push])
    assert 0.43 < took.mean() < 0.57
    got, certain, status_quo = (np.array(r["outcome"][sl]) for r, sl in ((half, push), (sure, push), (half, sq)))
    np.testing.assert_array_equal(got[took], certain[took])
    np.testing.assert_array_equal(got[~took], status_quo[~took])
    row = next(r for r in half_summary["strategies"] if r["strategy"] == "push")
    assert row["p_in_effect"] == pytest.approx(took.mean())
    assert row["if_in_effect"]["draws"] == int(took.sum())
    assert "p_in_effect" not in next(r for r in sure_summary["strategies"] if r["strategy"] == "push")


def test_an_uncertain_success_probability_is_an_input(tmp_path: Path) -> None:
    from realpolitik.lab.sampling import uncertain_inputs

    s = lab_scenario(tmp_path, "{value: 0.5, low: 0.3, high: 0.7}")
    assert "intervention.push.success" in [i.name for i in uncertain_inputs(s)]
    _, summary = lab(tmp_path, s, "uncertain")
    row = next(r for r in summary["strategies"] if r["strategy"] == "push")
    assert 0.4 < row["p_in_effect"] < 0.6


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status_quo", "message", "line"),
    [
        ("{rule: owner, owner: nobody}", 50, "unknown actor or group 'nobody'", 13),
        ("{rule: veto, players: [c]}", None, "rule 'veto' needs the issue's status_quo", 13),
        ("{rule: qualified_majority, share: 1.5}", 50, "share 1.5 is outside (0, 1]", 13),
        ("{rule: qualified_majority}", 50, "needs share (or blocking)", 13),
        ("{rule: median, owner: a}", 50, "owner does not apply to rule 'median'", 13),
    ],
)
def test_bad_decisions_are_named_by_line_and_field(
    tmp_path: Path, decision: str, status_quo: float | None, message: str, line: int
) -> None:
    text = scenario_text(decision, SPREAD)
    if status_quo is None:
        text = text.replace("    status_quo: 50\n", "")
        line -= 1
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load(path)
    lines = [str(p) for p in info.value.problems]
    assert any(message in p and p.startswith(f"{path}:{line}: issues[0].decision") for p in lines), lines


def test_an_owner_without_a_stance_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        scenario_text(
            "{rule: owner, owner: d}", SPREAD.replace("  - {actor: d, issue: x, position: 90, salience: 0.6}\n", "")
        )
    )
    with pytest.raises(ScenarioError, match="'d' decides 'x' but holds no stance on it"):
        load(path)


def test_influence_and_success_out_of_range_and_version_1_files(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        scenario_text(
            "median", SPREAD.replace("position: 10, salience: 0.6}", "position: 10, salience: 0.6, influence: -1}")
        )
    )
    with pytest.raises(ScenarioError, match=r"bad.yaml:15: stances\[0\].influence: influence -1 is outside"):
        load(path)
    path.write_text(scenario_text("median", SPREAD, extra="interventions:\n  - {id: p, success: 1.2}\n"))
    with pytest.raises(ScenarioError, match=r"interventions\[0\].success: success probability 1.2 is outside \[0, 1\]"):
        load(path)
    path.write_text(scenario_text("{rule: owner, owner: a}", SPREAD).replace("schema_version: 2\n", ""))
    with pytest.raises(ScenarioError, match=r"bad.yaml:12: issues\[0\].decision: decision needs schema_version: 2"):
        load(path)


def test_sources_dated_after_as_of_are_flagged_as_look_ahead() -> None:
    from realpolitik.workflows.diagnostics import earliest_date, look_ahead

    assert str(earliest_date("2025-02")) == "2025-02-01" and earliest_date("n.d.") is None
    flagged = look_ahead(load("afghanistan-2025-v1").scenario)  # version 1 cites two sources dated after as_of
    assert any("'groundzero_2025_rift' is dated 2025-02" in line for line in flagged)
    assert all("look-ahead" in line for line in flagged)
    assert look_ahead(load("ec-emissions-1994").scenario) == []  # no as_of: nothing to compare
