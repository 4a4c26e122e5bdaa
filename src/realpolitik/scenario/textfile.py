"""Reading a user's file as text, with the problems a person can fix named precisely.

Empty files, non-UTF-8 bytes and unreadable paths become :class:`Problem` s, never tracebacks. Reading is
bounded: only regular files are read (a device such as ``/dev/zero`` never ends, a FIFO blocks until someone
writes to it), and a file over :data:`~realpolitik.scenario.limits.MAX_SCENARIO_BYTES` is refused from its size,
before any of it is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .limits import MAX_SCENARIO_BYTES
from .problems import Problem, ScenarioError

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


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
    """The bytes of a regular file of at most ``limit`` bytes; anything else is a :class:`ScenarioError`.

    The file is opened without blocking (a FIFO would otherwise wait for a writer), checked to be a regular file,
    its size checked, and then at most ``limit + 1`` bytes are read (a file growing while it is read is caught).
    """
    name = display or str(path)

    def problem(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, None, (), message)])

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise problem(missing) from None
    except IsADirectoryError:
        raise problem("is a directory, not a scenario file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO nobody writes to on some systems
            raise problem("is not a regular file; give a scenario file") from None
        raise problem(f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            if kind == "a directory":
                raise problem("is a directory, not a scenario file")
            raise problem(f"is {kind}, not a regular file; give a scenario file")
        if info.st_size > limit:
            raise too_large(name, info.st_size, limit)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise problem(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise too_large(name, len(data), limit)
    return data


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
