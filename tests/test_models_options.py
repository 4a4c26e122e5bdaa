"""Options are declared once, on a frozen dataclass per model; ``ModelSpec.options`` is derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from realpolitik.models import bdm_options, ensemble, exchange, nbs, smp
from realpolitik.models.spec import INTERNAL, OptionSpec, about, build_options, options_of


@dataclass(frozen=True)
class _Options:
    kind: Literal["a", "b"] = field(default="a", metadata=about("which kind"))
    flag: bool = field(default=True, metadata=about("a switch"))
    size: float = field(default=1.0, metadata=about("how big"))
    name: str = field(default="x", metadata=about("a name", choices=("x", "y")))
    hook: object = field(default=None, metadata=INTERNAL)


def test_options_of_reads_name_default_choices_and_help_from_the_dataclass() -> None:
    rng = OptionSpec("rng", None, None, "seed")
    specs = options_of(_Options, extra=(("", OptionSpec("first", 0, None, "")), ("kind", rng)), defaults={"size": 2.0})
    assert [o.name for o in specs] == ["first", "kind", "rng", "flag", "size", "name"]
    by = {o.name: o for o in specs}
    assert by["kind"] == OptionSpec("kind", "a", ("a", "b"), "which kind")
    assert by["flag"].choices == (True, False) and by["size"] == OptionSpec("size", 2.0, None, "how big")
    assert by["name"].choices == ("x", "y")


def test_a_field_without_help_is_refused() -> None:
    @dataclass(frozen=True)
    class Bare:
        x: int = 1

    with pytest.raises(TypeError, match="about"):
        options_of(Bare)


def test_build_options_validates_at_once() -> None:
    assert build_options(_Options, {"kind": "b"}, unknown="u {names}").kind == "b"
    with pytest.raises(TypeError, match=r"u \['hook', 'nope'\] \(kind, flag, size, name\)"):
        build_options(_Options, {"nope": 1, "hook": 2}, unknown="u {names} ({known})")


@pytest.mark.parametrize(
    ("specs", "cls"),
    [
        (bdm_options.OPTION_SPECS, bdm_options.BDMOptions),
        (exchange.OPTION_SPECS, exchange.ExchangeOptions),
        (smp.OPTION_SPECS, smp.SMPOptions),
        (nbs.SPEC.options, nbs.NBSOptions),
        (ensemble.SPEC.options, ensemble.EnsembleOptions),
    ],
)
def test_every_field_default_is_the_listed_default(specs: tuple[OptionSpec, ...], cls: type) -> None:
    defaults = cls()
    listed = {o.name: o.default for o in specs}
    for name, value in listed.items():
        if hasattr(defaults, name):
            assert getattr(defaults, name) == value, name
