"""The same-person matcher on the database: profiles' blocking keys kept current, the candidate
search through them, and the stored candidate pairs behind the review queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from partnerships.locks import partnerships_lock
from sharing.matching import CANDIDATE_THRESHOLD, Match, ProfileFacts, match_keys, match_score
from sharing.models import CandidatePair, MatchKey
from sharing.permissions import CONSENT, PERM, PROFILE, SHAREABLE_SQL, VIEW_PERMISSION_SQL, _params

# The profiles' and images' models, through foreign keys: offenders sits above this module.
Profile: Any = MatchKey.profile.field.related_model
Image: Any = Profile._meta.get_field("images").related_model
FACT_FIELDS = (
    "id",
    "partnership_id",
    "first_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "age_min",
    "age_max",
)
# Profiles read per search: those sharing the most keys with the profile searched for.
SEARCH_BREADTH = 300


def profile_facts(profile_ids: Iterable[int]) -> dict[int, ProfileFacts]:
    """What the matcher compares, for each profile (two queries)."""
    ids = list(profile_ids)
    phashes: dict[int, list[int]] = {}
    for profile_id, phash in Image.objects.filter(
        profile_id__in=ids, phash__isnull=False
    ).values_list("profile_id", "phash"):
        phashes.setdefault(profile_id, []).append(phash)
    return {
        row["id"]: ProfileFacts(
            **{**row, "aliases": tuple(row["aliases"])},
            phashes=tuple(phashes.get(row["id"], ())),
        )
        for row in Profile.objects.filter(pk__in=ids).values(*FACT_FIELDS)
    }


def match_keys_refresh(profile_ids: Iterable[int]) -> int:
    """Rewrite the blocking keys of these profiles from their names, dates and photos; call it
    in the transaction that changes any of them. Returns the number of keys written."""
    facts = profile_facts(profile_ids)
    MatchKey.objects.filter(profile_id__in=list(profile_ids)).delete()
    rows = [
        MatchKey(profile_id=profile_id, key=key)
        for profile_id, fact in facts.items()
        for key in sorted(match_keys(fact))
    ]
    MatchKey.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def match_keys_rebuild_all(batch: int = 5000) -> int:
    """Every profile's keys from scratch (for seeded networks written in bulk)."""
    ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), batch):
        written += match_keys_refresh(ids[start : start + batch])
    return written


def candidate_facts(
    *, facts: ProfileFacts, group_id: int, limit: int = SEARCH_BREADTH
) -> list[ProfileFacts]:
    """What the matcher compares of the profiles the group sees that share a blocking key with
    `facts`, those sharing the most first; across partnerships both sides must be shareable.
    One query: the key index ranges first, then each hit's permission row and photos."""
    keys = sorted(match_keys(facts))
    if not keys:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH me AS (
                SELECT coalesce(bool_and({SHAREABLE_SQL}), TRUE) AS shareable
                FROM {PROFILE} p WHERE p.id = %(me)s
            ),
            -- Read the key index ranges first: left to itself the planner may walk every
            -- profile the group sees and probe each one's keys.
            hits AS MATERIALIZED (
                SELECT profile_id, count(*) AS shared FROM {MatchKey._meta.db_table}
                WHERE key = ANY(%(keys)s) AND profile_id <> %(me)s
                GROUP BY profile_id
            ),
            best AS MATERIALIZED (
                SELECT h.profile_id, h.shared
                FROM hits h
                JOIN {PROFILE} p ON p.id = h.profile_id
                CROSS JOIN me
                -- The permission's id as a value, so each hit is one probe of the unique
                -- (group, permission, profile) index rather than a join over all the group sees.
                WHERE EXISTS (
                      SELECT 1 FROM {PERM} x
                      WHERE x.content_object_id = h.profile_id AND x.group_id = %(group)s
                        AND x.permission_id = ({VIEW_PERMISSION_SQL})
                  )
                  AND (p.partnership_id = %(owner)s OR (me.shareable AND {SHAREABLE_SQL}))
                ORDER BY h.shared DESC, h.profile_id
                LIMIT %(limit)s
            )
            SELECT p.id, p.partnership_id, p.first_name, p.last_name, p.aliases,
                   p.date_of_birth, p.age_min, p.age_max,
                   ARRAY(
                       SELECT i.phash FROM {Image._meta.db_table} i
                       WHERE i.profile_id = p.id AND i.phash IS NOT NULL ORDER BY i.id
                   )
            FROM best b JOIN {PROFILE} p ON p.id = b.profile_id
            ORDER BY b.shared DESC, b.profile_id
            """,
            _params(
                keys=keys,
                me=facts.id,
                group=group_id,
                owner=facts.partnership_id,
                limit=limit,
            ),
        )
        return [
            ProfileFacts(
                id=row[0],
                partnership_id=row[1],
                first_name=row[2],
                last_name=row[3],
                aliases=tuple(row[4]),
                date_of_birth=row[5],
                age_min=row[6],
                age_max=row[7],
                phashes=tuple(row[8]),
            )
            for row in cursor.fetchall()
        ]


def candidates_scored(
    *,
    facts: ProfileFacts,
    group_id: int,
    exclude: set[int] | None = None,
    threshold: float = CANDIDATE_THRESHOLD,
    today: date | None = None,
) -> list[tuple[ProfileFacts, Match]]:
    """The profiles the group sees that may be the same person as `facts`, best first."""
    today = today or timezone.localdate()
    found = [
        other
        for other in candidate_facts(facts=facts, group_id=group_id)
        if other.id not in (exclude or ())
    ]
    scored = [(other, match_score(facts, other, today)) for other in found]
    kept = [(other, match) for other, match in scored if match.score >= threshold]
    return sorted(kept, key=lambda pair: (-pair[1].score, pair[0].id))


def _partners_of(partnership_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT out.grantee_id FROM {CONSENT} out
            JOIN {CONSENT} back ON back.grantor_id = out.grantee_id
             AND back.grantee_id = out.grantor_id AND back.ended_at IS NULL
            WHERE out.grantor_id = %s AND out.ended_at IS NULL
            """,
            [partnership_id],
        )
        return [row[0] for row in cursor.fetchall()]


