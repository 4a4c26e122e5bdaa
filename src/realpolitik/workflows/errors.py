"""The one error a workflow raises for a request it cannot serve, naming the parameter at fault.

Why one type: every front end turns it into its own answer without knowing which workflow raised it: the CLI
prints ``--PARAMETER: message`` (or ``SOURCE: message``) and exits 2, the web API answers 422 with the message.
"""

from __future__ import annotations

import errno


class RequestError(ValueError):
    """A request that names something unknown or asks for something impossible.

    ``parameter`` is the request field at fault (``client``, ``targets``, ``models``...) or ``None`` when the
    problem is with the scenario as a whole; ``source`` is the scenario's file or name when known.
    """

    def __init__(self, message: str, *, parameter: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.source = source

    def line(self) -> str:
        """The one line a person reads: ``SOURCE: message`` when the scenario is at fault, else the message."""
        if self.parameter is None and self.source:
            return f"{self.source}: {self.message}"
        return self.message


_ADVICE: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "free some space or write elsewhere"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or write elsewhere"),
    errno.EROFS: ("read-only file system", "write elsewhere (e.g. --out)"),
    errno.EACCES: ("permission denied", "check the folder's permissions or write elsewhere"),
    errno.EPERM: ("operation not permitted", "check the folder's permissions or write elsewhere"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another path"),
    errno.EISDIR: ("is a folder", "name a file"),
    errno.EEXIST: ("something is already there", "remove it or choose another path"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ELOOP: ("is a symbolic link", "outputs are never written through links: remove it or choose another path"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter path"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n) or use fewer workers"),
    errno.ENOMEM: ("out of memory", "ask for less work (fewer draws, a smaller --shard-size)"),
    errno.EIO: ("input/output error", "check the disk"),
}


def environment_line(exc: OSError) -> str:
    """One line for an error of the machine rather than the request: ``PATH: what happened; what to do``.

    Every ``OSError`` a workflow lets through (a full or read-only disk, a folder without permission, an output
    path that is a file) reaches the user as this line (the CLI exits 2; a web job records it as its message)."""
    path = exc.filename if exc.filename is not None else "realpolitik"
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    if getattr(exc, "kind", None) is not None:  # provenance.OutputRefusedError says all there is to say
        return f"{path}: {exc.args[0]}"
    if exc.errno in _ADVICE:
        what, todo = _ADVICE[exc.errno]
        return f"{path}: {what}; {todo}"
    what = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    return f"{path}: {what}; check the path and the disk"
