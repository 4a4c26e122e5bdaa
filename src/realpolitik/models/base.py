"""What every model returns and how models are registered.

A model is a module with a pure function ``run(arrays, *, rounds, **options) -> Trajectory``. The registry
carries, next to the function, what a user needs to judge the model: its reference, assumptions, options, and
the test that proves it against a published or peer trajectory (as Axelrod does for its strategies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from .aggregates import weighted_mean, weighted_median
from .arrays import Arrays, FloatArray
from .decision import apply_rules, rule_outcomes


def voice(arrays: Arrays) -> FloatArray:
    """Weight × salience of each actor on each issue, (D, A, I), zero where the actor takes no stance; the weight
    is the actor's influence on the issue where the scenario gives one, else its capability.

    Where no present actor has any weight on an issue, every present actor counts once: nobody cares more than
    anybody else, and absent actors' (meaningless) positions must never decide the outcome.
    """
    present = arrays.present[None].astype(np.float64)  # (1, A, I)
    w = arrays.weight() * arrays.salience * present
    none = w.sum(axis=1, keepdims=True) <= 0  # (D, 1, I)
    return np.asarray(np.where(none, np.broadcast_to(present, w.shape), w), dtype=np.float64)


@dataclass(frozen=True)
class Trajectory:
    """Positions over rounds and the forecast read off them.

    ``positions`` is (D, R+1, A, I) on each issue's own scale, round 0 being the input; ``forecast`` is (D, I).
    ``details`` holds model-specific records (e.g. the moves of each round) for reports and reference tests.
    """

    model: str
    arrays: Arrays
    positions: FloatArray
    forecast: FloatArray
    options: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return int(self.positions.shape[1]) - 1

    def weights(self) -> FloatArray:
        """Capability × salience, (D, A, I): the weight of each actor's voice on each issue (see :func:`voice`)."""
        return voice(self.arrays)

    def medians(self) -> FloatArray:
        """Weighted median of each round's positions, (D, R+1, I)."""
        w = np.moveaxis(self.weights(), -1, -2)[:, None]  # (D, 1, I, A)
        x = np.moveaxis(self.positions, -1, -2)  # (D, R+1, I, A)
        return weighted_median(x, np.broadcast_to(w, x.shape).copy())

    def means(self) -> FloatArray:
        """Capability × salience weighted mean of each round's positions, (D, R+1, I)."""
        w = np.moveaxis(self.weights(), -1, -2)[:, None]
        x = np.moveaxis(self.positions, -1, -2)
        return weighted_mean(x, np.broadcast_to(w, x.shape))

    def to_json_dict(self, draw: int = 0, issues: list[str] | None = None) -> dict[str, Any]:
        """The documented JSON shape of one draw (see ``realpolitik forecast --format json``).

        Where the model records each actor's chance of winning per round (``details["win_prob"]``, (D, R+1, A),
        e.g. KTAB's SMP), each round also carries ``"win_prob": {actor name: p}``.
        """
        a = self.arrays
        names = actor_keys(a.actor_names)
        medians, means = self.medians()[draw], self.means()[draw]
        win_prob = self.details.get("win_prob")
        if win_prob is not None:
            win_prob = np.asarray(win_prob, dtype=np.float64)
            if win_prob.shape != (self.positions.shape[0], self.rounds + 1, len(a.actor_ids)):
                win_prob = None
        out = []
        for i, issue_id in enumerate(a.issue_ids):
            if issues is not None and issue_id not in issues:
                continue
            rounds = []
            for r in range(self.rounds + 1):
                positions = {
                    names[k]: float(self.positions[draw, r, k, i]) for k in range(len(a.actor_ids)) if a.present[k, i]
                }
                entry: dict[str, Any] = {
                    "round": r,
                    "positions": positions,
                    "median": float(medians[r, i]),
                    "mean": float(means[r, i]),
                }
                if win_prob is not None:
                    entry["win_prob"] = {names[k]: float(win_prob[draw, r, k]) for k in range(len(a.actor_ids))}
                rounds.append(entry)
            decision = a.issue_rules[i].describe(a.actor_ids)
            out.append(
                {"id": issue_id, "forecast": float(self.forecast[draw, i]), "decision": decision, "rounds": rounds}
            )
        return {"model": self.model, "issues": out}


def actor_keys(names: Sequence[str]) -> list[str]:
    """JSON keys for actors: the names as written, with `` (2)``, `` (3)`` added to repeats in input order.

    Community files use names as labels, not keys (the litigation case has eleven "Attorney" rows, different
    people), so plain names would overwrite each other in a JSON object. The suffixes follow the ids' ``-2``,
    ``-3`` so a reader can match them.
    """
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    taken = set(out)
    if len(taken) != len(out):  # a name that already looks like "X (2)": fall back to position numbers
        out = [f"{name} (#{k + 1})" for k, name in enumerate(names)]
    return out


def decide(arrays: Arrays, positions: FloatArray) -> FloatArray:
    """Read each issue's outcome off final positions (D, A, I) by the issue's decision structure -> (D, I)."""
    return rule_outcomes(arrays.issue_rules, positions, voice(arrays), arrays.status_quo)


def honour_structure(arrays: Arrays, traj: Trajectory) -> Trajectory:
    """The trajectory with owner, veto and qualified-majority issues read off its final positions by their rule
    (median and mean issues keep the model's own outcome). Applied to every model by :meth:`ModelSpec.__call__`."""
    rules = arrays.issue_rules
    if not any(r.structured for r in rules):
        return traj
    final = traj.positions[:, -1]
    forecast = apply_rules(rules, final, voice(arrays), arrays.status_quo, traj.forecast)
    return replace(traj, forecast=forecast)


