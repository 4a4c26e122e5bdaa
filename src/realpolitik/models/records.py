"""The models' shipped track record on real outcomes (DEU III, out of fold), readable without DEU III or pandas.

The figures are computed by ``python -m realpolitik.backtest.refit DEU3_FILE`` (see docs/backtest.md) and shipped
as ``models/data/deu3-track-record.json``; every front end shows them beside a model's number, and the default
model is chosen by them (:func:`realpolitik.workflows.defaults.default_model`).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

TRACK_RECORD_FILE = "deu3-track-record.json"
FORMAT_VERSION = 1


@functools.cache
def load_track_record() -> dict[str, Any]:
    """The shipped track record: ``{"format": 1, "provenance": {...}, "units": ..., "models": {name: entry}}``.

    ``provenance`` holds the command that wrote it, the DEU III file's sha256, the date and the settings (folds,
    seed, bootstrap resamples, the ensemble's method). A model registered after the file was written has no entry:
    front ends show nothing for it rather than a number it never earned."""
    text = resources.files("realpolitik.models").joinpath("data", TRACK_RECORD_FILE).read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    if doc.get("format") != FORMAT_VERSION:
        raise ValueError(f"{TRACK_RECORD_FILE}: format {doc.get('format')!r}, expected {FORMAT_VERSION}")
    return doc


def describe(model: str) -> str | None:
    """One line for a front end, e.g. ``"error on EU legislation (DEU III), out of fold: 23.2 [21.0, 25.3]"``,
    or None when the shipped record has no entry for the model."""
    entry = load_track_record()["models"].get(model)
    if not entry or entry.get("mae") is None:
        return None
    lo, hi = entry.get("mae_lo"), entry.get("mae_hi")
    interval = f" [{lo:.1f}, {hi:.1f}]" if lo is not None and hi is not None else ""
    return f"error on EU legislation (DEU III), out of fold: {entry['mae']:.1f}{interval}"
