"""/healthz names database, Redis and Celery; a stopped Redis makes it 503 naming redis."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from bcrp import embedded

pytestmark = pytest.mark.worker


def test_healthz_is_200_with_database_redis_and_worker(
    db: None, celery_worker_process: dict[str, Any]
) -> None:
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }
    assert body["checks"]["celery"]["workers"] >= 1
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Path]:
    """A second real Redis server of our own, so the suite's Redis keeps running."""
    sock = tmp_path / "r.sock"
    subprocess.run(
        [
            embedded._redis_bin("redis-server"),
            "--daemonize",
            "yes",
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--dir",
            str(tmp_path),
            "--pidfile",
            str(tmp_path / "r.pid"),
            "--save",
            "",
        ],
        check=True,
    )
    yield sock
    subprocess.run(
        [embedded._redis_bin("redis-cli"), "-s", str(sock), "shutdown", "nosave"],
        check=False,
        capture_output=True,
    )


def test_healthz_is_503_naming_redis_when_redis_stops(db: None, own_redis: Path) -> None:
    with override_settings(REDIS_URL=f"redis+socket://{own_redis}"):
        up = Client().get("/healthz").json()
        assert up["checks"]["redis"] == {"ok": True}

        subprocess.run(
            [embedded._redis_bin("redis-cli"), "-s", str(own_redis), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )
        response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "failing"
    assert "redis" in body["failing"]
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
