"""The REST API over a real uvicorn server on loopback: scenarios, forecasts, jobs, results, guards, restarts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from realpolitik.scenario import dump, load

from .test_web_support import Server, running_server, wait_job


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    with running_server(tmp_path_factory.mktemp("web")) as srv:
        yield srv  # type: ignore[misc]


def renamed_yaml(new_id: str) -> bytes:
    # version 1 as first published (12 actors, pinned below)
    s = load("afghanistan-2025-v1").scenario.model_copy(update={"id": new_id, "title": "Uploaded copy"})
    return dump(s, "yaml").encode()


def test_scenarios_list_get_and_missing(server: Server) -> None:
    with server.client() as c:
        ids = [s["id"] for s in c.get("/api/scenarios").json()]
        assert {"afghanistan-2025", "ec-emissions-1994"} <= set(ids)
        detail = c.get("/api/scenarios/afghanistan-2025").json()
        assert detail["builtin"] is True and detail["scenario"]["client"] == "pakistan"
        missing = c.get("/api/scenarios/nope")
        assert missing.status_code == 404 and "error" in missing.json()
        for bad in ("/api/scenarios/..%2F..%2Fetc%2Fpasswd", "/api/scenarios/.hidden", "/api/jobs/..%2Fx"):
            r = c.get(bad)
            assert r.status_code in (404, 422) and "error" in r.json()


def test_upload_validate_and_refuse(server: Server) -> None:
    with server.client() as c:
        r = c.post("/api/scenarios", files={"file": ("mine.yaml", renamed_yaml("my-copy"), "application/yaml")})
        assert r.status_code == 201, r.text
        assert r.json()["id"] == "my-copy"
        assert c.get("/api/scenarios/my-copy").json()["title"] == "Uploaded copy"
        # a built-in name is never shadowed
        r = c.post("/api/scenarios", files={"file": ("../../x.yaml", renamed_yaml("afghanistan-2025"), "text/plain")})
        assert r.json()["id"] == "afghanistan-2025-upload"
        assert not (server.data_dir.parent / "x.yaml").exists()
        bad = c.post("/api/scenarios", files={"file": ("bad.yaml", b"id: x\nactors: 3\n", "text/plain")})
        assert bad.status_code == 422 and "bad.yaml" in bad.json()["error"]
        v = c.post("/api/scenarios/validate", files={"file": ("bad.yaml", b"id: x\nactors: 3\n", "text/plain")})
        assert v.status_code == 200 and v.json()["ok"] is False and v.json()["problems"]
        v = c.post("/api/scenarios/validate", files={"file": ("ok.yaml", renamed_yaml("ok"), "text/plain")})
        assert v.json()["ok"] is True and v.json()["summary"]["actors"] == 12


def test_forecast_changes_with_a_stance_override(server: Server) -> None:
    with server.client() as c:
        url = "/api/scenarios/afghanistan-2025-v1/forecast"  # version 1: ttp_action is a median issue
        base = c.post(url, json={"models": ["compromise"]}).json()
        assert "not a recommendation" in base["caveat"]
        edited = c.post(
            url, json={"models": ["compromise"], "stances": [{"actor": "ttp", "issue": "ttp_action", "salience": 0}]}
        ).json()
        before = base["results"][0]["forecast"]["ttp_action"]
        after = edited["results"][0]["forecast"]["ttp_action"]
        assert after > before  # the TTP (position 5) no longer pulls the compromise down
        every = c.post(url, json={}).json()
        assert {r["model"] for r in every["results"]} >= {"compromise", "bdm", "median", "nbs"}
        bad = c.post(url, json={"stances": [{"actor": "ttp", "issue": "ttp_action", "position": 1000}]})
        assert bad.status_code == 422 and "position must be in" in bad.json()["error"]
        bad = c.post(url, json={"models": ["nope"]})
        assert bad.status_code == 422
        bad = c.post(url, content=b"{not json", headers={"content-type": "application/json"})
        assert bad.status_code == 422 and bad.json()["error"] == "invalid request"


def test_figures_are_svg(server: Server) -> None:
    with server.client() as c:
        r = c.get("/api/scenarios/ec-emissions-1994/figures/actor_map")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.startswith("<svg")
        assert c.get("/api/scenarios/ec-emissions-1994/figures/evil").status_code == 422


def test_lab_job_runs_and_serves_results(server: Server) -> None:
    with server.client() as c:
        # version 1 as first published: 5 strategies x 4 issues, pinned below
        r = c.post("/api/jobs", json={"scenario": "afghanistan-2025-v1", "draws": 40, "seed": 3})
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json()["id"])
        assert job["status"] == "done" and job["progress"] == {"done": 20, "total": 20}
        jid = job["id"]
        summary = c.get(f"/api/jobs/{jid}/results").json()
        assert summary["draws"] == 40 and summary["targets"] == ["ttp_action>=75"]
        parquet = c.get(f"/api/jobs/{jid}/results", params={"format": "parquet"})
        table = pq.read_table(io.BytesIO(parquet.content))
        assert table.num_rows == 40 * 5 * 4
        csv = c.get(f"/api/jobs/{jid}/results", params={"format": "csv"})
        header = csv.text.splitlines()[0].replace('"', "").split(",")
        assert header == table.column_names  # the same tidy rows as the lab's shards, whatever columns they hold
        assert header[:5] == ["strategy", "draw", "issue", "outcome", "client_utility"]
        assert c.get(f"/api/jobs/{jid}/figures/scores").text.startswith("<svg")
        assert jid in [j["id"] for j in c.get("/api/jobs").json()]
        assert c.post("/api/jobs", json={"scenario": "ec-emissions-1994"}).status_code == 422
        assert c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 10**9}).status_code == 422


def test_lab_job_applies_stance_edits_as_the_lab_workflow_does(server: Server, tmp_path: Path) -> None:
    """A job with a stance edit compares strategies on the edited scenario: its numbers differ from the plain
    job's and equal ``run_lab`` on the edited scenario itself, with the same draws and seed."""
    from realpolitik.scenario import LoadedScenario
    from realpolitik.workflows.edits import StanceEdit, apply_edits
    from realpolitik.workflows.lab import LabRequest, run_lab

    keys = ("strategies", "outcomes", "rankings")
    edit = {"actor": "ttp", "issue": "ttp_action", "salience": 0}
    with server.client() as c:
        results = {}
        for name, stances in (("plain", []), ("edited", [edit])):
            # bdm: a bargaining model in which the TTP's salience moves others (under the default ensemble the
            # owner's stated position decides ttp_action, so this edit changes nothing there)
            body = {"scenario": "afghanistan-2025", "draws": 40, "seed": 3, "stances": stances, "model": "bdm"}
            r = c.post("/api/jobs", json=body)
            assert r.status_code == 202, r.text
            job = wait_job(c, r.json()["id"])
            assert job["status"] == "done", job
            assert job["request"]["stances"] == [{**edit, "position": None}] * len(stances)
            results[name] = c.get(f"/api/jobs/{job['id']}/results").json()
        bad = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "stances": [{**edit, "salience": -1}]})
        assert bad.status_code == 422 and "salience must be in" in bad.json()["error"]
        bad = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "stances": [{**edit, "actor": "nobody"}]})
        assert bad.status_code == 422 and "takes no stance" in bad.json()["error"]
    plain, edited = results["plain"], results["edited"]
    assert all(plain[k] != edited[k] for k in keys)
    original = load("afghanistan-2025")
    scenario = apply_edits(original.scenario, [StanceEdit("ttp", "ttp_action", salience=0)])
    assert scenario is not original.scenario
    loaded = LoadedScenario(scenario, original.source, original.format, original.sha256)
    request = LabRequest(loaded, draws=40, seed=3, model="bdm", out=tmp_path / "lab")
    direct = json.loads(json.dumps(run_lab(request).to_json_dict()))
    assert {k: edited[k] for k in keys} == {k: direct[k] for k in keys}
    assert (edited["draws"], edited["seed"], edited["model"]) == (40, 3, direct["model"])


