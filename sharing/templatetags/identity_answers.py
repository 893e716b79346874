"""Answers to ID-sought profiles on a profile's page: offenders, below sharing's pages, shows
them through this tag without importing them."""

from __future__ import annotations

from typing import Any

from django import template

from offenders.models import OffenderProfile, ProfileStatus
from partnerships.models import Membership, Role
from sharing.selectors import answers_of_profile

register = template.Library()


@register.inclusion_tag("sharing/_identity_answers.html", takes_context=True)
def identity_answers(
    context: template.Context, membership: Membership, profile: OffenderProfile
) -> dict[str, Any]:
    """The answers naming this profile and, on a peer's ID-sought profile, the way to answer
    it (the confirmed links are the profile_links tag's)."""
    if membership.role == Role.MEMBER:
        return {}
    return {
        "partnership": membership.partnership,
        "profile": profile,
        "answers": list(answers_of_profile(membership=membership, profile=profile)),
        # A profile on this page is one the person may see: a peer's is therefore shared.
        "may_answer": profile.status == ProfileStatus.ID_SOUGHT
        and profile.partnership_id != membership.partnership_id,
    }
