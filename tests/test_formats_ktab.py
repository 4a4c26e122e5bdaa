"""KTAB SMP inputs: the CSV table (counts checked against rows) and the XML scenario (checked against the XSD)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realpolitik.scenario import Estimate, Scenario, ScenarioError, load
from realpolitik.scenario.formats import ScenarioFormat, bdm_csv
from realpolitik.scenario.formats.ktab import CSV_FORMAT, XML_FORMAT
from realpolitik.scenario.validate import build_scenario

CSV = """\
Toy 2Dim ,"A toy, two dimensions",3,2,
Actor,Description,Influence,Policy Position,Policy Salience,Competitive Position,Competitive Salience,
XJ,Xi Jinping,          100.0,30,24.0,20,48.0,
LK,Li Keqiang,           60.2,45,44.7,65,41.3,
WY,CNOOC - Wang Yilin,   40.0,15,49.0,60,46.0,
"""

XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<Scenario xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="smpSchema.xsd">
  <name>Toy</name>
  <desc>Three actors, two dimensions</desc>
  <prngSeed>00012345</prngSeed>
  <ModelParameters>
    <VictoryProbModel>Linear</VictoryProbModel>
    <PCEModel>MarkovIncentive</PCEModel>
    <StateTransitions>Stochastic</StateTransitions>
    <VotingRule>PropCbc</VotingRule>
    <BigRAdjust>OneThird</BigRAdjust>
    <BigRRange>Mid</BigRRange>
    <ThirdPartyCommit>SemiCommit</ThirdPartyCommit>
    <InterVecBrgn>S2P2</InterVecBrgn>
    <BargnModel>InitOnlyInterp</BargnModel>
  </ModelParameters>
  <Dimensions>
    <dName>First Dim</dName>
    <dName>Second</dName>
  </Dimensions>
  <Actors>
    <Actor>
      <name>Alice</name>
      <description>first</description>
      <capability>117.7</capability>
      <Position>
        <dCoord>52.8</dCoord>
        <dCoord>39.8</dCoord>
      </Position>
      <Salience>
        <dSal>32.3</dSal>
        <dSal>22.4</dSal>
      </Salience>
    </Actor>
    <Actor>
      <name>Bob</name>
      <description></description>
      <capability>93.2</capability>
      <Position><dCoord>15.9</dCoord><dCoord>61.4</dCoord></Position>
      <Salience><dSal>25.2</dSal><dSal>34.5</dSal></Salience>
    </Actor>
    <Actor>
      <name>Carol</name>
      <description>third</description>
      <capability>61.4</capability>
      <Position><dCoord>61.1</dCoord><dCoord>86.5</dCoord></Position>
      <Salience><dSal>28.8</dSal><dSal>28.6</dSal></Salience>
    </Actor>
  </Actors>
  <IdealAdjustment>
    <iaPair>
      <adjustingIdeal>Bob</adjustingIdeal>
      <referencePos>Alice</referencePos>
      <adjust>0.07</adjust>
    </iaPair>
  </IdealAdjustment>
</Scenario>
"""


def parse(fmt: ScenarioFormat, text: str, name: str) -> Scenario:
    data, lines = fmt.read(text, name)
    return build_scenario(data, lines, name)


