"""The built-in scenarios load, validate, and keep the promises their files make.

``afghanistan-2025`` (version 2) and ``afghanistan-2025-v1`` (version 1, kept as first published) promise that
every element and every number carries a rationale and sources, and that every number is an estimate with an
honest range. Version 2 also promises who decides each issue, sources with addresses, the editorial cited only as
the question's framing, and no source dated after its as_of. ``ec-emissions-1994`` promises to be the published
table of the EC car-emission standards case, typed in unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.scenario import Estimate, Scenario, builtin_names, dump, load, load_scenario
from realpolitik.workflows.diagnostics import earliest_date, look_ahead, round_zero

AFGHANISTAN = "afghanistan-2025"
AFGHANISTAN_V1 = "afghanistan-2025-v1"
EC = "ec-emissions-1994"
REPO_ROOT = Path(__file__).resolve().parents[1]


def reference_data() -> Path | None:
    """The shared reference data folder, or None where this checkout has none."""
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="module", params=[AFGHANISTAN, AFGHANISTAN_V1])
def afg(request: pytest.FixtureRequest) -> Scenario:
    """Both versions of the Afghanistan scenario keep the promises of version 1."""
    return load_scenario(request.param)


@pytest.fixture(scope="module")
def v2() -> Scenario:
    return load_scenario(AFGHANISTAN)


@pytest.fixture(scope="module")
def v1() -> Scenario:
    return load_scenario(AFGHANISTAN_V1)


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


@pytest.mark.parametrize("name", [AFGHANISTAN, AFGHANISTAN_V1, EC])
def test_builtin_is_listed_and_loads(name: str) -> None:
    assert name in builtin_names()
    loaded = load(name)
    assert loaded.scenario.id == name
    assert loaded.format == "yaml"
    assert len(loaded.sha256) == 64


@pytest.mark.parametrize("name", [AFGHANISTAN, AFGHANISTAN_V1, EC])
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


# --- afghanistan-2025, version 2 -------------------------------------------------------------------------

# SHA-256 of src/realpolitik/scenario/builtin/afghanistan-2025.yaml as first published (version 1, before version 2
# replaced it). The kept file may differ from it only by its id line and one header comment line.
V1_PUBLISHED_SHA256 = "f5d1fc07afbd209b0eab00c6057f90d888a44112e1cf8bad476fd5ba4e84b8d0"
V1_HEADER = "# Version 1 (afghanistan-2025-v1): the scenario as first published"
NEW_ISSUES = {"border_post_attacks", "deportations", "border_crossings"}
NEW_STRATEGIES = {"coercive_pressure", "de_escalation"}
EDITORIAL_STRATEGIES = {"status_quo", "kandahar_channel", "regional_coalition", "open_channels", "pragmatic"}


def cited_sources(obj: Any, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Every ``sources`` list anywhere inside a scenario element (estimates, decisions, changes, targets ...)."""
    if isinstance(obj, list | tuple):
        for k, item in enumerate(obj):
            yield from cited_sources(item, f"{path}[{k}]")
    elif hasattr(type(obj), "model_fields"):
        for field in type(obj).model_fields:
            value = getattr(obj, field)
            if field == "sources":
                yield path or "scenario", list(value)
            elif field != "bibliography":
                yield from cited_sources(value, f"{path}.{field}" if path else field)


def test_v1_is_kept_as_first_published(v1: Scenario, v2: Scenario) -> None:
    """The v1 file is the file first published as afghanistan-2025, changed only in its id and one header line."""
    from importlib import resources

    text = (resources.files("realpolitik.scenario.builtin") / f"{AFGHANISTAN_V1}.yaml").read_bytes().decode("utf-8")
    first, rest = text.split("\n", 1)
    assert first.startswith(V1_HEADER)
    assert rest.count(f"\nid: {AFGHANISTAN_V1}\n") == 1
    original = rest.replace(f"\nid: {AFGHANISTAN_V1}\n", f"\nid: {AFGHANISTAN}\n")
    assert hashlib.sha256(original.encode("utf-8")).hexdigest() == V1_PUBLISHED_SHA256
    assert v1.schema_version == 1 and v1.supersedes is None


