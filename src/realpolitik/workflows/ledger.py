"""The forecast ledger: an append-only, hash-chained record of forecasts, graded once outcomes are recorded.

Each line of the ledger file is one JSON entry: what was forecast (every model, every issue, with 19 quantiles of
the forecast over the scenario's uncertain inputs, 5 % to 95 %), the lab's strategy table (expected utility with
its standard error, P[best], P[targets] with its interval), the scenario (id, file, sha256, as_of, horizon, each
issue's status quo and scale), the code version and when it was recorded. Every entry holds ``prev``, the sha256
of the entry before it (64 zeros for the first), and ``sha256``, the hash of its own canonical JSON (keys sorted,
no spaces) without that field. Reading a ledger verifies every hash and link, so an entry that was changed,
removed or inserted after it was recorded is reported with its line.

The chain shows that the file was changed, unless whoever changed it recomputed every later hash too; keep the
head hash (``record`` prints it) somewhere else, such as a commit message, to rule that out.

Grading (``realpolitik score SCENARIO --ledger L``): every entry of the scenario (its id, or the id it supersedes)
whose issues have outcomes in SCENARIO dated after the entry's as_of is scored against the outcome nearest the
entry's as_of + horizon (its own horizon, else SCENARIO's; without either, the first outcome after the as_of):
absolute error of the point forecast, the quantile score (twice the mean pinball loss over the 19 recorded
quantiles, which approximates the CRPS; for a point forecast it is the absolute error), whether the outcome fell
inside the central 50 % (25–75 %) and 90 % (5–95 %) intervals, and whether the direction of change from the
recorded status quo was right; beside the "no change" baseline (the recorded status quo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..provenance import atomic_write_text
from ..scenario import LoadedScenario
from ..scenario.model import Outcome, Scenario
from ..scenario.problems import Problem, ScenarioError
from .progress import Progress, silent
from .results import Tabular
from .text import CAVEAT

FORMAT = 1
GENESIS = "0" * 64
QUANTILES = tuple(round(0.05 * k, 2) for k in range(1, 20))
BASELINE = "no-change"
UNCHANGED = 0.01


def canonical(obj: Any) -> str:
    """The text an entry's hash is taken over: JSON with sorted keys and no spaces."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "sha256"}).encode("utf-8")).hexdigest()


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Every entry, verified: a changed, removed or inserted entry raises :class:`ScenarioError` with its line."""
    name = str(path)
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(name, None, (), f"cannot read the ledger: {exc}")]) from None
    entries: list[dict[str, Any]] = []
    problems: list[Problem] = []
    prev = GENESIS
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            problems.append(Problem(name, n, (), "empty line in the ledger (entries are one JSON object a line)"))
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, n, (), f"not a JSON entry: {exc.msg}"))
            continue
        if not isinstance(entry, dict) or "sha256" not in entry:
            problems.append(Problem(name, n, (), "not a ledger entry (no sha256)"))
            continue
        seq = entry.get("seq")
        if entry_hash(entry) != entry["sha256"]:
            problems.append(
                Problem(
                    name,
                    n,
                    ("sha256",),
                    f"entry {seq} was changed after it was recorded: its content no longer matches its sha256",
                )
            )
        if entry.get("prev") != prev:
            problems.append(
                Problem(
                    name,
                    n,
                    ("prev",),
                    f"entry {seq} does not follow the entry before it (its prev is not that "
                    "entry's sha256): an entry was changed, removed or inserted before it",
                )
            )
        if seq != len(entries) + 1:
            problems.append(Problem(name, n, ("seq",), f"entry numbered {seq} stands at position {len(entries) + 1}"))
        prev = str(entry["sha256"])
        entries.append(entry)
    if problems:
        raise ScenarioError(problems)
    return entries


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``LEDGER.lock`` (never replaced, unlike the ledger itself) where the OS has one."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def append(path: Path, body: Mapping[str, Any]) -> dict[str, Any]:
    """Verify the ledger, then append ``body`` as the next entry (the whole file rewritten atomically, under a lock
    so that two appends at once cannot lose one)."""
    with _locked(path):
        return _append(path, body)


def _append(path: Path, body: Mapping[str, Any]) -> dict[str, Any]:
    entries = read_ledger(path)
    entry: dict[str, Any] = {"seq": len(entries) + 1, "prev": entries[-1]["sha256"] if entries else GENESIS, **body}
    entry.pop("sha256", None)
    entry["sha256"] = entry_hash(entry)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    atomic_write_text(path, old + canonical(entry) + "\n")
    return entry


# --- what an entry records -------------------------------------------------------------------------------------


def _clean(v: Any) -> Any:
    """JSON-safe: tuples as lists, non-finite numbers as null (a hash needs one text for one content)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, Mapping):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        return _clean(v.item())
    return v


