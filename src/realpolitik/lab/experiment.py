"""An experiment: strategies × seeded Monte Carlo draws of the uncertain inputs, run in shards.

Why shards: each shard is one pure function call (one batched model call for all its draws and all
strategies; every draw's inputs and model noise keyed by the draw's index, see :mod:`realpolitik.randomness`),
so shards can run anywhere (this process, a process pool, a Dask cluster) and give bit-identical results;
each finished shard is written once, atomically, as Parquet, and the manifest records it, so an interrupted
run resumes without losing or doubling a draw.

Common random numbers: within a draw, every strategy sees the same sampled inputs; differences between
strategies in that draw are due to the strategies alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from ..models.arrays import Arrays, FloatArray
from ..models.registry import get_model
from ..randomness import DRAW_SCHEME, model_seed_sequence
from ..scenario.model import Scenario
from ..scenario.values import number_problem
from .interventions import apply_strategy, change_values, in_effect, sampled_arrays, takes_effect
from .sampling import draw_units, to_values, uncertain_inputs

RESULT_SCHEMA = pa.schema(
    [
        ("strategy", pa.string()),
        ("draw", pa.int64()),
        ("issue", pa.string()),
        ("outcome", pa.float64()),
        ("client_utility", pa.float64()),
        ("in_effect", pa.bool_()),  # every intervention of the strategy took effect in this draw
    ]
)


_ISSUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,79}")
_TARGET = re.compile(r"\s*(?P<issue>[A-Za-z0-9][A-Za-z0-9_\-]{0,79})\s*(?P<op>>=|<=)\s*(?P<value>[^\s]{1,64})\s*")


@dataclass(frozen=True)
class Target:
    """A level an issue's outcome should reach: ``ttp_action>=75`` or ``trade_transit<=40``."""

    issue: str
    op: Literal[">=", "<="]
    threshold: float

    def __post_init__(self) -> None:
        if not _ISSUE.fullmatch(self.issue):
            raise ValueError(f"target issue {self.issue[:80]!r} is not an issue id (letters, digits, '_', '-')")
        if self.op not in (">=", "<="):
            raise ValueError(f"target operator {self.op!r} is not >= or <=")
        why = number_problem(self.threshold)
        if why is not None or isinstance(self.threshold, bool):
            raise ValueError(f"target {self.issue}{self.op}…: the threshold {why or 'is not a number'}")

    @classmethod
    def parse(cls, text: str) -> Target:
        """``ISSUE>=NUMBER`` or ``ISSUE<=NUMBER`` as a typed target: an issue id, one of two operators, and a
        finite number within ±MAX_MAGNITUDE. Only this typed value ever reaches a query (as parameters)."""
        shown = text if len(text) <= 100 else text[:100] + "…"
        found = _TARGET.fullmatch(text)
        if found is None:
            raise ValueError(f"target {shown!r} is not ISSUE>=NUMBER or ISSUE<=NUMBER")
        try:
            value = float(found.group("value"))
        except ValueError:
            raise ValueError(f"target {shown!r}: {found.group('value')[:40]!r} is not a number") from None
        why = number_problem(value)
        if why is not None:
            raise ValueError(f"target {shown!r}: the threshold {why}")
        op: Literal[">=", "<="] = ">=" if found.group("op") == ">=" else "<="
        return cls(found.group("issue"), op, value)

    def __str__(self) -> str:
        return f"{self.issue}{self.op}{self.threshold:g}"


@dataclass(frozen=True)
class Experiment:
    """Everything that determines an experiment's numbers (and so its identity in the manifest)."""

    scenario: Scenario
    strategies: tuple[str, ...]
    client: str
    draws: int
    seed: int
    model: str = "bdm"
    rounds: int | None = None
    targets: tuple[Target, ...] = ()
    shard_size: int = 1000
    model_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = {s.id for s in self.scenario.strategies}
        unknown = [s for s in self.strategies if s not in known]
        if unknown:
            raise ValueError(f"unknown strateg{'ies' if len(unknown) > 1 else 'y'}: {', '.join(unknown)}")
        if self.client not in {a.id for a in self.scenario.actors}:
            raise ValueError(f"unknown client actor {self.client!r}")
        issues = {i.id for i in self.scenario.issues}
        for t in self.targets:
            if t.issue not in issues:
                raise ValueError(f"target names unknown issue {t.issue!r}")
        if self.draws < 1 or self.shard_size < 1:
            raise ValueError("draws and shard size must be positive")
        get_model(self.model)  # raises KeyError for an unknown model

    @property
    def n_shards(self) -> int:
        return -(-self.draws // self.shard_size)

    def shard_range(self, k: int) -> tuple[int, int]:
        start = k * self.shard_size
        return start, min(self.draws, start + self.shard_size)

    def definition(self) -> dict[str, Any]:
        """The parameters that fix the numbers, as plain data (hashed to name the experiment).

        The shard size is not among them: draws are keyed per draw, so it changes how the work is split, never
        a number. The draw scheme's version is, so results of another scheme are never taken for these."""
        return {
            "scenario_sha256": scenario_hash(self.scenario),
            "strategies": list(self.strategies),
            "client": self.client,
            "draws": self.draws,
            "seed": self.seed,
            "model": self.model,
            "rounds": self.rounds,
            "model_options": self.model_options,
            "draw_scheme": DRAW_SCHEME,
        }

    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.definition(), sort_keys=True).encode()).hexdigest()[:16]


