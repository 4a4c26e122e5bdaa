"""Event-data file formats: their native columns, how to recognise them, and how they map to the canonical schema.

Each format is declared once as data (:class:`FormatSpec`) so that detection, DuckDB reading, validation and the
canonical projection all come from the same table. The canonical projection is SQL over the native VARCHAR columns:
DuckDB does the parsing and the typing, never row-by-row Python.

Native columns are kept verbatim (VARCHAR) in a per-family native table, so CAMEO codes such as ``"043"`` keep
their leading zeros and nothing the source said is lost to a cast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EventsError
from .userfiles import read_yaml

# --- native column lists (GDELT's own names from its column-label files) ---------------------------------------

_ACTOR = [
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
]


def _geo(prefix: str, adm2: bool) -> list[str]:
    cols = (
        ["Type", "FullName", "CountryCode", "ADM1Code"] + (["ADM2Code"] if adm2 else []) + ["Lat", "Long", "FeatureID"]
    )
    return [f"{prefix}_{c}" for c in cols]


def _gdelt_events(adm2: bool, sourceurl: bool) -> list[str]:
    cols = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
    cols += [f"Actor1{c}" for c in _ACTOR] + [f"Actor2{c}" for c in _ACTOR]
    cols += [
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
    ]
    cols += _geo("Actor1Geo", adm2) + _geo("Actor2Geo", adm2) + _geo("ActionGeo", adm2)
    cols += ["DATEADDED"] + (["SOURCEURL"] if sourceurl else [])
    return cols


GDELT2_COLUMNS = _gdelt_events(adm2=True, sourceurl=True)  # 61
GDELT1_COLUMNS = _gdelt_events(adm2=False, sourceurl=True)  # 58 (daily files since April 2013)
GDELT1_COLUMNS_57 = _gdelt_events(adm2=False, sourceurl=False)  # 57 (historical backfiles)
GDELT_REDUCED_COLUMNS = [
    "Date",
    "Source",
    "Target",
    "CAMEOCode",
    "NumEvents",
    "NumArts",
    "QuadClass",
    "Goldstein",
    "SourceGeoType",
    "SourceGeoLat",
    "SourceGeoLong",
    "TargetGeoType",
    "TargetGeoLat",
    "TargetGeoLong",
    "ActionGeoType",
    "ActionGeoLat",
    "ActionGeoLong",
]
GDELT_MENTIONS_COLUMNS = [
    "GLOBALEVENTID",
    "EventTimeDate",
    "MentionTimeDate",
    "MentionType",
    "MentionSourceName",
    "MentionIdentifier",
    "SentenceID",
    "Actor1CharOffset",
    "Actor2CharOffset",
    "ActionCharOffset",
    "InRawText",
    "Confidence",
    "MentionDocLen",
    "MentionDocTone",
    "MentionDocTranslationInfo",
    "Extras",
]
ICEWS_COLUMNS = [
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
]
ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
# Columns of older ACLED exports, kept as native columns when present.
ACLED_OPTIONAL = ["data_id", "event_id_no_cnty", "iso3", "geo_precision"]

# --- canonical schema ------------------------------------------------------------------------------------------

CANONICAL_COLUMNS: list[tuple[str, str, str]] = [
    ("source", "VARCHAR", "dataset family: gdelt, icews or acled; with event_id the primary key"),
    ("event_id", "VARCHAR", "the source's own event id, verbatim (GLOBALEVENTID, Event ID, event_id_cnty)"),
    ("format", "VARCHAR", "file format the row came from (gdelt2, gdelt1, gdelt1_reduced, icews, icews_csv, acled)"),
    ("event_date", "DATE", "the day the event took place (not the day it was reported)"),
    ("date_added", "TIMESTAMP", "when the source published the row (GDELT DATEADDED), if given"),
    ("actor1_code", "VARCHAR", "raw actor code (CAMEO code for GDELT; NULL for ICEWS/ACLED)"),
    ("actor1_name", "VARCHAR", "raw actor name as the source wrote it"),
    ("actor1_country", "VARCHAR", "ISO 3166 alpha-3 / CAMEO country code of actor 1"),
    ("actor1_roles", "VARCHAR[]", "CAMEO role codes (GOV, MIL, COP, REB, INS, CVL, MED, BUS, ...)"),
    ("actor2_code", "VARCHAR", "as actor1_code"),
    ("actor2_name", "VARCHAR", "as actor1_name"),
    ("actor2_country", "VARCHAR", "as actor1_country"),
    ("actor2_roles", "VARCHAR[]", "as actor1_roles"),
    ("event_code", "VARCHAR", "CAMEO event code as a string with its leading zero (e.g. '043')"),
    ("base_code", "VARCHAR", "CAMEO three-digit base code"),
    ("root_code", "VARCHAR", "CAMEO two-digit root code ('01'..'20')"),
    ("quad_class", "TINYINT", "1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict"),
    ("goldstein", "DOUBLE", "the source's own scale value: GDELT GoldsteinScale, ICEWS Intensity"),
    ("num_mentions", "INTEGER", "GDELT NumMentions (reduced files: NumEvents)"),
    ("num_sources", "INTEGER", "GDELT NumSources"),
    ("num_articles", "INTEGER", "GDELT NumArticles / NumArts"),
    ("avg_tone", "DOUBLE", "GDELT AvgTone"),
    ("confidence", "DOUBLE", "confidence given in the file itself; the events view fills it from mentions"),
    ("fatalities", "INTEGER", "fatalities: ACLED fatalities, UCDP best estimate"),
    ("event_text", "VARCHAR", "the source's own label for the event (ICEWS Event Text, ACLED sub_event_type)"),
    ("event_type", "VARCHAR", "ACLED event_type"),
    ("location", "VARCHAR", "place name (GDELT ActionGeo_FullName, ICEWS City, ACLED location)"),
    ("location_country", "VARCHAR", "country of the place, verbatim: FIPS 10-4 for GDELT, a name for ICEWS/ACLED"),
    ("admin1", "VARCHAR", "first-level administrative unit (code for GDELT, name for ICEWS/ACLED)"),
    ("latitude", "DOUBLE", "place latitude"),
    ("longitude", "DOUBLE", "place longitude"),
    ("source_url", "VARCHAR", "GDELT SOURCEURL / ICEWS Publisher / ACLED source"),
    ("file_id", "INTEGER", "the files row this event was first loaded from"),
    ("source_row", "BIGINT", "ordinal of the row among the file's parsed rows (1-based)"),
    # Schema version 3 (appended, so `events upgrade` can ALTER TABLE ... ADD COLUMN in the same order):
    ("fatalities_low", "INTEGER", "low estimate of fatalities where the source gives one (UCDP low)"),
    ("fatalities_high", "INTEGER", "high estimate of fatalities where the source gives one (UCDP high)"),
    ("plover_code", "VARCHAR", "PLOVER event type given by the source itself (POLECAT); the view fills it from CAMEO"),
    ("licence", "VARCHAR", "terms the row is under (formats.LICENCES by source); ACLED rows must not be redistributed"),
]


LICENCES: dict[str, str] = {
    "gdelt": "GDELT: free to use, redistribute and build on, with attribution (gdeltproject.org/about.html#termsofuse)",
    "icews": "ICEWS: Harvard Dataverse terms of the ICEWS dataset (doi:10.7910/DVN/28075)",
    "acled": "ACLED terms of use: attribution required; no redistribution of the rows (acleddata.com/terms-of-use)",
}
"""The licence each source's rows carry into ``event_store.licence`` (filled at ingest). Source modules that
register formats add their own entry; ``tests/test_events_hostile.py`` checks that every format's source has one."""