def test_cancel_a_running_job(server: Server) -> None:
    with server.client() as c:
        jid = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 20000}).json()["id"]
        assert c.post(f"/api/jobs/{jid}/cancel").status_code == 200
        job = wait_job(c, jid)
        assert job["status"] == "cancelled"
        assert c.get(f"/api/jobs/{jid}/results").status_code == 409


def test_guards_host_origin_size(server: Server) -> None:
    with server.client() as c:
        assert c.get("/api/health", headers={"host": "evil.example"}).status_code == 403
        r = c.post("/api/scenarios/afghanistan-2025/forecast", json={}, headers={"origin": "http://evil.example"})
        assert r.status_code == 403 and "error" in r.json()
        big = c.post("/api/scenarios", files={"file": ("big.yaml", b"x" * (5 * 1024 * 1024), "text/plain")})
        assert big.status_code == 413 and "limit" in big.json()["error"]
        page = c.get("/")
        assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
        assert '<script src="/static/app.js"' in page.text


def test_token_is_checked_on_every_request(tmp_path: Path) -> None:
    token = "Q2xlYXJseS1hLWxvbmctcmFuZG9tLXRva2Vu"
    with running_server(tmp_path, token=token) as srv, srv.client() as c:
        assert c.get("/api/health").status_code == 401
        assert c.get("/openapi.json").status_code == 401
        assert c.get("/api/health", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/health", headers={"authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/", params={"token": token}).status_code == 303  # never taken from a URL: to the login page
        first = c.post("/login", data={"token": token})
        assert first.status_code == 303 and "realpolitik_token" in first.headers["set-cookie"]
        assert c.get("/api/scenarios").status_code == 200  # the cookie now carries the token


def test_restart_keeps_results_and_marks_interrupted_jobs(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv, srv.client() as c:
        jid = c.post("/api/jobs", json={"scenario": "afghanistan-2025", "draws": 20}).json()["id"]
        assert wait_job(c, jid)["status"] == "done"
    stale = tmp_path / "jobs" / ("0" * 32)
    stale.mkdir(parents=True)
    record = {
        "id": "0" * 32,
        "kind": "lab",
        "scenario": "afghanistan-2025",
        "status": "running",
        "progress": {"done": 1, "total": 20},
        "message": "",
        "created": "2025-01-01T00:00:00+00:00",
        "updated": "2025-01-01T00:00:00+00:00",
        "request": {},
    }
    (stale / "job.json").write_text(json.dumps(record))
    with running_server(tmp_path) as srv, srv.client() as c:
        assert c.get(f"/api/jobs/{jid}").json()["status"] == "done"
        assert c.get(f"/api/jobs/{jid}/results").json()["draws"] == 20
        assert c.get(f"/api/jobs/{'0' * 32}").json()["status"] == "interrupted"


def test_forecast_seed_reaches_stochastic_models(server: Server) -> None:
    """Same seed, same numbers; the seed is echoed; different seeds move exchange-random (else it is ignored)."""
    url = "/api/scenarios/afghanistan-2025/forecast"
    with server.client() as c:

        def run(seed: int) -> dict[str, float]:
            r = c.post(url, json={"models": ["exchange-random", "compromise"], "seed": seed})
            assert r.status_code == 200, r.text
            assert r.json()["seed"] == seed
            out = {m["model"]: m["forecast"] for m in r.json()["results"]}
            return {f"{m}.{i}": v for m, fc in out.items() for i, v in fc.items()}

        first = run(1)
        assert run(1) == first
        others = [run(s) for s in (2, 3, 4)]
        assert any(o != first for o in others)
        # the deterministic model ignores the seed
        assert {o["compromise.ttp_action"] for o in [first, *others]} == {first["compromise.ttp_action"]}
        assert c.post(url, json={"seed": -1}).status_code == 422


GDELT_DAY = "events/gdelt/20201114.csv"


def gdelt_hand_count(path: Path, a: str, b: str) -> dict[str, object]:
    """Count one GDELT 2.0 extract with the csv module, no DuckDB: rows whose two country codes are {a, b}
    (``Actor_1_Country_ABBR`` / ``Actor_2_Country_ABBR``, as documented in shared/data/README.md), by quad class
    and by direction, and every row of the file (the period's volume)."""
    import csv

    count: dict[str, object] = {"total": 0, "n": 0, "q": {"1": 0, "2": 0, "3": 0, "4": 0}, "a_to_b": 0, "b_to_a": 0}
    q = count["q"]
    assert isinstance(q, dict)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            count["total"] = int(str(count["total"])) + 1
            pair = (row["Actor_1_Country_ABBR"], row["Actor_2_Country_ABBR"])
            if set(pair) != {a, b}:
                continue
            count["n"] = int(str(count["n"])) + 1
            q[row["Quad_Class"]] += 1
            key = "a_to_b" if pair == (a, b) else "b_to_a"
            count[key] = int(str(count[key])) + 1
    return count


@pytest.mark.reference
def test_event_endpoints_read_the_servers_workspace(shared_data: Path, tmp_path: Path, server: Server) -> None:
    from realpolitik.events import actors, ingest, store

    with server.client() as c:  # the module's server has no workspace: a clear JSON refusal
        r = c.get("/api/events/dyads", params={"actors": "PAK,AFG"})
        assert r.status_code == 409 and "--workspace" in r.json()["error"]
        assert c.get("/api/events/alerts").status_code == 409
    src = shared_data / GDELT_DAY
    expected = gdelt_hand_count(src, "PAK", "AFG")
    workspace = tmp_path / "events.duckdb"
    with running_server(tmp_path / "web", workspace=workspace) as srv, srv.client() as c:
        r = c.get("/api/events/dyads", params={"actors": "PAK,AFG"})
        assert r.status_code == 404 and "does not exist" in r.json()["error"]
        con = store.connect(workspace)  # ingested while the server runs: it opens the file per request
        try:
            assert ingest.ingest_file(con, src).status == "loaded"
            actors.install(con)
        finally:
            con.close()
        r = c.get("/api/events/dyads", params={"actors": "PAK,AFG", "freq": "week"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["freq"] == "week" and body["workspace"] == "events.duckdb"
        (row,) = body["rows"]  # one day of data: one week, one undirected dyad
        assert row["period"] == "2020-11-09"  # the Monday of the ISO week holding 14 November 2020
        q = expected["q"]
        assert isinstance(q, dict)
        assert row["n"] == expected["n"] and row["total"] == expected["total"]
        assert (row["verbal_coop"], row["material_coop"], row["verbal_conflict"], row["material_conflict"]) == (
            q["1"],
            q["2"],
            q["3"],
            q["4"],
        )
        assert row["net_coop"] == pytest.approx((q["1"] + q["2"] - q["3"] - q["4"]) / int(str(expected["n"])))
        directed = c.get("/api/events/dyads", params={"actors": "PAK,AFG", "freq": "month", "directed": "true"})
        by_dir = {(x["actor_a"], x["actor_b"]): x["n"] for x in directed.json()["rows"]}
        assert by_dir == {("PAK", "AFG"): expected["a_to_b"], ("AFG", "PAK"): expected["b_to_a"]}
        alerts = c.get("/api/events/alerts", params={"actors": "PAK,AFG", "freq": "day", "metric": "n"})
        assert alerts.status_code == 200, alerts.text
        a = alerts.json()
        assert a["series"] == [
            {"source": "gdelt", "actor_a": "PAK", "actor_b": "AFG", "periods": 1, "events": expected["n"]}
        ]
        assert a["alerts"] == []  # one value cannot hold a change point; 2014-15 GDELT breaks are outside the day
        bad = c.get("/api/events/dyads", params={"actors": "PAK,ZZZZ"})
        assert bad.status_code == 422 and "unknown actor" in bad.json()["error"]
        assert c.get("/api/events/dyads", params={"actors": "PAK;DROP"}).status_code == 422
        assert c.get("/api/events/dyads", params={"actors": "PAK,AFG", "freq": "hour"}).status_code == 422
