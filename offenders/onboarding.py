"""A new partnership made ready by the platform operator: its role groups, the standard
galleries, and an invitation to its first administrator, who chooses their own password."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from bcrp.actors import Actor
from offenders.models import Gallery
from offenders.services import gallery_save
from partnerships.models import Invitation, Partnership, Role
from partnerships.services import invitation_create, partnership_create

# Name, default expiry in months, whether members see it: the lists most schemes start with
# (a first warning or exclusion lasts 12 months; an appeal for identity is short-lived).
STANDARD_GALLERIES = (
    ("Excluded", 12, True),
    ("ID sought", 3, True),
    ("Most wanted", 6, False),
)


def galleries_standard_create(*, partnership: Partnership, actor: Actor) -> list[Gallery]:
    """The standard galleries, skipping any the partnership already has by name."""
    have = set(Gallery.objects.filter(partnership=partnership).values_list("name", flat=True))
    return [
        gallery_save(
            partnership=partnership,
            gallery=Gallery(name=name, default_expiry_months=months, members_may_see=shown),
            actor=actor,
        )
        for name, months, shown in STANDARD_GALLERIES
        if name not in have
    ]


@transaction.atomic
def partnership_onboard(
    *,
    name: str,
    slug: str,
    police_force_area: str,
    admin_email: str,
    actor: Actor,
) -> tuple[Partnership, Invitation, str]:
    """Create the partnership with its standard galleries and invite its first administrator
    by e-mail (sent once committed). Returns them and the invitation's raw token."""
    if Partnership.objects.filter(slug__iexact=slug).exists():
        raise ValidationError({"slug": "Another partnership already has this address."})
    if Partnership.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": "Another partnership already has this name."})
    partnership = partnership_create(
        name=name.strip(), slug=slug, police_force_area=police_force_area.strip(), actor=actor
    )
    galleries_standard_create(partnership=partnership, actor=actor)
    invitation, token = invitation_create(
        partnership=partnership, email=admin_email, role=Role.ADMIN, actor=actor
    )
    return partnership, invitation, token
