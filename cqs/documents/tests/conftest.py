"""Fixtures of the exchange tests between two running instances (see ``peer``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cqs.documents.models import ExchangePartner
from cqs.documents.tests import factories
from cqs.documents.tests.peer import PEER_ID, PEER_NAME, Peer, peer_running


@pytest.fixture(scope="session")
def peer(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """Agency B: a second instance of the platform, running, seeded, knowing agency A (the live server)."""
    with peer_running(live_server.url, tmp_path_factory.mktemp("peer")) as running:
        yield running


@pytest.fixture
def agency_a(agency: Any, org_cert: Any, demo_ca: Any, peer: Peer, tmp_path: Path) -> factories.DocumentsWorld:
    """Agency A, knowing B's endpoint and trusting B's root CA; B trusting A's root CA."""
    w = factories.documents_world()
    ExchangePartner.objects.create(organ_id=PEER_ID, name=PEER_NAME, endpoint=peer.endpoint)
    call_command("exchange_trust_ca", str(peer.root_pem))
    own_root = tmp_path / "a-root.pem"
    own_root.write_text(demo_ca[0].certificate_pem)
    peer.manage("exchange_trust_ca", str(own_root))
    return w
