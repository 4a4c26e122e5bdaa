"""Decide #A/#P/#M/#D files: both the quoted tab style and the older ';' spreadsheets, every bad row by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.scenario import Scenario, ScenarioError, load
from realpolitik.scenario.formats import bdm_csv
from realpolitik.scenario.formats.decide import FORMAT
from realpolitik.scenario.validate import build_scenario

QUOTED = """\
'#A'\t'USA'\t'USA'\t''
'#A'\t'EU (incl Norway)'\t'EU (incl Norway)'\t'with Norway'
'#A'\t'China India'\t'China India'\t''
'#P'\t'Newtreaty'\t'New treaty'\t'new treaty vs Kyoto'
'#M'\t'Newtreaty'\t0
'#M'\t'Newtreaty'\t100
'#P'\t'tol-hoogte'\t'tol-hoogte'\t''
'#M'\t'tol-hoogte'\t0.5
'#M'\t'tol-hoogte'\t7
'#D'\t'USA'\t'Newtreaty'\t10.0\t0.9\t0.26
'#D'\t'USA'\t'tol-hoogte'\t3.0\t0.7\t0.26
'#D'\t'EU (incl Norway)'\t'Newtreaty'\t50.0\t0.4\t0.156
'#D'\t'China India'\t'Newtreaty'\t100.0\t0.9\t0.247
'#D'\t'China India'\t'tol-hoogte'\t7\t0.5\t0.247
"""

LEGACY = """\
#O;CoP21 Paris negotiations;;;;
#/;ID;Full name;;;
#A;China;China;;;
#A;USA;USA;;;
#A;LDC;LDCs represented by Bangladesh;;;
#P;legal;mitigation legal form;;;
#/;Issue ID;position;meaning;;
#M;legal;0;No binding agreement;;
#M;legal;30;Binding agreement without country-specific targets. ;;
#M;legal;100;Binding agreement plus binding. country-specific targets. ;;
#P;ld;loss and damage;;;
;;;;;
#D;China;legal;30;0.9;1;;
#D;USA;legal;30;0.7;1
#D;USA;ld;0;0.8;0.5;insists; really
#D;China;ld;20;0.5;1
"""


def parse(text: str, name: str = "talks.csv") -> Scenario:
    data, lines = FORMAT.read(text, name)
    return build_scenario(data, lines, name)


def problems(text: str, name: str = "talks.csv") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(text, name)
    return [str(p) for p in info.value.problems]


def test_reads_the_quoted_tab_style() -> None:
    s = parse(QUOTED)
    assert (s.id, s.title, s.salience_scale, s.origin) == ("talks", "talks", 1.0, "decide")
    assert [a.id for a in s.actors] == ["USA", "EU-incl-Norway", "China-India"]
    assert s.actor("EU-incl-Norway").name == "EU (incl Norway)"
    assert s.actor("EU-incl-Norway").description == "with Norway"
    treaty = s.issue("Newtreaty")
    assert (treaty.name, treaty.description, treaty.scale.low, treaty.scale.high) == (
        "New treaty",
        "new treaty vs Kyoto",
        0,
        100,
    )
    assert treaty.scale.anchors == []
    assert (s.issue("tol-hoogte").scale.low, s.issue("tol-hoogte").scale.high) == (0.5, 7)
    assert s.actor("China-India").capability.value == 0.247
    assert s.stance("USA", "tol-hoogte").position.value == 3  # type: ignore[union-attr]
    assert "decide" not in s.metadata


def test_reads_the_legacy_semicolon_style() -> None:
    s = parse(LEGACY)
    assert s.title == "CoP21 Paris negotiations"
    assert s.metadata["decide"]["comments"] == ["ID Full name", "Issue ID position meaning"]
    legal = s.issue("legal")
    assert [(a.value, a.label) for a in legal.scale.anchors] == [
        (0, "No binding agreement"),
        (30, "Binding agreement without country-specific targets."),
        (100, "Binding agreement plus binding. country-specific targets."),
    ]
    assert (s.issue("ld").scale.low, s.issue("ld").scale.high) == (0, 100)  # no #M: Decide's default
    assert s.stance("USA", "ld").rationale == "insists really"  # type: ignore[union-attr]  # extra fields joined
    assert s.actor("LDC").capability.value == 0  # no #D rows
    assert "no #D rows" in (s.actor("LDC").rationale or "")


def test_power_that_varies_by_issue_is_kept() -> None:
    s = parse(LEGACY)
    usa = s.actor("USA")
    assert usa.capability.value == 0.75
    assert "0.5 to 1" in (usa.rationale or "")
    assert s.metadata["decide"]["power"] == {"USA": {"legal": 1.0, "ld": 0.5}}
    assert s.actor("China").capability.value == 1.0
    written = FORMAT.write(s)
    assert "'#D'\t'USA'\t'ld'\t0.0\t0.8\t0.5\t'insists really'" in written.splitlines()
    assert parse(written) == s


def test_round_trips() -> None:
    for text in (QUOTED, LEGACY):
        s = parse(text)
        assert parse(FORMAT.write(s)) == s


def test_export_rescales_to_decides_unit_intervals() -> None:
    bdm = bdm_csv.FORMAT.read("Actor,Capability,Position,Salience\nA,200,4,80\nB,50,10,20\n", "ec.csv")
    scenario = build_scenario(*bdm, "ec.csv")
    text = FORMAT.write(scenario)
    assert "'#/'\t'powers are capabilities divided by the largest, 200'" in text
    out = parse(text)
    assert [(a.id, a.capability.value) for a in out.actors] == [("A", 1.0), ("B", 0.25)]
    assert [st.salience.value for st in out.stances] == [0.8, 0.2]
    assert (out.issues[0].scale.low, out.issues[0].scale.high) == (0, 10)


def test_bad_rows_are_named_by_line() -> None:
    text = """\
