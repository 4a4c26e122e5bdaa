"""What every workflow result offers a Python user: ``rows()``, ``to_frame()`` (pandas) and ``to_json()``.

Why a mixin: a result's documented JSON (``to_json_dict``) is what the CLI prints and the web serves; a notebook
user wants a table. Both come from the same result object, so they cannot disagree.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd


class Result(Protocol):
    """What a result class defines itself: its documented JSON and its tidy rows (one dict per row)."""

    def to_json_dict(self) -> dict[str, Any]: ...

    def rows(self) -> list[dict[str, Any]]: ...


class Tabular:
    """Mixin for a :class:`Result`: it gets ``to_frame()`` and ``to_json()`` from the two methods it defines."""

    def to_frame(self: Result) -> pd.DataFrame:
        """The rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def to_json(self: Result, indent: int | None = 2) -> str:
        """The documented JSON document (the one the CLI prints with ``--format json``); never NaN or Infinity."""
        return json.dumps(self.to_json_dict(), indent=indent, allow_nan=False, default=str)
