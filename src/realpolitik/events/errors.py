"""Errors a person can act on: each names the file (and line and field when known) so the CLI prints one line."""

from __future__ import annotations


class EventsError(Exception):
    """A problem with an input file or option; printed as ``FILE:LINE: field: message`` and exit status 2."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
        parts = [p for p in (where, self.field, self.message) if p]
        return ": ".join(parts)
