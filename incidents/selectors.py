"""Reads of incidents: members see only their own reports; administrators and police all of
their partnership's. Nothing here crosses partnerships: incidents are never shared.

The statistics are aggregates only, of every incident of the partnership except rejected ones;
hours, weekdays and months are UK local time (Europe/London), whatever time zone happens to be
active for the request.

Names: `<noun>_for(*, membership, pk|token, action)` is the one record a person acts on, or None;
`<nouns>_<qualifier>(*, ...)` is a list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, ExtractHour, ExtractIsoWeekDay, TruncMonth

from bcrp.actors import Action
from bcrp.models import AuditEvent
from incidents.models import (
    Category,
    EvidencePack,
    ImpactStatement,
    Incident,
    IncidentOffender,
    IncidentPhoto,
    IncidentStatus,
    WitnessStatement,
)
from offenders.models import ExportStatus, OffenderProfile
from offenders.selectors import profiles_visible
from partnerships.models import Membership, Partnership, Premises, Role
from partnerships.selectors import premises_of_partnership


def incidents_visible(*, membership: Membership) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(partnership=membership.partnership)
    if membership.role == Role.MEMBER:
        incidents = incidents.filter(reported_by_id=membership.user_id)
    return incidents


def incidents_matching(*, membership: Membership, status: str = "") -> QuerySet[Incident]:
    incidents = incidents_visible(membership=membership).select_related("premises", "reported_by")
    if status:
        incidents = incidents.filter(status=status)
    return incidents.prefetch_related(
        Prefetch("photos", queryset=IncidentPhoto.objects.only("id", "incident_id"))
    ).order_by("-occurred_at", "-id")


def incidents_described(*, membership: Membership, status: str = "") -> QuerySet[Incident]:
    """The incidents of `incidents_matching` with all an API list item shows of each: every
    photo's address and state, and the offenders linked (a fixed number of queries a page)."""
    return (
        incidents_matching(membership=membership, status=status)
        .prefetch_related(None)
        .prefetch_related(
            "photos",
            Prefetch(
                "offender_links",
                queryset=IncidentOffender.objects.select_related("profile"),
            ),
        )
    )


def incidents_for_export(*, membership: Membership) -> QuerySet[Incident]:
    """The incidents of `incidents_matching` with what the CSV shows of each: its premises,
    business and reporter, and the profiles linked (a fixed number of queries a batch)."""
    return (
        incidents_visible(membership=membership)
        .select_related("premises", "business", "reported_by")
        .prefetch_related(
            Prefetch(
                "offender_links",
                queryset=IncidentOffender.objects.select_related("profile").order_by("pk"),
            )
        )
        .order_by("-occurred_at", "-id")
    )


def profile_ids_shown(*, membership: Membership, incidents: Iterable[Incident]) -> set[int]:
    """Of the profiles linked to these incidents (links prefetched), those this person may
    see: an administrator may link a profile that is not circulated to the reporting member.
    One query, whatever the number of incidents."""
    linked = {link.profile_id for incident in incidents for link in incident.offender_links.all()}
    return set(
        profiles_visible(membership=membership).filter(pk__in=linked).values_list("pk", flat=True)
    )


def reporters_of_partnership(*, partnership: Partnership) -> QuerySet[Membership]:
    """Everyone who may have reported an incident here, including those who have since left:
    their reports stay."""
    return (
        Membership.objects.select_related("user", "business")
        .filter(partnership=partnership)
        .exclude(role=Role.POLICE)
        .order_by("user__full_name", "user__email", "-created_at")
        .distinct("user__full_name", "user__email")
    )