@dataclass(frozen=True)
class Check:
    """A validation rule on a native column: empty values pass unless ``required``."""

    column: str
    kind: str  # int | float | date:<strptime> | timestamp:<strptime> | required | digits
    required: bool = False


@dataclass(frozen=True)
class FormatSpec:
    """How to read one file format and project it onto the canonical schema."""

    name: str
    source: str
    family: str  # native table suffix
    columns: list[str]
    delimiter: str = "\t"
    header: bool = False
    quote: str = ""
    null_padding: bool = False
    null_tokens: tuple[str, ...] = ()  # values the source writes for "missing" (ICEWS: NA); stored as NULL
    id_sql: str = ""
    canonical: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    description: str = ""
    non_data_sql: str = ""  # predicate over native columns marking rows that are not data (HXL tags, repeated headers)


def q(col: str) -> str:
    """Quote an identifier for DuckDB SQL."""
    return '"' + col.replace('"', '""') + '"'


def _nz(col: str) -> str:
    return f"NULLIF(TRIM({q(col)}), '')"


def _roles_gdelt(n: int) -> str:
    return (
        f"list_filter([{_nz(f'Actor{n}Type1Code')}, {_nz(f'Actor{n}Type2Code')}, {_nz(f'Actor{n}Type3Code')}],"
        " lambda x: x IS NOT NULL)"
    )


