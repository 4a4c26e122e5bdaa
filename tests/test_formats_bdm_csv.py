"""BDM CSV: the header variants of the public BDM codes, the scale rules, and every bad row named by its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.scenario import Scenario, ScenarioError, load
from realpolitik.scenario.formats import bdm_csv
from realpolitik.scenario.formats.bdm_csv import FORMAT
from realpolitik.scenario.validate import build_scenario

EC = """\
Actor,Capability,Position,Salience
Netherlands,0.08,4,0.8
Belgium,0.08,7,0.4
Luxembourg,0.03,4,0.2
France,0.16,10,0.6
"""


def parse(text: str, name: str = "case.csv") -> Scenario:
    data, lines = FORMAT.read(text, name)
    return build_scenario(data, lines, name)


def problems(text: str, name: str = "case.csv") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(text, name)
    return [str(p) for p in info.value.problems]


def round_trip(scenario: Scenario, name: str = "case.csv") -> Scenario:
    return parse(FORMAT.write(scenario), name)


def test_reads_actors_stance_and_scales() -> None:
    s = parse(EC)
    assert [a.id for a in s.actors] == ["Netherlands", "Belgium", "Luxembourg", "France"]
    assert s.actor("France").capability.value == 0.16
    assert s.salience_scale == 1.0
    (issue,) = s.issues
    assert (issue.id, issue.scale.low, issue.scale.high) == ("case", 0.0, 10.0)
    assert "[0, 10]" in (issue.rationale or "")
    assert s.stance("Belgium", "case") is not None
    assert s.stance("Belgium", "case").position.value == 7  # type: ignore[union-attr]
    assert s.origin == "bdm-csv"


@pytest.mark.parametrize(
    ("saliences", "scale"),
    [((0.8, 1.0, 0.2), 1.0), ((80, 100, 20), 100.0), ((0.5, 1, 2), 100.0), ((0, 0, 0), 1.0)],
)
def test_salience_scale_is_detected_and_values_kept(saliences: tuple[float, ...], scale: float) -> None:
    rows = "".join(f"a{i},1,5,{s}\n" for i, s in enumerate(saliences))
    s = parse("Actor,Capability,Position,Salience\n" + rows)
    assert s.salience_scale == scale
    assert [st.salience.value for st in s.stances] == [float(x) for x in saliences]


@pytest.mark.parametrize(
    ("positions", "low", "high"),
    [
        ((0, 1, 0.5), 0, 1),
        ((1, 10, 4), 0, 10),
        ((12.85, 14.25), 0, 100),
        ((0, 250), 0, 250),
        ((-5, 5), -5, 5),
    ],
)
def test_issue_scale_rule(positions: tuple[float, ...], low: float, high: float) -> None:
    rows = "".join(f"a{i},1,{p},0.5\n" for i, p in enumerate(positions))
    (issue,) = parse("Actor,Capability,Position,Salience\n" + rows).issues
    assert (issue.scale.low, issue.scale.high) == (low, high)


def test_header_variants_and_column_order() -> None:
    china = parse("Stakeholder,Resources,Position,Salience\nZeming,80,25,50\nLipeng,90,15,80\n")
    assert [a.name for a in china.actors] == ["Zeming", "Lipeng"]
    assert china.salience_scale == 100.0
    lower = parse("name,capability,position,salience\nJAL,0.24,1,0.7\n")
    assert lower.actors[0].capability.value == 0.24
    reordered = parse(
        "name,position,capabilities,salience,resolve,true_hawk_type,true_retaliatory_type\n"
        "Baibing,15,85,85,1,1,1\nBoyibo,20,75,70,0.6,1,0\n"
    )
    assert reordered.actor("Baibing").capability.value == 85
    assert reordered.stances[0].position.value == 15
    assert reordered.metadata["bdm_csv"] == {
        "extra_columns": ["resolve", "true_hawk_type", "true_retaliatory_type"],
        "extra": {
            "Baibing": {"resolve": 1.0, "true_hawk_type": 1.0, "true_retaliatory_type": 1.0},
            "Boyibo": {"resolve": 0.6, "true_hawk_type": 1.0, "true_retaliatory_type": 0.0},
        },
    }


def test_extra_columns_survive_a_round_trip() -> None:
    s = parse("Actor,Capability,Position,Salience,Flexibility,Veto,Note\nMugabe,338.6,100,95,25,1,hard line\n")
    text = FORMAT.write(s)
    assert text.splitlines()[0] == "Actor,Capability,Position,Salience,Flexibility,Veto,Note"
    assert round_trip(s) == s
    assert s.metadata["bdm_csv"]["extra"]["Mugabe"]["Note"] == "hard line"


def test_names_become_unique_ids_and_stay_as_names() -> None:
    s = parse(
        'Actor,Capability,Position,Salience\n"UKR, Kiev",1,0.2,0.9\nAttorney,1,1,0.8\nAttorney,2,0.5,0.7\n'
        "channel,1,0,0.1\nPlaintiff's Attorneys,1,1,0.8\n"
    )
    assert [a.id for a in s.actors] == ["UKR-Kiev", "Attorney", "Attorney-2", "channel-2", "Plaintiff-s-Attorneys"]
    assert s.actors[0].name == "UKR, Kiev"
    assert round_trip(s) == s


def test_round_trip_of_a_hand_written_case() -> None:
    s = parse(EC)
    assert FORMAT.write(s).splitlines()[:2] == ["Actor,Capability,Position,Salience", "Netherlands,0.08,4,0.8"]
    assert round_trip(s) == s


def test_cr_only_line_endings_and_trailing_commas(tmp_path: Path) -> None:
    path = tmp_path / "china.csv"
    path.write_bytes(b"Stakeholder,Resources,Position,Salience\rZeming,80,25,50,\rLipeng,90,15,80")
    loaded = load(path)
    assert loaded.format == "bdm-csv"
    assert [a.id for a in loaded.scenario.actors] == ["Zeming", "Lipeng"]


def test_bad_rows_are_named_by_line() -> None:
    text = "Actor,Capability,Position,Salience\nA,1,5,0.5\nB,lots,5,0.5\nC,1,5\nD,1,x,\n\nE,1,5,0.5,9\n"
    assert problems(text) == [
        "case.csv:3: actors[1].capability: capability must be a number, got 'lots'",
        "case.csv:4: actors[2]: expected 4 fields (Actor,Capability,Position,Salience), found 3",
        "case.csv:5: actors[3]: expected 4 fields (Actor,Capability,Position,Salience), found 3",
        "case.csv:7: actors[4]: expected 4 fields (Actor,Capability,Position,Salience), found 5",
    ]
    assert problems("Actor,Capability,Position,Salience\nA,1,x,nan\n") == [
        "case.csv:2: stances[0].position: position must be a number, got 'x'",
        "case.csv:2: stances[0].salience: salience must be a number, got 'nan'",
    ]


def test_header_problems() -> None:
    assert problems("Actor,Capability,Position,Salience,Fixed,Position\nA,1,5,0.5,0\n") == [
        "case.csv:1: header: column 'Position' appears twice (columns 3 and 6); which one holds the data?"
    ]
    assert problems("Actor,Position,Salience\nA,5,0.5\n") == [
        "case.csv:1: header: no capability column (header: Actor,Position,Salience)"
    ]
    assert problems("Actor,Capability,Position,Salience\n") == ["case.csv:1: actors: no actor rows after the header"]


def test_validation_problems_point_at_the_row() -> None:
    text = "Actor,Capability,Position,Salience\nA,1,5,50\nB,-2,5,150\n"
    assert problems(text) == [
        "case.csv:3: actors[1].capability: capability -2 is outside [0, inf]",
        "case.csv:3: stances[1].salience: salience 150 is outside [0, 100]",
    ]


def test_export_needs_one_issue_and_every_stance() -> None:
    s = parse(EC)
    two = s.model_copy(update={"issues": [*s.issues, s.issues[0].model_copy(update={"id": "other"})]})
    with pytest.raises(ScenarioError, match="BDM CSV holds one issue; this scenario has 2"):
        FORMAT.write(two)
    partial = s.model_copy(update={"stances": s.stances[1:]})
    with pytest.raises(ScenarioError, match="'Netherlands' has none on 'case'"):
        FORMAT.write(partial)


def test_sniff() -> None:
    assert FORMAT.sniff(EC)
    assert FORMAT.sniff("name,position,capabilities,salience\n")
    assert not FORMAT.sniff("Scenario,desc,3,1\nActor,Description,Power,P1,S1\n")
    assert not FORMAT.sniff("'#A'\t'x'\t'x'\n")
    assert not FORMAT.sniff('"unterminated\n')


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('Actor,Capability,Position,Salience0123456789.-\n"x '), max_size=120))
def test_no_traceback_for_any_text(text: str) -> None:
    try:
        parse(text)
    except ScenarioError as exc:
        assert all(p.file == "case.csv" and p.line is not None for p in exc.problems)


@pytest.mark.reference
def test_real_ec_case_round_trips(shared_data: Path) -> None:
    path = shared_data / "bargaining" / "ec-emissions" / "ExampleActors.csv"
    s = load(path).scenario
    assert len(s.actors) == 10
    assert (s.issues[0].scale.low, s.issues[0].scale.high, s.salience_scale) == (0, 10, 1)
    assert parse(FORMAT.write(s), str(path)) == s
    pct = load(shared_data / "bargaining" / "ec-emissions" / "ExampleActors-salience-pct.csv").scenario
    assert pct.salience_scale == 100
    assert [st.salience.value / 100 for st in pct.stances] == [st.salience.value for st in s.stances]


def test_issue_scale_function_names_its_reason() -> None:
    assert bdm_csv.issue_scale([])[:2] == (0.0, 100.0)
    assert bdm_csv.issue_scale([3.0, 3.0])[:2] == (0.0, 10.0)
    assert bdm_csv.issue_scale([-3.0, -3.0])[:2] == (-3.0, -2.0)
