from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_rate_counters")]

    operations = [
        migrations.AddField(model_name="auditevent", name="mac", field=models.CharField(default="", max_length=64)),
    ]
