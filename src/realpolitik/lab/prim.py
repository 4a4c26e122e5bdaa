"""PRIM (Friedman & Fisher 1999): boxes in the space of uncertain inputs where a strategy fails.

Our own small implementation rather than EMA Workbench's: we need only the peeling trajectory and box
statistics on a numeric design, and avoiding its heavy dependency tree keeps installs light. Peeling removes,
at each step, the ``alpha`` tail of one input that most raises the density of cases of interest inside the
box, until the box holds fewer than ``min_mass`` of all points. Each step is reported with its coverage (share
of all cases of interest inside the box) and density (share of the box's points that are cases of interest),
the classic trade-off an analyst picks from (Bryant & Lempert 2010).

Which box is reported (``discover_boxes``) is a fixed, documented rule, so that a box is only shown when it
says more than the base rate does:

* the **base rate** ``b`` is the share of all draws that are cases of interest (the whole-space density);
* if ``b >= min_density`` the cases of interest are the base case: no box can sharpen a statement that
  already holds almost everywhere, and none is reported;
* otherwise the **density floor** is ``max(min_density, b + min_lift)``; the reported box is the point of the
  peeling trajectory with the highest coverage among those whose density reaches the floor;
* peeling restricts at most ``max_dims`` inputs (once that many are restricted, only they are peeled further);
* the box is then simplified: a restriction is dropped only if the density stays at or above the floor (and
  within ``max_density_loss`` of the box's own density);
* if no point of the trajectory reaches the floor, the densest one is reported, marked as below the floor.
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
    max_dims: int | None = None,
) -> list[Box]:
    """The peeling trajectory, from the whole space to the smallest box; pick a box by coverage/density.

    With ``max_dims``, a box restricts at most that many inputs: once they are restricted, only they are peeled.
    """
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
        restricted = [j for j in range(k) if lo[j] > full_lo[j] or hi[j] < full_hi[j]]
        dims = restricted if max_dims is not None and len(restricted) >= max_dims else range(k)
        for j in dims:
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
    density_floor: float = 0.0,
) -> Box:
    """Drop the restrictions that barely matter, one at a time, while density stays within ``max_density_loss``.

    Peeling with many inputs also trims inputs that merely happened to correlate with failure in this sample;
    a box an analyst can read names few inputs (Bryant & Lempert 2010 call this interpretability). A
    restriction is never dropped if the density would fall below ``density_floor`` (when the box reaches it).
    """
    floor = box.density * (1 - max_density_loss)
    if box.density >= density_floor:
        floor = max(floor, density_floor)
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


@dataclass(frozen=True)
class Discovery:
    """What scenario discovery says about one set of cases of interest (e.g. the draws where a strategy fails)."""

    base_rate: float  # share of all draws that are cases of interest
    density_floor: float  # density a box must reach to be reported as sharpening the base rate
    max_dims: int | None
    trajectory: list[Box]
    box: Box | None  # None when there is nothing to sharpen (base case, or no case of interest)
    meets_floor: bool
    message: str

    @property
    def lift(self) -> float | None:
        """How many times the base rate the box's density is (None without a box)."""
        if self.box is None or not self.base_rate:
            return None
        return self.box.density / self.base_rate

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "share_failing": self.base_rate,
            "density_floor": self.density_floor,
            "max_dims": self.max_dims,
            "chosen_box": self.box.to_json_dict() if self.box is not None else None,
            "meets_floor": self.meets_floor,
            "lift": self.lift,
            "message": self.message,
            "trajectory": [b.to_json_dict() for b in self.trajectory],
        }


def discover_boxes(
    x: NDArray[np.float64],
    of_interest: NDArray[np.bool_],
    names: list[str],
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_density: float = 0.8,
    min_lift: float = 0.1,
    max_dims: int | None = 4,
    max_density_loss: float = 0.05,
) -> Discovery:
    """PRIM with the reporting rule of the module docstring: a box only where it sharpens the base rate."""
    n = len(of_interest)
    base = float(of_interest.mean()) if n else 0.0
    floor = max(min_density, base + min_lift)
    if not of_interest.any():
        whole = box_stats(x, of_interest, names, {})
        return Discovery(base, floor, max_dims, [whole], None, False, "no draw fails: nothing to discover")
    if base >= min_density:
        whole = box_stats(x, of_interest, names, {})
        return Discovery(
            base,
            floor,
            max_dims,
            [whole],
            None,
            False,
            f"failure is the base case: {base:.0%} of draws fail; no box can sharpen it",
        )
    trajectory = prim(x, of_interest, names, alpha=alpha, min_mass=min_mass, max_dims=max_dims)
    dense = [b for b in trajectory if b.density >= floor]
    chosen = max(dense, key=lambda b: b.coverage) if dense else max(trajectory, key=lambda b: b.density)
    chosen = box_stats(x, of_interest, names, chosen.limits)
    simple = simplify_box(chosen, x, of_interest, names, max_density_loss=max_density_loss, density_floor=floor)
    meets = simple.density >= floor
    dims = f" restricting at most {max_dims} inputs" if max_dims is not None else ""
    if meets:
        message = (
            f"{base:.0%} of draws fail; inside the box {simple.density:.0%} do "
            f"({simple.density / base:.1f}× the base rate), and the box holds {simple.coverage:.0%} of them"
        )
    else:
        message = (
            f"{base:.0%} of draws fail; no box{dims} reaches density {floor:.0%}: the densest found has "
            f"{simple.density:.0%} ({simple.density / base:.1f}× the base rate), holding {simple.coverage:.0%} of them"
        )
    return Discovery(base, floor, max_dims, trajectory, simple, meets, message)
