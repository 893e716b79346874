"""`make loadtest`: the bench network served by gunicorn, two Celery workers and beat, under Locust
at 10 then 50 users while a worker is killed and Redis crashes; then what was stored.

Prints the figures and writes them to var/bench/loadtest.json.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django_otp.plugins.otp_totp.models import TOTPDevice

from bcrp import embedded
from bcrp.models import User
from config.celery import app
from devtools.loadtest import names
from devtools.loadtest.faults import Fault, FaultRun, LoadRedis
from devtools.management.commands.run_stack import (
    port_in_use,
    signal_group,
    stop_children,
    web_answers,
)
from devtools.network import Network, NetworkSpec, network_seed
from incidents.models import Incident, IncidentPhoto
from offenders.models import OffenderProfile
from partnerships import services as partnership_services
from partnerships.models import Business, Premises, Role

LOAD_DIR = embedded.VAR_DIR / "loadtest"
RESULT_FILE = embedded.VAR_DIR / "bench" / "loadtest.json"
LOCUSTFILE = Path(names.__file__).with_name("locustfile.py")
ACCESS_LOG = LOAD_DIR / "access.log"
WEB_ANSWER_SECONDS = 90
# People arrive two a second: fifty signing in at once would time the password hash, not the site.
SPAWN_PER_SECOND = 2
SHUTDOWN_GRACE_SECONDS = 20
WORKERS = ("worker-1", "worker-2")
KILLED_WORKER = WORKERS[0]


def tenths(value: str) -> float:
    return round(float(value or 0), 1)


class Stack:
    """gunicorn, the Celery workers and beat, each in its own process group with its own log."""

    def __init__(self, *, port: int, web_workers: int, env: dict[str, str]) -> None:
        self.port = port
        self.web_workers = web_workers
        self.env = env
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, IO[bytes]] = {}
        self.bin_dir = os.path.dirname(sys.executable)

    def command(self, name: str) -> list[str]:
        celery = os.path.join(self.bin_dir, "celery")
        if name == "web":
            return [
                os.path.join(self.bin_dir, "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--graceful-timeout",
                "10",
                "--no-control-socket",
                *("--access-logfile", str(ACCESS_LOG), "--access-logformat", '%(s)s "%(r)s"'),
            ]
        if name == "beat":
            return [
                *(celery, "-A", "config", "beat", "--loglevel", "INFO"),
                *("--schedule", str(LOAD_DIR / "celerybeat-schedule")),
            ]
        return [
            *(celery, "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1"),
            *("--hostname", f"loadtest-{name}-{os.getpid()}@%h"),
        ]

    def start(self, name: str) -> None:
        if name not in self.logs:
            self.logs[name] = open(LOAD_DIR / f"{name}.log", "ab")  # noqa: SIM115 - kept open
        self.children[name] = subprocess.Popen(  # noqa: S603 - our own binaries
            self.command(name),
            env=self.env,
            stdout=self.logs[name],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        """SIGKILL to the process and its pool: nothing it held is acknowledged or handed back."""
        child = self.children[name]
        signal_group(child.pid, signal.SIGKILL)
        child.wait()

    def check(self) -> None:
        for name, child in self.children.items():
            if child.poll() is not None:
                raise CommandError(
                    f"The {name} process exited (status {child.returncode}); "
                    f"see {LOAD_DIR / (name + '.log')}."
                )

    def stop(self) -> None:
        stop_children(self.children.values(), SHUTDOWN_GRACE_SECONDS)
        for log in self.logs.values():
            log.close()


class Command(BaseCommand):
    help = "Load test with faults: gunicorn, Celery and Locust against a seeded network."

    def add_arguments(self, parser: Any) -> None:
        # The network of `make bench` (about 111,000 profiles, 96,000 of them visible to the hub).
        parser.add_argument("--partnerships", type=int, default=200)
        parser.add_argument("--profiles-per", type=int, default=500)
        parser.add_argument("--hub-profiles", type=int, default=11_800)
        parser.add_argument("--mid-peers", type=int, default=15)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--schemes",
            type=int,
            default=4,
            help="Partnerships whose officers, administrators and members take part.",
        )
        parser.add_argument(
            "--staff-per",
            type=int,
            default=8,
            help="Officers and administrators added to each of those partnerships: each "
            "simulated one needs an account of their own, as a two-factor code is accepted once.",
        )
        parser.add_argument("--members-per", type=int, default=6)
        parser.add_argument("--users", default="10,50", help="Concurrent users, run in turn.")
        parser.add_argument(
            "--duration",
            type=int,
            default=90,
            help="Seconds each run is measured for, once everyone has arrived and signed in.",
        )
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument(
            "--drain-seconds",
            type=int,
            default=360,
            help="How long to wait for every photo to be processed after the runs (the sweep "
            "that re-queues lost work runs every two minutes).",
        )
        parser.add_argument("--no-faults", action="store_true")

    def handle(self, *args: Any, **o: Any) -> None:
        name = settings.DATABASES["default"]["NAME"]
        if "loadtest" not in name or app.conf.task_default_queue != "loadtest":
            raise CommandError(
                f"refusing to wipe {name!r}: run through `make loadtest` "
                "(BCRP_EMBEDDED_DB=bcrp_loadtest CELERY_QUEUE=loadtest)"
            )
        try:
            levels = [int(n) for n in o["users"].split(",")]
        except ValueError:
            raise CommandError("--users is a list of numbers, such as 10,50") from None
        if port_in_use(o["port"]):
            raise CommandError(f"Port {o['port']} is in use: choose another with --port.")
        LOAD_DIR.mkdir(parents=True, exist_ok=True)
        for stale in LOAD_DIR.glob("*"):
            if stale.is_file():
                stale.unlink()

        self.stdout.write("Seeding the network...")
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        network = self._network(o)
        with transaction.atomic():
            accounts = self._accounts(network, o["schemes"], o["staff_per"], o["members_per"])
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        seed_seconds = time.perf_counter() - started
        accounts_file = LOAD_DIR / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        accounts_file.chmod(0o600)
        # Seeding queued e-mails to the parent's broker that no load-test worker should send.
        app.control.purge()

        redis = LoadRedis(LOAD_DIR / "redis")
        redis.reset()
        redis.start()
        env = {
            **os.environ,
            "REDIS_URL": redis.url,
            "CELERY_QUEUE": "loadtest",
            "PORT": str(o["port"]),
            "LOADTEST_ACCOUNTS": str(accounts_file),
            "LOADTEST_SENT_LOG": str(LOAD_DIR / "sent.log"),
            "PYTHONPATH": str(settings.BASE_DIR),
            # Locust talks to our own port, whatever proxy the environment names.
            "NO_PROXY": "127.0.0.1,localhost",
        }
        stack = Stack(port=o["port"], web_workers=o["web_workers"], env=env)
        url = f"http://127.0.0.1:{o['port']}"
        result: dict[str, Any] = {
            "network": {
                "partnerships": o["partnerships"],
                "profiles": OffenderProfile.objects.count(),
                "seed_seconds": round(seed_seconds, 1),
                "accounts": {role: len(people) for role, people in accounts.items()},
            },
            "stack": {"web_workers": o["web_workers"], "celery_workers": len(WORKERS)},
            "levels": {},
        }
        try:
            for name in ("web", *WORKERS, "beat"):
                stack.start(name)
            self._wait_for_web(stack, url)
            for users in levels:
                self.stdout.write(
                    f"Running {users} users for {o['duration']} s after they arrive..."
                )
                result["levels"][str(users)] = self._level(
                    users, o["duration"], url, stack, redis, env, faults=not o["no_faults"]
                )
            self.stdout.write(f"Waiting up to {o['drain_seconds']} s for every photo...")
            result["photos"] = self._drain(stack, o["drain_seconds"])
        finally:
            stack.stop()
            redis.stop()
        result["incidents"] = self._incidents(LOAD_DIR / "sent.log")
        result["machine"] = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "postgres": connection.cursor().connection.info.server_version,
        }
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n")
        self._print(result)

    def _network(self, o: dict[str, Any]) -> Network:
        n = o["partnerships"]
        hub, mid = 0, 1
        # As `make bench`: a large scheme everyone shares with, and a middling one.
        extra = [(hub, i) for i in range(1, n)]
        extra += [(mid, i) for i in range(2, 2 + o["mid_peers"])]
        spec = NetworkSpec(
            partnerships=n,
            profiles_per=o["profiles_per"],
            density=0.05,
            seed=o["seed"],
            prefix="load",
            profiles_override={hub: o["hub_profiles"]},
            extra_pairs=extra,
            exclude_from_random={hub, mid},
        )
        return network_seed(spec)

    def _accounts(
        self, network: Network, schemes: int, staff_per: int, members_per: int
    ) -> dict[str, list[dict[str, Any]]]:
        """For the first schemes: officers and administrators with a password and an
        authenticator app (two-factor stays on), and members with premises to report from;
        what Locust signs in with."""
        password = secrets.token_urlsafe(12)
        hashed = make_password(password)
        accounts: dict[str, list[dict[str, Any]]] = {"police": [], "admin": [], "member": []}
        for index in range(min(schemes, len(network.partnerships))):
            partnership = network.partnerships[index]
            slug = partnership.slug
            staff = [("police", network.police[index]), ("admin", network.admins[index])]
            for number in range(1, staff_per + 1):
                for role in (Role.POLICE, Role.ADMIN):
                    user = User.objects.create(
                        email=f"{role.value}{number}.{slug}@example.org",
                        full_name=f"{role.label} {number} {slug}",
                    )
                    partnership_services.membership_add(
                        partnership=partnership, user=user, role=role, actor=None
                    )
                    staff.append((role.value, user))
            for kind, user in staff:
                device = TOTPDevice.objects.create(
                    user=user, name="Authenticator app", confirmed=True
                )
                accounts[kind].append(
                    {
                        "email": user.email,
                        "password": password,
                        "slug": slug,
                        "totp_key": device.key,
                    }
                )
            User.objects.filter(pk__in=[user.pk for _, user in staff]).update(password=hashed)
            business = Business.objects.create(partnership=partnership, name="Load Test Stores")
            for number in range(1, members_per + 1):
                premises = Premises.objects.create(
                    business=business, name=f"Store {number}", postcode="LT1 1AA"
                )
                member = User.objects.create(
                    email=f"member{number}.{slug}@example.org",
                    full_name=f"Member {number} {slug}",
                    password=hashed,
                )
                partnership_services.membership_add(
                    partnership=partnership,
                    user=member,
                    role=Role.MEMBER,
                    business=business,
                    premises=premises,
                    actor=None,
                )
                accounts["member"].append(
                    {
                        "email": member.email,
                        "password": password,
                        "slug": slug,
                        "premises": premises.pk,
                    }
                )
        return accounts

    def _wait_for_web(self, stack: Stack, url: str) -> None:
        deadline = time.monotonic() + WEB_ANSWER_SECONDS
        while not web_answers(f"{url}/healthz"):
            stack.check()
            if time.monotonic() > deadline:
                raise CommandError(f"gunicorn did not answer on {url} in {WEB_ANSWER_SECONDS} s.")
            time.sleep(0.5)

    def _level(
        self,
        users: int,
        duration: int,
        url: str,
        stack: Stack,
        redis: LoadRedis,
        env: dict[str, str],
        *,
        faults: bool,
    ) -> dict[str, Any]:
        prefix = LOAD_DIR / f"users-{users}"
        arrival = -(-users // SPAWN_PER_SECOND)
        # Arrival takes a few seconds more than spawning: the last ones are still signing in.
        settled = arrival + 10
        plan = FaultRun(
            [
                Fault(
                    f"SIGKILL {KILLED_WORKER}",
                    at=settled + duration * 0.3,
                    down_seconds=5,
                    apply=lambda: stack.kill(KILLED_WORKER),
                    recover=lambda: stack.start(KILLED_WORKER),
                ),
                Fault(
                    "Redis crash (SIGKILL) and restart",
                    at=settled + duration * 0.6,
                    down_seconds=3,
                    apply=redis.crash,
                    recover=redis.start,
                ),
            ]
            if faults
            else []
        )
        served_before = access_lines()
        plan.start()
        with open(LOAD_DIR / "locust.log", "ab") as log:
            subprocess.run(  # noqa: S603 - our own binary
                [
                    os.path.join(stack.bin_dir, "locust"),
                    *("-f", str(LOCUSTFILE), "--headless", "--host", url),
                    *("--users", str(users), "--spawn-rate", str(SPAWN_PER_SECOND)),
                    # Figures from the moment all have arrived: the arrival is timed apart.
                    "--reset-stats",
                    *("--run-time", f"{settled + duration}s", "--stop-timeout", "10"),
                    *("--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0"),
                    *("--loglevel", "WARNING"),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        plan.finish()
        stack.check()
        figures = locust_figures(prefix)
        figures["served"] = access_statuses(served_before)
        figures["measured_after_arrival_s"] = settled
        figures["faults"] = plan.events
        figures["fault_errors"] = plan.errors
        return figures

    def _drain(self, stack: Stack, bound: int) -> dict[str, Any]:
        started = time.monotonic()
        photos = IncidentPhoto.objects.all()
        while photos.filter(processed_at=None).exists():
            stack.check()
            if time.monotonic() - started > bound:
                break
            time.sleep(2)
        return {
            "stored": photos.count(),
            "processed": photos.exclude(processed_at=None).count(),
            "drain_seconds": round(time.monotonic() - started, 1),
        }

    def _incidents(self, sent_log: Path) -> dict[str, Any]:
        outcomes: dict[str, str] = {}
        if sent_log.exists():
            for line in sent_log.read_text().splitlines():
                key, _, outcome = line.partition(" ")
                outcomes[key] = outcome
        accepted = {key for key, outcome in outcomes.items() if outcome == "stored"}
        stored = set(
            str(key)
            for key in Incident.objects.filter(submission_key__in=list(outcomes)).values_list(
                "submission_key", flat=True
            )
        )
        duplicates = (
            Incident.objects.order_by()
            .values("submission_key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        return {
            "sent": len(outcomes),
            "accepted": len(accepted),
            "stored": len(stored),
            "lost": len(accepted - stored),
            "duplicates": duplicates,
            "outcomes": dict(Counter(outcomes.values())),
        }

    def _print(self, result: dict[str, Any]) -> None:
        net = result["network"]
        self.stdout.write(
            f"\nNetwork: {net['partnerships']} partnerships, {net['profiles']:,} profiles; "
            f"gunicorn {result['stack']['web_workers']} workers, "
            f"{result['stack']['celery_workers']} Celery workers and beat"
        )
        for users, level in result["levels"].items():
            self.stdout.write(
                f"\n{users} users: {level['throughput_rps']} requests/s, "
                f"{level['requests_total']} requests, {level['errors']['server']} server errors, "
                f"{level['errors']['other']} other failures"
            )
            self.stdout.write(
                f"  {'request':<22}{'count':>7}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
            )
            for name, row in level["requests"].items():
                self.stdout.write(
                    f"  {name:<22}{row['count']:>7}{row['failures']:>6}"
                    f"{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}"
                )
            self.stdout.write(f"  gunicorn answered, whole run: {level['served']}")
            dataview = ", ".join(f"{k} {v} ms" for k, v in level["dataview_p95_ms"].items())
            self.stdout.write(f"  Dataview p95 under load: {dataview}")
            for message, n in level["errors"]["by_message"].items():
                self.stdout.write(f"  failure x{n}: {message}")
            for event in level["faults"]:
                self.stdout.write(
                    f"  fault: {event['fault']} at {event['applied_at_s']} s, "
                    f"back at {event['recovered_at_s']} s"
                )
            for error in level["fault_errors"]:
                self.stdout.write(self.style.ERROR(f"  fault not applied: {error}"))
        inc, photos = result["incidents"], result["photos"]
        self.stdout.write(
            f"\nIncidents: {inc['sent']} sent, {inc['accepted']} accepted, {inc['stored']} stored, "
            f"{inc['lost']} lost, {inc['duplicates']} stored twice"
        )
        self.stdout.write(
            f"Photos: {photos['stored']} stored, {photos['processed']} processed "
            f"(after {photos['drain_seconds']} s)"
        )
        healthy = (
            inc["lost"] == 0
            and inc["duplicates"] == 0
            and photos["processed"] == photos["stored"]
            and all(
                level["errors"]["server"] == 0 and level["served"].get("5xx", 0) == 0
                for level in result["levels"].values()
            )
        )
        verdict = "no server errors, nothing lost, every photo processed"
        self.stdout.write(
            self.style.SUCCESS(verdict) if healthy else self.style.ERROR(f"NOT: {verdict}")
        )
        self.stdout.write(f"Figures written to {RESULT_FILE}")


def access_lines() -> int:
    if not ACCESS_LOG.exists():
        return 0
    with open(ACCESS_LOG, "rb") as log:
        return sum(1 for _ in log)


def access_statuses(skip: int) -> dict[str, int]:
    """Answers gunicorn gave (its access log, from line `skip` on) by status class: the server's
    own count, arrival and sign-in included, of what Locust's figures cover from arrival on."""
    counts: Counter[str] = Counter()
    with open(ACCESS_LOG) as log:
        for number, line in enumerate(log):
            status = line.split(" ", 1)[0]
            if number >= skip and status.isdigit():
                counts[f"{status[0]}xx"] += 1
    return dict(sorted(counts.items()))