def scenario_hash(scenario: Scenario) -> str:
    """A hash of the scenario's content (not of its file), so a reformatted file is the same scenario."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def concat_arrays(parts: list[Arrays]) -> Arrays:
    from dataclasses import replace

    first = parts[0]
    return replace(
        first,
        position=np.concatenate([p.position for p in parts]),
        salience=np.concatenate([p.salience for p in parts]),
        capability=np.concatenate([p.capability for p in parts]),
        channels=np.concatenate([p.channels for p in parts]),
        status_quo=np.concatenate([p.status_quo for p in parts]),
        present=np.logical_or.reduce([p.present for p in parts]),
        influence=None
        if first.influence is None
        else np.concatenate([p.influence for p in parts if p.influence is not None]),
    )


def client_utility(base: Arrays, client: int, outcome: FloatArray) -> FloatArray:
    """The client's utility of outcomes (D, I): 1 − salience-weighted mean distance from its ideal, on 0–1.

    The ideal and saliences are the client's own before any strategy (what it wants, not what it concedes).
    An issue where the client has no stance does not count.
    """
    lo, hi = base.scale[:, 0], base.scale[:, 1]
    ideal = base.position[:, client, :]
    weight = base.salience[:, client, :] * base.present[client][None, :]
    distance = np.abs(outcome - ideal) / (hi - lo)
    total = weight.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    return np.asarray(1.0 - (weight * distance).sum(axis=1) / safe, dtype=np.float64)


def run_shard(experiment: Experiment, k: int) -> pa.Table:
    """Compute shard ``k``: a pure function of the experiment and k (same result wherever it runs)."""
    start, stop = experiment.shard_range(k)
    n = stop - start
    scenario = experiment.scenario
    inputs = uncertain_inputs(scenario)
    unit, effect_unit = draw_units(scenario, experiment.seed, start, stop)
    values = to_values(inputs, unit)
    base = sampled_arrays(scenario, inputs, values)
    changes = change_values(scenario, inputs, values)
    effect = takes_effect(scenario, inputs, values, effect_unit)
    per_strategy = [apply_strategy(base, scenario, s, changes, effect) for s in experiment.strategies]
    effective = np.stack([in_effect(scenario, s, effect, n) for s in experiment.strategies])  # (S, n)
    spec = get_model(experiment.model)
    batch = concat_arrays(per_strategy)
    options = spec.options_for(scenario.metadata, experiment.model_options)  # the file's own, then the user's
    S, I = len(experiment.strategies), len(base.issue_ids)
    draw_keys = np.tile(np.arange(start, stop, dtype=np.int64), S)  # the batch is strategy-major
    outcome = spec(
        batch,
        rounds=experiment.rounds,
        rng=model_seed_sequence(experiment.seed),
        draw_keys=draw_keys,
        forecast_only=True,
        **options,
    ).forecast  # (S·n, I)
    outcome = outcome.reshape(S, n, I)
    client = base.actor_ids.index(experiment.client)
    utility = np.stack([client_utility(base, client, outcome[s]) for s in range(S)])  # (S, n)
    draws = np.arange(start, stop, dtype=np.int64)
    strategy_at = _arrow(np.repeat(np.arange(S, dtype=np.int64), n * I))
    issue_at = _arrow(np.tile(np.arange(I, dtype=np.int64), S * n))
    return pa.table(
        {
            "strategy": _arrow_strings(experiment.strategies).take(strategy_at),
            "draw": _arrow(np.tile(np.repeat(draws, I), S)),
            "issue": _arrow_strings(base.issue_ids).take(issue_at),
            "outcome": _arrow(outcome.reshape(-1)),
            "client_utility": _arrow(np.repeat(utility.reshape(-1), I)),
            "in_effect": _arrow_bools(np.repeat(effective.reshape(-1), I)),
        },
        schema=RESULT_SCHEMA,
    )


def _arrow(values: NDArray[Any]) -> pa.Array:
    """A numpy int64/float64 vector as an Arrow array over the same memory.

    ``pa.array(ndarray)`` would do, but its first call in a process imports pandas (0.2 s) to ask whether the
    array is a pandas one; every lab worker would pay that for nothing.
    """
    flat = np.ascontiguousarray(values)
    kind = {np.dtype(np.int64): pa.int64(), np.dtype(np.float64): pa.float64()}[flat.dtype]
    return pa.Array.from_buffers(kind, len(flat), [None, pa.py_buffer(flat)])


def _arrow_bools(values: NDArray[np.bool_]) -> pa.Array:
    """A numpy bool vector as an Arrow boolean array (bit-packed, least significant bit first)."""
    bits = np.packbits(np.ascontiguousarray(values, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


def _arrow_strings(labels: tuple[str, ...] | list[str]) -> pa.Array:
    """A few labels as an Arrow string array, built from its buffers for the same reason as :func:`_arrow`."""
    encoded = [label.encode() for label in labels]
    offsets = np.cumsum([0, *map(len, encoded)], dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )
