"""Run real services at a past moment: ``with at(moment): dossier_accept(...)``.

Only for loading demo history. It replaces ``django.utils.timezone.now`` for the duration
of the block, so everything the services compute from "now" — the dossier's due time on
the working calendar, the step deadlines, early / on time / late, event and audit times,
``auto_now`` fields, the upload folder of a file — is computed exactly as it would have
been at that moment. Nothing is shifted afterwards, so no invariant can drift. The whole
platform reads the time through ``timezone.now()`` (never ``from … import now``), which is
what makes this enough. Not thread-safe: the demo loader is single-threaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def at(moment: dt.datetime) -> Iterator[dt.datetime]:
    if timezone.is_naive(moment):
        raise ValueError("demo clock needs an aware datetime")
    with mock.patch.object(timezone, "now", lambda: moment):
        yield moment
