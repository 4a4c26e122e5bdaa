"""Actor resolution: raw actor codes and names from GDELT, ICEWS and ACLED → analytic actors.

Why an alias table with dates rather than a code list: the same raw code changes meaning over time (after
15 Aug 2021 the Afghan government codes *are* the Taliban regime), and the groups that matter most here (the
Afghan Taliban, the TTP) appear as codes in GDELT, as free-text names in ICEWS and ACLED, and share a word
("Taliban") that must not leak between them (nor into ACLED's Mexican "Los Talibanes Gang").

Resolution runs as SQL inside the workspace: the aliases become the table ``actor_aliases``; the view
``event_actors`` gives, per event and side, the first matching actor by priority, and ``events_resolved`` adds
``actor1``/``actor2`` to ``events``. Both views follow new ingests automatically.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml

from .errors import EventsError
from .userfiles import read_yaml

ALIAS_KEYS = {
    "code",
    "code_prefix",
    "name_regex",
    "exclude_regex",
    "country",
    "roles",
    "bare",
    "exclude_roles",
    "valid_from",
    "valid_to",
    "sources",
}


@dataclass(frozen=True)
class Alias:
    code: str | None = None
    code_prefix: str | None = None
    name_regex: str | None = None
    exclude_regex: str | None = None
    country: str | None = None
    roles: tuple[str, ...] | None = None
    bare: bool = False
    exclude_roles: tuple[str, ...] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    aliases: tuple[Alias, ...]
    scenario_ids: tuple[str, ...] = ()
    note: str = ""


@dataclass
class ActorTable:
    """Analytic actors in priority order (the first match wins)."""

    actors: list[Actor] = field(default_factory=list)

    def scenario_map(self) -> dict[str, str]:
        """Scenario actor id → analytic actor id (e.g. both Taliban power centres → ``taliban``)."""
        return {sid: a.id for a in self.actors for sid in a.scenario_ids}

    def ids(self) -> list[str]:
        return [a.id for a in self.actors]


def _date(v: Any, where: str) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise EventsError(f"not a date (YYYY-MM-DD): {v!r}", field=where) from None


def _tuple(v: Any, state_roles: list[str]) -> tuple[str, ...] | None:
    if v is None:
        return None
    items = [v] if isinstance(v, str) else list(v)
    out: list[str] = []
    for x in items:
        out.extend(state_roles if str(x) == "state" else [str(x)])
    return tuple(out)


def _parse(data: Any, origin: str) -> list[Actor]:
    if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
        raise EventsError("actor file needs a list under 'actors:'", file=origin)
    state_roles = [str(r) for r in data.get("state_roles", ["GOV", "MIL", "COP", "SPY", "JUD", "LEG"])]
    actors: list[Actor] = []
    for i, a in enumerate(data["actors"]):
        where = f"actors[{i}]"
        if not isinstance(a, dict) or not a.get("id"):
            raise EventsError("each actor needs an 'id'", file=origin, field=where)
        aliases: list[Alias] = []
        for j, al in enumerate(a.get("aliases") or []):
            aw = f"{where}.aliases[{j}]"
            if not isinstance(al, dict):
                raise EventsError("an alias is a mapping of conditions", file=origin, field=aw)
            unknown = set(al) - ALIAS_KEYS
            if unknown:
                raise EventsError(f"unknown alias key(s): {', '.join(sorted(unknown))}", file=origin, field=aw)
            for rk in ("name_regex", "exclude_regex"):
                if al.get(rk) is not None:
                    try:
                        re.compile(str(al[rk]).replace("(?i)", ""))
                    except re.error as exc:
                        raise EventsError(f"bad regex: {exc}", file=origin, field=f"{aw}.{rk}") from None
            aliases.append(
                Alias(
                    code=al.get("code"),
                    code_prefix=al.get("code_prefix"),
                    name_regex=al.get("name_regex"),
                    exclude_regex=al.get("exclude_regex"),
                    country=al.get("country"),
                    roles=_tuple(al.get("roles"), state_roles),
                    bare=bool(al.get("bare", False)),
                    exclude_roles=_tuple(al.get("exclude_roles"), state_roles),
                    valid_from=_date(al.get("valid_from"), f"{aw}.valid_from"),
                    valid_to=_date(al.get("valid_to"), f"{aw}.valid_to"),
                    sources=_tuple(al.get("sources"), state_roles),
                )
            )
        if not aliases:
            raise EventsError("actor has no aliases", file=origin, field=where)
        actors.append(
            Actor(
                str(a["id"]),
                str(a.get("name", a["id"])),
                tuple(aliases),
                tuple(str(s) for s in a.get("scenario_ids") or ()),
                str(a.get("note", "")),
            )
        )
    return actors


def default_actors() -> ActorTable:
    text = resources.files("realpolitik.events").joinpath("data/actors.yaml").read_text(encoding="utf-8")
    return ActorTable(_parse(yaml.safe_load(text), "realpolitik/events/data/actors.yaml"))


def load_actors(extra: Path | None = None) -> ActorTable:
    """The default table, extended by a user YAML: its actors come first; a reused id replaces the default."""
    table = default_actors()
    if extra is None:
        return table
    user = _parse(read_yaml(Path(extra), what="actor file"), str(extra))
    ids = {a.id for a in user}
    return ActorTable(user + [a for a in table.actors if a.id not in ids])


def install(con: duckdb.DuckDBPyConnection, table: ActorTable | None = None) -> None:
    """Write ``actor_aliases`` and (re)create the ``event_actors`` and ``events_resolved`` views."""
    table = table or default_actors()
    rows: list[tuple[Any, ...]] = []
    prio = 0
    for a in table.actors:
        for al in a.aliases:
            prio += 1
            rows.append(
                (
                    prio,
                    a.id,
                    a.name,
                    al.code,
                    al.code_prefix,
                    al.name_regex,
                    al.exclude_regex,
                    al.country,
                    list(al.roles) if al.roles is not None else None,
                    al.bare,
                    list(al.exclude_roles) if al.exclude_roles is not None else None,
                    al.valid_from,
                    al.valid_to,
                    list(al.sources) if al.sources is not None else None,
                )
            )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """CREATE OR REPLACE TABLE actor_aliases (priority INTEGER, actor VARCHAR, actor_name VARCHAR,
               code VARCHAR, code_prefix VARCHAR, name_regex VARCHAR, exclude_regex VARCHAR, country VARCHAR,
               roles VARCHAR[], bare BOOLEAN, exclude_roles VARCHAR[], valid_from DATE, valid_to DATE,
               sources VARCHAR[])"""
        )
        con.executemany("INSERT INTO actor_aliases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            """CREATE OR REPLACE VIEW event_actors AS
               WITH sides AS (
                   SELECT source, event_id, event_date, 1 AS side, actor1_code AS code, actor1_name AS name,
                          actor1_country AS country, COALESCE(actor1_roles, []) AS roles FROM event_store
                   UNION ALL
                   SELECT source, event_id, event_date, 2, actor2_code, actor2_name, actor2_country,
                          COALESCE(actor2_roles, []) FROM event_store)
               SELECT s.source, s.event_id, s.side, arg_min(a.actor, a.priority) AS actor
               FROM sides s JOIN actor_aliases a ON
                    (a.sources IS NULL OR list_contains(a.sources, s.source))
                AND (a.code IS NULL OR s.code = a.code)
                AND (a.code_prefix IS NULL OR starts_with(s.code, a.code_prefix))
                AND (a.name_regex IS NULL OR regexp_matches(s.name, a.name_regex))
                AND (a.exclude_regex IS NULL OR NOT regexp_matches(COALESCE(s.name, ''), a.exclude_regex))
                AND (a.country IS NULL OR s.country = a.country)
                AND (a.roles IS NULL OR list_has_any(s.roles, a.roles)
                     OR (a.bare AND len(s.roles) = 0 AND (s.code IS NULL OR s.code = s.country)))
                AND (a.exclude_roles IS NULL OR NOT list_has_any(s.roles, a.exclude_roles))
                AND (a.valid_from IS NULL OR s.event_date >= a.valid_from)
                AND (a.valid_to IS NULL OR s.event_date <= a.valid_to)
               GROUP BY s.source, s.event_id, s.side"""
        )
        con.execute(
            """CREATE OR REPLACE VIEW events_resolved AS
               SELECT e.*, a1.actor AS actor1, a2.actor AS actor2
               FROM events e
               LEFT JOIN event_actors a1 ON a1.source = e.source AND a1.event_id = e.event_id AND a1.side = 1
               LEFT JOIN event_actors a2 ON a2.source = e.source AND a2.event_id = e.event_id AND a2.side = 2"""
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
