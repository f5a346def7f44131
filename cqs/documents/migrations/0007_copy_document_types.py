"""The copies of Decree 30/2020/NĐ-CP, Appendix III (bản sao y SY, trích sao TrS, sao lục SL): chosen and numbered
like the document types, in the agency's outgoing register ("05/SY-UBND")."""

from django.db import migrations

COPY_TYPES = [
    ("Bản sao y", "SY"),
    ("Bản trích sao", "TrS"),
    ("Bản sao lục", "SL"),
]
FIRST_ORDERING = 290  # after the 28 types of 0002 (10 … 280)


def add_copy_types(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for position, (name, abbreviation) in enumerate(COPY_TYPES):
        DocumentType.objects.update_or_create(
            name=name, defaults={"abbreviation": abbreviation, "ordering": FIRST_ORDERING + 10 * position}
        )


def remove_copy_types(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.filter(name__in=[name for name, _abbreviation in COPY_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0006_document_file_places")]

    operations = [migrations.RunPython(add_copy_types, remove_copy_types)]
