"""YAML (and JSON) documents read with a line for every field, and written back readably.

PyYAML's composer gives every node its position; we walk the node tree once to record the line of each field
path and to catch what ``safe_load`` silently accepts (duplicate keys). Only safe loading is used: no tags
construct Python objects.

Parsing is bounded by :mod:`realpolitik.safeyaml` (aliases, depth, alias-expanded size), so a "billion laughs"
document is refused while it is composed, in milliseconds, instead of expanding until memory runs out.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from ..safeyaml import BoundedLoader, YamlRefusedError, prescan
from .problems import LineMap, Loc, Problem, ScenarioError


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _walk(node: yaml.Node, loc: Loc, lines: LineMap, problems: list[Problem], name: str) -> None:
    lines.set(loc, _line(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                problems.append(
                    Problem(name, _line(key_node), (*loc, key), f"duplicate key (first given on line {seen[key]})")
                )
                continue
            seen[key] = _line(key_node)
            lines.set((*loc, key), _line(key_node))
            _walk(value_node, (*loc, key), lines, problems, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines, problems, name)


def parse_document(text: str, name: str, *, is_json: bool = False) -> tuple[Any, LineMap]:
    """Parse YAML or JSON text into plain data plus the line of every field path."""
    if is_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError([Problem(name, exc.lineno, (), f"malformed JSON: {exc.msg}")]) from None
        except RecursionError:
            raise ScenarioError([Problem(name, 1, (), "malformed JSON: nested too deeply")]) from None
    try:
        prescan(text)
    except YamlRefusedError as exc:
        raise ScenarioError([Problem(name, exc.line, (), f"refused: {exc.message}")]) from None
    try:
        loader = BoundedLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            [Problem(name, line, (), f"malformed YAML: character #x{exc.character:04x} is not allowed")]
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError([Problem(name, None, (), "file is empty")])
        lines = LineMap()
        problems: list[Problem] = []
        _walk(node, (), lines, problems, name)
        if problems:
            raise ScenarioError(problems)
        data = loader.construct_document(node)
    except YamlRefusedError as exc:
        raise ScenarioError([Problem(name, exc.line, (), f"refused: {exc.message}")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = int(mark.line) + 1 if mark is not None else None
        what = exc.problem or exc.context or "cannot parse"
        raise ScenarioError([Problem(name, where, (), f"malformed YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(
            [Problem(name, line, (), f"malformed YAML: character #x{exc.character:04x} is not allowed")]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, None, (), f"malformed YAML: {exc}")]) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        raise ScenarioError([Problem(name, 1, (), f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for short lists and for {value, low, high} estimates."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    short = set(data) <= {"value", "low", "high", "dist"} or set(data) <= {"value", "label"}
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=short or None)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flat = all(isinstance(x, str | int | float) for x in data) and len(data) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat or None)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110))


def safe_load(text: str, name: str) -> Any:
    """``yaml.safe_load`` within the bounds of :class:`BoundedLoader` (and refusing duplicate keys), for any YAML
    read from a user's file; problems come as :class:`ScenarioError` naming ``name`` and the line."""
    return parse_document(text, name)[0]
