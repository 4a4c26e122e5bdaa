"""Assumption check: a synthetic workspace built so that two of the built-in scenario's channels are contradicted,
and the real ``realpolitik check`` command on the real Nov 2020 GDELT rows against a csv-module count."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.events import actors, ingest, store
from realpolitik.scenario.load import load_scenario
from realpolitik.workflows.check import CAVEAT, check_assumptions
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


# --- the real command on real rows -------------------------------------------------------------------------------

DAYS = ("20201113", "20201114", "20201115")
STATE_ROLES = {"GOV", "MIL", "COP", "SPY", "JUD", "LEG"}
NOT_STATE = {"INS", "REB", "OPP", "UAF"}
STATES = {"PAK": "pakistan", "CHN": "china", "RUS": "russia", "IRN": "iran", "IND": "india", "USA": "united_states"}
STATES |= {"QAT": "qatar", "ARE": "uae", "UZB": "uzbekistan", "TKM": "turkmenistan"}


def resolve(code: str, name: str, country: str, roles: set[str]) -> str | None:
    """The default alias rules (src/realpolitik/events/data/actors.yaml) written out by hand for GDELT rows dated
    Nov 2020 (before the 15 Aug 2021 switch, so Afghan state codes are the Republic, not the Taliban)."""
    if code.startswith("PAKINSTAL") or re.search(r"(?i)(tehr[ei]+k|tahrik|tehrik)[- ]?(e|i)?[- ]?taliban", name):
        return "ttp"
    if re.search(r"(?i)pakistani taliban", name):
        return "ttp"
    if code.startswith(("AFGINSTAL", "AFGTAL")):
        return "taliban"
    if re.search(r"(?i)\btaliban\b", name) and not re.search(r"(?i)pakistan|tehr[ei]+k|tahrik|\bttp\b", name):
        return "taliban"
    state_like = (not roles or roles & STATE_ROLES) and not roles & NOT_STATE
    if state_like and country == "AFG":
        return "afghanistan_republic"
    if state_like and country in STATES:
        return STATES[country]
    return None


def csv_evidence(folder: Path) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], Counter[int]]]:
    """Per analytic actor: events it appears in (once per side); per unordered pair: events by quad class."""
    appears: Counter[tuple[str, str]] = Counter()
    pairs: dict[tuple[str, str], Counter[int]] = {}
    for day in DAYS:
        with open(folder / f"{day}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                sides = []
                for n in (1, 2):
                    roles = {row[f"Actor_{n}_Role{k}"] for k in ("", "2", "3")} - {""}
                    # documented quirk: Actor_n_Country_Code holds ActorNCode, _ABBR holds ActorNCountryCode
                    sides.append(
                        resolve(
                            row[f"Actor_{n}_Country_Code"],
                            row[f"Actor_{n}_Name"],
                            row[f"Actor_{n}_Country_ABBR"],
                            roles,
                        )
                    )
                for a in sides:
                    if a:
                        appears[("gdelt", a)] += 1
                a, b = sides
                if a and b and a != b:
                    pairs.setdefault(tuple(sorted((a, b))), Counter())[int(row["Quad_Class"])] += 1
    return appears, pairs


@pytest.fixture(scope="module")
def nov2020(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("nov") / "w.duckdb"
    r = CliRunner().invoke(
        app,
        ["events", "ingest", *[str(shared_data / "events/gdelt" / f"{d}.csv") for d in DAYS], "--workspace", str(ws)],
    )
    assert r.exit_code == 0, r.output
    return ws


@pytest.mark.reference
def test_real_check_command_numbers_match_csv_count(shared_data: Path, nov2020: Path) -> None:
    """`realpolitik check afghanistan-2025 --as-of 2020-11-15 --window 30` on the three Nov 2020 files: the window
    (16 Oct..15 Nov) holds every row, so each finding's counts must equal a count of the files' rows."""
    r = CliRunner().invoke(
        app,
        [
            "check",
            "afghanistan-2025",
            "--workspace",
            str(nov2020),
            "--as-of",
            "2020-11-15",
            "--window",
            "30",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    found = json.loads(r.output)
    appears, pairs = csv_evidence(shared_data / "events/gdelt")
    total = 0
    for day in DAYS:
        with open(shared_data / "events/gdelt" / f"{day}.csv", newline="", encoding="utf-8") as fh:
            total += sum(1 for _ in csv.DictReader(fh))
    scen = load_scenario("afghanistan-2025")
    evidential = [f for f in found if f["source"] == "gdelt"]
    assert evidential, found
    kinds = {f["kind"] for f in evidential}
    assert "strong_channel_no_events" in kinds  # taliban_kabul-china: 0.8 in the scenario, no event in the rows
    smap = actors.default_actors().scenario_map()
    for f in evidential:
        a, b = (smap[x] for x in f["actors"])
        q = pairs.get(tuple(sorted((a, b))), Counter())
        ev = f["evidence"]
        assert ev["source_events"] == total
        assert ev["events"] == sum(q.values())
        assert (ev["cooperation"], ev["verbal_conflict"], ev["material_conflict"]) == (q[1] + q[2], q[3], q[4])
        assert (ev["events_of_a"], ev["events_of_b"]) == (appears[("gdelt", a)], appears[("gdelt", b)])
        assert ev["cooperation_before"] == 0 and ev["source_events_before"] == 0
        assert f["window"] == ["2020-10-17", "2020-11-15"]
        link = {frozenset(lk.between): lk.strength for lk in scen.channels.links}
        strength = link.get(frozenset(f["actors"]), scen.channels.default.value)
        assert f["scenario"]["channel_strength"] == pytest.approx(float(getattr(strength, "value", strength)))
        if f["kind"] == "strong_channel_no_events":
            assert ev["events"] == 0 and min(ev["events_of_a"], ev["events_of_b"]) >= 10
        if f["kind"] == "aligned_but_conflict":
            assert ev["material_conflict"] >= 0.25 * ev["events"] and ev["events"] >= 10
    assert appears[("gdelt", "taliban")] == 17  # the README's count of AFGINSTAL rows in these files
