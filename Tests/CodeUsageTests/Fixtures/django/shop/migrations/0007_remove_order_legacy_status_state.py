from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_order_status")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="order",
                    name="legacy_status",
                ),
            ],
            database_operations=[],
        ),
    ]
