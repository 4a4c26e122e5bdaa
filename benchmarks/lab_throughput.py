"""Lab throughput on the built-in scenario: model runs per second for all five strategies × N draws.

Run: ``.venv/bin/python benchmarks/lab_throughput.py [--draws 10000] [--model bdm] [--repeat 3]``

Two figures per executor, both for the whole experiment (sampling, strategies, the model, Parquet shards,
manifest; a 'model run' is one strategy × one draw, i.e. one forecast of every issue):

* ``lab`` — ``run_experiment`` timed inside this process: what the lab itself sustains, without the Python
  interpreter's start-up and imports;
* ``cli`` — the whole ``realpolitik lab ... --format json`` command as a user runs it, start-up, summary and
  JSON included.

Executors: ``local`` (one process, the default) and ``processes`` (``--workers 2``: both cores of this
machine).
The best of ``--repeat`` runs is reported (the machine is shared; the best is the least disturbed), with the
spread. Results are checked to be bit-identical across executors.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from realpolitik.lab.executors import LocalExecutor, ProcessExecutor
from realpolitik.lab.experiment import Experiment
from realpolitik.lab.runner import run_experiment
from realpolitik.scenario import load_scenario

CLI = Path(sys.executable).with_name("realpolitik")


def experiment(draws: int, model: str) -> Experiment:
    s = load_scenario("afghanistan-2025")
    return Experiment(
        scenario=s, strategies=tuple(x.id for x in s.strategies), client="pakistan", draws=draws, seed=1, model=model
    )


def shard_digest(out: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((out / "shards").glob("*.parquet")):
        h.update(path.read_bytes())
    return h.hexdigest()


def time_lab(exp: Experiment, workers: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        executor = LocalExecutor() if workers == 1 else ProcessExecutor(workers)
        t = time.perf_counter()
        run_experiment(exp, Path(tmp) / "out", executor=executor)
        wall = time.perf_counter() - t
        return wall, shard_digest(Path(tmp) / "out")


def time_cli(draws: int, model: str, workers: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [str(CLI), "lab", "afghanistan-2025", "--client", "pakistan", "--draws", str(draws), "--rng", "1"]
        cmd += ["--model", model, "--format", "json", "--out", str(out)]
        cmd += ["--workers", str(workers)] if workers > 1 else []
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t, shard_digest(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--model", default="bdm")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    exp = experiment(args.draws, args.model)
    runs = len(exp.strategies) * exp.draws
    print(f"{args.model}: {exp.draws} draws × {len(exp.strategies)} strategies = {runs} model runs")
    digests = set()
    for how, timer in (("lab", lambda w: time_lab(exp, w)), ("cli", lambda w: time_cli(args.draws, args.model, w))):
        for workers in (1, 2):
            walls = []
            for _ in range(args.repeat):
                wall, digest = timer(workers)
                walls.append(wall)
                digests.add(digest)
            best = min(walls)
            spread = ", ".join(f"{w:.2f}" for w in walls)
            print(
                f"{how}\tworkers={workers}\tbest {best:.2f}s ({spread})\truns/s={runs / best:,.0f}"
                f"\t(worst {runs / max(walls):,.0f})",
                flush=True,
            )
    assert len(digests) == 1, "shards differ between executors or runs"
    print("shards bit-identical across executors, runs and the CLI")


if __name__ == "__main__":
    main()
