"""Property tests: no document, however broken, produces anything but a valid scenario or located problems."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.scenario import ScenarioError, load
from realpolitik.scenario.textfile import decode_text
from realpolitik.scenario.validate import build_scenario
from realpolitik.scenario.yamlio import parse_document
from tests.test_scenario_validation import GOOD

BASE: dict[str, Any] = yaml.safe_load(GOOD)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths(v, (*prefix, i))
    return out


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        candidates = [p for p in paths(doc) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(json_values)
        else:
            parent.append(draw(json_values))
    return doc


def assert_located(exc: ScenarioError, text: str) -> None:
    n_lines = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text))  # YAML's own line breaks
    assert exc.problems
    for p in exc.problems:
        assert p.line is None or 1 <= p.line <= n_lines, str(p)
        assert "\n" not in str(p) and "Traceback" not in str(p)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_give_a_scenario_or_located_problems(doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    try:
        data, lines = parse_document(text, "doc.yaml")
        build_scenario(data, lines, "doc.yaml")
    except ScenarioError as exc:
        assert_located(exc, text)
        assert all(p.line is not None for p in exc.problems), [str(p) for p in exc.problems]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    try:
        text = decode_text(data, "blob.yaml")
        parsed, lines = parse_document(text, "blob.yaml")
        build_scenario(parsed, lines, "blob.yaml")
    except ScenarioError as exc:
        for p in exc.problems:
            assert "\n" not in str(p)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        parsed, lines = parse_document(text, "t.yaml")
        build_scenario(parsed, lines, "t.yaml")
    except ScenarioError as exc:
        assert_located(exc, text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=mutated_documents(), suffix=st.sampled_from([".yaml", ".json", ".csv", ".xml", ".txt"]))
def test_load_through_format_detection(tmp_path: Path, doc: dict[str, Any], suffix: str) -> None:
    """Whatever the file's suffix claims, the loaders answer with a scenario or located problems."""
    path = tmp_path / f"doc{suffix}"
    text = yaml.safe_dump(doc, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    try:
        load(path)
    except ScenarioError as exc:
        for p in exc.problems:
            assert "\n" not in str(p)


community_text = st.lists(
    st.lists(
        st.one_of(
            st.text(alphabet="abcXY #'\"<>/=.-_0123456789", max_size=6),
            st.sampled_from(["#A", "'#D'", "Actor", "Position", "Salience", "Capability", "<Actor>", "1e309", "nan"]),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
        ),
        max_size=7,
    ).map(lambda cells: st.sampled_from([",", "\t", ";"]).example().join(cells) if False else ",".join(cells)),
    max_size=8,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(text=community_text, fmt=st.sampled_from(["bdm-csv", "ktab-csv", "ktab-xml", "decide"]))
def test_community_readers_answer_with_a_scenario_or_located_problems(text: str, fmt: str) -> None:
    from realpolitik.scenario.formats import all_formats

    reader = all_formats()[fmt]
    try:
        data, lines = reader.read(text, "f.txt")
        build_scenario(data, lines, "f.txt")
    except ScenarioError as exc:
        for p in exc.problems:
            assert "\n" not in str(p)
            assert p.line is None or p.line >= 1
