"""`make bench`: the audit viewer with a million events in the trail.

Seeds the events with one INSERT ... SELECT generate_series across several partnerships, then
times an administrator's first page and page 200 (reached by following the "older" cursor), and
writes var/bench/audit.json.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings

from bcrp.models import AuditEvent, User
from offenders.models import OffenderProfile
from partnerships.models import Partnership, Role
from partnerships.services import membership_add, partnership_create

PAGE = 200
OLDER_LINK = re.compile(r'cursor=([A-Za-z0-9_-]+)">Older')
RUNS = 20
# Actions and record types in the proportions a working trail has them (mostly views).
SEED_SQL = """
    INSERT INTO bcrp_auditevent
        (created_at, actor_id, partnership_id, action, object_type, object_id, ip, detail)
    SELECT now() - make_interval(secs => n * 2.5),
           %(actor)s,
           homes[1 + n %% cardinality(homes)],
           (ARRAY['profile.view', 'image.view', 'dataview.view', 'incident.view',
                  'profile.change'])[1 + kind],
           CASE WHEN kind IN (0, 1, 4) THEN 'offenders.offenderprofile' ELSE '' END,
           CASE WHEN kind IN (0, 1, 4) THEN profiles[1 + n %% cardinality(profiles)]::text
                ELSE '' END,
           '192.0.2.1',
           '{}'::jsonb
    FROM (
        SELECT n, (n / 7) %% 5 AS kind,
               %(partnerships)s::bigint[] AS homes, %(profiles)s::bigint[] AS profiles
        FROM generate_series(1, %(events)s) AS n
    ) AS seed
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark the audit viewer's first page and page 200 over a million events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--partnerships", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        events, count = options["events"], options["partnerships"]
        partnerships = [
            Partnership.objects.filter(slug=f"audit-{n}").first()
            or partnership_create(name=f"Audit BCRP {n}", slug=f"audit-{n}")
            for n in range(count)
        ]
        home = partnerships[0]

        admin, _ = User.objects.get_or_create(
            email="audit.bench@example.org", defaults={"full_name": "Bench Admin"}
        )
        if not admin.memberships.filter(partnership=home, ended_at=None).exists():
            membership_add(partnership=home, user=admin, role=Role.ADMIN, actor=None)
        profiles = []
        for partnership in partnerships:
            for n in range(3):
                profile, _ = OffenderProfile.objects.get_or_create(
                    partnership=partnership,
                    reference=f"AB-{n:05d}",
                    defaults={"first_name": "Bench", "last_name": f"Person {n}"},
                )
                profiles.append(profile.pk)
        seeded = AuditEvent.objects.count()
        started = time.perf_counter()
        if seeded < events:
            with connection.cursor() as cursor:
                cursor.execute(
                    SEED_SQL,
                    {
                        "actor": admin.pk,
                        "partnerships": [p.pk for p in partnerships],
                        "profiles": profiles,
                        "events": events - seeded,
                    },
                )
                cursor.execute("ANALYZE bcrp_auditevent")
        seed_seconds = time.perf_counter() - started
        total = AuditEvent.objects.count()
        ours = AuditEvent.objects.filter(partnership_id=home.pk).count()

        # The bench measures the page, not the second step of signing in.
        with override_settings(TWO_FACTOR_ROLES=[]):
            result = self._pages(admin, home, total, ours, seed_seconds)
        path = Path(settings.BASE_DIR) / "var" / "bench" / "audit.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2))
        self.stdout.write(
            f"audit viewer: {total:,} events ({ours:,} of the administrator's partnership), "
            f"seeded in {result['seed_seconds']} s"
        )
        for label, figures in result["pages"].items():
            self.stdout.write(
                f"  {label:<12} median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms, "
                f"{figures['queries']} queries"
            )
        self.stdout.write(f"written to {path}")

    def _pages(
        self, admin: User, home: Partnership, total: int, ours: int, seed_seconds: float
    ) -> dict[str, Any]:
        client = Client()
        client.force_login(admin)
        base = f"/p/{home.slug}/audit/"
        first = client.get(base)
        assert first.status_code == 200, first.status_code
        cursor = ""
        page = first.content.decode()
        for _ in range(PAGE - 1):
            found = OLDER_LINK.search(page)
            assert found is not None, "fewer than 200 pages of events"
            cursor = found.group(1)
            page = client.get(f"{base}?cursor={cursor}").content.decode()
        urls = {"first page": base, f"page {PAGE}": f"{base}?cursor={cursor}"}
        result: dict[str, Any] = {
            "events": total,
            "events_of_partnership": ours,
            "seed_seconds": round(seed_seconds, 1),
            "pages": {},
        }
        for label, url in urls.items():
            for _ in range(3):
                assert client.get(url).status_code == 200
            executed: list[str] = []

            def count_query(execute: Any, sql: str, *rest: Any, log: list[str] = executed) -> Any:
                log.append(sql)
                return execute(sql, *rest)

            with connection.execute_wrapper(count_query):
                client.get(url)
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            result["pages"][label] = {
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "queries": len(executed),
            }
        return result
