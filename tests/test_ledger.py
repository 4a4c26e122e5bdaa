"""The forecast ledger: entries appended with a hash chain, tampering reported with its line, and every entry
graded once the scenario records outcomes dated after its as_of."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.scenario import ScenarioError, load
from realpolitik.workflows.ledger import (
    GENESIS,
    QUANTILES,
    LedgerScoreRequest,
    RecordRequest,
    entry_hash,
    quantile_score,
    read_ledger,
    record,
    score_ledger,
)
from tests.test_indicators import builtin_data, write_scenario

FAST = {"draws": 8, "models": ("compromise",), "lab_model": "compromise"}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two entries: the built-in scenario recorded twice (the second with a different seed)."""
    folder = tmp_path_factory.mktemp("ledger")
    path = folder / "forecasts.ledger.jsonl"
    loaded = load("afghanistan-2025")
    record(RecordRequest(loaded, path, seed=0, **FAST))  # type: ignore[arg-type]
    record(RecordRequest(loaded, path, seed=1, **FAST))  # type: ignore[arg-type]
    return path


def test_entries_are_chained(ledger: Path) -> None:
    first, second = read_ledger(ledger)
    assert (first["seq"], first["prev"]) == (1, GENESIS) and (second["seq"], second["prev"]) == (2, first["sha256"])
    assert all(entry_hash(e) == e["sha256"] for e in (first, second))
    s = load("afghanistan-2025")
    assert first["scenario"]["sha256"] == s.sha256 and first["scenario"]["as_of"] == str(s.scenario.as_of)
    assert first["code"]["realpolitik"] and first["date"] and first["recorded"].startswith(first["date"])
    forecasts = {(f["model"], f["issue"]) for f in first["forecasts"]}
    assert forecasts == {("compromise", i.id) for i in s.scenario.issues}
    for f in first["forecasts"]:
        assert len(f["quantiles"]) == len(QUANTILES) and f["quantiles"] == sorted(f["quantiles"])
    strategies = [r["strategy"] for r in first["lab"]["strategies"]]
    assert strategies == [x.id for x in s.scenario.strategies]
    assert {"expected_utility", "expected_utility_se", "p_best"} <= set(first["lab"]["strategies"][0])
    assert first["lab"]["seed"] == 0 and second["lab"]["seed"] == 1
    lines = ledger.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["sha256"] for x in lines)


def _tampered(ledger: Path, tmp_path: Path, change: Any) -> Path:
    lines = ledger.read_text().splitlines()
    out = tmp_path / "tampered.jsonl"
    out.write_text("\n".join(change(lines)) + "\n")
    return out


def _edit_first(lines: list[str]) -> list[str]:
    entry = json.loads(lines[0])
    entry["forecasts"][0]["forecast"] += 10
    return [json.dumps(entry), *lines[1:]]


