"""The bounds on what a scenario input may ask of the machine, each a named constant (see docs/security.md).

Why bounds at all: a scenario is data from anywhere (a colleague's file, a web upload), and a few hundred bytes
can ask for unbounded work: a YAML alias bomb expands 500 bytes into billions of nodes, ``/dev/zero`` never ends,
``.inf`` or ``1e308`` turn every later sum into NaN. Each bound below is far above what any real scenario needs
(the largest community file we know is 200 KB with 160 actors) and low enough that reading, checking and
holding a scenario stays within seconds and a few hundred megabytes.
"""

from __future__ import annotations

from ..safeyaml import MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES  # noqa: F401  (bounds listed here too)

MAX_SCENARIO_BYTES = 4 * 1024 * 1024
"""Largest scenario file (or upload) read, in bytes; checked from the file's size before reading it."""

MAX_MAGNITUDE = 1e15
"""Largest magnitude of any number in a scenario (and of a lab target's threshold).

Large enough for any quantity an analyst writes down (a GDP in dollars is ~3·10¹³), small enough that the
models' arithmetic stays finite and exact enough in float64: sums over thousands of actors of products of three
such numbers stay below 10⁵⁰, far from the overflow at 1.8·10³⁰⁸, and at 10¹⁵ consecutive floats are still
an eighth of a unit apart."""

MAX_INTEGER = 2**64
"""Integers (e.g. a KTAB seed kept in ``metadata``) must be below this in magnitude: a ``uint64`` is the widest
integer any model or format reads, and longer digit strings only cost time to convert."""

MAX_ACTORS = 2_000
"""Most actors in one scenario. The pairwise models hold actors × actors arrays per issue and draw (BDM) or
actors³ (SMP): at 2,000 actors one BDM draw of one issue already holds ~0.5 GB."""

MAX_ISSUES = 1_000
"""Most issues in one scenario."""

MAX_LIST_ITEMS = 100_000
"""Most items in any one list of a scenario (stances, links, changes, sources...)."""
