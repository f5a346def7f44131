"""Pages of the units app (none yet: units and agencies are managed through services and the Django admin)."""
