"""Same-person candidates shown on a profile's page, so offenders, below sharing's reads,
never imports them."""

from __future__ import annotations

from django import template

from offenders.models import OffenderProfile
from partnerships.models import Membership, Role
from sharing.selectors import Candidate, candidates_for

register = template.Library()


@register.simple_tag
def profile_candidates(membership: Membership, profile: OffenderProfile) -> list[Candidate]:
    """The profile's best candidates, for administrators only (the queue is theirs)."""
    if membership.role != Role.ADMIN:
        return []
    return candidates_for(membership=membership, profile=profile)
