"""Checks behind /healthz: database, Redis, Celery workers (and beat, for information)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import current_app
from django.conf import settings
from django.db import connection

BEAT_HEARTBEAT_KEY = "bcrp:beat:heartbeat"


def redis_client(timeout: float = 2.0) -> redis.Redis:
    """A redis-py client for REDIS_URL, which may be kombu's redis+socket:// form."""
    url = settings.REDIS_URL
    parts = urlsplit(url)
    if parts.scheme in {"redis+socket", "unix"}:
        return redis.Redis(
            unix_socket_path=parts.path, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_redis() -> dict[str, Any]:
    try:
        redis_client().ping()
    except (redis.RedisError, OSError) as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_celery() -> dict[str, Any]:
    # The project's app (config.celery), which every entry point loads: the ground floor does
    # not import the wiring above it.
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            replies = current_app.control.ping(timeout=1.0, connection=conn) or []
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__, "workers": 0}
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        return {"ok": False, "error": "no worker answered", "workers": 0}
    return {"ok": True, "workers": len(workers)}


def check_beat() -> dict[str, Any]:
    try:
        raw = redis_client().get(BEAT_HEARTBEAT_KEY)
    except (redis.RedisError, OSError):
        return {"last_seen_seconds_ago": None}
    if raw is None:
        return {"last_seen_seconds_ago": None}
    return {"last_seen_seconds_ago": round(time.time() - float(raw), 1)}


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {"database": check_database(), "redis": check_redis()}
    # Without Redis there is no broker to ask the workers through.
    checks["celery"] = (
        check_celery() if checks["redis"]["ok"] else {"ok": False, "error": "redis unavailable"}
    )
    healthy = all(check["ok"] for check in checks.values())
    report: dict[str, Any] = {
        "status": "ok" if healthy else "failing",
        "failing": [name for name, check in checks.items() if not check["ok"]],
        "checks": checks,
        "beat": check_beat() if checks["redis"]["ok"] else {"last_seen_seconds_ago": None},
    }
    return healthy, report
