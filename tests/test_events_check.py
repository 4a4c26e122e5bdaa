"""Assumption check: a synthetic workspace built so that two of the built-in scenario's channels are contradicted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from realpolitik.events import actors, ingest, store
from realpolitik.events.check import CAVEAT, check_assumptions
from realpolitik.events.cli import check_command
from realpolitik.scenario.load import load_scenario
from tests.test_events_ingest import gdelt2_row, write

AS_OF = dt.date(2025, 1, 31)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("check")
    rows: list[str] = []
    eid = 0

    def add(day: dt.date, a1: str, a2: str, code: str = "043", quad: str = "1", k: int = 1) -> None:
        nonlocal eid
        for _ in range(k):
            eid += 1
            rows.append(gdelt2_row(eid, date=day.strftime("%Y%m%d"), code=code, a1=a1, a2=a2, QuadClass=quad))

    before, now = dt.date(2024, 6, 1), dt.date(2024, 12, 1)
    for day in (before, now):  # the same background volume in both windows
        add(day, "USAGOV", "GBRGOV", k=100)
        add(day, "CHNGOV", "USAGOV", k=15)  # China is in the news, never with the Taliban
    add(before, "INDGOV", "AFGGOV", k=2)  # India-Taliban cooperation: 2 events, then 20
    add(now, "INDGOV", "AFGGOV", k=20)
    add(now, "PAKGOV", "AFGGOV", code="190", quad="4", k=3)
    con = store.connect(tmp / "w.duckdb")
    ingest.ingest_file(con, write(tmp / "x.export.CSV", rows))
    actors.install(con)
    con.close()
    return tmp / "w.duckdb"


def test_contradictions_with_their_numbers(ws: Path) -> None:
    scen = load_scenario("afghanistan-2025")
    found = check_assumptions(scen, ws, window=180, as_of=AS_OF)
    by = {(f.kind, f.actors): f for f in found}
    rising = by[("weak_channel_cooperation_rising", ("taliban_kandahar", "india"))]
    assert rising.scenario["channel_strength"] == pytest.approx(0.1)
    assert rising.evidence["cooperation"] == 20 and rising.evidence["cooperation_before"] == 2
    assert rising.window == ("2024-08-05", "2025-01-31") and rising.source == "gdelt"
    assert "0.10" in rising.message and "20 cooperation events" in rising.message
    assert ("weak_channel_cooperation_rising", ("taliban_kabul", "india")) not in by  # 0.5 is not weak
    silent = by[("strong_channel_no_events", ("taliban_kabul", "china"))]
    assert silent.evidence["events"] == 0 and silent.evidence["events_of_a"] >= 10
    assert silent.scenario["channel_strength"] == pytest.approx(0.8)
    assert ("not_assessable", ("taliban_kandahar", "taliban_kabul")) in by
    for f in found:
        assert f.caveat == CAVEAT
        low = f.message.lower()
        assert not any(w in low for w in ("should", "recommend", "must", "advise"))


def test_no_coverage_is_one_finding(ws: Path) -> None:
    found = check_assumptions(load_scenario("afghanistan-2025"), ws, window=30, as_of=dt.date(2019, 1, 1))
    assert [f.kind for f in found] == ["no_coverage"]
    assert "2024-06-01" in found[0].message


def test_check_command_mounts_and_fails_cleanly(ws: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command(name="check")(check_command)

    @app.callback()
    def _root() -> None:
        """Root."""

    r = CliRunner().invoke(app, ["check", "afghanistan-2025", "--workspace", str(ws), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert any(f["kind"] == "strong_channel_no_events" for f in json.loads(r.output))
    r = CliRunner().invoke(app, ["check", "afghanistan-2025", "--workspace", str(ws)])
    assert r.exit_code == 0 and "[weak_channel_cooperation_rising]" in r.output and CAVEAT in r.output
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    for args in (
        ["nope-scenario", "--workspace", str(ws)],
        ["afghanistan-2025", "--workspace", str(bad)],
        ["afghanistan-2025", "--workspace", str(tmp_path / "missing")],
        ["afghanistan-2025", "--workspace", str(ws), "--as-of", "soon"],
    ):
        r = CliRunner().invoke(app, ["check", *args])
        assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output, args
