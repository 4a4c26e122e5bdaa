"""The disputed choices of the BDM expected-utility model, as named options, and the two presets.

Why a separate module: every public implementation of Bueno de Mesquita's "old" model settles the same handful
of ambiguities differently (see ``docs/models/bdm.md`` and ``MODELS.md`` §1.1), and a forecast is only auditable if
each settlement is written down. :class:`BDMOptions` is that record; ``PRESETS`` names the two readings we ship:

* ``bdm-scholz`` — the Scholz, Calbert & Smith (2011) code as replicated by McKibben-Sanders
  (``jmckib/bdm-scholz-expected-utility-model``), quirks included, so its published log is reproduced exactly,
  and its order of arithmetic wherever a near-tie could turn on the last bits (``arithmetic``);
* ``bdm`` — our recommended reading of the papers (Masad's reading of the 1994 appendix, pairwise probability,
  highest-EU offer, Q = T = 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .spec import OptionSpec, about, options_of

Probability = Literal["pairwise", "all-triples"]
VoteRisk = Literal["linear", "voter"]
Risk = Literal["across-actors", "own-alternatives", "neutral"]
Perspective = Literal["each", "self"]
Selection = Literal["highest-eu", "class-order"]
CompromiseKey = Literal["smallest-move", "lowest-point"]
CompromisePoint = Literal["proportional", "eu-weighted"]
Mu = Literal["median", "mean"]
Range = Literal["scale", "positions"]
Arithmetic = Literal["fast", "reference", "reference-at-ties"]


@dataclass(frozen=True)
class BDMOptions:
    """One complete reading of the model. Defaults are the recommended ``bdm`` preset.

    Each option is declared here once: default and one-line help (:func:`~.spec.about`), choices from its
    ``Literal`` type, and below it why; :data:`OPTION_SPECS` is derived (:func:`~.spec.options_of`)."""

    probability: Probability = field(default="pairwise", metadata=about("normaliser of the win probability"))
    """Normaliser of P_ij. ``pairwise``: votes for i over j divided by all votes cast in the (i, j) contest, so
    P_ij + P_ji = 1 (BDM 1994, Masad). ``all-triples``: divided by the votes over *every* pair of actors (Scholz's
    code), which makes P tiny and confrontations rare."""
    vote_risk: VoteRisk = field(default="linear", metadata=about("voters' utility in the vote: linear or distance^r_k"))
    """Utility a voter k uses in the vote: ``linear`` distance (Masad) or distance^r_k with k's current risk
    exponent (Scholz's code)."""
    risk: Risk = field(default="across-actors", metadata=about("how r_i is set"))
    """How the risk exponent r_i is set: compare i's security level with the other actors' (``across-actors``,
    both public codes), with i's own security at the positions it could hold (``own-alternatives``, the reading
    jmckib's docstring argues BDM meant), or ``neutral`` (r = 1 for everyone)."""
    perspective: Perspective = field(
        default="each", metadata=about("whose risk exponent prices E_ji in i's calculation")
    )
    """Whose risk exponent prices E_ji when i weighs j's challenge: j's own (``each``) or i's (``self``,
    Scholz's code: an actor assumes everyone shares its risk attitude)."""
    selection: Selection = field(default="highest-eu", metadata=about("which offer an actor acts on"))
    """Which offer an actor acts on. ``highest-eu``: the challenge whose sender expects most from it, ties by
    the smallest move (Masad). ``class-order``: any confrontation first, then compromises, then capitulations,
    within a class the smallest move (Scholz's code)."""
    compromise_key: CompromiseKey = field(default="smallest-move", metadata=about("class-order compromise pick"))
    """Within the compromise class under ``class-order``: the smallest move, or the offer whose EU-weighted
    point (|E_ij| x_i + |E_ji| x_j)/(|E_ij| + |E_ji|) is lowest on the scale (``lowest-point``, Scholz's code —
    the cause of the odd round-4 Belgium jump)."""
    compromise_point: CompromisePoint = field(default="proportional", metadata=about("where a compromise lands"))
    """Where a compromise lands: x_i + (x_j − x_i)|E_ij/E_ji| (``proportional``, both public codes) or the
    EU-weighted point (``eu-weighted``)."""
    capitulation: bool = field(default=True, metadata=about("whether capitulations happen"))
    """Whether capitulations happen. Scholz's code tests ``eu_ji < abs(eu_ji)`` (never true), so never."""
    q: float = field(default=1.0, metadata=about("BDM's Q: probability the status quo persists (0–1)"))
    """Probability that the status quo persists if i does not challenge (BDM's Q)."""
    t: float = field(default=1.0, metadata=about("BDM's T: probability a change is for the better (0–1)"))
    """Probability that things get better, not worse, if the status quo changes without i (BDM's T)."""
    mu: Mu = field(default="median", metadata=about("μ in U_b/U_w (matters only when q < 1)"))
    """The position μ in U_b and U_w (only used when Q < 1): capability × salience weighted median or mean."""
    range: Range = field(default="scale", metadata=about("Δ: issue scale or spread of round-0 positions"))
    """Δ, the distance that normalises all utilities: the issue's scale (high − low) or the spread of the
    round-0 positions (Scholz's code)."""
    arithmetic: Arithmetic = field(
        default="fast",
        metadata=about(
            "fast kernels, the public program's order of sums and pow (reference), "
            "or that only where a near-tie decides"
        ),
    )
    """How sums and powers are evaluated. ``fast``: the vectorised kernels (sums in the order that is fastest,
    numpy's powers). ``reference``: the public program's order — its sequential sums over voters and over all
    (voter, a1, a2) triples, its groupings, the C library's ``pow`` — for every batch row, so the program's
    trajectory is reproduced bit for bit wherever it is deterministic; O(A³) per round in Python-driven loops.
    ``reference-at-ties``: ``fast``, and ``reference`` for the rows where a near-tie (an expected utility, a
    difference of two, or two offers' keys within 1e-11) could be decided by the last bits. The two reference
    modes reproduce the program, so they need its reading: the ``bdm-scholz`` options."""

    def __post_init__(self) -> None:
        for spec in OPTION_SPECS:
            value = getattr(self, spec.name)
            if spec.choices is not None and value not in spec.choices:
                raise ValueError(f"bdm option {spec.name}={value!r}: expected one of {spec.choices}")
        if not (0.0 <= self.q <= 1.0 and 0.0 <= self.t <= 1.0):
            raise ValueError(f"bdm options q and t must lie in [0, 1], got q={self.q}, t={self.t}")
        if self.arithmetic != "fast" and not self.is_program_reading():
            raise ValueError(
                f"arithmetic={self.arithmetic!r} evaluates the public program's own formulas, so it needs its "
                f"reading (the bdm-scholz options {PROGRAM_READING})"
            )
        if self.risk == "own-alternatives" and self.probability != "pairwise":
            raise ValueError(
                "risk='own-alternatives' needs probability='pairwise' (the all-triples normaliser "
                "would have to be rebuilt for every alternative position: O(A^4))"
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def is_program_reading(self) -> bool:
        """Whether these are the options of the Scholz-faithful program (the formulas its arithmetic evaluates)."""
        return all(getattr(self, name) == value for name, value in PROGRAM_READING.items())


OPTION_SPECS: tuple[OptionSpec, ...] = options_of(BDMOptions)
_HELP = {o.name: o.help for o in OPTION_SPECS}

PROGRAM_READING: dict[str, Any] = {
    "probability": "all-triples",
    "vote_risk": "voter",
    "risk": "across-actors",
    "perspective": "self",
    "selection": "class-order",
    "compromise_key": "lowest-point",
    "compromise_point": "proportional",
    "capitulation": False,
    "q": 1.0,
    "range": "positions",
}
"""The options that are the public program's reading (``bdm_scholz_model.py``); T and μ do not enter at Q = 1."""

PRESETS: dict[str, dict[str, Any]] = {
    "bdm": {},
    # the program's reading, T = 1 (Q = 1 leaves it unused), and its arithmetic where a near-tie could turn on it
    "bdm-scholz": {**PROGRAM_READING, "t": 1.0, "arithmetic": "reference-at-ties"},
}


def _program(values: dict[str, Any]) -> bool:
    return BDMOptions(**{**values, "arithmetic": "fast"}).is_program_reading()


def resolve(preset: str, overrides: Mapping[str, object]) -> BDMOptions:
    """The preset's options with ``overrides`` applied; unknown names are an error, not silently ignored."""
    if preset not in PRESETS:
        raise KeyError(f"unknown bdm preset {preset!r} (available: {', '.join(PRESETS)})")
    unknown = set(overrides) - set(_HELP)
    if unknown:
        raise TypeError(f"unknown bdm options {sorted(unknown)} (known: {sorted(_HELP)})")
    values: dict[str, Any] = {**PRESETS[preset], **overrides}
    # a preset's reference arithmetic evaluates the program's formulas; another reading has none to follow
    chosen = values.get("arithmetic", "fast")
    if "arithmetic" not in overrides and chosen != "fast" and not _program(values):
        values["arithmetic"] = "fast"
    return BDMOptions(**values)
