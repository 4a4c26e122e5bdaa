"""``realpolitik events fetch SOURCE``: download event data from its publisher into a workspace, with an account.

Thin: options are checked here and turned into a :class:`~realpolitik.events.fetch.FetchRequest`; the work is
:func:`realpolitik.events.fetch.run_fetch`. Exit status 0 when every unit was loaded (or skipped as loaded before),
1 when some unit failed or the source could not be reached, 2 for bad input (one line naming the parameter).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import common
from .common import fail, parse_date
from .event_output import comma_list, emit

if TYPE_CHECKING:
    from ..events.fetch import FetchRequest, FetchResult

SOURCE_NAMES = ("gdelt", "acled", "ucdp-ged", "ucdp-candidate", "polecat")
"""The sources of ``realpolitik.events.fetch.SOURCES``, for ``--help`` without importing httpx at start-up."""

HELP = (
    "Download event data from its publisher, verify it, and ingest it into a workspace.\n\n"
    f"SOURCE is one of {', '.join(SOURCE_NAMES)}. Downloads go to a cache folder and are verified before anything "
    "is loaded (one transaction per file); a rerun fetches only what is missing.\n\n"
    "gdelt: GDELT 2.0 15-minute files from its master list (size and MD5 checked). --country and --actors are not "
    "available for gdelt: its files cannot be filtered on the server, so filter the workspace instead.\n\n"
    "acled: ACLED's API (OAuth: REALPOLITIK_ACLED_EMAIL and REALPOLITIK_ACLED_PASSWORD, or "
    "REALPOLITIK_ACLED_REFRESH_TOKEN); revised events replace the stored ones and deleted events are removed. "
    "--country takes names, ISO numbers or three-letter codes. --actors takes actor names as ACLED spells them "
    '(e.g. "Tehrik-i-Taliban Pakistan"); an event matches with the actor as actor1 or actor2. '
    "ACLED's terms forbid redistributing its rows.\n\n"
    "ucdp-ged, ucdp-candidate: UCDP's API (REALPOLITIK_UCDP_TOKEN); --country takes Gleditsch-Ward numbers.\n\n"
    "polecat: POLECAT's weekly files on Harvard Dataverse (REALPOLITIK_DATAVERSE_TOKEN), size and MD5 checked.\n\n"
    "Credentials come from those variables or the --credentials file (mode 0600); they are never printed or "
    "stored in the workspace. Each source's page in docs/ says where its protocol details come from.\n\n"
    "Exit status: 0 all units loaded (or loaded before), 1 some unit failed or the source could not be reached, "
    "2 bad input."
)


class FetchProgress:
    """``progress(done, total, label)`` drawn as a rich bar on stderr when it is a terminal, else one line per unit
    (a log file gets no escape codes)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> FetchProgress:
        if common.err.is_terminal:
            from .progress import start_bar

            self.bar = start_bar(spinner=False)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.bar is None:
            print(f"{self.source}: {done}/{total} {label}", file=sys.stderr, flush=True)
            return
        if self.task is None:
            self.task = self.bar.add_task(f"fetch {self.source}", total=total)
        self.bar.update(self.task, completed=done, total=total, description=f"fetch {self.source}: {label}")


def _say_retries() -> None:
    """Each retry as one plain line on stderr (instead of stamina's bare ``stamina.retry_scheduled`` log record),
    so a user watching a slow fetch sees what is being retried and why. The exception text is the fetcher's own:
    the URL without secrets and the status."""
    from stamina.instrumentation import RetryDetails, set_on_retry_hooks

    def line(details: RetryDetails) -> None:
        print(f"retry {details.retry_num} in {details.wait_for:.1f} s: {details.caused_by}", file=sys.stderr)

    set_on_retry_hooks([line])