def locust_figures(prefix: Path) -> dict[str, Any]:
    """Throughput, percentiles per request name and failures from Locust's CSV files."""
    requests: dict[str, Any] = {}
    total: dict[str, str] = {}
    with open(f"{prefix}_stats.csv", newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated":
                total = row
                continue
            requests[row["Name"]] = {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": tenths(row["Requests/s"]),
                "p50_ms": tenths(row["50%"]),
                "p95_ms": tenths(row["95%"]),
                "p99_ms": tenths(row["99%"]),
            }
    by_message: Counter[str] = Counter()
    server = other = 0
    with open(f"{prefix}_failures.csv", newline="") as file:
        for row in csv.DictReader(file):
            n = int(row["Occurrences"])
            by_message[f"{row['Name']}: {row['Error']}"] += n
            if names.SERVER_ERROR in row["Error"]:
                server += n
            else:
                other += n
    return {
        "throughput_rps": tenths(total.get("Requests/s", "0")),
        "requests_total": int(total.get("Request Count", 0)),
        "requests": dict(sorted(requests.items())),
        "errors": {"server": server, "other": other, "by_message": dict(by_message)},
        "dataview_p95_ms": {
            name: requests[name]["p95_ms"] for name in names.DATAVIEW_REQUESTS if name in requests
        },
    }
