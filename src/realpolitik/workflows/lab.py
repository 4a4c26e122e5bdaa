"""Lab: strategies compared over seeded Monte Carlo draws of the uncertain inputs, run in shards to a folder.

Every front end builds a :class:`LabRequest` and calls :func:`run_lab`; :func:`plan` validates a request (and
names the experiment) without running it, for front ends that queue work. The numbers depend on the scenario,
strategies, client, draws, seed, model, rounds and model options, never on ``shard_size``, ``workers`` or
``scheduler`` (draws are keyed per draw).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..lab.executors import DaskExecutor, Executor, LocalExecutor, ProcessExecutor
from ..lab.experiment import Experiment, Target
from ..lab.runner import CorruptManifestError, ExperimentMismatchError, read_results, run_experiment
from ..lab.sampling import FloatArray
from ..lab.summary import summarise
from ..models import available_models
from ..models.records import describe
from ..provenance import write_json
from ..scenario import LoadedScenario
from ..scenario.model import Scenario
from .bottom_line import bottom_line
from .defaults import LAB_DRAWS, default_model, lab_model
from .edits import StanceEdit, apply_edits
from .errors import RequestError
from .limits import MAX_SHARD_SIZE, check_count, check_draws, check_model_memory, check_rounds, check_seed
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
    allow_large: bool = False
    """Run even when one model call is estimated to need more than ``MAX_MODEL_BYTES`` (``--allow-large``)."""


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
            "model_reason": self.model_reason(),
            "track_record": describe(self.experiment.model),
            **self.summary,
        }
        if self.discovery is not None:
            doc["discovery"] = dict(self.discovery)
        return doc

    def rows(self) -> list[dict[str, Any]]:

        table = read_results(self.out)
        keys = [("strategy", "ascending"), ("draw", "ascending"), ("issue", "ascending")]
        rows: list[dict[str, Any]] = table.sort_by(keys).to_pylist()
        return rows

    def model_reason(self) -> str:
        """Why this model: named by the request, or the default and its reason."""
        if self.request.model:
            return "named by the request"
        return f"the default model: {default_model(self.experiment.scenario).reason}"

    def outcomes(self) -> dict[str, dict[str, FloatArray]]:
        """Strategy → issue → outcome per draw (draw order)."""
        return read_outcomes(self.out, self.experiment.strategies)


def read_outcomes(out: Path, strategies: tuple[str, ...]) -> dict[str, dict[str, FloatArray]]:
    """Strategy → issue → outcome per draw, read from a finished lab folder."""
    return outcomes_from(read_results(out), strategies)


def outcomes_from(table: Any, strategies: tuple[str, ...]) -> dict[str, dict[str, FloatArray]]:
    """Strategy → issue → outcome per draw (draw order) from the tidy result rows, cut into runs, not looped."""
    table = table.sort_by([("strategy", "ascending"), ("issue", "ascending"), ("draw", "ascending")])
    strategy = np.asarray(table["strategy"].to_numpy(zero_copy_only=False), dtype=object)
    issue = np.asarray(table["issue"].to_numpy(zero_copy_only=False), dtype=object)
    values = np.asarray(table["outcome"].to_numpy(), dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, (strategy[1:] != strategy[:-1]) | (issue[1:] != issue[:-1])])
    result: dict[str, dict[str, FloatArray]] = {s: {} for s in strategies}
    for a, b in zip(starts, np.r_[starts[1:], len(values)], strict=True):
        result.setdefault(str(strategy[a]), {})[str(issue[a])] = values[a:b].copy()
    return result


def plan(request: LabRequest) -> Experiment:
    """The experiment a request asks for, validated; raises :class:`RequestError` naming the parameter."""
    loaded = request.scenario
    scenario = apply_edits(loaded.scenario, request.edits)
    if request.workers and request.scheduler:
        raise RequestError("give --workers or --scheduler, not both", parameter="workers")
    model = request.model or lab_model(scenario)
    if model not in available_models():
        raise RequestError(f"unknown model {model!r} (available: {', '.join(available_models())})", parameter="model")
    strategies = request.strategies or tuple(s.id for s in scenario.strategies)
    if not strategies:
        raise RequestError(
            "the scenario defines no strategies (community formats carry none): write it out as YAML "
            "(realpolitik export FILE --to yaml -o FILE.yaml), add strategies and a client, and run the lab on that",
            source=loaded.source,
        )
    if not (request.client or scenario.client):
        actors = [a.id for a in scenario.actors]
        shown = ", ".join(actors[:8]) + (", …" if len(actors) > 8 else "")
        raise RequestError(
            f"the scenario names no client actor (community formats carry none); pass --client ACTOR, one of: {shown}",
            source=loaded.source,
        )
    _check_bounds(request, scenario, model, strategies)
    try:  # the user's targets become typed values here, before any query sees them
        given = tuple(Target.parse(t) for t in request.targets)
    except ValueError as exc:
        raise RequestError(f"--target: {exc}", parameter="targets") from None
    try:
        targets = given or tuple(Target.parse(str(g)) for g in scenario.targets)
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


MAX_WORKERS = 256
"""Most local worker processes (``--workers``)."""


def _check_bounds(request: LabRequest, scenario: Scenario, model: str, strategies: tuple[str, ...]) -> None:
    """The request's numbers within :mod:`.limits`, and one shard's model call within the memory bound."""
    check_draws(request.draws)
    check_rounds(request.rounds)
    check_seed(request.seed)
    check_count(
        request.shard_size,
        parameter="shard_size",
        what="draws per shard",
        bound=MAX_SHARD_SIZE,
        constant="MAX_SHARD_SIZE",
    )
    if request.workers is not None:
        check_count(request.workers, parameter="workers", what="workers", bound=MAX_WORKERS, constant="MAX_WORKERS")
    if request.targets and len(request.targets) > MAX_TARGETS:
        raise RequestError(f"{len(request.targets)} targets is over the bound of {MAX_TARGETS}", parameter="targets")
    per_call = len(strategies) * min(request.shard_size, request.draws)  # one shard: every strategy at once
    processes = request.workers or 1
    check_model_memory(
        scenario,
        model,
        draws=per_call * processes,
        rounds=request.rounds,
        allow_large=request.allow_large,
        parameter="shard_size",
        hint=f"give a smaller --shard-size ({len(strategies)} strategies × draws per shard run at once"
        + (f", in each of {processes} workers" if processes > 1 else "")
        + ")",
    )


MAX_TARGETS = 100
"""Most targets of one lab run."""


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
    if os.path.lexists(out) and not out.is_dir():
        raise RequestError(
            f"{out}: is a file, not a folder; give --out a new folder or one holding this experiment", parameter="out"
        )
    try:
        manifest = run_experiment(
            experiment,
            out,
            executor=executor_for(request),
            source={loaded.source: loaded.sha256},
            progress=lambda done, total: progress("lab", done, total),
        )
    except (ExperimentMismatchError, CorruptManifestError) as exc:
        raise RequestError(str(exc), parameter="out") from None
    summary = summarise(out, list(experiment.strategies), experiment.targets).to_json_dict()
    table = read_results(out)  # once, for the rankings and the bottom line
    summary["ranking"] = rankings(table, experiment)
    discovery = _discovery(out, experiment, request.box_inputs, progress) if request.discover else None
    result = LabResult(request, experiment, out, manifest, summary, discovery)
    words = bottom_line(experiment.scenario, result.to_json_dict(), outcomes_from(table, experiment.strategies))
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


def rankings(table: Any, experiment: Experiment) -> dict[str, Any]:
    """Every criterion with its Monte Carlo interval and leading set (:mod:`realpolitik.lab.ranking`)."""

    from ..lab.ranking import CRITERIA, per_draw, rank

    strategies = list(experiment.strategies)
    targets = [(t.issue, t.op, t.threshold) for t in experiment.targets]
    utility, ok = per_draw(table, strategies, targets)
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

    path = out / "summary.json"
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        raise RequestError(
            f"{path}: not a readable lab summary ({str(exc).splitlines()[0][:120]}); run the lab again to rewrite it",
            parameter="out",
        ) from None
    if not isinstance(data, dict):
        raise RequestError(f"{path}: not a lab summary (not a JSON object); run the lab again", parameter="out")
    return data
