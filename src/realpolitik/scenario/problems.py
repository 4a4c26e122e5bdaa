"""Problems found in user input, reported as one line each: ``FILE:LINE: field.path: message``.

Every loader and validator reports through :class:`Problem` so that the command line can print the same
shape of message whatever went wrong: an analyst reads the file name and line, opens the file, and fixes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def format_loc(loc: Loc) -> str:
    """``("stances", 3, "position")`` -> ``stances[3].position``; the empty path is ``(document)``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):
            out += f"[{json.dumps(str(part))}]"  # odd keys (spaces, newlines) stay on one readable line
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, field path) and what."""

    file: str
    line: int | None
    loc: Loc
    message: str

    def __str__(self) -> str:
        line = self.line if self.line is not None else 1
        message = " ".join(self.message.split("\n"))
        text = f"{self.file}:{line}: {format_loc(self.loc)}: {message}"
        # a file name of undecodable bytes holds lone surrogates: shown escaped, so any stream can print the line
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ScenarioError(Exception):
    """Raised when an input cannot become a valid scenario; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LineMap:
    """Maps a field path to the 1-based line where it stands in the source file.

    A path that has no entry of its own (a field that was missing, or was filled in by a default) falls back to
    its nearest ancestor that does, so every problem gets a line a person can go to.
    """

    def __init__(self, lines: Mapping[Loc, int] | None = None):
        self._lines: dict[Loc, int] = dict(lines or {})

    def set(self, loc: Loc, line: int) -> None:
        self._lines.setdefault(loc, line)

    def items(self) -> list[tuple[Loc, int]]:
        return list(self._lines.items())

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        path = tuple(loc)
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, file: str, loc: Loc, message: str) -> Problem:
        return Problem(file=file, line=self.line_of(loc), loc=loc, message=message)
