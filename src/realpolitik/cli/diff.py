"""``realpolitik diff OLD NEW``: every changed number, and every added or removed element, between two versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from . import common
from .common import fail, print_json

if TYPE_CHECKING:
    from ..workflows.diff import ScenarioDiff

FORMATS = ("table", "json", "markdown")
MARKS = {"number": "~", "added": "+", "removed": "-", "changed": "~", "text": "·"}


def diff_table(found: ScenarioDiff) -> str:
    """Plain text: one line per change (``~`` changed, ``+`` added, ``-`` removed, ``·`` text), rationale below."""
    from ..workflows.diff import shown

    o, n = found.old, found.new
    lines = [
        f"old: {o.source} ({o.scenario.id}, as of {o.scenario.as_of}, sha256 {o.sha256[:12]}…)",
        f"new: {n.source} ({n.scenario.id}, as of {n.scenario.as_of}, sha256 {n.sha256[:12]}…)",
    ]
    lines += [f"note: {note}" for note in found.notes]
    counts = found.counts()
    summary = ", ".join(f"{counts[k]} {k}" for k in ("number", "added", "removed", "changed", "text") if k in counts)
    lines.append(f"{len(found.changes)} change(s){': ' + summary if summary else ''}")
    for c in found.changes:
        if c.kind == "number":
            lines.append(f"{MARKS[c.kind]} {c.where}: {shown(c.old)} → {shown(c.new)}")
            if c.rationale:
                lines.append(f"    rationale: {' '.join(c.rationale.split())}")
            if c.sources:
                lines.append(f"    sources: {', '.join(c.sources)}")
        else:
            lines.append(f"{MARKS[c.kind]} {c.sentence()}")
    return "\n".join(lines) + "\n"


@common.user_errors
def diff(
    old: Annotated[str, typer.Argument(help="The older version: a scenario file or built-in name.")],
    new: Annotated[str, typer.Argument(help="The newer version: a scenario file or built-in name.")],
    format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
) -> None:
    """List what changed from OLD to NEW: every number (old → new value and range, with the new rationale and
    sources), every added or removed actor, issue, stance, channel, strategy, indicator or outcome."""
    if format not in FORMATS:
        fail(f"--format: unknown output format {format!r} (known: {', '.join(FORMATS)})")
    from ..workflows.diff import diff as run_diff

    found = run_diff(common.load_scenario(old), common.load_scenario(new))
    if format == "json":
        print_json(found.to_json_dict(), ensure_ascii=False, allow_nan=False)
    elif format == "markdown":
        print(found.to_markdown(), end="")
    else:
        print(diff_table(found), end="")
