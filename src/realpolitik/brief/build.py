"""``build_brief``: one scenario in, one folder out (HTML brief, Markdown summary, figures, lab results, manifest).

Why the folder is built in a temporary sibling and renamed into place: a reader (or the web app) never sees
a half-written brief, and a failure leaves any previous brief untouched. An existing folder is replaced only
if it holds a previous brief (its manifest says so), so a mistyped ``--out`` cannot wipe someone's files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..provenance import (
    atomic_write_bytes,
    atomic_write_text,
    build_manifest,
    clean_leftovers,
    sha256_bytes,
    write_json,
)
from ..scenario import LoadedScenario, load
from ..scenario.model import Scenario
from ..workflows.brief_data import BriefData, BriefRequest, brief_data
from ..workflows.brief_data import check as check_request
from ..workflows.errors import RequestError
from ..workflows.progress import Progress, silent
from . import figures
from .render import Rendered, render_html, render_markdown


class BriefError(RequestError):
    """The brief cannot be built as asked (bad output folder, unknown model or target)."""


@dataclass(frozen=True)
class BriefResult:
    """Where the brief went: the folder and each file in it (paths are final, after the rename)."""

    out_dir: Path
    html: Path
    markdown: Path
    manifest: Path
    data: Path
    figures: dict[str, Path]
    lab_dir: Path | None

    def files(self) -> list[Path]:
        return [self.html, self.markdown, self.manifest, self.data, *self.figures.values()]


def _loaded(source: str | Path | LoadedScenario | Scenario) -> LoadedScenario:
    if isinstance(source, LoadedScenario):
        return source
    if isinstance(source, Scenario):
        digest = hashlib.sha256(source.model_dump_json().encode()).hexdigest()
        return LoadedScenario(source, f"<{source.id}>", "object", digest)
    return load(source)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_out_dir(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BriefError(f"{out_dir}: exists and is not a folder")
    if not any(out_dir.iterdir()):
        return
    manifest = out_dir / "manifest.json"
    try:
        previous = json.loads(manifest.read_text()) if manifest.is_file() else {}
    except (OSError, ValueError):
        previous = {}
    if previous.get("command") != "brief":
        raise BriefError(f"{out_dir}: folder is not empty and holds no previous brief; choose another --out")


def _publish(tmp: Path, out_dir: Path) -> None:
    """Swap the finished folder into place (two renames; the old brief is removed only afterwards)."""
    backup = None
    if out_dir.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        backup.rmdir()
        os.replace(out_dir, backup)
    os.replace(tmp, out_dir)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def build_brief(
    scenario_source: str | Path | LoadedScenario | Scenario,
    *,
    out_dir: Path,
    draws: int = 200,
    rng: int = 0,
    events_workspace: Path | None = None,
    models: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    lab_model: str | None = None,
    sensitivity_n: int = 10,
    progress: Progress = silent,
) -> BriefResult:
    """Build the brief for a scenario (path, built-in name, loaded scenario or Scenario object).

    A thin wrapper of :func:`build` for callers that hold loose arguments."""
    request = BriefRequest(
        _loaded(scenario_source),
        draws=draws,
        seed=rng,
        models=tuple(models or ()),
        targets=tuple(targets or ()),
        lab_model=lab_model,
        sensitivity_n=sensitivity_n,
        events_workspace=events_workspace,
    )
    return build(request, Path(out_dir), progress)


def build(request: BriefRequest, out_dir: Path, progress: Progress = silent) -> BriefResult:
    """Compute the brief's numbers (:func:`~realpolitik.workflows.brief_data.brief_data`), render them, and swap
    the finished folder into ``out_dir``. Raises :class:`~realpolitik.workflows.errors.RequestError` (or its
    :class:`BriefError`) for a bad request, before anything is written."""
    try:
        goals = check_request(request)
    except BriefError:
        raise
    except RequestError as exc:
        raise BriefError(exc.message, parameter=exc.parameter) from None
    _check_out_dir(out_dir)
    if out_dir.parent.is_dir():
        clean_leftovers(out_dir.parent)  # the temporary folders of briefs whose build was killed
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        data = brief_data(request, tmp / "lab", progress)
        progress("figures")
        figs, paths = _figures(data)
        fig_files = _write_figures(tmp, figs, paths)
        atomic_write_text(tmp / "brief.html", render_html(data, figs, paths))
        atomic_write_text(tmp / "brief.md", render_markdown(data))
        write_json(tmp / "data.json", _data_json(data))
        _manifest(tmp, data, request, [str(t) for t in goals])
        progress("publish")
        _publish(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BriefResult(
        out_dir=out_dir,
        html=out_dir / "brief.html",
        markdown=out_dir / "brief.md",
        manifest=out_dir / "manifest.json",
        data=out_dir / "data.json",
        figures={k: out_dir / v.relative_to(tmp) for k, v in fig_files.items()},
        lab_dir=out_dir / "lab" if data.lab is not None else None,
    )


def _figures(data: BriefData) -> tuple[dict[str, Rendered | None], list[tuple[str, Rendered]]]:
    import matplotlib

    with matplotlib.rc_context(figures.RC):  # fonts are fixed when artists are made, so the context wraps it all
        return _draw(data)


def _draw(data: BriefData) -> tuple[dict[str, Rendered | None], list[tuple[str, Rendered]]]:
    s = data.scenario

    def r(fig: Any) -> Rendered:
        svg, png = figures.render(fig)
        return Rendered(svg, png)

    figs: dict[str, Rendered | None] = {
        "actor_map": r(figures.actor_map(s)),
        "channels": r(figures.channel_network(s)),
        "models": r(figures.model_comparison(s, data.forecasts)),
        "outcomes": None,
        "scores": None,
        "sensitivity": None,
        "events": None,
    }
    paths = [(f.name, r(figures.position_paths(s, f))) for f in data.forecasts if f.dynamic and f.error is None]
    if data.lab is not None:
        figs["outcomes"] = r(figures.strategy_outcomes(s, data.lab))
        figs["scores"] = r(figures.strategy_scores(data.lab))
        if data.lab.sensitivity:
            figs["sensitivity"] = r(figures.sensitivity_bars(data.lab))
    if data.events is not None and data.events.get("monthly"):
        figs["events"] = r(figures.events_monthly(data.events))
    return figs, paths


def _write_figures(tmp: Path, figs: dict[str, Rendered | None], paths: list[tuple[str, Rendered]]) -> dict[str, Path]:
    written: dict[str, Path] = {}
    items = [(k, v) for k, v in figs.items() if v is not None] + [(f"paths-{n}", v) for n, v in paths]
    for name, fig in items:
        svg_path = tmp / "figures" / f"{name}.svg"
        png_path = tmp / "figures" / f"{name}.png"
        atomic_write_text(svg_path, '<?xml version="1.0" encoding="utf-8"?>\n' + fig.svg)
        atomic_write_bytes(png_path, fig.png)
        written[f"{name}.svg"], written[f"{name}.png"] = svg_path, png_path
    return written


def _data_json(data: BriefData) -> dict[str, Any]:
    """The brief's numbers, machine-readable (the web app and tests read this, not the HTML)."""
    return {
        "scenario": data.scenario.id,
        "seed": data.seed,
        "draws": data.draws,
        "forecasts": [
            {
                "model": f.name,
                "error": f.error,
                **({} if f.error else f.trajectory.to_json_dict()),
                "band": {k: list(v) for k, v in f.band.items()},
            }
            for f in data.forecasts
        ],
        "lab": None
        if data.lab is None
        else {
            "model": data.lab.model,
            "client": data.lab.client,
            "targets": data.lab.targets,
            **data.lab.summary,
            "sensitivity": {k: [list(x) for x in v] for k, v in data.lab.sensitivity.items()},
        },
        "lab_note": data.lab_note,
        "bottom_line": None if data.bottom_line is None else data.bottom_line.to_json_dict(),
        "events": data.events,
    }


