"""Briefs: one self-contained, offline HTML report per scenario, plus figures, a Markdown summary and a manifest.

The brief says what the scenario assumes, what each model estimates from it, how strategies compare under the
inputs' uncertainty, and what event data show, in a neutral voice: estimates with sources and ranges, never a
recommendation. See docs/brief.md.
"""

from .build import BriefError, BriefResult, build_brief

__all__ = ["BriefError", "BriefResult", "build_brief"]