def _gdelt_canonical(fmt: str, adm2: bool, sourceurl: bool) -> dict[str, str]:
    c: dict[str, str] = {
        "source": "'gdelt'",
        "event_id": _nz("GLOBALEVENTID"),
        "format": f"'{fmt}'",
        "event_date": "CAST(strptime(\"SQLDATE\", '%Y%m%d') AS DATE)",
        # GDELT 2.0 DATEADDED is YYYYMMDDHHMMSS; GDELT 1.0 DATEADDED is YYYYMMDD.
        "date_added": "COALESCE(try_strptime(\"DATEADDED\", '%Y%m%d%H%M%S'), try_strptime(\"DATEADDED\", '%Y%m%d'))",
        "event_code": _nz("EventCode"),
        # Derived from EventCode: some extracts (the Nov 2020 files) lost the leading zeros of the base and root
        # columns ('4' for '04') while EventCode kept them; the native columns keep what the file said.
        "base_code": f"COALESCE(left({_nz('EventCode')}, 3), {_nz('EventBaseCode')})",
        "root_code": f"COALESCE(left({_nz('EventCode')}, 2), lpad({_nz('EventRootCode')}, 2, '0'))",
        "quad_class": 'TRY_CAST("QuadClass" AS TINYINT)',
        "goldstein": 'TRY_CAST("GoldsteinScale" AS DOUBLE)',
        "num_mentions": 'TRY_CAST("NumMentions" AS INTEGER)',
        "num_sources": 'TRY_CAST("NumSources" AS INTEGER)',
        "num_articles": 'TRY_CAST("NumArticles" AS INTEGER)',
        "avg_tone": 'TRY_CAST("AvgTone" AS DOUBLE)',
        "location": _nz("ActionGeo_FullName"),
        "location_country": _nz("ActionGeo_CountryCode"),
        "admin1": _nz("ActionGeo_ADM1Code"),
        "latitude": 'TRY_CAST("ActionGeo_Lat" AS DOUBLE)',
        "longitude": 'TRY_CAST("ActionGeo_Long" AS DOUBLE)',
        "source_url": _nz("SOURCEURL") if sourceurl else "NULL",
    }
    for n in (1, 2):
        c[f"actor{n}_code"] = _nz(f"Actor{n}Code")
        c[f"actor{n}_name"] = _nz(f"Actor{n}Name")
        c[f"actor{n}_country"] = _nz(f"Actor{n}CountryCode")
        c[f"actor{n}_roles"] = _roles_gdelt(n)
    return c


_GDELT_CHECKS = [
    Check("GLOBALEVENTID", "digits", required=True),
    Check("SQLDATE", "date:%Y%m%d", required=True),
    Check("QuadClass", "int"),
    Check("GoldsteinScale", "float"),
    Check("NumMentions", "int"),
    Check("NumSources", "int"),
    Check("NumArticles", "int"),
    Check("AvgTone", "float"),
    Check("ActionGeo_Lat", "float"),
    Check("ActionGeo_Long", "float"),
]

# ICEWS "sectors" are free text lists; map the ones that matter for role filters to CAMEO role codes.
_ICEWS_SECTOR_ROLES = [
    ("Government", "GOV"),
    ("Executive", "GOV"),
    ("Legislative", "LEG"),
    ("Judicial", "JUD"),
    ("Military", "MIL"),
    ("Police", "COP"),
    ("Intelligence", "SPY"),
    ("Insurgents", "INS"),
    ("Rebel", "REB"),
    ("Media", "MED"),
    ("Business", "BUS"),
    ("Civilian", "CVL"),
    ("Opposition", "OPP"),
    ("Dissident", "OPP"),
    ("Religious", "REL"),
    ("Education", "EDU"),
    ("Medical", "HLH"),
    ("Labor", "LAB"),
    ("NGO", "NGO"),
    ("Refugees", "REF"),
    ("Criminal", "CRM"),
]


def _icews_roles(col: str) -> str:
    items = ", ".join(f"CASE WHEN {q(col)} ILIKE '%{k}%' THEN '{r}' END" for k, r in _ICEWS_SECTOR_ROLES)
    return f"list_distinct(list_filter([{items}], lambda x: x IS NOT NULL))"


