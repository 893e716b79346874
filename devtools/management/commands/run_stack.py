"""`make run`: migrate, load demo data, then run web, Celery worker and beat until Ctrl-C.

A start that fails at any step stops whatever it started (web, worker, beat, the embedded
PostgreSQL and Redis) and exits non-zero, saying which step failed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bcrp import embedded

SHUTDOWN_GRACE_SECONDS = 20
# Gunicorn binds at once; this only bounds a web server that hangs while loading the project.
WEB_ANSWER_SECONDS = 90
FILE_MAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def tcp_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return port


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by the last run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


# Straight to our own port, whatever proxy the developer's environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def web_answers(url: str) -> bool:
    try:
        with DIRECT.open(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # 503 while the worker starts still means the web server is up
    except OSError:
        return False


class Command(BaseCommand):
    help = "Run the whole platform in the foreground: web (gunicorn), Celery worker and beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--port",
            type=tcp_port,
            default=os.environ.get("PORT", "8000"),
            help="Port to serve on (default: $PORT, else 8000).",
        )
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args: Any, port: int, no_demo: bool, **options: Any) -> None:
        children: dict[str, subprocess.Popen[bytes]] = {}
        # Started already when run through manage.py; the children inherit the URLs.
        started = embedded.ensure_services()
        # Until the children run, `kill` (like Ctrl-C) interrupts the step under way, and the
        # cleanup below still runs.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            self._run(port, no_demo, children, started)
        except KeyboardInterrupt:
            raise CommandError(
                "Interrupted before the platform was serving.", returncode=130
            ) from None
        finally:
            self._stop(children)
            embedded.stop_services(started)
            self.stdout.write("Stopped.")

    def _run(
        self,
        port: int,
        no_demo: bool,
        children: dict[str, subprocess.Popen[bytes]],
        started: embedded.Started,
    ) -> None:
        self._say_services(started)
        if port_in_use(port):
            raise CommandError(
                f"Port {port} is already in use (is `make run` already running?). "
                f"Stop that, or choose another port: PORT={port + 1} make run"
            )
        demo_logins = io.StringIO()
        self._step("Applying database migrations", call_command, "migrate", interactive=False)
        self._step("Collecting static files", call_command, "collectstatic", interactive=False)
        if not no_demo:
            self._step("Loading demo data", call_command, "seed_demo", stdout=demo_logins)

        # Web, worker and beat read the port from here (links in e-mails follow it).
        os.environ["PORT"] = str(port)
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        # From here Ctrl-C is a request: the loop below stops the children in order.
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        self.stdout.write("Starting web, worker and beat...")
        for name, command in self._commands(port).items():
            # Own sessions: Ctrl-C reaches only this process, which stops the children.
            children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603

        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + WEB_ANSWER_SECONDS
        while not stopping and not web_answers(f"{url}healthz"):
            self._check_children(children)
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The web server did not answer on {url} within {WEB_ANSWER_SECONDS} seconds."
                )
            time.sleep(0.5)
        if stopping:
            return
        self._say_ready(url, demo_logins.getvalue())
        while not stopping:
            self._check_children(children)
            time.sleep(0.5)

    def _step(self, what: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.stdout.write(f"{what}...")
        try:
            action(*args, verbosity=0, **kwargs)
        except Exception as error:
            # The details for whoever fixes it, then one line saying what happened.
            self.stderr.write(traceback.format_exc())
            raise CommandError(
                f"Could not start: {what.lower()} failed ({type(error).__name__}: {error}); "
                "everything this start brought up is stopped again."
            ) from error

    def _check_children(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for name, child in children.items():
            if child.poll() is not None:
                raise CommandError(
                    f"The {name} process exited (status {child.returncode}); see its output "
                    "above. Everything is stopped."
                )

    def _say_services(self, started: embedded.Started) -> None:
        for label, key, running, directory in (
            ("PostgreSQL", "DATABASE_URL", started.postgres, embedded.PG_DIR),
            ("Redis", "REDIS_URL", started.redis, embedded.REDIS_DIR),
        ):
            if key not in started.urls:
                self.stdout.write(f"{label}: {key} from the environment")
            else:
                how = "started" if running else "already running, left running on exit"
                self.stdout.write(f"{label}: embedded in {directory} ({how})")

    def _say_ready(self, url: str, demo_logins: str) -> None:
        lines = [f"BCRP platform serving on {url}  (Ctrl-C stops everything)"]
        if os.environ.get("SITE_URL"):
            lines.append(f"Links in e-mails start with {settings.SITE_URL}")
        if settings.EMAIL_BACKEND == FILE_MAIL_BACKEND:
            lines.append(
                f"E-mail is not sent: each message is a file in {settings.EMAIL_FILE_PATH}"
            )
        else:
            lines.append(f"E-mail goes out through {settings.EMAIL_BACKEND}")
        self.stdout.write(self.style.SUCCESS("\n" + "\n".join(lines)))
        if demo_logins:
            self.stdout.write(demo_logins)

    def _commands(self, port: int) -> dict[str, list[str]]:
        bin_dir = os.path.dirname(sys.executable)
        return {
            "web": [
                os.path.join(bin_dir, "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                os.environ.get("WEB_CONCURRENCY", "2"),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                # Its default control socket is one path per user account, which a second
                # stack on the same machine would take over; nothing here uses it.
                "--no-control-socket",
            ],
            "worker": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "config",
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
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        stop_children(children.values(), SHUTDOWN_GRACE_SECONDS)


def stop_children(children: Iterable[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM to each child's process group, up to `grace` seconds for all to exit, then
    SIGKILL. Each child leads its own process group (gunicorn's and Celery's pool processes
    too); the whole group goes, even when its leader has exited already."""
    children = list(children)
    for child in children:
        signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        signal_group(child.pid, signal.SIGKILL)


def signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nobody left in it
        os.killpg(group, signum)
