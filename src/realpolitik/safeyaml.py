"""YAML read within bounds, for every YAML file a user gives us (scenarios, event actor tables, column mappings).

Why a module of its own: both :mod:`realpolitik.scenario` and :mod:`realpolitik.events` read YAML from users, and
events must not import scenario. ``yaml.safe_load`` constructs no Python objects but expands aliases without limit:
a "billion laughs" document of a few hundred bytes grows until memory runs out. Here a document may use at most
:data:`MAX_YAML_ALIASES` aliases, nest at most :data:`MAX_YAML_DEPTH` levels and hold at most
:data:`MAX_YAML_NODES` nodes *counting each alias as the nodes it repeats*; past a bound it is refused while it is
composed (or before, by :func:`prescan` over libyaml's event stream), in milliseconds. An alias of a node that
contains it (``&a [*a]``) is refused too: it would be an infinitely deep document.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_NODES = 100_000
"""Most nodes a YAML or JSON document may hold, counting each alias as the nodes it repeats.

A billion-laughs document (nine levels of nine aliases) stops here instead of expanding to 10⁹ nodes. The
pure-Python YAML parser needs about 1.2 KB per node, so the bound keeps parsing under ~300 MB; a scenario with
5,000 actors, each with a stance on two issues, holds about 100,000 nodes."""

MAX_YAML_ALIASES = 1_000
"""Most aliases (``*name``) a YAML document may use; scenarios written by hand use a handful, if any."""

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists in a YAML document; a scenario needs six levels."""


class YamlRefusedError(Exception):
    """A bound of this module was passed while composing; ``line`` is 1-based."""

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
            raise YamlRefusedError(
                line, f"more than {MAX_YAML_ALIASES} aliases (MAX_YAML_ALIASES); write the values out"
            )
        if any(a == anchor for a, _ in self.open):
            raise YamlRefusedError(line, f"alias *{anchor} refers to a node that contains it (a recursive document)")
        self.add(self.size.get(anchor, 1) if anchor is not None else 1, line)

    def scalar(self, anchor: str | None, line: int | None) -> None:
        self.add(1, line)
        if anchor is not None:
            self.size[anchor] = 1

    def start(self, anchor: str | None, line: int | None) -> None:
        if len(self.open) >= MAX_YAML_DEPTH:
            raise YamlRefusedError(line, f"nested more than {MAX_YAML_DEPTH} levels deep (MAX_YAML_DEPTH)")
        self.open.append((anchor, self.total))
        self.add(1, line)

    def end(self) -> None:
        anchor, before = self.open.pop()
        if anchor is not None:
            self.size[anchor] = self.total - before

    def add(self, n: int, line: int | None) -> None:
        self.total += n
        if self.total > MAX_YAML_NODES:
            raise YamlRefusedError(
                line,
                f"the document holds more than {MAX_YAML_NODES:,} values (MAX_YAML_NODES; an alias counts as "
                "every value it repeats)",
            )


def _event_line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else None


def prescan(text: str) -> None:
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


def load(text: str) -> Any:
    """``yaml.safe_load`` within the bounds. Raises :class:`YamlRefusedError` past a bound (with the line) and
    ``yaml.YAMLError`` for malformed YAML; callers turn both into their own one-line errors."""
    prescan(text)
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
