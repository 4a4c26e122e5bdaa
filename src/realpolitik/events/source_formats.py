"""Formats of the sources added after the first three: UCDP GED, UCDP Candidate and POLECAT.

They are registered into :data:`realpolitik.events.formats.FORMATS` when :mod:`realpolitik.events.formats` is
imported (it imports this module last), so ``store.NATIVE_FAMILIES`` (computed from ``FORMATS`` when the store is
imported) gets their native tables and ``ingest`` reads them like any other format. Kept apart from ``formats.py``
so that adding a source does not touch the GDELT/ICEWS/ACLED declarations.

Why GED and Candidate are two sources (``ucdp`` and ``ucdp_candidate``) with two native tables: Candidate events
are preliminary and are revised or dropped before they enter the yearly GED, and UCDP's documentation as found does
not say whether a Candidate event keeps its ``id`` in GED. Rows are de-duplicated on the id within a native table,
so one shared table would either keep whichever version was loaded first (if ids carry over) or silently drop an
unrelated event (if they collide). Separate sources keep both, and an analysis picks GED for the years it covers
and Candidate after that.

Protocol details and their sources are in ``docs/events-ucdp.md`` and ``docs/events-polecat.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import EventsError
from .formats import (
    COUNTRY_NAME_SQL,
    FORMATS,
    LICENCES,
    Check,
    ColumnMapping,
    Detected,
    FormatSpec,
    _norm,
    _nz,
    _register,
    q,
)

# --- UCDP GED / Candidate ----------------------------------------------------------------------------------------

# GED's CSV columns in the order of the GED codebook / the API's JSON field names (gwnoa, gwnob: Gleditsch-Ward
# codes of side A and side B, in the API and in recent CSVs).
UCDP_GED_COLUMNS = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
]
UCDP_OPTIONAL = ["iso3"]  # the HDX copy adds an ISO3 country column
UCDP_REQUIRED_NAMES = {"id", "relid", "typeofviolence", "sidea", "sideb", "best", "low", "high", "datestart"}

# date_start as the CSV writes it ('2021-01-14 00:00:00.000'), as the API returns it ('2010-05-13T00:00:00'), or bare.
UCDP_DATE_FORMATS = "%Y-%m-%d %H:%M:%S.%g|%Y-%m-%d %H:%M:%S|%Y-%m-%dT%H:%M:%S|%Y-%m-%d"
_UCDP_DATE_LIST = "[" + ", ".join(f"'{f}'" for f in UCDP_DATE_FORMATS.split("|")) + "]"

# GED codebook: type_of_violence 1 state-based conflict, 2 non-state conflict, 3 one-sided violence.
UCDP_VIOLENCE_TYPES = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}


def _ucdp_roles(side: str) -> str:
    """Roles derived from UCDP's actor names: 'Government of X' is a government, 'Civilians' are civilians, and the
    non-government side of a state-based conflict (type 1) is a rebel group by UCDP's definition."""
    return (
        "list_filter(["
        f"CASE WHEN {q(side)} LIKE 'Government of %' THEN 'GOV' END, "
        f"CASE WHEN TRIM({q(side)}) = 'Civilians' THEN 'CVL' END, "
        f"CASE WHEN TRIM(\"type_of_violence\") = '1' AND {q(side)} NOT LIKE 'Government of %' THEN 'REB' END"
        "], lambda x: x IS NOT NULL)"
    )


def _ucdp_government_country(side: str) -> str:
    """The country of a government side: 'Government of Russia (Soviet Union)' -> 'Russia' (looked up in the
    countries table by ingest); NULL for non-state actors."""
    return f"NULLIF(regexp_extract({q(side)}, '^Government of (.+?)(?: \\([^()]*\\))?$', 1), '')"


