"""realpolitik: where will bargaining land, which strategy moves it, and has the world changed?"""

from typing import Any

API = ("load", "forecast", "run_lab", "sensitivity", "score", "run_backtest", "build_brief")
"""The public API (:mod:`realpolitik.api`, docs/api.md), imported on first use so ``import realpolitik`` stays light."""

__all__ = ["__version__", *API]


def __getattr__(name: str) -> Any:
    # ``__version__`` is looked up on first use: importlib.metadata costs about 25 ms of start-up, more than the
    # rest of ``realpolitik --version``'s imports together
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("realpolitik")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
