"""Bulletins moved to their own app (bulletins/0001_initial): only Django's record of the models
leaves partnerships. The tables stay where they are, with their rows, under their names."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0005_retention_help"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BulletinAcknowledgement"),
                migrations.DeleteModel(name="BulletinDigest"),
                migrations.DeleteModel(name="Bulletin"),
            ],
            database_operations=[],
        ),
    ]