def _ucdp_canonical(source: str, fmt: str) -> dict[str, str]:
    violence = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in UCDP_VIOLENCE_TYPES.items())
    return {
        "source": f"'{source}'",
        "format": f"'{fmt}'",
        "event_id": _nz("id"),
        "event_date": f'CAST(try_strptime(TRIM("date_start"), {_UCDP_DATE_LIST}) AS DATE)',
        "actor1_name": _nz("side_a"),
        "actor2_name": _nz("side_b"),
        "actor1_roles": _ucdp_roles("side_a"),
        "actor2_roles": _ucdp_roles("side_b"),
        "num_sources": 'TRY_CAST("number_of_sources" AS INTEGER)',
        "fatalities": 'TRY_CAST("best" AS INTEGER)',
        "fatalities_low": 'TRY_CAST("low" AS INTEGER)',
        "fatalities_high": 'TRY_CAST("high" AS INTEGER)',
        "event_text": _nz("conflict_name"),
        "event_type": f'CASE TRIM("type_of_violence") {violence} END',
        "location": _nz("where_coordinates"),
        "location_country": _nz("country"),
        "admin1": _nz("adm_1"),
        "latitude": 'TRY_CAST("latitude" AS DOUBLE)',
        "longitude": 'TRY_CAST("longitude" AS DOUBLE)',
        "source_url": _nz("source_office"),
    }


def _ucdp_checks(id_kind: str) -> list[Check]:
    return [
        Check("id", id_kind, required=True),
        Check("date_start", f"date:{UCDP_DATE_FORMATS}", required=True),
        Check("type_of_violence", "digits"),
        Check("best", "int"),
        Check("low", "int"),
        Check("high", "int"),
        Check("latitude", "float"),
        Check("longitude", "float"),
    ]


# Not data: HDX's second row of HXL hashtags ('#date+year', '#country+name', ...) under the header, and a header
# row repeated inside the file (files concatenated with their headers).
_UCDP_NON_DATA = (
    "(NULLIF(TRIM(\"id\"), '') IS NULL AND (TRIM(\"year\") LIKE '#%' OR TRIM(\"date_start\") LIKE '#%' "
    "OR TRIM(\"country\") LIKE '#%')) OR TRIM(\"id\") = 'id'"
)


def _ucdp_spec(name: str, *, source: str, id_kind: str, description: str) -> FormatSpec:
    """GED and Candidate share GED's columns and layout; they differ in the source they are stored under and in how
    strictly the ``id`` is checked."""
    return FormatSpec(
        name=name,
        source=source,
        family=name,
        columns=UCDP_GED_COLUMNS + UCDP_OPTIONAL,
        delimiter=",",
        header=True,
        quote='"',
        id_sql=_nz("id"),
        canonical=_ucdp_canonical(source, name),
        checks=_ucdp_checks(id_kind),
        non_data_sql=_UCDP_NON_DATA,
        description=description,
    )


_register(
    _ucdp_spec(
        "ucdp_ged",
        source="ucdp",
        id_kind="digits",
        description="UCDP Georeferenced Event Dataset (GED) CSV, yearly releases (e.g. 24.1), header row; "
        "the HDX copy's second row of HXL tags is skipped",
    )
)
_register(
    _ucdp_spec(
        "ucdp_candidate",
        source="ucdp_candidate",
        id_kind="required",
        description="UCDP Candidate Events CSV, monthly preliminary releases (e.g. 25.0.1), GED's columns",
    )
)
for _fmt in ("ucdp_ged", "ucdp_candidate"):
    COUNTRY_NAME_SQL[_fmt] = {
        "actor1_country": _ucdp_government_country("side_a"),
        "actor2_country": _ucdp_government_country("side_b"),
    }
LICENCES["ucdp"] = "CC BY 4.0: UCDP GED, attribution to UCDP required (ucdp.uu.se/downloads)"
LICENCES["ucdp_candidate"] = "CC BY 4.0: UCDP Candidate Events, attribution to UCDP required (ucdp.uu.se/downloads)"

# --- POLECAT -----------------------------------------------------------------------------------------------------

