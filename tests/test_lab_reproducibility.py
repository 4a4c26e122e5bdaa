"""A lab run is the same bit for bit however it is executed: shard size, worker count, executor.

Input draws and model noise are keyed per draw (``realpolitik.randomness``), so the result table of the
built-in scenario must not change when the draws are cut into other shards or run on other processes. The
first test is a hypothesis search over shard sizes, worker counts and executors, including a real Dask
cluster on loopback; the others pin the properties it rests on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.lab.runner import run_experiment
from realpolitik.randomness import input_unit_draws
from realpolitik.scenario import load
from realpolitik.workflows.errors import RequestError
from realpolitik.workflows.lab import LabRequest, plan, run_lab

distributed = pytest.importorskip("distributed")

DRAWS = 37
LOADED = load("afghanistan-2025")


def table(out: Path):  # type: ignore[no-untyped-def]
    keys = [("strategy", "ascending"), ("draw", "ascending"), ("issue", "ascending")]
    return pq.read_table(out / "shards").sort_by(keys)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("reference")
    run_lab(LabRequest(LOADED, client="pakistan", draws=DRAWS, seed=3, shard_size=DRAWS, out=out))
    return table(out)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shard_size=st.integers(min_value=1, max_value=DRAWS + 5),
    how=st.sampled_from(["local", "workers-1", "workers-2", "dask"]),
)
def test_results_do_not_depend_on_shards_workers_or_executor(
    shard_size: int,
    how: str,
    reference,
    cluster: str,
    tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path_factory.mktemp("run")
    workers = int(how.split("-")[1]) if how.startswith("workers") else None
    scheduler = cluster if how == "dask" else None
    request = LabRequest(
        LOADED,
        client="pakistan",
        draws=DRAWS,
        seed=3,
        shard_size=shard_size,
        workers=workers,
        scheduler=scheduler,
        out=out,
    )
    result = run_lab(request)
    assert result.manifest["status"] == "complete"
    assert table(out).equals(reference), f"shard_size={shard_size}, {how}"


def test_a_draw_has_the_same_inputs_in_any_range() -> None:
    whole = input_unit_draws(9, 0, 100, 13)
    for start, stop in [(0, 1), (1, 2), (3, 50), (99, 100), (17, 18), (40, 100)]:
        assert np.array_equal(input_unit_draws(9, start, stop, 13), whole[start:stop])
    assert not np.array_equal(input_unit_draws(10, 0, 100, 13), whole)
    assert 0.0 <= whole.min() and whole.max() < 1.0


def test_more_draws_extend_a_run_without_changing_its_first_draws(tmp_path: Path) -> None:
    small = run_lab(LabRequest(LOADED, client="pakistan", draws=10, seed=4, out=tmp_path / "s", shard_size=3))
    large = run_lab(LabRequest(LOADED, client="pakistan", draws=25, seed=4, out=tmp_path / "l", shard_size=7))
    a, b = small.outcomes(), large.outcomes()
    for strategy, issues in a.items():
        for issue, values in issues.items():
            assert np.array_equal(values, b[strategy][issue][:10])


def test_the_shard_size_is_not_part_of_the_experiment_key() -> None:
    keys = {plan(LabRequest(LOADED, client="pakistan", draws=50, shard_size=n)).key() for n in (1, 7, 50, 1000)}
    assert len(keys) == 1
    assert plan(LabRequest(LOADED, client="pakistan", draws=50, seed=1)).key() not in keys


def test_resume_with_another_shard_size_keeps_the_folders_layout(tmp_path: Path) -> None:
    out = tmp_path / "r"
    first = plan(LabRequest(LOADED, client="pakistan", draws=20, seed=2, shard_size=6, out=out))
    run_experiment(first, out, max_shards=2)
    resumed = run_lab(LabRequest(LOADED, client="pakistan", draws=20, seed=2, shard_size=1000, out=out))
    assert resumed.manifest["shard_size"] == 6 and len(resumed.manifest["shards"]) == 4
    run_lab(LabRequest(LOADED, client="pakistan", draws=20, seed=2, out=tmp_path / "fresh"))
    assert table(out).equals(table(tmp_path / "fresh"))


def test_a_folder_written_under_the_old_draw_scheme_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "old"
    request = LabRequest(LOADED, client="pakistan", draws=8, seed=2, out=out)
    run_lab(request)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["draw_scheme"]  # what every folder written before draw scheme 2 looks like
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = table(out)
    with pytest.raises(RequestError, match="draw scheme 1") as info:
        run_lab(request)
    assert info.value.parameter == "out"
    assert table(out).equals(before), "the refused folder was changed"
