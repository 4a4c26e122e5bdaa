"""build_brief: one folder with a self-contained HTML brief, figures, a Markdown summary and a manifest."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from realpolitik.brief import BriefError, build_brief


@pytest.fixture(scope="module")
def afg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("briefs") / "afg"
    build_brief("afghanistan-2025", out_dir=out, draws=40, rng=7, sensitivity_n=4)
    return out


def test_files_and_self_contained_html(afg: Path) -> None:
    html = (afg / "brief.html").read_text()
    for name in (
        "brief.html",
        "brief.md",
        "manifest.json",
        "data.json",
        "figures/actor_map.png",
        "figures/channels.svg",
        "figures/paths-bdm.svg",
        "figures/outcomes.png",
        "lab/manifest.json",
    ):
        assert (afg / name).is_file(), name
    # offline: nothing is fetched (only bibliography links point outside, and they are plain <a href>)
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"https?:", html)
    assert "@import" not in html and "<script" not in html
    assert html.count("<svg") >= 8
    # neutral voice: the caveat, the client named as a modelling choice, the scenario's own names
    assert "not a prediction of fact and not a recommendation" in html
    assert "not an endorsement" in html
    assert "Tehreek-e-Taliban Pakistan (TTP)" in html
    for section in ("question", "forecast", "strategies", "events", "assumptions", "limits", "reproduce"):
        assert f'id="{section}"' in html
    assert "No event workspace was given" in html
    assert 'id="src-editorial"' in html  # bibliography anchors that the rationales cite


def test_manifest_reproduces_inputs_and_outputs(afg: Path) -> None:
    manifest = json.loads((afg / "manifest.json").read_text())
    assert manifest["command"] == "brief" and manifest["seed"] == 7
    assert manifest["parameters"]["draws"] == 40 and manifest["parameters"]["targets"] == ["ttp_action>=75"]
    assert len(next(iter(manifest["inputs"].values()))) == 64
    assert "matplotlib" in manifest["versions"]
    for rel, digest in manifest["outputs"].items():
        assert hashlib.sha256((afg / rel).read_bytes()).hexdigest() == digest, rel
    data = json.loads((afg / "data.json").read_text())
    assert {f["model"] for f in data["forecasts"]} >= {"compromise", "bdm", "median", "nbs"}
    assert data["lab"]["draws"] == 40 and set(data["lab"]["rankings"]) >= {"expected_utility", "minimax_regret"}
    assert data["lab"]["sensitivity"]


def test_same_seed_same_numbers(afg: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_brief("afghanistan-2025", out_dir=again, draws=40, rng=7, sensitivity_n=4)
    a, b = (json.loads((p / "data.json").read_text()) for p in (afg, again))
    assert a["lab"]["strategies"] == b["lab"]["strategies"] and a["forecasts"] == b["forecasts"]


def test_scenario_without_strategies_skips_the_comparison(tmp_path: Path) -> None:
    result = build_brief("ec-emissions-1994", out_dir=tmp_path / "ec", draws=10, models=["compromise", "bdm"])
    html = result.html.read_text()
    assert "defines no strategies" in html and result.lab_dir is None
    assert "defines no strategies" in result.markdown.read_text()


def test_rebuild_replaces_a_brief_but_never_a_foreign_folder(tmp_path: Path) -> None:
    out = tmp_path / "b"
    build_brief("ec-emissions-1994", out_dir=out, draws=5, models=["compromise"])
    build_brief("ec-emissions-1994", out_dir=out, draws=6, models=["compromise"])
    assert json.loads((out / "manifest.json").read_text())["parameters"]["draws"] == 6
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep")
    with pytest.raises(BriefError, match="not empty"):
        build_brief("ec-emissions-1994", out_dir=foreign, draws=5)
    assert (foreign / "mine.txt").read_text() == "keep"
    with pytest.raises(BriefError, match="unknown model"):
        build_brief("ec-emissions-1994", out_dir=tmp_path / "x", models=["nope"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "notes"]  # no temporary folders left behind


def test_event_section_reads_a_workspace(tmp_path: Path) -> None:
    from realpolitik.events.store import connect

    workspace = tmp_path / "ws.duckdb"
    connect(workspace).close()
    result = build_brief(
        "ec-emissions-1994", out_dir=tmp_path / "ev", draws=5, models=["compromise"], events_workspace=workspace
    )
    html = result.html.read_text()
    assert "From the event workspace" in html and "no events ingested yet" in html
    manifest = json.loads(result.manifest.read_text())
    assert str(workspace) in manifest["inputs"]


@pytest.mark.reference
def test_event_evidence_from_real_data(shared_data: Path, tmp_path: Path) -> None:
    """A workspace from one real GDELT day: dyad trends, the alert section and the assumption check appear.

    Expected numbers come from the csv module, not from our output. The Pakistan–China dyad counts rows where
    one side is the Pakistani state and the other the Chinese state by the documented rule of the default alias
    table (docs/events.md): the side's ``Actor_N_Country_ABBR`` is the country, it has no role among INS, REB,
    OPP, UAF, and it has a state role (GOV, MIL, COP, SPY, JUD, LEG) or no role at all.
    """
    import csv

    from realpolitik.events import actors, ingest, store

    src = shared_data / "events/gdelt/20201114.csv"
    workspace = tmp_path / "ws.duckdb"
    con = store.connect(workspace)
    try:
        assert ingest.ingest_file(con, src).status == "loaded"
        actors.install(con)
    finally:
        con.close()
    result = build_brief(
        "afghanistan-2025",
        out_dir=tmp_path / "brief",
        draws=5,
        models=["compromise"],
        sensitivity_n=0,
        events_workspace=workspace,
    )
    data = json.loads(result.data.read_text())["events"]
    html = result.html.read_text()
    for heading in ("Dyad trends among the scenario", "Alerts on these dyads", "Assumption check"):
        assert heading in html, heading
    trends = {(t["actor_a"], t["actor_b"]): t for t in data["trends"]}
    pk_cn = trends.get(("pakistan", "china"))
    assert pk_cn is not None, sorted(trends)
    state, excluded = {"GOV", "MIL", "COP", "SPY", "JUD", "LEG"}, {"INS", "REB", "OPP", "UAF"}

    def side(row: dict[str, str], k: int) -> str | None:
        roles = {row[f"Actor_{k}_Role{s}"] for s in ("", "2", "3")} - {""}
        if roles & excluded or (roles and not roles & state):
            return None
        return row[f"Actor_{k}_Country_ABBR"]

    n = coop = 0
    with open(src, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if {side(row, 1), side(row, 2)} == {"PAK", "CHN"}:
                n += 1
                coop += row["Quad_Class"] in ("1", "2")
    assert n > 0 and pk_cn["events"] == n and pk_cn["cooperation"] == coop
    assert f'<td class="num">{n}</td>' in html
    check = data["check"]
    assert check["findings"] and all(f["message"] for f in check["findings"])
    # the scenario is dated 2025; the only coded evidence is from 2020, and the brief says so
    assert "2020-11-14" in check["note"] and "older evidence" in html
    kinds = {f["kind"] for f in check["findings"]}
    assert "not_assessable" in kinds  # both Taliban power centres map to one event actor
