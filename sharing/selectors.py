"""Reads for sharing: partner states, previews, and the Dataview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Field,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from bcrp.actors import VIEW, Action
from offenders.models import (
    GalleryPlacement,
    NoticeKind,
    NoticeStatus,
    OffenderImage,
    OffenderProfile,
    ProfileStatus,
)
from offenders.selectors import (
    REFERENCE_RE,
    notices_prefetch,
    primary_images_prefetch,
    profile_for,
    profiles_named,
    profiles_visible,
    shareable_q,
    view_permission_id,
    viewing_group_id,
)
from partnerships.models import Membership, Partnership, Role
from sharing.candidates import candidates_scored, profile_facts
from sharing.models import (
    AnswerStatus,
    CandidateDismissal,
    CandidatePair,
    DocumentKind,
    IdentityAnswer,
    ProfileGroupPermission,
    ProfileLink,
    SchemeDocument,
    SchemeDocumentSettings,
    SharingConsent,
)


class PartnerState(StrEnum):
    NONE = "none"
    REQUESTED_BY_US = "requested_by_us"
    REQUESTED_BY_THEM = "requested_by_them"
    ACTIVE = "active"
    ENDED = "ended"


STATE_LABELS = {
    PartnerState.NONE: "Not sharing",
    PartnerState.REQUESTED_BY_US: "Requested by us",
    PartnerState.REQUESTED_BY_THEM: "Requested by them",
    PartnerState.ACTIVE: "Sharing",
    PartnerState.ENDED: "Ended",
}


@dataclass
class PartnerRow:
    partnership: Partnership
    state: PartnerState
    ours: SharingConsent | None
    theirs: SharingConsent | None
    last_ended: SharingConsent | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def partner_rows(*, partnership: Partnership) -> list[PartnerRow]:
    """Every other partnership with the state of sharing between us (three queries)."""
    consents = list(
        SharingConsent.objects.select_related("granted_by", "ended_by")
        .filter(Q(grantor=partnership) | Q(grantee=partnership))
        .order_by("granted_at")
    )
    rows = []
    for other in Partnership.objects.exclude(pk=partnership.pk).order_by("name"):
        between = [c for c in consents if other.pk in (c.grantor_id, c.grantee_id)]
        ours = next((c for c in between if c.grantor_id == partnership.pk and not c.ended_at), None)
        theirs = next((c for c in between if c.grantor_id == other.pk and not c.ended_at), None)
        ended = [c for c in between if c.ended_at]
        if ours and theirs:
            state = PartnerState.ACTIVE
        elif ours:
            state = PartnerState.REQUESTED_BY_US
        elif theirs:
            state = PartnerState.REQUESTED_BY_THEM
        elif ended:
            state = PartnerState.ENDED
        else:
            state = PartnerState.NONE
        rows.append(PartnerRow(other, state, ours, theirs, ended[-1] if ended else None))
    return rows


def partner_for(*, membership: Membership, other: str, action: Action) -> PartnerRow | None:
    """Another partnership, by its slug, with the state of sharing between us: agreements are
    made and seen by administrators only."""
    if membership.role != Role.ADMIN:
        return None
    rows = partner_rows(partnership=membership.partnership)
    return next((row for row in rows if row.partnership.slug == other), None)


def profiles_shareable_count(*, partnership: Partnership) -> int:
    return OffenderProfile.objects.filter(shareable_q(), partnership=partnership).count()


def partnerships_sharing_with(*, partnership: Partnership) -> QuerySet[Partnership]:
    """Partnerships in a mutual agreement with this one."""
    return Partnership.objects.filter(
        consents_given__grantee=partnership,
        consents_given__ended_at=None,
        consents_received__grantor=partnership,
        consents_received__ended_at=None,
    ).distinct()


def owners_visible(*, partnership: Partnership) -> QuerySet[Partnership]:
    """This partnership and those in a mutual agreement with it, by name: whose profiles its
    Dataview can hold (names only, for the owner filter)."""
    return (
        Partnership.objects.filter(
            Q(pk=partnership.pk)
            | Q(pk__in=partnerships_sharing_with(partnership=partnership).values("pk"))
        )
        .order_by("name")
        .only("id", "name")
    )


def profiles_for_dataview(*, membership: Membership) -> QuerySet[OffenderProfile]:
    """The Dataview: own and peers' profiles this person may see, ready for one page of rows."""
    return (
        profiles_visible(membership=membership)
        .select_related("partnership")
        .prefetch_related(
            Prefetch(
                "images",
                queryset=OffenderImage.objects.filter(is_primary=True).only(
                    "id", "token", "profile_id", "processed_at", "is_primary"
                ),
                to_attr="primary_images",
            ),
            notices_prefetch(),
            Prefetch(
                "placements",
                queryset=GalleryPlacement.objects.select_related("gallery").only(
                    "id", "profile_id", "expires_on", "gallery__name"
                ),
            ),
        )
    )


