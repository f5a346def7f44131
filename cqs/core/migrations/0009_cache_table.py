"""The table of Django's database cache (settings.CACHES), shared by every process; what createcachetable makes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_idempotent_requests"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                'CREATE TABLE IF NOT EXISTS "cqs_cache" ('
                '"cache_key" varchar(255) NOT NULL PRIMARY KEY, "value" text NOT NULL, '
                '"expires" timestamp with time zone NOT NULL)',
                'CREATE INDEX IF NOT EXISTS "cqs_cache_expires" ON "cqs_cache" ("expires")',
            ],
            reverse_sql=['DROP TABLE IF EXISTS "cqs_cache"'],
        ),
    ]
