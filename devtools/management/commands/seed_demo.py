"""Demo data for a first look: three partnerships and their people. Safe to run again.

Each demo partnership is created once, with its business, premises, people, galleries, profiles
and incidents. From then on it belongs to the people using it: a later run (every `make run`)
finds it by its slug or name and changes nothing in it, so invitations, new or removed members,
changed roles and passwords, deleted profiles and galleries all stay as they were left.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from bcrp.actors import Actor
from bcrp.models import address_key
from devtools.demo.incidents import demo_incidents_seed
from devtools.demo.offenders import demo_content_seed
from partnerships import services
from partnerships.models import Business, Partnership, Premises, Role

DEMO_PASSWORD = "demo-bcrp-2026"  # noqa: S105 - printed for the demo, documented in README
OPERATOR_EMAIL = "operator@example.org"
SHARED_OFFICER_EMAIL = "pc.shared@example.org"
# The partnerships the shared officer covers.
SHARED_OFFICER_SLUGS = {"westbridge", "northgate"}

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


def demo_people(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(e-mail, full name, role) of the demo people in one partnership."""
    slug = spec["slug"]
    return [
        (f"admin.{slug}@example.org", f"{spec['name']} Manager", Role.ADMIN),
        (f"member.{slug}@example.org", f"Shop Worker ({slug})", Role.MEMBER),
        (f"police.{slug}@example.org", f"PC {slug.title()}", Role.POLICE),
    ]


def demo_partnership_known(spec: dict[str, Any]) -> bool:
    """Whether this demo partnership exists or once did.

    Matched by slug or name (the operator may have renamed either); a deleted partnership leaves
    its role groups behind, named after the slug it was created with, and is not brought back.
    """
    slug = spec["slug"]
    if Partnership.objects.filter(Q(slug=slug) | Q(name=spec["name"])).exists():
        return True
    return Group.objects.filter(name__startswith=f"partnership:{slug}:").exists()


class Command(BaseCommand):
    help = "Create the demo partnerships and their people, once; later runs change nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        missing = [spec for spec in PARTNERSHIPS if not demo_partnership_known(spec)]
        if missing:
            with transaction.atomic():
                operator = self._user(OPERATOR_EMAIL, "Platform Operator", superuser=True)
                shared_officer = self._user(SHARED_OFFICER_EMAIL, "PC Sam Patel")
                for spec in missing:
                    self._partnership_seed(spec, operator, shared_officer)
            names = ", ".join(str(spec["name"]) for spec in missing)
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {names}."))
        else:
            self.stdout.write("Demo data already loaded; left as its users changed it.")
        self._logins()

    def _logins(self) -> None:
        self.stdout.write("Demo sign-ins:")
        self.stdout.write(f"  {OPERATOR_EMAIL:<32} Django admin (platform operator)  (/admin/)")
        for spec in PARTNERSHIPS:
            for email, _name, role in demo_people(spec):
                what = f"{Role(role).label} of {spec['name']}"
                self.stdout.write(f"  {email:<32} {what}  (/p/{spec['slug']}/)")
        self.stdout.write(
            f"  {SHARED_OFFICER_EMAIL:<32} Police liaison of Westbridge and Northgate  (/)"
        )
        self.stdout.write(f"  password for all: {DEMO_PASSWORD} (unless changed since)")
        roles = ", ".join(settings.TWO_FACTOR_ROLES)
        self.stdout.write(
            f"  two-factor sign-in required for: {roles}"
            if roles
            else "  two-factor sign-in: off (TWO_FACTOR_ROLES=admin,police make run turns it on)"
        )

    def _user(self, email: str, full_name: str, superuser: bool = False) -> Any:
        """The account with this address, created with the demo password if there is none."""
        user_model = get_user_model()
        user = user_model.objects.filter(email=address_key(email)).first()
        if user is None:
            create = (
                user_model.objects.create_superuser if superuser else user_model.objects.create_user
            )
            user = create(email=email, password=DEMO_PASSWORD, full_name=full_name)
        return user

    def _partnership_seed(self, spec: dict[str, Any], operator: Any, shared_officer: Any) -> None:
        actor = Actor(user=operator)
        partnership = services.partnership_create(
            name=spec["name"],
            slug=spec["slug"],
            police_force_area=spec["police_force_area"],
            actor=actor,
        )
        business_name, premises_name, address, postcode = spec["business"]
        business = services.business_save(
            partnership=partnership, business=Business(name=business_name), actor=actor
        )
        premises = services.premises_save(
            partnership=partnership,
            premises=Premises(
                business=business, name=premises_name, address=address, postcode=postcode
            ),
            actor=actor,
        )
        memberships = {
            role: services.membership_add(
                partnership=partnership,
                user=self._user(email, full_name),
                role=role,
                business=business if role == Role.MEMBER else None,
                premises=premises if role == Role.MEMBER else None,
                actor=actor,
            )
            for email, full_name, role in demo_people(spec)
        }
        if spec["slug"] in SHARED_OFFICER_SLUGS:
            services.membership_add(
                partnership=partnership, user=shared_officer, role=Role.POLICE, actor=actor
            )
        demo_content_seed(
            partnership=partnership, admin=memberships[Role.ADMIN].user, seed=partnership.pk
        )
        demo_incidents_seed(membership=memberships[Role.MEMBER], seed=partnership.pk)
