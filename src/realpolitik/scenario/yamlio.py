"""YAML (and JSON) documents read with a line for every field, and written back readably.

PyYAML's composer gives every node its position; we walk the node tree once to record the line of each field
path and to catch what ``safe_load`` silently accepts (duplicate keys). Only safe loading is used: no tags
construct Python objects.

Parsing is bounded (:mod:`realpolitik.scenario.limits`): a document may use at most ``MAX_YAML_ALIASES`` aliases,
nest at most ``MAX_YAML_DEPTH`` levels, and hold at most ``MAX_YAML_NODES`` nodes *counting each alias as the
nodes it repeats*, so a "billion laughs" document (a few hundred bytes of nested aliases) is refused while it is
composed, in milliseconds, instead of expanding until memory runs out. An alias of a node that contains it
(``&a [*a]``) is refused too: it would be an infinitely deep document.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from .limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES
from .problems import LineMap, Loc, Problem, ScenarioError


class _RefusedError(Exception):
    """A bound of :mod:`realpolitik.scenario.limits` was passed while composing; ``line`` is 1-based."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Budget:
    """Counts aliases, depth and alias-expanded nodes of one document, refusing past the bounds.

    The expanded size of every anchored node (itself plus everything below it, aliases counted as what they
    repeat) is kept once the node is complete, so an alias adds its full size to the total without anything being
    expanded: nine levels of nine aliases pass the bound at the sixth level, after about a hundred events.
    """

    def __init__(self) -> None:
        self.aliases = 0
        self.total = 0
        self.size: dict[str, int] = {}  # anchor -> expanded size of the node it names
        self.open: list[tuple[str | None, int]] = []  # the collections being read: (anchor, total before them)

    def alias(self, anchor: str | None, line: int | None) -> None:
        self.aliases += 1
        if self.aliases > MAX_YAML_ALIASES:
            raise _RefusedError(line, f"more than {MAX_YAML_ALIASES} aliases (MAX_YAML_ALIASES); write the values out")
        if any(a == anchor for a, _ in self.open):
            raise _RefusedError(line, f"alias *{anchor} refers to a node that contains it (a recursive document)")
        self.add(self.size.get(anchor, 1) if anchor is not None else 1, line)

    def scalar(self, anchor: str | None, line: int | None) -> None:
        self.add(1, line)
        if anchor is not None:
            self.size[anchor] = 1

    def start(self, anchor: str | None, line: int | None) -> None:
        if len(self.open) >= MAX_YAML_DEPTH:
            raise _RefusedError(line, f"nested more than {MAX_YAML_DEPTH} levels deep (MAX_YAML_DEPTH)")
        self.open.append((anchor, self.total))
        self.add(1, line)

    def end(self) -> None:
        anchor, before = self.open.pop()
        if anchor is not None:
            self.size[anchor] = self.total - before

    def add(self, n: int, line: int | None) -> None:
        self.total += n
        if self.total > MAX_YAML_NODES:
            raise _RefusedError(
                line,
                f"the document holds more than {MAX_YAML_NODES:,} values (MAX_YAML_NODES; an alias counts as "
                "every value it repeats)",
            )


def _event_line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else None


def _prescan(text: str) -> None:
    """Check the bounds on the event stream of libyaml's parser (C, not recursive, ~2 µs an event) before the
    pure-Python composer builds anything: a 4 MB document over the bounds is refused in a fraction of a second.

    Syntax errors are left to the composer, which reports them with their line; without libyaml this does nothing
    (the composer checks the same bounds as it goes)."""
    parser_class = getattr(yaml, "CSafeLoader", None)
    if parser_class is None:
        return
    parser = parser_class(text)
    budget = _Budget()
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.AliasEvent):
                budget.alias(event.anchor, _event_line(event))
            elif isinstance(event, yaml.ScalarEvent):
                budget.scalar(event.anchor, _event_line(event))
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                budget.start(event.anchor, _event_line(event))
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                budget.end()
            elif isinstance(event, yaml.DocumentEndEvent):
                budget = _Budget()  # anchors do not cross documents (a second document is refused later)
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the bounds on aliases, nesting and alias-expanded size checked while composing
    (see :class:`_Budget`)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._budget = _Budget()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = _event_line(event)
        if isinstance(event, yaml.AliasEvent):
            self._budget.alias(event.anchor, line)
            return super().compose_node(parent, index)
        if isinstance(event, yaml.ScalarEvent):
            self._budget.scalar(event.anchor, line)
            return super().compose_node(parent, index)
        self._budget.start(getattr(event, "anchor", None), line)
        node = super().compose_node(parent, index)
        self._budget.end()
        return node


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
        _prescan(text)
    except _RefusedError as exc:
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
    except _RefusedError as exc:
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
