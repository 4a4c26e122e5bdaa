"""The numbers a brief shows, computed once through the same workflows as every other front end.

Why a separate step: the HTML page, the Markdown summary, the figures and the web dashboard all read the same
:class:`BriefData`, so they can never disagree, and the expensive parts (Monte Carlo lab, sensitivity) run once.
The forecasts come from :func:`~realpolitik.workflows.forecast.forecast`, the strategy comparison from
:func:`~realpolitik.workflows.lab.run_lab`, the screening from
:func:`~realpolitik.workflows.sensitivity.sensitivity`: the same request made on the command line or the web
gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..lab.experiment import Target
from ..lab.sampling import FloatArray, uncertain_inputs
from ..models import available_models
from ..models.records import describe
from ..scenario import LoadedScenario
from ..scenario.model import Scenario
from .bottom_line import BottomLine, bottom_line
from .defaults import BRIEF_DRAWS, REFERENCE_PRESETS, default_model, lab_model
from .diff import SinceData
from .edits import StanceEdit, apply_edits
from .errors import RequestError
from .forecast import ForecastRequest, ModelRun, forecast
from .lab import LabRequest, LabResult, run_lab
from .progress import Progress, silent
from .sensitivity import SensitivityRequest, sensitivity

ModelForecast = ModelRun
"""One model's forecast of every issue, with its Monte Carlo band over the inputs' ranges."""


@dataclass
class LabData:
    model: str
    client: str
    draws: int
    seed: int
    targets: list[str]
    summary: dict[str, Any]
    outcomes: dict[str, dict[str, FloatArray]]  # strategy -> issue -> outcome per draw
    out: Path
    sensitivity: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # outcome -> ranked
    sensitivity_note: str = ""
    scenario: Scenario | None = None
    """The scenario the lab ran on (for labels in figures)."""

    @classmethod
    def from_result(cls, result: LabResult) -> LabData:
        e = result.experiment
        doc = result.to_json_dict()
        keys = ("draws", "targets", "strategies", "outcomes", "rankings", "ranking", "bottom_line")
        summary = {k: doc[k] for k in keys if k in doc}
        targets = [str(t) for t in e.targets]
        outcomes = result.outcomes()
        return cls(e.model, e.client, e.draws, e.seed, targets, summary, outcomes, result.out, scenario=e.scenario)


@dataclass
class BriefData:
    scenario: Scenario
    source: str
    sha256: str
    seed: int
    draws: int
    forecasts: list[ModelRun]
    lab: LabData | None
    lab_note: str
    events: dict[str, Any] | None
    bottom_line: BottomLine | None = None
    default_name: str = ""
    """The model the brief leads with (the lab's model: the default unless the request named one)."""
    default_reason: str = ""
    """Why it is the default (empty when the request named one)."""
    scored: list[dict[str, Any]] = field(default_factory=list)
    """Each model's score against the scenario's recorded outcomes (:mod:`.score`), when it records any."""
    across_models: list[dict[str, Any]] = field(default_factory=list)
    """The strategy comparison under each other model (:func:`compare_across_models`)."""
    indicators: dict[str, Any] | None = None
    """Issue indicators: observed levels with bands, signposts and findings (:mod:`.indicators`)."""
    since: SinceData | None = None
    """With ``--since OLD``: the diff and how the forecasts and the strategy comparison moved."""
    ledger_entry: dict[str, Any] | None = None
    """With ``--record``: the entry appended to the forecast ledger."""


@dataclass(frozen=True)
class BriefRequest:
    scenario: LoadedScenario
    draws: int = BRIEF_DRAWS
    seed: int = 0
    models: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    lab_model: str | None = None
    sensitivity_n: int = 10
    events_workspace: Path | None = None
    edits: tuple[StanceEdit, ...] = ()
    since: LoadedScenario | None = None
    """An older version: the brief adds what changed since it and how the forecasts moved."""
    record: Path | None = None
    """A forecast ledger to append the brief's forecasts and strategy table to."""


def goal_targets(scenario: Scenario, targets: Sequence[str] | None) -> tuple[Target, ...]:
    """Targets from the caller, else the scenario's ``targets``, else ``metadata['targets']`` (older files)."""
    try:
        if targets:
            found = tuple(Target.parse(t) for t in targets)
        elif scenario.targets:
            found = tuple(Target.parse(str(g)) for g in scenario.targets)
        else:
            raw = scenario.metadata.get("targets")
            found = tuple(Target.parse(str(t)) for t in raw if isinstance(t, str)) if isinstance(raw, list) else ()
    except ValueError as exc:
        raise RequestError(str(exc), parameter="targets") from None
    if any(t.issue not in {i.id for i in scenario.issues} for t in found):
        raise RequestError("a target names an unknown issue: " + ", ".join(map(str, found)), parameter="targets")
    return found


def check(request: BriefRequest) -> tuple[Target, ...]:
    """Validate a brief request before anything is written; returns its targets."""
    if request.draws < 1:
        raise RequestError("draws must be at least 1", parameter="draws")
    registry = available_models()
    unknown = [
        m for m in (*request.models, request.lab_model or lab_model(request.scenario.scenario)) if m not in registry
    ]
    if unknown:
        raise RequestError(
            f"unknown model(s): {', '.join(unknown)} (available: {', '.join(registry)})", parameter="models"
        )
    if request.record is not None:
        from .ledger import read_ledger

        read_ledger(request.record)  # a tampered ledger is refused before anything runs
    return goal_targets(apply_edits(request.scenario.scenario, request.edits), request.targets)


def brief_data(request: BriefRequest, lab_out: Path, progress: Progress = silent) -> BriefData:
    """Every number of the brief; the lab's shards go to ``lab_out``."""
    goals = check(request)
    loaded = request.scenario
    s = apply_edits(loaded.scenario, request.edits)
    progress("forecasts")
    fc = forecast(
        ForecastRequest(loaded, request.models, seed=request.seed, edits=request.edits, band_draws=request.draws)
    )
    lab, note, across = None, "", []
    if not s.strategies:
        note = "The scenario defines no strategies, so there is nothing to compare."
    elif s.client is None:
        note = "The scenario names no client actor, whose utility the comparison needs."
    else:
        progress("strategy lab")
        lab_request = LabRequest(
            loaded,
            targets=tuple(map(str, goals)),
            draws=request.draws,
            seed=request.seed,
            model=request.lab_model,
            edits=request.edits,
            out=lab_out,
        )
        lab = LabData.from_result(run_lab(lab_request, progress))
        _screen(lab, request, progress)
        ran = [r.name for r in fc.runs if r.error is None]
        across = compare_across_models(lab_request, lab.model, ran, progress)
    events = None
    if request.events_workspace is not None:
        progress("event evidence")
        from ..brief.evidence import gather

        events = gather(Path(request.events_workspace), s)
    words = (
        None
        if lab is None
        else bottom_line(
            s,
            {**lab.summary, "model": lab.model, "client": lab.client, "track_record": describe(lab.model)},
            lab.outcomes,
            fc.runs,
        )
    )
    data = BriefData(
        s, loaded.source, loaded.sha256, request.seed, request.draws, list(fc.runs), lab, note, events, words
    )
    data.across_models = across
    chosen = default_model(s)
    data.default_name = request.lab_model or chosen.name
    if request.lab_model is None:
        data.default_reason = chosen.reason
    if s.outcomes:
        from .score import ScoreRequest, score

        data.scored = score(ScoreRequest(loaded, request.models, draws=request.draws, seed=request.seed)).summary()
    return living(data, request, lab_out)


def living(data: BriefData, request: BriefRequest, lab_out: Path) -> BriefData:
    """The living scenario's parts: indicator readings and findings, the changes since an older version (its
    forecasts and lab on the same draws and seed; its lab goes beside ``lab_out``), and the ledger entry."""
    from .check import indicator_findings
    from .indicators import read_indicators

    s, loaded = data.scenario, request.scenario
    if s.indicators and s.as_of is not None:
        readings = read_indicators(s, s.as_of, source=loaded.source, workspace=request.events_workspace)
        found = indicator_findings(s, readings, data.forecasts)
        data.indicators = {
            "as_of": s.as_of.isoformat(),
            "readings": [r.to_json_dict() for r in readings],
            "findings": [f.to_dict() for f in found],
        }
    if request.since is not None:
        from .diff import since

        lab = None if data.lab is None else data.lab.summary
        data.since = since(
            request.since,
            loaded,
            data.forecasts,
            lab,
            models=request.models,
            draws=request.draws,
            seed=request.seed,
            lab_model=data.lab.model if data.lab else None,
            targets=tuple(data.lab.targets) if data.lab else (),
            lab_out=lab_out.with_name("lab-since"),
        )
        if request.edits:
            data.since.notes.append("The stance edits of this brief apply to the new version only.")
    if request.record is not None:
        from .ledger import append, entry_body

        lab_doc = (
            None
            if data.lab is None
            else {**data.lab.summary, "model": data.lab.model, "client": data.lab.client, "seed": data.lab.seed}
        )
        body = entry_body(loaded, data.forecasts, lab_doc, draws=request.draws, seed=request.seed, origin="brief")
        data.ledger_entry = append(request.record, body)
    return data


def compare_across_models(
    request: LabRequest, default: str, models: Sequence[str], progress: Progress
) -> list[dict[str, Any]]:
    """The same comparison (same draws, same seed) under every other model that runs on the scenario, so a reader
    sees whether an advantage holds across models; and, per model, the strategies that change no outcome in any
    draw (e.g. channel-only interventions under models that do not use channels)."""
    out = []
    others = [m for m in models if m != default and m not in REFERENCE_PRESETS]
    for n, model in enumerate(others):
        progress("strategy lab across models", n, len(others))
        assert request.out is not None
        result = run_lab(replace(request, model=model, out=request.out / f"model-{model}"))
        outcomes = result.outcomes()
        base = outcomes.get("status_quo")
        inert = [
            s
            for s, by_issue in outcomes.items()
            if base is not None and s != "status_quo" and all(np.array_equal(v, base[i]) for i, v in by_issue.items())
        ]
        out.append({"model": model, "ranking": result.summary["ranking"], "no_effect": inert})
    return out


def _screen(lab: LabData, request: BriefRequest, progress: Progress) -> None:
    """Which inputs drive the client's utility under the leading strategy, and the gap to the runner-up."""
    if not uncertain_inputs(apply_edits(request.scenario.scenario, request.edits)):
        lab.sensitivity_note = "The scenario has no uncertain inputs, so there is nothing to screen."
        return
    n = request.sensitivity_n
    if n <= 0:
        return
    progress("sensitivity")
    ranking = lab.summary["rankings"]["expected_utility"]
    outcome = sensitivity(
        SensitivityRequest(
            request.scenario,
            method="morris",
            outputs="ranking",
            strategy=ranking[0],
            versus=ranking[1] if len(ranking) > 1 else None,
            client=lab.client,
            n=n,
            model=lab.model,
            seed=request.seed,
            edits=request.edits,
        )
    )
    result = outcome.result
    for ix in result.indices:
        conf = dict(zip(ix.names, ix.values["mu_star_conf"], strict=True))
        lab.sensitivity[ix.outcome] = [(name, v, conf[name]) for name, v in ix.ranked("mu_star")[:10]]
    lab.sensitivity_note = (
        f"Morris screening, {n} trajectories ({result.n_evaluations} model runs per outcome set), seed "
        f"{request.seed}: μ* is the mean absolute elementary effect of moving one input across its range; the bars "
        "show ±95% half-widths. A screening ranks inputs; it does not apportion variance."
    )
