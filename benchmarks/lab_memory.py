"""Peak memory of a lab run as draws grow: shards stream to Parquet, so it should stay flat.

Run: ``.venv/bin/python benchmarks/lab_memory.py [MODEL [DRAWS ...]]`` (default: bdm 10000 50000 100000) —
prints draws, wall seconds and peak RSS (MiB) of a fresh process per size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = """
import json, resource, sys, time, pathlib
from realpolitik.lab.experiment import Experiment
from realpolitik.lab.runner import run_experiment
from realpolitik.lab.summary import summarise
from realpolitik.models.registry import available_models
from realpolitik.scenario import load_scenario
draws, out, model = int(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
s = load_scenario("afghanistan-2025")
exp = Experiment(scenario=s, strategies=tuple(x.id for x in s.strategies), client="pakistan", draws=draws, seed=1,
                 model=model, shard_size=5000)
t = time.perf_counter()
run_experiment(exp, out)
summarise(out, list(exp.strategies))
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"draws": draws, "wall_s": wall, "peak_rss_mib": rss}))
"""


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "bdm"
    sizes = [int(x) for x in sys.argv[2:]] or [10_000, 50_000, 100_000]
    for draws in sizes:
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([sys.executable, "-c", CHILD, str(draws), out, model], capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(1)
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            runs = draws * 5
            print(
                f"{model}\tdraws={draws}\truns/s={runs / row['wall_s']:.0f}\twall={row['wall_s']:.2f}s\t"
                f"peak_rss={row['peak_rss_mib']:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
