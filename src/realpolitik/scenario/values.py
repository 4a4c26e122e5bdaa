"""Values a scenario may hold: finite numbers of bounded magnitude and text that is text.

Why here and not only in the pydantic fields: a non-finite number or a lone surrogate anywhere in a document,
``metadata`` and fields added later included, fails far from the file (a NaN forecast, a JSON encoder refusing
``\\ud800``, an HTTP 500 on every later listing). :func:`document_problems` checks every value of the plain data
a reader produced, before the model sees it, and names the file, line and field; :func:`check_plain` is the same
rule for the model's own fields (:class:`realpolitik.scenario.model.Frozen`), so a scenario built in code obeys
it too.

- Numbers: no NaN, no ±infinity, no magnitude beyond :data:`~realpolitik.scenario.limits.MAX_MAGNITUDE`
  (integers: below :data:`~realpolitik.scenario.limits.MAX_INTEGER`, so a 64-bit seed fits).
- Text: valid Unicode (no lone surrogates such as ``"\\ud800"``, which no encoder can write) and no control
  characters but newline and tab.
- Binary values (YAML ``!!binary``) are not scenario data.
- Sizes: at most :data:`~realpolitik.scenario.limits.MAX_ACTORS` actors,
  :data:`~realpolitik.scenario.limits.MAX_ISSUES` issues and
  :data:`~realpolitik.scenario.limits.MAX_LIST_ITEMS` items in any list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .limits import MAX_ACTORS, MAX_INTEGER, MAX_ISSUES, MAX_LIST_ITEMS, MAX_MAGNITUDE
from .problems import LineMap, Loc, Problem

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode's Cc, less tab (09) and newline (0a)
BOUND = f"{MAX_MAGNITUDE:g}".replace("e+", "e")
"""The magnitude bound as a person writes it (``1e15``)."""
MAX_PROBLEMS = 100
"""Most value problems listed for one document (the rest are counted in one last line)."""


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be scenario text, or None. The message never contains the offending character."""
    found = _SURROGATE.search(text)
    if found is not None:
        return (
            f"contains a lone surrogate (U+{ord(found.group()):04X}) at character {found.start() + 1}, which is not "
            "text and cannot be written out; remove it (an escape such as \\ud800 in a quoted string makes one)"
        )
    found = _CONTROL.search(text)
    if found is not None:
        return (
            f"contains the control character U+{ord(found.group()):04X} at character {found.start() + 1}; text may "
            "hold newlines and tabs but no other control characters"
        )
    return None


def number_problem(value: float | int) -> str | None:
    """Why ``value`` cannot be a scenario number, or None (booleans are not numbers here and pass)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) >= MAX_INTEGER:
            return f"an integer of {len(str(abs(value)))} digits is beyond ±2**64 (MAX_INTEGER)"
        return None
    if math.isnan(value):
        return "NaN is not a number; write a finite number"
    if math.isinf(value):
        return (
            f"{'-' if value < 0 else ''}infinity is not a number a model can use; write a finite number within ±{BOUND}"
        )
    if abs(value) > MAX_MAGNITUDE:
        return f"{value:g} is beyond ±{BOUND} (MAX_MAGNITUDE), the largest magnitude a scenario may hold"
    return None


def value_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int | float):
        return number_problem(value)
    if isinstance(value, bytes | bytearray):
        return "binary data (!!binary) is not scenario data; write text or numbers"
    return None


_COUNTS = {"actors": ("actors", MAX_ACTORS, "MAX_ACTORS"), "issues": ("issues", MAX_ISSUES, "MAX_ISSUES")}


def document_problems(data: Any, lines: LineMap, name: str) -> list[Problem]:
    """Every value of a document that breaks the rules above, with its line and field path.

    Walks the data without recursion (aliases may make a node appear many times; the parser's bounds keep the
    total small), so no document can make it run out of stack."""
    problems: list[Problem] = []
    extra = 0

    def report(loc: Loc, message: str) -> None:
        nonlocal extra
        if len(problems) < MAX_PROBLEMS:
            problems.append(lines.problem(name, loc, message))
        else:
            extra += 1

    if isinstance(data, Mapping):
        for key, (what, bound, constant) in _COUNTS.items():
            items = data.get(key)
            if isinstance(items, list) and len(items) > bound:
                report((key,), f"{len(items):,} {what} is over the bound of {bound:,} ({constant})")
    stack: list[tuple[Any, Loc]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str):
                    why = text_problem(key)
                    if why is not None:
                        report(loc, f"a key {why}")
                        continue
                stack.append((item, (*loc, key if isinstance(key, str | int) else str(key))))
        elif isinstance(value, list | tuple | set | frozenset):
            if len(value) > MAX_LIST_ITEMS:
                if not any(p.loc == loc for p in problems):  # actors and issues are counted above
                    most = f"{MAX_LIST_ITEMS:,}"
                    report(loc, f"{len(value):,} items is over the bound of {most} for one list (MAX_LIST_ITEMS)")
                continue
            stack.extend((item, (*loc, k)) for k, item in enumerate(value))
        else:
            why = value_problem(value)
            if why is not None:
                report(loc, why)
    if extra:
        problems.append(Problem(name, None, (), f"... and {extra} more problems of the same kinds"))
    problems.sort(key=lambda p: p.line or 0)
    return problems


def check_plain(value: Any) -> Any:
    """``value`` unchanged if every number and text in it (through lists, tuples and dicts, not models) obeys the
    rules; else ``ValueError`` with the reason (pydantic reports it at the field)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        why: str | None = None
        if isinstance(item, str):
            why = text_problem(item)
        elif isinstance(item, float | int):
            why = number_problem(item)
        elif isinstance(item, bytes | bytearray):
            why = value_problem(item)
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if isinstance(key, str) and (why := text_problem(key)) is not None:
                    why = f"a key {why}"
                    break
                stack.append((sub, f"{where}[{key!r}]"))
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((sub, f"{where}[{k}]") for k, sub in enumerate(item))
        if why is not None:
            raise ValueError(f"{where}: {why}" if where else why)
    return value
