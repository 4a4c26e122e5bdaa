"""Scenario validation: every kind of bad input named by file, line and field, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from realpolitik.scenario import ScenarioError, load

GOOD = """\
id: toy
title: Toy scenario
actors:
  - id: a
    name: Actor A
    capability: 1
  - id: b
    name: Actor B
    capability: {value: 2, low: 1, high: 3}
issues:
  - id: x
    name: Issue X
    scale: {low: 0, high: 100, anchors: [{value: 0, label: none}, {value: 100, label: all}]}
    status_quo: 20
stances:
  - {actor: a, issue: x, position: 10, salience: 0.5}
  - {actor: b, issue: x, position: 90, salience: {value: 0.8, low: 0.6, high: 1.0}}
channels:
  default: 1
  links:
    - between: [a, b]
      strength: 0.4
interventions:
  - id: talk
    changes:
      - {target: channel.a.b, op: open}
      - {target: a.x.salience, op: add, value: 0.1}
strategies:
  - {id: status_quo, interventions: []}
  - {id: engage, interventions: [talk]}
"""


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load(path)
    return [str(p) for p in info.value.problems]


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_good_document_loads(tmp_path: Path) -> None:
    s = load(write(tmp_path, GOOD)).scenario
    assert [a.id for a in s.actors] == ["a", "b"]
    assert s.actor("b").capability.low == 1
    assert s.channels.links[0].strength.value == 0.4
    assert s.strategy("engage").interventions == ["talk"]


def test_json_is_accepted_and_equal(tmp_path: Path) -> None:
    data = yaml.safe_load(GOOD)
    from_json = load(write(tmp_path, json.dumps(data, indent=1), "s.json")).scenario
    assert from_json == load(write(tmp_path, GOOD)).scenario


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("issue: x, position: 10", "issue: y, position: 10", 16, "stances[0].issue", "unknown issue 'y'"),
        ("{actor: a, issue", "{actor: q, issue", 16, "stances[0].actor", "unknown actor 'q'"),
        ("position: 10,", "position: 120,", 16, "stances[0].position", "outside [0, 100]"),
        ("salience: 0.5}", "salience: 1.5}", 16, "stances[0].salience", "outside [0, 1]"),
        ("    capability: 1\n", "    capability: -1\n", 6, "actors[0].capability", "outside [0, inf]"),
        ("low: 1, high: 3", "low: 3, high: 1", 9, "actors[1].capability", "low (3) > high (1)"),
        ("  - id: b\n", "  - id: a\n", 7, "actors[1].id", "duplicate id 'a'"),
        ("between: [a, b]", "between: [a, zed]", 21, "channels.links[0].between[1]", "unknown actor 'zed'"),
        ("target: a.x.salience", "target: a.x.colour", 27, "interventions[0].changes[1].target", "target must be"),
        ("target: a.x.salience", "target: a.nope.salience", 27, "interventions[0].changes[1].target", "unknown issue"),
        (
            "interventions: [talk]",
            "interventions: [shout]",
            30,
            "strategies[1].interventions[0]",
            "unknown intervention",
        ),
        ("strength: 0.4", "strength: 1.4", 22, "channels.links[0].strength", "outside [0, 1]"),
        ("    status_quo: 20\n", "    status_quo: 200\n", 14, "issues[0].status_quo", "outside [0, 100]"),
        ("    name: Actor A\n", "    name: Actor A\n    colour: red\n", 6, "actors[0].colour", "unknown field"),
        ("  - id: a\n    name: Actor A\n", "  - id: a\n", 4, "actors[0].name", "required"),
        ("op: open}", "op: align}", 26, "interventions[0].changes[0].op", "does not apply"),
    ],
)
def test_each_problem_names_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, replace_line(GOOD, old, new))
    found = problems(path)
    assert any(p.startswith(f"{path}:{line}: {field}: ") and message in p for p in found), found


def test_all_problems_reported_not_just_the_first(tmp_path: Path) -> None:
    text = replace_line(GOOD, "{actor: a, issue", "{actor: q, issue")
    text = replace_line(text, "interventions: [talk]", "interventions: [shout]")
    assert len(problems(write(tmp_path, text))) == 2


def test_malformed_yaml_names_its_line(tmp_path: Path) -> None:
    text = replace_line(GOOD, "    status_quo: 20\n", "    status_quo: [20\n")
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "malformed YAML" in found[0]
    line = int(found[0].split(":")[1])
    assert 14 <= line <= 16


def test_duplicate_yaml_keys_are_caught(tmp_path: Path) -> None:
    text = replace_line(GOOD, "    capability: 1\n", "    capability: 1\n    capability: 5\n")
    found = problems(write(tmp_path, text))
    assert found == [f"{tmp_path / 's.yaml'}:7: actors[0].capability: duplicate key (first given on line 6)"]


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, '{\n  "id": "x",\n  "title": \n}\n', "s.json"))
    assert found[0].startswith(f"{tmp_path / 's.json'}:4: (document): malformed JSON")


def test_wrong_encoding_names_its_line(tmp_path: Path) -> None:
    data = GOOD.replace("Actor B", "Acteur \u00e9").encode("latin-1")
    found = problems(write(tmp_path, data))
    assert found == [f"{tmp_path / 's.yaml'}:8: (document): not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_utf8_with_bom_and_crlf_is_fine(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    assert load(write(tmp_path, data)).scenario.id == "toy"


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_files(tmp_path: Path, text: str) -> None:
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "file is empty" in found[0]


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "- a\n- b\n"))
    assert "expected a mapping" in found[0]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in problems(tmp_path / "absent.yaml")[0]
    assert "is a directory" in problems(tmp_path)[0]


def test_salience_on_a_declared_scale(tmp_path: Path) -> None:
    text = "salience_scale: 100\n" + GOOD.replace("salience: 0.5}", "salience: 50}").replace(
        "{value: 0.8, low: 0.6, high: 1.0}", "80"
    )
    s = load(write(tmp_path, text)).scenario
    assert s.salience_scale == 100
    assert "outside [0, 100]" in problems(write(tmp_path, text.replace("salience: 50}", "salience: 150}")))[0]


def test_unknown_source_reference(tmp_path: Path) -> None:
    text = GOOD.replace("title: Toy scenario\n", "title: Toy scenario\nbibliography:\n  - {id: src1, title: A}\n")
    text = text.replace("    capability: 1\n", "    capability: 1\n    sources: [src1, src2]\n")
    found = problems(write(tmp_path, text))
    assert found == [f"{tmp_path / 's.yaml'}:9: actors[0].sources[1]: unknown source 'src2'"]


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "id: !!python/object/apply:os.system ['echo hi']\ntitle: x\n"))
    assert "malformed YAML" in found[0]


def test_targets_short_and_long_forms(tmp_path: Path) -> None:
    text = GOOD + 'targets:\n  - "x>=50"\n  - {issue: x, op: "<=", value: 90, rationale: why}\n'
    s = load(write(tmp_path, text)).scenario
    assert [str(t) for t in s.targets] == ["x>=50", "x<=90"]
    path = write(tmp_path, GOOD + 'targets:\n  - "y>=50"\n  - "x>=500"\n')
    assert problems(path) == [
        f"{path}:32: targets[0].issue: unknown issue 'y'",
        f"{path}:33: targets[1].value: target 500 is outside [0, 100]",
    ]
    path = write(tmp_path, GOOD + 'targets:\n  - "x=5"\n')
    assert problems(path) == [f"{path}:32: targets[0]: goal 'x=5' is not 'ISSUE>=NUMBER' or 'ISSUE<=NUMBER'"]


def test_reference_problems_are_listed_beside_field_problems(tmp_path: Path) -> None:
    text = replace_line(GOOD, "salience: 0.5}", "salience: high}")
    text = replace_line(text, "{actor: b, issue: x", "{actor: bb, issue: x")
    text = replace_line(text, "interventions: [talk]", "interventions: [tlak]")
    found = problems(write(tmp_path, text))
    assert any(p.startswith(f"{tmp_path / 's.yaml'}:16: stances[0].salience:") for p in found), found
    assert any(p.endswith(":17: stances[1].actor: unknown actor 'bb'") for p in found), found
    assert any(p.endswith(":30: strategies[1].interventions[0]: unknown intervention 'tlak'") for p in found), found
    assert len(found) == 3, found


def test_an_element_with_its_own_problem_is_not_also_unknown(tmp_path: Path) -> None:
    # actor a's capability is malformed; the stance, link and intervention that name a must not add "unknown actor"
    found = problems(write(tmp_path, replace_line(GOOD, "    capability: 1\n", "    capability: lots\n")))
    assert len(found) == 1 and ":6: actors[0].capability:" in found[0], found


def test_salvaged_problems_keep_the_document_indices(tmp_path: Path) -> None:
    # stances[0] is malformed and left out of the second pass; the duplicate is still stances[2] of stances[1]
    text = replace_line(GOOD, "  - {actor: a, issue: x, position: 10, salience: 0.5}\n", "  - {actor: a, issue: x}\n")
    text = replace_line(
        text,
        "  - {actor: b, issue: x, position: 90,",
        "  - {actor: a, issue: x, position: 5, salience: 1}\n  - {actor: a, issue: x, position: 90,",
    )
    found = problems(write(tmp_path, text))
    assert any("stances[2]: second stance of 'a' on 'x' (first: stances[1])" in p for p in found), found
    assert any("stances[0].position: required field is missing" in p for p in found), found
