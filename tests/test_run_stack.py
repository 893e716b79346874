"""`make run` as a developer lives with it: `manage.py run_stack` in its own process with its own
var dir (embedded PostgreSQL and Redis), used through the browser, stopped with Ctrl-C, started
again; and starts that fail stop everything they started."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import wait_for

pytestmark = pytest.mark.timeout(600)

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-bcrp-2026"
# A start on a fresh var dir creates the database cluster, migrates and seeds.
START_SECONDS = 240
# Whatever the test session's own settings put in the environment is not the stack's.
NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "SITE_URL",
    "PORT",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "MEDIA_ROOT",
    "CELERY_QUEUE",
    "DATABASE_TEST_NAME",
    "BCRP_EMBEDDED_DB",
    "TWO_FACTOR_ROLES",
)


# Straight to the stack, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stack_env(var_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    # As `make run` sets it: the demo signs in with a password only.
    env.update(
        BCRP_VAR_DIR=str(var_dir),
        PORT=str(port),
        TWO_FACTOR_ROLES="",
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def processes_of(var_dir: Path) -> list[str]:
    """Processes working in var_dir (PostgreSQL, Redis) or started for it (web, worker, beat)."""
    inside = f"{var_dir}/"
    marker = f"BCRP_VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or a zombie
        if f"{cwd}/".startswith(inside) or inside in command or marker in environ:
            found.append(f"{entry.name}: {command.strip()}")
    return found


def status_of(url: str) -> int:
    try:
        with DIRECT.open(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


class Stack:
    """One `manage.py run_stack` process; its output goes to a log read when something fails."""

    def __init__(self, var_dir: Path, port: int, log: Path, **extra_env: str) -> None:
        self.var_dir, self.port, self.log = var_dir, port, log
        self.url = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(BASE_DIR / "manage.py"), "run_stack"],
                cwd=BASE_DIR,
                env=stack_env(var_dir, port, **extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_serving(self) -> None:
        def serving() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"run_stack exited with {self.process.returncode}:\n{self.output()}")
            announced = "BCRP platform serving on" in self.output()
            return announced and status_of(f"{self.url}/healthz") == 200

        if not wait_for(serving, timeout=START_SECONDS, interval=0.5):
            pytest.fail(f"run_stack did not serve within {START_SECONDS} s:\n{self.output()}")

    def wait_exit(self, timeout: float = 120) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run_stack did not exit within {timeout} s:\n{self.output()}")

    def interrupt(self) -> int:
        """Ctrl-C, as a developer stops it."""
        self.process.send_signal(signal.SIGINT)
        return self.wait_exit()


def fresh_var_dir() -> Iterator[Path]:
    # Not under pytest's own temporary root: that is private to its owner, and the embedded
    # PostgreSQL runs as another system user (pgserver) when the tests run as root.
    var_dir = Path(tempfile.mkdtemp(prefix="bcrp-stack-")) / "var"
    yield var_dir
    shutil.rmtree(var_dir.parent, ignore_errors=True)


@pytest.fixture
def var_dir() -> Iterator[Path]:
    yield from fresh_var_dir()


@pytest.fixture(scope="module")
def shared_var_dir() -> Iterator[Path]:
    """One var dir for the failing starts: each works on it fresh or already seeded."""
    yield from fresh_var_dir()


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Started stacks; whatever a failing test left running is stopped afterwards."""
    started: list[Stack] = []
    yield started
    for stack in started:
        if stack.process.poll() is None:
            stack.process.send_signal(signal.SIGINT)
            try:
                stack.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                stack.process.kill()
        for line in processes_of(stack.var_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split(":")[0]), signal.SIGTERM)


def assert_nothing_left(var_dir: Path) -> None:
    # Redis and PostgreSQL finish exiting a moment after they have answered "stopping".
    left = wait_for(lambda: not processes_of(var_dir), timeout=20)
    assert left, f"still running for {var_dir}: {processes_of(var_dir)}"


