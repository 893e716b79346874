"""The "Same person elsewhere" section of a profile's page: offenders, below sharing's pages,
shows it through this tag and never imports them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from offenders.models import OffenderProfile
from partnerships.models import Membership, Role
from sharing.selectors import LinkedProfile, links_of_profile

register = template.Library()


@dataclass
class LinkRow:
    linked: LinkedProfile
    may_undo: bool
    may_merge: bool


@register.inclusion_tag("sharing/_profile_links.html", takes_context=True)
def profile_links(
    context: dict[str, Any], membership: Membership, profile: OffenderProfile
) -> dict[str, Any]:
    """The profiles linked to `profile` that this person sees now; administrators of an owner or
    of the partnership that made a link may undo it, and merge a pair that is all their own."""
    admin = membership.role == Role.ADMIN
    here = membership.partnership_id
    rows = []
    for linked in links_of_profile(membership=membership, profile=profile):
        owners = {profile.partnership_id, linked.profile.partnership_id}
        rows.append(
            LinkRow(
                linked=linked,
                may_undo=admin and here in {linked.link.made_in_id, *owners},
                may_merge=admin and owners == {here},
            )
        )
    return {
        "rows": rows,
        "profile": profile,
        "partnership": membership.partnership,
        "csrf_token": context.get("csrf_token"),
    }
