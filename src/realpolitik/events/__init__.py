"""Event data (GDELT, ICEWS, ACLED): ingest into a DuckDB workspace, look up CAMEO codes, resolve actors.

``realpolitik events ingest`` loads files; analysts query the ``events`` view of the workspace with SQL.
See docs/events.md for formats, the canonical schema and the actor-resolution rules.
"""
