"""Request and response bodies of the editor's endpoints (documents, versions, diffs) and of brief jobs.

Kept apart from :mod:`.schemas` so each module stays small; the same rules hold: every shape is declared for the
OpenAPI schema (and so for schemathesis), with the bounds a public endpoint needs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..scenario.limits import MAX_SCENARIO_BYTES
from .schemas import ScenarioInfo

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$"


class DocumentBody(BaseModel):
    """A scenario as the editor holds it: JSON data (the form), or the text of a file (the raw tab)."""

    scenario: dict[str, Any] | None = Field(
        default=None, description="The scenario as JSON data, the fields of its YAML file (give this or `text`)."
    )
    text: str | None = Field(
        default=None, max_length=MAX_SCENARIO_BYTES, description="Or the text of a scenario file (YAML or JSON)."
    )
    format: Literal["yaml", "json"] = Field(default="yaml", description="The format of `text`.")


class SaveVersion(DocumentBody):
    id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="The new version's id (default: the next free ID-vN)."
    )
    overwrite: bool = Field(default=False, description="Replace an existing version of that id (never a built-in).")


class DocumentProblem(BaseModel):
    loc: list[str | int] = Field(description="The field path as a list of keys and indices.")
    path: str = Field(description="The field path as `realpolitik validate` writes it (`stances[3].position`).")
    line: int | None = Field(description="The line in the document's text (JSON, indented, for `scenario`).")
    message: str
    text: str = Field(description="The whole line `realpolitik validate` prints for this problem.")


class DocumentCheck(BaseModel):
    ok: bool
    problems: list[DocumentProblem]
    summary: ScenarioInfo | None = None
    document: dict[str, Any] | None = Field(default=None, description="When valid: the document as it would be saved.")
    yaml: str | None = Field(default=None, description="When valid: its YAML.")


class EditorDocument(BaseModel):
    id: str
    title: str
    builtin: bool
    sha256: str
    supersedes: str | None = None
    document: dict[str, Any] = Field(description="The scenario as the data of its YAML file (schema 2).")
    yaml: str
    next_version: str = Field(description="The id a new version gets by default.")


class VersionInfo(BaseModel):
    id: str
    title: str
    as_of: str | None = None
    builtin: bool
    supersedes: str | None = Field(default=None, description="The id of the version this one replaces.")
    sha256: str


class Versions(BaseModel):
    id: str
    next_version: str
    versions: list[VersionInfo] = Field(description="Every version linked to this one by `supersedes`, oldest first.")


class DiffSide(BaseModel):
    source: str
    sha256: str
    id: str
    as_of: str | None = None


class DiffChange(BaseModel):
    kind: Literal["number", "added", "removed", "changed", "text"]
    element: str
    key: str
    field: str
    old: Any = None
    new: Any = None
    rationale: str | None = None
    sources: list[str] = Field(default_factory=list)
    sentence: str


class DiffResponse(BaseModel):
    """As ``realpolitik diff OLD NEW --format json``."""

    old: DiffSide
    new: DiffSide
    counts: dict[str, int]
    notes: list[str]
    changes: list[DiffChange]


class BriefJobRequest(BaseModel):
    draws: int = Field(default=200, ge=1, le=20000, description="Monte Carlo draws (`realpolitik brief --draws`).")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Seed of every random step (`--rng`).")
    models: list[str] | None = Field(default=None, max_length=20, description="Forecast models (default: all).")
    targets: list[str] | None = Field(default=None, max_length=20, description="ISSUE>=X or ISSUE<=X.")
    sensitivity_n: int = Field(default=10, ge=0, le=100, description="Morris trajectories: 0 skips, else at least 4.")
    since: str | None = Field(
        default=None, pattern=ID_PATTERN, description="An older version's id: add what changed and how it moved."
    )
