"""KTAB's Spatial Model of Politics inputs: the CSV table and the XML scenario (``smpSchema.xsd``).

Both put every actor on every dimension, positions on [0, 100] and saliences on [0, 100]; each dimension
becomes one issue with scale [0, 100] and the scenario's ``salience_scale`` is 100 (values kept as written).
KTAB's power/influence/capability becomes the actor's capability. Actor ids are the names as ids.

**CSV** (``SMPModel::csvRead``): row 1 ``scenarioName, description, nActors, nDims`` (KTAB reads only these
four; anything after them is ignored, as KTAB does), row 2 ``Actor, Description, Power, Pos1, Sal1, ...``,
then one row per actor. Fields are trimmed (the files pad numbers with blanks) and trailing empty fields
(trailing commas) are ignored. Row 1's counts must match the header and the rows, and an actor's saliences
must sum to at most 100 (KTAB's "no more than 100% of attention"), else a problem names the line. The power
column's label and the salience columns' labels are kept in ``metadata["ktab"]`` (``power_label``,
``salience_labels``) so that export writes the same header; an issue's name is its position column's label.

**XML** is checked against the semantics of ``smpSchema.xsd`` in Python (no schema library): element order
and presence, the enumerations of ``ModelParameters``, ``capability`` a decimal in [0, 1000], ``dCoord`` and
``dSal`` decimals in [0, 100] and as many of each as there are dimensions, at least three actors, and
``IdealAdjustment`` pairs naming known actors. ``prngSeed`` (kept as text: leading zeros matter to KTAB's log)
must be an unsigned 64-bit integer, because KTAB reads it with ``stoull``. ``metadata["ktab"]`` keeps
``prng_seed``, ``model_parameters`` (element name -> value, when given) and ``ideal_adjustment`` (a list of
``{adjusting, reference, adjust}`` with actor ids) for the SMP model and for export.

**Empty ``<dCoord></dCoord>``** (Alice's first coordinate in ``smpExample.xml``) is rejected as a problem on
its line. The schema makes it invalid (a dCoord is a decimal), and KTAB has no consistent answer: its reader
(``QueryDoubleText`` into a variable initialised to 0.0) would silently use 0, while its own reference run of
that file (``ref-runs/20170530_ref-smpExample.txt``, "Read dimension 0: 52.80") used 52.8, which the file
no longer contains. Guessing either would hide a missing number, so the analyst must write the value meant.

**Export** (both) writes point values and needs every actor on every issue. Because KTAB fixes both ranges,
positions are mapped linearly from each issue's scale onto [0, 100] and saliences from [0, salience_scale]
onto [0, 100] (a scenario read from KTAB is already there and is written unchanged). XML export writes the
kept seed, parameters and adjustments, ``prngSeed`` 0 when the scenario has none, and refuses capabilities
outside the schema's [0, 1000].
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape

from ..model import Scenario
from ..problems import LineMap, Loc, Problem, ScenarioError
from . import ScenarioFormat
from ._common import Collector, csv_rows, export_error, fmt_number, new_lines, scenario_id, stance_table, unique_ids

CSV_NAME = "ktab-csv"
XML_NAME = "ktab-xml"
KTAB_SCALE = 100.0

# --------------------------------------------------------------------------- CSV


def _count(found: Collector, cells: list[str], index: int, line: int, what: str) -> int | None:
    text = cells[index] if index < len(cells) else ""
    value = found.number(text, line, (what,), what)
    if value is None:
        return None
    if value != int(value) or value < 1:
        found.add(line, (what,), f"{what} must be a whole number of at least 1, got {text!r}")
        return None
    return int(value)


def _read_csv(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    found = Collector(name)
    rows = csv_rows(text, name, skipinitialspace=True)
    if len(rows) < 2:
        found.add(1, (), "a KTAB CSV needs row 1 (scenarioName, description, nActors, nDims) and a header row")
        found.raise_if_any()
    (line1, first), (line2, header) = rows[0], rows[1]
    n_actors = _count(found, first, 2, line1, "nActors")
    n_dims = _count(found, first, 3, line1, "nDims")
    found.raise_if_any()
    assert n_actors is not None and n_dims is not None
    width = 3 + 2 * n_dims
    if len(header) != width:
        found.add(
            line2,
            ("issues",),
            f"row 1 says nDims = {n_dims}, so the header needs {width} columns (Actor, Description, Power, then a"
            f" position and a salience per dimension); it has {len(header)}",
        )
        found.raise_if_any()
    body = rows[2:]
    if len(body) != n_actors:
        where = f" (lines {body[0][0]}-{body[-1][0]})" if body else ""
        found.add(
            line1, ("nActors",), f"row 1 says nActors = {n_actors} but the file has {len(body)} actor rows{where}"
        )

    issue_names = [header[3 + 2 * d] for d in range(n_dims)]
    issue_ids = unique_ids(issue_names, "dim")
    actor_ids = unique_ids([cells[0] for _, cells in body], "actor")
    lines: dict[Loc, int] = {(): line1, ("title",): line1, ("description",): line1, ("issues",): line2}
    for d in range(n_dims):
        lines[("issues", d)] = line2
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    for i, ((line, cells), ident) in enumerate(zip(body, actor_ids, strict=True)):
        lines[("actors", i)] = line
        if len(cells) != width:
            found.add(line, ("actors", i), f"expected {width} fields ({', '.join(header)}), found {len(cells)}")
            continue
        power = found.number(cells[2], line, ("actors", i, "capability"), header[2])
        actors.append({"id": ident, "name": cells[0], "description": cells[1], "capability": power})
        total = 0.0
        for d in range(n_dims):
            k = len(stances)
            pos = found.number(cells[3 + 2 * d], line, ("stances", k, "position"), header[3 + 2 * d])
            sal = found.number(cells[4 + 2 * d], line, ("stances", k, "salience"), header[4 + 2 * d])
            stances.append({"actor": ident, "issue": issue_ids[d], "position": pos, "salience": sal})
            lines[("stances", k)] = line
            total += sal or 0.0
        if total > KTAB_SCALE + 1e-9:
            found.add(line, ("actors", i), f"saliences sum to {total:g}; KTAB allows an actor at most 100 in all")
    found.raise_if_any()
    data: dict[str, Any] = {
        "id": scenario_id(name),
        "title": first[0] or Path(name).stem,
        "description": first[1] if len(first) > 1 else "",
        "origin": CSV_NAME,
        "salience_scale": KTAB_SCALE,
        "actors": actors,
        "issues": [
            {"id": ident, "name": label, "scale": {"low": 0.0, "high": KTAB_SCALE}}
            for ident, label in zip(issue_ids, issue_names, strict=True)
        ],
        "stances": stances,
        "metadata": {"ktab": {"power_label": header[2], "salience_labels": [header[4 + 2 * d] for d in range(n_dims)]}},
    }
    return data, new_lines(lines)


def _to_ktab(scenario: Scenario, fmt: str) -> dict[tuple[str, str], tuple[float, float]]:
    """Positions mapped linearly from each issue's scale onto KTAB's [0, 100], saliences onto [0, 100].

    KTAB's formats define both ranges, so a scenario on other scales is converted on export (a scenario read
    from KTAB is already on them and is written unchanged).
    """
    table = stance_table(scenario, fmt)
    out = {}
    for issue in scenario.issues:
        low, high = issue.scale.low, issue.scale.high
        for actor in scenario.actors:
            pos, sal = table[(actor.id, issue.id)]
            if (low, high) != (0.0, KTAB_SCALE):
                pos = (pos - low) / (high - low) * KTAB_SCALE
            if scenario.salience_scale != KTAB_SCALE:
                sal = sal / scenario.salience_scale * KTAB_SCALE
            out[(actor.id, issue.id)] = (pos, sal)
    return out


def _write_csv(scenario: Scenario) -> str:
    table = _to_ktab(scenario, CSV_NAME)
    meta = scenario.metadata.get("ktab", {})
    meta = meta if isinstance(meta, dict) else {}
    power_label = str(meta.get("power_label", "Power"))
    labels = meta.get("salience_labels")
    if not isinstance(labels, list) or len(labels) != len(scenario.issues):
        labels = [f"{issue.name} Salience" for issue in scenario.issues]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([scenario.title, scenario.description, len(scenario.actors), len(scenario.issues)])
    header = ["Actor", "Description", power_label]
    for issue, label in zip(scenario.issues, labels, strict=True):
        header += [issue.name, str(label)]
    writer.writerow(header)
    for actor in scenario.actors:
        row = [actor.name, actor.description, fmt_number(actor.capability.value)]
        for issue in scenario.issues:
            pos, sal = table[(actor.id, issue.id)]
            row += [fmt_number(pos), fmt_number(sal)]
        writer.writerow(row)
    return out.getvalue()


def _sniff_csv(text: str) -> bool:
    try:
        rows = csv_rows("\n".join(text.split("\n", 4)[:4]), "", skipinitialspace=True)
    except ScenarioError:
        return False
    return len(rows) >= 2 and [c.lower() for c in rows[1][1][:2]] == ["actor", "description"]


CSV_FORMAT = ScenarioFormat(
    name=CSV_NAME,
    description="KTAB SMP CSV (scenario row, Actor,Description,Power,Pos1,Sal1,...)",
    suffixes=(".csv",),
    sniff=_sniff_csv,
    read=_read_csv,
    write=_write_csv,
)

# --------------------------------------------------------------------------- XML

MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
    "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
    "StateTransitions": ("Deterministic", "Stochastic"),
    "VotingRule": ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp"),
    "BigRAdjust": ("Full", "TwoThirds", "Half", "OneThird", "No"),
    "BigRRange": ("Min", "Mid", "Max"),
    "ThirdPartyCommit": ("NoCommit", "SemiCommit", "FullCommit"),
    "InterVecBrgn": ("S1P1", "S2P2", "S2PMax"),
    "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
}
SCENARIO_CHILDREN = ("name", "desc", "prngSeed", "ModelParameters", "Dimensions", "Actors", "IdealAdjustment")
ACTOR_CHILDREN = ("name", "description", "capability", "Position", "Salience")
PAIR_CHILDREN = ("adjustingIdeal", "referencePos", "adjust")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")  # xs:decimal: no exponent, no inf/nan
MAX_SEED = 2**64 - 1


@dataclass
class Node:
    tag: str
    line: int
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def first(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)


def _parse_xml(text: str, name: str) -> Node:
    """A small element tree with the line of every element, from expat (the stdlib parser that gives lines)."""
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root = Node("", 0)
    stack = [root]

    def start(tag: str, _attrs: dict[str, str]) -> None:
        node = Node(tag, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        stack[-1].text += data

    def doctype(*_args: Any) -> None:
        raise ScenarioError([Problem(name, parser.CurrentLineNumber, (), "DOCTYPE declarations are not allowed")])

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        raise ScenarioError([Problem(name, exc.lineno, (), f"not well-formed XML: {message}")]) from None
    return root.children[0]


class _XmlReader:
    def __init__(self, name: str):
        self.found = Collector(name)
        self.lines: dict[Loc, int] = {}

    def children(self, node: Node, allowed: tuple[str, ...], required: tuple[str, ...], loc: Loc) -> None:
        """Check the children against an xs:sequence: known, in order, required ones present.

        A sequence of one element type (dName, dCoord, Actor, ...) repeats it; in the others each comes once.
        """
        last = -1
        repeats = len(allowed) == 1
        for child in node.children:
            if child.tag not in allowed:
                self.found.add(child.line, loc, f"unknown element <{child.tag}> in <{node.tag}>")
                continue
            index = allowed.index(child.tag)
            if index == last and not repeats:
                self.found.add(child.line, loc, f"<{child.tag}> is given twice in <{node.tag}>")
            elif index < last:
                self.found.add(child.line, loc, f"<{child.tag}> must come before <{allowed[last]}> in <{node.tag}>")
            last = max(last, index)
        for tag in required:
            if node.first(tag) is None:
                self.found.add(node.line, loc, f"<{node.tag}> needs a <{tag}>")

    def decimal(self, node: Node | None, loc: Loc, low: float | None, high: float | None) -> float | None:
        if node is None:
            return None
        text = node.text.strip()
        if not text:
            self.found.add(node.line, loc, f"<{node.tag}> is empty; the schema needs a decimal number here")
            return None
        if not DECIMAL.match(text):
            self.found.add(node.line, loc, f"<{node.tag}> must be a decimal number, got {text!r}")
            return None
        value = float(text)
        if (low is not None and value < low) or (high is not None and value > high):
            self.found.add(node.line, loc, f"<{node.tag}> {value:g} is outside [{low:g}, {high:g}]")
        return value

    def text(self, node: Node | None) -> str:
        return node.text.strip() if node is not None else ""

    def read(self, root: Node, name: str) -> dict[str, Any]:
        found = self.found
        if root.tag != "Scenario":
            found.add(root.line, (), f"the root element must be <Scenario>, not <{root.tag}>")
            found.raise_if_any()
        self.lines[()] = root.line
        self.children(root, SCENARIO_CHILDREN, ("name", "desc", "prngSeed", "Dimensions", "Actors"), ())
        ktab: dict[str, Any] = {}
        seed_el = root.first("prngSeed")
        if seed_el is not None:
            seed = seed_el.text.strip()
            self.lines[("metadata", "ktab", "prng_seed")] = seed_el.line
            if not seed.isdigit() or int(seed) > MAX_SEED:
                found.add(
                    seed_el.line,
                    ("metadata", "ktab", "prng_seed"),
                    f"prngSeed must be an unsigned 64-bit integer, got {seed!r}",
                )
            ktab["prng_seed"] = seed
        params = root.first("ModelParameters")
        if params is not None:
            ktab["model_parameters"] = self.model_parameters(params)
        issues = self.dimensions(root.first("Dimensions"))
        actors, stances = self.actors(root.first("Actors"), [i["id"] for i in issues])
        adjust = root.first("IdealAdjustment")
        if adjust is not None:
            ktab["ideal_adjustment"] = self.ideal_adjustment(adjust, actors)
        for tag, key in (("name", "title"), ("desc", "description")):
            el = root.first(tag)
            if el is not None:
                self.lines[(key,)] = el.line
        found.raise_if_any()
        return {
            "id": scenario_id(name),
            "title": self.text(root.first("name")) or Path(name).stem,
            "description": self.text(root.first("desc")),
            "origin": XML_NAME,
            "salience_scale": KTAB_SCALE,
            "actors": actors,
            "issues": issues,
            "stances": stances,
            "metadata": {"ktab": ktab},
        }

    def model_parameters(self, params: Node) -> dict[str, str]:
        loc: Loc = ("metadata", "ktab", "model_parameters")
        self.children(params, tuple(MODEL_PARAMETERS), tuple(MODEL_PARAMETERS), loc)
        out: dict[str, str] = {}
        for tag, allowed in MODEL_PARAMETERS.items():
            el = params.first(tag)
            if el is None:
                continue
            value = el.text.strip()
            if value not in allowed:
                self.found.add(el.line, (*loc, tag), f"{tag} must be one of {', '.join(allowed)}; got {value!r}")
            out[tag] = value
        return out

    def dimensions(self, dims: Node | None) -> list[dict[str, Any]]:
        if dims is None:
            return []
        self.children(dims, ("dName",), ("dName",), ("issues",))
        names = [el.text.strip() for el in dims.all("dName")]
        ids = unique_ids(names, "dim")
        issues = []
        for k, (el, ident, label) in enumerate(zip(dims.all("dName"), ids, names, strict=True)):
            self.lines[("issues", k)] = el.line
            issues.append({"id": ident, "name": label or ident, "scale": {"low": 0.0, "high": KTAB_SCALE}})
        return issues

    def actors(self, actors_el: Node | None, issue_ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if actors_el is None:
            return [], []
        self.children(actors_el, ("Actor",), (), ("actors",))
        elements = actors_el.all("Actor")
        if len(elements) < 3:
            self.found.add(actors_el.line, ("actors",), f"the schema needs at least 3 actors, found {len(elements)}")
        ids = unique_ids([self.text(el.first("name")) for el in elements], "actor")
        actors: list[dict[str, Any]] = []
        stances: list[dict[str, Any]] = []
        for i, (el, ident) in enumerate(zip(elements, ids, strict=True)):
            loc: Loc = ("actors", i)
            self.lines[loc] = el.line
            self.children(el, ACTOR_CHILDREN, ACTOR_CHILDREN, loc)
            name_el = el.first("name")
            if name_el is not None and not name_el.text.strip():
                self.found.add(name_el.line, (*loc, "name"), "the actor's <name> is empty")
            cap_el = el.first("capability")
            if cap_el is not None:
                self.lines[(*loc, "capability")] = cap_el.line
            cap = self.decimal(cap_el, (*loc, "capability"), 0.0, 1000.0)
            actors.append(
                {
                    "id": ident,
                    "name": self.text(name_el),
                    "description": self.text(el.first("description")),
                    "capability": cap,
                }
            )
            coords = self.vector(el.first("Position"), "dCoord", len(issue_ids), loc)
            sals = self.vector(el.first("Salience"), "dSal", len(issue_ids), loc)
            for d, issue in enumerate(issue_ids):
                k = len(stances)
                self.lines[("stances", k)] = el.line
                stance: dict[str, Any] = {"actor": ident, "issue": issue}
                for field_name, items in (("position", coords), ("salience", sals)):
                    if d < len(items):
                        self.lines[("stances", k, field_name)] = items[d].line
                        stance[field_name] = self.decimal(items[d], ("stances", k, field_name), 0.0, KTAB_SCALE)
                stances.append(stance)
        return actors, stances

    def vector(self, el: Node | None, tag: str, n_dims: int, loc: Loc) -> list[Node]:
        if el is None:
            return []
        self.children(el, (tag,), (tag,), loc)
        items = el.all(tag)
        if len(items) != n_dims:
            self.found.add(el.line, loc, f"<{el.tag}> has {len(items)} <{tag}> but there are {n_dims} dimensions")
        return items

    def ideal_adjustment(self, el: Node, actors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        loc: Loc = ("metadata", "ktab", "ideal_adjustment")
        self.children(el, ("iaPair",), ("iaPair",), loc)
        by_name = {a["name"]: a["id"] for a in actors}
        pairs = []
        for k, pair in enumerate(el.all("iaPair")):
            self.children(pair, PAIR_CHILDREN, PAIR_CHILDREN, (*loc, k))
            ends = []
            for tag in ("adjustingIdeal", "referencePos"):
                end = pair.first(tag)
                who = self.text(end)
                if end is not None and who not in by_name:
                    self.found.add(end.line, (*loc, k), f"<{tag}> names unknown actor {who!r}")
                ends.append(by_name.get(who, who))
            value = self.decimal(pair.first("adjust"), (*loc, k, "adjust"), None, None)
            pairs.append({"adjusting": ends[0], "reference": ends[1], "adjust": value})
        return pairs


def _read_xml(text: str, name: str) -> tuple[dict[str, Any], LineMap]:
    reader = _XmlReader(name)
    data = reader.read(_parse_xml(text, name), name)
    return data, new_lines(reader.lines)


def _write_xml(scenario: Scenario) -> str:
    table = _to_ktab(scenario, XML_NAME)
    for actor in scenario.actors:
        if not 0.0 <= actor.capability.value <= 1000.0:
            raise export_error(
                scenario,
                XML_NAME,
                ("actors",),
                f"KTAB XML capabilities are in [0, 1000]; {actor.id!r} has {actor.capability.value:g}",
            )
    meta = scenario.metadata.get("ktab", {})
    meta = meta if isinstance(meta, dict) else {}
    names = {a.id: a.name for a in scenario.actors}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Scenario xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:noNamespaceSchemaLocation="smpSchema.xsd">',
    ]
    out.append(f"  <name>{escape(scenario.title)}</name>")
    out.append(f"  <desc>{escape(scenario.description)}</desc>")
    out.append(f"  <prngSeed>{escape(str(meta.get('prng_seed', '0')))}</prngSeed>")
    params = meta.get("model_parameters")
    if isinstance(params, dict) and params:
        out.append("  <ModelParameters>")
        out += [f"    <{tag}>{escape(str(params[tag]))}</{tag}>" for tag in MODEL_PARAMETERS if tag in params]
        out.append("  </ModelParameters>")
    out.append("  <Dimensions>")
    out += [f"    <dName>{escape(issue.name)}</dName>" for issue in scenario.issues]
    out.append("  </Dimensions>")
    out.append("  <Actors>")
    for actor in scenario.actors:
        out += [
            "    <Actor>",
            f"      <name>{escape(actor.name)}</name>",
            f"      <description>{escape(actor.description)}</description>",
            f"      <capability>{_decimal(actor.capability.value)}</capability>",
            "      <Position>",
            *[f"        <dCoord>{_decimal(table[(actor.id, i.id)][0])}</dCoord>" for i in scenario.issues],
            "      </Position>",
            "      <Salience>",
            *[f"        <dSal>{_decimal(table[(actor.id, i.id)][1])}</dSal>" for i in scenario.issues],
            "      </Salience>",
            "    </Actor>",
        ]
    out.append("  </Actors>")
    pairs = meta.get("ideal_adjustment")
    if isinstance(pairs, list) and pairs:
        out.append("  <IdealAdjustment>")
        for pair in pairs:
            adjusting = names.get(pair["adjusting"], str(pair["adjusting"]))
            reference = names.get(pair["reference"], str(pair["reference"]))
            out += [
                "    <iaPair>",
                f"      <adjustingIdeal>{escape(adjusting)}</adjustingIdeal>",
                f"      <referencePos>{escape(reference)}</referencePos>",
                f"      <adjust>{_decimal(float(pair['adjust']))}</adjust>",
                "    </iaPair>",
            ]
        out.append("  </IdealAdjustment>")
    out.append("</Scenario>")
    return "\n".join(out) + "\n"


def _decimal(value: float) -> str:
    """xs:decimal has no exponent: 1e-05 is written 0.00001 (exactly the same float when read back)."""
    text = fmt_number(value)
    if "e" in text or "E" in text:
        text = format(Decimal(repr(float(value))), "f")
    return text


def _sniff_xml(text: str) -> bool:
    head = text.lstrip("\ufeff \t\n")[:1000]
    return head.startswith("<") and "<Scenario" in head


XML_FORMAT = ScenarioFormat(
    name=XML_NAME,
    description="KTAB SMP XML scenario (smpSchema.xsd)",
    suffixes=(".xml",),
    sniff=_sniff_xml,
    read=_read_xml,
    write=_write_xml,
)
