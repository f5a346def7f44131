"""Data: tokens issued without an end now end 90 days after this upgrade; accounts already linked to
VNeID count as verified (a VNeID sign-in proved who they are)."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

GRACE_DAYS = 90


def forwards(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    User = apps.get_model("accounts", "User")
    now = timezone.now()
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=now + dt.timedelta(days=GRACE_DAYS))
    User.objects.filter(vneid_subject__isnull=False, identity_verified_at__isnull=True).update(
        identity_verified_at=now, identity_proof="vneid"
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_identity_proof_one_time_codes_pending_registrations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
