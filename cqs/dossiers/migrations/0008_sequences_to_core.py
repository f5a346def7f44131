"""Dossier numbers move to ``core.Sequence``: the daily code sequences as they are, and, for the register of
dossiers (form 07), the last row given per receiving agency and year of receipt (until now the register's maximum)."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.db.models import Max
from django.db.models.functions import ExtractYear

CODE_SCOPE = "dossier_code"
REGISTER_SCOPE = "dossier_register"


def to_core(apps, schema_editor):
    Sequence = apps.get_model("core", "Sequence")
    DossierSequence = apps.get_model("dossiers", "DossierSequence")
    Dossier = apps.get_model("dossiers", "Dossier")
    codes = (
        Sequence(scope=CODE_SCOPE, agency_id=agency, period=day.isoformat(), last=last)
        for agency, day, last in DossierSequence.objects.values_list("agency_id", "day", "last").iterator()
    )
    Sequence.objects.bulk_create(codes, batch_size=5000)
    office = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    registers = (
        Dossier.objects.filter(register_row__isnull=False, received_at__isnull=False)
        .annotate(year=ExtractYear("received_at", tzinfo=office))
        .values("receiving_agency_id", "year")
        .annotate(last=Max("register_row"))
        .order_by()
    )
    Sequence.objects.bulk_create(
        Sequence(scope=REGISTER_SCOPE, agency_id=row["receiving_agency_id"], period=f"{row['year']:04d}", last=row["last"])
        for row in registers
    )


def from_core(apps, schema_editor):
    Sequence = apps.get_model("core", "Sequence")
    DossierSequence = apps.get_model("dossiers", "DossierSequence")
    codes = Sequence.objects.filter(scope=CODE_SCOPE).values_list("agency_id", "period", "last").iterator()
    DossierSequence.objects.bulk_create(
        (DossierSequence(agency_id=agency, day=dt.date.fromisoformat(day), last=last) for agency, day, last in codes),
        batch_size=5000,
    )
    Sequence.objects.filter(scope__in=[CODE_SCOPE, REGISTER_SCOPE]).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0007_declaration_confirmations"), ("core", "0007_sequences")]

    operations = [migrations.RunPython(to_core, from_core)]
