"""Reads of incidents: members see only their own reports; administrators and police all of
their partnership's. Nothing here crosses partnerships: incidents are never shared."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from incidents.models import Incident, IncidentOffender, IncidentPhoto
from offenders.models import OffenderProfile
from offenders.selectors import profiles_visible
from partnerships.models import Membership, Premises, Role
from partnerships.selectors import premises_for


def incidents_visible(membership: Membership) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(partnership=membership.partnership)
    if membership.role == Role.MEMBER:
        incidents = incidents.filter(reported_by_id=membership.user_id)
    return incidents


def incident_list(membership: Membership, *, status: str = "") -> QuerySet[Incident]:
    incidents = incidents_visible(membership).select_related("premises", "reported_by")
    if status:
        incidents = incidents.filter(status=status)
    return incidents.prefetch_related(
        Prefetch("photos", queryset=IncidentPhoto.objects.only("id", "incident_id"))
    ).order_by("-occurred_at", "-id")


def incident_detail(membership: Membership, pk: int) -> Incident | None:
    return (
        incidents_visible(membership)
        .select_related("premises", "business", "reported_by", "reviewed_by")
        .prefetch_related(
            "photos",
            Prefetch(
                "offender_links",
                queryset=IncidentOffender.objects.select_related("profile"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def photo_visible(membership: Membership, token: str) -> IncidentPhoto | None:
    return (
        IncidentPhoto.objects.select_related("incident")
        .filter(token=token, incident__in=incidents_visible(membership))
        .first()
    )


def premises_for_reporter(membership: Membership) -> QuerySet[Premises]:
    """A member reports for their own business's premises; others for any in the partnership."""
    premises = premises_for(membership.partnership)
    if membership.role == Role.MEMBER and membership.business_id:
        premises = premises.filter(business_id=membership.business_id)
    return premises


def known_offender_choices(membership: Membership) -> QuerySet[OffenderProfile]:
    """Profiles a reporter may name: for members, the circulated gallery."""
    return (
        profiles_visible(membership)
        .filter(partnership=membership.partnership)
        .order_by("last_name", "first_name", "id")
    )


def incidents_of_profile(membership: Membership, profile: OffenderProfile) -> QuerySet[Incident]:
    """This partnership's incidents linked to a profile (never another partnership's)."""
    return (
        incidents_visible(membership)
        .filter(offender_links__profile=profile)
        .select_related("premises")
        .order_by("-occurred_at")
    )
