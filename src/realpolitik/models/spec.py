"""How a model is registered: its run function, options, reference and what it cannot honour (``ModelSpec``).

A model is a module with a pure function ``run(arrays, *, rounds, **options) -> Trajectory``. The registry
carries, next to the function, what a user needs to judge the model: its reference, assumptions, options, and
the test that proves it against a published or peer trajectory (as Axelrod does for its strategies).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, cast, get_args, get_origin

import numpy as np
from numpy.typing import NDArray

from ..randomness import RNGLike
from .arrays import Arrays
from .decision import honour_structure
from .trajectory import Trajectory

DrawKeys = Sequence[int] | NDArray[np.integer] | None
"""Which draws share a stochastic model's random numbers (one non-negative int per draw; see ``ModelSpec.__call__``)."""


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
    reference_source: str = ""
    """What produced the reference the reference test compares with (a paper's table, a peer's log, a peer's code
    run here) and to what tolerance."""
    within_hull: bool = True
    """The model promises forecasts inside the range of the positions taken on each issue (checked by the registry
    contract tests)."""
    order_dependent: str = ""
    """Why the model's results may change when actors are listed in another order (a preset reproducing a
    reference implementation's order-dependent tie-breaking); empty when they must not (checked on tie-free
    inputs)."""
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
        rng: RNGLike = None,
        draw_keys: DrawKeys = None,
        forecast_only: bool = False,
        **options: object,
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


def about(help: str, *, choices: tuple[Any, ...] | None = None, **more: Any) -> dict[str, Any]:
    """The metadata of a field of a model's options dataclass, ``field(default=..., metadata=about(help))``: the one
    line ``realpolitik models -v`` shows; ``choices`` only where the annotation is not a ``Literal`` (which
    :func:`options_of` reads); ``more`` is the model's own (e.g. SMP's KTAB name)."""
    out: dict[str, Any] = {"help": help, **more}
    if choices is not None:
        out["choices"] = tuple(choices)
    return out


INTERNAL: Mapping[str, Any] = {"internal": True}
"""The metadata of a field of an options dataclass that is no user option (not listed by :func:`options_of`)."""


def options_of(
    cls: type, *, extra: Sequence[tuple[str, OptionSpec]] = (), defaults: Mapping[str, Any] | None = None
) -> tuple[OptionSpec, ...]:
    """The :class:`OptionSpec` of every field of a model's options dataclass, so each option is stated once.

    Name and default from the field; ``help`` from its metadata (:func:`about`); choices from the metadata, else
    the values of a ``Literal`` annotation, else ``(True, False)`` for a ``bool``. ``extra`` adds what ``run``
    takes beside the dataclass (``rng``, ``draw_keys``, arrays), each ``(after, spec)`` placed after the option
    named ``after`` (``""``: first). ``defaults`` overrides defaults (a preset's)."""
    namespace = vars(sys.modules[cls.__module__])
    out: list[OptionSpec] = []
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        if "help" not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name}: give it metadata=about(help) or INTERNAL")
        choices: tuple[Any, ...] | None = f.metadata.get("choices")
        if choices is None:
            hint = _annotation(f.type, namespace)
            if get_origin(hint) is Literal:
                choices = tuple(get_args(hint))
            elif hint is bool:
                choices = (True, False)
        default = f.default if f.default is not dataclasses.MISSING else None
        out.append(OptionSpec(f.name, default, choices, str(f.metadata["help"])))
    for after, spec in extra:
        at = 0 if not after else next(k for k, o in enumerate(out) if o.name == after) + 1
        out.insert(at, spec)
    if defaults:
        out = [dataclasses.replace(o, default=defaults[o.name]) if o.name in defaults else o for o in out]
    return tuple(out)


OptionsT = TypeVar("OptionsT")


def build_options(cls: type[OptionsT], options: Mapping[str, object], *, unknown: str) -> OptionsT:
    """``options`` (a run's keyword arguments) validated into the options dataclass ``cls`` at once. A name that is
    no field raises ``TypeError`` with ``unknown`` formatted with ``{names}`` (the sorted unknown names) and
    ``{known}``; a value is checked by the dataclass (``__post_init__``)."""
    known = [f.name for f in dataclasses.fields(cast(Any, cls)) if not f.metadata.get("internal")]
    names = sorted(set(options) - set(known))
    if names:
        raise TypeError(unknown.format(names=names, known=", ".join(known)))
    return cast(Any, cls)(**options)  # type: ignore[no-any-return]


def _annotation(annotation: Any, namespace: Mapping[str, Any]) -> Any:
    """A field's annotation as an object (``from __future__ import annotations`` leaves it a string)."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, dict(namespace))  # the module's own annotation
    except Exception:  # an annotation we cannot evaluate has no choices to read
        return None


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