# What each Dataview row shows beside the profile's own columns, as literal SQL: the ORM built,
# resolved and compiled these four correlated subqueries again on every page, a seventh of the
# page's time, for SQL that never changes. Each reads one profile's rows through its table's
# profile_id index; the outer profile is the query's base table.
_ROW_THUMB_SQL = (
    "SELECT i.token FROM offenders_offenderimage i"
    ' WHERE i.profile_id = "offenders_offenderprofile"."id"'
    " AND i.is_primary AND i.processed_at IS NOT NULL ORDER BY i.position, i.id LIMIT 1"
)
# The strongest notice in force today: an exclusion outranks a warning, then the one lasting
# longest. Parameters: the active status, today twice, the exclusion kind.
_ROW_NOTICE_WHERE = (
    ' FROM offenders_exclusion n WHERE n.profile_id = "offenders_offenderprofile"."id"'
    " AND n.status = %s AND n.starts_on <= %s AND n.ends_on >= %s"
    " ORDER BY CASE WHEN n.kind = %s THEN 0 ELSE 1 END, n.ends_on DESC LIMIT 1"
)
_ROW_NOTICE_KIND_SQL = "SELECT n.kind" + _ROW_NOTICE_WHERE
_ROW_NOTICE_ENDS_SQL = "SELECT n.ends_on" + _ROW_NOTICE_WHERE
_ROW_GALLERIES_SQL = (
    "ARRAY(SELECT g.name FROM offenders_galleryplacement gp"
    " JOIN offenders_gallery g ON g.id = gp.gallery_id"
    ' WHERE gp.profile_id = "offenders_offenderprofile"."id" ORDER BY g.name, gp.id)'
)


def _row_columns(today: date) -> dict[str, RawSQL]:
    notice = (NoticeStatus.ACTIVE.value, today, today, NoticeKind.EXCLUSION.value)
    columns: dict[str, tuple[str, tuple[Any, ...], Field[Any, Any]]] = {
        "thumb_token": (_ROW_THUMB_SQL, (), CharField()),
        "notice_kind": (_ROW_NOTICE_KIND_SQL, notice, CharField()),
        "notice_ends_on": (_ROW_NOTICE_ENDS_SQL, notice, DateField()),
        "gallery_names": (_ROW_GALLERIES_SQL, (), ArrayField(CharField())),
    }
    # Literal SQL from this module; the only values are parameters.
    return {
        name: RawSQL(sql, params, output_field=field)  # noqa: S611
        for name, (sql, params, field) in columns.items()
    }


# What a Dataview row reads, as named values rather than model instances (a third of the rows'
# cost). The last four are the annotations of dataview_rows.
DATAVIEW_ROW_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "reference",
    "aliases",
    "status",
    "created_at",
    "partnership__name",
    "thumb_token",
    "notice_kind",
    "notice_ends_on",
    "gallery_names",
)


def dataview_rows(*, membership: Membership) -> QuerySet[OffenderProfile]:
    """The Dataview page's rows: each visible profile with what its row shows (thumbnail, the
    strongest notice in force, gallery names) in the page's own query, not one query each.
    Filter it, then read DATAVIEW_ROW_COLUMNS."""
    return profiles_visible(membership=membership).annotate(**_row_columns(timezone.localdate()))


