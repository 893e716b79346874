"""Django admin: users (for the platform operator) and a read-only view of the audit trail."""

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from bcrp.audit_phrases import annotate_names, audit_sentence
from bcrp.models import AuditEvent, User

# By the app registry, not an import: the ground floor imports no domain app.
Partnership = apps.get_model("partnerships", "Partnership")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "full_name")
    list_filter = ("is_staff", "is_superuser", "is_active")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ()


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Every partnership's trail for the platform operator, named in the query that lists it."""

    list_display = ("created_at", "actor", "partnership_name", "what_happened", "ip")
    list_select_related = ("actor",)
    list_filter = ("action", "partnership")
    search_fields = ("actor__email", "actor__full_name", "object_id")
    date_hierarchy = "created_at"
    show_full_result_count = False  # a COUNT(*) over millions of rows on every page

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        named = annotate_names(super().get_queryset(request))
        return named.annotate(
            partnership_name=Subquery(
                Partnership.objects.filter(pk=OuterRef("partnership_id")).values("name")[:1]
            )
        )

    @admin.display(description="partnership", ordering="partnership_id")
    def partnership_name(self, event: AuditEvent) -> str:
        return getattr(event, "partnership_name", None) or "—"

    @admin.display(description="what happened")
    def what_happened(self, event: AuditEvent) -> str:
        return audit_sentence(
            event,
            object_name=getattr(event, "object_name", "") or "",
            partner_name=getattr(event, "partner_name", "") or "",
            actor_name=str(event.actor) if event.actor is not None else "",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
