"""The public Python API: one call per job, each a thin wrapper of a workflow (``import realpolitik as rp``).

Why wrappers and not the workflows themselves: a notebook user thinks in arguments (``rp.forecast(s,
model="bdm")``), the front ends in requests; both end in the same workflow, so ``rp.run_lab(...)`` gives the
numbers ``realpolitik lab ...`` prints for the same scenario, draws and seed. Every random result takes
``rng=`` (SPEC 7: an int, a ``SeedSequence``, a ``Generator`` or None), reduced to the seed it records.
Results have ``.to_frame()`` (pandas), ``.to_json()`` and ``.to_json_dict()``. (``run_backtest`` and
``build_brief`` are not called ``backtest`` and ``brief`` because those names are the package's own modules.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .randomness import RNGLike, seed_of

if TYPE_CHECKING:
    from .backtest import BacktestResult
    from .brief import BriefResult
    from .scenario import LoadedScenario
    from .scenario.model import Scenario
    from .workflows.forecast import ForecastResult
    from .workflows.lab import LabResult
    from .workflows.score import ScoreResult
    from .workflows.sensitivity import SensitivityOutcome


def load(source: str | Path) -> LoadedScenario:
    """A scenario file (YAML, JSON or a community format) or a built-in name, validated.

    Raises :class:`realpolitik.scenario.ScenarioError` listing every problem with its file and line."""
    from .scenario import load as load_scenario

    return load_scenario(source)


def _loaded(scenario: str | Path | LoadedScenario | Scenario) -> LoadedScenario:
    import hashlib

    from .scenario import LoadedScenario
    from .scenario.model import Scenario

    if isinstance(scenario, LoadedScenario):
        return scenario
    if isinstance(scenario, Scenario):
        digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        return LoadedScenario(scenario, f"<{scenario.id}>", "object", digest)
    return load(scenario)


def forecast(
    scenario: str | Path | LoadedScenario | Scenario,
    model: str | Sequence[str] | None = None,
    *,
    rounds: int | None = None,
    band_draws: int = 0,
    rng: RNGLike = 0,
) -> ForecastResult:
    """Forecast every issue with one model (default: the registered model with the lowest out-of-fold error on
    DEU III that runs on the scenario), several, or all (``model=[]``).

    ``band_draws`` > 0 adds each model's 5–95 % band over that many keyed draws of the uncertain inputs."""
    from .workflows.defaults import FORECAST_MODEL
    from .workflows.forecast import ForecastRequest
    from .workflows.forecast import forecast as run

    models = (FORECAST_MODEL,) if model is None else (model,) if isinstance(model, str) else tuple(model)
    request = ForecastRequest(_loaded(scenario), models, rounds=rounds, seed=seed_of(rng), band_draws=band_draws)
    return run(request)


def run_lab(
    scenario: str | Path | LoadedScenario | Scenario,
    *,
    client: str | None = None,
    strategies: Sequence[str] = (),
    targets: Sequence[str] = (),
    draws: int = 1000,
    model: str | None = None,
    rng: RNGLike = 0,
    out: str | Path | None = None,
    workers: int | None = None,
) -> LabResult:
    """Compare strategies over seeded Monte Carlo draws (``realpolitik lab``); results go to ``out``."""
    from .workflows.lab import LabRequest
    from .workflows.lab import run_lab as run

    request = LabRequest(
        _loaded(scenario),
        strategies=tuple(strategies),
        client=client,
        targets=tuple(targets),
        draws=draws,
        seed=seed_of(rng),
        model=model,
        out=None if out is None else Path(out),
        workers=workers,
    )
    return run(request)


def sensitivity(
    scenario: str | Path | LoadedScenario | Scenario,
    *,
    method: Literal["sobol", "morris"] = "sobol",
    strategy: str | None = None,
    client: str | None = None,
    n: int = 256,
    model: str | None = None,
    rng: RNGLike = 0,
) -> SensitivityOutcome:
    """Which uncertain inputs drive each outcome of a strategy (SALib Sobol or Morris)."""
    from .workflows.sensitivity import SensitivityRequest
    from .workflows.sensitivity import sensitivity as run

    request = SensitivityRequest(
        _loaded(scenario), method=method, strategy=strategy, client=client, n=n, model=model, seed=seed_of(rng)
    )
    return run(request)


def score(
    scenario: str | Path | LoadedScenario | Scenario, *, models: Sequence[str] = (), draws: int = 200, rng: RNGLike = 0
) -> ScoreResult:
    """Score every model and the no-change baseline against the outcomes the scenario records."""
    from .workflows.score import ScoreRequest
    from .workflows.score import score as run

    return run(ScoreRequest(_loaded(scenario), tuple(models), draws=draws, seed=seed_of(rng)))


def run_backtest(
    path: str | Path, *, models: Sequence[str] = (), n_boot: int = 2000, rng: RNGLike = 0
) -> BacktestResult:
    """Score models on DEU III (EU legislative outcomes) from a file in the layout of ``deu3.csv``."""
    from .workflows.backtest import BacktestRequest
    from .workflows.backtest import backtest as run

    return run(BacktestRequest(Path(path), tuple(models), seed=seed_of(rng), n_boot=n_boot))


def build_brief(
    scenario: str | Path | LoadedScenario | Scenario,
    out_dir: str | Path,
    *,
    draws: int = 200,
    rng: RNGLike = 0,
    models: Sequence[str] = (),
    sensitivity_n: int = 10,
    events: str | Path | None = None,
) -> BriefResult:
    """Build the brief (HTML, Markdown, figures, data.json, manifest) into ``out_dir``."""
    from .brief import build_brief as build

    return build(
        _loaded(scenario),
        out_dir=Path(out_dir),
        draws=draws,
        rng=seed_of(rng),
        models=list(models) or None,
        sensitivity_n=sensitivity_n,
        events_workspace=None if events is None else Path(events),
    )


__all__ = ["build_brief", "forecast", "load", "run_backtest", "run_lab", "score", "sensitivity"]
