"""Bulletins over the API: read by everyone in the partnership, critical ones acknowledged by
members, through the selectors and the service of the bulletin pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bulletins import selectors, services
from bulletins.api.serializers import BulletinSerializer
from bulletins.models import Bulletin
from partnerships.api.base import TenantViewSet
from partnerships.models import ApiScope


class BulletinViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The partnership's bulletins, newest first."""

    object_selector = selectors.bulletin_for
    scopes = {
        "list": ApiScope.BULLETINS_READ,
        "retrieve": ApiScope.BULLETINS_READ,
        "acknowledge": ApiScope.BULLETINS_ACKNOWLEDGE,
    }
    serializer_class = BulletinSerializer

    def tenant_queryset(self) -> QuerySet[Bulletin]:
        return selectors.bulletins_visible(membership=self.membership)

    @extend_schema(
        summary="Bulletins",
        description="The partnership's bulletins, newest first, 50 a page, each with whether "
        "this person has confirmed reading it.",
        extensions={
            "x-links": {
                "200": {
                    "AcknowledgeNewest": {
                        "operationId": "bulletins_acknowledge_create",
                        "parameters": {
                            "slug": "$request.path.slug",
                            "id": "$response.body#/results/0/id",
                        },
                        "description": "Confirm reading the newest bulletin.",
                    }
                }
            }
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A bulletin",
        description="One of the partnership's bulletins, with whether this person has "
        "confirmed reading it.",
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Confirm reading a bulletin",
        description=(
            "A member confirms reading a critical bulletin, as on the bulletin page. Sending it "
            "again changes nothing and answers the same. Only members acknowledge, and only "
            "critical bulletins: anything else is refused with 400, saying why."
        ),
        request=None,
        responses={200: BulletinSerializer},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bulletin: Bulletin = self.get_object()
        services.bulletin_acknowledge(
            bulletin=bulletin, membership=self.membership, actor=self.actor
        )
        # Read again: the answer carries when this person acknowledged it.
        return Response(self.get_serializer(self.get_object()).data)
