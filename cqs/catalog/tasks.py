"""Background jobs of the catalogue (docs/worker.md): the daily activation of published versions."""

from __future__ import annotations

from cqs.catalog.services import catalog_activate_due
from cqs.core.jobs import app, retry_backoff


# Schedules are in UTC: 17:05 UTC is 00:05 in Vietnam (UTC+7), just after a new day's versions take effect.
@app.periodic(cron="5 17 * * *", periodic_id="daily")
@app.task(name="catalog.activate_due", queueing_lock="catalog.activate_due", retry=retry_backoff(attempts=5))
def catalog_activate(timestamp: int) -> int:
    """Bring into force the published procedure versions whose effective date has come."""
    return catalog_activate_due()