# The weekly files' header, in order (second-hand: see docs/events-polecat.md). Later releases call "Intensity"
# "Event Intensity"; some files add a "Headline" or "Event Text" column (kept as optional native columns).
POLECAT_COLUMNS = [
    "Event ID",
    "Event Date",
    "Event Type",
    "Event Mode",
    "Intensity",
    "Quad Code",
    "Contexts",
    "Actor Name",
    "Actor Country",
    "Actor COW",
    "Primary Actor Sector",
    "Actor Sectors",
    "Actor Title",
    "Actor Name Raw",
    "Wikipedia Actor ID",
    "Recipient Name",
    "Recipient Country",
    "Recipient COW",
    "Primary Recipient Sector",
    "Recipient Sectors",
    "Recipient Title",
    "Recipient Name Raw",
    "Wikipedia Recipient ID",
    "Placename",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
    "GeoNames ID",
    "Raw Placename",
    "Feature Type",
    "Source",
    "Publication Date",
    "Story People",
    "Story Organizations",
    "Story Locations",
    "Language",
    "Version",
]
POLECAT_OPTIONAL = ["Headline", "Event Text"]
TRAILING_TAB = "trailing_tab"
POLECAT_RENAMES = {"Event Intensity": "Intensity"}
POLECAT_REQUIRED_NAMES = {_norm(c) for c in ("Event ID", "Event Date", "Event Type", "Event Mode", "Quad Code")}

# POLECAT's Quad Code is its own field; its four labels are CAMEO's quad classes by name.
POLECAT_QUADS = {"VERBAL COOPERATION": 1, "MATERIAL COOPERATION": 2, "VERBAL CONFLICT": 3, "MATERIAL CONFLICT": 4}


def _polecat_country(col: str) -> str:
    """The first of the (';'-separated) countries when it is a three-letter code, else NULL."""
    first = f"upper(TRIM(split_part({q(col)}, ';', 1)))"
    return f"CASE WHEN regexp_full_match({first}, '[A-Z]{{3}}') THEN {first} END"


def _polecat_roles(sectors: str, primary: str) -> str:
    """PLOVER sector codes (GOV, MIL, ...) from the sector list, else the primary sector."""
    listed = f"regexp_split_to_array(COALESCE({_nz(sectors)}, {_nz(primary)}, ''), '\\s*[;,|]\\s*')"
    upper = f"list_transform({listed}, lambda x: upper(TRIM(x)))"
    return f"list_sort(list_distinct(list_filter({upper}, lambda x: x <> '')))"


_quad_cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in POLECAT_QUADS.items())
_register(
    FormatSpec(
        name="polecat",
        source="polecat",
        family="polecat",
        columns=POLECAT_COLUMNS + POLECAT_OPTIONAL,
        header=True,
        # Rows may end in a stray tab (one empty field more than the header); the header gets a matching unnamed
        # column and rows without the tab are padded, so both parse. Two fields too many are still rejected.
        null_padding=True,
        null_tokens=("None",),
        id_sql=_nz("Event ID"),
        canonical={
            "source": "'polecat'",
            "format": "'polecat'",
            "event_id": _nz("Event ID"),
            "event_date": "CAST(strptime(TRIM(\"Event Date\"), '%Y-%m-%d') AS DATE)",
            "actor1_name": _nz("Actor Name"),
            "actor2_name": _nz("Recipient Name"),
            "actor1_country": _polecat_country("Actor Country"),
            "actor2_country": _polecat_country("Recipient Country"),
            "actor1_roles": _polecat_roles("Actor Sectors", "Primary Actor Sector"),
            "actor2_roles": _polecat_roles("Recipient Sectors", "Primary Recipient Sector"),
            "plover_code": f"upper({_nz('Event Type')})",
            "quad_class": f"CASE replace(upper(TRIM(\"Quad Code\")), '_', ' ') {_quad_cases} END",
            "event_type": f"upper({_nz('Event Type')})",
            "event_text": _nz("Event Mode"),
            "location": f"COALESCE({_nz('Placename')}, {_nz('City')})",
            "location_country": _nz("Country"),
            "admin1": _nz("Province"),
            "latitude": 'TRY_CAST("Latitude" AS DOUBLE)',
            "longitude": 'TRY_CAST("Longitude" AS DOUBLE)',
            "source_url": _nz("Source"),
        },
        checks=[
            Check("Event ID", "required", required=True),
            Check("Event Date", "date:%Y-%m-%d", required=True),
            Check("Intensity", "float"),
            Check("Latitude", "float"),
            Check("Longitude", "float"),
        ],
        non_data_sql="TRIM(\"Event ID\") = 'Event ID'",
        description="POLECAT weekly files (Harvard Dataverse doi:10.7910/DVN/AJGVIT): tab-separated, header row, "
        "PLOVER event types; renamed columns, extra header rows and trailing tabs handled",
    )
)
LICENCES["polecat"] = (
    "POLECAT (Harvard Dataverse doi:10.7910/DVN/AJGVIT): research and educational use only, no commercial use "
    "(copyright Leidos)"
)

