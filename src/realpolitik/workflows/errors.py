"""The one error a workflow raises for a request it cannot serve, naming the parameter at fault.

Why one type: every front end turns it into its own answer without knowing which workflow raised it: the CLI
prints ``--PARAMETER: message`` (or ``SOURCE: message``) and exits 2, the web API answers 422 with the message.
"""

from __future__ import annotations


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