def problems(fmt: ScenarioFormat, text: str, name: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(fmt, text, name)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- CSV


def test_csv_reads_dimensions_as_issues() -> None:
    s = parse(CSV_FORMAT, CSV, "toy.csv")
    assert (s.id, s.title, s.description) == ("toy", "Toy 2Dim", "A toy, two dimensions")
    assert [i.id for i in s.issues] == ["Policy-Position", "Competitive-Position"]
    assert [i.name for i in s.issues] == ["Policy Position", "Competitive Position"]
    assert all((i.scale.low, i.scale.high) == (0, 100) for i in s.issues)
    assert s.salience_scale == 100
    assert [(a.id, a.description, a.capability.value) for a in s.actors][2] == ("WY", "CNOOC - Wang Yilin", 40.0)
    assert s.stance("LK", "Competitive-Position").salience.value == 41.3  # type: ignore[union-attr]
    assert s.metadata["ktab"] == {
        "power_label": "Influence",
        "salience_labels": ["Policy Salience", "Competitive Salience"],
    }


def test_csv_round_trip() -> None:
    s = parse(CSV_FORMAT, CSV, "toy.csv")
    text = CSV_FORMAT.write(s)
    assert text.splitlines()[1] == (
        "Actor,Description,Influence,Policy Position,Policy Salience,Competitive Position,Competitive Salience"
    )
    assert parse(CSV_FORMAT, text, "toy.csv") == s


def test_csv_counts_must_match() -> None:
    assert problems(CSV_FORMAT, CSV.replace(",3,2,", ",4,2,", 1), "toy.csv") == [
        "toy.csv:1: nActors: row 1 says nActors = 4 but the file has 3 actor rows (lines 3-5)"
    ]
    assert problems(CSV_FORMAT, CSV.replace(",3,2,", ",3,3,", 1), "toy.csv") == [
        "toy.csv:2: issues: row 1 says nDims = 3, so the header needs 9 columns (Actor, Description, Power, then a"
        " position and a salience per dimension); it has 7"
    ]
    assert problems(CSV_FORMAT, CSV.replace(",3,2,", ",three,2.5,", 1), "toy.csv") == [
        "toy.csv:1: nActors: nActors must be a number, got 'three'",
        "toy.csv:1: nDims: nDims must be a whole number of at least 1, got '2.5'",
    ]


def test_csv_row_problems_name_their_line() -> None:
    text = CSV.replace("60.2,45,44.7", "60.2,45").replace("40.0,15,49.0", "forty,15,70")
    assert problems(CSV_FORMAT, text, "toy.csv") == [
        "toy.csv:4: actors[1]: expected 7 fields (Actor, Description, Influence, Policy Position, Policy Salience,"
        " Competitive Position, Competitive Salience), found 6",
        "toy.csv:5: actors[2].capability: Influence must be a number, got 'forty'",
        "toy.csv:5: actors[2]: saliences sum to 116; KTAB allows an actor at most 100 in all",
    ]
    assert problems(CSV_FORMAT, CSV.replace("30,24.0", "130,24.0"), "toy.csv") == [
        "toy.csv:3: stances[0].position: position 130 is outside [0, 100]"
    ]


def test_csv_export_converts_scales_to_ktab() -> None:
    s = bdm_csv.FORMAT.read("Actor,Capability,Position,Salience\nA,1,4,0.8\nB,2,10,0.2\n", "ec.csv")
    scenario = build_scenario(*s, "ec.csv")
    out = parse(CSV_FORMAT, CSV_FORMAT.write(scenario), "ec.csv")
    assert [(st.position.value, st.salience.value) for st in out.stances] == [(40, 80), (100, 20)]


def test_csv_sniff() -> None:
    assert CSV_FORMAT.sniff(CSV)
    assert CSV_FORMAT.sniff("XYZ,  XYZ Issue,  40,  1,  \nActor,  Description,  Influence,  P,  S\n")
    assert not CSV_FORMAT.sniff("Actor,Capability,Position,Salience\nA,1,2,3\n")


# --------------------------------------------------------------------------- XML


def test_xml_reads_parameters_seed_and_adjustments() -> None:
    s = parse(XML_FORMAT, XML, "toy.xml")
    assert (s.title, s.description, s.salience_scale) == ("Toy", "Three actors, two dimensions", 100)
    assert [i.id for i in s.issues] == ["First-Dim", "Second"]
    assert [a.id for a in s.actors] == ["Alice", "Bob", "Carol"]
    assert s.actor("Bob").description == ""
    assert s.stance("Alice", "First-Dim").position.value == 52.8  # type: ignore[union-attr]
    ktab = s.metadata["ktab"]
    assert ktab["prng_seed"] == "00012345"
    assert ktab["model_parameters"]["VotingRule"] == "PropCbc"
    assert len(ktab["model_parameters"]) == 9
    assert ktab["ideal_adjustment"] == [{"adjusting": "Bob", "reference": "Alice", "adjust": 0.07}]


def test_xml_round_trip() -> None:
    s = parse(XML_FORMAT, XML, "toy.xml")
    assert parse(XML_FORMAT, XML_FORMAT.write(s), "toy.xml") == s
    tiny = s.model_copy(
        update={"actors": [s.actors[0].model_copy(update={"capability": Estimate(value=1e-7)}), *s.actors[1:]]}
    )
    assert "<capability>0.0000001</capability>" in XML_FORMAT.write(tiny)


def test_xml_empty_dcoord_is_a_problem_on_its_line() -> None:
    text = XML.replace("<dCoord>52.8</dCoord>", "<dCoord></dCoord>")
    assert problems(XML_FORMAT, text, "toy.xml") == [
        "toy.xml:27: stances[0].position: <dCoord> is empty; the schema needs a decimal number here"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "<VotingRule>PropCbc",
            "<VotingRule>Plurality",
            "toy.xml:10: metadata.ktab.model_parameters.VotingRule: "
            "VotingRule must be one of Binary, PropBin, Proportional, PropCbc, Cubic, ASymProsp; got 'Plurality'",
        ),
        ("<dCoord>39.8</dCoord>", "", "toy.xml:26: actors[0]: <Position> has 1 <dCoord> but there are 2 dimensions"),
        (
            "<dSal>22.4</dSal>",
            "<dSal>1e1</dSal>",
            "toy.xml:32: stances[1].salience: <dSal> must be a decimal number, got '1e1'",
        ),
        (
            "<capability>117.7",
            "<capability>1117.7",
            "toy.xml:25: actors[0].capability: <capability> 1117.7 is outside [0, 1000]",
        ),
        (
            "<prngSeed>00012345",
            "<prngSeed>-1",
            "toy.xml:5: metadata.ktab.prng_seed: prngSeed must be an unsigned 64-bit integer, got '-1'",
        ),
        (
            "<referencePos>Alice",
            "<referencePos>Zed",
            "toy.xml:53: metadata.ktab.ideal_adjustment[0]: <referencePos> names unknown actor 'Zed'",
        ),
        ("<desc>", "<colour>red</colour><desc>", "toy.xml:4: (document): unknown element <colour> in <Scenario>"),
        (
            "  <Dimensions>",
            "  <Dimensions><dName>x</dName></Dimensions>\n  <Dimensions>",
            "toy.xml:18: (document): <Dimensions> is given twice in <Scenario>",
        ),
        (
            "<BargnModel>InitOnlyInterp</BargnModel>",
            "",
            "toy.xml:6: metadata.ktab.model_parameters: <ModelParameters> needs a <BargnModel>",
        ),
        ("<name>Alice</name>", "", "toy.xml:22: actors[0]: <Actor> needs a <name>"),
        ("<Actors>", "<Actors><Bogus/>", "toy.xml:21: actors: unknown element <Bogus> in <Actors>"),
        ("</Actors>", "</Actor>", "toy.xml:49: (document): not well-formed XML: mismatched tag"),
    ],
)
def test_xml_schema_problems(old: str, new: str, expected: str) -> None:
    text = XML.replace(old, new, 1)
    assert expected in problems(XML_FORMAT, text, "toy.xml")