def _acled_roles(name: str, inter: str) -> str:
    return (
        "list_filter(["
        f"CASE WHEN {q(name)} LIKE 'Military Forces of %' THEN 'MIL' END, "
        f"CASE WHEN {q(name)} LIKE 'Police Forces of %' THEN 'COP' END, "
        f"CASE WHEN {q(name)} LIKE 'Government of %' THEN 'GOV' END, "
        f"CASE TRIM({q(inter)}) WHEN '2' THEN 'REB' WHEN '3' THEN 'UAF' WHEN '4' THEN 'UAF' WHEN '5' THEN 'OPP' "
        "WHEN '6' THEN 'OPP' WHEN '7' THEN 'CVL' END"
        "], lambda x: x IS NOT NULL)"
    )


def _acled_country_name(name: str) -> str:
    """The country named in an ACLED actor: 'Military Forces of Pakistan (2018-)' or 'Civilians (Pakistan)'."""
    return (
        f"COALESCE(NULLIF(regexp_extract({q(name)}, '^(?:Military|Police) Forces of (.+?) \\(', 1), ''), "
        f"NULLIF(regexp_extract({q(name)}, '^Government of (.+?) \\(', 1), ''), "
        f"NULLIF(regexp_extract({q(name)}, '\\(([^()0-9]+)\\)\\s*$', 1), ''))"
    )


FORMATS: dict[str, FormatSpec] = {}


def _register(spec: FormatSpec) -> None:
    FORMATS[spec.name] = spec


_register(
    FormatSpec(
        name="gdelt2",
        source="gdelt",
        family="gdelt_events",
        columns=GDELT2_COLUMNS,
        id_sql=_nz("GLOBALEVENTID"),
        canonical=_gdelt_canonical("gdelt2", True, True),
        checks=_GDELT_CHECKS,
        description="GDELT 2.0 events export: 61 tab-separated fields, no header (YYYYMMDDHHMMSS.export.CSV[.zip])",
    )
)
_register(
    FormatSpec(
        name="gdelt1",
        source="gdelt",
        family="gdelt_events",
        columns=GDELT1_COLUMNS,
        id_sql=_nz("GLOBALEVENTID"),
        canonical=_gdelt_canonical("gdelt1", False, True),
        checks=_GDELT_CHECKS,
        description="GDELT 1.0 daily events: 58 tab-separated fields (57 in the historical backfiles), no header",
    )
)
_register(
    FormatSpec(
        name="gdelt1_57",
        source="gdelt",
        family="gdelt_events",
        columns=GDELT1_COLUMNS_57,
        id_sql=_nz("GLOBALEVENTID"),
        canonical=_gdelt_canonical("gdelt1", False, False),
        checks=_GDELT_CHECKS,
        description="GDELT 1.0 historical backfile rows: 57 fields (no SOURCEURL)",
    )
)
_register(
    FormatSpec(
        name="gdelt1_reduced",
        source="gdelt",
        family="gdelt_reduced",
        columns=GDELT_REDUCED_COLUMNS,
        header=True,
        # Reduced rows are aggregates with no id: the row's own content is its identity.
        id_sql="'r' || md5(concat_ws('\t', " + ", ".join(q(c) for c in GDELT_REDUCED_COLUMNS) + "))",
        # Trailing empty geo fields are sometimes cut off; the eight core fields are still checked as required.
        null_padding=True,
        canonical={
            "source": "'gdelt'",
            "format": "'gdelt1_reduced'",
            "event_date": "CAST(strptime(\"Date\", '%Y%m%d') AS DATE)",
            "actor1_code": _nz("Source"),
            "actor2_code": _nz("Target"),
            "actor1_country": 'CASE WHEN length(TRIM("Source")) >= 3 THEN left(TRIM("Source"), 3) END',
            "actor2_country": 'CASE WHEN length(TRIM("Target")) >= 3 THEN left(TRIM("Target"), 3) END',
            "actor1_roles": "list_filter(regexp_extract_all(substr(TRIM(\"Source\"), 4), '...'), lambda x: x <> '')",
            "actor2_roles": "list_filter(regexp_extract_all(substr(TRIM(\"Target\"), 4), '...'), lambda x: x <> '')",
            "event_code": _nz("CAMEOCode"),
            "base_code": 'left(TRIM("CAMEOCode"), 3)',
            "root_code": 'left(TRIM("CAMEOCode"), 2)',
            "quad_class": 'TRY_CAST("QuadClass" AS TINYINT)',
            "goldstein": 'TRY_CAST("Goldstein" AS DOUBLE)',
            "num_mentions": 'TRY_CAST("NumEvents" AS INTEGER)',
            "num_articles": 'TRY_CAST("NumArts" AS INTEGER)',
            "latitude": 'TRY_CAST("ActionGeoLat" AS DOUBLE)',
            "longitude": 'TRY_CAST("ActionGeoLong" AS DOUBLE)',
        },
        checks=[
            Check("Date", "date:%Y%m%d", required=True),
            Check("Source", "required"),
            Check("CAMEOCode", "digits", required=True),
            Check("NumEvents", "int", required=True),
            Check("NumArts", "int"),
            Check("QuadClass", "int"),
            Check("Goldstein", "float", required=True),
            Check("ActionGeoLat", "float"),
            Check("ActionGeoLong", "float"),
        ],
        description="GDELT 1.0 'reduced' 1979-2012 files: 17 tab-separated fields with a header row, no event id",
    )
)
_register(
    FormatSpec(
        name="gdelt2_mentions",
        source="gdelt",
        family="gdelt_mentions",
        columns=GDELT_MENTIONS_COLUMNS,
        id_sql=(
            f"concat_ws('|', {_nz('GLOBALEVENTID')}, {_nz('MentionTimeDate')}, {_nz('MentionIdentifier')}, "
            f"{_nz('SentenceID')}, {_nz('Actor1CharOffset')}, {_nz('Actor2CharOffset')}, {_nz('ActionCharOffset')})"
        ),
        checks=[
            Check("GLOBALEVENTID", "digits", required=True),
            Check("MentionTimeDate", "timestamp:%Y%m%d%H%M%S"),
            Check("Confidence", "int"),
            Check("SentenceID", "int"),
            Check("MentionDocTone", "float"),
        ],
        description="GDELT 2.0 mentions: 16 tab-separated fields, no header (YYYYMMDDHHMMSS.mentions.CSV[.zip])",
    )
)


