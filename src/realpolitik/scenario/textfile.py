"""Reading a user's file as text, with the problems a person can fix named precisely.

Empty files, non-UTF-8 bytes and unreadable paths become :class:`Problem` s, never tracebacks.
"""

from __future__ import annotations

from pathlib import Path

from .problems import Problem, ScenarioError


def read_text(path: Path, *, display: str | None = None) -> str:
    """Return the file's text (UTF-8, BOM removed, any line endings normalised to ``\\n``)."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, (), "no such file or built-in scenario")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(name, None, (), "is a directory, not a scenario file")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(name, None, (), f"cannot read file: {exc.strerror}")]) from None
    return decode_text(data, name)


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
