"""realpolitik: where will bargaining land, which strategy moves it, and has the world changed?"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("realpolitik")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__"]
