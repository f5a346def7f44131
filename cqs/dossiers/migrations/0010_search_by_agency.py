"""The desk's search by name: the words of ``search_text`` as a generated tsvector, indexed with each agency column.

Replaces the trigram index: a name searched within the agencies an official sees is answered by
one GIN index holding the three agency columns (btree_gin) and the words, instead of trigram
lists that grow with every common syllable ("tra", "thi") across the whole province.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0009_dossier_sequence_remove"),
    ]

    operations = [
        # btree_gin, as documents 0003 made it; never dropped on the way back (the documents' indexes use it).
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS btree_gin", reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveIndex(model_name="dossier", name="dossier_search_trgm"),
        migrations.AddField(
            model_name="dossier",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector("search_text", config="simple"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["receiving_agency", "deciding_agency", "current_agency", "search_vector"],
                name="dossier_search_by_agency",
            ),
        ),
    ]
