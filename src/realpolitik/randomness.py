"""Every random number in realpolitik starts here: one seed normaliser and one way to key draws.

Why one module: a seed used to change form five times between ``--rng`` and a model, with three normalisers
that disagreed on what a ``SeedSequence`` or a ``Generator`` meant. Now every random function takes ``rng=``
(SPEC 7: an int, a ``SeedSequence``, a ``Generator`` or None), reduces it here with :func:`seed_of` to the one
integer it records, and derives every stream from that integer by a fixed key:

* **input draws** (the uncertain numbers of a scenario): draw ``d`` reads block ``d`` of a counter-based
  Philox stream keyed by ``SeedSequence(seed, spawn_key=(INPUT_STREAM,))`` (:func:`input_unit_draws`);
* **model noise** (stochastic models): draw ``d`` uses ``SeedSequence(seed, spawn_key=(MODEL_STREAM,))`` and
  then ``d`` (:func:`draw_seed_sequences`).

Both depend on the draw's index alone, never on which shard, worker or executor computed it, so a lab run is
the same bit for bit however it is split. The scheme has a version (:data:`DRAW_SCHEME`) that manifests record:
results written under another scheme are never mixed with these.

This module imports only numpy, so the models may use it too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

RNGLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None

DRAW_SCHEME = 2
"""Version of the draw scheme. 1: input draws spawned per shard (results depended on the shard size).
2: input draws keyed per draw by a Philox counter block (this module)."""

MODEL_STREAM = 2**32
"""Spawn key of the stochastic models' noise, past any index a shard could have used."""

INPUT_STREAM = 2**32 + 1
"""Spawn key of the input draws: independent of the models' stream."""


def seed_of(rng: RNGLike, *, lowest: int = 0, bits: int = 63, what: str = "rng") -> int:
    """SPEC 7: reduce ``rng`` to one non-negative integer seed that a run records and can be re-run from.

    An int is the seed itself (it must fit in 64 bits). A ``SeedSequence`` gives its first state word; a
    ``Generator`` gives a number drawn from it (so passing the same Generator twice gives two seeds, as it
    should); None gives fresh OS entropy. ``bits`` is the width the consumer takes (63 for NumPy seeds we pass
    on, 64 for KTAB's PRNG) and ``lowest`` the smallest seed a Generator may hand out (KTAB reads 0 as "no
    seed", so SMP asks for 1). ``what`` names the parameter in error messages.
    """
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(lowest, 2**63 - 1))
    if rng is None:
        rng = np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, dtype=np.uint64)[0] >> np.uint64(64 - bits))
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if not 0 <= int(rng) < 2**64:
            raise ValueError(f"{what} must be an unsigned 64-bit seed, got {rng}")
        return int(rng)
    raise TypeError(f"{what} must be an int, SeedSequence, numpy Generator or None, got {type(rng).__name__}")


def generator(rng: RNGLike, *, what: str = "rng") -> tuple[np.random.Generator, int]:
    """A Generator for ``rng`` and the seed to record: ``default_rng(seed_of(rng))``."""
    seed = seed_of(rng, what=what)
    return np.random.default_rng(seed), seed


def model_seed_sequence(seed: int) -> np.random.SeedSequence:
    """The root of a stochastic model's noise in an experiment (draw ``d`` is keyed by ``d`` below it)."""
    return np.random.SeedSequence(seed, spawn_key=(MODEL_STREAM,))


def draw_seed_sequences(seed: int, n_draws: int, draw_keys: Any = None) -> list[np.random.SeedSequence]:
    """One independent stream per draw: ``SeedSequence(seed, spawn_key=(key,))``, the key being the draw's index
    or its entry in ``draw_keys``. Without keys this is ``SeedSequence(seed).spawn(n_draws)``, stream for stream."""
    if draw_keys is None:
        keys = list(range(n_draws))
    else:
        keys = [int(k) for k in np.asarray(draw_keys).reshape(-1)]
        if len(keys) != n_draws or any(k < 0 for k in keys):
            raise ValueError(f"draw_keys must be {n_draws} non-negative integers, one per draw, got {len(keys)}")
    return [np.random.SeedSequence(seed, spawn_key=(k,)) for k in keys]


def _input_key(seed: int) -> NDArray[np.uint64]:
    key = np.random.SeedSequence(seed, spawn_key=(INPUT_STREAM,)).generate_state(2, dtype=np.uint64)
    return np.asarray(key, dtype=np.uint64)


def input_unit_draws(seed: int, start: int, stop: int, n_inputs: int) -> NDArray[np.float64]:
    """Unit-cube draws ``(stop − start, n_inputs)`` for draws ``start … stop − 1`` of an experiment.

    Draw ``d`` reads the ``d``-th block of ``ceil(n_inputs / 4)`` counter values of a Philox4x64 stream keyed by
    the seed (four 64-bit outputs per counter value, one double from each). A shard starting at draw ``start``
    advances the counter to its first block, so draw ``d`` gets the same numbers whichever shard computes it,
    and computing a shard costs the same as one vectorised draw of its size.
    """
    if not 0 <= start <= stop:
        raise ValueError(f"draw range [{start}, {stop}) is not a range")
    width = -(-n_inputs // 4) * 4
    if n_inputs == 0 or stop == start:
        return np.empty((stop - start, n_inputs), dtype=np.float64)
    bits = np.random.Philox(key=_input_key(seed))
    bits.advance(start * (width // 4))
    unit = np.random.Generator(bits).random((stop - start, width))
    return np.ascontiguousarray(unit[:, :n_inputs])


def describe(seed: int) -> dict[str, Any]:
    """How a run's random numbers derive from its seed, for its manifest."""
    return {
        "seed": seed,
        "draw_scheme": DRAW_SCHEME,
        "inputs": {
            "entropy": seed,
            "spawn_key": [INPUT_STREAM],
            "bit_generator": "Philox4x64",
            "draw d": "counter block d * ceil(inputs / 4)",
        },
        "model_noise": {"entropy": seed, "spawn_key": [MODEL_STREAM], "draw d": "spawn key d below it"},
    }
