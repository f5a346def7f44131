"""Document numbers move to ``core.Sequence``: one counter per agency, year and register, scope ``document_<register>``."""

from django.db import migrations

SCOPE_PREFIX = "document_"


def to_core(apps, schema_editor):
    Sequence = apps.get_model("core", "Sequence")
    NumberSequence = apps.get_model("documents", "NumberSequence")
    rows = NumberSequence.objects.values_list("agency_id", "year", "register", "last").iterator()
    Sequence.objects.bulk_create(
        (
            Sequence(scope=SCOPE_PREFIX + register, agency_id=agency, period=f"{year:04d}", last=last)
            for agency, year, register, last in rows
        ),
        batch_size=5000,
    )


def from_core(apps, schema_editor):
    Sequence = apps.get_model("core", "Sequence")
    NumberSequence = apps.get_model("documents", "NumberSequence")
    numbers = Sequence.objects.filter(scope__startswith=SCOPE_PREFIX)
    rows = numbers.values_list("agency_id", "period", "scope", "last").iterator()
    NumberSequence.objects.bulk_create(
        (
            NumberSequence(agency_id=agency, year=int(period), register=scope.removeprefix(SCOPE_PREFIX), last=last)
            for agency, period, scope, last in rows
        ),
        batch_size=5000,
    )
    numbers.delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0007_copy_document_types"), ("core", "0007_sequences")]

    operations = [migrations.RunPython(to_core, from_core)]
