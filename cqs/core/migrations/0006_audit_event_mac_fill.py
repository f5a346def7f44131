"""The MAC of every row written before MACs existed (the append-only trigger is lifted for this alone)."""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations


def fill(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    key = settings.CQS_AUDIT_KEY.encode()
    if not AuditEvent.objects.filter(mac="").exists():
        return
    schema_editor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
    for event in AuditEvent.objects.filter(mac="").only("pk", "seq", "hash").iterator(chunk_size=2000):
        mac = hmac.new(key, f"{event.seq}:{event.hash}".encode(), hashlib.sha256).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(mac=mac)
    schema_editor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_audit_event_mac")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
