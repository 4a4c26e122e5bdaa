"""PRIM (Friedman & Fisher 1999): boxes in the space of uncertain inputs where a strategy fails.

Our own small implementation rather than EMA Workbench's: we need only the peeling trajectory and box
statistics on a numeric design, and avoiding its heavy dependency tree keeps installs light. Peeling removes,
at each step, the ``alpha`` tail of one input that most raises the density of cases of interest inside the
box, until the box holds fewer than ``min_mass`` of all points. Each step is reported with its coverage (share
of all cases of interest inside the box) and density (share of the box's points that are cases of interest),
the classic trade-off an analyst picks from (Bryant & Lempert 2010).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Box:
    limits: dict[str, tuple[float, float]]  # only the restricted inputs
    coverage: float
    density: float
    mass: float

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "limits": {k: list(v) for k, v in self.limits.items()},
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
        }


def prim(
    x: NDArray[np.float64],
    of_interest: NDArray[np.bool_],
    names: list[str],
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
) -> list[Box]:
    """The peeling trajectory, from the whole space to the smallest box; pick a box by coverage/density."""
    n, k = x.shape
    y = of_interest.astype(np.float64)
    total_interest = y.sum()
    inside = np.ones(n, dtype=bool)
    lo, hi = x.min(axis=0).astype(np.float64), x.max(axis=0).astype(np.float64)
    full_lo, full_hi = lo.copy(), hi.copy()

    def box() -> Box:
        mass = inside.mean()
        hits = y[inside].sum()
        limits = {names[j]: (float(lo[j]), float(hi[j])) for j in range(k) if lo[j] > full_lo[j] or hi[j] < full_hi[j]}
        return Box(
            limits,
            coverage=float(hits / total_interest) if total_interest else 0.0,
            density=float(hits / inside.sum()) if inside.any() else 0.0,
            mass=float(mass),
        )

    boxes = [box()]
    while inside.mean() > min_mass:
        best: tuple[float, int, str, float] | None = None
        xs = x[inside]
        ys = y[inside]
        for j in range(k):
            for side in ("low", "high"):
                cut = np.quantile(xs[:, j], alpha if side == "low" else 1 - alpha)
                keep = xs[:, j] > cut if side == "low" else xs[:, j] < cut
                if keep.all() or not keep.any():
                    continue
                density = ys[keep].mean()
                if best is None or density > best[0]:
                    best = (float(density), j, side, float(cut))
        if best is None or best[0] <= boxes[-1].density:
            break
        _, j, side, chosen_cut = best
        if side == "low":
            lo[j] = chosen_cut
            inside &= x[:, j] > chosen_cut
        else:
            hi[j] = chosen_cut
            inside &= x[:, j] < chosen_cut
        boxes.append(box())
    return boxes


def pick_box(boxes: list[Box], *, min_density: float = 0.8) -> Box:
    """The box with the highest coverage among those reaching ``min_density`` (else the densest)."""
    dense = [b for b in boxes if b.density >= min_density]
    if dense:
        return max(dense, key=lambda b: b.coverage)
    return max(boxes, key=lambda b: b.density)


def box_stats(
    x: NDArray[np.float64], of_interest: NDArray[np.bool_], names: list[str], limits: dict[str, tuple[float, float]]
) -> Box:
    """Coverage, density and mass of the box given by ``limits`` (inputs not named are unrestricted)."""
    inside = np.ones(len(x), dtype=bool)
    for name, (lo, hi) in limits.items():
        j = names.index(name)
        inside &= (x[:, j] >= lo) & (x[:, j] <= hi)
    total = of_interest.sum()
    hits = of_interest[inside].sum()
    return Box(
        dict(limits),
        coverage=float(hits / total) if total else 0.0,
        density=float(hits / inside.sum()) if inside.any() else 0.0,
        mass=float(inside.mean()),
    )


def simplify_box(
    box: Box,
    x: NDArray[np.float64],
    of_interest: NDArray[np.bool_],
    names: list[str],
    *,
    max_density_loss: float = 0.05,
) -> Box:
    """Drop the restrictions that barely matter, one at a time, while density stays within ``max_density_loss``.

    Peeling with many inputs also trims inputs that merely happened to correlate with failure in this sample;
    a box an analyst can read names few inputs (Bryant & Lempert 2010 call this interpretability).
    """
    floor = box.density * (1 - max_density_loss)
    current = box
    while current.limits:
        candidates = []
        for name in current.limits:
            limits = {k: v for k, v in current.limits.items() if k != name}
            candidates.append(box_stats(x, of_interest, names, limits))
        best = max(candidates, key=lambda b: (b.density, b.coverage))
        if best.density < floor:
            break
        current = best
    return current
