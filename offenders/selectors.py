"""Reads of profiles, galleries and images: the one place that decides who sees what.

A partnership's administrators and police see all of its profiles; its members see only the
circulated ones (in a gallery members may see, placement not expired nor awaiting a second
administrator, not archived, not under 18, not under challenge) and only through the member
gallery. Profiles of other partnerships are never visible here without a sharing agreement.

Names: `<noun>_for(*, membership, pk|token, action)` is the one record a person acts on, or None:
peers may view a shared profile, only the owning partnership's administrators change or export
it (the tenant pages resolve their record with these); `<nouns>_<qualifier>(*, ...)` is a list.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.contrib.postgres.search import SearchQuery
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from bcrp.actors import VIEW, Action
from bcrp.models import AuditEvent
from bcrp.prepared import PreparedQuery
from offenders.models import (
    PUBLIC_NOTICE_AFTER_DAYS,
    Exclusion,
    ExportStatus,
    Gallery,
    GalleryPlacement,
    NoticeKind,
    NoticeStatus,
    OffenderImage,
    OffenderProfile,
    ProfileChallenge,
    ProfileStatus,
    Sighting,
    SubjectAccessExport,
    SubjectRequest,
    SubjectRequestKind,
    SubjectRequestStatus,
    normalise_name,
)
from partnerships.models import Membership, Partnership, Role
from sharing.models import ADULT_AGE, ProfileGroupPermission

PHASH_NEAR_BITS = 6
REFERENCE_RE = re.compile(r"[A-Za-z]{1,5}-\d{1,6}")
PUBLIC_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def juvenile_q(*, today: date | None = None, via: str = "") -> Q:
    """Profiles whose subject is, or may be, under 18 today (`via` reaches the profile from
    another model, as "profile__")."""
    today = today or timezone.localdate()
    eighteenth_birthday_cutoff = today - relativedelta(years=ADULT_AGE)
    return Q(**{f"{via}date_of_birth__gt": eighteenth_birthday_cutoff}) | Q(
        **{f"{via}date_of_birth__isnull": True, f"{via}age_min__lt": ADULT_AGE}
    )


def till_ready_q(*, partnership: Partnership, today: date, via: str = "") -> Q:
    """The profile's own conditions for the till: its partnership's, known or sought, not
    under challenge, never (possibly) a child."""
    return Q(
        **{
            f"{via}partnership": partnership,
            f"{via}status__in": [ProfileStatus.KNOWN, ProfileStatus.ID_SOUGHT],
            f"{via}under_challenge": False,
        }
    ) & ~juvenile_q(today=today, via=via)


def circulated_q(*, partnership: Partnership, today: date | None = None) -> Q:
    """Profiles a partnership's members may see at the till: ready for it, and placed in a
    gallery circulated to members that has not expired nor awaits approval."""
    today = today or timezone.localdate()
    in_visible_gallery = Exists(
        GalleryPlacement.objects.filter(
            profile=OuterRef("pk"),
            gallery__partnership=partnership,
            gallery__members_may_see=True,
            expires_on__gte=today,
            awaiting_approval=False,
        )
    )
    return till_ready_q(partnership=partnership, today=today) & Q(in_visible_gallery)


def shareable_q(*, today: date | None = None) -> Q:
    """Profiles that may leave their partnership under a sharing agreement."""
    return (
        ~Q(status=ProfileStatus.ARCHIVED)
        & Q(local_only=False)
        & Q(under_challenge=False)
        & ~juvenile_q(today=today)
    )


def view_permission_id() -> int:
    """The id of guardian's `view_offenderprofile` permission (one indexed lookup, compiled
    once per process)."""
    [(found,)] = _VIEW_PERMISSION.rows()
    return int(found)


def _view_permission() -> QuerySet[Permission, tuple[int]]:
    return Permission.objects.filter(
        codename="view_offenderprofile", content_type__app_label="offenders"
    ).values_list("pk")


_VIEW_PERMISSION: PreparedQuery[Permission] = PreparedQuery(_view_permission)


def profiles_visible_count(*, membership: Membership) -> int | None:
    """How many profiles an administrator or officer sees here, from the permission index
    alone (one row per visible profile); None for members."""
    group_id = viewing_group_id(membership=membership)
    if group_id is None:
        return None
    return ProfileGroupPermission.objects.filter(
        group_id=group_id, permission_id=view_permission_id()
    ).count()


def viewing_group_id(*, membership: Membership) -> int | None:
    """The guardian group whose `view` rows decide what this person sees here."""
    partnership = membership.partnership
    if membership.role == Role.ADMIN:
        return partnership.admin_group_id
    if membership.role == Role.POLICE:
        return partnership.police_group_id
    return None


def profiles_visible(*, membership: Membership) -> QuerySet[OffenderProfile]:
    """Every profile this person may see in this partnership, whatever the page.

    Administrators and police: the profiles their role group holds a guardian `view` row for
    (their own partnership's and, under mutual consent, shareable peer profiles). Only the group
    of *this* partnership counts, so an officer attached to several partnerships sees, under each,
    only what that partnership may see. Members: their own partnership's circulated profiles.
    """
    group_id = viewing_group_id(membership=membership)
    if group_id is not None:
        # EXISTS with literal ids lets PostgreSQL walk the profiles in page order and stop
        # after one page, instead of joining every row the group may see.
        return OffenderProfile.objects.filter(
            Exists(
                ProfileGroupPermission.objects.filter(
                    content_object_id=OuterRef("pk"),
                    group_id=group_id,
                    permission_id=view_permission_id(),
                )
            )
        )
    return OffenderProfile.objects.filter(circulated_q(partnership=membership.partnership))


def profiles_for_action(*, membership: Membership, action: Action) -> QuerySet[OffenderProfile]:
    """The profiles this person may do `action` to: any visible one to view; only their own
    partnership's, and only as an administrator, for anything else."""
    if not membership.may(action):
        return OffenderProfile.objects.none()
    profiles = profiles_visible(membership=membership)
    if action != VIEW:
        profiles = profiles.filter(partnership=membership.partnership_id)
    return profiles


def profile_by_reference(
    *, membership: Membership, reference: str, action: Action
) -> OffenderProfile | None:
    """A profile this person may do `action` to, by its reference typed in any case."""
    return (
        profiles_for_action(membership=membership, action=action)
        .filter(reference__iexact=reference.strip())
        .first()
    )


def export_for(*, membership: Membership, token: str, action: Action) -> SubjectAccessExport | None:
    """A subject access export of this partnership: its administrators alone see one, whatever
    the action (the owning partnership is the controller)."""
    if membership.role != Role.ADMIN:
        return None
    return (
        SubjectAccessExport.objects.select_related("profile", "requested_by")
        .filter(token=token, partnership_id=membership.partnership_id)
        .first()
    )


def primary_images_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "images",
        queryset=OffenderImage.objects.filter(is_primary=True).only(
            "id", "token", "profile_id", "processed_at", "is_primary"
        ),
        to_attr="primary_images",
    )


