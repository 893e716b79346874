"""`make run`: migrate, load demo data, then run web, Celery worker and beat until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bcrp import embedded

SHUTDOWN_GRACE_SECONDS = 20


class Command(BaseCommand):
    help = "Run the whole platform in the foreground: web (gunicorn), Celery worker and beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args: Any, port: int, no_demo: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo:
            call_command("seed_demo")

        bin_dir = os.path.dirname(sys.executable)
        commands = {
            "web": [
                os.path.join(bin_dir, "gunicorn"),
                "bcrp.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            "worker": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "bcrp",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                os.environ.get("WORKER_CONCURRENCY", "2"),
                "--hostname",
                f"worker-{os.getpid()}@%h",
            ],
            "beat": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "bcrp",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exit_code = 0
        try:
            for name, command in commands.items():
                # Own sessions: Ctrl-C reaches only this process, which then stops the
                # children in order and waits for them.
                children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nServing on http://127.0.0.1:{port}/  (Ctrl-C stops everything)\n"
                )
            )
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping.")
                        exit_code = 1
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop(children)
            embedded.stop_services(settings.EMBEDDED)
            self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
