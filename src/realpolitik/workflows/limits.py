"""Bounds on the work a request may ask for, each a named constant, checked before anything is allocated.

Why: ``--draws 1000000000000`` or a scenario of thousands of actors would otherwise run until memory or patience
runs out, and on the web server a single request would take the machine from everyone else. Every workflow
checks its request against these bounds first and refuses with a :class:`~.errors.RequestError` that names the
parameter, the number asked for and the bound. The model-memory bound alone can be lifted, by an explicit flag on
the command line (``--allow-large``); the web API never lifts it. See docs/security.md.
"""

from __future__ import annotations

import operator
from typing import Any

from ..scenario.model import Scenario
from .errors import RequestError

MAX_DRAWS = 1_000_000
"""Most Monte Carlo draws of one lab run, forecast band or brief (a million draws already take hours)."""

MAX_ROUNDS = 1_000
"""Most rounds of bargaining; the dynamic models settle within tens (BDM's default is 10, SMP's 100)."""

MAX_SEED = 2**63 - 1
"""Seeds are integers in [0, 2⁶³ − 1] (numpy's seed sequences take no negative numbers)."""

MAX_SENSITIVITY_N = 65_536
"""Largest base sample of a sensitivity analysis (Sobol runs the model N·(k + 2) times)."""

MAX_SHARD_SIZE = 1_000_000
"""Largest shard (draws per batched model call); the memory bound usually binds first."""

MAX_MODEL_BYTES = 2 * 1024**3
"""Most memory one model call may be estimated to need (:func:`model_bytes`), in bytes (2 GiB)."""

DEFAULT_ROUNDS = 10
"""Rounds assumed for the estimate when the model's own default is unknown."""

_PAIRWISE = {"bdm": 64, "bdm-scholz": 64, "ensemble": 128}
"""Bytes per draw × issue × actor² of the expected-utility models' pairwise arrays (measured: 25–75 B at lab
batch sizes, 160 B for a single small draw, where fixed costs dominate). ``ensemble`` runs its members one
after another (two of them BDM) and keeps their forecasts: counted as two BDM calls."""
_EXCHANGE = {"exchange": 96, "exchange-random": 96, "exchange-decide": 96}
"""Bytes per draw × (actor × issue)² of the exchange models' candidate exchanges (measured: 45–95 B)."""
_CUBIC = {"smp": 64}
"""Bytes per draw × actor³ of KTAB's SMP (every actor's view of every pair; measured: 48–60 B)."""


def model_bytes(model: str, *, draws: int, actors: int, issues: int, rounds: int | None) -> int:
    """An estimate (on the safe side) of the memory one call of ``model`` needs for ``draws`` draws at once.

    The inputs (channels actor × actor, positions, saliences, weights), the trajectory over rounds, and the
    model's own working arrays, scaled as measured for each model; a model not listed is taken to cost as much as
    the costliest of them."""
    D, A, I = max(1, draws), max(1, actors), max(1, issues)
    R = DEFAULT_ROUNDS if rounds is None else max(0, rounds)
    base = 8 * D * (A * A + 2 * (R + 1) * A * I + 6 * A * I)
    costs = {
        **{m: c * D * I * A * A for m, c in _PAIRWISE.items()},
        **{m: c * D * (A * I) ** 2 for m, c in _EXCHANGE.items()},
        **{m: c * D * A**3 for m, c in _CUBIC.items()},
        **{m: 64 * D * A * I for m in ("compromise", "median", "nbs", "mean")},
    }
    return base + costs.get(model, max(costs.values()))


def default_rounds(model: str) -> int | None:
    from ..models import available_models

    spec = available_models().get(model)
    rounds = getattr(spec, "default_rounds", None)
    return rounds if isinstance(rounds, int) else None


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 / 10 else f"{n / 1024**2:.0f} MiB"


def check_model_memory(
    scenario: Scenario,
    model: str,
    *,
    draws: int,
    rounds: int | None,
    allow_large: bool = False,
    parameter: str = "draws",
    hint: str = "ask for fewer draws at once",
) -> int:
    """Refuse (``RequestError`` naming ``parameter``) a model call estimated to need more than
    :data:`MAX_MODEL_BYTES`, unless ``allow_large``; returns the estimate."""
    actors, issues = len(scenario.actors), len(scenario.issues)
    estimate = model_bytes(
        model, draws=draws, actors=actors, issues=issues, rounds=rounds if rounds is not None else default_rounds(model)
    )
    if estimate > MAX_MODEL_BYTES and not allow_large:
        raise RequestError(
            f"{model} on {actors} actors × {issues} issues × {draws:,} draws at once needs about {_gib(estimate)}, "
            f"over the bound of {_gib(MAX_MODEL_BYTES)} (MAX_MODEL_BYTES); {hint}, or lift the bound with "
            "--allow-large on the command line",
            parameter=parameter,
        )
    return estimate


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def check_count(value: int, *, parameter: str, what: str, bound: int, constant: str, low: int = 1) -> None:
    """``low <= value <= bound`` or a ``RequestError`` naming the parameter, the value and the bound."""
    whole = _whole(value)
    if whole is None:
        raise RequestError(f"{what} must be a whole number, got {value!r}", parameter=parameter)
    value = whole
    if value < low:
        raise RequestError(f"{what} must be at least {low}, got {value:,}", parameter=parameter)
    if value > bound:
        raise RequestError(f"{value:,} {what} is over the bound of {bound:,} ({constant})", parameter=parameter)


def check_rounds(rounds: int | None) -> None:
    if rounds is not None:
        check_count(rounds, parameter="rounds", what="rounds", bound=MAX_ROUNDS, constant="MAX_ROUNDS", low=0)


def check_draws(draws: int, parameter: str = "draws", low: int = 1) -> None:
    check_count(draws, parameter=parameter, what="draws", bound=MAX_DRAWS, constant="MAX_DRAWS", low=low)


def check_seed(seed: int) -> None:
    whole = _whole(seed)
    if whole is None or not 0 <= whole <= MAX_SEED:
        raise RequestError(f"the seed must be a whole number in [0, 2**63 - 1], got {seed!r}", parameter="seed")
