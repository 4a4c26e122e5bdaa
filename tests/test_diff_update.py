"""Dated versions: ``update`` drafts the next version from the evidence, ``diff`` lists what changed, and
``brief --since`` shows how the forecasts and the strategy comparison moved; on two versions of the built-in
scenario (the worked example of docs/living-scenario.md: synthetic evidence, labelled as such)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.provenance import sha256_bytes
from realpolitik.scenario import LoadedScenario, load
from realpolitik.scenario.model import Actor, ChannelLink, Estimate, Outcome, Strategy
from realpolitik.workflows.diff import diff
from realpolitik.workflows.indicators import read_indicators
from tests.test_indicators import AS_OF, example_v1, write_example_evidence, write_scenario


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1.yaml (the built-in with two indicators) and v2.yaml drafted from it by ``realpolitik update``."""
    folder = tmp_path_factory.mktemp("versions")
    write_example_evidence(folder)
    example_v1(folder)
    r = CliRunner().invoke(
        app,
        [
            "update",
            str(folder / "v1.yaml"),
            "-w",
            str(folder / "w.duckdb"),
            "--as-of",
            str(AS_OF),
            "-o",
            str(folder / "v2.yaml"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "~ cross_border_strikes: status quo" in r.output and "review: realpolitik diff" in r.output
    return folder


def test_update_then_diff_shows_exactly_the_changed_status_quos(versions: Path) -> None:
    v1, v2 = load(versions / "v1.yaml"), load(versions / "v2.yaml")
    readings = read_indicators(v1.scenario, AS_OF, source=v1.source, workspace=versions / "w.duckdb")
    found = diff(v1, v2)
    numbers = {(c.element, c.key, c.field): c for c in found.of_kind("number")}
    assert set(numbers) == {("issue", r.indicator.issue, "status_quo") for r in readings}
    for r in readings:
        assert r.level is not None
        change = numbers[("issue", r.indicator.issue, "status_quo")]
        assert change.old == v1.scenario.issue(r.indicator.issue).status_quo
        new = change.new
        assert (new.value, new.low, new.high) == tuple(pytest.approx(x, abs=0.05) for x in r.level)
        assert change.rationale and r.describe() in change.rationale
        assert change.sources[0] == "evidence_2025_06_30" and "editorial" in change.sources
    rest = [(c.kind, c.element, c.key, c.field) for c in found.changes if c.kind != "number"]
    assert rest == [
        ("changed", "scenario", "", "as_of"),
        ("changed", "scenario", "", "supersedes"),
        ("added", "source", "evidence_2025_06_30", ""),
    ]
    ref = v2.scenario.supersedes
    assert ref is not None and (ref.id, ref.file, ref.sha256) == ("afghanistan-2025", "v1.yaml", v1.sha256)
    assert found.notes == ()  # v2 names v1 by id and hash
    source = v2.scenario.bibliography[-1]
    assert "w.duckdb" in source.title and sha256_bytes((versions / "w.duckdb").read_bytes()) in (source.note or "")
    assert v2.scenario.as_of == AS_OF and v2.scenario.indicators == v1.scenario.indicators


def test_worked_example_numbers(versions: Path) -> None:
    """The numbers docs/living-scenario.md shows (they do not depend on the built-in's own numbers)."""
    v2 = load(versions / "v2.yaml").scenario
    strikes, trade = v2.issue("cross_border_strikes").status_quo, v2.issue("trade_transit").status_quo
    assert strikes is not None and (strikes.value, strikes.low, strikes.high) == (62.2, 56.6, 65.8)
    assert trade is not None and (trade.value, trade.low, trade.high) == (23.9, 23.2, 24.6)
    assert "18 events in 2025-04-02..2025-06-30 (acled) (the data cover 88 of its 90 days): 6.23 a month" in (
        strikes.rationale or ""
    )


def test_diff_formats(versions: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["diff", str(versions / "v1.yaml"), str(versions / "v2.yaml"), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["counts"] == {"changed": 2, "number": 2, "added": 1}
    strikes = next(c for c in doc["changes"] if c["key"] == "cross_border_strikes")
    old = load(versions / "v1.yaml").scenario.issue("cross_border_strikes").status_quo
    assert old is not None and strikes["old"]["value"] == old.value
    r = runner.invoke(app, ["diff", str(versions / "v1.yaml"), str(versions / "v2.yaml"), "--format", "markdown"])
    assert r.exit_code == 0 and "| issue cross_border_strikes | status_quo |" in r.output
    r = runner.invoke(app, ["diff", str(versions / "v1.yaml"), str(versions / "v2.yaml")])
    assert r.exit_code == 0 and "~ issue cross_border_strikes status_quo: " in r.output
    assert "    rationale: Observed level as of 2025-06-30" in r.output
    r = runner.invoke(app, ["diff", str(versions / "v1.yaml"), str(versions / "v2.yaml"), "--format", "html"])
    assert (
        r.exit_code == 2 and r.output.strip() == "--format: unknown output format 'html' (known: table, json, markdown)"
    )


def test_update_never_overwrites_without_force(versions: Path) -> None:
    args = ["update", str(versions / "v1.yaml"), "-w", str(versions / "w.duckdb"), "--as-of", str(AS_OF)]
    before = (versions / "v2.yaml").read_bytes()
    r = CliRunner().invoke(app, [*args, "-o", str(versions / "v2.yaml")])
    assert r.exit_code == 2 and r.output.strip() == f"{versions / 'v2.yaml'}: exists; pass --force to replace it"
    assert (versions / "v2.yaml").read_bytes() == before
    r = CliRunner().invoke(app, [*args, "-o", str(versions / "v2.yaml"), "--force"])
    assert r.exit_code == 0 and (versions / "v2.yaml").read_bytes() == before  # the same draft again
    assert not [p for p in versions.iterdir() if p.name.startswith(".v2.yaml")]  # no temporary file left


def test_update_refuses_what_it_cannot_draft(versions: Path, tmp_path: Path) -> None:
    cases = [
        (["afghanistan-2025", "--as-of", "2025-06-30"], "afghanistan-2025.yaml: the scenario has no indicators"),
        ([str(versions / "v1.yaml"), "--as-of", "2024-12-31"], "--as-of 2024-12-31 is before the scenario's as_of"),
        ([str(versions / "v1.yaml"), "--as-of", "soon"], "--as-of: not a date"),
        (
            [str(versions / "v1.yaml"), "--as-of", "2025-06-30", "-w", str(tmp_path / "none.duckdb")],
            "no such workspace",
        ),
    ]
    for args, message in cases:
        r = CliRunner().invoke(app, ["update", *args, "-o", str(tmp_path / "new.yaml")])
        assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and message in r.output, (args, r.output)
    assert not (tmp_path / "new.yaml").exists()


def test_update_moves_csv_paths_with_the_draft(versions: Path) -> None:
    out = versions / "drafts" / "v2.yaml"
    r = CliRunner().invoke(
        app,
        ["update", str(versions / "v1.yaml"), "-w", str(versions / "w.duckdb"), "--as-of", str(AS_OF), "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    moved = load(out).scenario
    assert moved.indicators[1].csv == "../trade-synthetic.csv" and moved.supersedes is not None
    assert moved.supersedes.file == "../v1.yaml"
    assert read_indicators(moved, AS_OF, source=str(out))[1].level is not None


def _loaded(s: object, name: str) -> LoadedScenario:
    return LoadedScenario(s, name, "object", "0" * 64)  # type: ignore[arg-type]


def test_diff_lists_added_removed_and_changed_elements() -> None:
    old = load("afghanistan-2025").scenario
    cap = Estimate(
        value=old.actors[0].capability.value + 5, low=0, high=100, rationale="New figures.", sources=["editorial"]
    )
    actors = [old.actors[0].model_copy(update={"capability": cap}), *old.actors[1:]]
    actors.append(Actor(id="usa", name="United States", capability=Estimate(value=20), rationale="Added.", sources=[]))
    link = old.channels.links[0]
    links = [link.model_copy(update={"strength": Estimate(value=0.9)}), *old.channels.links[1:]]
    links.append(ChannelLink(between=("usa", "pakistan"), strength=Estimate(value=0.5)))
    strategies = [*old.strategies[1:], Strategy(id="wait", interventions=[])]
    outcomes = [*old.outcomes, Outcome(issue=old.issues[0].id, value=Estimate(value=40))]
    new = old.model_copy(
        update={
            "actors": list(reversed(actors)),  # order does not matter
            "channels": old.channels.model_copy(update={"links": links}),
            "strategies": strategies,
            "outcomes": outcomes,
            "title": old.title + " (revised)",
        }
    )
    found = diff(_loaded(old, "old"), _loaded(new, "new"))
    got = {(c.kind, c.element, c.key, c.field) for c in found.changes}
    first = old.actors[0].id
    assert ("number", "actor", first, "capability") in got
    assert ("added", "actor", "usa", "") in got and ("added", "strategy", "wait", "") in got
    assert ("removed", "strategy", old.strategies[0].id, "") in got
    assert ("number", "channel", "–".join(sorted(link.between)), "strength") in got
    assert ("added", "channel", "pakistan–usa", "") in got
    assert ("changed", "scenario", "", "title") in got
    assert any(k == "added" and e == "outcome" for k, e, _, _ in got)
    capability = next(c for c in found.changes if c.field == "capability")
    assert capability.sentence().startswith(f"actor {first} capability: ")
    assert "(+5)" in capability.sentence() and "Rationale: New figures. Sources: editorial." in capability.sentence()
    same = diff(_loaded(old, "a"), _loaded(old.model_copy(update={"actors": list(reversed(old.actors))}), "b"))
    assert same.changes == ()


def test_a_wrong_predecessor_is_noted(versions: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((versions / "v2.yaml").read_text())
    data["supersedes"] = {"id": "afghanistan-2025", "sha256": "ab" * 32}
    other = write_scenario(tmp_path / "other.yaml", data)
    found = diff(load(versions / "v1.yaml"), load(other))
    (note,) = found.notes
    assert note.startswith(f"{other} supersedes a file with sha256 abababababab…, but ")
    assert diff(load("afghanistan-2025"), load(versions / "v1.yaml")).of_kind("added")[0].element == "indicator"


def test_brief_since_and_record(versions: Path) -> None:
    """The brief of v3 (v2 with Pakistan's position on the strikes moved) since v1: the section with the diff in
    words, every model's move per issue, the strategy table's move; and the forecasts recorded in a ledger."""
    from realpolitik.brief.build import build
    from realpolitik.workflows.brief_data import BriefRequest
    from realpolitik.workflows.ledger import read_ledger

    data = yaml.safe_load((versions / "v2.yaml").read_text())
    stance = next(s for s in data["stances"] if s["actor"] == "pakistan" and s["issue"] == "cross_border_strikes")
    old_position = stance["position"]["value"] if isinstance(stance["position"], dict) else stance["position"]
    stance["position"] = {
        "value": max(0, old_position - 20),
        "low": 0,
        "high": 60,
        "rationale": "Revised.",
        "sources": ["editorial"],
    }
    v3 = write_scenario(versions / "v3.yaml", data)
    request = BriefRequest(
        load(v3),
        draws=8,
        models=("compromise",),
        lab_model="compromise",
        sensitivity_n=0,
        events_workspace=versions / "w.duckdb",
        since=load(versions / "v1.yaml"),
        record=versions / "ledger.jsonl",
    )
    result = build(request, versions / "brief")
    md = result.markdown.read_text()
    assert "## What changed since " in md and "## Issue indicators" in md
    assert f"pakistan.cross_border_strikes position: {old_position:g}" in md.replace("stance ", "")
    row = next(x for x in md.splitlines() if x.startswith("| compromise | cross_border_strikes |"))
    assert row.split("|")[-2].strip() not in ("+0.0", "-0.0", "–")  # the moved position moves the forecast
    assert "Strategy comparison:" in md
    html = result.html.read_text()
    assert '<section id="since">' in html and "How the forecasts moved" in html and 'id="indicators"' in html
    (entry,) = read_ledger(versions / "ledger.jsonl")
    assert entry["origin"] == "brief" and entry["scenario"]["sha256"] == load(v3).sha256
    assert {f["model"] for f in entry["forecasts"]} == {"compromise"}
    assert entry["lab"]["model"] == "compromise" and entry["lab"]["strategies"]
