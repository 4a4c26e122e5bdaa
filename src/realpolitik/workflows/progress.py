"""One progress protocol for every long-running workflow.

The CLI draws it as a rich progress bar, the web server stores it in the job's status, the brief builder passes
it on; a workflow neither knows nor cares which. ``phase`` names what is running ("lab", "forecast bands",
"sensitivity"), ``done``/``total`` count its steps (``total`` None when unknown).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, phase: str, done: int = 0, total: int | None = None) -> None: ...


def silent(phase: str, done: int = 0, total: int | None = None) -> None:
    """The progress callback that reports nothing (the default)."""