def consent_requests_unanswered(*, partnership: Partnership) -> QuerySet[SharingConsent]:
    """Requests from other partnerships to share with this one that it has neither accepted
    nor declined, the oldest first; each row carries `total`, how many there are."""
    return (
        SharingConsent.objects.select_related("grantor")
        .filter(grantee=partnership, ended_at=None)
        .filter(
            ~Exists(
                SharingConsent.objects.filter(
                    grantor=partnership, grantee=OuterRef("grantor"), ended_at=None
                )
            )
        )
        .annotate(total=Window(Count("pk")))
        .order_by("granted_at", "pk")
    )


def _seen_by(group_id: int, field: str) -> Exists:
    return Exists(
        ProfileGroupPermission.objects.filter(
            content_object_id=OuterRef(field), group_id=group_id, permission_id=view_permission_id()
        )
    )


def pairs_visible_q(*, membership: Membership, first: str = "first", second: str = "second") -> Q:
    """Records naming two profiles (`first`, `second`) that this person may see: their group
    sees both, and across partnerships both are shareable today. Members see none."""
    group_id = viewing_group_id(membership=membership)
    if group_id is None:
        return Q(pk__in=[])
    shareable = OffenderProfile.objects.filter(shareable_q()).values("pk")
    return (
        Q(_seen_by(group_id, f"{first}_id"))
        & Q(_seen_by(group_id, f"{second}_id"))
        & (
            Q(**{f"{first}__partnership_id": F(f"{second}__partnership_id")})
            | (Q(**{f"{first}_id__in": shareable}) & Q(**{f"{second}_id__in": shareable}))
        )
    )


def links_visible(*, membership: Membership) -> QuerySet[ProfileLink]:
    """Every same-person link this person may see."""
    return ProfileLink.objects.filter(pairs_visible_q(membership=membership))


@dataclass
class LinkedProfile:
    link: ProfileLink
    profile: OffenderProfile


def links_of_profile(*, membership: Membership, profile: OffenderProfile) -> list[LinkedProfile]:
    """The profiles linked to `profile` that this person may see, each with its partnership and
    main photo, the oldest link first."""
    links = list(
        links_visible(membership=membership)
        .filter(Q(first=profile) | Q(second=profile))
        .select_related("made_in")
        .order_by("made_at", "pk")
    )
    others = {
        p.pk: p
        for p in OffenderProfile.objects.filter(pk__in=[link.other(profile.pk) for link in links])
        .select_related("partnership")
        .prefetch_related(primary_images_prefetch())
    }
    return [LinkedProfile(link=link, profile=others[link.other(profile.pk)]) for link in links]


# Answers to ID-sought profiles: only the two partnerships concerned see one, and only while
# they may see both profiles (pairs_visible_q), so a revoke hides it in its own transaction.


def answers_visible(*, membership: Membership) -> QuerySet[IdentityAnswer]:
    """The answers this person may see: given or received by their partnership, on profiles
    they may see now."""
    partnership_id = membership.partnership_id
    return IdentityAnswer.objects.filter(
        pairs_visible_q(membership=membership, first="sought", second="known"),
        Q(sought__partnership_id=partnership_id) | Q(answered_in_id=partnership_id),
    )


def answer_for(*, membership: Membership, pk: int, action: Action) -> IdentityAnswer | None:
    """One answer with both profiles: either side views it; only the seeking partnership's
    administrators decide it."""
    answers = answers_visible(membership=membership)
    if action != VIEW:
        if not membership.may(action):
            return None
        answers = answers.filter(sought__partnership_id=membership.partnership_id)
    return (
        answers.select_related(
            "sought__partnership", "known__partnership", "answered_in", "decided_by"
        )
        .prefetch_related(
            Prefetch("sought__images", queryset=_primary_images(), to_attr="primary_images"),
            Prefetch("known__images", queryset=_primary_images(), to_attr="primary_images"),
        )
        .filter(pk=pk)
        .first()
    )


def _primary_images() -> QuerySet[OffenderImage]:
    return OffenderImage.objects.filter(is_primary=True).only(
        "id", "token", "profile_id", "processed_at", "is_primary"
    )


def answers_of_profile(
    *, membership: Membership, profile: OffenderProfile
) -> QuerySet[IdentityAnswer]:
    """The answers naming this profile (as sought or as known) that this person may see."""
    return (
        answers_visible(membership=membership)
        .filter(Q(sought=profile) | Q(known=profile))
        .select_related("sought__partnership", "known__partnership", "answered_in")
        .order_by("-answered_at", "-pk")
    )


