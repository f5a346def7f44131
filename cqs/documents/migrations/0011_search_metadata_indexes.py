"""Indexes for a search that finds metadata matches first, newest first, without ranking every match.

The metadata's words alone (``to_tsvector('simple', search_text)``, led by the agency with btree_gin),
and the date outgoing documents are ordered by (issue, or creation for a draft). Built concurrently:
on millions of documents the registers stay writable while they build. ANALYZE gives the planner
the statistics of the new expressions (how common each word is), which choose between walking the
date index and reading the GIN index.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.comparison
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("documents", "0010_documentfile_text_pending"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="incomingdocument",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("agency"),
                django.contrib.postgres.search.SearchVector("search_text", config="simple"),
                name="incoming_search_metadata",
            ),
        ),
        AddIndexConcurrently(
            model_name="outgoingdocument",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("agency"),
                django.contrib.postgres.search.SearchVector("search_text", config="simple"),
                name="outgoing_search_metadata",
            ),
        ),
        AddIndexConcurrently(
            model_name="outgoingdocument",
            index=models.Index(
                models.F("agency"),
                django.db.models.functions.comparison.Coalesce("issued_at", "created_at"),
                name="outgoing_by_date",
            ),
        ),
        migrations.RunSQL(
            "ANALYZE documents_incomingdocument; ANALYZE documents_outgoingdocument;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
