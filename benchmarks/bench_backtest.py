"""Benchmark: the full cross-validated DEU III backtest of every registered model.

    .venv/bin/python benchmarks/bench_backtest.py [--data DEU3_FILE] [--folds 10] [--repeat 1]

Goal (issue #17): ``realpolitik backtest DEU3 --cv proposal`` for every model, the ensemble refitted per fold,
conformal intervals and the bootstrap included, in under 60 s on 2 cores. Prints the wall and CPU time of each
run, each model's own seconds, and the load average (the machine is shared; compare CPU time across runs).
The DEU III file is read in place from the shared reference data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from realpolitik.backtest import run_backtest

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bargaining" / "deu3" / "deu3.csv"
GOAL_S = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    env = os.environ.get("REALPOLITIK_REFERENCE_DATA")
    default = Path(env) / "bargaining" / "deu3" / "deu3.csv" if env else DEFAULT
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"DEU III not found at {args.data}", file=sys.stderr)
        return 2
    for run in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_backtest(args.data, cv="proposal", folds=args.folds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        load = os.getloadavg()[0]
        verdict = "meets" if wall < GOAL_S else "misses"
        print(f"run {run + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, load {load:.1f} ({verdict} the {GOAL_S:.0f} s goal)")
        for name, score in result.models.items():
            print(f"  {name:16s} {score.seconds:6.2f} s  MAE {score.mae:6.2f}  CRPS {score.crps:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
