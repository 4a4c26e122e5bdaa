"""Write ``runs.json`` in this folder by running the public Scholz-faithful BDM program (not part of the suite).

The program is ``bdm_scholz_model.py`` of github.com/dmasad/bdm-scholz-expected-utility-model at commit
d7c7bbab2b714f8bd196e71db38b0f30a3c15bfd (D. Masad's Python 3 fork of jmckib's replication; the fork that wrote
``Example.log``). It states no licence, so it is not copied here: fetch it into a scratch folder and run, from the
repository root, with Python 3.11 (3.12 made ``sum`` of floats compensated, which changes the program's last bits):

    curl -o /tmp/bdm_scholz_model.py https://raw.githubusercontent.com/dmasad/bdm-scholz-expected-utility-model/\\
d7c7bbab2b714f8bd196e71db38b0f30a3c15bfd/bdm_scholz_model.py
    python3.11 tests/data/bdm_scholz/make_fixtures.py /tmp/bdm_scholz_model.py ../shared/data/bargaining \\
        tests/data/bdm_scholz/runs.json

Each case's table is read here, independently of realpolitik: the name, capability (``capability``,
``capabilities`` or ``resources``), first ``position`` and ``salience`` columns; saliences are divided by 100 where
any exceeds 1 (files on a 0–100 scale). The program gets them as its CSV reader would (strings of the floats'
reprs), runs 10 rounds of ``update_risk_aversions`` and ``update_positions``, and the positions after each round
and the risk exponents of each round are written as floats. ``probability`` is memoised per state (positions,
risk exponents and the pair): it is a pure function of those, so the bits are the program's, in far less time.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Any

PROGRAM_SHA256 = "537b65439a349c2e540bc5785d9e55cea7dc6dfd3e02e0fdefb993ffa7a3f43b"
CASES = (
    "ec-emissions/ExampleActors.csv",
    "ec-emissions/ExampleActors-salience-pct.csv",
    *(f"cases/{name}.csv" for name in (
        "ChinaData", "HondurasCrisisData", "Iranian_Election", "Litigation_Case_Study", "Litigation_Case_Study_2",
        "OIL_PREANA", "Sultan", "WW1", "WW1_BDM", "WW1_mod", "brexit", "china_democratization_data", "columbus",
        "iran", "israel_hamas_war", "mugabe", "oil_price", "players_3_resolve", "uk_emu_cons", "uk_emu_labor",
        "ukraine_data", "ukraine_data_slim", "ukraine_data_slim_resolve",
    )),
)  # fmt: skip
"""Every single-issue BDM table in the shared data that realpolitik loads (``mugabe-full.csv`` has two Position
columns and is refused)."""
ROUNDS = 10


def read(path: Path) -> list[tuple[str, float, float, float]]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.reader(text.splitlines()))
    head = [h.strip().lower() for h in rows[0]]

    def column(names: tuple[str, ...]) -> int:
        return next(k for k, h in enumerate(head) if h in names)

    n, c = column(("actor", "name", "stakeholder")), column(("capability", "capabilities", "resources"))
    x, s = column(("position",)), column(("salience",))
    table = [(r[n].strip(), float(r[c]), float(r[x]), float(r[s])) for r in rows[1:] if any(v.strip() for v in r)]
    if max(t[3] for t in table) > 1:
        table = [(a, cc, xx, ss / 100) for a, cc, xx, ss in table]
    return table


def run(program: Any, table: list[tuple[str, float, float, float]]) -> dict[str, Any]:
    data = [{"Actor": a, "Capability": repr(c), "Position": repr(x), "Salience": repr(s)} for a, c, x, s in table]
    model = program.BDMScholzModel(data, verbose=False)
    plain = model.probability
    cache: dict[Any, float] = {}

    def probability(x_i: float, x_j: float) -> float:
        key = (x_i, x_j, tuple((a.x, a.r) for a in model.actors))
        if key not in cache:
            cache[key] = plain(x_i, x_j)
        return cache[key]

    model.probability = probability
    positions, risk = [[a.x for a in model.actors]], []
    for _ in range(ROUNDS):
        model.update_risk_aversions()
        risk.append([a.r for a in model.actors])
        model.update_positions()
        positions.append([a.x for a in model.actors])
    return {"position_range": model.position_range, "positions": positions, "risk": risk}


def main(program_path: Path, data: Path, out: Path) -> None:
    digest = hashlib.sha256(program_path.read_bytes()).hexdigest()
    if digest != PROGRAM_SHA256:
        raise SystemExit(f"{program_path} is not the program at d7c7bbab (sha256 {digest})")
    spec = importlib.util.spec_from_file_location("bdm_scholz_model", program_path)
    assert spec is not None and spec.loader is not None
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    cases = {}
    for name in CASES:
        table = read(data / name)
        inputs = {"actors": [t[0] for t in table], "capability": [t[1] for t in table],
                  "position": [t[2] for t in table], "salience": [t[3] for t in table]}  # fmt: skip
        cases[name] = {"input": inputs, **run(program, table)}
    provenance = {
        "program": "github.com/dmasad/bdm-scholz-expected-utility-model @ d7c7bbab bdm_scholz_model.py",
        "sha256": digest,
        "python": platform.python_version(),
        "date": date.today().isoformat(),
        "rounds": ROUNDS,
        "command": "tests/data/bdm_scholz/make_fixtures.py",
    }
    out.write_text(json.dumps({"provenance": provenance, "cases": cases}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