def profiles_matching(
    *, membership: Membership, search: str = "", status: str = ""
) -> QuerySet[OffenderProfile]:
    """The profile list: visible profiles by reference or name words and status, newest first."""
    profiles = profiles_visible(membership=membership).select_related("partnership")
    if search and REFERENCE_RE.fullmatch(search.strip()):
        profiles = profiles.filter(reference__iexact=search.strip())
    elif search:
        profiles = profiles_named(profiles=profiles, text=search)
    if status:
        profiles = profiles.filter(status=status)
    return profiles.prefetch_related(
        primary_images_prefetch(),
        notices_prefetch(),
        Prefetch("placements", queryset=GalleryPlacement.objects.select_related("gallery")),
    ).order_by("-created_at", "-id")


def profiles_circulated(
    *, membership: Membership, gallery: Gallery | None = None
) -> QuerySet[OffenderProfile]:
    """The circulated gallery: only what a person at a till needs."""
    profiles = OffenderProfile.objects.filter(circulated_q(partnership=membership.partnership))
    if gallery is not None:
        profiles = profiles.filter(
            placements__gallery=gallery,
            placements__expires_on__gte=timezone.localdate(),
            placements__awaiting_approval=False,
        )
    return (
        profiles.only(
            "id", "reference", "first_name", "last_name", "aliases", "warning_markers", "status"
        )
        .prefetch_related(primary_images_prefetch(), notices_prefetch())
        .order_by("last_name", "first_name", "id")
    )


