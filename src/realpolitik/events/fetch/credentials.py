"""Secrets for the sources that need them: an environment variable first, then the TOML credentials file.

Why a module of its own: where a secret may come from, and the refusal of a credentials file that others can read
(mode 0600 or stricter), are the same for every source, and keeping them apart from the HTTP code makes it plain
that a secret's value never reaches a message.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .request import FetchError, xdg_dir


def default_credentials_path() -> Path:
    """``$XDG_CONFIG_HOME/realpolitik/credentials.toml`` (``~/.config/realpolitik/credentials.toml``)."""
    return xdg_dir("XDG_CONFIG_HOME", ".config") / "realpolitik" / "credentials.toml"


def credential(key: str, *, env: str, path: Path | None) -> str | None:
    """A secret for ``key``: the environment variable ``env`` first, then the TOML config file ``path`` (default
    :func:`default_credentials_path`), ``key = "value"`` (``section.key`` for a table). None when neither has it.

    The file is refused unless only its owner may read it (mode 0600 or stricter): a secret readable by others is
    already leaked. Values are never put in messages."""
    value = os.environ.get(env, "")
    if value:
        return value
    path = Path(path) if path is not None else default_credentials_path()
    if not path.is_file():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise FetchError(
            f"credentials file is mode {mode:04o}; it must be readable by its owner only (chmod 600)",
            file=str(path),
        )
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # tomllib's message gives line and column, never the text
        raise FetchError(f"not valid TOML ({exc})", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"cannot read credentials file ({type(exc).__name__})", file=str(path)) from None
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    if data is None:
        return None
    if not isinstance(data, str):
        raise FetchError(f"{key}: expected a string", file=str(path))
    return data or None


def required_credential(key: str, *, env: str, path: Path | None, need: str) -> str:
    """:func:`credential`, or a :class:`FetchError` naming ``env`` that says what is needed (``need``) and where
    to put it."""
    value = credential(key, env=env, path=path)
    if not value:
        raise FetchError(f"{need}; set {env} or {key} in the credentials file", file=env)
    return value
