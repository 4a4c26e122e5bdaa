"""Lab: strategies compared over seeded Monte Carlo draws of the uncertain inputs, run in shards to a folder.

Every front end builds a :class:`LabRequest` and calls :func:`run_lab`; :func:`plan` validates a request (and
names the experiment) without running it, for front ends that queue work. The numbers depend on the scenario,
strategies, client, draws, seed, model, rounds and model options, never on ``shard_size``, ``workers`` or
``scheduler`` (draws are keyed per draw).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..lab.executors import DaskExecutor, Executor, LocalExecutor, ProcessExecutor
from ..lab.experiment import Experiment, Target
from ..lab.runner import ExperimentMismatchError, run_experiment
from ..lab.sampling import FloatArray
from ..lab.summary import summarise
from ..models import available_models
from ..provenance import write_json
from ..scenario import LoadedScenario
from ..scenario.model import Scenario
from .bottom_line import bottom_line
from .defaults import LAB_DRAWS, lab_model
from .edits import StanceEdit, apply_edits
from .errors import RequestError
from .progress import Progress, silent
from .results import Tabular


@dataclass(frozen=True)
class LabRequest:
    """What to compare. Empty ``strategies``/``targets`` and None ``client``/``model`` take the scenario's
    own (and the default model); ``out`` None writes to ``out/lab-SCENARIO-KEY`` under the current folder."""

    scenario: LoadedScenario
    strategies: tuple[str, ...] = ()
    client: str | None = None
    targets: tuple[str, ...] = ()
    draws: int = LAB_DRAWS
    seed: int = 0
    model: str | None = None
    rounds: int | None = None
    model_options: Mapping[str, Any] = field(default_factory=dict)
    edits: tuple[StanceEdit, ...] = ()
    shard_size: int = 1000
    workers: int | None = None
    scheduler: str | None = None
    out: Path | None = None
    discover: bool = False
    box_inputs: int = 4


@dataclass(frozen=True)
class LabResult(Tabular):
    """A finished lab run; ``rows()`` / ``to_frame()`` give its tidy results (strategy, draw, issue, outcome,
    client utility, whether the strategy's interventions took effect)."""

    request: LabRequest
    experiment: Experiment
    out: Path
    manifest: Mapping[str, Any]
    summary: Mapping[str, Any]
    discovery: Mapping[str, Any] | None = None

    @property
    def scenario(self) -> Scenario:
        return self.experiment.scenario

    def to_json_dict(self) -> dict[str, Any]:
        """The lab's documented JSON (``realpolitik lab --format json``, the web job's results)."""
        doc = {
            "scenario": self.scenario.id,
            "model": self.experiment.model,
            "client": self.experiment.client,
            "seed": self.experiment.seed,
            "out": str(self.out),
            "manifest_status": self.manifest["status"],
            **self.summary,
        }
        if self.discovery is not None:
            doc["discovery"] = dict(self.discovery)
        return doc

    def rows(self) -> list[dict[str, Any]]:
        import pyarrow.parquet as pq

        table = pq.read_table(self.out / "shards")
        keys = [("strategy", "ascending"), ("draw", "ascending"), ("issue", "ascending")]
        rows: list[dict[str, Any]] = table.sort_by(keys).to_pylist()
        return rows

    def outcomes(self) -> dict[str, dict[str, FloatArray]]:
        """Strategy → issue → outcome per draw (draw order)."""
        return read_outcomes(self.out, self.experiment.strategies)


def read_outcomes(out: Path, strategies: tuple[str, ...]) -> dict[str, dict[str, FloatArray]]:
    """Strategy → issue → outcome per draw, read from a finished lab folder."""
    import pyarrow.parquet as pq

    table = pq.read_table(out / "shards").sort_by(
        [("strategy", "ascending"), ("issue", "ascending"), ("draw", "ascending")]
    )
    cols = table.to_pydict()
    result: dict[str, dict[str, list[float]]] = {s: {} for s in strategies}
    for strat, issue, value in zip(cols["strategy"], cols["issue"], cols["outcome"], strict=True):
        result.setdefault(strat, {}).setdefault(issue, []).append(value)
    return {s: {i: np.asarray(v, dtype=np.float64) for i, v in issues.items()} for s, issues in result.items()}


def plan(request: LabRequest) -> Experiment:
    """The experiment a request asks for, validated; raises :class:`RequestError` naming the parameter."""
    loaded = request.scenario
    scenario = apply_edits(loaded.scenario, request.edits)
    if request.workers and request.scheduler:
        raise RequestError("give --workers or --scheduler, not both", parameter="workers")
    model = request.model or lab_model()
    if model not in available_models():
        raise RequestError(f"unknown model {model!r} (available: {', '.join(available_models())})", parameter="model")
    strategies = request.strategies or tuple(s.id for s in scenario.strategies)
    if not strategies:
        raise RequestError("the scenario defines no strategies", source=loaded.source)
    try:
        targets = tuple(Target.parse(t) for t in (request.targets or [str(g) for g in scenario.targets]))
        return Experiment(
            scenario=scenario,
            strategies=tuple(strategies),
            client=request.client or scenario.client or "",
            draws=request.draws,
            seed=request.seed,
            model=model,
            rounds=request.rounds,
            targets=targets,
            shard_size=request.shard_size,
            model_options=dict(request.model_options),
        )
    except (ValueError, KeyError) as exc:
        raise RequestError(str(exc.args[0] if exc.args else exc), source=loaded.source) from None


def executor_for(request: LabRequest) -> Executor:
    if request.scheduler:
        return DaskExecutor(request.scheduler)
    if request.workers:
        return ProcessExecutor(request.workers)
    return LocalExecutor()


def run_lab(request: LabRequest, progress: Progress = silent) -> LabResult:
    """Run (or resume) the experiment into its folder, summarise it, and run scenario discovery if asked."""
    experiment = plan(request)
    if request.discover and not experiment.targets:
        raise RequestError("--discover needs a target (--target ISSUE>=X)", parameter="targets")
    out = request.out or Path("out") / f"lab-{experiment.scenario.id}-{experiment.key()}"
    loaded = request.scenario
    try:
        manifest = run_experiment(
            experiment,
            out,
            executor=executor_for(request),
            source={loaded.source: loaded.sha256},
            progress=lambda done, total: progress("lab", done, total),
        )
    except ExperimentMismatchError as exc:
        raise RequestError(str(exc), parameter="out") from None
    summary = summarise(out, list(experiment.strategies), experiment.targets).to_json_dict()
    summary["ranking"] = rankings(out, experiment)
    discovery = _discovery(out, experiment, request.box_inputs, progress) if request.discover else None
    result = LabResult(request, experiment, out, manifest, summary, discovery)
    words = bottom_line(experiment.scenario, result.to_json_dict(), result.outcomes())
    result = replace(result, summary={**summary, "bottom_line": words.to_json_dict()})
    write_json(out / "summary.json", result.to_json_dict())
    return result


AUTO_START = 500
"""``--draws auto``: the first batch of draws; each step doubles it."""
AUTO_CAP = 16000
"""``--draws auto``: the most draws it will run."""


def run_lab_auto(request: LabRequest, criterion: str = "expected_utility", progress: Progress = silent) -> LabResult:
    """Draw in doubling batches until the leading set under ``criterion`` is the same at two successive sizes
    (each size's set from its own 95 % paired intervals), or ``AUTO_CAP`` draws are reached; say which.

    Draws are keyed per draw, so each larger run extends the smaller one: its first draws are the same numbers."""
    base = request.out or Path("out") / f"lab-{request.scenario.scenario.id}-auto-{request.seed}"
    steps: list[dict[str, Any]] = []
    draws, result = AUTO_START, None
    while True:
        result = run_lab(replace(request, draws=draws, out=base / f"draws-{draws}"), progress)
        leading = result.summary["ranking"][criterion]["leading_set"]
        steps.append({"draws": draws, "leading_set": leading})
        stable = len(steps) > 1 and steps[-2]["leading_set"] == leading
        if stable or draws * 2 > AUTO_CAP:
            break
        draws *= 2
    auto = {"criterion": criterion, "steps": steps, "stable": stable, "cap": AUTO_CAP}
    summary = {**result.summary, "draws_auto": auto}
    final = replace(result, summary=summary)
    write_json(final.out / "summary.json", final.to_json_dict())
    return final


def rankings(out: Path, experiment: Experiment) -> dict[str, Any]:
    """Every criterion with its Monte Carlo interval and leading set (:mod:`realpolitik.lab.ranking`)."""
    import pyarrow.parquet as pq

    from ..lab.ranking import CRITERIA, per_draw, rank

    strategies = list(experiment.strategies)
    targets = [(t.issue, t.op, t.threshold) for t in experiment.targets]
    utility, ok = per_draw(pq.read_table(out / "shards"), strategies, targets)
    criteria = CRITERIA if targets else tuple(c for c in CRITERIA if c != "p_satisficing")
    return {c: r.to_json_dict() for c, r in rank(strategies, utility, ok, experiment.seed, criteria).items()}


def _discovery(out: Path, experiment: Experiment, box_inputs: int, progress: Progress) -> dict[str, Any]:
    from ..lab.discovery import discover

    found = {}
    for n, strategy in enumerate(experiment.strategies):
        progress("scenario discovery", n, len(experiment.strategies))
        found[strategy] = discover(out, experiment, strategy, max_dims=box_inputs).to_json_dict()
    return found


def load_result(out: Path) -> dict[str, Any]:
    """The JSON document a finished lab folder holds (``summary.json``)."""
    import json

    data: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return data
