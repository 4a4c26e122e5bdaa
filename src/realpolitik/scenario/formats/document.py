"""The native scenario document: YAML (primary) or JSON, the fields of :class:`Scenario` one to one."""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import Scenario
from ..problems import LineMap
from ..yamlio import dump_yaml, parse_document
from . import ScenarioFormat


def to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data for a scenario, leaving out what equals the defaults so the file stays readable.

    Always written as schema version 2 (every version-1 document is a valid version-2 document)."""
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_defaults=True)
    data.pop("schema_version", None)
    data = {"schema_version": 2, **data}
    data.setdefault("id", scenario.id)
    data.setdefault("title", scenario.title)
    return data


def _read_yaml(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    return parse_document(text, name)  # shape is checked by build_scenario


def _read_json(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    return parse_document(text, name, is_json=True)


def _sniff_json(text: str) -> bool:
    return text.lstrip().startswith("{")


_DECIDE_LINE = re.compile(r"^'?#[APMDO/0]['\t ;,]")


def _sniff_yaml(text: str) -> bool:
    head = text.lstrip()
    if _DECIDE_LINE.match(head):  # a Decide file's first record, not a YAML comment
        return False
    return head.startswith(("---", "id:", "title:", "schema_version:", "actors:", "#"))


YAML = ScenarioFormat(
    name="yaml",
    description="realpolitik scenario document (YAML)",
    suffixes=(".yaml", ".yml"),
    sniff=_sniff_yaml,
    read=_read_yaml,
    write=lambda s: dump_yaml(to_data(s)),
)
JSON = ScenarioFormat(
    name="json",
    description="realpolitik scenario document (JSON)",
    suffixes=(".json",),
    sniff=_sniff_json,
    read=_read_json,
    write=lambda s: json.dumps(to_data(s), indent=2, ensure_ascii=False) + "\n",
)
