# Stub of the optional C extension built from _kernels.c (see kernels.py).
from typing import Any

def vote_sum(v: Any, w: Any, out: Any, /) -> None: ...