def test_v2_supersedes_v1_and_keeps_its_frame(v1: Scenario, v2: Scenario) -> None:
    assert v2.schema_version == 2
    assert v2.supersedes is not None
    assert getattr(v2.supersedes, "id", v2.supersedes) == AFGHANISTAN_V1  # a plain id, or {id, file, sha256}
    assert AFGHANISTAN_V1 in builtin_names()
    assert v2.as_of == v1.as_of and v2.client == v1.client == "pakistan"
    assert [str(g) for g in v2.targets] == [str(g) for g in v1.targets] == ["ttp_action>=75"]
    assert {i.id for i in v1.issues} <= {i.id for i in v2.issues}
    assert {a.id for a in v1.actors} <= {a.id for a in v2.actors}
    assert EDITORIAL_STRATEGIES <= {s.id for s in v2.strategies}
    for sid in EDITORIAL_STRATEGIES:  # the editorial's five keep their ids and their interventions
        assert v2.strategy(sid).interventions == v1.strategy(sid).interventions, sid


def test_v2_no_number_cites_the_editorial(v2: Scenario) -> None:
    """The editorial is the question's framing, never evidence for a number: no estimate cites it, alone or not."""
    found = list(estimates(v2))
    assert len(found) > 150
    only = [path for path, est in found if est.sources == ["editorial"]]
    assert not only, f"numbers citing only the editorial: {only}"
    anywhere = [path for path, est in found if "editorial" in est.sources]
    assert not anywhere, f"numbers citing the editorial: {anywhere}"


def test_v2_every_source_resolves_to_an_entry_with_an_address(v2: Scenario) -> None:
    entries = {b.id: b for b in v2.bibliography}
    used = {sid for _, ids in cited_sources(v2) for sid in ids}
    assert used <= set(entries), f"unknown sources: {sorted(used - set(entries))}"
    assert set(entries) <= used, f"never cited: {sorted(set(entries) - used)}"
    no_url = [b.id for b in v2.bibliography if not (b.url and re.match(r"^https?://\S+$", b.url))]
    assert not no_url, f"sources without an address: {no_url}"


def test_v2_uses_no_source_dated_after_as_of(v2: Scenario) -> None:
    assert v2.as_of is not None
    assert look_ahead(v2) == []
    undated = [b.id for b in v2.bibliography if b.date is None or earliest_date(b.date) is None]
    assert not undated, f"sources without a readable date: {undated}"
    late = [b.id for b in v2.bibliography if (d := earliest_date(b.date or "")) is not None and d > v2.as_of]
    assert not late


def test_v2_flags_partisan_outlets_alike(v2: Scenario) -> None:
    """Outlets of every side carry a flag in their note: Pakistani, Indian, Afghan exile, and state media."""
    flags = {
        "Pakistani": (
            "Dawn",
            "Express Tribune",
            "Geo",
            "The Nation",
            "Business Recorder",
            "Daily Times",
            "Pakistan Today",
            "PPI",
            "The News",
            "Jang",
            "Daily Pakistan",
            "BOL News",
            "economy.pk",
            "Tribal News Network",
        ),
        "Indian": ("WION", "Zee News", "Mint", "PTI", "ANI", "IANS", "India.com", "LatestLY"),
        "Afghan exile": ("Afghanistan International", "KabulNow", "Amu TV"),
        "state": ("TASS", "RFE/RL", "Mehr", "Al Jazeera", "Ministry of Foreign Affairs"),
    }
    missing = []
    for b in v2.bibliography:
        for flag, publishers in flags.items():
            if b.publisher and b.publisher.startswith(publishers):
                note = (b.note or "").lower()
                ok = any(w in note for w in ("state", "government")) if flag == "state" else flag.lower() in note
                if not ok:
                    missing.append(f"{b.id} ({b.publisher}): no '{flag}' flag")
    assert not missing, "\n".join(missing)


