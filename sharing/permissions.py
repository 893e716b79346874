"""Materialising the sharing rule as guardian `view` rows, with set-based SQL.

The rule (DESIGN.md): a partnership's administrators and police see all of its own profiles;
they see a profile owned by another partnership B exactly when both consents A->B and B->A are
active and the profile is shareable (not archived, not local only, not under challenge of its
accuracy, not under 18 today).

Every function here runs inside the caller's transaction, so the rows change in the same commit
as the consent or profile they follow.

Concurrency is part of the rule: a writer that changes rows must hold the sharing lock
(partnerships.locks.partnerships_lock, taken at the start of its transaction) of every partnership
whose profiles or consents it touches, or a consent change and a profile edit running at once
each compute from a world without the other's change and leave rows the rule forbids. The
functions that change rows refuse to run without it; the sweeps (birthdays, repair) take it for
every partnership themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from partnerships.locks import partnerships_lock_all, require_locked
from partnerships.models import Partnership
from sharing.models import ADULT_AGE, ProfileGroupPermission, SharingConsent

PERM = ProfileGroupPermission._meta.db_table
# The profiles' table, through the rows' foreign key: offenders sits above sharing.
PROFILE = ProfileGroupPermission.content_object.field.related_model._meta.db_table
PARTNERSHIP = Partnership._meta.db_table
CONSENT = SharingConsent._meta.db_table

VIEW_PERMISSION_SQL = """
    SELECT perm.id FROM auth_permission perm
    JOIN django_content_type ct ON ct.id = perm.content_type_id
    WHERE ct.app_label = 'offenders' AND ct.model = 'offenderprofile'
      AND perm.codename = 'view_offenderprofile'
"""

# coalesce: an unknown date of birth or age must not turn the whole test into NULL.
SHAREABLE_SQL = """
    p.status <> 'archived' AND NOT p.local_only AND NOT p.under_challenge
    AND NOT coalesce(p.date_of_birth > %(adult_cutoff)s, FALSE)
    AND NOT (p.date_of_birth IS NULL AND coalesce(p.age_min < %(adult_age)s, FALSE))
"""


def _params(today: date | None = None, **extra: Any) -> dict[str, Any]:
    today = today or timezone.localdate()
    return {"adult_cutoff": today - relativedelta(years=ADULT_AGE), "adult_age": ADULT_AGE, **extra}


def _desired_cte(scope: str) -> str:
    """CTEs `view_perm` and `desired(group_id, profile_id)` for profiles matching `scope`."""
    return f"""
    view_perm AS ({VIEW_PERMISSION_SQL}),
    mutual AS (
        SELECT out.grantor_id AS owner_id, out.grantee_id AS viewer_id
        FROM {CONSENT} out
        JOIN {CONSENT} back
          ON back.grantor_id = out.grantee_id AND back.grantee_id = out.grantor_id
         AND back.ended_at IS NULL
        WHERE out.ended_at IS NULL
    ),
    desired AS (
        SELECT g.group_id, p.id AS profile_id
        FROM {PROFILE} p
        JOIN {PARTNERSHIP} owner ON owner.id = p.partnership_id
        CROSS JOIN LATERAL (VALUES (owner.admin_group_id), (owner.police_group_id)) g(group_id)
        WHERE {scope}
        UNION
        SELECT g.group_id, p.id AS profile_id
        FROM {PROFILE} p
        JOIN mutual m ON m.owner_id = p.partnership_id
        JOIN {PARTNERSHIP} viewer ON viewer.id = m.viewer_id
        CROSS JOIN LATERAL (VALUES (viewer.admin_group_id), (viewer.police_group_id)) g(group_id)
        WHERE ({scope}) AND {SHAREABLE_SQL}
    )"""


def _reconcile(
    scope: str, params: dict[str, Any], locked: frozenset[int] | None = None
) -> tuple[int, int]:
    """Make the rows for profiles in `scope` equal the rule. Returns (inserted, deleted).

    Only profiles of partnerships whose sharing lock this transaction holds are touched.
    """
    locked = require_locked(()) if locked is None else locked
    scope = f"({scope}) AND p.partnership_id = ANY(%(locked)s)"
    params = {**params, "locked": sorted(locked)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH {_desired_cte(scope)}
            DELETE FROM {PERM} x
            USING view_perm
            WHERE x.permission_id = view_perm.id
              AND x.content_object_id IN (SELECT p.id FROM {PROFILE} p WHERE {scope})
              AND NOT EXISTS (
                  SELECT 1 FROM desired d
                  WHERE d.group_id = x.group_id AND d.profile_id = x.content_object_id
              )
            """,
            params,
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"""
            WITH {_desired_cte(scope)}
            INSERT INTO {PERM} (group_id, permission_id, content_object_id)
            SELECT d.group_id, view_perm.id, d.profile_id FROM desired d, view_perm
            ON CONFLICT DO NOTHING
            """,
            params,
        )
        inserted = cursor.rowcount
    return inserted, deleted


