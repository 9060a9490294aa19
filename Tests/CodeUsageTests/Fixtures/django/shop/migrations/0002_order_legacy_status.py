from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="legacy_status",
            field=models.CharField(max_length=20, null=True),
        ),
    ]
