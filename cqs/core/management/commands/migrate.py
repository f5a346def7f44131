"""``migrate`` as the owner of the tables (DATABASE_OWNER_URL), then the application's role's grants."""

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate

from cqs.core.dbroles import owner_connection


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        with owner_connection(options.get("database") or "default"):
            super().handle(*args, **options)