def _admin_groups(partnership_ids: Iterable[int]) -> dict[int, int]:
    Partnership: Any = CandidatePair.first_partnership.field.related_model
    return dict(
        Partnership.objects.filter(pk__in=list(partnership_ids)).values_list("pk", "admin_group_id")
    )


@transaction.atomic
def candidate_pairs_refresh(profile_ids: Iterable[int]) -> int:
    """Recompute the stored candidate pairs of these profiles, among what each owner sees now.

    Takes the sharing lock of the owners and their partners first, so a revoke either comes
    before (and the owner no longer sees the peer's profiles) or after (and deletes the pairs).
    """
    facts = profile_facts(profile_ids)
    owners = {fact.partnership_id for fact in facts.values()}
    partnerships_lock([*owners, *(p for owner in owners for p in _partners_of(owner))])
    groups = _admin_groups(owners)
    CandidatePair.objects.filter(Q(first_id__in=facts) | Q(second_id__in=facts)).delete()
    pairs: dict[tuple[int, int], CandidatePair] = {}
    for fact in facts.values():
        for other, match in candidates_scored(facts=fact, group_id=groups[fact.partnership_id]):
            low, high = sorted((fact, other), key=lambda f: f.id)
            pairs[(low.id, high.id)] = CandidatePair(
                first_id=low.id,
                second_id=high.id,
                first_partnership_id=low.partnership_id,
                second_partnership_id=high.partnership_id,
                score=match.score,
                reasons=match.reasons,
            )
    CandidatePair.objects.bulk_create(pairs.values(), ignore_conflicts=True)
    return len(pairs)


def candidate_pairs_refresh_partnership(partnership_id: int, batch: int = 200) -> int:
    """Every profile of a partnership (after an agreement is accepted), a batch at a time."""
    ids = list(
        Profile.objects.filter(partnership_id=partnership_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(
        candidate_pairs_refresh(ids[start : start + batch]) for start in range(0, len(ids), batch)
    )


def candidate_pairs_forget(first_partnership_id: int, second_partnership_id: int) -> int:
    """Delete the stored pairs between two partnerships (a revoke, in its own transaction)."""
    between: Any = Q(
        first_partnership_id=first_partnership_id, second_partnership_id=second_partnership_id
    ) | Q(first_partnership_id=second_partnership_id, second_partnership_id=first_partnership_id)
    deleted, _ = CandidatePair.objects.filter(between).delete()
    return deleted