def _circulated_names(partnership: Partnership) -> QuerySet[OffenderProfile]:
    # Names only: nothing else a member may not see at the till is even loaded.
    return (
        OffenderProfile.objects.filter(circulated_q(partnership=partnership))
        .only("pk", "first_name", "last_name")
        .order_by("last_name", "first_name", "pk")
    )


def profiles_circulated_id_sought_since(
    *, partnership: Partnership, since: datetime
) -> QuerySet[OffenderProfile]:
    """Circulated profiles added as ID sought since `since` (names only)."""
    return _circulated_names(partnership).filter(
        status=ProfileStatus.ID_SOUGHT, created_at__gte=since
    )


def profiles_circulated_excluded_since(
    *, partnership: Partnership, since: datetime
) -> QuerySet[OffenderProfile]:
    """Circulated profiles served an exclusion notice (still in force) since `since` (names
    only)."""
    return _circulated_names(partnership).filter(
        Exists(
            Exclusion.objects.filter(
                profile=OuterRef("pk"),
                kind=NoticeKind.EXCLUSION,
                status=NoticeStatus.ACTIVE,
                created_at__gte=since,
            )
        )
    )


def profile_for(*, membership: Membership, pk: int, action: Action) -> OffenderProfile | None:
    """One profile with everything its page shows: peers may view a shared profile; only the
    owning partnership's administrators change or export it."""
    return (
        profiles_for_action(membership=membership, action=action)
        .select_related("partnership", "created_by")
        .prefetch_related(
            Prefetch("images", queryset=OffenderImage.objects.order_by("position", "id")),
            notices_prefetch(),
            Prefetch(
                "placements",
                queryset=GalleryPlacement.objects.select_related("gallery").order_by(
                    "gallery__name"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def events_of_profile(*, membership: Membership, profile: OffenderProfile) -> QuerySet[AuditEvent]:
    """What this partnership's people and sweeps did to a profile, newest first.

    Only events recorded under this partnership: a peer that sees a shared profile never learns
    the owner's staff names, exports or views, nor what any other partnership did with it.
    """
    return (
        AuditEvent.objects.filter(
            object_type=OffenderProfile._meta.label_lower,
            object_id=str(profile.pk),
            partnership_id=membership.partnership_id,
        )
        .exclude(action="profile.view")
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


PROFILE_SEEN_ACTIONS = ("profile.view", "image.view")


def profile_seen_by(*, membership: Membership, profile: OffenderProfile) -> QuerySet[AuditEvent]:
    """Who of this partnership looked at a profile or its photos, newest first.

    Only this partnership's own events: a peer's views of a shared profile are on the peer's
    trail, which is theirs to keep and ours never to read.
    """
    return (
        AuditEvent.objects.filter(
            partnership_id=membership.partnership_id,
            object_type=OffenderProfile._meta.label_lower,
            object_id=str(profile.pk),
            action__in=PROFILE_SEEN_ACTIONS,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def image_for(*, membership: Membership, token: str, action: Action) -> OffenderImage | None:
    """A photo, under the same rule as its profile."""
    return (
        OffenderImage.objects.select_related("profile")
        .filter(token=token, profile__in=profiles_for_action(membership=membership, action=action))
        .first()
    )


def galleries_of_partnership(*, partnership: Partnership) -> QuerySet[Gallery]:
    return Gallery.objects.filter(partnership=partnership).order_by("name")


def galleries_circulated(*, partnership: Partnership) -> QuerySet[Gallery]:
    return galleries_of_partnership(partnership=partnership).filter(members_may_see=True)


def galleries_visible(*, membership: Membership) -> QuerySet[Gallery]:
    """The galleries this person sees, by name: administrators and police every one of this
    partnership's (as the gallery list and the Dataview's gallery filter show them), members
    only those circulated to members (as the member gallery shows them)."""
    galleries = galleries_of_partnership(partnership=membership.partnership)
    if membership.role == Role.MEMBER:
        galleries = galleries.filter(members_may_see=True)
    return galleries.order_by("name", "id")


def gallery_for(*, membership: Membership, pk: int, action: Action) -> Gallery | None:
    """A gallery of this partnership (galleries are never shared), one this person sees."""
    if not membership.may(action):
        return None
    return galleries_visible(membership=membership).filter(pk=pk).first()


def placements_of_gallery(
    *, membership: Membership, gallery: Gallery
) -> QuerySet[GalleryPlacement]:
    """The places in a gallery of the profiles this person may see there, by name.

    Members: only what the member gallery shows (profiles_circulated), placements not expired,
    with only the fields a person at a till needs loaded. Administrators and police: every
    placement of a profile they may see, expired or not, ready for a profile row."""
    placements = GalleryPlacement.objects.filter(gallery=gallery).select_related("profile")
    if membership.role == Role.MEMBER:
        placements = (
            placements_circulated(partnership=membership.partnership, gallery=gallery)
            .only(
                "id",
                "expires_on",
                "gallery_id",
                *(
                    f"profile__{name}"
                    for name in (
                        "id",
                        "reference",
                        "first_name",
                        "last_name",
                        "aliases",
                        "warning_markers",
                        "status",
                    )
                ),
            )
            .prefetch_related(
                Prefetch(
                    "profile__images", queryset=OffenderImage.objects.order_by("position", "id")
                ),
                Prefetch("profile__notices", queryset=notices_prefetch().queryset),
            )
        )
    else:
        placements = (
            placements.filter(profile__in=profiles_visible(membership=membership))
            .select_related("profile__partnership")
            .prefetch_related(
                Prefetch(
                    "profile__images",
                    queryset=OffenderImage.objects.filter(is_primary=True).only(
                        "id", "token", "profile_id", "processed_at", "is_primary"
                    ),
                    to_attr="primary_images",
                ),
                Prefetch("profile__notices", queryset=notices_prefetch().queryset),
                Prefetch(
                    "profile__placements",
                    queryset=GalleryPlacement.objects.select_related("gallery"),
                ),
            )
        )
    return placements.order_by("profile__last_name", "profile__first_name", "id")


def placements_circulated(
    *, partnership: Partnership, gallery: Gallery, today: date | None = None
) -> QuerySet[GalleryPlacement]:
    """The places in a gallery that members see: the gallery circulated to them, the placement
    not expired nor awaiting approval, the profile circulated (never archived, never under 18,
    never under challenge)."""
    today = today or timezone.localdate()
    # The placement itself is the profile's place in a visible gallery (circulated_q's Exists),
    # so only the profile's own conditions are joined: at worst one pass over the gallery per
    # person when the planner takes the tables for empty, where a semi-join per row was
    # unbounded (offenders/tests/test_briefing.py).
    return (
        GalleryPlacement.objects.filter(
            till_ready_q(partnership=partnership, today=today, via="profile__"),
            gallery=gallery,
            gallery__partnership=partnership,
            gallery__members_may_see=True,
            expires_on__gte=today,
            awaiting_approval=False,
        )
        .select_related("profile")
        .order_by("profile__last_name", "profile__first_name", "id")
    )


def placements_briefed(
    *, partnership: Partnership, gallery: Gallery, today: date | None = None
) -> QuerySet[GalleryPlacement]:
    """The printed gallery briefing: what members see of the gallery, each profile with only
    the fields a person at a till needs, its main photo and its notice in force."""
    return (
        placements_circulated(partnership=partnership, gallery=gallery, today=today)
        .only(
            "id",
            "expires_on",
            "gallery_id",
            *(
                f"profile__{name}"
                for name in (
                    "id",
                    "reference",
                    "first_name",
                    "last_name",
                    "aliases",
                    "warning_markers",
                    "status",
                )
            ),
        )
        .prefetch_related(
            Prefetch(
                "profile__images",
                queryset=OffenderImage.objects.filter(is_primary=True).only(
                    "id",
                    "profile_id",
                    "is_primary",
                    "original",
                    "thumbnail",
                    "width",
                    "height",
                    "processed_at",
                ),
                to_attr="primary_images",
            ),
            Prefetch("profile__notices", queryset=notices_prefetch().queryset),
        )
    )


def placement_for(*, membership: Membership, pk: int, action: Action) -> GalleryPlacement | None:
    """A profile's place in a gallery, under the same rule as the profile."""
    return (
        GalleryPlacement.objects.select_related("profile__partnership", "gallery")
        .filter(pk=pk, profile__in=profiles_for_action(membership=membership, action=action))
        .first()
    )


def profiles_possibly_duplicate(
    *,
    membership: Membership,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    exclude_pk: int | None = None,
) -> list[OffenderProfile]:
    """Profiles this person can see with the same normalised name and date of birth."""
    from offenders.models import normalise_name

    full = normalise_name(f"{first_name} {last_name}")
    if not full or date_of_birth is None:
        return []
    candidates = profiles_visible(membership=membership).filter(
        date_of_birth=date_of_birth, search_name__contains=full
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return [p for p in candidates[:20] if full in p.search_name.split(" | ")]


def images_matching(
    *, membership: Membership, sha256: str, phash: int | None, exclude_profile_pk: int
) -> list[OffenderImage]:
    """Photos on other visible profiles that are the same file or look the same."""
    near = Q(sha256=sha256)
    images = OffenderImage.objects.select_related("profile").filter(
        profile__in=profiles_visible(membership=membership)
    )
    if phash is not None:
        distance = RawSQL("bit_count((phash # %s)::bit(64))", (phash,))
        images = images.alias(distance=distance)
        near |= Q(distance__lte=PHASH_NEAR_BITS)
    return list(images.filter(near).exclude(profile_id=exclude_profile_pk)[:10])


def images_alike_on_profile(*, image: OffenderImage) -> list[OffenderImage]:
    """Other photos on the same profile that look like this one: a re-saved or resized copy has
    different bytes (so the exact-file check lets it through) but the same perceptual hash."""
    if image.phash is None:
        return []
    distance = RawSQL("bit_count((phash # %s)::bit(64))", (image.phash,))
    return list(
        OffenderImage.objects.filter(profile_id=image.profile_id)
        .exclude(pk=image.pk)
        .alias(distance=distance)
        .filter(distance__lte=PHASH_NEAR_BITS)
        .order_by("position")
    )


def notices_prefetch() -> Prefetch[Any]:
    """Prefetch a profile's notices still in force, for `exclusion_status` in lists."""
    today = timezone.localdate()
    return Prefetch(
        "notices",
        queryset=Exclusion.objects.filter(
            status=NoticeStatus.ACTIVE, starts_on__lte=today, ends_on__gte=today
        ).only("id", "profile_id", "kind", "status", "starts_on", "ends_on"),
    )


def notices_visible(*, membership: Membership, action: Action = VIEW) -> QuerySet[Exclusion]:
    """Notices on profiles this partnership owns (notices are not shared, even when their
    profile is), under the same rule as the profile, latest start first."""
    return (
        Exclusion.objects.select_related("profile__partnership", "issued_by")
        .prefetch_related("premises")
        .filter(profile__partnership=membership.partnership)
        .filter(profile__in=profiles_for_action(membership=membership, action=action))
        .order_by("-starts_on", "-id")
    )


def notice_for(*, membership: Membership, pk: int, action: Action) -> Exclusion | None:
    """One notice of notices_visible, with its profile's main photo for the printed sheet."""
    return (
        notices_visible(membership=membership, action=action)
        .prefetch_related(
            Prefetch(
                "profile__images",
                queryset=primary_images_prefetch().queryset,
                to_attr="primary_images",
            )
        )
        .filter(pk=pk)
        .first()
    )


def notice_by_public_token(*, token: str, today: date | None = None) -> Exclusion | None:
    """The notice a public address opens while its token lives (see Exclusion); None for a
    token that is malformed, unknown or expired alike."""
    today = today or timezone.localdate()
    if not PUBLIC_TOKEN_RE.fullmatch(token):
        # Still one query, so that a malformed token costs what an unknown one does.
        token = ""
    return (
        Exclusion.objects.select_related("profile__partnership")
        .prefetch_related("premises")
        .filter(public_token=token)
        .filter(
            Q(status=NoticeStatus.ACTIVE, ends_on__gte=today)
            | Q(
                status=NoticeStatus.WITHDRAWN,
                appeal_decided_on__gte=today - timedelta(days=PUBLIC_NOTICE_AFTER_DAYS),
            )
        )
        .first()
    )


def subject_requests_of_notice(*, notice: Exclusion) -> QuerySet[SubjectRequest]:
    """The requests the person on a notice sent through its public page, the latest first; for
    the notice's page, which only its partnership's administrators and police open."""
    return SubjectRequest.objects.filter(notice=notice).order_by("-received_at", "-pk")


def subject_request_for(
    *, membership: Membership, pk: int, action: Action
) -> SubjectRequest | None:
    """A request from the person on one of this partnership's notices: its administrators alone
    see one, whatever the action (like a subject access export)."""
    if membership.role != Role.ADMIN:
        return None
    return (
        SubjectRequest.objects.select_related("notice__profile", "decided_by")
        .filter(pk=pk, partnership_id=membership.partnership_id)
        .first()
    )


def _name_query(text: str) -> SearchQuery | None:
    """A prefix query over name words: "jo doy" finds Joanne Doyle and Jo Doyle.

    Every word typed must begin some word of a name or alias. Punctuation splits words the way
    PostgreSQL's parser does, so "o'brien" finds O'Brien."""
    words = re.findall(r"[0-9a-z]+", normalise_name(text))
    if not words:
        return None
    return SearchQuery(
        " & ".join(f"{word}:*" for word in words[:8]), search_type="raw", config="simple"
    )


def profiles_named(*, profiles: QuerySet[OffenderProfile], text: str) -> QuerySet[OffenderProfile]:
    """Those of `profiles` whose names or aliases have a word beginning with each word typed."""
    query = _name_query(text)
    return profiles.filter(search_vector=query) if query is not None else profiles


TODO_AHEAD_DAYS = 14


def _with_total(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Each row carries `total`, the count of all rows matched, so that the home page shows the
    first few and how many there are in one query."""
    return queryset.annotate(total=Window(Count("pk")))


def _ending_window(today: date | None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today, today + timedelta(days=TODO_AHEAD_DAYS)


def placements_ending(
    *, partnership: Partnership, today: date | None = None
) -> QuerySet[GalleryPlacement]:
    """Gallery placements ending within TODO_AHEAD_DAYS (today included), soonest first."""
    first, last = _ending_window(today)
    return _with_total(
        GalleryPlacement.objects.select_related("gallery", "profile")
        .filter(gallery__partnership=partnership, expires_on__range=(first, last))
        .exclude(profile__status=ProfileStatus.ARCHIVED)
        .order_by("expires_on", "pk")
    )


def notices_ending(*, partnership: Partnership, today: date | None = None) -> QuerySet[Exclusion]:
    """Notices in force that end within TODO_AHEAD_DAYS (today included), soonest first."""
    first, last = _ending_window(today)
    return _with_total(
        Exclusion.objects.select_related("profile")
        .filter(
            profile__partnership=partnership,
            status=NoticeStatus.ACTIVE,
            ends_on__range=(first, last),
        )
        .order_by("ends_on", "pk")
    )


def notices_appealed_undecided(*, partnership: Partnership) -> QuerySet[Exclusion]:
    """Notices with an appeal lodged and no outcome yet, the longest waiting first."""
    return _with_total(
        Exclusion.objects.select_related("profile")
        .filter(profile__partnership=partnership, appeal_lodged_on__isnull=False)
        .filter(appeal_outcome="")
        # An appeal the person sent through the public page is listed with its deadline, once.
        .exclude(
            Exists(
                SubjectRequest.objects.filter(
                    notice=OuterRef("pk"),
                    kind=SubjectRequestKind.APPEAL,
                    status=SubjectRequestStatus.OPEN,
                )
            )
        )
        .order_by("appeal_lodged_on", "pk")
    )


def subject_requests_open(*, partnership: Partnership) -> QuerySet[SubjectRequest]:
    """Requests from people on this partnership's notices still to answer, the first due first."""
    return _with_total(
        SubjectRequest.objects.select_related("notice__profile")
        .filter(partnership=partnership, status=SubjectRequestStatus.OPEN)
        .order_by("due_on", "pk")
    )


def profiles_in_recycle_bin(*, partnership: Partnership) -> QuerySet[OffenderProfile]:
    """Archived profiles waiting to be deleted for good, the first to go first."""
    return _with_total(
        OffenderProfile.objects.filter(
            partnership=partnership, status=ProfileStatus.ARCHIVED, archived_at__isnull=False
        )
        .only("pk", "reference", "first_name", "last_name", "status", "archived_at")
        .order_by("archived_at", "pk")
    )


def exports_ready_undownloaded(*, partnership: Partnership) -> QuerySet[SubjectAccessExport]:
    """Subject access exports built and not yet downloaded by anyone, the oldest first."""
    downloads = AuditEvent.objects.filter(
        partnership_id=partnership.pk, action="profile.export_download"
    ).annotate(export_id=KeyTextTransform("export_id", "detail"))
    return _with_total(
        SubjectAccessExport.objects.select_related("profile")
        .filter(partnership=partnership, status=ExportStatus.READY)
        .filter(~Exists(downloads.filter(export_id=Cast(OuterRef("pk"), CharField()))))
        .order_by("completed_at", "pk")
    )


def profiles_id_sought_since(
    *, membership: Membership, since: datetime
) -> QuerySet[OffenderProfile]:
    """ID-sought profiles this person may see that were added after `since`, newest first."""
    return _with_total(
        profiles_visible(membership=membership)
        .select_related("partnership")
        .filter(status=ProfileStatus.ID_SOUGHT, created_at__gt=since)
        .order_by("-created_at", "-pk")
    )


def sighting_profile_for(
    *, membership: Membership, pk: int, action: Action
) -> OffenderProfile | None:
    """A profile this person may report as seen: a member one of the member gallery (the same
    rule as profiles_circulated), an administrator any profile they may see, peers' shared ones
    included. Police only read."""
    if membership.role == Role.MEMBER:
        profiles = OffenderProfile.objects.filter(circulated_q(partnership=membership.partnership))
    elif membership.role == Role.ADMIN:
        profiles = profiles_visible(membership=membership)
    else:
        return None
    return profiles.only("id", "reference", "partnership_id").filter(pk=pk).first()


def sightings_visible(*, membership: Membership) -> QuerySet[Sighting]:
    """Sightings this partnership's administrators and police see: those its own people reported,
    of profiles they may still see. Members see none (their own confirmation is the answer to
    the tap), and a peer never sees ours, even of the profile it owns."""
    group_id = viewing_group_id(membership=membership)
    if group_id is None:
        return Sighting.objects.none()
    # The rule of profiles_visible, with the permission joined rather than looked up first, so
    # that the home's section stays one query.
    profile_visible = Exists(
        ProfileGroupPermission.objects.filter(
            content_object_id=OuterRef("profile_id"),
            group_id=group_id,
            permission__codename="view_offenderprofile",
            permission__content_type__app_label="offenders",
        )
    )
    return (
        Sighting.objects.filter(partnership_id=membership.partnership_id)
        .filter(profile_visible)
        .select_related("profile", "premises__business", "reported_by")
        .order_by("-seen_at", "-id")
    )


def sightings_of_profile(*, membership: Membership, profile: OffenderProfile) -> QuerySet[Sighting]:
    """The sightings of one profile this person sees, latest first."""
    return sightings_visible(membership=membership).filter(profile=profile)


def sightings_today(*, membership: Membership, today: date | None = None) -> QuerySet[Sighting]:
    """Today's sightings for the home page: possible breaches first, then the latest."""
    today = today or timezone.localdate()
    return _with_total(
        sightings_visible(membership=membership)
        .filter(seen_at__date=today)
        .order_by("-possible_breach", "-seen_at", "-id")
    )


def challenge_for(*, membership: Membership, pk: int, action: Action) -> ProfileChallenge | None:
    """A challenge of one of this partnership's own profiles, under the same rule as the
    profile (challenges are never shared: a peer never learns of one)."""
    return (
        ProfileChallenge.objects.select_related("profile__partnership")
        .filter(
            pk=pk,
            profile__partnership=membership.partnership,
            profile__in=profiles_for_action(membership=membership, action=action),
        )
        .first()
    )


def challenge_latest_of(*, profile: OffenderProfile) -> ProfileChallenge | None:
    """The challenge that keeps a profile out of circulation (open, or upheld and not yet
    corrected), for the banner on its page; None while the profile is in circulation."""
    if not profile.under_challenge:
        return None
    return (
        ProfileChallenge.objects.select_related("raised_by", "decided_by")
        .filter(profile=profile)
        .order_by("-raised_at", "-id")
        .first()
    )


def challenges_open(*, partnership: Partnership) -> QuerySet[ProfileChallenge]:
    """Challenges waiting for an administrator's decision, the longest waiting first."""
    return _with_total(
        ProfileChallenge.objects.select_related("profile")
        .filter(profile__partnership=partnership, decided_at=None)
        .order_by("raised_at", "pk")
    )


def placements_awaiting_approval(*, membership: Membership) -> QuerySet[GalleryPlacement]:
    """Placements in galleries members see that wait for a second administrator: those this
    person did not place themselves, the longest waiting first."""
    return _with_total(
        GalleryPlacement.objects.select_related("profile", "gallery")
        .filter(profile__partnership=membership.partnership, awaiting_approval=True)
        .exclude(added_by=membership.user_id)
        .order_by("added_at", "pk")
    )


def profile_to_challenge_for(
    *, membership: Membership, pk: int, action: Action
) -> OffenderProfile | None:
    """A profile this person may challenge as inaccurate: one of their own partnership's that
    they see (a member, only a circulated one). A peer's profile is its owner's to correct."""
    return (
        profiles_for_action(membership=membership, action=action)
        .filter(pk=pk, partnership=membership.partnership)
        .only("id", "reference", "first_name", "last_name", "partnership_id", "under_challenge")
        .first()
    )
