"""The project wiring: importing the settings has no side effects; the entry points start the
embedded servers the settings name, and keep the development keys the settings read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a developer's shell may hold that would let the settings skip the embedded defaults.
CONFIGURED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "IMAGE_ENCRYPTION_KEYS")

# Runs in a fresh interpreter before anything of the project is imported: records every
# process started, socket made and file or directory written from then on.
AUDIT = """
import json, os, sys

seen = []
STARTS = ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.forkpty", "os.system", "os.exec",
          "os.spawn")
WRITES = ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.chmod", "os.chown",
          "os.symlink", "os.link", "os.truncate", "os.utime", "shutil.")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def audit(event, args):
    if event == "open":
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing:
            seen.append([event, str(args[0])])
    elif event.startswith("socket.") and ipv6_probe():
        pass
    elif event.startswith(("socket.",) + STARTS + WRITES):
        seen.append([event, repr(args)[:200]])


def ipv6_probe():
    # urllib3 (under requests, which Django REST framework imports when it is installed) binds
    # a socket to ('::1', 0) at import to learn whether IPv6 works: local, never connected.
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_has_ipv6" and code.co_filename.endswith("urllib3/util/connection.py"):
            return True
        frame = frame.f_back
    return False


sys.addaudithook(audit)
"""


def run_python(code: str, var_dir: Path, **env: str) -> Any:
    """Runs `code` in a new interpreter on var_dir with nothing configured; returns its JSON."""
    base = {
        name: value
        for name, value in os.environ.items()
        if name.removesuffix("_FILE") not in CONFIGURED and name != "DJANGO_SETTINGS_MODULE"
    }
    done = subprocess.run(
        [sys.executable, "-B", "-c", code],
        cwd=ROOT,
        env={**base, "BCRP_VAR_DIR": str(var_dir), **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def var_dir() -> Iterator[Path]:
    # Not under pytest's own temporary root: that is private to its owner, and the embedded
    # PostgreSQL runs as another system user (pgserver) when the tests run as root.
    parent = Path(tempfile.mkdtemp(prefix="bcrp-config-"))
    yield parent / "var"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.mark.parametrize(
    "load",
    [
        "import config.settings",
        # As the type checker's Django plugin does, and a first look at the URLs.
        "import django; django.setup(); from django.urls import reverse; reverse('dashboard')",
    ],
    ids=["import", "django-setup"],
)
def test_loading_the_settings_starts_nothing_connects_nowhere_writes_nothing(
    var_dir: Path, load: str
) -> None:
    result = run_python(
        AUDIT
        + load
        + "\nfrom django.conf import settings"
        + "\nprint(json.dumps({'seen': seen, 'database': settings.DATABASES['default'],"
        + " 'redis': settings.REDIS_URL, 'secret': settings.SECRET_KEY}))",
        var_dir,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result["seen"] == []
    assert not var_dir.exists()
    # Unconfigured, they name the embedded servers under the var dir all the same.
    assert result["database"]["OPTIONS"]["host"] == str(var_dir / "postgres")
    assert result["redis"] == f"redis+socket://{var_dir}/redis/redis.sock"
    assert len(result["secret"]) >= 50


def test_the_settings_name_the_servers_manage_py_starts(var_dir: Path) -> None:
    named = run_python(
        "import json, config.settings as s; "
        "print(json.dumps({'database': s.DATABASES['default'], 'redis': s.REDIS_URL}))",
        var_dir,
    )
    assert not var_dir.exists()

    # manage.py starts them (a fresh cluster here), and its settings read the URLs it got.
    started = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import json, os\n"
            "from django.conf import settings\n"
            "from django.db import connection\n"
            "from bcrp.health import redis_client\n"
            "connection.ensure_connection()\n"
            "assert redis_client().ping()\n"
            "print(json.dumps({'database': settings.DATABASES['default'],"
            " 'redis': settings.REDIS_URL, 'env': os.environ['DATABASE_URL']}))",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in CONFIGURED},
            "BCRP_VAR_DIR": str(var_dir),
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    real = json.loads(started.stdout.strip().splitlines()[-1])
    # The URL pgserver gave once the cluster ran is the one computed before it existed.
    assert real["env"].startswith("postgresql://postgres:@/bcrp?host=")
    where = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    assert {k: real["database"][k] for k in where} == {k: named["database"][k] for k in where}
    assert real["redis"] == named["redis"]
    # ...and stopped them on the way out, having started them.
    assert not (var_dir / "postgres" / "postmaster.pid").exists()
    assert not (var_dir / "redis" / "redis.sock").exists()


def test_keys_a_process_made_up_before_var_held_any_are_the_ones_kept(var_dir: Path) -> None:
    """pytest reads the settings before its conftest (an entry point) keeps the keys."""
    placeholders = {"DATABASE_URL": "postgres://nobody@localhost/none", "REDIS_URL": "redis://x"}
    first = run_python(
        "import json, config.settings as s\n"
        "from bcrp import embedded\n"
        "embedded.ensure_services()\n"
        "print(json.dumps([s.SECRET_KEY, s.IMAGE_ENCRYPTION_KEYS]))",
        var_dir,
        **placeholders,
    )
    secret_file, image_file = var_dir / "secret_key", var_dir / "image_key"
    assert first == [secret_file.read_text(), [image_file.read_text()]]
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert image_file.stat().st_mode & 0o777 == 0o600

    later = run_python(
        "import json, config.settings as s; "
        "print(json.dumps([s.SECRET_KEY, s.IMAGE_ENCRYPTION_KEYS]))",
        var_dir,
        **placeholders,
    )
    assert later == first


COMMANDS = {"seed_demo", "seed_network", "bench_dataview", "run_stack"}
PRODUCT_COMMANDS = {"sharing_check", "images_rotate_key"}


def test_every_command_is_found_under_its_name() -> None:
    from django.core.management import get_commands

    found = get_commands()
    assert {name: found.get(name) for name in COMMANDS | PRODUCT_COMMANDS} == {
        "seed_demo": "devtools",
        "seed_network": "devtools",
        "bench_dataview": "devtools",
        "run_stack": "devtools",
        "sharing_check": "sharing",
        "images_rotate_key": "photos",
    }


def test_without_devtools_every_product_module_loads_and_none_imports_them(var_dir: Path) -> None:
    product = sorted(
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"tests", "devtools"}
    )
    assert {"config", "bcrp", "partnerships", "offenders", "sharing", "incidents"} <= set(product)
    result = run_python(
        "import importlib, json, pkgutil, sys\n"
        "import django\n"
        "django.setup()\n"
        "from django.core.management import get_commands\n"
        f"for name in {product!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, prefix=name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(json.dumps({'loaded': [m for m in sys.modules if m.split('.')[0] == 'devtools'],"
        " 'commands': sorted(get_commands())}))",
        var_dir,
        DJANGO_SETTINGS_MODULE="config.settings",
        BCRP_DEVTOOLS="false",
        DATABASE_URL="postgres://nobody@localhost/none",
        REDIS_URL="redis://localhost:6379/0",
    )
    assert result["loaded"] == []
    assert not COMMANDS & set(result["commands"])
    assert set(result["commands"]) >= PRODUCT_COMMANDS
