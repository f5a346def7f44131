"""Full-text indexes led by the agency (btree_gin), so a search within an agency's documents is one index scan."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_document_types"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.RemoveIndex(model_name="incomingdocument", name="incoming_search"),
        migrations.RemoveIndex(model_name="outgoingdocument", name="outgoing_search"),
        migrations.AddIndex(
            model_name="incomingdocument",
            index=django.contrib.postgres.indexes.GinIndex(fields=["agency", "search_vector"], name="incoming_search"),
        ),
        migrations.AddIndex(
            model_name="outgoingdocument",
            index=django.contrib.postgres.indexes.GinIndex(fields=["agency", "search_vector"], name="outgoing_search"),
        ),
    ]
