"""One entry point for every scenario: a path in any supported format, or the name of a built-in scenario."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .formats import ScenarioFormat, all_formats
from .limits import MAX_SCENARIO_BYTES
from .model import Scenario
from .problems import Problem, ScenarioError
from .textfile import decode_text, read_bytes_bounded, too_large
from .validate import build_scenario

BUILTIN_PACKAGE = "realpolitik.scenario.builtin"


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from (for manifests and messages)."""

    scenario: Scenario
    source: str
    format: str
    sha256: str


def builtin_names() -> list[str]:
    files = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name.removesuffix(".yaml") for p in files.iterdir() if p.name.endswith(".yaml"))


def _builtin_bytes(name: str) -> bytes | None:
    if name not in builtin_names():
        return None
    return (resources.files(BUILTIN_PACKAGE) / f"{name}.yaml").read_bytes()


def detect_format(path_name: str, text: str) -> ScenarioFormat | None:
    formats = all_formats()
    suffix = Path(path_name).suffix.lower()
    by_suffix = [f for f in formats.values() if suffix in f.suffixes]
    if len(by_suffix) == 1:
        return by_suffix[0]
    for fmt in by_suffix or list(formats.values()):
        if fmt.sniff(text):
            return fmt
    return None


def load(source: str | Path, *, format: str | None = None) -> LoadedScenario:
    """Load and validate a scenario; raises :class:`ScenarioError` listing every problem with its line.

    Only a regular file of at most :data:`~realpolitik.scenario.limits.MAX_SCENARIO_BYTES` is read (see
    :func:`~realpolitik.scenario.textfile.read_bytes_bounded`)."""
    name = str(source)
    data = _builtin_bytes(name) if isinstance(source, str) and not Path(source).exists() else None
    display = f"{name}.yaml" if data is not None else name
    if data is None:
        hint = f" (built-in scenarios: {', '.join(builtin_names())})"
        data = read_bytes_bounded(Path(source), display=name, missing="no such file or built-in scenario" + hint)
    return load_bytes(data, display, format=format)


def load_bytes(data: bytes, name: str, *, format: str | None = None) -> LoadedScenario:
    """Validate a scenario given as bytes (an upload, a built-in); ``name`` is shown in problems and, by its
    suffix, helps tell the format. Bytes over ``MAX_SCENARIO_BYTES`` are refused before they are decoded."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise too_large(name, len(data))
    text = decode_text(data, name)
    if format is not None:
        formats = all_formats()
        if format not in formats:
            raise ScenarioError([Problem(name, None, (), f"unknown format {format!r} (known: {', '.join(formats)})")])
        fmt = formats[format]
    else:
        detected = detect_format(name, text)
        if detected is None:
            raise ScenarioError(
                [
                    Problem(
                        name,
                        1,
                        (),
                        "cannot tell the file's format; name it with --format " + "|".join(all_formats()),
                    )
                ]
            )
        fmt = detected
    raw, lines = fmt.read(text, name)
    scenario = build_scenario(raw, lines, name)
    return LoadedScenario(scenario, name, fmt.name, hashlib.sha256(data).hexdigest())


def load_scenario(source: str | Path, *, format: str | None = None) -> Scenario:
    """Shorthand for ``load(...).scenario``."""
    return load(source, format=format).scenario


def dump(scenario: Scenario, format: str = "yaml") -> str:
    """The scenario as text in the named format (see :func:`all_formats`)."""
    formats = all_formats()
    if format not in formats:
        raise ValueError(f"unknown format {format!r} (known: {', '.join(formats)})")
    return formats[format].write(scenario)
