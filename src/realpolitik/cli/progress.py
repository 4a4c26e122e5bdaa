"""The workflows' progress protocol drawn as a rich progress line on stderr.

Quiet (and free) when stderr is not a terminal or the user asked for ``--quiet``: a pipe or a log file gets no
escape codes. A phase with a step count shows a bar and ``done/total``; one without shows a spinner.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import common

if TYPE_CHECKING:
    from rich.progress import Progress


def start_bar(*, spinner: bool) -> Progress:
    """A started, transient rich progress display on stderr (description, bar, ``done/total``, elapsed time),
    led by a spinner with ``spinner``; the caller stops it. rich is imported here, when a bar is drawn, not at
    start-up."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    bar = Progress(*([SpinnerColumn()] if spinner else []), *columns, console=common.err, transient=True)
    bar.start()
    return bar


class RichProgress:
    """``with RichProgress("lab", quiet) as progress: run_lab(request, progress)``."""

    def __init__(self, label: str, quiet: bool = False) -> None:
        self.label = label
        self.enabled = not quiet and common.err.is_terminal
        self._bar: Any = None
        self._task: Any = None
        self._phase: str | None = None

    def __enter__(self) -> RichProgress:
        if self.enabled:
            self._bar = start_bar(spinner=True)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, phase: str, done: int = 0, total: int | None = None) -> None:
        if self._bar is None:
            return
        description = self.label if phase == self.label else f"{self.label}: {phase}"
        if phase != self._phase or self._task is None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=total, completed=done)
            self._phase = phase
        else:
            self._bar.update(self._task, total=total, completed=done)
