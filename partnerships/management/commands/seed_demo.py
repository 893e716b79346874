"""Demo data for a first look: three partnerships and their people. Safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from incidents.demo import demo_incidents_seed
from offenders.demo import demo_content_seed
from partnerships import services
from partnerships.models import Business, Membership, Partnership, Premises, Role

DEMO_PASSWORD = "demo-bcrp-2026"  # noqa: S105 - printed for the demo, documented in README

PARTNERSHIPS = [
    {
        "slug": "westbridge",
        "name": "Westbridge BCRP",
        "police_force_area": "Metropolitan Police",
        "business": ("Hartley's Convenience", "Hartley's High Street", "12 High Street", "W1 2AB"),
    },
    {
        "slug": "northgate",
        "name": "Northgate Shopwatch",
        "police_force_area": "Metropolitan Police",
        "business": ("Corner Pharmacy", "Corner Pharmacy Northgate", "3 Market Row", "N1 9XY"),
    },
    {
        "slug": "riverside",
        "name": "Riverside Pubwatch",
        "police_force_area": "Thames Valley Police",
        "business": ("The Ferryman Inn", "The Ferryman", "1 Quay Side", "RG1 8AA"),
    },
]


class Command(BaseCommand):
    help = "Create (or top up) the demo partnerships, businesses, premises and people."

    def handle(self, *args: Any, **options: Any) -> None:
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            operator = self._user("operator@example.org", "Platform Operator", superuser=True)
            logins.append((operator.email, "Django admin (platform operator)", "/admin/"))
            shared_officer = self._user("pc.shared@example.org", "PC Sam Patel")
            for spec in PARTNERSHIPS:
                partnership = self._partnership(spec, operator)
                name, premises_name, address, postcode = spec["business"]
                business, _ = Business.objects.get_or_create(partnership=partnership, name=name)
                premises, _ = Premises.objects.get_or_create(
                    business=business,
                    name=premises_name,
                    defaults={"address": address, "postcode": postcode},
                )
                slug = str(spec["slug"])
                people = [
                    (f"admin.{slug}@example.org", f"{spec['name']} Manager", Role.ADMIN),
                    (f"member.{slug}@example.org", f"Shop Worker ({slug})", Role.MEMBER),
                    (f"police.{slug}@example.org", f"PC {slug.title()}", Role.POLICE),
                ]
                for email, full_name, role in people:
                    user = self._user(email, full_name)
                    if role == Role.ADMIN:
                        partnership_admin = user
                    at_business = role == Role.MEMBER
                    self._join(
                        partnership,
                        user,
                        role,
                        business if at_business else None,
                        premises if at_business else None,
                        operator,
                    )
                    logins.append((email, f"{role.label} of {partnership.name}", f"/p/{slug}/"))
                if slug in {"westbridge", "northgate"}:
                    self._join(partnership, shared_officer, Role.POLICE, None, None, operator)
                demo_content_seed(
                    partnership=partnership, admin=partnership_admin, seed=partnership.pk
                )
                demo_incidents_seed(
                    membership=Membership.objects.get(
                        partnership=partnership, role=Role.MEMBER, ended_at=None
                    ),
                    seed=partnership.pk,
                )
            logins.append((shared_officer.email, "Police liaison of Westbridge and Northgate", "/"))

        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of these:"))
        for email, what, where in logins:
            self.stdout.write(f"  {email:<32} {what}  ({where})")
        self.stdout.write(f"  password for all: {DEMO_PASSWORD}")
        roles = ", ".join(settings.TWO_FACTOR_ROLES)
        self.stdout.write(
            f"  two-factor sign-in required for: {roles}"
            if roles
            else "  two-factor sign-in: off (TWO_FACTOR_ROLES=admin,police make run turns it on)"
        )

    def _user(self, email: str, full_name: str, superuser: bool = False) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(email=email).first()
        if user is None:
            create = (
                user_model.objects.create_superuser if superuser else user_model.objects.create_user
            )
            user = create(email=email, password=DEMO_PASSWORD, full_name=full_name)
        return user

    def _partnership(self, spec: dict[str, Any], operator: Any) -> Partnership:
        existing = Partnership.objects.filter(slug=spec["slug"]).first()
        if existing is not None:
            return existing
        return services.partnership_create(
            name=spec["name"],
            slug=spec["slug"],
            police_force_area=spec["police_force_area"],
            actor=operator,
        )

    def _join(
        self,
        partnership: Partnership,
        user: Any,
        role: str,
        business: Business | None,
        premises: Premises | None,
        operator: Any,
    ) -> None:
        if Membership.objects.filter(user=user, partnership=partnership, ended_at=None).exists():
            return
        services.membership_add(
            partnership=partnership,
            user=user,
            role=role,
            business=business,
            premises=premises,
            actor=operator,
        )
