"""Scenarios: the analyst's description of a bargaining situation, validated, in any supported format."""

from .load import LoadedScenario, builtin_names, dump, load, load_scenario
from .model import (
    Actor,
    Anchor,
    Change,
    ChannelLink,
    Channels,
    Estimate,
    Intervention,
    Issue,
    Scale,
    Scenario,
    Source,
    Stance,
    Strategy,
)
from .problems import Problem, ScenarioError

__all__ = [
    "Actor",
    "Anchor",
    "Change",
    "ChannelLink",
    "Channels",
    "Estimate",
    "Intervention",
    "Issue",
    "LoadedScenario",
    "Problem",
    "Scale",
    "Scenario",
    "ScenarioError",
    "Source",
    "Stance",
    "Strategy",
    "builtin_names",
    "dump",
    "load",
    "load_scenario",
]