def _icews_canonical(fmt: str, event_code: str) -> dict[str, str]:
    return {
        "source": "'icews'",
        "format": f"'{fmt}'",
        "event_id": _nz("Event ID"),
        "event_date": "CAST(strptime(\"Event Date\", '%Y-%m-%d') AS DATE)",
        "actor1_name": _nz("Source Name"),
        "actor2_name": _nz("Target Name"),
        "actor1_roles": _icews_roles("Source Sectors"),
        "actor2_roles": _icews_roles("Target Sectors"),
        "event_code": event_code,
        "base_code": f"left({event_code}, 3)",
        "root_code": f"left({event_code}, 2)",
        "goldstein": 'TRY_CAST("Intensity" AS DOUBLE)',
        "event_text": _nz("Event Text"),
        "location": _nz("City"),
        "location_country": _nz("Country"),
        "admin1": _nz("Province"),
        "latitude": 'TRY_CAST("Latitude" AS DOUBLE)',
        "longitude": 'TRY_CAST("Longitude" AS DOUBLE)',
        "source_url": _nz("Publisher"),
    }


_ICEWS_CHECKS = [
    Check("Event ID", "digits", required=True),
    Check("Event Date", "date:%Y-%m-%d", required=True),
    Check("CAMEO Code", "digits", required=True),
    Check("Intensity", "float"),
    Check("Latitude", "float"),
    Check("Longitude", "float"),
]


def _cameo_zero_restore_sql(col: str) -> str:
    """SQL restoring the leading zero a CAMEO code lost when a file stored it as a number ('40' for '040').

    ICEWS codes are three or four digits, so a two-digit value is always a base code 01x-09x that lost its zero;
    a three-digit value that is not a CAMEO code but becomes one with a leading zero ('214' -> '0214') lost it
    too. No CAMEO code is ambiguous under this rule (checked in the tests against the package's CAMEO table).
    """
    from .lookups import cameo

    known = cameo.codes()
    lost = sorted(
        c[1:] for c in known if c.startswith("0") and len(c) in (3, 4) and (len(c) == 3 or c[1:] not in known)
    )
    items = ", ".join(f"'{c}'" for c in lost)
    v = _nz(col)
    return f"CASE WHEN {v} IN ({items}) THEN '0' || {v} ELSE {v} END"


