"""The built-in scenarios load, validate, and keep the promises their files make.

``afghanistan-2025`` promises that every element and every number carries a rationale and sources, and that
every number is an estimate with an honest range. ``ec-emissions-1994`` promises to be the published table of
the EC car-emission standards case, typed in unchanged.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.scenario import Estimate, Scenario, builtin_names, dump, load, load_scenario

AFGHANISTAN = "afghanistan-2025"
EC = "ec-emissions-1994"
REPO_ROOT = Path(__file__).resolve().parents[1]


def reference_data() -> Path | None:
    """The shared reference data folder, or None where this checkout has none."""
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="module")
def afg() -> Scenario:
    return load_scenario(AFGHANISTAN)


@pytest.fixture(scope="module")
def ec() -> Scenario:
    return load_scenario(EC)


def estimates(obj: Any, path: str = "") -> Iterator[tuple[str, Estimate]]:
    """Every Estimate inside a scenario element, with a readable path."""
    if isinstance(obj, Estimate):
        yield path, obj
    elif isinstance(obj, list | tuple):
        for k, item in enumerate(obj):
            yield from estimates(item, f"{path}[{k}]")
    elif hasattr(type(obj), "model_fields"):
        for field in type(obj).model_fields:
            yield from estimates(getattr(obj, field), f"{path}.{field}" if path else field)


# --- both built-ins --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [AFGHANISTAN, EC])
def test_builtin_is_listed_and_loads(name: str) -> None:
    assert name in builtin_names()
    loaded = load(name)
    assert loaded.scenario.id == name
    assert loaded.format == "yaml"
    assert len(loaded.sha256) == 64


@pytest.mark.parametrize("name", [AFGHANISTAN, EC])
def test_every_cited_source_is_in_the_bibliography_and_every_entry_is_cited(name: str) -> None:
    s = load_scenario(name)
    ids = {b.id for b in s.bibliography}
    cited: set[str] = set(s.sources)

    def visit(obj: Any) -> None:
        if isinstance(obj, list | tuple):
            for item in obj:
                visit(item)
        elif hasattr(type(obj), "model_fields"):
            for field in type(obj).model_fields:
                value = getattr(obj, field)
                if field == "sources":
                    cited.update(value)
                else:
                    visit(value)

    for part in (s.actors, s.issues, s.stances, s.channels.links, s.interventions, s.strategies):
        visit(part)
    assert cited <= ids, f"cited but not in the bibliography: {sorted(cited - ids)}"
    assert ids <= cited, f"in the bibliography but never cited: {sorted(ids - cited)}"


# --- afghanistan-2025 ------------------------------------------------------------------------------------


def test_afghanistan_frame(afg: Scenario) -> None:
    assert afg.client == "pakistan"
    assert afg.as_of is not None and afg.as_of.isoformat().startswith("2025-")
    actors = {a.id: a for a in afg.actors}
    for required in ("pakistan", "taliban_kandahar", "taliban_kabul", "ttp", "china", "russia", "iran", "india"):
        assert required in actors
    assert actors["taliban_kandahar"].group == actors["taliban_kabul"].group == "taliban"
    assert actors["ttp"].name == "Tehreek-e-Taliban Pakistan (TTP)"
    issues = {i.id for i in afg.issues}
    assert {"ttp_action", "trade_transit", "regional_engagement"} <= issues
    # The description says what the numbers are and that the scenario takes no side.
    text = afg.description.lower()
    for phrase in ("analyst estimates", "expert panel", "takes no side", "scales"):
        assert phrase in text


def test_afghanistan_ttp_scale_is_labelled_as_specified(afg: Scenario) -> None:
    anchors = {a.value: a.label.lower() for a in afg.issue("ttp_action").scale.anchors}
    assert "open sanctuary" in anchors[0]
    assert "restrain cross-border attacks" in anchors[50]
    assert "relocate" in anchors[75] and "border" in anchors[75]
    assert "disarm" in anchors[100] and "expel" in anchors[100]
    for issue in afg.issues:
        assert len(issue.scale.anchors) >= 3, issue.id
        assert issue.status_quo is not None, issue.id


def test_afghanistan_core_actors_hold_a_stance_on_every_issue(afg: Scenario) -> None:
    for actor in ("pakistan", "taliban_kandahar", "taliban_kabul"):
        for issue in afg.issues:
            assert afg.stance(actor, issue.id) is not None, (actor, issue.id)
    for actor in afg.actors:
        assert any(st.actor == actor.id for st in afg.stances), f"{actor.id} holds no stance"


def test_afghanistan_every_element_has_rationale_and_sources(afg: Scenario) -> None:
    elements: list[tuple[str, Any]] = [(f"actor {a.id}", a) for a in afg.actors]
    elements += [(f"issue {i.id}", i) for i in afg.issues]
    elements += [(f"stance {st.actor}/{st.issue}", st) for st in afg.stances]
    elements += [(f"channel {'-'.join(ln.between)}", ln) for ln in afg.channels.links]
    elements += [(f"intervention {iv.id}", iv) for iv in afg.interventions]
    elements += [(f"change {iv.id}: {ch.target}", ch) for iv in afg.interventions for ch in iv.changes]
    elements += [(f"strategy {st.id}", st) for st in afg.strategies]
    missing = [name for name, el in elements if not (el.rationale and el.rationale.strip() and el.sources)]
    assert not missing, f"without rationale or sources: {missing}"


def test_afghanistan_every_number_is_an_honest_estimate(afg: Scenario) -> None:
    found = list(estimates(afg))
    assert len(found) > 100  # capabilities, status quos, stances, channels, change values
    problems = []
    for path, est in found:
        if not (est.rationale and est.rationale.strip() and est.sources):
            problems.append(f"{path}: no rationale or sources")
        if est.low is None or est.high is None:
            problems.append(f"{path}: no range")
        elif not (est.low <= est.value <= est.high and est.low < est.high):
            problems.append(f"{path}: degenerate or inconsistent range [{est.low}, {est.value}, {est.high}]")
    assert not problems, "\n".join(problems)


def test_afghanistan_channels(afg: Scenario) -> None:
    assert afg.channels.default.value <= 0.3
    links = {frozenset(ln.between): ln.strength.value for ln in afg.channels.links}
    assert links[frozenset({"pakistan", "taliban_kandahar"})] <= 0.3
    assert links[frozenset({"pakistan", "china"})] >= 0.8
    # The TTP talks only to the Taliban: every other actor has an explicit, near-zero link.
    for actor in afg.actors:
        if actor.id in {"ttp", "taliban_kandahar", "taliban_kabul"}:
            continue
        strength = links.get(frozenset({"ttp", actor.id}))
        assert strength is not None and strength <= 0.05, actor.id
    for taliban in ("taliban_kandahar", "taliban_kabul"):
        assert links[frozenset({"ttp", taliban})] >= 0.4


def test_afghanistan_the_editorials_five_strategies(afg: Scenario) -> None:
    strategies = {s.id: s for s in afg.strategies}
    assert set(strategies) >= {"status_quo", "kandahar_channel", "regional_coalition", "open_channels", "pragmatic"}
    assert strategies["status_quo"].interventions == []
    combined = set(strategies["pragmatic"].interventions)
    for part in ("kandahar_channel", "regional_coalition", "open_channels"):
        assert strategies[part].interventions, part
        assert set(strategies[part].interventions) <= combined, part
    targets = {ch.target for iv in afg.interventions for ch in iv.changes}
    assert "channel.pakistan.taliban_kandahar" in targets
    assert "channel.pakistan.taliban_kabul" in targets
    coalition = next(ch for iv in afg.interventions for ch in iv.changes if ch.target == "coalition.ttp_action")
    assert coalition.op == "align"
    assert {"china", "russia", "iran"} <= set(coalition.members)


# --- ec-emissions-1994 -----------------------------------------------------------------------------------

# The published input table of the EC car-emission standards case: Bueno de Mesquita, B. (1994), "Political
# Forecasting: An Expected Utility Method", in B. Bueno de Mesquita and F. N. Stokman (eds.), European
# Community Decision Making: Models, Applications, and Comparisons, Yale University Press, pp. 71-104; as
# reprinted and replicated by Scholz, J. B., Calbert, G. J. and Smith, G. A. (2011), "Unravelling Bueno De
# Mesquita's Group Decision Model", Journal of Theoretical Politics 23(4), 510-531.
# Columns: actor, capability, position, salience (0-1).
EC_TABLE = [
    ("Netherlands", 0.08, 4, 0.8),
    ("Belgium", 0.08, 7, 0.4),
    ("Luxembourg", 0.03, 4, 0.2),
    ("Germany", 0.16, 4, 0.8),
    ("France", 0.16, 10, 0.6),
    ("Italy", 0.16, 10, 0.6),
    ("UK", 0.16, 10, 0.9),
    ("Ireland", 0.05, 7, 0.1),
    ("Denmark", 0.05, 4, 1.0),
    ("Greece", 0.08, 7, 0.7),
]


def ec_rows(s: Scenario) -> list[tuple[str, float, float, float]]:
    rows = []
    for actor in s.actors:
        stance = s.stance(actor.id, "emission_standards")
        assert stance is not None, actor.id
        rows.append((actor.name, actor.capability.value, stance.position.value, stance.salience.value))
    return rows


def test_ec_emissions_equals_the_published_table(ec: Scenario) -> None:
    """Bueno de Mesquita (1994), as reprinted by Scholz, Calbert & Smith (2011, JTP 23(4)); see EC_TABLE."""
    assert ec_rows(ec) == [(n, pytest.approx(c), pytest.approx(x), pytest.approx(s)) for n, c, x, s in EC_TABLE]
    assert [a.id for a in ec.actors] == [n.lower() for n, *_ in EC_TABLE]
    (issue,) = ec.issues
    assert issue.id == "emission_standards"
    assert (issue.scale.low, issue.scale.high) == (0, 10)
    assert issue.decision_rule == "median"
    assert ec.salience_scale == 1.0
    assert {b.id for b in ec.bibliography} >= {"bdm1994", "scholz2011"}
    assert "Scholz" in ec.description and "1994" in ec.description


@pytest.mark.reference
def test_ec_emissions_equals_the_replications_csv(ec: Scenario) -> None:
    """The same table as the replication typed it (ExampleActors.csv in the shared reference data)."""
    data = reference_data()
    if data is None:
        pytest.skip("reference data not found at ../shared/data or $REALPOLITIK_REFERENCE_DATA")
    path = data / "bargaining" / "ec-emissions" / "ExampleActors.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent from the reference data")
    with path.open(newline="", encoding="utf-8") as fh:
        published = [
            (r["Actor"], float(r["Capability"]), float(r["Position"]), float(r["Salience"])) for r in csv.DictReader(fh)
        ]
    assert len(published) == 10
    assert ec_rows(ec) == [(n, pytest.approx(c), pytest.approx(x), pytest.approx(s)) for n, c, x, s in published]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("name", [AFGHANISTAN, EC])
def test_native_formats_round_trip_exactly(name: str, fmt: str, tmp_path: Path) -> None:
    """Writing a built-in scenario as YAML or JSON and reading it back gives the same scenario, field for field,
    written as schema version 2 (a version-1 document is a valid version-2 one)."""
    original = load_scenario(name)
    path = tmp_path / f"again.{fmt}"
    path.write_text(dump(original, fmt), encoding="utf-8")
    again = load_scenario(path)
    assert again.schema_version == 2
    assert again.model_dump() == {**original.model_dump(), "schema_version": 2}
