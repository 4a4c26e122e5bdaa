"""The ``realpolitik`` command line: one verb per job, machine-readable output with ``--format json|csv``.

A thin layer: each command turns its arguments into a workflow request (:mod:`realpolitik.workflows`) and the
result into a table, JSON or CSV; numbers are written by :mod:`realpolitik.workflows.text`. One module per
command group: :mod:`.scenario` (validate, schema, scenarios, models, export, demo), :mod:`.forecast`, :mod:`.lab`
(lab, sensitivity), :mod:`.backtest`, :mod:`.brief`, :mod:`.serve`, :mod:`.events` (the ``events`` group),
:mod:`.check`; :mod:`.tables` draws the rich tables, :mod:`.progress` the progress line, :mod:`.common` holds the
consoles and the error policy, :mod:`.app` mounts everything.
"""

from .app import app, main

__all__ = ["app", "main"]
