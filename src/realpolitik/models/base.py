"""Compatibility: the names that ``models/base.py`` used to define, now each in the module of its concern.

* :mod:`.spec`: ``ModelSpec``, ``OptionSpec``, ``parse_option_value`` (how a model is registered);
* :mod:`.trajectory`: ``Trajectory``, ``actor_keys`` (what a model returns);
* :mod:`.voice`: ``voice`` (who counts how much);
* :mod:`.decision`: ``decide``, ``honour_structure`` (who decides);
* :mod:`realpolitik.randomness`: seeds.

New code imports from those modules.
"""

from .decision import decide, honour_structure
from .spec import ModelSpec, OptionSpec, RunFunction, parse_option_value
from .trajectory import Trajectory, actor_keys
from .voice import voice

__all__ = [
    "ModelSpec",
    "OptionSpec",
    "RunFunction",
    "Trajectory",
    "actor_keys",
    "decide",
    "honour_structure",
    "parse_option_value",
    "voice",
]