_register(
    FormatSpec(
        name="icews",
        source="icews",
        family="icews",
        columns=ICEWS_COLUMNS,
        header=True,
        null_tokens=("NA",),
        id_sql=_nz("Event ID"),
        canonical=_icews_canonical("icews", _nz("CAMEO Code")),
        checks=_ICEWS_CHECKS,
        description="ICEWS Dataverse yearly files (.tab/.tsv): 20 tab-separated fields with a header row",
    )
)
_register(
    FormatSpec(
        name="icews_csv",
        source="icews",
        family="icews",
        columns=ICEWS_COLUMNS,
        delimiter=",",
        header=True,
        quote='"',
        null_tokens=("NA",),
        id_sql=_nz("Event ID"),
        # Native "CAMEO Code" stays verbatim ('40'); the canonical code gets its leading zero back ('040').
        canonical=_icews_canonical("icews_csv", _cameo_zero_restore_sql("CAMEO Code")),
        checks=_ICEWS_CHECKS,
        description="ICEWS rows as comma-separated CSV with lower-case snake_case names (event_id, cameo_code, ...; "
        "the R icews package's layout, often with year/yearmonth added and CAMEO codes' leading zeros lost)",
    )
)
_register(
    FormatSpec(
        name="acled",
        source="acled",
        family="acled",
        columns=ACLED_COLUMNS,
        delimiter=",",
        header=True,
        quote='"',
        id_sql=_nz("event_id_cnty"),
        canonical={
            "source": "'acled'",
            "format": "'acled'",
            "event_id": _nz("event_id_cnty"),
            # Current exports use ISO dates; older ones '23 February 2022'.
            "event_date": "CAST(COALESCE(try_strptime(\"event_date\", '%Y-%m-%d'), "
            "try_strptime(\"event_date\", '%d %B %Y')) AS DATE)",
            "actor1_name": _nz("actor1"),
            "actor2_name": _nz("actor2"),
            "actor1_roles": _acled_roles("actor1", "inter1"),
            "actor2_roles": _acled_roles("actor2", "inter2"),
            "fatalities": 'TRY_CAST("fatalities" AS INTEGER)',
            "event_text": _nz("sub_event_type"),
            "event_type": _nz("event_type"),
            "location": _nz("location"),
            "location_country": _nz("country"),
            "admin1": _nz("admin1"),
            "latitude": 'TRY_CAST("latitude" AS DOUBLE)',
            "longitude": 'TRY_CAST("longitude" AS DOUBLE)',
            "source_url": _nz("source"),
        },
        checks=[
            Check("event_id_cnty", "required", required=True),
            Check("event_date", "date:acled", required=True),
            Check("fatalities", "int"),
            Check("latitude", "float"),
            Check("longitude", "float"),
        ],
        description="ACLED CSV export (comma-separated, quoted, header row)",
    )
)

# Country-name columns that ingest maps to ISO3 (name SQL over native columns) per format.
COUNTRY_NAME_SQL: dict[str, dict[str, str]] = {
    "icews": {"actor1_country": _nz("Source Country"), "actor2_country": _nz("Target Country")},
    "acled": {"actor1_country": _acled_country_name("actor1"), "actor2_country": _acled_country_name("actor2")},
}

# --- header-name mappings ----------------------------------------------------------------------------------------

# The Nov 2020 GDELT extracts in shared data (Luka-Radulovic/gdelts-conflict-analysis) renamed GDELT's columns,
# some misleadingly: Actor_1_Country_Code holds Actor1Code and Actor_1_Country_ABBR holds Actor1CountryCode; the
# ActionGeo block is named Mention_Type, ST_PR_CNTRY, Country, *_Extra.
RENAMED_2020: dict[str, str] = dict(
    zip(
        [
            "Global_Event_ID",
            "Day",
            "YYYYMM",
            "YYYY",
            "Day_Time",
            "Actor_1_Country_Code",
            "Actor_1_Name",
            "Actor_1_Country_ABBR",
            "Actor_1_Known_Group_Code",
            "Actor_1_Ethnic_Code",
            "Actor_1_Religion_Code",
            "Actor_1_Religion_2_Code",
            "Actor_1_Role",
            "Actor_1_Role2",
            "Actor_1_Role3",
            "Actor_2_Country_Code",
            "Actor_2_Name",
            "Actor_2_Country_ABBR",
            "Actor_2_Know_Group_Code",
            "Actor_2_Ethnic_Code",
            "Actor_2_Religion_Code",
            "Actor_2_Religion_2_Code",
            "Actor_2_Role",
            "Actor_2_Role2",
            "Actor_2_Role3",
            "Is_Root_Event",
            "Event_Code",
            "Event_Base_Code",
            "Event_Root_Code",
            "Quad_Class",
            "Goldstein_Scale",
            "Num_Mentions",
            "Num_Sources",
            "Num_Articles",
            "AVG_TONE",
            "Actor_1_Geo_Type",
            "Actor_1_Geo_FullName",
            "Actor_1_Geo_Country_Code",
            "Actor1Geo_ADM1Code",
            "Actor1Geo_ADM2Code",
            "Actor1Geo_Lat",
            "Actor1Geo_Long",
            "Actor1Geo_FeatureID",
            "Actor_2_Geo_Type",
            "Actor_2_Geo_FullName",
            "Actor_2_Geo_Country_Code",
            "Actor2Geo_ADM1Code",
            "Actor2Geo_ADM2Code",
            "Actor2Geo_Lat",
            "Actor2Geo_Long",
            "Actor2Geo_FeatureID",
            "Mention_Type",
            "ST_PR_CNTRY",
            "Country",
            "ADM1Code_Extra",
            "ADM2Code_Extra",
            "Lat_Extra",
            "Long_Extra",
            "ActorGeo_FeaturID_Extra",
            "Date_Added",
            "Source_URL",
        ],
        GDELT2_COLUMNS,
        strict=True,
    )
)


