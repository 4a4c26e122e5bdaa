"""Running an experiment to disk: Parquet shards plus a manifest, resumable and auditable.

Layout of ``OUT``::

    manifest.json            experiment definition, seeds, versions, status of every shard
    shards/shard-00000.parquet   tidy rows: strategy, draw, issue, outcome, client_utility

A shard file appears (atomically) before the manifest marks it done; on resume, a shard counts as done only if
the manifest says so and the file's hash matches, so an interrupted run never loses or doubles a draw.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .. import randomness
from ..provenance import atomic_write_bytes, clean_leftovers, package_versions, sha256_bytes, write_json
from ..randomness import DRAW_SCHEME
from .executors import Executor, LocalExecutor
from .experiment import Experiment

MANIFEST = "manifest.json"


class ExperimentMismatchError(ValueError):
    """The output folder holds a different experiment; resuming into it would mix results."""


def shard_path(out: Path, k: int) -> Path:
    return out / "shards" / f"shard-{k:05d}.parquet"


def _table_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


class CorruptManifestError(ValueError):
    """The output folder's manifest cannot be read as a lab manifest (truncated, edited, another program's)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path}: not a readable lab manifest ({why}); delete the folder to recompute, or choose another --out"
        )
        self.path = path


MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""A manifest lists every shard's draws; a million draws is ~10 MB. Anything larger is not one of ours."""


def load_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when there is none; :class:`CorruptManifestError` when it is unreadable."""
    path = out / MANIFEST
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_file():
        raise CorruptManifestError(path, "not a regular file")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise CorruptManifestError(path, f"over {MAX_MANIFEST_BYTES:,} bytes")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CorruptManifestError(path, f"not JSON: {str(exc).splitlines()[0][:120]}") from None
    shards = data.get("shards") if isinstance(data, dict) else None
    if (
        not isinstance(shards, dict)
        or not all(isinstance(k, str) and k.isdigit() and isinstance(v, dict) for k, v in shards.items())
        or not isinstance(data.get("shard_size"), int)
        or isinstance(data.get("shard_size"), bool)
        or data["shard_size"] < 1
    ):
        raise CorruptManifestError(path, "it lacks the shards and shard size of a lab run")
    manifest: dict[str, Any] = data
    return manifest


def new_manifest(experiment: Experiment, executor: str, source: dict[str, str] | None) -> dict[str, Any]:
    return {
        "kind": "realpolitik.lab",
        "experiment_key": experiment.key(),
        "definition": experiment.definition(),
        "targets": [str(t) for t in experiment.targets],
        "scenario_source": source or {},
        "seed": experiment.seed,
        "draw_scheme": DRAW_SCHEME,
        "random_numbers": randomness.describe(experiment.seed),
        "shard_size": experiment.shard_size,
        "versions": package_versions(),
        "executor": executor,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "shards": {
            f"{k:05d}": {"status": "pending", "draws": list(experiment.shard_range(k))}
            for k in range(experiment.n_shards)
        },
        "status": "running",
    }


def check_resumable(out: Path, manifest: dict[str, Any], experiment: Experiment) -> None:
    """Refuse to resume into a folder written under another draw scheme or by another experiment.

    A folder from before draw scheme 2 (input draws spawned per shard) holds numbers that this version would
    not reproduce; resuming into it would mix two schemes in one result, so it is refused with the reason.
    The shard size may differ from the one asked for: it changes no number, and the folder's own layout wins.
    """
    scheme = manifest.get("draw_scheme", 1)
    if scheme != DRAW_SCHEME:
        raise ExperimentMismatchError(
            f"{out} was written under draw scheme {scheme} (input draws keyed per shard, before realpolitik "
            f"keyed them per draw); its numbers cannot be resumed under scheme {DRAW_SCHEME}: use a new --out "
            "or delete the folder to recompute"
        )
    if manifest.get("experiment_key") != experiment.key():
        raise ExperimentMismatchError(
            f"{out} holds a different experiment ({manifest.get('experiment_key')}); use a new --out"
        )


def done_shards(out: Path, manifest: dict[str, Any]) -> set[int]:
    """Shards marked done whose file exists (a regular file) with the recorded hash."""
    done = set()
    for key, entry in manifest["shards"].items():
        path = shard_path(out, int(key))
        if (
            entry.get("status") == "done"
            and path.is_file()
            and not path.is_symlink()
            and sha256_bytes(path.read_bytes()) == entry.get("sha256")
        ):
            done.add(int(key))
    return done


def shard_files(out: Path, manifest: dict[str, Any] | None = None) -> list[str]:
    """The shard files a finished run's manifest marks done: the only files its results are read from, so that
    nothing else in the folder (a leftover, a stray copy) is ever taken for a result."""
    manifest = manifest if manifest is not None else load_manifest(out)
    if manifest is None:
        raise CorruptManifestError(out / MANIFEST, "it is missing")
    keys = sorted(int(k) for k, entry in manifest["shards"].items() if entry.get("status") == "done")
    return [str(shard_path(out, k)) for k in keys]


def read_results(out: Path) -> pa.Table:
    """The run's tidy results: exactly the shard files its manifest marks done (:func:`shard_files`)."""
    import pyarrow.dataset as ds

    from .experiment import RESULT_SCHEMA

    return ds.dataset(shard_files(out), schema=RESULT_SCHEMA, format="parquet").to_table()


def run_experiment(
    experiment: Experiment,
    out: Path,
    *,
    executor: Executor | None = None,
    source: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_shards: int | None = None,
) -> dict[str, Any]:
    """Run (or resume) ``experiment`` into ``out``; returns the final manifest.

    ``max_shards`` stops after that many newly computed shards (used to test interruption and resume).
    """
    executor = executor or LocalExecutor()
    out.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)  # temporary files of a run killed mid-write
    clean_leftovers(out / "shards")
    manifest = load_manifest(out)
    if manifest is None:
        manifest = new_manifest(experiment, executor.name, source)
    else:
        check_resumable(out, manifest, experiment)
        experiment = replace(experiment, shard_size=int(manifest["shard_size"]))  # the layout already on disk
    done = done_shards(out, manifest)
    for key in manifest["shards"]:
        if int(key) not in done:
            manifest["shards"][key] = {"status": "pending", "draws": list(experiment.shard_range(int(key)))}
    todo = [k for k in range(experiment.n_shards) if k not in done]
    if max_shards is not None:
        todo = todo[:max_shards]
    write_json(out / MANIFEST, manifest)
    if progress:
        progress(len(done), experiment.n_shards)
    for k, table in executor.map_shards(experiment, todo):
        data = _table_bytes(table)
        atomic_write_bytes(shard_path(out, k), data)
        manifest["shards"][f"{k:05d}"] = {
            "status": "done",
            "draws": list(experiment.shard_range(k)),
            "rows": table.num_rows,
            "sha256": sha256_bytes(data),
        }
        done.add(k)
        write_json(out / MANIFEST, manifest)
        if progress:
            progress(len(done), experiment.n_shards)
    manifest["status"] = "complete" if len(done) == experiment.n_shards else "incomplete"
    write_json(out / MANIFEST, manifest)
    return manifest