def _request(
    source: str,
    workspace: Path | None,
    start: str | None,
    end: str | None,
    options: dict[str, Any],
) -> FetchRequest:
    """Check the options (one line naming the parameter, exit 2) and build the request."""
    from ..events.fetch import MAX_PARALLEL, SOURCES, FetchRequest

    if source not in SOURCES:
        fail(f"SOURCE: unknown source {source!r} (known: {', '.join(SOURCES)})")
    if options["format"] not in ("table", "json"):
        fail(f"--format: unknown output format {options['format']!r} (known: table, json)")
    if workspace is None and not options["dry_run"]:
        fail("--workspace: required (or use --dry-run)")
    first = parse_date(start, "--from")
    if first is None:
        fail("--from: required (YYYY-MM-DD)")
    last = parse_date(end, "--to") or dt.date.today()
    if first > last:
        fail(f"--from: {first} is after --to {last}")
    if not 1 <= options["parallel"] <= MAX_PARALLEL:
        fail(f"--parallel: must be 1..{MAX_PARALLEL}, got {options['parallel']}")
    if not options["timeout"] > 0:
        fail(f"--timeout: must be positive seconds, got {options['timeout']:g}")
    return FetchRequest(
        source=source,
        workspace=workspace or Path(os.devnull),  # --dry-run without a workspace: nothing is loaded before
        start=first,
        end=last,
        base_url=options["base_url"],
        countries=tuple(comma_list(options["country"]) or ()),
        actors=tuple(comma_list(options["actors"]) or ()),
        mentions=options["mentions"],
        dry_run=options["dry_run"],
        cache_dir=options["cache"],
        parallel=options["parallel"],
        timeout_s=options["timeout"],
        credentials=options["credentials"],
    )


def _print_result(result: FetchResult, fmt: str) -> None:
    from dataclasses import asdict

    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return
    rows = [asdict(r) for r in result.rows] + [asdict(result.totals())]
    columns = ["unit", "status", "bytes", "rows", "loaded", "duplicates", "rejected", "updated", "deleted", "message"]
    columns = [c for c in columns if c not in ("updated", "deleted") or any(r[c] for r in rows)]
    if result.dry_run:
        columns = ["unit", "status", "bytes"]
    planned = [r for r in result.rows if r.status == "planned"]
    title = (
        f"{result.source} dry run: {len(planned)} file(s) to fetch, {sum(r.bytes for r in planned)} bytes"
        if result.dry_run
        else f"{result.source}: {result.summary()}"
    )
    emit(rows, columns, "table", title)
    for note in result.notes:
        print(f"note: {note}")


def fetch(
    source: Annotated[str, typer.Argument(help=f"One of {', '.join(SOURCE_NAMES)}.", show_default=False)],
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="DuckDB workspace file (not needed with --dry-run).")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (required).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Comma-separated countries, where the source filters (not gdelt).")
    ] = None,
    actors: Annotated[
        str | None, typer.Option("--actors", help="Comma-separated actors, where the source filters (not gdelt).")
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Another server (default: the source's).")] = None,
    mentions: Annotated[bool, typer.Option("--mentions", help="gdelt: also fetch the mentions files.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be fetched and its size.")] = False,
    cache: Annotated[Path | None, typer.Option("--cache", help="Download folder (default: XDG cache).")] = None,
    parallel: Annotated[int, typer.Option("--parallel", help="Concurrent downloads (1..16).")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", help="Overall deadline in seconds.")] = 3600.0,
    credentials: Annotated[
        Path | None, typer.Option("--credentials", help="TOML credentials file, mode 0600 (default: XDG config).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="Account output: table or json.")] = "table",
) -> None:
    from ..events.errors import EventsError
    from ..events.fetch import FetchError, run_fetch

    options = dict(
        base_url=base_url, country=country, actors=actors, mentions=mentions, dry_run=dry_run, cache=cache,
        parallel=parallel, timeout=timeout, credentials=credentials, format=format,
    )  # fmt: skip
    request = _request(source, workspace, start, end, options)
    _say_retries()
    try:
        with FetchProgress(source) as progress:
            result = run_fetch(request, progress)
    except FetchError as exc:
        fail(str(exc), exc.exit_status)
    except EventsError as exc:
        fail(str(exc))
    except OSError as exc:
        lines = common.error_lines(exc) or [str(exc)]
        fail(lines[0])
    _print_result(result, format)
    if result.exit_status:
        raise typer.Exit(result.exit_status)


fetch.__doc__ = HELP