@dataclass
class ColumnMapping:
    """A header file's columns mapped onto a format's native names (``{file column: native column}``).

    ``extra_confidence`` names a header column that carries a per-event confidence (the 2020 extracts' mean
    mention ``Confidence``); other unmapped columns are kept verbatim as JSON in the native table's ``extra``.
    """

    format: str
    columns: dict[str, str]
    confidence_column: str | None = None
    origin: str = "auto"


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _auto_mapping(header: list[str]) -> ColumnMapping | None:
    """Recognise a header row by its names: GDELT's own (BigQuery) names in any case, known renamed layouts,
    lower-case mentions headers, ICEWS and ACLED."""
    present = set(header)
    if len(present & set(RENAMED_2020)) >= 50:
        cols = {h: RENAMED_2020[h] for h in header if h in RENAMED_2020}
        conf = next((h for h in header if _norm(h) == "confidence"), None)
        return ColumnMapping("gdelt2", cols, conf, origin="known layout: GDELT 2.0 renamed (Nov 2020 extracts)")
    normed = {_norm(h): h for h in header}
    icews_norm = {_norm(c): c for c in ICEWS_COLUMNS}
    if set(icews_norm) <= set(normed) and {"event_id", "cameo_code"} <= set(header):
        # lower-case snake_case ICEWS (event_id, event_date, ..., cameo_code, intensity, ...)
        cols = {normed[k]: v for k, v in icews_norm.items()}
        return ColumnMapping("icews_csv", cols, origin="ICEWS snake_case header")
    if {"event id", "cameo code"} <= {h.lower() for h in header}:
        return ColumnMapping("icews", {h: h for h in header if h in ICEWS_COLUMNS}, origin="ICEWS header")
    if "eventidcnty" in normed and "actor1" in normed:
        cols = {h: h for h in header}
        return ColumnMapping("acled", cols, origin="ACLED header")
    candidates = [("gdelt2", GDELT2_COLUMNS), ("gdelt1", GDELT1_COLUMNS), ("gdelt2_mentions", GDELT_MENTIONS_COLUMNS)]
    best: ColumnMapping | None = None
    best_n = 0
    for fmt, native in candidates:
        nmap = {_norm(c): c for c in native}
        cols = {normed[k]: v for k, v in nmap.items() if k in normed}
        if len(cols) >= max(10, int(0.9 * len(native))) and len(cols) > best_n and "GLOBALEVENTID" in cols.values():
            conf = None
            if fmt != "gdelt2_mentions":
                conf = next((h for h in header if _norm(h) == "confidence"), None)
            best = ColumnMapping(fmt, cols, conf, origin="GDELT standard names")
            best_n = len(cols)
    return best


def load_mapping_yaml(path: Path) -> ColumnMapping:
    """Read a ``--columns`` file: ``format: gdelt2``, ``columns: {file column: GDELT column}``, ``confidence:``."""
    data = read_yaml(path, what="column mapping")
    if not isinstance(data, dict) or "format" not in data or not isinstance(data.get("columns"), dict):
        raise EventsError("column mapping needs 'format:' and a 'columns:' mapping", file=str(path))
    fmt = str(data["format"])
    if fmt not in FORMATS:
        raise EventsError(
            f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))})", file=str(path), field="format"
        )
    native = set(FORMATS[fmt].columns) | (set(ACLED_OPTIONAL) if fmt == "acled" else set())
    cols = {str(k): str(v) for k, v in data["columns"].items()}
    bad = sorted(v for v in cols.values() if v not in native)
    if bad:
        raise EventsError(f"not a {fmt} column: {', '.join(bad)}", file=str(path), field="columns")
    conf = data.get("confidence")
    return ColumnMapping(fmt, cols, str(conf) if conf else None, origin=f"mapping file {path.name}")


