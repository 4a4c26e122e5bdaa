"""``realpolitik brief``: the offline HTML brief, its Markdown summary and data, and (``--pdf``) a PDF."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import ScenarioArg, fail


def _chromium() -> str | None:
    import shutil

    for name in (os.environ.get("REALPOLITIK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


def _chromium_command(exe: str, profile: str, target: Path, html: Path) -> list[str]:
    return [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={target}",
        html.resolve().as_uri(),
    ]


def print_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf`` with headless Chromium (written atomically); return a problem, or None."""
    import subprocess
    import tempfile

    exe = _chromium()
    if exe is None:
        return "--pdf: Chromium was not found (install it or set REALPOLITIK_CHROMIUM); the HTML brief is complete"
    from ..provenance import atomic_write_bytes

    try:
        # Chromium prints into a private scratch folder; the PDF is then written like every other output
        # (atomically, with the user's umask, never over a link or a device)
        with tempfile.TemporaryDirectory(prefix="realpolitik-chromium-") as scratch:
            tmp = Path(scratch) / "brief.pdf"
            profile = Path(scratch) / "profile"
            proc = subprocess.run(_chromium_command(exe, str(profile), tmp, html), capture_output=True, timeout=120)
            if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
                return f"--pdf: Chromium exited with status {proc.returncode}; the HTML brief is complete"
            atomic_write_bytes(pdf, tmp.read_bytes())
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--pdf: {type(exc).__name__}: {exc}; the HTML brief is complete"


SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="An older version (file or built-in name): add what changed and how it moved."),
]
RecordOpt = Annotated[
    Path | None, typer.Option("--record", help="Append the forecasts and strategy table to this forecast ledger.")
]


@common.user_errors
def brief(
    scenario: ScenarioArg,
    events: Annotated[
        Path | None, typer.Option("--events", help="Event workspace (DuckDB) for the evidence section.")
    ] = None,
    draws: Annotated[int, typer.Option(min=1, help="Monte Carlo draws for forecast bands and the lab.")] = 200,
    rng: Annotated[int, typer.Option("--rng", help="Seed of every random step (recorded in the manifest).")] = 0,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: out/brief-SCENARIO-ID).")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Forecast model (repeatable; default: all).")
    ] = None,
    target: Annotated[list[str] | None, typer.Option(help="ISSUE>=X or ISSUE<=X (default: the scenario's).")] = None,
    sensitivity_n: Annotated[
        int, typer.Option("--sensitivity-n", min=0, help="Morris trajectories for the drivers (0 skips).")
    ] = 10,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print brief.pdf with headless Chromium.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
    since: SinceOpt = None,
    record: RecordOpt = None,
) -> None:
    """Build the brief: one offline HTML report with figures, a Markdown summary, data.json and a manifest."""
    from ..brief.build import build
    from ..workflows.brief_data import BriefRequest
    from .progress import RichProgress

    loaded = common.load_scenario(scenario)
    if events is not None and not events.is_file():
        fail(f"{events}: no such event workspace")
    request = BriefRequest(
        loaded,
        draws=draws,
        seed=rng,
        models=tuple(model or ()),
        targets=tuple(target or ()),
        sensitivity_n=sensitivity_n,
        events_workspace=events,
        since=common.load_scenario(since) if since else None,
        record=record,
    )
    with RichProgress("brief", quiet) as progress:
        result = build(request, out_dir or Path("out") / f"brief-{loaded.scenario.id}", progress)
    print(f"brief: {result.html}")
    if record is not None:
        print(f"recorded: {record}")
    if pdf:
        problem = print_pdf(result.html, result.out_dir / "brief.pdf")
        if problem:
            fail(problem, code=1)
        print(f"pdf: {result.out_dir / 'brief.pdf'}")