def _forecasts(runs: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for run in runs:
        for k, issue in enumerate(run.trajectory.arrays.issue_ids):
            x = float(run.trajectory.forecast[0, k])
            if run.error is not None or not math.isfinite(x):
                out.append({"model": run.name, "issue": issue, "forecast": None, "quantiles": None, "error": run.error})
                continue
            q = [x] * len(QUANTILES) if run.samples is None else np.quantile(run.samples[:, k], QUANTILES).tolist()
            out.append({"model": run.name, "issue": issue, "forecast": x, "quantiles": q, "error": None})
    return out


def _lab(lab: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not lab:
        return None
    keys = ("strategy", "expected_utility", "expected_utility_se", "p_best", "p_satisficing", "p_satisficing_ci95")
    rows = [{k: r[k] for k in keys if k in r} for r in lab.get("strategies", [])]
    info = {k: lab.get(k) for k in ("model", "client", "draws", "seed", "targets")}
    return {**info, "strategies": rows}


def entry_body(
    loaded: LoadedScenario,
    runs: Iterable[Any],
    lab: Mapping[str, Any] | None,
    *,
    draws: int,
    seed: int,
    origin: str = "record",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The content of one entry (``lab``: the lab's JSON summary with model, client, draws, seed and targets)."""
    from .. import __version__

    s = loaded.scenario
    when = now or dt.datetime.now(dt.UTC)
    end = s.horizon_end()
    body: dict[str, Any] = _clean(
        {
            "format": FORMAT,
            "recorded": when.isoformat(timespec="seconds"),
            "date": when.date().isoformat(),
            "origin": origin,
            "code": {"realpolitik": __version__},
            "scenario": {
                "id": s.id,
                "source": loaded.source,
                "sha256": loaded.sha256,
                "as_of": s.as_of.isoformat() if s.as_of else None,
                "horizon": s.horizon,
                "horizon_end": end.isoformat() if end else None,
                "issues": {
                    i.id: {
                        "status_quo": None if i.status_quo is None else i.status_quo.value,
                        "scale": [i.scale.low, i.scale.high],
                    }
                    for i in s.issues
                },
            },
            "draws": draws,
            "seed": seed,
            "quantile_levels": list(QUANTILES),
            "forecasts": _forecasts(runs),
            "lab": _lab(lab),
        }
    )
    return body


@dataclass(frozen=True)
class RecordRequest:
    scenario: LoadedScenario
    ledger: Path
    draws: int = 200
    seed: int = 0
    models: tuple[str, ...] = ()
    lab_model: str | None = None
    targets: tuple[str, ...] = ()


def record(request: RecordRequest, progress: Progress = silent) -> dict[str, Any]:
    """Forecast (every model, with quantiles over ``draws``) and compare strategies, then append the entry."""
    from .errors import RequestError
    from .forecast import ForecastRequest, forecast
    from .lab import LabRequest, run_lab

    if request.draws < 1:
        raise RequestError("draws must be at least 1", parameter="draws")
    read_ledger(request.ledger)  # refuse a tampered ledger before any work
    loaded = request.scenario
    s = loaded.scenario
    progress("forecasts")
    runs = forecast(ForecastRequest(loaded, request.models, seed=request.seed, band_draws=request.draws)).runs
    lab = None
    if s.strategies and s.client is not None:
        progress("strategy lab")
        with tempfile.TemporaryDirectory(prefix="realpolitik-record-") as tmp:
            lab_request = LabRequest(
                loaded,
                targets=request.targets,
                draws=request.draws,
                seed=request.seed,
                model=request.lab_model,
                out=Path(tmp) / "lab",
            )
            lab = run_lab(lab_request, progress).to_json_dict()
    body = entry_body(loaded, runs, lab, draws=request.draws, seed=request.seed)
    return append(request.ledger, body)


# --- grading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerScore:
    seq: int
    recorded: str
    as_of: str | None
    model: str
    issue: str
    forecast: float
    outcome: float
    outcome_date: str
    abs_error: float
    quantile_score: float
    inside50: bool | None
    inside90: bool | None
    direction_right: bool | None

    def to_json_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class LedgerScoreRequest:
    scenario: LoadedScenario
    ledger: Path


@dataclass(frozen=True)
class LedgerScoreResult(Tabular):
    request: LedgerScoreRequest
    entries: int
    head: str | None
    scores: tuple[LedgerScore, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def rows(self) -> list[dict[str, Any]]:
        return [s.to_json_dict() for s in self.scores]

    def summary(self) -> list[dict[str, Any]]:
        """Per forecaster: entries and issues scored, mean absolute error and quantile score, skill vs no change."""
        by: dict[str, list[LedgerScore]] = {}
        for s in self.scores:
            by.setdefault(s.model, []).append(s)
        base = by.get(BASELINE)
        base_mae = float(np.mean([s.abs_error for s in base])) if base else math.nan
        out = []
        for model, scores in by.items():
            mae = float(np.mean([s.abs_error for s in scores]))
            out.append(
                {
                    "model": model,
                    "scored": len(scores),
                    "entries": len({s.seq for s in scores}),
                    "mae": mae,
                    "quantile_score": float(np.mean([s.quantile_score for s in scores])),
                    "skill_vs_no_change": 1 - mae / base_mae if base and base_mae > 0 else None,
                }
            )
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.request.scenario.scenario.id,
            "ledger": str(self.request.ledger),
            "entries": self.entries,
            "head": self.head,
            "scores": self.rows(),
            "summary": self.summary(),
            "notes": list(self.notes),
            "caveat": CAVEAT,
        }


def quantile_score(quantiles: list[float], y: float) -> float:
    """Twice the mean pinball loss over the recorded quantile levels (≈ CRPS)."""
    q = np.asarray(quantiles, dtype=float)
    tau = np.asarray(QUANTILES[: len(q)], dtype=float)
    return float(2 * np.mean(((y < q).astype(float) - tau) * (q - y)))


def _outcome_for(s: Scenario, issue: str, after: dt.date, target: dt.date | None) -> Outcome | None:
    found = [o for o in s.outcomes if o.issue == issue and o.date is not None and o.date > after]
    if not found:
        return None
    if target is not None:
        return min(found, key=lambda o: abs(((o.date or target) - target).days))
    return min(found, key=lambda o: o.date or after)


def _direction(x: float, y: float, q: float | None, width: float) -> bool | None:
    if q is None:
        return None

    def sign(v: float) -> int:
        return 0 if abs(v - q) < UNCHANGED * width else (1 if v > q else -1)

    return sign(x) == sign(y)


def _grade(entry: Mapping[str, Any], s: Scenario) -> list[LedgerScore]:
    sc = entry["scenario"]
    after = dt.date.fromisoformat(sc["as_of"] or entry["date"])
    if sc.get("horizon_end"):
        target: dt.date | None = dt.date.fromisoformat(sc["horizon_end"])
    else:  # the entry's scenario stated no horizon: the grading scenario's, from the entry's as_of
        target = s.model_copy(update={"as_of": after}).horizon_end()
    out: list[LedgerScore] = []
    for issue, info in sc["issues"].items():
        outcome = _outcome_for(s, issue, after, target)
        if outcome is None:
            continue
        y, width = outcome.value.value, info["scale"][1] - info["scale"][0]
        q = info["status_quo"]
        rows = [(f["model"], f["forecast"], f["quantiles"]) for f in entry["forecasts"] if f["issue"] == issue]
        if q is not None:
            rows.append((BASELINE, q, [q] * len(QUANTILES)))
        for model, x, quantiles in rows:
            if x is None:
                continue
            lo50, hi50 = quantiles[4], quantiles[14]
            lo90, hi90 = quantiles[0], quantiles[-1]
            out.append(
                LedgerScore(
                    entry["seq"],
                    entry["recorded"],
                    sc["as_of"],
                    model,
                    issue,
                    x,
                    y,
                    str(outcome.date),
                    abs(x - y),
                    quantile_score(quantiles, y),
                    bool(lo50 <= y <= hi50),
                    bool(lo90 <= y <= hi90),
                    _direction(x, y, q, width),
                )
            )
    return out


def score_ledger(request: LedgerScoreRequest) -> LedgerScoreResult:
    """Grade every entry of the scenario's lineage whose issues have outcomes recorded since (module docstring)."""
    entries = read_ledger(request.ledger)
    s = request.scenario.scenario
    ids = {s.id} | ({s.supersedes.id} if s.supersedes is not None and s.supersedes.id else set())
    mine = [e for e in entries if e.get("scenario", {}).get("id") in ids]
    scores = [x for e in mine for x in _grade(e, s)]
    notes = []
    if len(mine) < len(entries):
        notes.append(
            f"{len(entries) - len(mine)} of {len(entries)} entries are of other scenarios and were not graded."
        )
    graded = {x.seq for x in scores}
    waiting = [e["seq"] for e in mine if e["seq"] not in graded]
    if waiting:
        notes.append(
            f"{len(waiting)} entr{'y' if len(waiting) == 1 else 'ies'} of {s.id} ({', '.join(map(str, waiting))}) "
            "have no outcome dated after their as_of yet."
        )
    if any(o.date is None for o in s.outcomes):
        notes.append("Undated outcomes cannot be placed after a forecast and grade no entry.")
    head = entries[-1]["sha256"] if entries else None
    return LedgerScoreResult(request, len(entries), head, tuple(scores), tuple(notes))