class RunFunction(Protocol):
    def __call__(self, arrays: Arrays, *, rounds: int | None = ..., **options: Any) -> Trajectory: ...


@dataclass(frozen=True)
class OptionSpec:
    name: str
    default: Any
    choices: tuple[Any, ...] | None
    help: str


@dataclass(frozen=True)
class ModelSpec:
    """A registered model and what a user should know before trusting it."""

    name: str
    title: str
    reference: str
    assumptions: tuple[str, ...]
    run: RunFunction
    default_rounds: int
    options: tuple[OptionSpec, ...] = ()
    reference_test: str = ""
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    dynamic: bool = True
    multi_issue: bool = False  # the model links issues (e.g. vote trading), so a backtest runs it per proposal
    scenario_options: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """Options a scenario file carries for this model, read from ``scenario.metadata`` (e.g. KTAB's logged model
    parameters and PRNG seed, Decide's per-issue powers); see :meth:`options_for`."""
    unsupported: tuple[str, ...] = ()
    """Parts of the decision structure the model cannot honour (``influence``); it refuses them with one line."""
    forecast_only: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments that make a run keep only what the forecast needs (positions), dropping per-move records
    nobody will read: what ``__call__(..., forecast_only=True)`` adds, e.g. for the lab's large batches. They
    must not change any position or forecast (each model's tests check this)."""

    @property
    def stochastic(self) -> bool:
        """Whether the model draws random numbers of its own (it then takes ``rng=`` and records its seed)."""
        return any(o.name == "rng" for o in self.options)

    def options_for(
        self, metadata: Mapping[str, Any] | None, overrides: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The options to run this model with on a scenario: what its metadata carries, then ``overrides`` (the
        user's options) on top. Every caller that runs a model on a loaded scenario should go through this, so a
        file's own parameters are never silently dropped."""
        out = dict(self.scenario_options(metadata or {})) if self.scenario_options is not None else {}
        out.update(overrides or {})
        return out

    def option(self, name: str) -> OptionSpec | None:
        """The :class:`OptionSpec` called ``name``, or None when the model has no such option."""
        return next((o for o in self.options if o.name == name), None)

    def parse_option_texts(self, texts: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """``KEY=VALUE`` texts (e.g. from ``--option``) as options, checked against this model's options.

        Values that look like them become bools (``true``/``false``), None (``none``/``null``), ints, floats, or
        JSON lists/objects; anything else stays a string. Raises ``ValueError`` with a one-line message for a
        malformed text, an unknown option or a value outside the option's choices.
        """
        out: dict[str, Any] = {}
        for text in texts:
            key, sep, raw = text.partition("=")
            key = key.strip()
            if not sep or not key:
                raise ValueError(f"option {text!r} is not KEY=VALUE")
            spec = self.option(key)
            if spec is None:
                known = ", ".join(o.name for o in self.options) or "none"
                raise ValueError(f"unknown option {key!r} for model {self.name} (known: {known})")
            value = parse_option_value(raw.strip())
            if spec.choices is not None and value not in spec.choices:
                raise ValueError(f"option {key}={raw.strip()}: choose one of {', '.join(map(str, spec.choices))}")
            out[key] = value
        return out

    def __call__(
        self,
        arrays: Arrays,
        *,
        rounds: int | None = None,
        rng: Any = None,
        draw_keys: Any = None,
        forecast_only: bool = False,
        **options: Any,
    ) -> Trajectory:
        """Run the model. ``rng`` and ``draw_keys`` reach only stochastic models, so every caller can pass them
        uniformly and a deterministic model is not handed an option it does not know; ``forecast_only`` adds the
        model's own :attr:`forecast_only` arguments (for callers that read only positions and the forecast).

        ``draw_keys`` (one non-negative int per draw) says which draws share the model's own random numbers: the
        noise of a draw comes from ``(seed, key)`` alone (:func:`draw_seed_sequences`). The lab gives every
        strategy's copy of draw d the key d, so strategies meet the same model noise (common random numbers) and
        the result of a draw does not depend on how the draws were cut into shards."""
        if self.stochastic:
            if rng is not None:
                options.setdefault("rng", rng)
            if draw_keys is not None:
                options.setdefault("draw_keys", draw_keys)
        if forecast_only:
            options = {**self.forecast_only, **options}
        self.refuse_unsupported(arrays)
        traj = self.run(arrays, rounds=self.default_rounds if rounds is None else rounds, **options)
        return honour_structure(arrays, traj)

    def refuse_unsupported(self, arrays: Arrays) -> None:
        """Fail with one line naming the issue and what this model cannot honour (never ignore it silently)."""
        if "influence" in self.unsupported and arrays.has_influence:
            assert arrays.influence is not None
            issues = np.flatnonzero(np.isfinite(arrays.influence).any(axis=(0, 1)))
            raise ValueError(
                f"{self.name}: issue {arrays.issue_ids[int(issues[0])]!r}: per-stance influence is not supported "
                f"(the model uses one capability per actor)"
            )


def parse_option_value(raw: str) -> Any:
    """A command-line option value as what it looks like: bool, None, int, float, JSON list/object, or the text."""
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    if raw[:1] in ("[", "{"):
        import json

        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            pass
    return raw


RunCallable = Callable[..., Trajectory]
