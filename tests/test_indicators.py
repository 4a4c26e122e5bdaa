"""Issue indicators: validation with one line per problem, the mapping, readings from a synthetic ACLED workspace
and from CSV series (hand-counted), and the check's issue-level findings, signposts and evidence warnings.

The workspace holds synthetic ACLED rows (labelled as such in every row's notes): Pakistani air and artillery
strikes located in Afghanistan, 1-3 a month in 2024 and 4-7 a month from January 2025, and three TTP clashes in
Pakistan every month so that the data cover every month evenly. The same workspace is the worked example of
docs/living-scenario.md (tests/test_diff_update.py)."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.events import actors, ingest, store
from realpolitik.events.formats import ACLED_COLUMNS
from realpolitik.scenario import ScenarioError, dump, load
from realpolitik.scenario.indicators import PERIOD_DAYS, Calibration, Indicator, Supersedes, map_level
from realpolitik.workflows.check import CheckRequest, check
from realpolitik.workflows.indicators import poisson_interval, read_csv_series, read_indicators

STRIKES = [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 3, 4, 5, 6, 5, 7, 6]
"""Synthetic strikes per month, January 2024 to June 2025."""
STRIKE_DAYS = (3, 7, 11, 15, 19, 23, 27)
AS_OF = dt.date(2025, 6, 30)
TRADE = [92, 88, 95, 90, 86, 84, 80, 71, 64, 60, 57, 55]
"""Synthetic monthly trade through the crossings, million USD, July 2024 to June 2025."""

STRIKES_INDICATOR: dict[str, Any] = {
    "id": "pak_strikes_in_afghanistan",
    "issue": "cross_border_strikes",
    "name": "Pakistani air and artillery strikes located in Afghanistan (ACLED)",
    "events": {
        "dyad": ["pakistan", "*"],
        "acled": ["Air/drone strike", "Shelling/artillery/missile attack"],
        "location": ["Afghanistan"],
        "datasets": ["acled"],
    },
    "per": "month",
    "window": 90,
    "mapping": [
        {"evidence": 0, "level": 0, "label": "no strikes"},
        {"evidence": 1.5, "level": 25, "label": "one or two a month"},
        {"evidence": 4.3, "level": 60, "label": "weekly"},
        {"evidence": 30, "level": 90, "label": "daily"},
    ],
    "rationale": "The issue's anchors read as strike frequencies: rare (25) is one or two a month, weekly is 60.",
    "sources": ["editorial"],
}
TRADE_INDICATOR: dict[str, Any] = {
    "id": "crossing_trade",
    "issue": "trade_transit",
    "name": "Monthly trade through Torkham and Chaman, million USD (synthetic)",
    "csv": "trade-synthetic.csv",
    "measure": "level",
    "per": "month",
    "window": 90,
    "mapping": [[0, 0], [60, 25], [120, 50], [180, 75], [250, 100]],
    "rationale": "Illustrative calibration of monthly trade volumes against the issue's anchors.",
    "sources": ["editorial"],
}


def acled_row(n: int, day: dt.date, sub: str, a1: str, a2: str, country: str, fatalities: int) -> dict[str, str]:
    types = {"Armed clash": "Battles"}
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"SYN{n}",
        event_date=day.isoformat(),
        year=str(day.year),
        time_precision="1",
        disorder_type="Political violence",
        event_type=types.get(sub, "Explosions/Remote violence"),
        sub_event_type=sub,
        actor1=a1,
        inter1="1" if a1.startswith("Military") else "2",
        actor2=a2,
        inter2="1" if a2.startswith("Military") else "2",
        country=country,
        admin1="Paktika" if country == "Afghanistan" else "Khyber Pakhtunkhwa",
        location="synthetic",
        latitude="33.0",
        longitude="69.0",
        source="SYNTHETIC",
        notes="Synthetic row for tests and the worked example; not an event.",
        fatalities=str(fatalities),
        timestamp="1700000000",
    )
    return row


def write_example_evidence(folder: Path) -> Path:
    """The synthetic ACLED workspace and trade CSV of the worked example; returns the workspace."""
    rows: list[dict[str, str]] = []
    pak, ttp = "Military Forces of Pakistan (2018-)", "TTP: Tehreek-i-Taliban Pakistan"
    for m, k in enumerate(STRIKES):
        year, month = 2024 + m // 12, m % 12 + 1
        for j in range(k):
            sub = "Air/drone strike" if j % 2 == 0 else "Shelling/artillery/missile attack"
            rows.append(acled_row(len(rows) + 1, dt.date(year, month, STRIKE_DAYS[j]), sub, pak, ttp, "Afghanistan", 2))
        for d in (1, 15, 28):
            rows.append(acled_row(len(rows) + 1, dt.date(year, month, d), "Armed clash", ttp, pak, "Pakistan", 3))
    with open(folder / "acled-synthetic.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    trade = "date,value,source\n" + "".join(
        f"{2024 + (6 + k) // 12}-{(6 + k) % 12 + 1:02d},{v},synthetic (worked example)\n" for k, v in enumerate(TRADE)
    )
    (folder / "trade-synthetic.csv").write_text(trade, encoding="utf-8")
    ws = folder / "w.duckdb"
    con = store.connect(ws)
    ingest.ingest_file(con, folder / "acled-synthetic.csv")
    actors.install(con)
    con.close()
    return ws


def builtin_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(dump(load("afghanistan-2025").scenario))
    return data


def write_scenario(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def example_v1(folder: Path) -> Path:
    """The built-in scenario with the two indicators of the worked example, as v1.yaml beside the evidence."""
    data = builtin_data()
    data["indicators"] = [STRIKES_INDICATOR, TRADE_INDICATOR]
    return write_scenario(folder / "v1.yaml", data)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("indicators")
    write_example_evidence(folder)
    example_v1(folder)
    return folder


# --- validation ----------------------------------------------------------------------------------------------


def _with(**changes: Any) -> dict[str, Any]:
    ind: dict[str, Any] = json.loads(json.dumps(STRIKES_INDICATOR))
    for key, value in changes.items():
        if key.startswith("events_"):
            ind["events"][key.removeprefix("events_")] = value
        else:
            ind[key] = value
    return ind


BAD = [
    (_with(events_dyad=["pakistan", "ghost"]), "indicators[0].events.dyad[1]", "unknown actor 'ghost'"),
    (_with(events_dyad=["*", "pakistan"]), "indicators[0].events.dyad[0]", "String should match pattern"),
    (_with(events_cameo=["19", "999"]), "indicators[0].events.cameo[1]", "unknown CAMEO code '999'"),
    (_with(events_plover=["BOMB"]), "indicators[0].events.plover[0]", "unknown PLOVER category 'BOMB'"),
    (_with(events_acled=["Bombing"]), "indicators[0].events.acled[0]", "unknown ACLED event type 'Bombing'"),
    (_with(events_roles=["ARMY"]), "indicators[0].events.roles[0]", "unknown CAMEO role 'ARMY'"),
    (_with(issue="nope"), "indicators[0].issue", "unknown issue 'nope'"),
    (_with(mapping=[[0, 0], [2, 60], [4, 40]]), "indicators[0].mapping[2].level", "the mapping is not monotone"),
    (_with(mapping=[[0, 0], [2, 60], [2, 70]]), "indicators[0].mapping[2].evidence", "evidence values must increase"),
    (_with(mapping=[[0, 0], [2, 120]]), "indicators[0].mapping[1].level", "outside the issue's scale [0, 100]"),
    (_with(mapping=[[0, 50], [2, 50]]), "indicators[0].mapping", "the mapping is flat"),
    (_with(mapping=[[0, 0]]), "indicators[0].mapping", "at least two calibration points"),
    (_with(csv="x.csv"), "indicators[0]", "give either events or csv"),
    (_with(measure="level"), "indicators[0]", "measure 'level' applies to CSV series"),
    (_with(sources=["nowhere"]), "indicators[0].sources[0]", "unknown source 'nowhere'"),
    (_with(per="fortnight"), "indicators[0].per", "Input should be"),
]


@pytest.mark.parametrize(("indicator", "where", "message"), BAD, ids=[b[2][:30] for b in BAD])
def test_bad_indicators_are_one_line_each(tmp_path: Path, indicator: dict[str, Any], where: str, message: str) -> None:
    data = builtin_data()
    data["indicators"] = [indicator]
    path = write_scenario(tmp_path / "s.yaml", data)
    with pytest.raises(ScenarioError) as err:
        load(path)
    lines = [str(p) for p in err.value.problems]
    assert len(lines) == 1, lines
    file, line, rest = lines[0].split(":", 2)
    assert file == str(path) and int(line) > 1
    assert rest.strip().startswith(f"{where}: ") and message in rest, lines


def test_validate_command_and_other_problems_in_one_run(tmp_path: Path) -> None:
    data = builtin_data()
    data["indicators"] = [_with(events_cameo=["999"]), _with(id="twice", mapping=[[0, 0], [2, 60], [4, 40]])]
    data["indicators"].append(dict(data["indicators"][1]))
    data["actors"][0]["capability"] = {"value": 5, "low": 10, "high": 20}  # a field error elsewhere
    path = write_scenario(tmp_path / "s.yaml", data)
    r = CliRunner().invoke(app, ["validate", str(path)])
    assert r.exit_code == 2
    out = r.output.strip().splitlines()
    assert any("indicators[0].events.cameo[0]: unknown CAMEO code '999'" in x for x in out)
    assert any("indicators[2].id: duplicate id 'twice' (also indicators[1])" in x for x in out)
    assert any("actors[0].capability" in x for x in out)
    assert not any("needs schema_version: 2" in x for x in out)  # salvage keeps the file's schema version


def test_indicators_need_schema_2(tmp_path: Path) -> None:
    data = builtin_data()
    data.pop("schema_version")
    for issue in data["issues"]:  # keep the file otherwise version 1
        issue.pop("decision", None)
    for key in ("stances", "interventions"):
        for x in data[key]:
            x.pop("influence", None)
            x.pop("success", None)
    for key in ("outcomes", "horizon", "supersedes"):
        data.pop(key, None)
    data["indicators"] = [STRIKES_INDICATOR]
    with pytest.raises(ScenarioError) as err:
        load(write_scenario(tmp_path / "s.yaml", data))
    assert [p.message for p in err.value.problems] == [
        "indicators needs schema_version: 2 (add `schema_version: 2` at the top of the file)"
    ]


def test_supersedes_forms() -> None:
    assert Supersedes.model_validate("afghanistan-2025") == Supersedes(id="afghanistan-2025")
    assert Supersedes.model_validate("old/v1.yaml") == Supersedes(file="old/v1.yaml")
    ref = Supersedes(id="a", file="v1.yaml", sha256="ab" * 32)
    assert ref.model_dump(mode="json") == {"id": "a", "file": "v1.yaml", "sha256": "ab" * 32}
    plain: Any = Supersedes(id="a").model_dump(mode="json")
    assert plain == "a"  # a plain id stays a plain id
    with pytest.raises(ValueError, match="String should match"):
        Supersedes(id="a", sha256="xyz")
    with pytest.raises(ValueError, match="name the previous version"):
        Supersedes.model_validate({"sha256": "ab" * 32})
    s = load("afghanistan-2025").scenario
    again = s.model_copy(update={"supersedes": ref})
    assert yaml.safe_load(dump(again))["supersedes"] == {"id": "a", "file": "v1.yaml", "sha256": "ab" * 32}


# --- the mapping and the intervals ---------------------------------------------------------------------------


def test_mapping_interpolates_and_clamps() -> None:
    points = [Calibration(evidence=e, level=v) for e, v in ((0, 0), (1.5, 25), (4.3, 60), (30, 90))]
    assert [map_level(points, x) for x in (0, 1.5, 4.3, 30)] == [0, 25, 60, 90]
    assert map_level(points, 3.0) == pytest.approx(25 + (3.0 - 1.5) / (4.3 - 1.5) * 35)
    assert map_level(points, -1) == 0 and map_level(points, 100) == 90
    log = map_level(points, 10, "log")
    assert log == pytest.approx(60 + (math.log1p(10) - math.log1p(4.3)) / (math.log1p(30) - math.log1p(4.3)) * 30)
    falling = [Calibration(evidence=0, level=100), Calibration(evidence=10, level=0)]
    assert map_level(falling, 2.5) == 75


def test_poisson_interval_is_exact() -> None:
    zero = poisson_interval(0, 0.9)
    assert zero[0] == 0.0 and zero[1] == pytest.approx(-math.log(0.05))
    lo, hi = poisson_interval(18, 0.9)
    assert stats.poisson.sf(17, lo) == pytest.approx(0.05)  # P[X >= 18 | lo] = 5 %
    assert stats.poisson.cdf(18, hi) == pytest.approx(0.05)  # P[X <= 18 | hi] = 5 %


# --- readings ------------------------------------------------------------------------------------------------


def test_event_reading_matches_a_hand_count(example: Path) -> None:
    loaded = load(example / "v1.yaml")
    (strikes, trade) = read_indicators(loaded.scenario, AS_OF, source=loaded.source, workspace=example / "w.duckdb")
    # window 2025-04-02..2025-06-30; the data end on 28 June, so 88 of its 90 days are covered
    assert strikes.window == (dt.date(2025, 4, 2), AS_OF)
    assert strikes.covered_days == 88 and strikes.data_range == (dt.date(2024, 1, 1), dt.date(2025, 6, 28))
    assert strikes.total == sum(STRIKES[-3:]) == 18
    exposure = 88 / PERIOD_DAYS["month"]
    lo, hi = poisson_interval(18, 0.9)
    assert strikes.rate is not None and strikes.level is not None
    assert strikes.rate == pytest.approx((18 / exposure, lo / exposure, hi / exposure))
    ind = loaded.scenario.indicators[0]
    assert strikes.level == pytest.approx(tuple(ind.level_of(x) for x in strikes.rate))
    assert strikes.level[1] < strikes.level[0] < strikes.level[2]
    # the series: whole months only (January 2024 to May 2025; June's data stop on the 28th)
    assert [v for _, v in strikes.series] == STRIKES[:-1]
    (sign,) = strikes.signposts
    assert sign.period == dt.date(2025, 1, 1) and sign.after > sign.before
    # the CSV series: the rows of April, May and June (their mid-month lies in the window), mean and bootstrap band
    assert trade.total == 3 and trade.rate is not None and trade.rate[0] == pytest.approx(sum(TRADE[-3:]) / 3)
    assert trade.rate[1] <= trade.rate[0] <= trade.rate[2] and trade.covered_days == 90


def _reading(example: Path, **events: Any) -> Any:
    data = yaml.safe_load((example / "v1.yaml").read_text())
    ind = _with(**{f"events_{k}": v for k, v in events.items() if k != "measure"})
    if "measure" in events:
        ind["measure"] = events["measure"]
    data["indicators"] = [ind]
    s = Indicator.model_validate(ind)
    scenario = load(write_scenario(example / "variant.yaml", data)).scenario
    assert scenario.indicators == [s]
    return read_indicators(scenario, AS_OF, workspace=example / "w.duckdb")[0]


def test_event_filters(example: Path) -> None:
    assert _reading(example, dyad=["pakistan", "ttp"]).total == 18  # the ACLED rows name the TTP as the target
    assert _reading(example, dyad=["ttp", "pakistan"]).total == 0  # directed: the TTP's clashes are in Pakistan
    both = _reading(example, dyad=["ttp", "pakistan"], directed=False, location=[], acled=[])
    assert both.total == 18 + 8  # either direction, any type or place: clashes on the 1st, 15th, 28th (not 1 April)
    assert _reading(example, roles=["GOV"]).total == 0 and _reading(example, roles=["MIL"]).total == 18
    assert _reading(example, datasets=["gdelt"]).note.startswith("the workspace holds no events of gdelt")
    fatal = _reading(example, measure="fatalities")
    assert fatal.total == 36 and fatal.rate[1] <= fatal.rate[0] <= fatal.rate[2]
    assert "bootstrap" in fatal.method


def test_csv_series_problems_name_their_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,value,source\n2025-01,10,a\n2025-13,11,b\n2025-03,x,c\n2025-01-01,4,d\n\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        read_csv_series(bad, "bad.csv")
    assert [str(p) for p in err.value.problems] == [
        "bad.csv:3: date: not a date (YYYY-MM-DD or YYYY-MM): '2025-13'",
        "bad.csv:4: value: not a number: 'x'",
        "bad.csv:5: date: 2025-01-01 is given twice (first on line 2)",
    ]
    (tmp_path / "cols.csv").write_text("day,value\n2025-01-01,3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"cols.csv:1: \(document\): missing column\(s\) date"):
        read_csv_series(tmp_path / "cols.csv", "cols.csv")


def test_check_reports_a_bad_csv_in_one_line_per_problem(example: Path) -> None:
    data = yaml.safe_load((example / "v1.yaml").read_text())
    data["indicators"][1]["csv"] = "bad-dates.csv"
    (example / "bad-dates.csv").write_text("date,value,source\n2025-04,60,a\n30/05/2025,57,b\n", encoding="utf-8")
    path = write_scenario(example / "bad-csv.yaml", data)
    r = CliRunner().invoke(app, ["check", str(path), "--as-of", str(AS_OF)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output.strip().splitlines() == ["bad-dates.csv:3: date: not a date (YYYY-MM-DD or YYYY-MM): '30/05/2025'"]
    # `validate` opens the series too: the same line, exit 2
    v = CliRunner().invoke(app, ["validate", str(path)])
    assert v.exit_code == 2
    first = v.output.strip().splitlines()[0]
    assert first.endswith("bad-dates.csv:3: date: not a date (YYYY-MM-DD or YYYY-MM): '30/05/2025'")


# --- the check -----------------------------------------------------------------------------------------------


def test_check_issue_levels_with_their_numbers(example: Path) -> None:
    loaded = load(example / "v1.yaml")
    s = loaded.scenario
    request = CheckRequest(s, example / "w.duckdb", window=90, as_of=AS_OF, source=loaded.source, models=())
    found = check(request)
    by: dict[tuple[str, str | None], list[Any]] = {}
    for f in found:
        by.setdefault((f.kind, f.issue), []).append(f)
    (level,) = by[("indicator_level", "cross_border_strikes")]
    assert "18 events in 2025-04-02..2025-06-30 (acled) (the data cover 88 of its 90 days)" in level.message
    assert "exact Poisson 90% interval" in level.message and level.evidence["total"] == 18
    sq = s.issue("cross_border_strikes").status_quo
    assert sq is not None and sq.high is not None
    lo, hi = level.evidence["level"][1:]
    if lo > sq.high:  # the synthetic escalation lies above the status quo of the built-in scenario
        (beyond,) = by[("indicator_vs_status_quo", "cross_border_strikes")]
        assert f"{lo:.3g}" in beyond.message and "above the scenario's status quo" in beyond.message
    (sign,) = by[("signpost", "cross_border_strikes")]
    assert "change point in the month of 2025-01-01" in sign.message
    # every model whose forecast lies outside the observed band has a finding, and only those
    from realpolitik.scenario import LoadedScenario
    from realpolitik.workflows.forecast import ForecastRequest, forecast

    runs = forecast(ForecastRequest(LoadedScenario(s, "x", "object", ""), ())).runs
    outside = {r.name for r in runs if r.error is None and not lo <= r.forecast()["cross_border_strikes"] <= hi}
    flagged = {f.scenario["model"] for f in by.get(("indicator_vs_forecast", "cross_border_strikes"), [])}
    assert flagged == outside
    for f in found:
        low = f.message.lower()
        assert not any(w in low for w in ("should", "recommend", "must", "advise")), f.message
    r = CliRunner().invoke(
        app,
        [
            "check",
            str(example / "v1.yaml"),
            "-w",
            str(example / "w.duckdb"),
            "--as-of",
            str(AS_OF),
            "--format",
            "json",
            "-m",
            "compromise",
        ],
    )
    assert r.exit_code == 0, r.output
    kinds = {f["kind"] for f in json.loads(r.output)}
    assert {"indicator_level", "signpost"} <= kinds


def test_stale_and_short_evidence_are_warned_with_numbers(example: Path) -> None:
    loaded = load(example / "v1.yaml")
    found = check(
        CheckRequest(
            loaded.scenario,
            example / "w.duckdb",
            window=30,
            as_of=dt.date(2024, 1, 3),
            source=loaded.source,
            models=("compromise",),
        )
    )
    messages = {f.kind: f.message for f in found if f.issue is None and f.kind.endswith("evidence")}
    assert messages["stale_evidence"] == (
        "The evidence window 2023-12-05..2024-01-03 ends 394 days before the scenario's as_of 2025-01-31: the "
        "scenario is compared with older evidence."
    )
    assert messages["short_evidence"] == (
        "acled events cover 3 of the 30 days of the window 2023-12-05..2024-01-03 (10%); they run "
        "2024-01-01..2025-06-28."
    )
    late = check(
        CheckRequest(
            loaded.scenario,
            example / "w.duckdb",
            window=30,
            as_of=dt.date(2025, 9, 30),
            source=loaded.source,
            models=("compromise",),
        )
    )
    kinds = [(f.kind, f.issue) for f in late]
    assert ("stale_evidence", None) in kinds and ("indicator_no_data", "cross_border_strikes") in kinds
    stale = next(f for f in late if f.kind == "stale_evidence" and f.issue == "cross_border_strikes")
    assert stale.message.startswith("cross_border_strikes (indicator pak_strikes_in_afghanistan): acled events end")
    assert "94 days before the end of the window (2025-09-30)" in stale.message
    earlier = loaded.scenario.model_copy(update={"as_of": dt.date(2023, 6, 1)})
    after = check(
        CheckRequest(
            earlier,
            example / "w.duckdb",
            window=30,
            as_of=dt.date(2024, 6, 30),
            source=loaded.source,
            models=("compromise",),
        )
    )
    (msg,) = [f.message for f in after if f.kind == "evidence_after_as_of" and f.issue is None]
    assert msg.startswith("acled events start on 2024-01-01, 214 days after the scenario's as_of 2023-06-01")


def test_csv_only_check_needs_no_workspace(example: Path) -> None:
    data = yaml.safe_load((example / "v1.yaml").read_text())
    data["indicators"] = [TRADE_INDICATOR]
    path = write_scenario(example / "csv-only.yaml", data)
    r = CliRunner().invoke(app, ["check", str(path), "--as-of", str(AS_OF), "-m", "compromise"])
    assert r.exit_code == 0, r.output
    assert "[indicator_level] trade_transit (indicator crossing_trade): 3 monthly value(s) of the CSV" in r.output
    assert "Evidence is a user-supplied series" in r.output
    r = CliRunner().invoke(app, ["check", "afghanistan-2025"])
    assert r.exit_code == 2 and r.output.startswith("--workspace:")


def test_events_never_import_the_scenario() -> None:
    root = Path(__file__).resolve().parents[1] / "src" / "realpolitik" / "events"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "scenario" not in (node.module or ""), path


def test_the_bottom_line_lists_indicators_to_watch_with_contradicting_levels(example: Path) -> None:
    from realpolitik.scenario import load
    from realpolitik.workflows.bottom_line import watch_lines
    from realpolitik.workflows.forecast import ForecastRequest, forecast

    loaded = load(example / "v1.yaml")
    runs = forecast(ForecastRequest(loaded, ("compromise",), band_draws=60, seed=1)).runs
    lines = watch_lines(loaded.scenario, runs, "compromise")
    assert len(lines) == len(loaded.scenario.indicators)
    for ind, line in zip(loaded.scenario.indicators, lines, strict=True):
        lo, mid, hi = runs[0].band[ind.issue]
        assert f"below {lo:.0f} or above {hi:.0f}" in line and f"forecast ({mid:.0f};" in line
    assert watch_lines(loaded.scenario, runs, "bdm") == []  # no forecast of that model: nothing claimed
