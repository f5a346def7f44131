from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_token_expiry_and_vneid_identities")]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="hết hạn"),
        ),
    ]