def incident_for(*, membership: Membership, pk: int, action: Action) -> Incident | None:
    """An incident with what its page shows: reviewing it is for administrators."""
    if not membership.may(action):
        return None
    return (
        incidents_visible(membership=membership)
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


def incident_photo_for(
    *, membership: Membership, token: str, action: Action
) -> IncidentPhoto | None:
    """A photo of an incident, under the same rule as the incident."""
    if not membership.may(action):
        return None
    return (
        IncidentPhoto.objects.select_related("incident")
        .filter(token=token, incident__in=incidents_visible(membership=membership))
        .first()
    )


def premises_for_reporter(*, membership: Membership) -> QuerySet[Premises]:
    """A member reports for their own business's premises; others for any in the partnership."""
    premises = premises_of_partnership(partnership=membership.partnership)
    if membership.role == Role.MEMBER and membership.business_id:
        premises = premises.filter(business_id=membership.business_id)
    return premises


def profiles_for_reporter(*, membership: Membership) -> QuerySet[OffenderProfile]:
    """Profiles a reporter may name: for members, the circulated gallery."""
    return (
        profiles_visible(membership=membership)
        .filter(partnership=membership.partnership)
        .order_by("last_name", "first_name", "id")
    )


def incidents_of_profile(*, membership: Membership, profile: OffenderProfile) -> QuerySet[Incident]:
    """This partnership's incidents linked to a profile (never another partnership's)."""
    return (
        incidents_visible(membership=membership)
        .filter(offender_links__profile=profile)
        .select_related("premises")
        .order_by("-occurred_at")
    )


# Witness and impact statements

# The MG11's own words above the maker's signature.
STATEMENT_DECLARATION = (
    "This statement (consisting of {pages} page(s) each signed by me) is true to the best of my "
    "knowledge and belief and I make it knowing that, if it is tendered in evidence, I shall be "
    "liable to prosecution if I have wilfully stated anything in it, which I know to be false, "
    "or do not believe to be true."
)
# A printed MG11 page holds about this much of the account (A4, 11 pt): for the count shown on
# screen; the printed statement states the pages it really has.
STATEMENT_LINE_CHARS = 90
STATEMENT_PAGE_LINES = 40


def statement_declaration(*, pages: int) -> str:
    return STATEMENT_DECLARATION.format(pages=pages)


def statement_pages_estimate(*, statement: WitnessStatement) -> int:
    lines = sum(
        max(1, -(-len(paragraph) // STATEMENT_LINE_CHARS))
        for paragraph in statement.account.split("\n")
    )
    return max(1, -(-lines // STATEMENT_PAGE_LINES))


def statement_maker_is(*, membership: Membership, incident: Incident) -> bool:
    """Whether this person makes the incident's statements: the one who reported it, in a role
    that reports (police read statements; they never make one)."""
    return (
        incident.reported_by_id is not None
        and incident.reported_by_id == membership.user_id
        and membership.role in (Role.ADMIN, Role.MEMBER)
    )


def exhibit_reference(*, prefix: str, number: int) -> str:
    return f"{prefix}/{number}" if prefix else f"Exhibit {number}"


def exhibits_of(*, incident: Incident, prefix: str) -> list[tuple[str, IncidentPhoto]]:
    """The incident's photos as the statement's exhibits, numbered in the order they were
    stored: [("JS/1", photo), ("JS/2", photo), ...]. Uses the photos prefetched, if they are."""
    photos = sorted(incident.photos.all(), key=lambda photo: photo.pk)
    return [
        (exhibit_reference(prefix=prefix, number=number), photo)
        for number, photo in enumerate(photos, 1)
    ]


def statement_versions(*, incident: Incident) -> QuerySet[WitnessStatement]:
    """Every version of the incident's witness statement, the latest first."""
    return (
        WitnessStatement.objects.filter(incident=incident)
        .select_related("signed_by", "maker")
        .order_by("-version")
    )


def statement_current(*, incident: Incident) -> WitnessStatement | None:
    """The incident's witness statement: its latest version, signed or not; None if no one
    has started one."""
    return statement_versions(incident=incident).first()


def statement_signed_latest(*, incident: Incident) -> WitnessStatement | None:
    """The latest signed version: what can be given to the police while a change is drafted."""
    return statement_versions(incident=incident).filter(signed_at__isnull=False).first()


def impact_statement_of(*, incident: Incident) -> ImpactStatement | None:
    return ImpactStatement.objects.filter(incident=incident).first()


def pack_for(*, membership: Membership, token: str, action: Action) -> EvidencePack | None:
    """An evidence pack of this partnership: its administrators and police alone see one."""
    if membership.role not in (Role.ADMIN, Role.POLICE):
        return None
    return (
        EvidencePack.objects.select_related("incident", "profile", "requested_by")
        .filter(token=token, partnership_id=membership.partnership_id)
        .first()
    )


def pack_profile_for(*, membership: Membership, pk: int, action: Action) -> OffenderProfile | None:
    """A profile to build a pack of: one this person sees and this partnership owns (a peer's
    incidents are never in our packs)."""
    return (
        profiles_visible(membership=membership)
        .filter(pk=pk, partnership_id=membership.partnership_id)
        .first()
    )


# Statistics

# UK schemes: a shop's "busy hour" is the hour on the shop's clock, in summer and in winter.
STATS_TIME_ZONE = ZoneInfo("Europe/London")
TOP_PREMISES = 15
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OTHER_PREMISES = "Other premises"
NO_PREMISES = "No premises given"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatsRow:
    """One bar (or point) of a chart: how many incidents, and what they cost."""

    key: str
    label: str
    incidents: int
    value_lost: Decimal
    value_recovered: Decimal


@dataclass(frozen=True)
class IncidentStats:
    date_from: date
    date_to: date
    total: StatsRow
    by_category: list[StatsRow]
    by_premises: list[StatsRow]
    by_hour: list[StatsRow]
    by_weekday: list[StatsRow]
    by_month: list[StatsRow]

    def dimensions(self) -> list[tuple[str, list[StatsRow]]]:
        return [
            ("total", [self.total]),
            ("category", self.by_category),
            ("premises", self.by_premises),
            ("hour", self.by_hour),
            ("weekday", self.by_weekday),
            ("month", self.by_month),
        ]


def _incidents_counted(
    partnership: Partnership, date_from: date, date_to: date
) -> QuerySet[Incident]:
    start = datetime.combine(date_from, time.min, tzinfo=STATS_TIME_ZONE)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=STATS_TIME_ZONE)
    return (
        Incident.objects.filter(
            partnership=partnership, occurred_at__gte=start, occurred_at__lt=end
        )
        .exclude(status=IncidentStatus.REJECTED)
        .order_by()
    )


def _money(field: str) -> Coalesce:
    return Coalesce(
        Sum(field), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2)
    )


MEASURES = {
    "incidents": Count("id"),
    "value_lost": _money("value_lost"),
    "value_recovered": _money("value_recovered"),
}


def _grouped(queryset: QuerySet[Incident], *keys: str) -> list[dict[str, Any]]:
    """One SQL GROUP BY: the measures for each distinct value of `keys`."""
    return list(queryset.values(*keys).annotate(**MEASURES).order_by())


def _row(key: str, label: str, group: dict[str, Any] | None) -> StatsRow:
    if group is None:
        return StatsRow(key, label, 0, ZERO, ZERO)
    return StatsRow(key, label, group["incidents"], group["value_lost"], group["value_recovered"])


def _premises_label(group: dict[str, Any]) -> str:
    business, name = group["premises__business__name"], group["premises__name"]
    return f"{business}, {name} ({group['premises__postcode']})"


def _premises_rows(groups: list[dict[str, Any]]) -> list[StatsRow]:
    """The busiest premises one by one, the rest as one "Other" bar, then "No premises given"."""
    unknown = next((g for g in groups if g["premises"] is None), None)
    named = sorted(
        (g for g in groups if g["premises"] is not None),
        key=lambda g: (-g["incidents"], g["premises__business__name"], g["premises__name"]),
    )
    rows = [_row(str(g["premises"]), _premises_label(g), g) for g in named[:TOP_PREMISES]]
    rest = named[TOP_PREMISES:]
    if rest:
        rows.append(
            StatsRow(
                "other",
                f"{OTHER_PREMISES} ({len(rest)})",
                sum(g["incidents"] for g in rest),
                sum((g["value_lost"] for g in rest), ZERO),
                sum((g["value_recovered"] for g in rest), ZERO),
            )
        )
    if unknown is not None:
        rows.append(_row("none", NO_PREMISES, unknown))
    return rows


def _months(date_from: date, date_to: date) -> list[date]:
    first, last = date_from.year * 12 + date_from.month - 1, date_to.year * 12 + date_to.month - 1
    return [date(index // 12, index % 12 + 1, 1) for index in range(first, last + 1)]


def incident_stats(*, partnership: Partnership, date_from: date, date_to: date) -> IncidentStats:
    """Every aggregate of the statistics page, in six queries whatever the number of incidents."""
    counted = _incidents_counted(partnership, date_from, date_to)
    tz = STATS_TIME_ZONE

    total = counted.aggregate(**MEASURES)
    by_category = {g["category"]: g for g in _grouped(counted, "category")}
    by_hour = {
        g["hour"]: g
        for g in _grouped(counted.annotate(hour=ExtractHour("occurred_at", tzinfo=tz)), "hour")
    }
    by_weekday = {
        g["weekday"]: g
        for g in _grouped(
            counted.annotate(weekday=ExtractIsoWeekDay("occurred_at", tzinfo=tz)), "weekday"
        )
    }
    by_month = {
        g["month"]: g
        for g in _grouped(
            counted.annotate(month=TruncMonth("occurred_at", output_field=DateField(), tzinfo=tz)),
            "month",
        )
    }
    premises = _grouped(
        counted, "premises", "premises__name", "premises__postcode", "premises__business__name"
    )

    return IncidentStats(
        date_from=date_from,
        date_to=date_to,
        total=_row("all", f"{date_from.isoformat()} to {date_to.isoformat()}", total),
        by_category=[
            _row(value, str(label), by_category.get(value)) for value, label in Category.choices
        ],
        by_premises=_premises_rows(premises),
        by_hour=[_row(f"{hour:02d}:00", f"{hour:02d}:00", by_hour.get(hour)) for hour in range(24)],
        by_weekday=[
            _row(name, name, by_weekday.get(number)) for number, name in enumerate(WEEKDAYS, 1)
        ],
        by_month=[
            _row(month.strftime("%Y-%m"), month.strftime("%b %Y"), by_month.get(month))
            for month in _months(date_from, date_to)
        ],
    )


def _with_total(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Each row carries `total`, the count of all rows matched, so that the home page shows the
    first few and how many there are in one query."""
    return queryset.annotate(total=Window(Count("pk")))


def incidents_awaiting_review(*, partnership: Partnership) -> QuerySet[Incident]:
    """Submitted incidents nobody has reviewed yet, the longest waiting first."""
    return _with_total(
        Incident.objects.select_related("premises")
        .filter(partnership=partnership, status=IncidentStatus.SUBMITTED)
        .order_by("created_at", "pk")
    )


def incidents_reported_since(*, membership: Membership, since: datetime) -> QuerySet[Incident]:
    """Incidents this person may see that were reported after `since`, newest first."""
    return _with_total(
        incidents_visible(membership=membership)
        .select_related("premises")
        .filter(created_at__gt=since)
        .order_by("-created_at", "-pk")
    )


def packs_ready_undownloaded(*, partnership: Partnership) -> QuerySet[EvidencePack]:
    """Evidence packs built and not yet downloaded by anyone, the oldest first."""
    downloads = AuditEvent.objects.filter(
        partnership_id=partnership.pk, action="pack.download"
    ).annotate(pack_id=KeyTextTransform("pack_id", "detail"))
    return _with_total(
        EvidencePack.objects.select_related("incident__premises", "profile")
        .filter(partnership=partnership, status=ExportStatus.READY)
        .filter(~Exists(downloads.filter(pack_id=Cast(OuterRef("pk"), CharField()))))
        .order_by("completed_at", "pk")
    )
