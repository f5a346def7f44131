"""The official documents' REST endpoints, mounted at /api/v1/ (see config/api.py)."""

from ninja import Router

from cqs.documents.api import incoming, outgoing

router = Router()
router.add_router("", incoming.router)
router.add_router("", outgoing.router)