def test_v2_new_issues_and_strategies(v2: Scenario) -> None:
    issues = {i.id: i for i in v2.issues}
    assert NEW_ISSUES <= set(issues)
    for iid in NEW_ISSUES:
        issue = issues[iid]
        assert len(issue.scale.anchors) >= 5 and issue.status_quo is not None, iid
        assert issue.rationale and issue.sources and issue.status_quo.sources, iid
    strategies = {s.id: s for s in v2.strategies}
    assert NEW_STRATEGIES <= set(strategies)
    targets = {iv.id: {ch.target for ch in iv.changes} for iv in v2.interventions}
    coercive = set().union(*(targets[i] for i in strategies["coercive_pressure"].interventions))
    assert {
        "pakistan.border_crossings.position",
        "pakistan.deportations.position",
        "pakistan.cross_border_strikes.position",
    } <= coercive
    de_escalation = set().union(*(targets[i] for i in strategies["de_escalation"].interventions))
    assert {"pakistan.cross_border_strikes.position", "pakistan.border_crossings.position"} <= de_escalation


def test_v2_says_who_decides(v2: Scenario) -> None:
    rules = {i.id: i.decision for i in v2.issues}
    assert all(d is not None and d.rationale and d.sources for d in rules.values()), "every issue says who decides"

    def decided(iid: str) -> tuple[str, set[str]]:
        d = rules[iid]
        assert d is not None
        return d.rule, set(d.owner) | set(d.players)

    assert decided("cross_border_strikes") == ("owner", {"pakistan"})
    assert decided("deportations") == ("owner", {"pakistan"})
    assert decided("ttp_action") == ("owner", {"taliban"})
    assert decided("border_post_attacks") == ("owner", {"taliban"})
    for iid in ("border_crossings", "trade_transit"):  # owned by Pakistan or under both sides' veto
        rule, who = decided(iid)
        assert (rule, who) == ("owner", {"pakistan"}) or (rule == "veto" and {"pakistan", "taliban"} <= who), iid
    rule, who = decided("regional_engagement")
    assert rule == "owner" and not who & {"taliban", "taliban_kandahar", "taliban_kabul", "ttp"}


def test_v2_influence_and_success_are_estimates_with_reasons(v2: Scenario) -> None:
    with_influence = [st for st in v2.stances if st.influence is not None]
    assert len(with_influence) >= 3
    for st in with_influence:
        assert st.influence is not None and st.influence.is_uncertain and st.influence.rationale, (st.actor, st.issue)
    for iv in v2.interventions:
        assert iv.success is not None, iv.id
        assert 0 <= iv.success.low <= iv.success.value <= iv.success.high <= 1, iv.id  # type: ignore[operator]
        assert iv.success.is_uncertain and iv.success.rationale and iv.success.sources, iv.id


def test_v2_strategies_carry_no_verdict(v2: Scenario) -> None:
    verdict = re.compile(r"\b(fail(ed|s|ure)?|should|must|better|best|worse|wise|mistake|succeed(ed|s)?)\b", re.I)
    for s in v2.strategies:
        assert not verdict.search(f"{s.name} {s.description}"), s.id


def test_v2_round_zero_is_quiet(v1: Scenario, v2: Scenario) -> None:
    """Under version 2's decision rules the stated positions do not by themselves move any issue more than 20 % of
    its scale from the status quo; version 1 had three such issues."""
    assert {r.issue for r in round_zero(v1)} == {"ttp_action", "trade_transit", "cross_border_strikes"}
    assert round_zero(v2) == []


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
@pytest.mark.parametrize("name", [AFGHANISTAN, AFGHANISTAN_V1, EC])
def test_native_formats_round_trip_exactly(name: str, fmt: str, tmp_path: Path) -> None:
    """Writing a built-in scenario as YAML or JSON and reading it back gives the same scenario, field for field,
    written as schema version 2 (a version-1 document is a valid version-2 one)."""
    original = load_scenario(name)
    path = tmp_path / f"again.{fmt}"
    path.write_text(dump(original, fmt), encoding="utf-8")
    again = load_scenario(path)
    assert again.schema_version == 2
    assert again.model_dump() == {**original.model_dump(), "schema_version": 2}
