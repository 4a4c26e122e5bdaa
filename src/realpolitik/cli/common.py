"""What every command shares: the two consoles, the output formats, the scenario argument, and one error policy.

Heavy modules (pydantic scenarios, numpy models, the lab) are imported inside the commands, so that
``realpolitik --version`` and ``realpolitik events ...`` pay only for what they use.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from ..scenario import LoadedScenario

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")

OPTION_FLAGS = {"options": "--option"}
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
    """The lines a user reads for a scenario or request error; None for any other exception."""
    from ..scenario.problems import ScenarioError
    from ..workflows.errors import RequestError

    if isinstance(exc, ScenarioError):
        return [str(problem) for problem in exc.problems]
    if isinstance(exc, RequestError):
        flag = OPTION_FLAGS.get(exc.parameter or "")
        return [f"{flag}: {exc.line()}" if flag else exc.line()]
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


def load_scenario(scenario: str, input_format: str | None = None) -> LoadedScenario:
    from ..scenario import load

    return load(scenario, format=input_format)


def print_json(data: Any, **kwargs: Any) -> None:
    print(json.dumps(data, indent=2, **kwargs))
