"""Django admin for the platform operator: create partnerships and their first administrator."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bcrp.actors import Actor
from partnerships import services
from partnerships.models import Business, Membership, Partnership, Premises


class PartnershipAdminForm(forms.ModelForm[Partnership]):
    class Meta:
        model = Partnership
        fields = (
            "name",
            "slug",
            "police_force_area",
            "reference_prefix",
            "retention_months",
            "records_perceived_ethnicity",
        )


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin[Partnership]):
    form = PartnershipAdminForm
    list_display = ("name", "slug", "police_force_area", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # A new partnership is made on the operator's page, which also creates its standard
        # galleries and invites its first administrator; this form could do neither.
        return redirect("operator-partnership-new")


class MembershipAdminForm(forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ("user", "partnership", "role", "business", "premises")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    """Memberships are added here (e.g. a new partnership's first administrator) via the service,
    so the user lands in the right guardian group; changes are made in the partnership's pages."""

    form = MembershipAdminForm
    list_display = ("user", "partnership", "role", "created_at", "ended_at")
    list_filter = ("role", "partnership")
    search_fields = ("user__email", "user__full_name", "partnership__name")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        created = services.membership_add(
            partnership=obj.partnership,
            user=obj.user,
            role=obj.role,
            business=obj.business,
            premises=obj.premises,
            actor=Actor.from_request(request),
        )
        obj.pk = created.pk


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin[Business]):
    list_display = ("name", "partnership")
    list_filter = ("partnership",)
    search_fields = ("name",)


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin[Premises]):
    list_display = ("name", "business", "postcode")
    search_fields = ("name", "postcode")