def profiles_sync(profile_ids: list[int]) -> tuple[int, int]:
    """After profiles were created or changed (archived, restored, local only, birthday)."""
    if not profile_ids:
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT partnership_id FROM {PROFILE} WHERE id = ANY(%s)", [list(profile_ids)]
        )
        owners = [row[0] for row in cursor.fetchall()]
    locked = require_locked(owners)
    return _reconcile("p.id = ANY(%(ids)s)", _params(ids=list(profile_ids)), locked)


def birthdays_sync(today: date | None = None, window_days: int = 7) -> tuple[int, int]:
    """Profiles whose subject turned 18 in the last `window_days` days become shareable."""
    locked = partnerships_lock_all()
    params = _params(today, window_start=None)
    params["window_start"] = params["adult_cutoff"] - relativedelta(days=window_days)
    scope = "p.date_of_birth > %(window_start)s AND p.date_of_birth <= %(adult_cutoff)s"
    return _reconcile(scope, params, locked)


def _pair_groups(cursor: Any, a: int, b: int) -> dict[int, tuple[int, int]]:
    cursor.execute(
        f"SELECT id, admin_group_id, police_group_id FROM {PARTNERSHIP} WHERE id IN (%s, %s)",
        [a, b],
    )
    return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def pair_grant(a: Partnership, b: Partnership) -> int:
    """A and B have just become mutual: each side's groups get the other's shareable profiles."""
    require_locked([a.pk, b.pk])
    inserted = 0
    with connection.cursor() as cursor:
        groups = _pair_groups(cursor, a.pk, b.pk)
        for viewer, owner in ((a.pk, b.pk), (b.pk, a.pk)):
            cursor.execute(
                f"""
                WITH view_perm AS ({VIEW_PERMISSION_SQL})
                INSERT INTO {PERM} (group_id, permission_id, content_object_id)
                SELECT g.group_id, view_perm.id, p.id
                FROM {PROFILE} p, view_perm,
                     (VALUES (%(admin)s), (%(police)s)) g(group_id)
                WHERE p.partnership_id = %(owner)s AND {SHAREABLE_SQL}
                ON CONFLICT DO NOTHING
                """,
                _params(admin=groups[viewer][0], police=groups[viewer][1], owner=owner),
            )
            inserted += cursor.rowcount
    return inserted


def pair_revoke(a: Partnership, b: Partnership) -> int:
    """A and B are no longer mutual: remove every row letting one see the other's profiles."""
    require_locked([a.pk, b.pk])
    deleted = 0
    with connection.cursor() as cursor:
        groups = _pair_groups(cursor, a.pk, b.pk)
        for viewer, owner in ((a.pk, b.pk), (b.pk, a.pk)):
            cursor.execute(
                f"""
                DELETE FROM {PERM} x
                WHERE x.group_id IN (%(admin)s, %(police)s)
                  AND x.content_object_id IN (
                      SELECT p.id FROM {PROFILE} p WHERE p.partnership_id = %(owner)s
                  )
                """,
                {"admin": groups[viewer][0], "police": groups[viewer][1], "owner": owner},
            )
            deleted += cursor.rowcount
    return deleted


@dataclass
class Drift:
    missing: int = 0
    extra: int = 0
    missing_sample: list[tuple[int, int]] = field(default_factory=list)
    extra_sample: list[tuple[int, int]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.extra == 0


def drift_check(today: date | None = None, sample: int = 10) -> Drift:
    """Recompute the whole rule from the consent graph and compare it with the rows."""
    params = _params(today)
    actual = f"""
        SELECT x.group_id, x.content_object_id AS profile_id
        FROM {PERM} x, view_perm WHERE x.permission_id = view_perm.id
    """
    drift = Drift()
    with connection.cursor() as cursor:
        for name, query in (
            ("missing", f"SELECT * FROM desired EXCEPT {actual}"),
            ("extra", f"{actual} EXCEPT SELECT * FROM desired"),
        ):
            cursor.execute(
                f"""
                WITH {_desired_cte("TRUE")}, diff AS ({query})
                SELECT (SELECT count(*) FROM diff),
                       (SELECT coalesce(array_agg(ARRAY[group_id, profile_id]), '{{}}')
                        FROM (SELECT * FROM diff ORDER BY 2, 1 LIMIT %(sample)s) s)
                """,
                {**params, "sample": sample},
            )
            count, rows = cursor.fetchone()
            setattr(drift, name, count)
            setattr(drift, f"{name}_sample", [tuple(r) for r in rows])
    return drift


def drift_repair(today: date | None = None) -> tuple[int, int]:
    """Make every row equal the rule; locks every partnership for the rest of the transaction."""
    return _reconcile("TRUE", _params(today), partnerships_lock_all())