#A;USA;USA
#A;USA;United States
#A
#P;legal;legal
#P;ld;ld
#M;legal;zero
#M;climate;0
#M;legal;0
#M;legal;100
#D;USA;legal;120;0.5;1
#D;USA;ld;20;1.5;-1
#D;EU;money;20;0.5;1
#D;USA;legal;x;0.5
#X;what
"""
    assert problems(text) == [
        "talks.csv:2: actors[1].id: #A key 'USA' is defined twice (first on line 1)",
        "talks.csv:3: actors[1]: #A needs key; found 0 field(s) after #A",
        "talks.csv:6: issues[0].scale: the #M value must be a number, got 'zero'",
        "talks.csv:7: issues: #M names issue 'climate', which no #P row defines",
        "talks.csv:10: stances[0].position: position 120 is outside the issue's interval [0, 100]",
        "talks.csv:11: stances[1].salience: salience 1.5 is outside [0, 1]",
        "talks.csv:11: stances[1].power: power -1 is outside [0, 1]",
        "talks.csv:12: stances[2].actor: #D names actor 'EU', which no #A row defines",
        "talks.csv:12: stances[2].issue: #D names issue 'money', which no #P row defines",
        "talks.csv:13: stances[2]: #D needs actor, issue, position, salience, power; found 4 field(s) after #D",
        "talks.csv:14: (document): unknown record type '#X': a Decide row starts with #A, #P, #M, #D, #O or #/",
    ]


def test_duplicate_stance_and_degenerate_scale() -> None:
    text = "#A;A;A\n#P;p;p\n#M;p;5\n#D;A;p;5;0.5;1\n#D;A;p;5;0.6;1\n"
    assert problems(text) == ["talks.csv:5: stances[1]: a second #D row for 'A' on 'p' (first on line 4)"]
    assert problems("#A;A;A\n#P;p;p\n#M;p;5\n#D;A;p;5;0.5;1\n") == [
        "talks.csv:3: issues[0].scale: scale low (5) must be below high (5)"
    ]
    assert problems("#/;nothing here\n") == [
        "talks.csv:1: actors: no #A rows: a Decide file defines its actors with #A",
        "talks.csv:1: issues: no #P rows: a Decide file defines its issues with #P",
    ]


def test_sniff() -> None:
    assert FORMAT.sniff(QUOTED)
    assert FORMAT.sniff(LEGACY)
    assert FORMAT.sniff("#O\tCopenhagen\n#A\tUSA\tUSA\n")
    assert not FORMAT.sniff("Actor,Capability,Position,Salience\n")
    assert not FORMAT.sniff("USA;eaa;China;financevol;2.19072;100\n")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("#APMDO/;\t'ab01.-\n"), max_size=150))
def test_no_traceback_for_any_text(text: str) -> None:
    try:
        parse(text)
    except ScenarioError as exc:
        assert all(p.line is not None for p in exc.problems)


@pytest.mark.reference
def test_copenhagen_round_trips_and_matches_the_legacy_copy(shared_data: Path) -> None:
    decide = shared_data / "bargaining" / "decide"
    s = load(decide / "input" / "copenhagen.csv").scenario
    assert (len(s.actors), len(s.issues), len(s.stances)) == (11, 7, 75)
    assert s.actor("USA").capability.value == 0.26
    assert parse(FORMAT.write(s), str(decide / "input" / "copenhagen.csv")) == s
    legacy = load(decide / "legacy" / "kopenhagen.csv").scenario
    assert legacy.title == "Copenhagen negotiations"
    assert {(st.actor, st.issue, st.position.value) for st in legacy.stances} >= {("USA", "Newtreaty", 10.0)}


@pytest.mark.reference
def test_copenhagen_with_errors_is_rejected_at_the_broken_rows(shared_data: Path) -> None:
    """The copy differs from legacy/kopenhagen.csv in two rows: Russia's Control position 60 -> 160 (line 86)
    and China India's Control power 0.247 -> -0.247 (line 87)."""
    path = shared_data / "bargaining" / "decide" / "input" / "copenhagen_with_errors.csv"
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert [(p.line, p.loc[-1], p.message) for p in info.value.problems] == [
        (86, "position", "position 160 is outside the issue's interval [0, 100]"),
        (87, "power", "power -0.247 is outside [0, 1]"),
    ]
