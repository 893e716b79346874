"""Each notice gets the token of its public address (existing notices too); the requests the
person on a notice sends through it."""

import secrets

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import offenders.models


def public_tokens_fill(apps, schema_editor):
    Exclusion = apps.get_model("offenders", "Exclusion")
    for notice in Exclusion.objects.filter(public_token="").only("pk").iterator():
        Exclusion.objects.filter(pk=notice.pk).update(public_token=secrets.token_urlsafe(24))


class Migration(migrations.Migration):
    dependencies = [
        ("offenders", "0006_sighting"),
        ("partnerships", "0008_settings_and_home_visits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Added empty, filled one notice at a time (a callable default would give every existing
        # notice the same token), then made unique.
        migrations.AddField(
            model_name="exclusion",
            name="public_token",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="public address token"
            ),
        ),
        migrations.RunPython(public_tokens_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="exclusion",
            name="public_token",
            field=models.CharField(
                default=offenders.models.notice_token_new,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="public address token",
            ),
        ),
        migrations.CreateModel(
            name="SubjectRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("appeal", "Appeal"), ("access", "Subject access request")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name given")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                ("phone", models.CharField(blank=True, max_length=30, verbose_name="telephone")),
                (
                    "postal_address",
                    models.TextField(blank=True, max_length=500, verbose_name="postal address"),
                ),
                (
                    "details",
                    models.TextField(max_length=4000, verbose_name="grounds or what is asked for"),
                ),
                (
                    "identity_note",
                    models.TextField(
                        blank=True, max_length=1000, verbose_name="proof of identity offered"
                    ),
                ),
                (
                    "received_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="received"
                    ),
                ),
                ("due_on", models.DateField(verbose_name="answer due")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Waiting for a decision"), ("decided", "Decided")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("outcome", models.CharField(blank=True, max_length=10, verbose_name="outcome")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="decided by",
                    ),
                ),
                (
                    "notice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subject_requests",
                        to="offenders.exclusion",
                        verbose_name="notice",
                    ),
                ),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subject_requests",
                        to="partnerships.partnership",
                        verbose_name="partnership",
                    ),
                ),
            ],
            options={
                "verbose_name": "request from the person on a notice",
                "verbose_name_plural": "requests from people on notices",
                "ordering": ("due_on", "id"),
                "indexes": [
                    models.Index(
                        fields=["partnership", "status", "due_on"], name="subject_request_open"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("email", ""), ("phone", ""), ("postal_address", ""), _negated=True
                        ),
                        name="subject_request_has_contact",
                        violation_error_message="Give at least one way to reach the person.",
                    )
                ],
            },
        ),
    ]
