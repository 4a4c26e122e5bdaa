"""Dyad indicators: the acceptance hand count on real GDELT rows, and synthetic checks of every option."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from realpolitik.cli.events import app
from realpolitik.events import actors, indicators, ingest, store
from realpolitik.events.errors import EventsError
from tests.test_events_ingest import gdelt2_row, write

DAYS = ("20201113", "20201114", "20201115")


def hand_count(folder: Path) -> dict[str, dict[str, float]]:
    """Count the Pakistan-Afghanistan rows of the three Nov 2020 extracts with the csv module, no DuckDB.

    Documented columns of these files (shared/data/README.md): ``Actor_1_Country_ABBR`` / ``Actor_2_Country_ABBR``
    hold Actor1CountryCode / Actor2CountryCode, ``Day`` is SQLDATE, ``Quad_Class``, ``Goldstein_Scale``,
    ``Num_Mentions``. A row counts when the two country codes are {PAK, AFG}, in either order.
    """
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day in DAYS:
        with open(folder / f"{day}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                d = out[row["Day"]]
                d["total"] += 1
                if {row["Actor_1_Country_ABBR"], row["Actor_2_Country_ABBR"]} != {"PAK", "AFG"}:
                    continue
                g, m = float(row["Goldstein_Scale"]), int(row["Num_Mentions"])
                d["n"] += 1
                d[f"q{row['Quad_Class']}"] += 1
                d["goldstein_sum"] += g
                d["goldstein_wsum"] += g * m
                d["mentions"] += m
    return out


@pytest.fixture(scope="module")
def nov2020(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("nov") / "w.duckdb"
    con = store.connect(ws)
    reps = ingest.ingest_paths(con, [shared_data / "events/gdelt" / f"{d}.csv" for d in DAYS])
    assert all(r.status == "loaded" for r in reps)
    actors.install(con)
    con.close()
    return ws


@pytest.mark.reference
def test_acceptance_pak_afg_matches_hand_count(shared_data: Path, nov2020: Path) -> None:
    expected = hand_count(shared_data / "events/gdelt")
    res = CliRunner().invoke(
        app,
        [
            "dyads",
            "--workspace",
            str(nov2020),
            "--actors",
            "PAK,AFG",
            "--freq",
            "day",
            "--format",
            "json",
            "--all-columns",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {r["period"].replace("-", ""): r for r in json.loads(res.output)}
    assert set(rows) == set(DAYS)
    for day in DAYS:
        e, r = expected[day], rows[day]
        assert r["n"] == e["n"] and r["total"] == e["total"]
        assert (r["verbal_coop"], r["material_coop"], r["verbal_conflict"], r["material_conflict"]) == (
            e["q1"],
            e["q2"],
            e["q3"],
            e["q4"],
        )
        assert r["goldstein_sum"] == pytest.approx(e["goldstein_sum"], abs=1e-9)
        assert r["goldstein_mean"] == pytest.approx(e["goldstein_sum"] / e["n"])
        assert r["goldstein_wmean"] == pytest.approx(e["goldstein_wsum"] / e["mentions"])
        assert r["net_coop"] == pytest.approx((e["q1"] + e["q2"] - e["q3"] - e["q4"]) / e["n"])
        assert r["share"] == pytest.approx(e["n"] / e["total"])
    # Typed from a hand count: `grep` for rows whose Actor_1/2_Country_ABBR are PAK and AFG in each file, then
    # reading Quad_Class and Goldstein_Scale off the 17 rows (4 + 12 + 1):
    # 13 Nov: 043 (2.8), 080 (5.0) x2, 042 (1.9)            -> n 4, quad 1/2/3/4 = 2/2/0/0, Goldstein sum 14.7
    # 14 Nov: 112 (-2.0) x2, 043 (2.8) x3, 010 (0.0), 046 (7.0), 051 (3.4) x2, 042 (1.9) x3
    #                                                        -> n 12, quad = 10/0/2/0, Goldstein sum 23.9
    # 15 Nov: 061 (6.4)                                      -> n 1, quad = 0/1/0/0, Goldstein sum 6.4
    typed = {"20201113": (4, 2, 2, 0, 0, 14.7), "20201114": (12, 10, 0, 2, 0, 23.9), "20201115": (1, 0, 1, 0, 0, 6.4)}
    for day, (n, q1, q2, q3, q4, gsum) in typed.items():
        r = rows[day]
        assert (r["n"], r["verbal_coop"], r["material_coop"], r["verbal_conflict"], r["material_conflict"]) == (
            n,
            q1,
            q2,
            q3,
            q4,
        )
        assert r["goldstein_sum"] == pytest.approx(gsum)
    assert rows["20201114"]["net_coop"] == pytest.approx(8 / 12)


@pytest.mark.reference
def test_weekly_pak_afg_matches_csv_count(shared_data: Path, nov2020: Path) -> None:
    """--freq week: periods start on the Monday (ISO week) of SQLDATE; counted with the csv module."""
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day in DAYS:
        with open(shared_data / "events/gdelt" / f"{day}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                d = dt.datetime.strptime(row["Day"], "%Y%m%d").date()
                e = expected[str(d - dt.timedelta(days=d.weekday()))]
                e["total"] += 1
                if {row["Actor_1_Country_ABBR"], row["Actor_2_Country_ABBR"]} == {"PAK", "AFG"}:
                    e["n"] += 1
                    e[f"q{row['Quad_Class']}"] += 1
                    e["goldstein_sum"] += float(row["Goldstein_Scale"])
    res = CliRunner().invoke(
        app,
        [
            "dyads",
            "--workspace",
            str(nov2020),
            "--actors",
            "PAK,AFG",
            "--freq",
            "week",
            "--format",
            "json",
            "--all-columns",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["period"][:10] for r in rows] == sorted(expected) == ["2020-11-09"]
    r, e = rows[0], expected["2020-11-09"]
    assert (r["n"], r["total"]) == (e["n"], e["total"])
    assert (r["verbal_coop"], r["material_coop"], r["verbal_conflict"], r["material_conflict"]) == (
        e["q1"],
        e["q2"],
        e["q3"],
        e["q4"],
    )
    assert r["goldstein_sum"] == pytest.approx(e["goldstein_sum"], abs=1e-9)


@pytest.mark.reference
def test_reliability_filter_on_real_rows(shared_data: Path, nov2020: Path) -> None:
    expected = 0
    for day in DAYS:
        with open(shared_data / "events/gdelt" / f"{day}.csv", newline="", encoding="utf-8") as fh:
            expected += sum(
                1
                for r in csv.DictReader(fh)
                if {r["Actor_1_Country_ABBR"], r["Actor_2_Country_ABBR"]} == {"PAK", "AFG"}
                and int(r["Num_Mentions"]) >= 4
                and float(r["Confidence"]) >= 40
            )
    con = duckdb.connect(str(nov2020), read_only=True)
    t = indicators.dyad_indicators(
        con, ["PAK", "AFG"], freq="month", reliability=indicators.Reliability(min_mentions=4, min_confidence=40)
    )
    con.close()
    assert t.column("n").to_pylist() == [expected] and expected == 5


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    rows = [
        gdelt2_row(1, date="20211004", code="043", a1="PAKGOV", a2="AFGGOV", goldstein="2.8"),  # week 2021-10-04
        gdelt2_row(
            2, date="20211005", code="190", a1="AFGGOV", a2="PAKMIL", goldstein="-10", NumMentions="1", QuadClass="4"
        ),
        gdelt2_row(3, date="20211020", code="057", a1="PAKGOV", a2="AFGGOV", goldstein="8.0", NumMentions="10"),
        gdelt2_row(4, date="20211020", code="043", a1="USAGOV", a2="GBRGOV"),
        gdelt2_row(5, date="20211201", code="112", a1="PAKGOV", a2="AFGGOV", goldstein="-2.0", QuadClass="3"),
    ]
    path = tmp_path / "w.duckdb"
    con = store.connect(path)
    ingest.ingest_file(con, write(tmp_path / "a.export.CSV", rows))
    actors.install(con)
    con.close()
    return path


def test_directed_monthly_zero_filled(ws: Path) -> None:
    con = duckdb.connect(str(ws), read_only=True)
    t = indicators.dyad_indicators(con, ["pakistan", "taliban"], freq="month", directed=True).to_pylist()
    con.close()
    got = {(r["actor_a"], str(r["period"])): r for r in t}
    assert got[("pakistan", "2021-10-01")]["n"] == 2 and got[("taliban", "2021-10-01")]["n"] == 1
    assert got[("taliban", "2021-10-01")]["material_conflict"] == 1
    assert got[("pakistan", "2021-11-01")]["n"] == 0 and got[("pakistan", "2021-11-01")]["net_coop"] is None
    assert got[("pakistan", "2021-11-01")]["total"] == 0
    assert got[("pakistan", "2021-12-01")]["verbal_conflict"] == 1
    oct_ = got[("pakistan", "2021-10-01")]
    assert oct_["goldstein_sum"] == pytest.approx(10.8) and oct_["total"] == 4 and oct_["share"] == 0.5
    assert oct_["goldstein_wmean"] == pytest.approx((2.8 * 4 + 8.0 * 10) / 14)


def test_undirected_weekly_and_filters(ws: Path) -> None:
    con = duckdb.connect(str(ws), read_only=True)
    t = indicators.dyad_indicators(
        con, ["PAK", "AFG"], freq="week", reliability=indicators.Reliability(min_mentions=2)
    ).to_pylist()
    first = t[0]
    assert str(first["period"]) == "2021-10-04" and first["n"] == 1  # event 2 has 1 mention: filtered out
    assert sum(r["n"] for r in t) == 3
    t2 = indicators.dyad_indicators(con, ["PAK", "AFG"], freq="year", start=dt.date(2021, 10, 6)).to_pylist()
    assert [r["n"] for r in t2] == [2]
    with pytest.raises(EventsError, match="unknown actor"):
        indicators.dyad_indicators(con, ["pakistan", "nowhere"])
    with pytest.raises(EventsError, match="at least two"):
        indicators.dyad_indicators(con, ["pakistan"])
    con.close()


def test_cli_formats_and_errors(ws: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["dyads", "-w", str(ws), "--actors", "pakistan,taliban", "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("source,period,actor_a,actor_b,n,")
    r = CliRunner().invoke(app, ["dyads", "-w", str(ws), "--actors", "pakistan,taliban"])
    assert r.exit_code == 0 and "pakistan" in r.output
    for args in (
        ["--actors", "pakistan,zz"],
        ["--actors", "PAK,AFG", "--freq", "fortnight"],
        ["--actors", "PAK,AFG", "--format", "xml"],
        ["--actors", "PAK,AFG", "--from", "yesterday"],
    ):
        r = CliRunner().invoke(app, ["dyads", "-w", str(ws), *args])
        assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output, args
    r = CliRunner().invoke(app, ["dyads", "-w", str(tmp_path / "none.duckdb"), "--actors", "PAK,AFG"])
    assert r.exit_code == 2 and "no such workspace" in r.output


@pytest.mark.reference
def test_acled_summary_real(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "events/acled/acled_old_deletion_dummy.csv"
    con = store.connect(tmp_path / "w.duckdb")
    ingest.ingest_file(con, src)
    actors.install(con)
    with open(src, newline="", encoding="utf-8") as fh:
        pak = [r for r in csv.DictReader(fh) if r["country"] == "Pakistan"]
    t = indicators.acled_summary(con, by=["type"], freq=None, countries=["Pakistan"]).to_pylist()
    assert sum(r["events"] for r in t) == len(pak) == 224
    assert sum(r["fatalities"] for r in t) == sum(int(r["fatalities"]) for r in pak)
    prov = indicators.acled_summary(con, by=["province"], freq="month", countries=["Pakistan"]).to_pylist()
    assert sum(r["events"] for r in prov) == 224
    ttp = indicators.acled_summary(con, by=["actor"], freq=None, actors=["ttp"]).to_pylist()
    assert any(r["actor"] == "ttp" and r["events"] >= 7 for r in ttp)
    con.close()
    res = CliRunner().invoke(
        app,
        [
            "acled",
            "-w",
            str(tmp_path / "w.duckdb"),
            "--by",
            "type,province",
            "--country",
            "Afghanistan",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0 and sum(r["events"] for r in json.loads(res.stdout)) == 105
