"""Every scenario input in the third-party reference data loads by auto-detection, or is rejected on purpose.

The data lives outside the repository (see ``tests/conftest.py``); these tests skip when it is absent. Each file
under ``bargaining/`` is either a scenario input (loaded, and round-tripped through its own format), a file
that is genuinely malformed (rejected with the problems asserted below, line by line), or not a scenario
input at all (listed with the reason). A file that is none of these fails the inventory test, so new data
cannot slip past unexamined.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from realpolitik.scenario import ScenarioError, load
from realpolitik.scenario.formats import all_formats
from realpolitik.scenario.validate import build_scenario
from tests.conftest import reference_data_dir

pytestmark = pytest.mark.reference

SCENARIO_GLOBS = (
    "cases/*.csv",
    "ec-emissions/*.csv",
    "ktab/*.csv",
    "ktab/*.xml",
    "decide/input/*",
    "decide/legacy/*.csv",
)
NOT_SCENARIOS = {
    "ec-emissions/Example.log": "a log of a BDM run on ExampleActors.csv: the trajectory to reproduce, an output",
    "ktab/SOE-data-from-paper.xlsx": "the KAPSARC paper's tables as a spreadsheet; the SOE-*.csv files hold them",
    "ktab/smpSchema.xsd": "the schema the KTAB XML reader checks scenarios against, not a scenario",
    "decide/legacy/CoP21.xlsx": "the spreadsheet that CoP21.csv was exported from",
    "decide/legacy/CoP21.compare.csv": "exchange-model results (actor;issue;actor;issue;gain;moves), an output",
    "decide/legacy/important.csv": "one row of exchange-model results followed by empty rows, an output",
    "deu3/deu3.csv": "a data set of 141 EU proposals (364 issues) with outcomes, not one scenario",
}
NOT_SCENARIO_DIRS = {"ktab/ref-runs/": "KTAB's reference run logs (per-turn positions and probabilities), outputs"}

# (line, words in the message) for each problem, in order. Why each file is malformed:
REJECTED = {
    # The header names Position twice (columns 3 and 8) and has 8 names for 7-field rows.
    "cases/mugabe-full.csv": [(1, "column 'Position' appears twice (columns 3 and 8)")],
    # The deliberately broken copy of legacy/kopenhagen.csv: Russia's Control position 60 -> 160 and
    # China India's Control power 0.247 -> -0.247.
    "decide/input/copenhagen_with_errors.csv": [
        (86, "position 160 is outside the issue's interval [0, 100]"),
        (87, "power -0.247 is outside [0, 1]"),
    ],
    # Alice's first <dCoord> is empty: invalid for the schema; KTAB's reader would use 0, its 2017 reference
    # run used 52.8 (see realpolitik.scenario.formats.ktab).
    "ktab/smpExample.xml": [(32, "<dCoord> is empty")],
}
# Outputs that sit among the inputs: loading them must fail cleanly, never pass as a scenario.
UNRECOGNISED = ("decide/legacy/CoP21.compare.csv", "decide/legacy/important.csv")
EXPECTED_FORMAT = {
    "cases/": "bdm-csv",
    "ec-emissions/": "bdm-csv",
    "ktab/": "ktab-csv",
    "decide/": "decide",
}

DATA = reference_data_dir()
BARGAINING = DATA / "bargaining" if DATA is not None else None


def _scenario_inputs() -> list[str]:
    if BARGAINING is None:
        return ["(reference data absent)"]
    found = {str(p.relative_to(BARGAINING)) for g in SCENARIO_GLOBS for p in BARGAINING.glob(g) if p.is_file()}
    return sorted(found - NOT_SCENARIOS.keys())


INPUTS = _scenario_inputs()
LOADABLE = [p for p in INPUTS if p not in REJECTED]


def _path(shared_data: Path, rel: str) -> Path:
    return shared_data / "bargaining" / rel


def _expected_format(rel: str) -> str:
    if rel.endswith(".xml"):
        return "ktab-xml"
    return next(fmt for prefix, fmt in EXPECTED_FORMAT.items() if rel.startswith(prefix))


def test_every_file_is_accounted_for(shared_data: Path) -> None:
    root = shared_data / "bargaining"
    every = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    outputs = {f for f in every if any(f.startswith(d) for d in NOT_SCENARIO_DIRS)}
    assert every - outputs - NOT_SCENARIOS.keys() == set(INPUTS), "a file is neither an input nor listed as not one"
    assert NOT_SCENARIOS.keys() <= every, "a file listed as not a scenario is gone: update the list"
    assert REJECTED.keys() <= set(INPUTS)


@pytest.mark.parametrize("rel", LOADABLE)
def test_loads_with_detected_format_and_round_trips(shared_data: Path, rel: str) -> None:
    path = _path(shared_data, rel)
    loaded = load(path)
    assert loaded.format == _expected_format(rel)
    scenario = loaded.scenario
    assert scenario.actors and scenario.issues and scenario.stances
    fmt = all_formats()[loaded.format]
    data, lines = fmt.read(fmt.write(scenario), str(path))
    assert build_scenario(data, lines, str(path)) == scenario


@pytest.mark.parametrize("rel", sorted(REJECTED))
def test_malformed_files_are_rejected_at_their_lines(shared_data: Path, rel: str) -> None:
    path = _path(shared_data, rel)
    with pytest.raises(ScenarioError) as info:
        load(path)
    got = info.value.problems
    assert [p.line for p in got] == [line for line, _ in REJECTED[rel]]
    for problem, (_, words) in zip(got, REJECTED[rel], strict=True):
        assert problem.file == str(path)
        assert words in problem.message


@pytest.mark.parametrize("rel", UNRECOGNISED)
def test_outputs_among_the_inputs_are_not_taken_for_scenarios(shared_data: Path, rel: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load(_path(shared_data, rel))
    (problem,) = info.value.problems
    assert problem.line == 1
    assert "cannot tell the file's format" in problem.message


def test_documented_decisions_on_real_files(shared_data: Path) -> None:
    """Spot checks of the rules the format modules document, on the files that motivated them."""
    root = shared_data / "bargaining"
    ec = load(root / "ec-emissions" / "ExampleActors.csv").scenario
    assert (ec.issues[0].scale.low, ec.issues[0].scale.high, ec.salience_scale) == (0, 10, 1)
    china = load(root / "cases" / "ChinaData.csv").scenario  # CR-only line endings
    assert (len(china.actors), china.salience_scale) == (24, 100)
    litigation = load(root / "cases" / "Litigation_Case_Study.csv").scenario
    assert [a.id for a in litigation.actors if a.name == "Attorney"] == ["Attorney", "Attorney-2", "Attorney-3"]
    resolve = load(root / "cases" / "ukraine_data_slim_resolve.csv").scenario
    assert resolve.metadata["bdm_csv"]["extra"]["Bosnia"]["resolve"] == 0.8
    six = load(root / "ktab" / "dummyData_6Dim.csv").scenario
    assert (len(six.actors), len(six.issues)) == (27, 6)
    sample = load(root / "decide" / "input" / "sample_data.txt").scenario
    assert (sample.issue("tol-hoogte").scale.low, sample.issue("tol-hoogte").scale.high) == (0.5, 7)
    election = load(root / "decide" / "legacy" / "verkiezing_2012.csv").scenario
    assert election.actor("50").name == "50+" and election.actor("50").capability.value == 0  # no #D rows