def answers_waiting(*, membership: Membership) -> QuerySet[IdentityAnswer]:
    """Answers to this partnership's ID-sought profiles that its administrators have not yet
    decided, the oldest first; each row carries `total`."""
    if membership.role != Role.ADMIN:
        return IdentityAnswer.objects.none()
    return (
        answers_visible(membership=membership)
        .filter(sought__partnership_id=membership.partnership_id, status=AnswerStatus.WAITING)
        .select_related("sought", "answered_in")
        .annotate(total=Window(Count("pk")))
        .order_by("answered_at", "pk")
    )


def sought_for(*, membership: Membership, pk: int, action: Action) -> OffenderProfile | None:
    """A peer's ID-sought profile this person may answer: shared with their partnership, and
    seen by administrators and police only (answering changes nothing of the record)."""
    if membership.role not in (Role.ADMIN, Role.POLICE) or action != VIEW:
        return None
    return (
        profiles_visible(membership=membership)
        .filter(shareable_q(), status=ProfileStatus.ID_SOUGHT, pk=pk)
        .exclude(partnership_id=membership.partnership_id)
        .select_related("partnership")
        .prefetch_related(primary_images_prefetch())
        .first()
    )


def answer_profiles_offered(*, membership: Membership, search: str) -> QuerySet[OffenderProfile]:
    """This partnership's own shareable profiles matching a reference or name, to answer with."""
    own = OffenderProfile.objects.filter(shareable_q(), partnership_id=membership.partnership_id)
    text = search.strip()
    if not text:
        return own.none()
    if REFERENCE_RE.fullmatch(text):
        own = own.filter(reference__iexact=text)
    else:
        own = profiles_named(profiles=own, text=text)
    return own.prefetch_related(primary_images_prefetch()).order_by("last_name", "first_name", "pk")


def link_for(*, membership: Membership, pk: int, action: Action) -> ProfileLink | None:
    """One same-person link this person sees; only administrators may undo or merge one."""
    if not membership.may(action):
        return None
    return links_visible(membership=membership).select_related("made_in").filter(pk=pk).first()


@dataclass
class MergeSide:
    profile: OffenderProfile
    holds: list[tuple[str, int]]


@dataclass
class MergePair:
    link: ProfileLink
    sides: list[MergeSide]


def _holdings(profile: OffenderProfile) -> list[tuple[str, int]]:
    """What a merge moves from this profile, by kind, for the confirmation page."""
    return [
        ("photos", len(profile.images.all())),
        ("galleries", len(profile.placements.all())),
        ("warnings and exclusions", profile.all_notices.count()),
        ("sightings", profile.sightings.count()),
        ("incidents", profile.incident_links.count()),
        ("subject access exports", profile.subject_exports.count()),
        (
            "same-person links",
            ProfileLink.objects.filter(Q(first=profile) | Q(second=profile)).count(),
        ),
        (
            "identity answers",
            IdentityAnswer.objects.filter(Q(sought=profile) | Q(known=profile)).count(),
        ),
    ]


def merge_pair_for(*, membership: Membership, pk: int, action: Action) -> MergePair | None:
    """A link between two profiles of this person's own partnership, with what each holds, the
    older profile first; None for a link across partnerships (those are never merged)."""
    link = link_for(membership=membership, pk=pk, action=action)
    if link is None:
        return None
    profiles = [
        profile_for(membership=membership, pk=profile_id, action=action)
        for profile_id in (link.first_id, link.second_id)
    ]
    sides = [
        MergeSide(profile=profile, holds=_holdings(profile))
        for profile in profiles
        if profile is not None and profile.partnership_id == membership.partnership_id
    ]
    if len(sides) != 2:
        return None
    return MergePair(link=link, sides=sides)


@dataclass
class Candidate:
    profile: OffenderProfile
    score: float
    reasons: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _decided_with(*, partnership: Partnership, profile: OffenderProfile) -> set[int]:
    """Profiles already linked to `profile`, or judged "not the same" by this partnership."""
    decided = set()
    for first, second in (
        ProfileLink.objects.filter(Q(first=profile) | Q(second=profile))
        .values_list("first_id", "second_id")
        .union(
            CandidateDismissal.objects.filter(partnership=partnership)
            .filter(Q(first=profile) | Q(second=profile))
            .values_list("first_id", "second_id")
        )
    ):
        decided.add(second if first == profile.pk else first)
    return decided


