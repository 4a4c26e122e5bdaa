"""What every command shares: the two consoles, the output formats, the scenario argument, and one error policy.

Heavy modules (pydantic scenarios, numpy models, the lab) are imported inside the commands, so that
``realpolitik --version`` and ``realpolitik events ...`` pay only for what they use.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..scenario import LoadedScenario

    out: Console
    err: Console


def __getattr__(name: str) -> Any:
    """``out`` and ``err``, the two consoles, made on first use: ``rich.console`` is a tenth of the start-up that
    ``realpolitik --version`` and the JSON and CSV outputs never need."""
    if name in ("out", "err"):
        from rich.console import Console

        consoles = {"out": Console(highlight=False, soft_wrap=False), "err": Console(stderr=True, highlight=False)}
        globals().update(consoles)
        return consoles[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


P = ParamSpec("P")
R = TypeVar("R")

OPTION_FLAGS = {
    "options": "--option",
    "draws": "--draws",
    "rounds": "--rounds",
    "seed": "--rng",
    "shard_size": "--shard-size",
    "n": "--n",
}
"""Request parameters whose errors the CLI prefixes with the flag that set them (``--option: message``)."""


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML, JSON, BDM CSV, KTAB CSV/XML, Decide) or a built-in name.")
]
FormatOpt = Annotated[
    str | None, typer.Option("--input-format", help="Read the file as this format instead of detecting it.")
]
AllowLargeOpt = Annotated[
    bool,
    typer.Option(
        "--allow-large",
        help="Run even when one model call is estimated to need more memory than the bound (2 GiB, "
        "MAX_MODEL_BYTES; see docs/security.md).",
    ),
]
RoundZeroOpt = Annotated[
    float,
    typer.Option(
        "--round-zero-threshold",
        min=0.0,
        max=1.0,
        help="Report issues whose outcome under the scenario's own rules, before bargaining, lies more than this "
        "share of the scale from the status quo.",
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit (status 2: the user's input is at fault)."""
    print(message, file=sys.stderr)
    raise typer.Exit(code)


def parse_date(value: str | None, option: str) -> dt.date | None:
    """``YYYY-MM-DD`` or None; anything else is one line naming the option, exit 2."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date (YYYY-MM-DD): {value!r}")


def error_lines(exc: BaseException) -> list[str] | None:
    """The lines a user reads for a scenario or request error, or an error of the machine (any ``OSError``: a
    full or read-only disk, a missing permission, an output path in the way, as ``PATH: what happened; what to
    do``; running out of memory); None for any other exception."""
    from ..scenario.problems import ScenarioError
    from ..workflows.errors import RequestError, environment_line

    if isinstance(exc, ScenarioError):
        return [str(problem) for problem in exc.problems]
    if isinstance(exc, RequestError):
        flag = OPTION_FLAGS.get(exc.parameter or "")
        return [f"{flag}: {exc.line()}" if flag else exc.line()]
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
        return [environment_line(exc)]
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException":  # DuckDB's is no MemoryError
        return ["realpolitik: out of memory; ask for less work (fewer draws, a smaller --shard-size or scenario)"]
    return None


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn scenario and request problems into one line each on stderr and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            lines = error_lines(exc)
            if lines is None:
                raise
            for line in lines:
                print(line, file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


def check_out_dir(path: Path | None, flag: str = "--out") -> None:
    """Before any work: an output folder that is a file (or a link to one) is one line, exit 2."""
    if path is None:
        return
    if (path.exists() or path.is_symlink()) and not path.is_dir():
        fail(f"{path}: is a file, not a folder; give {flag} a folder")
    for parent in path.parents:  # the first part of the path that exists must be a folder
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                fail(f"{path}: {parent} is a file, not a folder; give {flag} a folder")
            return


def load_scenario(scenario: str, input_format: str | None = None) -> LoadedScenario:
    from ..scenario import load

    return load(scenario, format=input_format)


def print_json(data: Any, **kwargs: Any) -> None:
    """Strict JSON on stdout: a non-finite number (which JSON cannot hold) is written as null."""
    from ..provenance import json_text

    print(json_text(data, indent=2, **kwargs))
