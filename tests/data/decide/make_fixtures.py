"""Write the Decide reference fixtures in this folder by running the Decide package itself (not part of the suite).

Decide (``decide-exchange-model`` on PyPI, GPL-3.0) needs Python 3.13, so it runs in a scratch environment, never in
the project's; its code is not copied here. From the repository root:

    python3.13 -m venv /tmp/decide-venv
    /tmp/decide-venv/bin/pip install decide-exchange-model==2025.3.1
    /tmp/decide-venv/bin/python tests/data/decide/make_fixtures.py ../shared/data/bargaining/decide tests/data/decide

It reads each input with Decide's own reader and ModelFactory, runs ``EqualGainModel`` with
``EqualGainModel.ALLOW_RANDOM = False`` (its random tie-break off) for 10 iterations of its ``ModelLoop``, as its CLI
does (``randomized_value="0"``), and records through an observer, per round, the start positions and their
compromise points (Decide's ``nbs``), the number of realised exchanges and the compromise points of the voting
positions. Values are Decide's decimals de-normalised to each issue's own scale (``Issue.de_normalize``) and written
as the nearest binary floats.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from decide.data.modelfactory import ModelFactory  # type: ignore[import-not-found]
from decide.data.reader import InputDataFile  # type: ignore[import-not-found]
from decide.model import equalgain  # type: ignore[import-not-found]
from decide.model.observers.observer import Observable, Observer  # type: ignore[import-not-found]
from decide.model.utils import ModelLoop  # type: ignore[import-not-found]

INPUTS = (
    "input/cop21.csv",
    "input/copenhagen.csv",
    "input/sample_data.txt",
    "legacy/CoP21.csv",
    "legacy/data.csv",
    "legacy/data_short.csv",
    "legacy/kopenhagen.csv",
    "legacy/verkiezing_2012.csv",
)
REJECTED = ("input/copenhagen_with_errors.csv", "legacy/CoP21.compare.csv", "legacy/important.csv")
ITERATIONS = 10


def positions(model: Any) -> dict[str, dict[str, float]]:
    return {
        str(issue.name): {str(a.actor_id): float(issue.de_normalize(ai.position)) for a, ai in by_actor.items()}
        for issue, by_actor in model.actor_issues.items()
    }


def points(model: Any) -> dict[str, float]:
    return {str(issue.name): float(issue.de_normalize(v)) for issue, v in model.nbs.items()}


class Recorder(Observer):  # type: ignore[misc]
    """Start positions and compromise points before each round, realised exchanges and voting points after."""

    def __init__(self, observable: Any, rounds: list[dict[str, Any]]) -> None:
        super().__init__(observable)
        self.rounds = rounds

    def before_loop(self, iteration: int, repetition: int) -> None:
        self.rounds.append({"start": positions(self.model_ref), "nbs": points(self.model_ref), "realised": 0})

    def _execute_equal_exchange(self, exchange: Any) -> None:
        self.rounds[-1]["realised"] += 1

    def end_loop(self, iteration: int, repetition: int) -> None:
        self.rounds[-1]["voting_nbs"] = points(self.model_ref)


def run(path: Path) -> dict[str, Any] | None:
    data_file = InputDataFile.open(path)
    if not data_file.is_valid:
        return None
    model = ModelFactory(data_file)(model_klass=equalgain.EqualGainModel, randomized_value="0")
    rounds: list[dict[str, Any]] = []
    handler = Observable(model_ref=model, output_directory=Path("."))
    Recorder(handler, rounds)
    loop = ModelLoop(model, handler, 0)
    for _ in range(ITERATIONS):
        loop.loop()
    model.calc_nbs()
    rounds.append({"start": positions(model), "nbs": points(model)})
    return {
        "actors": {str(a.actor_id): str(a.name) for a in model.actors},
        "issues": {str(i.name): [float(i.lower), float(i.upper)] for i in model.issues},
        "rounds": rounds,
    }


def main(source: Path, target: Path) -> None:
    equalgain.EqualGainModel.ALLOW_RANDOM = False
    provenance = {
        "package": f"decide-exchange-model {version('decide-exchange-model')}",
        "python": platform.python_version(),
        "date": date.today().isoformat(),
        "model": "EqualGainModel, ALLOW_RANDOM = False, randomized_value '0', 10 iterations of ModelLoop",
        "command": "tests/data/decide/make_fixtures.py",
    }
    for name in INPUTS:
        result = run(source / name)
        if result is None:
            raise SystemExit(f"Decide rejected {name}")
        out = {"source": f"bargaining/decide/{name}", "provenance": provenance, **result}
        (target / (name.replace("/", "_").rsplit(".", 1)[0] + ".json")).write_text(json.dumps(out) + "\n")
    for name in REJECTED:
        try:
            accepted = run(source / name) is not None
        except Exception:  # Decide's reader raises on rows it cannot type
            accepted = False
        if accepted:
            raise SystemExit(f"Decide now accepts {name}: add it to INPUTS")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
