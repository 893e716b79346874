"""Fixtures named after the people in them: admin_a, member_a, police_a, admin_b, outsider.

Everything runs on real services: the PostgreSQL and Redis from DATABASE_URL / REDIS_URL (or the
embedded ones), a real Celery worker process, and Debian's Chromium for browser tests; the storage
tests a real S3-compatible server (SeaweedFS, tests/s3.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.http import HttpRequest
from django.test import Client

from bcrp import embedded
from bcrp.env import s3_storage_from_env
from bcrp.models import User
from config.celery import app as celery_app
from partnerships.models import Partnership, Role
from tests.factories import PASSWORD, UserFactory, partnership_make, person_in
from tests.s3 import S3Server, s3_server_start, s3_server_stop

# Each run has its own queue, so a `make run` worker on the same Redis never takes test work.
TEST_QUEUE = f"test-{uuid.uuid4().hex[:12]}"
# Tests that did not ask for the worker queue their tasks here, where nothing reads them: the
# session's worker, once started, would otherwise run another test's task while that test's
# teardown empties the tables, and the two deadlock.
UNREAD_QUEUE = f"{TEST_QUEUE}-unread"
celery_app.conf.task_default_queue = UNREAD_QUEUE

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


TEST_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bcrp-test-media-"))


def pytest_configure(config: pytest.Config) -> None:
    # pytest-django has read the settings already: for unset URLs they name the embedded servers,
    # which this run brings up (with the development keys) before any test database is made.
    embedded.ensure_services()
    # Real password checks, without paying PBKDF2's deliberate cost hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = TEST_MEDIA_ROOT
    # Files on the test directory's disk, whatever S3_* the shell has; the S3 tests ask for the
    # bucket themselves (s3_storage).
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    # Two-factor sign-in has its own tests (test_two_factor.py); elsewhere a password will do.
    settings.TWO_FACTOR_ROLES = []
    # API request counts under this run's own prefix (set before the throttle first reads the
    # cache): token ids restart with each test database, so two runs on one Redis would share them.
    settings.CACHES["api"]["KEY_PREFIX"] = f"api-{TEST_QUEUE}"
    # WhiteNoise looks for collected files; tests serve static files from the finders.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    # The broker may be gone already; its queue goes with it.
    with contextlib.suppress(Exception), celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(UNREAD_QUEUE)
    # Stop the embedded servers only if this test run started them.
    embedded.stop_services(embedded.STARTED)
    shutil.rmtree(TEST_MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _task_queue(request: pytest.FixtureRequest) -> Iterator[None]:
    """The worker's queue only for tests that use the worker; the unread queue for the rest."""
    wants_worker = "celery_worker_process" in request.fixturenames
    celery_app.conf.task_default_queue = TEST_QUEUE if wants_worker else UNREAD_QUEUE
    yield
    celery_app.conf.task_default_queue = UNREAD_QUEUE


@pytest.fixture
def partnership_a(db: None) -> Partnership:
    return partnership_make("alpha", "Alpha BCRP")


@pytest.fixture
def partnership_b(db: None) -> Partnership:
    return partnership_make("bravo", "Bravo BCRP")


@pytest.fixture
def admin_a(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.ADMIN, email="admin.a@example.org")


@pytest.fixture
def member_a(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.MEMBER, email="member.a@example.org")


@pytest.fixture
def police_a(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.POLICE, email="police.a@example.org")


@pytest.fixture
def admin_b(partnership_b: Partnership) -> User:
    return person_in(partnership_b, Role.ADMIN, email="admin.b@example.org")


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(email="outsider@example.org")


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    return client


def _test_database_url() -> str:
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextlib.contextmanager
def celery_worker_running(
    queue: str,
    extra_env: dict[str, str],
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """A real `celery worker` process on the real broker, reading `queue`, on the test database."""
    mail_dir = tmp_path_factory.mktemp("mail")
    hostname = f"{queue}@localhost"
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(TEST_MEDIA_ROOT),
        "DATABASE_CONN_MAX_AGE": "0",
        **extra_env,
    }
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                hostname,
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{log_path.read_text()}")
        yield {"hostname": hostname, "mail_dir": mail_dir, "log": log_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
            conn.default_channel.queue_delete(UNREAD_QUEUE)


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A real `celery worker` process on the real broker, using the test database."""
    # Whatever object storage the environment names is not the tests': they keep files on disk.
    local = {name: "" for name in os.environ if name.startswith("S3_")}
    with celery_worker_running(TEST_QUEUE, local, django_db_blocker, tmp_path_factory) as worker:
        yield worker


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests must run in CI: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def api_client_for(secret: str) -> Client:
    """A client sending `Authorization: Bearer <secret>` and nothing else: no cookies."""
    return Client(headers={"Authorization": f"Bearer {secret}"})


# --- object storage: a real S3-compatible server (tests/s3.py) -------------------------------

S3_WORKER_QUEUE = f"{TEST_QUEUE}-s3"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """SeaweedFS's S3 server for the session, stopped by its process id at the end."""
    server = s3_server_start(tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        s3_server_stop(server)


@pytest.fixture(scope="session")
def celery_worker_s3(
    s3_server: S3Server,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """A real worker whose files are in the S3 server's bucket (its settings read S3_*)."""
    with celery_worker_running(
        S3_WORKER_QUEUE, s3_server.env(), django_db_blocker, tmp_path_factory
    ) as worker:
        yield worker


@pytest.fixture
def s3_storage(
    s3_server: S3Server,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[S3Server]:
    """This test's files in an empty bucket on the S3 server, configured as production would be
    (from S3_* variables); tasks go to `celery_worker_s3` when the test asks for it."""
    client = s3_server.client()
    for key in s3_server.objects():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "private": s3_storage_from_env()}
    if "celery_worker_s3" in request.fixturenames:
        celery_app.conf.task_default_queue = S3_WORKER_QUEUE
    yield s3_server
    celery_app.conf.task_default_queue = UNREAD_QUEUE