def _manifest(tmp: Path, data: BriefData, request: BriefRequest, goals: list[str]) -> None:
    loaded, events_workspace = request.scenario, request.events_workspace
    inputs = {loaded.source: loaded.sha256}
    if events_workspace is not None and Path(events_workspace).is_file():
        inputs[str(events_workspace)] = _file_digest(Path(events_workspace))
    outputs = {
        str(p.relative_to(tmp)): sha256_bytes(p.read_bytes())
        for p in sorted(tmp.rglob("*"))
        if p.is_file() and p.name != "manifest.json" and "shards" not in p.parts
    }
    manifest = build_manifest(
        command="brief",
        inputs=inputs,
        parameters={
            "draws": data.draws,
            "models": [f.name for f in data.forecasts],
            "lab_model": data.lab.model if data.lab is not None else None,
            "targets": goals,
            "sensitivity": {"method": "morris", "n": request.sensitivity_n},
            "events_workspace": str(events_workspace) if events_workspace is not None else None,
        },
        seed=data.seed,
        outputs=outputs,
    )
    for pkg in ("matplotlib", "jinja2", "pandas"):
        try:
            manifest["versions"][pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    if data.lab is not None:
        manifest["lab_manifest"] = "lab/manifest.json"
    write_json(tmp / "manifest.json", manifest)
