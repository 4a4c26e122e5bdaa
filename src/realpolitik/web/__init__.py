"""The web app: a REST API (FastAPI, OpenAPI schema at /openapi.json) and a dashboard served by the same process.

Loopback by default; elsewhere only with a token. Uploads and lab jobs persist in a data folder beside the
workspace, so results survive a restart. See docs/web.md.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
