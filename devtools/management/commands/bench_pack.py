"""`make bench`: time an evidence pack for a profile with 20 incidents and 60 photos.

Seeds through the services in a bench database, builds the pack in this process and then on a
real Celery worker, prints the times and sizes and writes them to var/bench/pack.json.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw

from bcrp.actors import Actor
from bcrp.crypto import delete_stored
from bcrp.models import User
from config.celery import app
from incidents.models import EvidencePack, Incident, IncidentPhoto, WitnessStatement
from incidents.packs import pack_build, pack_request
from incidents.services import incident_link, incident_submit
from offenders.models import ExportStatus, OffenderProfile
from offenders.services import profile_create
from partnerships.models import Membership, Partnership, Role
from partnerships.services import membership_add, partnership_create

# The one target the issue sets: a profile with 20 incidents and 60 photos, under 10 s.
TARGET_SECONDS = 10.0


def cctv_still(seed: int) -> bytes:
    """A 1280x720 still with noise, about the size a phone photo of a CCTV screen is."""
    image = Image.effect_noise((1280, 720), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40 + seed % 200, 60, 400 + seed % 300, 600), outline=(255, 200, 0), width=6)
    draw.text((20, 20), f"CAM {seed % 4 + 1}  {seed:05d}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Command(BaseCommand):
    help = "Benchmark an evidence pack for one profile with 20 incidents of 3 photos each."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--incidents", type=int, default=20)
        parser.add_argument("--photos", type=int, default=3)
        parser.add_argument("--no-worker", action="store_true", help="time in-process only")

    def handle(self, *args: Any, **o: Any) -> None:
        name = settings.DATABASES["default"]["NAME"]
        if app.conf.task_default_queue != "bench":
            raise CommandError("run through `make bench` (CELERY_QUEUE=bench)")
        if "bench" not in name:
            raise CommandError(f"refusing to wipe {name!r}: run through `make bench`")
        call_command("flush", interactive=False, verbosity=0)

        started = time.perf_counter()
        profile, police = self._seed(o["incidents"], o["photos"])
        seed_seconds = time.perf_counter() - started
        # The thumbnails queued while seeding are not what is timed.
        app.control.purge()

        actor = Actor(user=police, partnership=profile.partnership)
        pack = pack_request(profile=profile, actor=actor)
        started = time.perf_counter()
        pack_build(pack.pk)
        in_process = time.perf_counter() - started
        pack.refresh_from_db()
        if pack.status != ExportStatus.READY:
            raise CommandError(f"the pack failed: {pack.error}")
        result: dict[str, Any] = {
            "incidents": o["incidents"],
            "photos": o["incidents"] * o["photos"],
            "seed_seconds": round(seed_seconds, 1),
            "in_process_seconds": round(in_process, 2),
            "pdf_bytes": pack.pdf_size,
            "zip_bytes": pack.zip_size,
            "target_seconds": TARGET_SECONDS,
        }
        if not o["no_worker"]:
            result["worker_seconds"] = round(self._on_worker(profile, actor), 2)
        result["machine"] = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        }
        self._clean_up()
        self._save(result)
        self._print(result)

    def _seed(self, incidents: int, photos: int) -> tuple[OffenderProfile, User]:
        partnership = partnership_create(name="Bench Pack BCRP", slug="bench-pack")
        admin, member, police = (
            self._person(partnership, role, f"{role}@bench-pack.example.org", full_name)
            for role, full_name in (
                (Role.ADMIN, "Alex Admin"),
                (Role.MEMBER, "Jane Smith"),
                (Role.POLICE, "PC Sam Patel"),
            )
        )
        admin_actor = Actor(user=admin, partnership=partnership)
        profile = profile_create(
            partnership=partnership,
            fields={"first_name": "Dean", "last_name": "Fletcher", "aliases": ["Deano"]},
            actor=admin_actor,
        )
        membership = Membership.objects.get(user=member, partnership=partnership)
        now = timezone.now()
        for n in range(incidents):
            incident = incident_submit(
                membership=membership,
                fields={
                    "occurred_at": now - timedelta(days=incidents - n),
                    "category": "theft",
                    "description": f"Took goods from aisle {n % 9 + 1} and left without paying.",
                    "value_lost": 20 + n,
                    "police_reference": f"BP/{1000 + n}/25",
                },
                premises=None,
                photos=[
                    SimpleUploadedFile(
                        f"still-{n}-{k}.jpg", cctv_still(n * photos + k), "image/jpeg"
                    )
                    for k in range(photos)
                ],
                actor=Actor(user=member, partnership=partnership),
            )
            WitnessStatement.objects.create(
                incident=incident,
                maker=member,
                name="Jane Smith",
                occupation="Store manager",
                exhibit_prefix="JS",
                account=f"I saw the man I know as Dean take goods from aisle {n % 9 + 1}. " * 8,
                signed_name="Jane Smith",
                signed_at=now,
                signed_by=member,
            )
            incident_link(incident=incident, profile=profile, actor=admin_actor)
            self.stdout.write(f"\rseeding: incident {n + 1} of {incidents}", ending="")
        self.stdout.write("")
        return profile, police

    @staticmethod
    def _person(partnership: Partnership, role: str, email: str, full_name: str) -> User:
        user = User.objects.create_user(email=email, full_name=full_name)
        membership_add(partnership=partnership, user=user, role=role, actor=None)
        return user

    def _on_worker(self, profile: OffenderProfile, actor: Actor) -> float:
        """From the request to READY, with a real worker taking the task from the broker."""
        hostname = f"bench-pack-{os.getpid()}@localhost"
        worker = subprocess.Popen(  # noqa: S603 (our own celery, from this venv)
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                "bench",
                "--hostname",
                hostname,
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[hostname], timeout=1.0):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise CommandError("the Celery worker did not start")
            started = time.perf_counter()
            pack = pack_request(profile=profile, actor=actor)
            while True:
                pack.refresh_from_db()
                if pack.status == ExportStatus.READY:
                    return time.perf_counter() - started
                if pack.status == ExportStatus.FAILED:
                    raise CommandError(f"the pack failed on the worker: {pack.error}")
                if time.perf_counter() - started > 120:
                    raise CommandError("the worker did not build the pack within 2 minutes")
                time.sleep(0.05)
        finally:
            worker.terminate()
            worker.wait(timeout=20)

    def _clean_up(self) -> None:
        """The bench leaves no files behind: packs go with theirs, photos' are deleted here."""
        EvidencePack.objects.all().delete()
        names = [
            name
            for row in IncidentPhoto.objects.values_list("original", "thumbnail", "received")
            for name in row
            if name
        ]
        Incident.objects.all().delete()
        for name in names:
            delete_stored(name)

    def _save(self, result: dict[str, Any]) -> None:
        path = Path(settings.VAR_DIR) / "bench" / "pack.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2))
        self.stdout.write(f"Figures in {path}")

    def _print(self, r: dict[str, Any]) -> None:
        seconds = r.get("worker_seconds", r["in_process_seconds"])
        verdict = "under" if seconds < TARGET_SECONDS else "OVER"
        self.stdout.write(
            f"\n== Evidence pack: a profile with {r['incidents']} incidents and {r['photos']} "
            f"photos (seeded in {r['seed_seconds']} s)\n"
            f"built in-process in {r['in_process_seconds']} s"
            + (f", on the worker in {r['worker_seconds']} s" if "worker_seconds" in r else "")
            + f" ({verdict} the {TARGET_SECONDS:.0f} s target)\n"
            f"PDF {r['pdf_bytes'] / 1e6:.1f} MB, ZIP {r['zip_bytes'] / 1e6:.1f} MB"
        )
