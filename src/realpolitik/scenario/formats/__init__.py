"""Scenario file formats: the native YAML/JSON document and the community formats of the field.

Each format is a :class:`ScenarioFormat`: it recognises its files (by suffix and a look at the text), reads
text into plain scenario data plus a :class:`LineMap` (so validation problems point at the right line of the
*original* file), and writes a :class:`Scenario` back as text. Validation itself is shared
(:func:`realpolitik.scenario.validate.build_scenario`), so every format gets the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Scenario
from ..problems import LineMap


@dataclass(frozen=True)
class ScenarioFormat:
    name: str
    description: str
    suffixes: tuple[str, ...]
    sniff: Callable[[str], bool]
    read: Callable[[str, str], tuple[dict[str, Any], LineMap]]
    write: Callable[[Scenario], str]


def all_formats() -> dict[str, ScenarioFormat]:
    """Name -> format, in the order detection tries them."""
    from . import bdm_csv, decide, document, ktab

    formats = [document.YAML, document.JSON, decide.FORMAT, ktab.CSV_FORMAT, ktab.XML_FORMAT, bdm_csv.FORMAT]
    return {f.name: f for f in formats}
