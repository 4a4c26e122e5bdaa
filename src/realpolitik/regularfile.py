"""Reading a small file a user names, within a size bound, refusing anything that is not a regular file.

Why one module: scenarios and the event commands' side files (actor tables, column mappings, master lists) come from
the command line or an upload. A device such as ``/dev/zero`` never ends, a FIFO blocks until someone writes to it,
and a file far larger than any real one costs memory before it can be refused. Both packages read such files here
and word the refusal for their own users (:class:`FileRefusedError` carries the reason, not the message).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

SPECIAL_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


class FileRefusedError(Exception):
    """Why a file was not read: ``reason`` is ``missing``, ``directory``, ``special`` (``detail``: what it is, when
    known), ``too_large`` (``size``: its size, or what was read when it grew), or ``unreadable`` (``detail``: the
    system's words)."""

    def __init__(self, reason: str, *, detail: str = "", size: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.size = size


def read_regular(path: Path, *, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`FileRefusedError`.

    The file is opened without blocking (a FIFO would otherwise wait for a writer), checked to be a regular file,
    its size checked, and then at most ``limit + 1`` bytes are read (a file growing while it is read is caught).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileRefusedError("missing") from None
    except IsADirectoryError:
        raise FileRefusedError("directory") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO nobody writes to on some systems
            raise FileRefusedError("special") from None
        raise FileRefusedError("unreadable", detail=exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefusedError("directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusedError("special", detail=SPECIAL_KINDS.get(stat.S_IFMT(info.st_mode), ""))
        if info.st_size > limit:
            raise FileRefusedError("too_large", size=info.st_size)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise FileRefusedError("unreadable", detail=exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileRefusedError("too_large", size=len(data))
    return data