# --- detection ---------------------------------------------------------------------------------------------------


@dataclass
class Detected:
    """What a file is and how to read it."""

    spec: FormatSpec
    header: list[str] | None = None  # the file's header row when it has one
    mapping: ColumnMapping | None = None  # header → native names (None: header equals native names or no header)
    delimiter: str = "\t"
    quote: str = ""
    notes: list[str] = field(default_factory=list)


def _first_line(path: Path, name: str) -> str:
    """The first line (at most 1 MiB of it). A bare CR inside it means CR-only line endings, which neither the
    detection nor DuckDB's reader split on: refused with one line rather than read as one huge row."""
    with open(path, "rb") as fh:
        raw = fh.readline(1 << 20)
    body = raw.rstrip(b"\r\n")
    if b"\r" in body:
        raise EventsError(
            "CR-only line endings (old Mac style); convert the file to LF or CRLF line endings", file=name, line=1
        )
    return body.decode("utf-8", errors="replace")


def _split_header(line: str, delim: str, name: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delim))
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
        raise EventsError(f"first line cannot be split into fields: {exc}", file=name, line=1) from None


def detect(
    path: Path, *, name: str | None = None, forced: str | None = None, mapping: ColumnMapping | None = None
) -> Detected:
    """Work out a file's format from its first line (field count, header names) and its name.

    ``name`` is the original file name when ``path`` is an extracted zip member.
    """
    name = name or path.name
    line = _first_line(path, name)
    if not line:
        raise EventsError("empty file", file=name)
    tabs = line.count("\t")
    delim = "\t" if tabs >= max(1, line.count(",")) else ","
    fields = _split_header(line, delim, name)
    looks_header = not fields[0].strip().isdigit() and not fields[0].strip().lstrip("-").replace(".", "").isdigit()

    if mapping is not None:
        spec = FORMATS[mapping.format]
        return Detected(spec, header=fields, mapping=mapping, delimiter=delim, quote='"' if delim == "," else "")
    if forced is not None and forced not in FORMATS:
        raise EventsError(
            f"unknown format {forced!r} (known: {', '.join(sorted(FORMATS))})", file=name, field="--format"
        )
    if looks_header:
        from .source_formats import detect_source_header  # registered after this module (cyclic import)

        by_source = detect_source_header(path, [f.strip() for f in fields], delim, name=name, forced=forced)
        if by_source is not None:
            return by_source
        if fields == GDELT_REDUCED_COLUMNS or (forced == "gdelt1_reduced"):
            return Detected(FORMATS["gdelt1_reduced"], header=fields, delimiter="\t")
        if fields[: len(ICEWS_COLUMNS)] == ICEWS_COLUMNS and (forced in (None, "icews")):
            return Detected(FORMATS["icews"], header=fields, delimiter=delim)
        auto = _auto_mapping([f.strip() for f in fields])
        if auto is None:
            raise EventsError(
                f"header row not recognised ({len(fields)} columns starting {', '.join(fields[:4])}); "
                "pass --columns MAPPING.yaml",
                file=name,
            )
        if (
            forced is not None
            and forced != auto.format
            and not (forced.startswith("gdelt1") and auto.format.startswith("gdelt1"))
        ):
            raise EventsError(f"--format {forced} but the header looks like {auto.format}", file=name)
        return Detected(
            FORMATS[auto.format],
            header=[f.strip() for f in fields],
            mapping=auto,
            delimiter=delim,
            quote='"' if delim == "," else "",
            notes=[auto.origin],
        )
    n = len(fields)
    if forced is not None:
        return Detected(FORMATS[forced], delimiter="\t")
    lower = name.lower()
    if "mentions" in lower and n == len(GDELT_MENTIONS_COLUMNS):
        return Detected(FORMATS["gdelt2_mentions"])
    by_count = {61: "gdelt2", 58: "gdelt1", 57: "gdelt1_57", 16: "gdelt2_mentions"}
    if n in by_count:
        return Detected(FORMATS[by_count[n]])
    raise EventsError(
        f"cannot detect the format: first line has {n} tab-separated fields "
        "(GDELT 2.0 events 61, GDELT 1.0 57/58, mentions 16); pass --format",
        file=name,
        line=1,
    )


def describe_formats() -> list[dict[str, Any]]:
    """Formats for docs and ``--help``."""
    return [
        {"name": s.name, "source": s.source, "fields": len(s.columns), "description": s.description}
        for s in FORMATS.values()
    ]


from . import source_formats  # noqa: E402, F401  (UCDP, POLECAT: registers into FORMATS)
