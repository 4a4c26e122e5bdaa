"""Sensitivity: which uncertain inputs drive each outcome of a strategy (Sobol or Morris, via SALib).

``outputs="outcomes"`` analyses each issue's outcome and the client's utility under ``strategy``;
``outputs="ranking"`` analyses the client's utility under ``strategy`` and, with ``versus``, its gap to that
strategy: what the brief shows to say which inputs could reverse a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..lab.sampling import uncertain_inputs
from ..lab.sensitivity import SensitivityResult, analyse, gap_evaluator, scenario_evaluator
from ..models import available_models
from ..scenario import LoadedScenario
from .defaults import lab_model
from .edits import StanceEdit, apply_edits
from .errors import RequestError
from .limits import MAX_SENSITIVITY_N, check_count, check_model_memory, check_rounds, check_seed
from .results import Tabular

Method = Literal["sobol", "morris"]


@dataclass(frozen=True)
class SensitivityRequest:
    scenario: LoadedScenario
    method: Method = "sobol"
    strategy: str | None = None
    outputs: Literal["outcomes", "ranking"] = "outcomes"
    versus: str | None = None
    client: str | None = None
    n: int = 256
    model: str | None = None
    rounds: int | None = None
    seed: int = 0
    edits: tuple[StanceEdit, ...] = ()
    allow_large: bool = False
    """Run even when the design's model call is estimated to need more than ``MAX_MODEL_BYTES``."""


@dataclass(frozen=True)
class SensitivityOutcome(Tabular):
    """Sensitivity indices; ``rows()`` gives one row per outcome and input."""

    request: SensitivityRequest
    strategy: str
    client: str
    model: str
    result: SensitivityResult

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"outcome": ix.outcome, "input": name, **{k: v[j] for k, v in ix.values.items()}}
            for ix in self.result.indices
            for j, name in enumerate(ix.names)
        ]

    def to_json_dict(self) -> dict[str, Any]:
        scenario = self.request.scenario.scenario
        return {"scenario": scenario.id, "strategy": self.strategy, "model": self.model, **self.result.to_json_dict()}


def _resolve(request: SensitivityRequest) -> tuple[str, str, str]:
    s = request.scenario.scenario
    strategy = request.strategy or (s.strategies[0].id if s.strategies else None)
    client = request.client or s.client
    source = request.scenario.source
    if request.method not in ("sobol", "morris"):
        raise RequestError("--method is sobol or morris", parameter="method")
    known = {x.id for x in s.strategies}
    if strategy is None or strategy not in known:
        raise RequestError(f"unknown or missing strategy {strategy!r}", parameter="strategy", source=source)
    if request.versus is not None and request.versus not in known:
        raise RequestError(f"unknown strategy {request.versus!r}", parameter="versus", source=source)
    if client is None or client not in {a.id for a in s.actors}:
        raise RequestError(f"unknown or missing client {client!r} (use --client)", parameter="client", source=source)
    model = request.model or lab_model(s)
    if model not in available_models():
        raise RequestError(f"unknown model {model!r}", parameter="model")
    return strategy, client, model


def sensitivity(request: SensitivityRequest) -> SensitivityOutcome:
    strategy, client, model = _resolve(request)
    scenario = apply_edits(request.scenario.scenario, request.edits)
    inputs = uncertain_inputs(scenario)
    if not inputs:
        raise RequestError(
            "the scenario has no uncertain inputs, so there is nothing to analyse", source=request.scenario.source
        )
    rounds, seed = request.rounds, request.seed
    check_count(
        request.n,
        parameter="n",
        what="base samples (--n)",
        bound=MAX_SENSITIVITY_N,
        constant="MAX_SENSITIVITY_N",
        low=4,
    )
    check_rounds(rounds)
    check_seed(seed)
    runs = request.n * (len(inputs) + (2 if request.method == "sobol" else 1))  # the design, evaluated at once
    check_model_memory(
        scenario,
        model,
        draws=runs * (2 if request.outputs == "ranking" and request.versus is not None else 1),
        rounds=rounds,
        allow_large=request.allow_large,
        parameter="n",
        hint="give a smaller --n",
    )
    if request.outputs == "outcomes":
        evaluate = scenario_evaluator(
            scenario, inputs, strategy=strategy, client=client, model=model, rounds=rounds, seed=seed
        )
    else:
        evaluate = gap_evaluator(
            scenario,
            inputs,
            strategy=strategy,
            versus=request.versus,
            client=client,
            model=model,
            rounds=rounds,
            seed=seed,
        )
    try:
        result = analyse(inputs, evaluate, method=request.method, n=request.n, seed=request.seed)
    except ValueError as exc:
        raise RequestError(str(exc), source=request.scenario.source) from None
    return SensitivityOutcome(request, strategy, client, model, result)
