"""Travelling and prolific offenders: the people formed by the same-person links a partnership
may see, active in two or more partnerships; and excluded people's new incidents elsewhere."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, Max, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidents.models import IncidentOffender, IncidentStatus
from offenders.models import (
    Exclusion,
    NoticeKind,
    NoticeStatus,
    OffenderProfile,
    Sighting,
)
from offenders.selectors import viewing_group_id
from partnerships.models import Membership
from sharing.selectors import links_visible

TRAVELLING_MONTHS = 12
PEER_INCIDENT_DAYS = 14


@dataclass
class PartnershipActivity:
    name: str
    incidents: int = 0
    notices: int = 0

    @property
    def total(self) -> int:
        return self.incidents + self.notices


@dataclass
class TravellingPerson:
    """One person as this partnership can see them: its visible linked profiles, and what was
    recorded on them in each owner's area (counts, and the latest date and place seen)."""

    profiles: list[OffenderProfile]
    activity: list[PartnershipActivity]
    latest_at: datetime | None = None
    latest_in: str = ""
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum(row.total for row in self.activity)


def _people(pairs: list[tuple[int, int]]) -> list[set[int]]:
    """The connected groups of linked profiles (union-find over the pairs)."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for one, other in pairs:
        parent[root(one)] = root(other)
    groups: dict[int, set[int]] = defaultdict(set)
    for node in list(parent):
        groups[root(node)].add(node)
    return list(groups.values())


def travelling_people(
    *, membership: Membership, now: datetime | None = None
) -> list[TravellingPerson]:
    """People with incidents or notices in two or more partnerships in the last 12 months, most
    active first. Only links this person may see form a person, so a peer's own links to a
    third partnership never bring that partnership's profiles in (never transitive). Counts
    are of records in each profile's own partnership. Five queries, whatever the numbers."""
    if viewing_group_id(membership=membership) is None:
        return []
    now = now or timezone.now()
    since = now - relativedelta(months=TRAVELLING_MONTHS)
    groups = _people(
        list(links_visible(membership=membership).values_list("first_id", "second_id"))
    )
    ids = [pk for group in groups for pk in group]
    if not ids:
        return []
    profiles = {
        p.pk: p
        for p in OffenderProfile.objects.filter(pk__in=ids)
        .select_related("partnership")
        .only("id", "reference", "first_name", "last_name", "partnership__name")
    }
    incidents = (
        IncidentOffender.objects.filter(
            profile_id__in=ids,
            incident__occurred_at__gte=since,
            incident__partnership_id=F("profile__partnership_id"),
        )
        .exclude(incident__status=IncidentStatus.REJECTED)
        .values_list("profile_id", "incident_id", "incident__occurred_at")
    )
    notices = Exclusion.objects.filter(profile_id__in=ids, starts_on__gte=since.date()).values_list(
        "profile_id", "pk"
    )
    sightings = (
        Sighting.objects.filter(
            profile_id__in=ids, seen_at__gte=since, partnership_id=F("profile__partnership_id")
        )
        .values("profile_id")
        .annotate(last=Max("seen_at"))
        .values_list("profile_id", "last")
    )
    incidents_of: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for profile_id, incident_id, occurred_at in incidents:
        incidents_of[profile_id].append((incident_id, occurred_at))
    notices_of: dict[int, list[int]] = defaultdict(list)
    for profile_id, notice_id in notices:
        notices_of[profile_id].append(notice_id)
    seen_last = dict(sightings)

    people = []
    for group in groups:
        activity: dict[int, PartnershipActivity] = {}
        latest: tuple[datetime, str] | None = None
        for pk in group:
            profile = profiles[pk]
            owner = profile.partnership
            row = activity.setdefault(owner.pk, PartnershipActivity(owner.name))
            row.incidents += len({incident_id for incident_id, _ in incidents_of[pk]})
            row.notices += len(notices_of[pk])
            moments = [when for _, when in incidents_of[pk]]
            if pk in seen_last:
                moments.append(seen_last[pk])
            if moments and (latest is None or max(moments) > latest[0]):
                latest = (max(moments), owner.name)
        active = [row for row in activity.values() if row.total]
        if len(active) < 2:
            continue
        active.sort(key=lambda row: (-row.total, row.name))
        members = sorted((profiles[pk] for pk in group), key=lambda p: (p.partnership.name, p.pk))
        people.append(
            TravellingPerson(
                profiles=members,
                activity=active,
                latest_at=latest[0] if latest else None,
                latest_in=latest[1] if latest else "",
            )
        )
    people.sort(key=lambda person: (-person.total, -(person.latest_at or since).timestamp()))
    return people


def _excluded_here(partnership_id: int, field_name: str, today: date) -> Exists:
    return Exists(
        Exclusion.objects.filter(
            profile_id=OuterRef(field_name),
            profile__partnership_id=partnership_id,
            kind=NoticeKind.EXCLUSION,
            status=NoticeStatus.ACTIVE,
            ends_on__gte=today,
        )
    )


def excluded_incidents_elsewhere(
    *, membership: Membership, now: datetime | None = None
) -> QuerySet[IncidentOffender]:
    """New incidents (last 14 days) in a peer's area on a peer's profile linked, as this
    partnership sees it, to one of its own profiles under an exclusion in force. Each row
    carries `ours_pk`, `ours_reference` and `total`; the newest first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    own = membership.partnership_id
    links = links_visible(membership=membership)
    # A link names the lower id first: our excluded profile may be on either side.
    ours_first = links.filter(second_id=OuterRef("profile_id")).filter(
        _excluded_here(own, "first_id", today)
    )
    ours_second = links.filter(first_id=OuterRef("profile_id")).filter(
        _excluded_here(own, "second_id", today)
    )
    return (
        IncidentOffender.objects.filter(
            incident__occurred_at__gte=now - timedelta(days=PEER_INCIDENT_DAYS),
            incident__partnership_id=F("profile__partnership_id"),
        )
        .exclude(profile__partnership_id=own)
        .exclude(incident__status=IncidentStatus.REJECTED)
        .annotate(
            ours_pk=Coalesce(
                Subquery(ours_first.values("first_id")[:1]),
                Subquery(ours_second.values("second_id")[:1]),
            ),
            ours_reference=Coalesce(
                Subquery(ours_first.values("first__reference")[:1]),
                Subquery(ours_second.values("second__reference")[:1]),
            ),
        )
        .filter(ours_pk__isnull=False)
        .select_related("incident__partnership")
        .only("id", "incident__occurred_at", "incident__partnership__name")
        .annotate(total=Window(Count("pk")))
        .order_by("-incident__occurred_at", "-pk")
    )
