"""The procedural model on DEU III: the treaty-era rule, the Council's win set, the Commission's proposal and the
Parliament's veto on hand-made issues, its place in the backtest (scope, paired difference on the same issues),
then the real data (docs/backtest.md, "A procedural model")."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from realpolitik.backtest import PROCEDURAL, read_deu3, run_backtest
from realpolitik.backtest import procedural as proc
from realpolitik.backtest.procedural import CouncilRule, Quota, council_rule, procedural_outcome
from realpolitik.cli import app

# ---------------------------------------------------------------------------------------------------------------
# the treaty era of a proposal


@pytest.mark.parametrize(
    ("proposal", "year", "era"),
    [
        ("d95341", 1995, "amsterdam"),
        ("n99192", 1999, "amsterdam"),
        ("d00032", 2000, "amsterdam"),
        ("n0062B", 2000, "amsterdam"),  # a letter after the digits: still the year 2000
        ("n03318", 2003, "nice"),
        ("a04163", 2004, "nice"),
        ("d07297", 2007, "nice"),
        ("n08143", 2008, "nice"),
        ("d120193", 2012, "lisbon"),  # six digits: year 12, number 0193
        ("d180104", 2018, "lisbon"),
    ],
)
def test_the_era_comes_from_the_year_in_the_proposal_id(proposal: str, year: int, era: str) -> None:
    assert proc.proposal_year(proposal) == year
    assert proc.treaty_era(year) == era


def test_era_cut_offs_and_a_bad_id() -> None:
    assert [proc.treaty_era(y) for y in (2002, 2003, 2011, 2012)] == ["amsterdam", "nice", "nice", "lisbon"]
    with pytest.raises(ValueError, match="no year"):
        proc.proposal_year("x-1")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("26-01-00", date(2000, 1, 26)),  # dd-mm-yy
        ("11-07-2012", date(2012, 7, 11)),  # dd-mm-yyyy
        ("1930-05-01", date(2001, 5, 30)),  # a two-digit day read as a year: 30 May 2001
        ("2024-07-08", date(2008, 7, 24)),
        ("2017-04-18", date(2018, 4, 17)),
        ("999", None),
        ("nan", None),
        ("", None),
        ("31-02-01", None),  # no such day
    ],
)
def test_deu3_dates_decode_or_are_unusable(text: str, day: date | None) -> None:
    assert proc.decode_date(text) == day


def test_era_of_a_decision_date() -> None:
    days = (date(2004, 10, 31), date(2004, 11, 1), date(2014, 10, 31), date(2014, 11, 1))
    assert [proc.era_of_date(d) for d in days] == ["amsterdam", "nice", "nice", "lisbon"]


# ---------------------------------------------------------------------------------------------------------------
# the Council, the Commission, the Parliament: hand-made issues

FIVE = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
QMV = CouncilRule((Quota(np.ones(5), 0.7),))  # 4 of 5 equal members
UNANIMITY = CouncilRule((Quota(np.ones(5), 1.0),))


def test_qmv_win_set_and_the_commission_proposal() -> None:
    # from below, four members are reached at 40; from above, at 20: gridlock between 20 and 40
    assert QMV.pivots(FIVE) == (40.0, 20.0)
    # q = 80: a move down to y passes when the four members below (y + 80) / 2 want it: y >= 0
    assert QMV.win_set(FIVE, 80.0) == (0.0, 80.0)
    # the Commission at 0 gets the lowest point the Council cannot unanimously amend: its lowest member, 10
    assert procedural_outcome(80.0, FIVE, QMV, 0.0) == 10.0
    assert procedural_outcome(80.0, FIVE, QMV, 0.0, amend=False) == 0.0
    assert procedural_outcome(80.0, FIVE, QMV, 25.0) == 25.0  # its own ideal is adoptable
    # a Commission beyond q prefers the status quo to anything the Council would adopt: no proposal
    assert procedural_outcome(80.0, FIVE, QMV, 90.0) == 80.0
    # q inside the gridlock interval: nothing passes, whatever the Commission wants
    assert QMV.win_set(FIVE, 30.0) == (30.0, 30.0)
    assert procedural_outcome(30.0, FIVE, QMV, 0.0) == 30.0
    # no Commission position coded: no proposal
    assert procedural_outcome(80.0, FIVE, QMV, math.nan) == 80.0


def test_unanimity_needs_every_member() -> None:
    assert UNANIMITY.pivots(FIVE) == (50.0, 10.0)
    # q = 80: the member at 50 accepts down to 20; everyone else further
    assert UNANIMITY.win_set(FIVE, 80.0) == (20.0, 80.0)
    assert procedural_outcome(80.0, FIVE, UNANIMITY, 0.0) == 20.0
    assert procedural_outcome(45.0, FIVE, UNANIMITY, 0.0) == 45.0  # the member at 50 blocks any move down


def test_codecision_makes_the_parliament_a_veto_player() -> None:
    # the Parliament at 60 accepts only points no farther from it than q = 80: [40, 80]
    assert procedural_outcome(80.0, FIVE, QMV, 0.0, 60.0) == 40.0
    assert procedural_outcome(80.0, FIVE, UNANIMITY, 0.0, 60.0) == 40.0
    # the Parliament at q: it accepts nothing else
    assert procedural_outcome(80.0, FIVE, QMV, 0.0, 80.0) == 80.0
    # a Parliament beyond q wants more than the Council gives: no common point but q
    assert procedural_outcome(80.0, FIVE, QMV, 0.0, 95.0) == 80.0
    # no Parliament position coded: no veto constraint
    assert procedural_outcome(80.0, FIVE, QMV, 0.0, math.nan) == 10.0


def test_amsterdam_weights_and_the_ten_member_quota() -> None:
    members = ["de", "fr", "it", "uk", "es", "nl", "el", "be", "pt", "at", "se", "dk", "fi", "ie", "lu"]
    x = np.array([0.0] * 8 + [100.0] * 7)  # the big four, Spain and three 5-vote states (63 votes) at 0
    qmv = council_rule("amsterdam", "QMV", members)
    assert sum(qmv.quotas[0].weights) == 87 and qmv.quotas[0].share == pytest.approx(62 / 87)
    assert procedural_outcome(100.0, x, qmv, 0.0) == 0.0  # 63 of 87 votes: a qualified majority
    # not on a Commission proposal: 62 votes cast by at least 10 members; 8 are not enough
    assert procedural_outcome(100.0, x, council_rule("amsterdam", "QMV(10)", members), 0.0) == 100.0
    assert procedural_outcome(100.0, x, council_rule("amsterdam", "Unan", members), 0.0) == 100.0


def test_nice_quota_follows_the_coded_council() -> None:
    members = ["de", "fr", "pl"]
    assert council_rule("nice", "QMV", members).quotas[0].share == pytest.approx(232 / 321)
    assert council_rule("nice", "QMV", members, {"ro"}).quotas[0].share == pytest.approx(255 / 345)
    assert council_rule("nice", "QMV", members, {"cr"}).quotas[0].share == pytest.approx(260 / 352)
    assert council_rule("nice", "QMV", members).quotas[1].share == pytest.approx(2 / 3)  # a majority of 3: 2
    assert sum(proc.NICE_VOTES[m] for m in proc.NICE_VOTES if m != "cr") == 345
    assert sum(proc.NICE_VOTES.values()) == 352
    assert sum(proc.AMSTERDAM_VOTES.values()) == 87
    with pytest.raises(ValueError, match="no Council vote weight for pl in the amsterdam era"):
        council_rule("amsterdam", "QMV", members)
    with pytest.raises(ValueError, match="unknown Council voting rule"):
        council_rule("nice", "majority", members)


def test_lisbon_double_majority_and_the_blocking_minority() -> None:
    members = list(proc.LISBON_POPULATION)  # all 28, largest population first
    assert sum(proc.LISBON_POPULATION.values()) == pytest.approx(100.0, abs=0.02)
    rule = council_rule("lisbon", "QMV", members)
    # the three largest states (41.7 % of the population) against, 25 states (58.3 %) for a move down to 0:
    # short of 65 %, but a blocking minority needs four members, so the act is adopted
    three = np.array([100.0] * 3 + [0.0] * 25)
    assert procedural_outcome(100.0, three, rule, 0.0) == 0.0
    # the four largest against: a blocking minority
    four = np.array([100.0] * 4 + [0.0] * 24)
    assert procedural_outcome(100.0, four, rule, 0.0) == 100.0
    # the four smallest against (0.6 % of the population): 24 members with 99.4 % adopt it
    small = np.array([0.0] * 24 + [100.0] * 4)
    assert procedural_outcome(100.0, small, rule, 0.0) == 0.0
    # the sixteen smallest states (57 % of the members, 14 % of the population) cannot adopt it
    sixteen = np.array([100.0] * 12 + [0.0] * 16)
    assert procedural_outcome(100.0, sixteen, rule, 0.0) == 100.0


# ---------------------------------------------------------------------------------------------------------------
# in the backtest: a hand-made file in the DEU III layout

ACTORS = ["com", "ep", "de", "fr", "uk", "es", "lu"]
COUNCIL = (0, 20, 40, 60, 100)  # de, fr, uk, es, lu

# proposal, issue, rule, procedure, positions (com, ep, council), rp, out
ISSUES: list[tuple[Any, ...]] = [
    ("d99001", "d99001i1", "QMV", "CNS", (0, 50, *COUNCIL), 70, 20),
    ("d99001", "d99001i2", "QMV", "COD", (0, 50, *COUNCIL), 70, 30),
    ("d99001", "d99001i3", "Unan", "CNS", (0, 50, *COUNCIL), 70, 50),
    ("d99001", "d99001i4", "QMV", "COD", (0, 50, *COUNCIL), "", 40),  # no reference point: out of scope
    ("d16002", "d16002i1", "QMV", "COD", (0, 50, *COUNCIL), 70, 35),
]
# Amsterdam weights of the coded members 10, 10, 10, 8, 2 (40); 62/87 of 40 is reached from below at uk (40) and
# from above at fr (20). q = 70, the Commission at 0: i1 (consultation) the Council accepts down to 10 -> 10;
# i2 (co-decision) the Parliament at 50 accepts down to 30 -> 30; i3 (unanimity) lu at 100 blocks -> 70.
# Lisbon (i5): 3 of 5 members and 65 % of their population (50.93 %) are reached from below at uk (40), from
# above at fr (20), as in the Amsterdam era; co-decision -> 30.
EXPECTED = [10.0, 30.0, 70.0, math.nan, 30.0]


def write_file(path: Path, issues: list[tuple[Any, ...]] = ISSUES, procedure: bool = True) -> Path:
    header = ["prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "counvte"] + (["proc"] if procedure else [])
    header += [f"p{a}" for a in ACTORS] + [f"s{a}" for a in ACTORS] + ["rp", "out"]
    lines = ["\t".join(f'"{h}"' for h in header)]
    blank = [""] * (6 + procedure)
    lines.append("\t".join([*blank, *["1"] * len(ACTORS), *[""] * (len(ACTORS) + 2)]))
    for k, (prop, issue, rule, code, x, rp, out) in enumerate(issues):
        cells = [1, k + 1, prop, "name", issue, rule] + ([code] if procedure else [])
        cells += [*x, *[50] * len(ACTORS), rp, out]
        lines.append("\t".join(str(c) for c in cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def procedural_file(tmp_path: Path) -> Path:
    return write_file(tmp_path / "deu3.csv")


def test_the_backtest_scores_the_procedural_model_on_issues_with_a_reference_point(procedural_file: Path) -> None:
    data = read_deu3(procedural_file)
    assert data.procedure == ("CNS", "COD", "CNS", "COD", "COD")
    result = run_backtest(procedural_file, ["compromise", PROCEDURAL], n_boot=50)
    score = result.models[PROCEDURAL]
    np.testing.assert_array_equal(score.predictions, EXPECTED)
    assert score.n == 4 and not score.errors  # out of scope is not a failure
    assert score.mae == pytest.approx((10 + 0 + 20 + 5) / 4)
    # the compromise model on exactly the same four issues, and the paired difference over them
    comp = result.models["compromise"].predictions
    same = np.isfinite(score.predictions)
    base_mae = float(np.abs(comp - result.outcome)[same].mean())
    assert score.scope["compromise_mae_same_issues"] == pytest.approx(base_mae)
    diff = score.diff_vs_baseline
    assert diff is not None and diff.n == 4 and diff.mean == pytest.approx(score.mae - base_mae)
    assert score.scope["n_in_scope"] == 4 and score.scope["n_out_of_scope"] == 1
    assert score.scope["eras"] == {"amsterdam": 3, "lisbon": 1}
    doc = result.to_json_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["models"][PROCEDURAL]["n"] == 4 and doc["models"][PROCEDURAL]["diff_vs_compromise"]["n"] == 4
    assert "scope" not in doc["models"]["compromise"]


def test_the_procedural_model_is_in_the_default_set_only_where_the_file_codes_the_procedure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realpolitik.backtest import core
    from realpolitik.models.registry import get_model

    monkeypatch.setattr(core, "available_models", lambda: {"compromise": get_model("compromise")})
    with_procedure = run_backtest(write_file(tmp_path / "a.csv"), n_boot=10)
    assert list(with_procedure.models) == ["compromise", PROCEDURAL]
    without = write_file(tmp_path / "b.csv", procedure=False)
    assert list(run_backtest(without, n_boot=10).models) == ["compromise"]
    with pytest.raises(ValueError, match="needs the columns counvte and proc"):
        run_backtest(without, [PROCEDURAL], n_boot=10)


def test_a_bad_rule_fails_only_its_issue(tmp_path: Path) -> None:
    issues = [*ISSUES[:2], ("d99001", "d99001i9", "Majority", "CNS", (0, 50, *COUNCIL), 70, 20)]
    score = run_backtest(write_file(tmp_path / "f.csv", issues), [PROCEDURAL], n_boot=10).models[PROCEDURAL]
    assert score.n == 2 and list(score.errors) == ["d99001i9"]
    assert "unknown Council voting rule" in score.errors["d99001i9"]


def test_cross_validation_scores_the_procedural_model_out_of_fold(procedural_file: Path) -> None:
    # no fitted parameters: its out-of-fold forecasts are the full-sample ones; intervals calibrate on other folds
    result = run_backtest(procedural_file, ["compromise", PROCEDURAL], n_boot=20, cv="proposal", folds=2)
    score = result.models[PROCEDURAL]
    np.testing.assert_array_equal(score.predictions, EXPECTED)
    assert score.n == 4 and score.diff_vs_baseline is not None and score.diff_vs_baseline.n == 4
    assert set(score.intervals) == {"50", "80", "95"} and score.scope["n_in_scope"] == 4


def test_cli_json_and_table_include_the_procedural_model(procedural_file: Path) -> None:
    runner = CliRunner()
    args = ["backtest", str(procedural_file), "-m", "compromise", "-m", PROCEDURAL, "--n-boot", "100"]
    done = runner.invoke(app, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    entry = json.loads(done.output)["models"][PROCEDURAL]
    assert entry["n"] == 4 and entry["diff_vs_compromise"]["n"] == 4 and len(entry["mae_ci"]) == 2
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "procedural" in table.output and "same 4 issues" in table.output


# ---------------------------------------------------------------------------------------------------------------
# the real DEU III data


@pytest.fixture(scope="module")
def deu3_real(shared_data: Path) -> Path:
    path = shared_data / "bargaining" / "deu3" / "deu3.csv"
    if not path.is_file():
        pytest.skip(f"DEU III not found at {path}")
    return path


@pytest.mark.reference
def test_deu3_era_rule_agrees_with_every_decodable_date(deu3_real: Path) -> None:
    """The id year gives the era; the final-act dates that decode (129 of 141 proposals; the others read 999) all
    fall in that era, and the introduction dates agree with the id year but for one proposal (d95341, introduced
    February 1996)."""
    import pandas as pd

    df = pd.read_csv(deu3_real, sep="\t", dtype=str)
    first = df[df["isnr"].notna()].groupby("prnr").first()
    decided = {p: proc.decode_date(s) for p, s in first["finact"].items()}
    dated = {p: d for p, d in decided.items() if d is not None}
    assert len(first) == 141 and len(dated) == 129
    assert all(proc.era_of_date(d) == proc.treaty_era(proc.proposal_year(p)) for p, d in dated.items())
    introduced = {p: proc.decode_date(s) for p, s in first["intro"].items()}
    assert all(d is not None for d in introduced.values())
    off = [p for p, d in introduced.items() if d is not None and d.year != proc.proposal_year(p)]
    assert off == ["d95341"]


@pytest.mark.reference
def test_deu3_procedural_model_against_compromise_on_the_same_issues(deu3_real: Path) -> None:
    """The figures of docs/backtest.md (seed 0, 2000 proposal replicates)."""
    result = run_backtest(deu3_real, ["compromise", PROCEDURAL])
    score = result.models[PROCEDURAL]
    assert score.n == 253 and not score.errors
    assert score.scope["eras"] == {"amsterdam": 130, "nice": 106, "lisbon": 17}
    assert score.scope["no_commission_position"] == 5 and score.scope["no_parliament_position_codecision"] == 8
    assert score.mae == pytest.approx(37.34, abs=0.005)
    assert score.mae_ci == pytest.approx((33.14, 41.57), abs=0.005)
    assert score.scope["compromise_mae_same_issues"] == pytest.approx(23.82, abs=0.005)
    assert score.scope["compromise_mae_ci_same_issues"] == pytest.approx([21.29, 26.29], abs=0.005)
    diff = score.diff_vs_baseline
    assert diff is not None and diff.n == 253
    assert diff.mean == pytest.approx(13.52, abs=0.005) and diff.ci == pytest.approx((8.92, 18.03), abs=0.005)
    assert score.seconds < 1.0
