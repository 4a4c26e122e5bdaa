"""The ``realpolitik`` application: the root command, every sub-command mounted, and the console entry point.

Bad input never produces a traceback: problems print as ``FILE:LINE: field: message`` (or the workflow's one
line) and the command exits with status 2. Anything unexpected prints one line and exits 1
(``REALPOLITIK_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from . import backtest, brief, check, clean, diff, events, forecast, lab, record, scenario, score, serve, update
from .common import error_lines

app = typer.Typer(
    name="realpolitik",
    help="Forecast where bargaining lands, compare strategies under uncertainty, watch event data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _kernels_compiled() -> bool:
    """Whether the models run the compiled kernels (``models.kernels.compiled is not None``), answered without
    importing the models (numpy, pydantic: most of a second's start-up) when they are not loaded yet: the same
    switch as ``kernels._load``, and the extension file that ``import realpolitik.models._kernels`` would load."""
    kernels = sys.modules.get("realpolitik.models.kernels")
    if kernels is not None:
        return getattr(kernels, "compiled", None) is not None
    if os.environ.get("REALPOLITIK_PURE_NUMPY", "").strip() not in ("", "0"):
        return False
    from importlib.machinery import EXTENSION_SUFFIXES

    models = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
    return any(os.path.isfile(os.path.join(models, "_kernels" + suffix)) for suffix in EXTENSION_SUFFIXES)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        how = "compiled kernels" if _kernels_compiled() else "numpy kernels (the C extension was not built)"
        print(f"realpolitik {__version__} ({how})")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """realpolitik: bargaining forecasts, strategy experiments and event monitoring for regional diplomacy."""


for command in (
    scenario.validate,
    scenario.schema,
    scenario.scenarios,
    scenario.models,
    scenario.export,
    forecast.forecast,
    scenario.demo,
    backtest.backtest,
    score.score,
    lab.lab,
    lab.sensitivity,
    brief.brief,
    serve.serve,
):
    app.command()(command)
app.add_typer(events.app, name="events", help="Event data: ingest, dyad indicators, alerts.")
app.command(name="check")(check.check)
app.command(name="diff")(diff.diff)
app.command(name="update")(update.update)
app.command(name="record")(record.record)
app.command(name="clean")(clean.clean)


def main() -> None:
    """Console entry point: no traceback reaches the user unless REALPOLITIK_DEBUG is set."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        lines = error_lines(exc)
        if lines is not None:  # a scenario or request error that escaped a command's own handling
            for line in lines:
                print(line, file=sys.stderr)
            sys.exit(2)
        if os.environ.get("REALPOLITIK_DEBUG"):
            raise
        print(
            f"realpolitik: internal error: {type(exc).__name__}: {exc} (set REALPOLITIK_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(1)
