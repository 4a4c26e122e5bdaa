"""Reading a user's file as text, with the problems a person can fix named precisely.

Empty files, non-UTF-8 bytes and unreadable paths become :class:`Problem` s, never tracebacks. Reading is
bounded: only regular files are read (a device such as ``/dev/zero`` never ends, a FIFO blocks until someone
writes to it), and a file over :data:`~realpolitik.scenario.limits.MAX_SCENARIO_BYTES` is refused from its size,
before any of it is read.
"""

from __future__ import annotations

from pathlib import Path

from ..regularfile import FileRefusedError, read_regular
from .limits import MAX_SCENARIO_BYTES
from .problems import Problem, ScenarioError


def too_large(name: str, size: int, limit: int = MAX_SCENARIO_BYTES) -> ScenarioError:
    message = f"{size:,} bytes is over the limit of {limit:,} bytes for a scenario file (MAX_SCENARIO_BYTES)"
    return ScenarioError([Problem(name, None, (), message)])


def read_bytes_bounded(
    path: Path,
    *,
    display: str | None = None,
    limit: int = MAX_SCENARIO_BYTES,
    missing: str = "no such file or built-in scenario",
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (:func:`realpolitik.regularfile.read_regular`);
    anything else is a :class:`ScenarioError` naming the file."""
    name = display or str(path)
    try:
        return read_regular(path, limit=limit)
    except FileRefusedError as refused:
        if refused.reason == "too_large":
            raise too_large(name, refused.size, limit) from None
        special = f"is {refused.detail}, not a regular file" if refused.detail else "is not a regular file"
        message = {
            "missing": missing,
            "directory": "is a directory, not a scenario file",
            "special": f"{special}; give a scenario file",
            "unreadable": f"cannot read file: {refused.detail}",
        }[refused.reason]
        raise ScenarioError([Problem(name, None, (), message)]) from None


def read_text(path: Path, *, display: str | None = None) -> str:
    """Return the file's text (UTF-8, BOM removed, any line endings normalised to ``\\n``)."""
    name = display or str(path)
    return decode_text(read_bytes_bounded(path, display=name), name)


def decode_text(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError([Problem(name, 1, (), "file starts with a UTF-16 mark but is not UTF-16")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + data[: exc.start].count(b"\r") - data[: exc.start].count(b"\r\n") + 1
        byte = data[exc.start]
        raise ScenarioError(
            [Problem(name, line, (), f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8")]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ScenarioError([Problem(name, line, (), "file contains NUL bytes: is it a binary file?")])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ScenarioError([Problem(name, None, (), "file is empty")])
    return text