def signed_in(browser: Any, url: str, email: str, password: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def invitation_link(mail_dir: Path, email: str) -> str | None:
    for message in mail_dir.glob("*"):
        text = message.read_text(errors="replace")
        if f"To: {email}" in text:
            found = re.search(r"http://\S+/invite/\S+/", text)
            return found.group(0) if found else None
    return None


@pytest.mark.browser
def test_make_run_starts_again_after_people_used_the_demo(
    browser: Any, var_dir: Path, tmp_path: Path, stacks: list[Stack]
) -> None:
    first = Stack(var_dir, free_port(), tmp_path / "first.log")
    stacks.append(first)
    first.wait_serving()
    assert f"E-mail is not sent: each message is a file in {var_dir / 'mail'}" in first.output()
    assert "admin.westbridge@example.org" in first.output()

    # Westbridge's administrator invites a second member, who accepts from the e-mail.
    admin = signed_in(browser, first.url, "admin.westbridge@example.org", DEMO_PASSWORD)
    admin.goto(f"{first.url}/p/westbridge/people/invite/")
    admin.fill("#id_email", "second.member@example.org")
    admin.select_option("#id_role", "member")
    admin.select_option("#id_business", label="Hartley's Convenience")
    admin.get_by_role("button", name="Send invitation").click()
    admin.get_by_text("Invitation sent to second.member@example.org").wait_for()
    link = wait_for(lambda: invitation_link(var_dir / "mail", "second.member@example.org"))
    assert link, f"no invitation e-mail in {var_dir / 'mail'}:\n{first.output()}"
    # PORT is set and SITE_URL is not: the e-mailed link is where the stack serves.
    assert link.startswith(f"{first.url}/invite/")

    invitee = browser.new_context().new_page()
    invitee.goto(link)
    invitee.fill("#id_full_name", "Second Member")
    invitee.fill("#id_password1", "till-roll-wombat-42")
    invitee.fill("#id_password2", "till-roll-wombat-42")
    invitee.get_by_role("button", name="Create account and join").click()
    invitee.wait_for_url(f"{first.url}/p/westbridge/")
    invitee.context.close()

    # ...and adds a profile of their own.
    admin.goto(f"{first.url}/p/westbridge/profiles/new/")
    admin.fill("#id_first_name", "Dean")
    admin.fill("#id_last_name", "Fletcher")
    admin.get_by_role("button", name="Create profile").click()
    admin.wait_for_url(re.compile(r".*/p/westbridge/profiles/\d+/$"))
    admin.context.close()

    # Northgate's administrator removes their demo member.
    northgate = signed_in(browser, first.url, "admin.northgate@example.org", DEMO_PASSWORD)
    northgate.goto(f"{first.url}/p/northgate/people/")
    northgate.get_by_role("row", name="member.northgate@example.org").get_by_role(
        "link", name="Change"
    ).click()
    northgate.get_by_role("link", name="Remove from partnership…").click()
    northgate.get_by_role("button", name="Remove").click()
    northgate.get_by_text("no longer belongs to Northgate Shopwatch").wait_for()
    northgate.context.close()

    assert first.interrupt() == 0, first.output()
    assert_nothing_left(var_dir)

    second = Stack(var_dir, free_port(), tmp_path / "second.log")
    stacks.append(second)
    second.wait_serving()
    assert status_of(f"{second.url}/login/") == 200
    assert "Demo data already loaded" in second.output()

    # Nothing people did was undone: the new member signs in to Westbridge with their own
    # password, the profile is there, Northgate's demo member stays removed.
    member = signed_in(browser, second.url, "second.member@example.org", "till-roll-wombat-42")
    assert member.goto(f"{second.url}/p/westbridge/gallery/").status == 200
    member.context.close()
    admin = signed_in(browser, second.url, "admin.westbridge@example.org", DEMO_PASSWORD)
    admin.goto(f"{second.url}/p/westbridge/profiles/?q=Fletcher")
    assert admin.get_by_text("Dean Fletcher").count() >= 1
    admin.context.close()
    northgate = signed_in(browser, second.url, "admin.northgate@example.org", DEMO_PASSWORD)
    northgate.goto(f"{second.url}/p/northgate/people/")
    assert northgate.get_by_text("member.northgate@example.org").count() == 0
    northgate.context.close()

    assert second.interrupt() == 0, second.output()
    assert_nothing_left(var_dir)


def test_a_start_failing_in_migrate_stops_the_embedded_servers(
    var_dir: Path, tmp_path: Path, stacks: list[Stack]
) -> None:
    # A table the first migration wants to create is already there (someone else's database).
    prepared = subprocess.run(
        [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "shell",
            "-c",
            "from django.db import connection; "
            "connection.cursor().execute('CREATE TABLE django_content_type (id int)')",
        ],
        cwd=BASE_DIR,
        env=stack_env(var_dir, free_port()),
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
    )
    assert prepared.returncode == 0, prepared.stderr
    # A one-off command stops the servers it had to start.
    assert_nothing_left(var_dir)

    stack = Stack(var_dir, free_port(), tmp_path / "stack.log")
    stacks.append(stack)
    assert stack.wait_exit() != 0
    output = stack.output()
    assert "Could not start: applying database migrations failed (ProgrammingError" in output
    assert "Stopped." in output
    assert_nothing_left(var_dir)


def test_a_start_on_a_taken_port_says_so_and_stops_the_embedded_servers(
    shared_var_dir: Path, tmp_path: Path, stacks: list[Stack]
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        stack = Stack(shared_var_dir, port, tmp_path / "stack.log")
        stacks.append(stack)
        assert stack.wait_exit() == 1
    output = stack.output()
    assert f"Port {port} is already in use" in output
    assert "PostgreSQL: embedded" in output
    assert_nothing_left(shared_var_dir)


def test_a_child_that_exits_at_once_stops_the_whole_start(
    shared_var_dir: Path, tmp_path: Path, stacks: list[Stack]
) -> None:
    # A typo in WEB_CONCURRENCY: gunicorn refuses its arguments and exits at once.
    stack = Stack(shared_var_dir, free_port(), tmp_path / "stack.log", WEB_CONCURRENCY="two")
    stacks.append(stack)
    assert stack.wait_exit(timeout=START_SECONDS) == 1
    output = stack.output()
    assert "The web process exited (status" in output
    assert "BCRP platform serving" not in output
    assert_nothing_left(shared_var_dir)


def test_site_url_follows_port_unless_it_is_set(tmp_path: Path) -> None:
    """The rule behind links in e-mails; the restart test above follows one from a real e-mail."""

    def site_url(**env: str) -> str:
        # Loading the settings starts and connects to nothing (tests/test_config.py).
        shown = subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
            cwd=BASE_DIR,
            env=stack_env(tmp_path, 0, DJANGO_SETTINGS_MODULE="config.settings", **env),
            capture_output=True,
            text=True,
            check=True,
        )
        return shown.stdout.strip()

    assert site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert site_url(PORT="8123", SITE_URL="https://bcrp.example.org") == "https://bcrp.example.org"
    assert site_url(PORT="") == "http://127.0.0.1:8000"
