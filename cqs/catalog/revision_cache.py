"""Public catalogue answers kept in each process's memory, valid for one catalogue revision.

The catalogue changes rarely (an import, a publication, the daily activation, a withdrawal) and
is read all day by the portal's search and the public API. Every service that changes what is
published moves ``catalog_revision()`` on in its own transaction (``cqs.catalog.search``), so an
answer kept under the revision it was built from is right for as long as the database still
reports that revision: each request reads the revision (one small query, on the primary) and
looks its answer up under it. A change is visible on the next request, in every process, without
telling anyone: the old revision's answers are simply never asked for again and are dropped.

Only public, user-independent output may be kept here (a result page of the API, the results
part of the portal's list page rendered without the request): never anything carrying a session,
a CSRF token, a CSP nonce or the user's name. The memory is bounded (entries and characters,
least recently used first out); a process that restarts starts empty.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from cqs.catalog.search import catalog_revision

# Per process: 2,000 answers of up to ~50 kB (a portal result part with its filter lists) fit 32 MB.
MAX_ENTRIES = 2000
MAX_SIZE = 32 * 1024 * 1024


class RevisionCache:
    """A least-recently-used map of texts for the current catalogue revision, bounded in entries and size."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_size: int = MAX_SIZE) -> None:
        self.max_entries = max_entries
        self.max_size = max_size
        self._revision = ""
        self._entries: OrderedDict[tuple[Hashable, ...], str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_build(self, key: tuple[Hashable, ...], build: Callable[[], str]) -> str:
        """The text kept under ``key`` for the catalogue's current revision, else ``build()`` (then kept).

        The revision is read before building: an answer built while a change commits is kept
        under the older revision, so it is never served as the newer one.
        """
        revision = catalog_revision()
        with self._lock:
            if revision != self._revision:
                self._entries.clear()
                self._size = 0
                self._revision = revision
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        value = build()
        with self._lock:
            if revision == self._revision and key not in self._entries and len(value) <= self.max_size:
                self._entries[key] = value
                self._size += len(value)
                while len(self._entries) > self.max_entries or self._size > self.max_size:
                    _key, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0
            self._revision = ""


# The one cache of this process (API answers and portal result parts, told apart by the key's first item).
catalogue_cache = RevisionCache()