def _rehash_first(lines: list[str]) -> list[str]:
    entry = json.loads(lines[0])
    entry["forecasts"][0]["forecast"] += 10
    entry["sha256"] = entry_hash(entry)  # a careful forger: entry 1 is consistent again, entry 2 no longer follows
    return [json.dumps(entry), *lines[1:]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_edit_first, ["1: sha256: entry 1 was changed after it was recorded"]),
        (_rehash_first, ["2: prev: entry 2 does not follow the entry before it"]),
        (
            lambda lines: lines[1:],
            ["1: prev: entry 2 does not follow", "1: seq: entry numbered 2 stands at position 1"],
        ),
        (lambda lines: [lines[1], lines[0]], ["1: prev: entry 2 does not follow", "1: seq: entry numbered 2"]),
        (lambda lines: [*lines, "{not json"], ["3: (document): not a JSON entry"]),
    ],
    ids=["edited", "edited-and-rehashed", "removed", "reordered", "junk"],
)
def test_tampering_is_reported_with_its_line(ledger: Path, tmp_path: Path, change: Any, expected: list[str]) -> None:
    bad = _tampered(ledger, tmp_path, change)
    with pytest.raises(ScenarioError) as err:
        read_ledger(bad)
    found = [str(p) for p in err.value.problems]
    for want in expected:
        assert any(line.startswith(f"{bad}:{want}") for line in found), (want, found)
    before = bad.read_bytes()
    r = CliRunner().invoke(app, ["record", "afghanistan-2025", "--ledger", str(bad), "--draws", "2"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert bad.read_bytes() == before  # nothing appended to a tampered ledger
    r = CliRunner().invoke(app, ["score", "afghanistan-2025", "--ledger", str(bad)])
    assert r.exit_code == 2 and r.output.strip().splitlines()[0].startswith(f"{bad}:")


def test_grading_against_outcomes_recorded_since(ledger: Path, tmp_path: Path) -> None:
    data = builtin_data()
    issues = [i["id"] for i in data["issues"]]
    data["horizon"] = "6 months"
    data["outcomes"] = [
        {"issue": issues[0], "value": 60, "date": "2025-08-15", "sources": ["editorial"]},
        {"issue": issues[0], "value": 10, "date": "2026-12-31"},  # farther from as_of + horizon: not used
        {"issue": issues[1], "value": {"value": 20, "low": 10, "high": 30}, "date": "2025-07-31"},
    ]
    later = load(write_scenario(tmp_path / "later.yaml", data))
    result = score_ledger(LedgerScoreRequest(later, ledger))
    assert result.entries == 2 and result.head == read_ledger(ledger)[-1]["sha256"]
    entry = read_ledger(ledger)[0]
    scored = [x for x in result.scores if x.seq == 1 and x.model == "compromise"]
    assert {x.issue for x in scored} == {issues[0], issues[1]}
    first = next(x for x in scored if x.issue == issues[0])
    f = next(f for f in entry["forecasts"] if f["issue"] == issues[0])
    assert (first.forecast, first.outcome, first.outcome_date) == (f["forecast"], 60, "2025-08-15")
    assert first.abs_error == pytest.approx(abs(f["forecast"] - 60))
    assert first.quantile_score == pytest.approx(quantile_score(f["quantiles"], 60))
    assert first.inside90 == (f["quantiles"][0] <= 60 <= f["quantiles"][-1])
    base = next(x for x in result.scores if x.seq == 1 and x.model == "no-change" and x.issue == issues[0])
    sq = entry["scenario"]["issues"][issues[0]]["status_quo"]
    assert base.abs_error == pytest.approx(abs(sq - 60)) and base.quantile_score == pytest.approx(base.abs_error)
    summary = {r["model"]: r for r in result.summary()}
    assert summary["compromise"]["entries"] == 2 and summary["no-change"]["skill_vs_no_change"] == 0
    # outcomes dated before the forecast's as_of grade nothing
    data["outcomes"] = [{"issue": issues[0], "value": 60, "date": "2025-01-31"}]
    early = score_ledger(LedgerScoreRequest(load(write_scenario(tmp_path / "early.yaml", data)), ledger))
    assert early.scores == () and "have no outcome dated after their as_of yet" in early.notes[0]


def test_quantile_score_of_a_point_forecast_is_its_error() -> None:
    assert quantile_score([40.0] * len(QUANTILES), 55.0) == pytest.approx(15.0)


def test_other_scenarios_are_left_out(ledger: Path, tmp_path: Path) -> None:
    data = builtin_data()
    data["id"] = "another"
    data.pop("supersedes", None)
    result = score_ledger(LedgerScoreRequest(load(write_scenario(tmp_path / "another.yaml", data)), ledger))
    assert result.scores == () and result.notes[0] == "2 of 2 entries are of other scenarios and were not graded."


def test_record_and_score_commands(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    runner = CliRunner()
    args = ["--ledger", str(path), "--draws", "4", "-m", "compromise", "--lab-model", "compromise"]
    r = runner.invoke(app, ["record", "afghanistan-2025", *args])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"recorded: {path} entry 1: afghanistan-2025 (sha256 ")
    head = read_ledger(path)[0]["sha256"]
    assert f"head: {head}" in r.output
    r = runner.invoke(app, ["record", "--verify", "--ledger", str(path)])
    assert r.exit_code == 0 and r.output.strip() == f"ok: {path}: 1 entries, hash chain intact; head {head}"
    r = runner.invoke(app, ["score", "afghanistan-2025", "--ledger", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["entries"] == 1
    r = runner.invoke(app, ["record", "--ledger", str(path)])
    assert r.exit_code == 2 and r.output.startswith("SCENARIO:")