def candidates_for(
    *, membership: Membership, profile: OffenderProfile, limit: int = 5
) -> list[Candidate]:
    """Profiles this person's partnership sees that may be `profile`'s person, best first: its
    own and mutually consented peers' shareable ones (a peer's only while both sides are
    shareable), not already linked, not judged "not the same" here. Four queries."""
    group_id = viewing_group_id(membership=membership)
    facts = profile_facts([profile.pk]).get(profile.pk)
    if group_id is None or facts is None:
        return []
    exclude = _decided_with(partnership=membership.partnership, profile=profile)
    best = candidates_scored(facts=facts, group_id=group_id, exclude=exclude)[:limit]
    profiles = {
        p.pk: p
        for p in OffenderProfile.objects.filter(pk__in=[other.id for other, _ in best])
        .select_related("partnership")
        .prefetch_related(primary_images_prefetch())
    }
    return [
        Candidate(profile=profiles[other.id], score=match.score, reasons=match.reasons)
        for other, match in best
        if other.id in profiles
    ]


def _images_of(field: str) -> Prefetch[Any]:
    return Prefetch(
        f"{field}__images",
        queryset=OffenderImage.objects.filter(is_primary=True).only(
            "id", "token", "profile_id", "processed_at", "is_primary"
        ),
        to_attr="primary_images",
    )


def candidate_queue(*, membership: Membership) -> QuerySet[CandidatePair]:
    """The review queue: stored candidate pairs naming one of this partnership's profiles that
    this person may see now, not linked and not judged "not the same" here, best first."""
    partnership = membership.partnership
    linked = ProfileLink.objects.filter(first=OuterRef("first"), second=OuterRef("second"))
    dismissed = CandidateDismissal.objects.filter(
        partnership=partnership, first=OuterRef("first"), second=OuterRef("second")
    )
    return (
        CandidatePair.objects.filter(
            Q(first_partnership=partnership) | Q(second_partnership=partnership)
        )
        .filter(pairs_visible_q(membership=membership))
        .filter(~Exists(linked), ~Exists(dismissed))
        .select_related("first__partnership", "second__partnership")
        .prefetch_related(_images_of("first"), _images_of("second"))
        .order_by("-score", "first_id", "second_id")
    )


def _documents_readable(*, membership: Membership) -> QuerySet[SchemeDocument]:
    """Administrators read every document; police liaison officers the sharing agreements."""
    documents = SchemeDocument.objects.filter(partnership=membership.partnership)
    if membership.role == Role.ADMIN:
        return documents
    if membership.role == Role.POLICE:
        return documents.filter(kind=DocumentKind.SHARING_AGREEMENT)
    return documents.none()


def documents_current(*, membership: Membership) -> list[SchemeDocument]:
    """The latest version of each document the person may read, agreements in force first."""
    latest = (
        _documents_readable(membership=membership)
        .order_by("kind", "agreement_id", "-version")
        .distinct("kind", "agreement_id")
        .select_related("agreement__grantee")
    )
    return sorted(latest, key=lambda d: (d.kind != DocumentKind.SHARING_AGREEMENT, d.kind, d.pk))


def document_for(*, membership: Membership, document: int, action: Action) -> SchemeDocument | None:
    if action != VIEW:
        return None
    return (
        _documents_readable(membership=membership)
        .select_related("partnership", "agreement__grantee")
        .filter(pk=document)
        .first()
    )


def document_versions(*, document: SchemeDocument) -> QuerySet[SchemeDocument]:
    return SchemeDocument.objects.filter(
        partnership_id=document.partnership_id, kind=document.kind, agreement=document.agreement_id
    ).order_by("-version")


def document_settings_of(*, partnership: Partnership) -> SchemeDocumentSettings:
    found = SchemeDocumentSettings.objects.filter(partnership=partnership).first()
    return found or SchemeDocumentSettings(partnership=partnership)


def partnership_by_slug(*, slug: str) -> Partnership | None:
    """For the public privacy notices: the partnership's name and settings only."""
    return Partnership.objects.filter(slug=slug).first()
