"""Dyad indicators and ACLED summaries: tidy tables computed by DuckDB SQL over a workspace or Parquet.

A *dyad indicator* row describes the events between two actors in one period (day, week, month or year) from one
source: how many (``n``), how many per CAMEO quad class, Goldstein sum and mean (plain and mention-weighted),
net cooperation and the period's total volume, so that counts can be read against GDELT's/ICEWS's changing size.

Definitions (documented in docs/events.md):

* ``n`` counts every event of the dyad; ``n_quad`` those with a CAMEO quad class (ACLED rows have none).
* ``net_coop = (verbal_coop + material_coop - verbal_conflict - material_conflict) / n_quad`` (NULL when
  ``n_quad = 0``). It runs from -1 (all conflict) to +1 (all cooperation).
* ``goldstein_mean = goldstein_sum / goldstein_n``; ``goldstein_wmean`` weights each event by its ``num_mentions``
  (1 where the source has no mentions). Goldstein values are given to 0.1, so sums are exact decimals and both
  engines (DuckDB, Dask) give identical numbers.
* ``total`` = every event of the source in the period that passes the same reliability filter; ``share = n / total``.

The query is split into a *partial* aggregation (sums that can be added across Parquet files) and a *final* step,
so the Dask engine runs the partial step per file on its workers and the final step once; the DuckDB engine runs
both in one query.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from . import actors as actors_mod
from .errors import EventsError

FREQS = ("day", "week", "month", "year")
ACLED_GROUPS = {
    "type": "event_type",
    "subtype": "event_text",
    "actor": "actor",
    "province": "admin1",
    "country": "location_country",
}


@dataclass(frozen=True)
class Reliability:
    """Minimum ``num_mentions`` / ``num_sources`` / ``confidence`` for an event to count.

    A threshold drops events whose value is below it. GDELT rows without the value are dropped too; ICEWS and
    ACLED rows, which never carry these fields, pass (so a filter does not silently empty those sources).
    """

    min_mentions: int | None = None
    min_sources: int | None = None
    min_confidence: float | None = None

    def sql(self, params: SqlParams) -> str:
        parts = ["TRUE"]
        for col, v in (
            ("num_mentions", self.min_mentions),
            ("num_sources", self.min_sources),
            ("confidence", self.min_confidence),
        ):
            if v is not None:
                parts.append(f"COALESCE({col} >= {params(float(v))}, source <> 'gdelt')")
        return " AND ".join(parts)


@dataclass(frozen=True)
class ActorSpec:
    """One ``--actors`` token: an analytic actor id (matched on ``actor1``/``actor2``) or a raw country code."""

    token: str
    kind: str  # actor | country
    value: str

    def side(self, n: int, params: SqlParams) -> str:
        col = f"actor{n}" if self.kind == "actor" else f"actor{n}_country"
        return f"{col} = {params(self.value)}"


class SqlParams:
    """Named parameters (``$p0``, ``$p1``...) for a query assembled from pieces.

    Why: actor codes, dates, thresholds and paths come from users; they reach DuckDB as parameters, never pasted
    into the SQL text, so a quote or a bracket in them is data, not syntax. Named (not positional) parameters let
    a piece of SQL appear twice in a query without counting placeholders. Pass :attr:`values` with the query.
    """

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def used(self, query: str) -> dict[str, object]:
        """The values ``query`` names (DuckDB refuses parameters a query does not use)."""
        names = set(re.findall(r"\$(p\d+)\b", query))
        return {k: v for k, v in self.values.items() if k in names}


def known_actor_ids(con: duckdb.DuckDBPyConnection | None) -> list[str]:
    if con is not None:
        try:
            return [str(r[0]) for r in con.execute("SELECT DISTINCT actor FROM actor_aliases ORDER BY 1").fetchall()]
        except duckdb.Error:
            pass
    return actors_mod.default_actors().ids()


def resolve_actors(tokens: Sequence[str], con: duckdb.DuckDBPyConnection | None = None) -> list[ActorSpec]:
    """Turn ``pakistan,taliban`` / ``PAK,AFG`` / scenario ids (``taliban_kabul``) into :class:`ActorSpec`."""
    known = set(known_actor_ids(con))
    scen = actors_mod.default_actors().scenario_map()
    out: list[ActorSpec] = []
    for raw in tokens:
        t = raw.strip()
        if not t:
            continue
        if t in known:
            out.append(ActorSpec(t, "actor", t))
        elif t in scen and scen[t] in known:
            out.append(ActorSpec(t, "actor", scen[t]))
        elif len(t) == 3 and t.isalpha() and t.isupper():
            out.append(ActorSpec(t, "country", t))
        else:
            raise EventsError(
                f"unknown actor {t!r}: use an analytic actor id ({', '.join(sorted(known))}) or a "
                "three-letter country code such as PAK",
                field="--actors",
            )
    if len(out) < 2:
        raise EventsError("name at least two actors, e.g. pakistan,taliban or PAK,AFG", field="--actors")
    if len({(a.kind, a.value) for a in out}) < len(out):
        raise EventsError("an actor is named twice", field="--actors")
    return out


def period_sql(freq: str, col: str = "event_date") -> str:
    if freq not in FREQS:
        raise EventsError(f"unknown frequency {freq!r} (known: {', '.join(FREQS)})", field="--freq")
    return col if freq == "day" else f"CAST(date_trunc('{freq}', {col}) AS DATE)"


def _where(
    rel: Reliability,
    start: dt.date | None,
    end: dt.date | None,
    sources: Sequence[str] | None,
    params: SqlParams,
) -> str:
    w = ["event_date IS NOT NULL", rel.sql(params)]
    if start is not None:
        w.append(f"event_date >= CAST({params(start.isoformat())} AS DATE)")
    if end is not None:
        w.append(f"event_date <= CAST({params(end.isoformat())} AS DATE)")
    if sources:
        w.append("source IN (" + ", ".join(params(s) for s in sources) + ")")
    return " AND ".join(w)


def partial_sql(
    relation: str,
    specs: Sequence[ActorSpec],
    *,
    freq: str = "month",
    directed: bool = False,
    reliability: Reliability = Reliability(),
    start: dt.date | None = None,
    end: dt.date | None = None,
    sources: Sequence[str] | None = None,
    params: SqlParams,
) -> tuple[str, str]:
    """(dyad partials, period totals): two SQL queries over ``relation`` whose sums can be added across files; the
    values they use are added to ``params``."""
    where = _where(reliability, start, end, sources, params)
    per = period_sql(freq)
    selects: list[str] = []
    for i, a in enumerate(specs):
        for b in specs[i + 1 :]:
            ab = f"({a.side(1, params)} AND {b.side(2, params)})"
            ba = f"({b.side(1, params)} AND {a.side(2, params)})"
            a_tok, b_tok = f"CAST({params(a.token)} AS VARCHAR)", f"CAST({params(b.token)} AS VARCHAR)"
            if directed:
                src = f"CASE WHEN {ab} THEN {a_tok} ELSE {b_tok} END"
                tgt = f"CASE WHEN {ab} THEN {b_tok} ELSE {a_tok} END"
            else:
                src, tgt = a_tok, b_tok
            selects.append(
                f"SELECT source, {per} AS period, {src} AS actor_a, {tgt} AS actor_b, quad_class, "
                f"CAST(goldstein AS DECIMAL(18, 3)) AS g, CAST(COALESCE(num_mentions, 1) AS BIGINT) AS w, "
                f"num_mentions FROM {relation} WHERE {where} AND ({ab} OR {ba})"
            )
    dyads = f"""
        SELECT source, period, actor_a, actor_b,
               count(*) AS n,
               count(quad_class) AS n_quad,
               count(*) FILTER (WHERE quad_class = 1) AS verbal_coop,
               count(*) FILTER (WHERE quad_class = 2) AS material_coop,
               count(*) FILTER (WHERE quad_class = 3) AS verbal_conflict,
               count(*) FILTER (WHERE quad_class = 4) AS material_conflict,
               count(g) AS goldstein_n,
               CAST(sum(g) AS DECIMAL(38, 3)) AS goldstein_sum,
               CAST(sum(g * w) AS DECIMAL(38, 3)) AS goldstein_wsum,
               CAST(sum(w) FILTER (WHERE g IS NOT NULL) AS BIGINT) AS weight_sum,
               CAST(sum(num_mentions) AS BIGINT) AS mentions
        FROM ({" UNION ALL ".join(selects)}) GROUP BY ALL"""
    # Count per day first, then roll days up into periods: the big aggregation then groups on the raw DATE column
    # and date_trunc runs on a few thousand days instead of every event (about twice as fast over 100 M rows).
    by_day = f"SELECT source, event_date AS day, count(*) AS n FROM {relation} WHERE {where} GROUP BY ALL"
    totals = (
        f"SELECT source, {period_sql(freq, 'day')} AS period, CAST(sum(n) AS BIGINT) AS total "
        f"FROM ({by_day}) GROUP BY ALL"
    )
    return dyads, totals


def final_sql(dyads: str, totals: str, freq: str, pairs: Sequence[tuple[str, str]], params: SqlParams) -> str:
    """Add partial sums, fill every period of each source's range with zeros, compute the indicators."""
    step = {"day": "1 DAY", "week": "7 DAY", "month": "1 MONTH", "year": "1 YEAR"}[freq]
    pair_rows = ", ".join(f"(CAST({params(a)} AS VARCHAR), CAST({params(b)} AS VARCHAR))" for a, b in pairs)
    return f"""
        WITH d AS (SELECT source, period, actor_a, actor_b, sum(n) AS n, sum(verbal_coop) AS verbal_coop,
                          sum(material_coop) AS material_coop, sum(verbal_conflict) AS verbal_conflict,
                          sum(material_conflict) AS material_conflict, sum(n_quad) AS n_quad,
                          sum(goldstein_n) AS goldstein_n, sum(goldstein_sum) AS goldstein_sum,
                          sum(goldstein_wsum) AS goldstein_wsum, sum(weight_sum) AS weight_sum,
                          sum(mentions) AS mentions
                   FROM ({dyads}) GROUP BY ALL),
             t AS (SELECT source, period, sum(total) AS total FROM ({totals}) GROUP BY ALL),
             r AS (SELECT source, min(period) AS lo, max(period) AS hi FROM t GROUP BY ALL),
             spine AS (SELECT source, CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP),
                                                                   INTERVAL {step})) AS DATE) AS period FROM r),
             pairs(actor_a, actor_b) AS (VALUES {pair_rows})
        SELECT s.source, s.period, p.actor_a, p.actor_b,
               CAST(COALESCE(d.n, 0) AS BIGINT) AS n,
               CAST(COALESCE(d.n_quad, 0) AS BIGINT) AS n_quad,
               CAST(COALESCE(d.verbal_coop, 0) AS BIGINT) AS verbal_coop,
               CAST(COALESCE(d.material_coop, 0) AS BIGINT) AS material_coop,
               CAST(COALESCE(d.verbal_conflict, 0) AS BIGINT) AS verbal_conflict,
               CAST(COALESCE(d.material_conflict, 0) AS BIGINT) AS material_conflict,
               CAST(COALESCE(d.goldstein_sum, 0) AS DOUBLE) AS goldstein_sum,
               CAST(d.goldstein_sum AS DOUBLE) / NULLIF(d.goldstein_n, 0) AS goldstein_mean,
               CAST(COALESCE(d.goldstein_wsum, 0) AS DOUBLE) AS goldstein_wsum,
               CAST(d.goldstein_wsum AS DOUBLE) / NULLIF(d.weight_sum, 0) AS goldstein_wmean,
               CAST(COALESCE(d.mentions, 0) AS BIGINT) AS mentions,
               CAST(d.verbal_coop + d.material_coop - d.verbal_conflict - d.material_conflict AS DOUBLE)
                   / NULLIF(d.n_quad, 0) AS net_coop,
               CAST(COALESCE(t.total, 0) AS BIGINT) AS total,
               CAST(COALESCE(d.n, 0) AS DOUBLE) / NULLIF(t.total, 0) AS share
        FROM spine s CROSS JOIN pairs p
        LEFT JOIN t ON t.source = s.source AND t.period = s.period
        LEFT JOIN d ON d.source = s.source AND d.period = s.period AND d.actor_a = p.actor_a AND d.actor_b = p.actor_b
        ORDER BY s.source, p.actor_a, p.actor_b, s.period"""


