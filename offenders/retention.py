"""Retention: profiles nobody has touched for the partnership's retention period are archived;
archived profiles are deleted for good, photos and all, after a 30-day recycle bin.

Both steps run daily from beat, are set-based, and are safe to run twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bcrp.crypto import delete_stored
from bcrp.models import AuditEvent
from offenders.models import (
    NoticeStatus,
    OffenderImage,
    OffenderProfile,
    ProfileStatus,
    SubjectAccessExport,
)
from partnerships.locks import partnerships_lock_all
from photos.services import photo_files_delete_unused
from sharing.permissions import profiles_sync

RECYCLE_DAYS = 30

# Not archived while a warning or exclusion is still in force: the notice is the activity.
_INACTIVE = """
    SELECT o.id
    FROM offenders_offenderprofile o
    JOIN partnerships_partnership p ON p.id = o.partnership_id
    WHERE o.status <> %(archived)s
      AND o.last_activity_at < %(now)s - make_interval(months => p.retention_months)
      AND NOT EXISTS (
          SELECT 1 FROM offenders_exclusion n
          WHERE n.profile_id = o.id AND n.status = %(active)s AND n.ends_on >= %(today)s
      )
    ORDER BY o.id
    FOR UPDATE OF o SKIP LOCKED
"""


@dataclass
class RetentionRun:
    archived: int = 0
    purged: int = 0


def _audit_each(action: str, rows: Iterable[tuple[int, int, dict[str, Any]]]) -> None:
    """One audit event per profile (pk, partnership id, detail), in one INSERT."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=action,
            partnership_id=partnership_id,
            object_type=OffenderProfile._meta.label_lower,
            object_id=str(pk),
            detail=detail,
        )
        for pk, partnership_id, detail in rows
    )


def purge_date(profile: OffenderProfile) -> datetime | None:
    """When an archived profile leaves the recycle bin for good."""
    if profile.status != ProfileStatus.ARCHIVED or profile.archived_at is None:
        return None
    return profile.archived_at + timedelta(days=RECYCLE_DAYS)


def retention_archive(now: datetime | None = None) -> int:
    """Archive every profile inactive for longer than its partnership's retention period."""
    now = now or timezone.now()
    with transaction.atomic():
        partnerships_lock_all()
        with connection.cursor() as cursor:
            cursor.execute(
                _INACTIVE,
                {
                    "archived": ProfileStatus.ARCHIVED,
                    "active": NoticeStatus.ACTIVE,
                    "now": now,
                    "today": timezone.localdate(now),
                },
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0
        OffenderProfile.objects.filter(pk__in=ids).update(
            status=ProfileStatus.ARCHIVED, archived_at=now
        )
        profiles_sync(ids)  # archived profiles leave peers' Dataviews in the same transaction
        rows = OffenderProfile.objects.filter(pk__in=ids).values_list(
            "pk", "partnership_id", "last_activity_at"
        )
        _audit_each(
            "profile.archive_retention",
            (
                (pk, partnership_id, {"last_activity": last_activity.date().isoformat()})
                for pk, partnership_id, last_activity in rows
            ),
        )
    return len(ids)


def retention_purge(now: datetime | None = None) -> int:
    """Delete profiles archived more than RECYCLE_DAYS ago, with their photos, placements,
    notices and incident links. The audit trail keeps only the reference."""
    now = now or timezone.now()
    with transaction.atomic():
        partnerships_lock_all()
        doomed = list(
            OffenderProfile.objects.select_for_update(skip_locked=True)
            .filter(
                status=ProfileStatus.ARCHIVED,
                archived_at__lt=now - timedelta(days=RECYCLE_DAYS),
            )
            .values_list("pk", "partnership_id", "reference")
        )
        if not doomed:
            return 0
        ids = [pk for pk, _partnership, _reference in doomed]
        files = {
            name
            for pair in OffenderImage.objects.filter(profile_id__in=ids).values_list(
                "original", "thumbnail"
            )
            for name in pair
            if name
        }
        exports = set(
            SubjectAccessExport.objects.filter(profile_id__in=ids)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        _audit_each(
            "profile.purge",
            (
                (pk, partnership_id, {"reference": reference})
                for pk, partnership_id, reference in doomed
            ),
        )
        OffenderProfile.objects.filter(pk__in=ids).delete()

        def delete_files() -> None:
            photo_files_delete_unused(OffenderImage, files)
            for name in exports:
                delete_stored(name)

        transaction.on_commit(delete_files)
    return len(doomed)


def retention_run(now: datetime | None = None) -> RetentionRun:
    now = now or timezone.now()
    return RetentionRun(archived=retention_archive(now), purged=retention_purge(now))
