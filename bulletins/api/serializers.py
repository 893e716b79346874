"""Bulletins as the bulletin pages show them, with whether this person has acknowledged each."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bulletins.models import Bulletin
from offenders.api.serializers import api_url


class BulletinSerializer(serializers.ModelSerializer[Bulletin]):
    id = serializers.IntegerField(read_only=True, help_text="The bulletin's id.")
    url = serializers.SerializerMethodField(help_text="This bulletin.")
    title = serializers.CharField(read_only=True, help_text="Its headline.")
    body = serializers.CharField(read_only=True, help_text="The message.")
    critical = serializers.BooleanField(
        read_only=True, help_text="Members are asked to confirm they have read it."
    )
    posted_by = serializers.SerializerMethodField(
        help_text="The administrator who posted it, if still known."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was posted.")
    withdrawn_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When an administrator withdrew it (only administrators still see it); null "
        "if it stands.",
    )
    acknowledged = serializers.SerializerMethodField(
        help_text="Whether this person has confirmed reading it."
    )
    acknowledged_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When this person confirmed reading it; null if they have not.",
    )

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "url",
            "title",
            "body",
            "critical",
            "posted_by",
            "created_at",
            "withdrawn_at",
            "acknowledged",
            "acknowledged_at",
        ]

    def get_url(self, bulletin: Bulletin) -> str:
        return api_url(self.context, "bulletins-api:bulletin-detail", pk=bulletin.pk)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_posted_by(self, bulletin: Bulletin) -> str | None:
        return str(bulletin.created_by) if bulletin.created_by is not None else None

    def get_acknowledged(self, bulletin: Any) -> bool:
        return bulletin.acknowledged_at is not None