def test_xml_needs_three_actors_and_no_doctype() -> None:
    start, end = XML.index("    <Actor>\n      <name>Bob"), XML.index("  </Actors>")
    assert "toy.xml:21: actors: the schema needs at least 3 actors, found 1" in problems(
        XML_FORMAT, XML[:start] + XML[end:], "toy.xml"
    )
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<Scenario/>'
    assert problems(XML_FORMAT, bomb, "toy.xml") == ["toy.xml:2: (document): DOCTYPE declarations are not allowed"]
    assert problems(XML_FORMAT, "<Other/>", "toy.xml") == [
        "toy.xml:1: (document): the root element must be <Scenario>, not <Other>"
    ]


def test_xml_export_limits() -> None:
    s = parse(XML_FORMAT, XML, "toy.xml")
    big = s.model_copy(
        update={"actors": [s.actors[0].model_copy(update={"capability": Estimate(value=5000)}), *s.actors[1:]]}
    )
    with pytest.raises(ScenarioError, match=r"KTAB XML capabilities are in \[0, 1000\]; 'Alice' has 5000"):
        XML_FORMAT.write(big)


def test_xml_sniff() -> None:
    assert XML_FORMAT.sniff(XML)
    assert not XML_FORMAT.sniff("<html><body>Scenario</body></html>")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("<>/ScenarioActorsdCoord01.\n&;\"'x!"), max_size=150))
def test_xml_never_a_traceback(text: str) -> None:
    try:
        parse(XML_FORMAT, text, "toy.xml")
    except ScenarioError as exc:
        assert all(p.line is not None for p in exc.problems)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from('Actor,Description 0123.\n"-x'), max_size=150))
def test_csv_never_a_traceback(text: str) -> None:
    try:
        parse(CSV_FORMAT, text, "toy.csv")
    except ScenarioError as exc:
        assert all(p.line is not None for p in exc.problems)


@pytest.mark.reference
def test_real_files_round_trip(shared_data: Path) -> None:
    ktab = shared_data / "bargaining" / "ktab"
    pol_comp = load(ktab / "SOE-Pol-Comp.csv").scenario
    assert (len(pol_comp.actors), len(pol_comp.issues)) == (13, 2)
    assert pol_comp.stance("XJ", "Policy-Position").position.value == 30  # type: ignore[union-attr]
    assert parse(CSV_FORMAT, CSV_FORMAT.write(pol_comp), str(ktab / "SOE-Pol-Comp.csv")) == pol_comp
    dummy = load(ktab / "dummyData_3Dim.xml").scenario
    assert parse(XML_FORMAT, XML_FORMAT.write(dummy), str(ktab / "dummyData_3Dim.xml")) == dummy
    same_csv = load(ktab / "dummyData_3Dim.csv").scenario
    assert [(s.position, s.salience) for s in dummy.stances] == [(s.position, s.salience) for s in same_csv.stances]


@pytest.mark.reference
def test_smp_example_loads_once_alices_coordinate_is_written(shared_data: Path) -> None:
    """The value KTAB's 2017 reference run read ("Read dimension 0: 52.80"); the file itself has it empty."""
    path = shared_data / "bargaining" / "ktab" / "smpExample.xml"
    text = path.read_text(encoding="utf-8-sig").replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>")
    s = parse(XML_FORMAT, text, str(path))
    assert s.metadata["ktab"]["prng_seed"] == "03507583219545544127"
    assert s.metadata["ktab"]["model_parameters"]["BargnModel"] == "InitOnlyInterp"
    assert len(s.metadata["ktab"]["ideal_adjustment"]) == 6
    assert parse(XML_FORMAT, XML_FORMAT.write(s), str(path)) == s
