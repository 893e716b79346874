"""Production settings pass Django's deployment checklist; /healthz stays on plain HTTP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_https_settings_pass_the_deployment_checklist() -> None:
    result = deploy_check(
        DJANGO_HTTPS="true", DJANGO_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_HSTS_PRELOAD="true"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Left to the operator: only the subdomain and preload choices remain.
    left = deploy_check(DJANGO_HTTPS="true")
    assert "security.W005" in left.stderr and "security.W021" in left.stderr
    assert left.stderr.count("(security.") == 2


def test_without_https_the_checklist_names_what_is_missing() -> None:
    result = deploy_check(DJANGO_HTTPS="false")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000)
def test_plain_http_is_redirected_except_the_health_probe() -> None:
    client = Client()
    login = client.get("/login/")
    assert login.status_code == 301 and login["Location"] == "https://testserver/login/"
    assert client.get("/healthz").status_code in (200, 503)
    secure = client.get("/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
