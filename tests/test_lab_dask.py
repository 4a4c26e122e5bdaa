"""The lab on a real Dask distributed cluster (scheduler and worker processes on loopback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from realpolitik.lab.executors import DaskExecutor
from realpolitik.lab.experiment import Experiment, Target
from realpolitik.lab.runner import run_experiment
from realpolitik.scenario.load import load_scenario
from tests.test_lab_runner import experiment

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as c:
        yield c


def table(out: Path):  # type: ignore[no-untyped-def]
    return pq.read_table(out / "shards").sort_by([("strategy", "ascending"), ("draw", "ascending")])


def test_dask_run_is_bit_identical_to_local(tmp_path: Path, cluster: object) -> None:
    exp = experiment(draws=120, shard_size=15)
    run_experiment(exp, tmp_path / "local")
    manifest = run_experiment(exp, tmp_path / "dask", executor=DaskExecutor(cluster.scheduler_address))  # type: ignore[attr-defined]
    assert manifest["status"] == "complete" and manifest["executor"] == "dask"
    assert table(tmp_path / "local").equals(table(tmp_path / "dask"))


def test_killed_worker_loses_and_doubles_nothing(tmp_path: Path, cluster: object) -> None:
    exp = experiment(draws=3000, shard_size=10, seed=11)
    client = distributed.Client(cluster.scheduler_address)  # type: ignore[attr-defined]
    pids = client.run(os.getpid)
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done >= 2 and not killed:  # mid-run: most shards are still queued or running
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    try:
        manifest = run_experiment(exp, tmp_path / "dask", executor=DaskExecutor(client), progress=progress)
    finally:
        client.close()
    assert killed, "the worker was never killed"
    assert manifest["status"] == "complete"
    run_experiment(exp, tmp_path / "local")
    got = table(tmp_path / "dask")
    assert got.num_rows == 4 * 3000
    assert got.equals(table(tmp_path / "local"))


@pytest.fixture(scope="module")
def builtin() -> Experiment:
    """The built-in scenario, all its strategies, the BDM model: 200 draws in 2 shards of 100."""
    s = load_scenario("afghanistan-2025")
    return Experiment(
        scenario=s,
        strategies=tuple(x.id for x in s.strategies),
        client="pakistan",
        draws=200,
        seed=7,
        model="bdm",
        targets=(Target.parse("ttp_action>=75"),),
        shard_size=100,
    )


@pytest.fixture(scope="module")
def builtin_local(builtin: Experiment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("builtin") / "local"
    run_experiment(builtin, out)
    return out


def test_builtin_scenario_on_a_cluster_is_bit_identical_to_local(
    builtin: Experiment, builtin_local: Path, tmp_path: Path, cluster: object
) -> None:
    manifest = run_experiment(builtin, tmp_path / "dask", executor=DaskExecutor(cluster.scheduler_address))  # type: ignore[attr-defined]
    assert manifest["status"] == "complete" and manifest["executor"] == "dask"
    got, want = table(tmp_path / "dask"), table(builtin_local)
    assert want.num_rows == len(builtin.strategies) * 200 * len(builtin.scenario.issues)
    assert got.equals(want)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_worker_allocator_is_released_only_where_dask_set_it() -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_; only then does a shard task retune malloc (once per process)."""
    code = "from realpolitik.lab.executors import release_malloc_brakes as r; print(r(), r())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.split() == ["False", "False"]
    dask_like = subprocess.run(
        [sys.executable, "-c", code], env={**env, "MALLOC_TRIM_THRESHOLD_": "65536"}, capture_output=True, text=True
    )
    assert dask_like.returncode == 0, dask_like.stderr
    assert dask_like.stdout.split() == ["True", "True"]
