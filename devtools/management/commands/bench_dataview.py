"""`make bench`: seed a network in a bench database, measure the Dataview and sharing changes.

Prints a table and merges the figures into var/bench/dataview.json under --label.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user
from tqdm import tqdm

from bcrp.actors import Actor
from bcrp.api.pagination import cursor_at
from config.celery import app
from devtools.bench_chart import bench_chart_svg
from devtools.network import NetworkSpec, network_seed
from offenders.models import OffenderProfile
from partnerships.models import ApiScope, Membership
from partnerships.services import api_token_create
from sharing import services
from sharing.models import ProfileGroupPermission, ProfileUserPermission
from sharing.selectors import DATAVIEW_ROW_COLUMNS, dataview_rows, profiles_for_dataview

# Old page-number addresses redirect once to their cursor: the bench times the cursor page.
PAGES = {
    "first page": "",
    "filtered page": "?gender=male&build=medium&q=smith",
    "page 50": "?page=50",
    "page 500": "?page=500",
}
# What filtering and paging fetch once the page is open: the results alone (an htmx request),
# without the page frame and the filter form.
HTMX_PAGES = {"first, htmx": "", "page 50, htmx": "?page=50"}
HTMX = {"HX-Request": "true"}
# The same page contract on either permission path: the capped count and the first page.
COUNT_CAP = 1000
API_PAGE = 50
API_DEEP_PAGE = 500  # or the last page, in a network too small to have 500


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(action: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


class Command(BaseCommand):
    help = "Benchmark the Dataview and sharing agreements on a seeded network."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--label", required=True)
        parser.add_argument("--partnerships", type=int, default=200)
        parser.add_argument("--profiles-per", type=int, default=500)
        parser.add_argument("--hub-profiles", type=int, default=11_800)
        parser.add_argument("--mid-peers", type=int, default=15)
        parser.add_argument("--density", type=float, default=0.05)
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **o: Any) -> None:
        name = settings.DATABASES["default"]["NAME"]
        if app.conf.task_default_queue != "bench":
            raise CommandError("run through `make bench` (CELERY_QUEUE=bench)")
        if "bench" not in name:
            raise CommandError(f"refusing to wipe {name!r}: run through `make bench`")
        call_command("flush", interactive=False, verbosity=0)
        # The bench times the Dataview, not the sign-in: its test client has no second factor.
        settings.TWO_FACTOR_ROLES = []

        n = o["partnerships"]
        hub, mid, newcomer = 0, 1, n - 1
        # The hub is a large scheme everyone shares with (like a city-wide network), except
        # the newcomer, whose agreement with the hub is what we time.
        extra = [(hub, i) for i in range(1, n - 1)]
        extra += [(mid, i) for i in range(2, 2 + o["mid_peers"])]
        spec = NetworkSpec(
            partnerships=n,
            profiles_per=o["profiles_per"],
            density=o["density"],
            seed=o["seed"],
            prefix="bench",
            profiles_override={hub: o["hub_profiles"]},
            extra_pairs=extra,
            exclude_from_random={hub, mid, newcomer},
        )
        started = time.perf_counter()
        with tqdm(
            total=spec.progress_steps, unit="step", file=self.stdout, dynamic_ncols=True
        ) as bar:

            def progress(stage: str, count: int) -> None:
                bar.set_description(f"seeding: {stage}")
                bar.update(count if stage in {"partnerships", "profiles"} else 1)

            network = network_seed(spec, progress)
        seed_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if not connection.in_atomic_block else None

        result: dict[str, Any] = {
            "label": o["label"],
            "network": {
                "partnerships": n,
                "profiles": OffenderProfile.objects.count(),
                "permission_rows": ProfileGroupPermission.objects.count(),
                "seed_seconds": round(seed_seconds, 1),
            },
            "viewers": {},
        }
        # Accept and revoke first, so the hub ends up seeing everyone for the page timings.
        result["sharing"] = self._accept_revoke(network, hub, newcomer)
        for key, index in (("mid", mid), ("hub", hub)):
            result["viewers"][key] = self._viewer(network, index, o["runs"])
        result["machine"] = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "postgres": connection.cursor().connection.info.server_version,
        }
        self._save(result)
        self._print(result)
        # The agreements made here queued notification e-mails that no worker should send.
        app.control.purge()

    def _accept_revoke(self, network: Any, hub: int, newcomer: int) -> dict[str, Any]:
        a, b = network.partnerships[newcomer], network.partnerships[hub]
        admin_a, admin_b = network.admins[newcomer], network.admins[hub]
        accepts, revokes = [], []
        granted = 0
        for round_ in range(3):
            services.consent_request(
                partnership=b, partner=a, agreement_reference="bench", actor=Actor(user=admin_b)
            )
            start = time.perf_counter()
            services.consent_accept(partnership=a, partner=b, actor=Actor(user=admin_a))
            accepts.append((time.perf_counter() - start) * 1000)
            granted = (
                profiles_for_dataview(
                    membership=Membership.objects.get(user=admin_a, ended_at=None)
                )
                .exclude(partnership=a)
                .count()
            )
            if round_ < 2:
                start = time.perf_counter()
                services.consent_revoke(partnership=a, partner=b, actor=Actor(user=admin_a))
                revokes.append((time.perf_counter() - start) * 1000)
        return {
            "profiles_granted": granted,
            "accept_ms_median": round(statistics.median(accepts), 1),
            "revoke_ms_median": round(statistics.median(revokes), 1),
            "accept_ms": [round(t, 1) for t in accepts],
            "revoke_ms": [round(t, 1) for t in revokes],
        }

    def _viewer(self, network: Any, index: int, runs: int) -> dict[str, Any]:
        user = network.admins[index]
        partnership = network.partnerships[index]
        membership = Membership.objects.select_related("partnership").get(
            user=user, partnership=partnership, ended_at=None
        )
        client = Client()
        client.force_login(user)
        base = f"/p/{partnership.slug}/dataview/"
        figures: dict[str, Any] = {
            "visible": profiles_for_dataview(membership=membership).count(),
            "pages": {},
        }
        pages: list[tuple[str, str, dict[str, str]]] = [
            (label, query, {}) for label, query in PAGES.items()
        ]
        pages += [(label, query, HTMX) for label, query in HTMX_PAGES.items()]
        for label, query, headers in pages:
            url = base + query
            response = client.get(url, headers=headers)
            if response.status_code == 302:
                if "cursor=" not in response["Location"]:
                    continue  # a network too small to have that page
                url = response["Location"]
            for _ in range(3):
                assert client.get(url, headers=headers).status_code == 200
            executed: list[tuple[str, Any]] = []

            def count(
                execute: Any, sql: str, params: Any, *args: Any, log: list[Any] = executed
            ) -> Any:
                log.append((sql, params))
                return execute(sql, params, *args)

            with connection.execute_wrapper(count):
                client.get(url, headers=headers)
            times = _timed(lambda url=url, h=headers: client.get(url, headers=h), runs)
            sql_ms, all_sql_ms = self._sql_alone(executed, runs)
            median = statistics.median(times)
            figures["pages"][label] = {
                "median_ms": round(median, 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "queries": len(executed),
                "sql_ms": round(sql_ms, 2),
                "page_over_sql": round(median / sql_ms, 1) if sql_ms else None,
                "all_sql_ms": round(all_sql_ms, 2),
                "page_over_all_sql": round(median / all_sql_ms, 1) if all_sql_ms else None,
            }
        figures["api"] = self._api(membership, runs, figures["pages"]["first page"])
        figures["baseline"] = self._baseline(user, membership, runs)
        return figures

    def _sql_alone(self, executed: list[tuple[str, Any]], runs: int) -> tuple[float, float]:
        """The database's own time for the page, as EXPLAIN (ANALYZE) reports it (planning and
        execution) with the same parameters: its main query (the rows) alone, and every query
        the page sent (the session, membership, filter choices, count, audit event...), each
        a median over several runs. A query that writes is explained and rolled back."""
        main = [
            index
            for index, (sql, _params) in enumerate(executed)
            if sql.startswith("SELECT") and "COUNT(" not in sql and "LIMIT 51" in sql
        ]
        [main_index] = main
        medians = []
        with connection.cursor() as cursor:
            for sql, params in executed:
                timings = []
                for _ in range(max(5, runs // 3)):
                    with transaction.atomic():
                        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                        plan = cursor.fetchone()[0]
                        transaction.set_rollback(True)
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    timings.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
                medians.append(statistics.median(timings))
        return medians[main_index], sum(medians)

    def _api(self, membership: Membership, runs: int, web_first: dict[str, Any]) -> dict[str, Any]:
        """The API's first page of profiles and its page 500 (the cursor of the row page 499
        ends on), with a token, against the web page's first page."""
        _token, secret = api_token_create(
            membership=membership,
            name="bench",
            scopes=[ApiScope.PROFILES_READ],
            expires_at=timezone.now() + timedelta(hours=1),
            actor=Actor(user=membership.user),
        )
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        base = f"/api/v1/p/{membership.partnership.slug}/profiles/"
        visible = profiles_for_dataview(membership=membership).count()
        deep = max(2, min(API_DEEP_PAGE, visible // API_PAGE))
        ends_before = (
            profiles_for_dataview(membership=membership)
            .order_by("-created_at", "-id")
            .values_list("created_at", "id")[(deep - 1) * API_PAGE - 1]
        )
        urls = {"first page": base, "deep page": f"{base}?cursor={cursor_at(list(ends_before))}"}
        figures: dict[str, Any] = {}
        with override_settings(API_RATE="1000000/minute"):
            for label, url in urls.items():
                for _ in range(3):
                    assert client.get(url).status_code == 200
                executed: list[str] = []

                def count(execute: Any, sql: str, *args: Any, log: list[str] = executed) -> Any:
                    log.append(sql)
                    return execute(sql, *args)

                with connection.execute_wrapper(count):
                    client.get(url)
                times = _timed(lambda url=url: client.get(url), runs)
                figures[label] = {
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(_percentile(times, 0.95), 1),
                    "queries": len(executed),
                }
        figures["first_p95_over_web_first_p95"] = round(
            figures["first page"]["p95_ms"] / web_first["p95_ms"], 2
        )
        figures["deep_page_number"] = deep
        figures["deep_p95_over_first_p95"] = round(
            figures["deep page"]["p95_ms"] / figures["first page"]["p95_ms"], 2
        )
        return figures

    def _baseline(self, user: Any, membership: Membership, runs: int) -> dict[str, Any]:
        """The same first page from guardian's generic tables via get_objects_for_user."""

        def ours() -> None:
            qs = dataview_rows(membership=membership).order_by("-created_at", "-id")
            qs.order_by()[: COUNT_CAP + 1].count()
            list(qs.values_list(*DATAVIEW_ROW_COLUMNS, named=True)[:51])

        group_id = membership.partnership.admin_group_id
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO guardian_groupobjectpermission
                        (object_pk, content_type_id, group_id, permission_id)
                    SELECT x.content_object_id::text, perm.content_type_id, x.group_id,
                           x.permission_id
                    FROM sharing_profilegrouppermission x
                    JOIN auth_permission perm ON perm.id = x.permission_id
                    WHERE x.group_id = %s
                    """,
                    [group_id],
                )
            # guardian skips direct models whose `enabled` is False: the generic path.
            ProfileGroupPermission.enabled = False  # type: ignore[attr-defined]
            ProfileUserPermission.enabled = False  # type: ignore[attr-defined]
            try:

                def naive() -> None:
                    qs = get_objects_for_user(
                        user, "offenders.view_offenderprofile", klass=OffenderProfile
                    ).order_by("-created_at", "-id")
                    qs.order_by()[: COUNT_CAP + 1].count()
                    list(qs[:51])

                naive()
                naive_times = _timed(naive, max(5, runs // 3))
            finally:
                ProfileGroupPermission.enabled = True  # type: ignore[attr-defined]
                ProfileUserPermission.enabled = True  # type: ignore[attr-defined]
            transaction.set_rollback(True)
        ours()
        our_times = _timed(ours, max(5, runs // 3))
        naive_median = statistics.median(naive_times)
        our_median = statistics.median(our_times)
        return {
            "ours_median_ms": round(our_median, 1),
            "naive_median_ms": round(naive_median, 1),
            "naive_over_ours": round(naive_median / our_median, 1),
        }

    def _save(self, result: dict[str, Any]) -> None:
        path = Path(settings.VAR_DIR) / "bench" / "dataview.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(path.read_text()) if path.exists() else {}
        data[result["label"]] = result
        path.write_text(json.dumps(data, indent=2))
        chart = path.with_suffix(".svg")
        chart.write_text(bench_chart_svg(data))
        self.stdout.write(f"Figures in {path}; chart in {chart}")

    def _print(self, r: dict[str, Any]) -> None:
        w = self.stdout.write
        net = r["network"]
        w(
            f"\n== {r['label']}: {net['partnerships']} partnerships, {net['profiles']:,} profiles, "
            f"{net['permission_rows']:,} permission rows (seeded in {net['seed_seconds']} s)"
        )
        w(
            f"{'viewer':<8}{'visible':>9}  {'page':<14}{'median ms':>10}{'p95 ms':>9}"
            f"{'queries':>9}{'main SQL':>9}{'/main':>8}{'all SQL':>9}{'/all':>7}"
        )
        for key, viewer in r["viewers"].items():
            for label, page in viewer["pages"].items():
                w(
                    f"{key:<8}{viewer['visible']:>9,}  {label:<14}{page['median_ms']:>10}"
                    f"{page['p95_ms']:>9}{page['queries']:>9}{page['sql_ms']:>9}"
                    f"{page['page_over_sql']:>7}x{page['all_sql_ms']:>9}"
                    f"{page['page_over_all_sql']:>6}x"
                )
            api = viewer["api"]
            for label, name in (
                ("first page", "API page 1"),
                ("deep page", f"API page {api['deep_page_number']}"),
            ):
                page = api[label]
                w(
                    f"{key:<8}{viewer['visible']:>9,}  {name:<14}{page['median_ms']:>10}"
                    f"{page['p95_ms']:>9}{page['queries']:>9}"
                )
            w(
                f"{'':<19}API page 1 p95 / web page 1 p95: "
                f"{api['first_p95_over_web_first_p95']}x; API page {api['deep_page_number']} "
                f"p95 / API page 1 p95: {api['deep_p95_over_first_p95']}x"
            )
            b = viewer["baseline"]
            w(
                f"{'':<19}first page selector: ours {b['ours_median_ms']} ms, generic guardian "
                f"{b['naive_median_ms']} ms ({b['naive_over_ours']}x)"
            )
        s = r["sharing"]
        w(
            f"accept granting {s['profiles_granted']:,} profiles: "
            f"median {s['accept_ms_median']} ms {s['accept_ms']}; "
            f"revoke: median {s['revoke_ms_median']} ms {s['revoke_ms']}"
        )
