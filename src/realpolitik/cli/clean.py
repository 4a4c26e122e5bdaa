"""``realpolitik clean``: remove what killed runs left behind (temporary files and folders), nothing else.

A run that is killed mid-write leaves a hidden temporary file (``.NAME.PID.RANDOM.tmp``) or, for the brief, a
hidden folder (``.NAME.tmp-XXXXXXXX``) beside its outputs. They are never read as results, and the lab removes
its own on the next run; this command finds them in a whole tree. A temporary file counts as a leftover when
its process is gone or it is older than an hour (:data:`realpolitik.provenance.LEFTOVER_AGE_S`), so a run in
progress is not disturbed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common


@common.user_errors
def clean(
    folders: Annotated[
        list[Path] | None, typer.Argument(help="Folders to search, with everything below them (default: out).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be removed.")] = False,
) -> None:
    """Remove the temporary files and folders that killed runs left in output folders (and list them)."""
    from ..provenance import clean_leftovers, find_leftovers

    roots = folders or [Path("out")]
    for root in roots:
        if not root.exists():
            if folders:
                common.fail(f"{root}: no such folder; give an output folder (default: out)")
            continue
        if not root.is_dir():
            common.fail(f"{root}: is a file, not a folder; give an output folder")
        found = find_leftovers(root, recursive=True) if dry_run else clean_leftovers(root, recursive=True)
        for path in found:
            print(f"{'would remove' if dry_run else 'removed'} {path}")