# --- detection ---------------------------------------------------------------------------------------------------

_CANDIDATE_NAME = re.compile(r"candidate|v\d+_0_\d+", re.IGNORECASE)


def _ucdp_format(name: str, forced: str | None) -> str:
    """GED and Candidate share their columns; the file name tells them apart (Candidate releases are numbered
    YY.0.N, e.g. GEDEvent_v25_0_1.csv; the fetcher's cache files carry 'candidate'), ``--format`` overrides."""
    if forced in ("ucdp_ged", "ucdp_candidate"):
        return forced
    return "ucdp_candidate" if _CANDIDATE_NAME.search(Path(name).name) else "ucdp_ged"


def _polecat_mapping(header: list[str]) -> ColumnMapping:
    """File column -> native column, matching names without case, spaces or punctuation, with known renames."""
    known = {_norm(c): c for c in POLECAT_COLUMNS + POLECAT_OPTIONAL}
    known.update({_norm(old): new for old, new in POLECAT_RENAMES.items()})
    cols = {h: known[_norm(h)] for h in header if h and _norm(h) in known}
    renamed = sorted(h for h in cols if cols[h] != h)
    origin = "POLECAT header" + (f" (renamed: {', '.join(renamed)})" if renamed else "")
    return ColumnMapping("polecat", cols, origin=origin)


def detect_source_header(
    path: Path, header: list[str], delim: str, *, name: str, forced: str | None
) -> Detected | None:
    """Recognise a UCDP or POLECAT header row; None when it is neither (detection goes on with the others)."""
    normed = {_norm(h) for h in header}
    if UCDP_REQUIRED_NAMES <= normed:
        if forced not in (None, "ucdp_ged", "ucdp_candidate"):
            raise EventsError(f"--format {forced} but the header looks like UCDP GED", file=name)
        fmt = _ucdp_format(name, forced)
        quote = '"' if delim == "," else ""
        return Detected(FORMATS[fmt], header=header, delimiter=delim, quote=quote, notes=["UCDP GED header"])
    if delim == "\t" and POLECAT_REQUIRED_NAMES <= normed:
        if forced not in (None, "polecat"):
            raise EventsError(f"--format {forced} but the header looks like POLECAT", file=name)
        mapping = _polecat_mapping(header)
        # Room for a trailing tab on data rows (see the format's null_padding); what lands there is kept in the
        # native ``extra`` JSON under this name (null for a bare trailing tab).
        cols = [*header[:-1], TRAILING_TAB] if header[-1] == "" else [*header, TRAILING_TAB]
        return Detected(FORMATS["polecat"], header=cols, mapping=mapping, delimiter="\t", notes=[mapping.origin])
    return None
