"""KTAB's pseudo-random number generator, re-implemented so that stochastic SMP runs replay KTAB's own.

Why not numpy: KTAB's stochastic state transitions draw from ``KBase::PRNG`` (``kutils/libsrc/prng.cpp``):
a 64-bit Mersenne Twister (``std::mt19937_64``) whose raw 64-bit outputs are passed through a fixed quadratic
map ``qTrans(s) = (s + a)(2s + 3) mod 2^64`` before use. numpy offers only the 32-bit MT19937, so the only way
to reproduce a KTAB run from its logged seed (``smpExample.xml``'s ``prngSeed``) is to replay this exact
stream. Draws are few (one per actor per turn), so a plain-Python generator costs nothing measurable.
"""

from __future__ import annotations

from collections.abc import Sequence

_MASK = (1 << 64) - 1
_NN = 312
_MM = 156
_MATRIX_A = 0xB5026F5AA96619E9
_UPPER = 0xFFFFFFFF80000000
_LOWER = 0x7FFFFFFF
_QTRANS_A = 0xF1FF7B8227A447F5
_MAX_AS_DOUBLE = float(_MASK)  # (double)0xFFFFFFFFFFFFFFFF rounds to 2^64, as in C


class Mt19937x64:
    """The standard 64-bit Mersenne Twister (the C++11 ``std::mt19937_64`` engine, same seeding and output)."""

    def __init__(self, seed: int = 5489) -> None:
        self._mt = [0] * _NN
        self._index = _NN
        self.seed(seed)

    def seed(self, seed: int) -> None:
        mt = self._mt
        mt[0] = seed & _MASK
        for i in range(1, _NN):
            mt[i] = (6364136223846793005 * (mt[i - 1] ^ (mt[i - 1] >> 62)) + i) & _MASK
        self._index = _NN

    def _twist(self) -> None:
        mt = self._mt
        for i in range(_NN):
            x = (mt[i] & _UPPER) | (mt[(i + 1) % _NN] & _LOWER)
            xa = x >> 1
            if x & 1:
                xa ^= _MATRIX_A
            mt[i] = mt[(i + _MM) % _NN] ^ xa
        self._index = 0

    def next_u64(self) -> int:
        if self._index >= _NN:
            self._twist()
        x = self._mt[self._index]
        self._index += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & _MASK


def q_trans(s: int) -> int:
    """KTAB's output scrambler: (s + a) * (2 s + 3) modulo 2^64."""
    return ((s + _QTRANS_A) * (2 * s + 3)) & _MASK


class KtabPRNG:
    """``KBase::PRNG``: seedable, with ``uniform()`` in [a, b] and ``probSel`` over a probability vector."""

    def __init__(self, seed: int) -> None:
        self._engine = Mt19937x64(seed)

    def uniform_u64(self) -> int:
        # std::uniform_int_distribution over the engine's full range returns the engine's output unchanged
        return q_trans(self._engine.next_u64())

    def uniform(self, a: float = 0.0, b: float = 1.0) -> float:
        x = float(self.uniform_u64()) / _MAX_AS_DOUBLE
        return a + (b - a) * x

    def prob_sel(self, p: Sequence[float]) -> int:
        """Index drawn from ``p`` by KTAB's rule: the first i whose running sum reaches a uniform draw."""
        u = self.uniform(0.0, 1.0)
        total = 0.0
        for i, pi in enumerate(p):
            total = total + float(pi)
            if u <= total:
                return i
        return len(p) - 1  # round-off: KTAB falls back to the last option
