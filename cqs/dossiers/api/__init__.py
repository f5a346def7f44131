"""The dossiers' REST endpoints, mounted at /api/v1/ (see config/api.py).

Every handler reads the caller's dossier through the selectors (what the caller may not see is
"not found"), validates the body against a strict schema (Vietnamese errors, 422) and calls one
service of ``cqs.dossiers.services``; the service checks the caller's right (404) and the state
(409, naming the state). Bodies are parsed here rather than by Ninja so that malformed JSON,
oversized requests and broken multipart bodies get the same Vietnamese error shape.
"""

from cqs.dossiers.api import actions, filing, reading  # noqa: F401 (each registers its endpoints on the router)
from cqs.dossiers.api.common import router

__all__ = ["router"]
