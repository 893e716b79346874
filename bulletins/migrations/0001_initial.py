"""Bulletins, moved here from partnerships (partnerships/0006_bulletins_app).

The models take over the existing tables by name (`db_table`), so nothing is created or copied:
only Django's record of the models moves. Their content types (and so the permissions hanging
off them) move with them instead of being left behind and created afresh.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("bulletin", "bulletinacknowledgement", "bulletindigest")


def _content_types_move(apps, schema_editor, source, target):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    for model in MOVED_MODELS:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _content_types_move(apps, schema_editor, "partnerships", "bulletins")


def content_types_back(apps, schema_editor):
    _content_types_move(apps, schema_editor, "bulletins", "partnerships")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnerships", "0006_bulletins_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Bulletin",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("title", models.CharField(max_length=150, verbose_name="title")),
                        ("body", models.TextField(verbose_name="message")),
                        (
                            "critical",
                            models.BooleanField(
                                default=False,
                                help_text="Every member is asked to confirm they have read it, and you see who has not.",
                                verbose_name="critical",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="posted"
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="posted by",
                            ),
                        ),
                        (
                            "partnership",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bulletins",
                                to="partnerships.partnership",
                                verbose_name="partnership",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "bulletin",
                        "verbose_name_plural": "bulletins",
                        "db_table": "partnerships_bulletin",
                        "ordering": ("-created_at", "-id"),
                        "indexes": [
                            models.Index(
                                fields=["partnership", "-created_at"],
                                name="bulletin_partnership_newest",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BulletinAcknowledgement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "acknowledged_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="acknowledged"
                            ),
                        ),
                        (
                            "bulletin",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="acknowledgements",
                                to="bulletins.bulletin",
                                verbose_name="bulletin",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bulletin_acknowledgements",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "bulletin acknowledgement",
                        "verbose_name_plural": "bulletin acknowledgements",
                        "db_table": "partnerships_bulletinacknowledgement",
                        "ordering": ("acknowledged_at",),
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("bulletin", "user"),
                                name="bulletin_acknowledged_once_per_user",
                                violation_error_message="You have already acknowledged this bulletin.",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BulletinDigest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("week_starting", models.DateField(verbose_name="week starting")),
                        (
                            "recipients",
                            models.PositiveIntegerField(default=0, verbose_name="recipients"),
                        ),
                        (
                            "profiles",
                            models.PositiveIntegerField(default=0, verbose_name="profiles listed"),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="sent"
                            ),
                        ),
                        (
                            "partnership",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bulletin_digests",
                                to="partnerships.partnership",
                                verbose_name="partnership",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "weekly digest",
                        "verbose_name_plural": "weekly digests",
                        "db_table": "partnerships_bulletindigest",
                        "ordering": ("-week_starting",),
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("partnership", "week_starting"),
                                name="bulletin_digest_once_per_week",
                                violation_error_message="This week's digest has already been sent.",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_back),
    ]
