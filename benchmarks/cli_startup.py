"""Whole-process start-up of the CLI: what a user waits for, from ``exec`` to exit.

Run: ``.venv/bin/python benchmarks/cli_startup.py [--repeat 15] [--baseline-src DIR]``

Cases (goals from issue #25): ``realpolitik --version`` (≤ 0.15 s) and ``realpolitik forecast`` of a 160-actor
BDM CSV with ``--model bdm --rounds 10`` (≤ 0.3 s), plus the floor no command can beat: ``python -c pass``. Each
case runs as a fresh process, and the variants (floor, ours, the baseline) run alternately, round after round, so
a change in the machine's load hits all of them alike; medians and the ratio are reported with the load average.

``--baseline-src DIR`` times a second source tree too (the code before a change: a ``src`` folder put ahead of
the installed package with ``PYTHONPATH``); ``--src LABEL=DIR`` (repeatable) any other, e.g. a what-if.

Bytecode: an installed package has its ``.pyc`` files, so by default the runs use a private bytecode cache
(``PYTHONPYCACHEPREFIX`` in a temporary folder, filled by a warm-up run) whatever ``PYTHONDONTWRITEBYTECODE``
says; ``--no-bytecode-cache`` times the environment as it is (every module of the source tree compiled anew).

``--importtime CASE`` prints ``python -X importtime``'s largest cumulative imports (``--top``) for one case
instead.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
SCRIPT = Path(sys.executable).with_name("realpolitik")  # the console script a user runs
CLI = [PYTHON, str(SCRIPT)]


def actors_csv(path: Path, n: int = 160, seed: int = 0) -> Path:
    """A BDM CSV (Actor, Capability, Position, Salience) of ``n`` random actors: the issue's 160-actor case."""
    rng = random.Random(seed)
    rows = [
        f"actor{i:03d},{rng.uniform(0.1, 1):.4f},{rng.uniform(0, 100):.2f},{rng.uniform(0, 1):.3f}" for i in range(n)
    ]
    path.write_text("Actor,Capability,Position,Salience\n" + "\n".join(rows) + "\n")
    return path


def cases(csv_path: Path) -> dict[str, list[str]]:
    return {
        "version": ["--version"],
        "forecast": ["forecast", str(csv_path), "--model", "bdm", "--rounds", "10"],
    }


def environment(cache: Path | None, src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run: CPU time is what the load of a shared machine disturbs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def importtime(argv: list[str], env: dict[str, str], top: int = 20) -> None:
    run_once(argv, env)  # warm the bytecode cache
    proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    print(f"{'cumulative ms':>13}  module")
    for us, name in rows[:top]:
        print(f"{us / 1000:13.1f}  {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15, help="rounds; every variant runs once per round")
    ap.add_argument("--baseline-src", type=Path, help="a source tree's src/ folder to time as the baseline")
    ap.add_argument("--src", action="append", default=[], metavar="LABEL=DIR", help="another src/ folder to time")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as it is")
    ap.add_argument("--case", action="append", choices=["version", "forecast"], help="only these cases")
    ap.add_argument("--importtime", choices=["version", "forecast"], help="print the import profile of one case")
    ap.add_argument("--importtime-baseline", action="store_true", help="profile the baseline instead of ours")
    ap.add_argument("--top", type=int, default=20, help="modules the import profile lists")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rp-startup-") as tmp:
        d = Path(tmp)
        table = cases(actors_csv(d / "actors160.csv"))
        cache = None if a.no_bytecode_cache else d / "pycache"
        envs = {"ours": environment(cache, None)}
        if a.baseline_src is not None:
            envs["baseline"] = environment(cache, a.baseline_src.resolve())
        for item in a.src:
            label, _, folder = item.partition("=")
            envs[label] = environment(cache, Path(folder).resolve())
        if a.importtime:
            importtime(CLI + table[a.importtime], envs["baseline" if a.importtime_baseline else "ours"], a.top)
            return
        load0 = os.getloadavg()
        for name in a.case or list(table):
            variants = {"python -c pass": ([PYTHON, "-c", "pass"], envs["ours"])}
            variants.update({label: (CLI + table[name], env) for label, env in envs.items()})
            for argv, env in variants.values():  # warm-up: bytecode cache, page cache
                run_once(argv, env)
            times: dict[str, list[tuple[float, float]]] = {label: [] for label in variants}
            for _ in range(a.repeat):
                for label, (argv, env) in variants.items():
                    times[label].append(run_once(argv, env))
            med = {label: statistics.median(w for w, _ in ts) for label, ts in times.items()}
            cpu = {label: statistics.median(c for _, c in ts) for label, ts in times.items()}
            print(f"{name}: {' '.join(table[name])}")
            for label, ts in times.items():
                walls = [w for w, _ in ts]
                print(
                    f"  {label:16} median {med[label]:.3f} s  (min {min(walls):.3f}, max {max(walls):.3f}, "
                    f"n={len(walls)}); CPU {cpu[label]:.3f} s"
                )
            for label in envs:
                if label != "ours":
                    print(f"  {label} / ours: {med[label] / med['ours']:.2f}x (CPU {cpu[label] / cpu['ours']:.2f}x)")
        load1 = os.getloadavg()
        print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (1 min); {os.cpu_count()} cores")
        print(f"bytecode: {'as the environment has it' if cache is None else 'cached (private PYTHONPYCACHEPREFIX)'}")


if __name__ == "__main__":
    main()
