"""One entry point for every scenario: a path in any supported format, or the name of a built-in scenario."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .formats import ScenarioFormat, all_formats
from .model import Scenario
from .problems import Problem, ScenarioError
from .textfile import decode_text
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
    """Load and validate a scenario; raises :class:`ScenarioError` listing every problem with its line."""
    name = str(source)
    data = _builtin_bytes(name) if isinstance(source, str) and not Path(source).exists() else None
    display = f"{name}.yaml" if data is not None else name
    if data is None:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            hint = f" (built-in scenarios: {', '.join(builtin_names())})"
            raise ScenarioError([Problem(name, None, (), "no such file or built-in scenario" + hint)]) from None
        except IsADirectoryError:
            raise ScenarioError([Problem(name, None, (), "is a directory, not a scenario file")]) from None
        except OSError as exc:
            raise ScenarioError([Problem(name, None, (), f"cannot read file: {exc.strerror}")]) from None
    text = decode_text(data, display)
    if format is not None:
        formats = all_formats()
        if format not in formats:
            raise ScenarioError(
                [Problem(display, None, (), f"unknown format {format!r} (known: {', '.join(formats)})")]
            )
        fmt = formats[format]
    else:
        detected = detect_format(display if data is not None else name, text)
        if detected is None:
            raise ScenarioError(
                [
                    Problem(
                        display,
                        1,
                        (),
                        "cannot tell the file's format; name it with --format " + "|".join(all_formats()),
                    )
                ]
            )
        fmt = detected
    raw, lines = fmt.read(text, display)
    scenario = build_scenario(raw, lines, display)
    return LoadedScenario(scenario, display, fmt.name, hashlib.sha256(data).hexdigest())


def load_scenario(source: str | Path, *, format: str | None = None) -> Scenario:
    """Shorthand for ``load(...).scenario``."""
    return load(source, format=format).scenario


def dump(scenario: Scenario, format: str = "yaml") -> str:
    """The scenario as text in the named format (see :func:`all_formats`)."""
    formats = all_formats()
    if format not in formats:
        raise ValueError(f"unknown format {format!r} (known: {', '.join(formats)})")
    return formats[format].write(scenario)