def pairs_of(specs: Sequence[ActorSpec], directed: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, a in enumerate(specs):
        for b in specs[i + 1 :]:
            out.append((a.token, b.token))
            if directed:
                out.append((b.token, a.token))
    return out


def parquet_relation(path: str, params: SqlParams) -> str:
    """A relation over a Parquet folder written by ``--parquet`` (either engine) or a single file; the path is a
    parameter. DuckDB expands glob characters in it, so ``*``, ``?`` and ``[`` in a folder name are escaped."""
    p = path.rstrip("/")
    p = "".join(f"[{c}]" if c in "*?[]" else c for c in p)
    glob = p if p.endswith(".parquet") else f"{p}/**/*.parquet"
    return f"read_parquet(CAST({params(glob)} AS VARCHAR), hive_partitioning = true, union_by_name = true)"


def dyad_indicators(
    con: duckdb.DuckDBPyConnection,
    actors: Sequence[str],
    *,
    freq: str = "month",
    directed: bool = False,
    reliability: Reliability = Reliability(),
    start: dt.date | None = None,
    end: dt.date | None = None,
    sources: Sequence[str] | None = None,
    parquet: str | None = None,
) -> pa.Table:
    """Per source, period and dyad: counts, quad classes, Goldstein, net cooperation, volume (see module doc).

    Reads the workspace's ``events_resolved`` view (``events`` when only country codes are given), or the Parquet
    export at ``parquet`` instead.
    """
    specs = resolve_actors(actors, con)
    params = SqlParams()
    if parquet is not None:
        relation = parquet_relation(parquet, params)
    else:
        relation = "events_resolved" if any(s.kind == "actor" for s in specs) else "events"
    dyads, totals = partial_sql(
        relation,
        specs,
        freq=freq,
        directed=directed,
        reliability=reliability,
        start=start,
        end=end,
        sources=sources,
        params=params,
    )
    try:
        query = final_sql(dyads, totals, freq, pairs_of(specs, directed), params)
        return con.sql(query, params=params.used(query)).to_arrow_table()
    except duckdb.Error as exc:
        raise EventsError(f"dyad query failed: {str(exc).splitlines()[0]}") from None


def acled_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    by: Sequence[str] = ("type",),
    freq: str | None = "month",
    countries: Sequence[str] | None = None,
    actors: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    relation: str = "events_resolved",
) -> pa.Table:
    """ACLED events and fatalities per period and group (``type``, ``subtype``, ``actor``, ``province``,
    ``country``).

    ``countries`` filters on the event's country (ACLED's country name, e.g. ``Pakistan``); ``actors`` keeps events
    with one of these analytic actors on either side. Grouping by ``actor`` counts an event once for each distinct
    actor on it (resolved analytic id, else the raw ACLED name), so those rows do not add up to the event total.
    Fatalities are ACLED's own (reported, often estimated) figures.
    """
    unknown = [b for b in by if b not in ACLED_GROUPS]
    if unknown:
        raise EventsError(f"unknown group {unknown[0]!r} (known: {', '.join(ACLED_GROUPS)})", field="--by")
    if relation not in ("events", "events_resolved"):
        raise EventsError(f"unknown relation {relation!r}", field="relation")
    params = SqlParams()
    w = ["source = 'acled'", "event_date IS NOT NULL"]
    if start is not None:
        w.append(f"event_date >= CAST({params(start.isoformat())} AS DATE)")
    if end is not None:
        w.append(f"event_date <= CAST({params(end.isoformat())} AS DATE)")
    if countries:
        w.append("lower(location_country) IN (" + ", ".join(params(c.lower()) for c in countries) + ")")
    if actors:
        ids = ", ".join(params(a) for a in actors)
        w.append(f"(actor1 IN ({ids}) OR actor2 IN ({ids}))")
    keys: list[str] = []
    if freq is not None:
        keys.append(f"{period_sql(freq)} AS period")
    cols = [ACLED_GROUPS[b] for b in by]
    keys += [f"{c} AS {b}" if c != b else c for b, c in zip(by, cols, strict=True)]
    base = f"SELECT * FROM {relation} WHERE {' AND '.join(w)}"
    if "actor" in by:
        base = f"""SELECT DISTINCT ON (event_id, actor) * FROM (
                     SELECT *, COALESCE(actor1, actor1_name) AS actor FROM ({base})
                     UNION ALL SELECT *, COALESCE(actor2, actor2_name) FROM ({base}) WHERE actor2_name IS NOT NULL)"""
    sel = ", ".join(keys)
    order = "period, " if freq is not None else ""
    names = ", ".join(by)
    sql = (
        f"SELECT {sel}, count(*) AS events, CAST(sum(COALESCE(fatalities, 0)) AS BIGINT) AS fatalities "
        f"FROM ({base}) GROUP BY ALL ORDER BY {order}events DESC, fatalities DESC, {names}"
    )
    try:
        return con.sql(sql, params=params.used(sql)).to_arrow_table()
    except duckdb.Error as exc:
        raise EventsError(f"ACLED query failed: {str(exc).splitlines()[0]}") from None
