"""Dask scaling of the lab: the same experiment on a LocalCluster with 1, then 2 worker processes.

Run: ``.venv/bin/python benchmarks/bench_lab_dask.py [--draws 4000] [--shard-size 1000] [--model bdm]``
— prints, per cluster size, wall seconds, model runs per second and the scaling efficiency
(runs/s with n workers ÷ (n × runs/s with 1 worker)). Each worker is a separate process with one thread, on
127.0.0.1. Cluster start-up is excluded from the timing; a warm-up shard is run on each worker first so that
import and first-call costs are not counted. A 'model run' is one strategy × one draw. Results are checked to
be bit-identical across cluster sizes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from distributed import Client, LocalCluster

from realpolitik.lab.executors import DaskExecutor
from realpolitik.lab.experiment import Experiment, run_shard
from realpolitik.lab.runner import run_experiment
from realpolitik.scenario import load_scenario


def experiment(draws: int, shard_size: int, model: str) -> Experiment:
    s = load_scenario("afghanistan-2025")
    return Experiment(
        scenario=s,
        strategies=tuple(x.id for x in s.strategies),
        client="pakistan",
        draws=draws,
        seed=1,
        model=model,
        shard_size=shard_size,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--shard-size", type=int, default=1000)
    parser.add_argument("--model", default="bdm")
    parser.add_argument("--max-workers", type=int, default=2)
    args = parser.parse_args()
    exp = experiment(args.draws, args.shard_size, args.model)
    runs = len(exp.strategies) * exp.draws
    print(f"{args.model}: {exp.draws} draws × {len(exp.strategies)} strategies = {runs} runs, {exp.n_shards} shards")
    baseline = None
    tables = []
    for n in range(1, args.max_workers + 1):
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
            tempfile.TemporaryDirectory() as tmp,
        ):
            client.run(run_shard, experiment(2, 2, args.model), 0)  # warm every worker
            t = time.perf_counter()
            run_experiment(exp, Path(tmp) / "out", executor=DaskExecutor(client))
            wall = time.perf_counter() - t
            tables.append(
                pq.read_table(Path(tmp) / "out" / "shards").sort_by([("strategy", "ascending"), ("draw", "ascending")])
            )
        rate = runs / wall
        baseline = baseline or rate
        print(
            f"workers={n}\twall={wall:.2f}s\truns/s={rate:.0f}\tscaling efficiency={rate / (n * baseline):.0%}",
            flush=True,
        )
    assert all(t.equals(tables[0]) for t in tables), "results differ across cluster sizes"
    print("results bit-identical across cluster sizes")


if __name__ == "__main__":
    main()
