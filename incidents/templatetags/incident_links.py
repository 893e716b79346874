"""Incidents shown on other apps' pages: a profile's page lists its incidents through this tag,
so offenders, below incidents, never imports them."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from incidents.models import Incident
from incidents.selectors import incidents_of_profile
from offenders.models import OffenderProfile
from partnerships.models import Membership

register = template.Library()


@register.simple_tag
def profile_incidents(membership: Membership, profile: OffenderProfile) -> QuerySet[Incident]:
    """This partnership's incidents linked to the profile (never another partnership's)."""
    return incidents_of_profile(membership=membership, profile=profile)
