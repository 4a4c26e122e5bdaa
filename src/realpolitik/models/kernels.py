"""The models' compiled inner loops, when the optional C extension was built, else None.

Why optional: the package must install and give the same answers where no C compiler is available. Every kernel
here has a numpy twin in the model that uses it, and the two give the same bits (``tests/test_models_kernels.py``);
the compiled one is only faster. ``REALPOLITIK_PURE_NUMPY=1`` in the environment turns the kernels off (to check
a result, or to time the numpy code).
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("REALPOLITIK_PURE_NUMPY", "").strip() not in ("", "0"):
        return None
    try:
        from . import _kernels
    except ImportError:
        return None
    return _kernels


compiled: ModuleType | None = _load()
"""The extension module (``vote_sum(v, w, out)``), or None: use the numpy code."""


def describe() -> str:
    """'compiled' or 'numpy': which code the models run, as manifests record it."""
    return "compiled" if compiled is not None else "numpy"
