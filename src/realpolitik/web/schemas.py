"""The API's request and response bodies, each declared for the OpenAPI schema (and so for schemathesis).

Why pydantic models here and dataclasses in :mod:`realpolitik.workflows`: these shapes are the wire format, with
the bounds a public endpoint needs (lengths, ranges, patterns); the routes turn them into workflow requests.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    error: str
    problems: list[str] = Field(default_factory=list)


class ScenarioInfo(BaseModel):
    id: str
    title: str
    builtin: bool
    actors: int
    issues: int
    strategies: int


class ScenarioDetail(ScenarioInfo):
    source: str
    sha256: str
    scenario: dict[str, Any]


class Validation(BaseModel):
    ok: bool
    problems: list[str]
    summary: ScenarioInfo | None = None


class StanceOverride(BaseModel):
    actor: str = Field(max_length=80)
    issue: str = Field(max_length=80)
    position: float | None = Field(default=None, allow_inf_nan=False)
    salience: float | None = Field(default=None, allow_inf_nan=False)


class ForecastRequest(BaseModel):
    models: list[str] | None = Field(default=None, max_length=20, description="Default: every registered model.")
    rounds: int | None = Field(default=None, ge=0, le=200)
    stances: list[StanceOverride] = Field(default_factory=list, max_length=2000)
    seed: int = Field(
        default=0, ge=0, le=2**63 - 1, description="Seed for stochastic models (e.g. exchange-random); recorded."
    )


class ModelResult(BaseModel):
    model: str
    track_record: str | None = Field(
        default=None, description="The model's error on EU legislation (DEU III), out of fold, in words."
    )
    error: str | None = None
    rounds: int = 0
    forecast: dict[str, float] = Field(default_factory=dict)
    issues: list[dict[str, Any]] = Field(default_factory=list)


class ForecastResponse(BaseModel):
    scenario: str
    caveat: str
    seed: int = 0
    results: list[ModelResult]


class DyadRow(BaseModel):
    source: str
    period: str
    actor_a: str
    actor_b: str
    n: int
    verbal_coop: int
    material_coop: int
    verbal_conflict: int
    material_conflict: int
    goldstein_sum: float | None = None
    goldstein_mean: float | None = None
    goldstein_wmean: float | None = None
    net_coop: float | None = None
    total: int
    share: float | None = None


class DyadsResponse(BaseModel):
    workspace: str
    freq: str
    directed: bool
    actors: list[str]
    rows: list[DyadRow]


class AlertRow(BaseModel):
    source: str
    actor_a: str
    actor_b: str
    method: str
    metric: str
    kind: str
    period: str
    alarm: str | None = None
    before: float | None = None
    after: float | None = None
    shift_sigma: float | None = None
    n_periods: int
    note: str


class AlertSeries(BaseModel):
    source: str
    actor_a: str
    actor_b: str
    periods: int
    events: int


class AlertsResponse(BaseModel):
    workspace: str
    freq: str
    method: str
    metric: str
    series: list[AlertSeries]
    alerts: list[AlertRow]


class JobRequest(BaseModel):
    scenario: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$")
    strategies: list[str] | None = Field(default=None, max_length=100)
    draws: int = Field(default=200, ge=1, le=20000)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    model: str | None = Field(default=None, max_length=40)
    client: str | None = Field(default=None, max_length=80)
    targets: list[str] | None = Field(default=None, max_length=20)
    stances: list[StanceOverride] = Field(
        default_factory=list, max_length=2000, description="What-if stance edits, as for the forecast."
    )


class Job(BaseModel):
    id: str
    kind: str
    scenario: str
    status: Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
    progress: dict[str, int]
    message: str
    created: str
    updated: str
    request: dict[str, Any]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Message},
    404: {"model": Message},
    409: {"model": Message},
    413: {"model": Message},
    422: {"model": Message},
}
