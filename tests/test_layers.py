"""The import contracts (pyproject's [tool.importlinter], run by `make check`): they hold on the
code, and each one fails when a copy of the code is given one import that breaks it."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from celery import Task
from django.utils.module_loading import import_string

from devtools.import_contracts import import_cycles

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = CONFIG["root_packages"]
PRODUCT = [package for package in PACKAGES if package != "devtools"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    limit = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *limit],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        # Wide enough that no reported import is wrapped onto two lines.
        env={**os.environ, "COLUMNS": "400", "PYTHONPATH": str(cwd)},
    )


def test_the_code_keeps_every_contract() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in run.stdout


# (contract, file, import added at its end, what the report must name)
VIOLATIONS = [
    pytest.param(
        "ground-floor",
        "bcrp/crypto.py",
        "import offenders.models",
        "bcrp.crypto -> offenders.models",
        id="ground floor imports a domain app",
    ),
    pytest.param(
        "ground-floor",
        "photos/images.py",
        "def _later():\n    from incidents import selectors\n",
        "photos.images -> incidents.selectors",
        id="ground floor imports a domain app inside a function",
    ),
    pytest.param(
        "ground-floor",
        "bcrp/queue.py",
        "import config.settings",
        "bcrp.queue -> config.settings",
        id="ground floor imports the wiring",
    ),
    pytest.param(
        "no-devtools",
        "offenders/selectors.py",
        "from devtools import network",
        "offenders.selectors -> devtools.network",
        id="product code imports devtools",
    ),
    pytest.param(
        "layers",
        "partnerships/selectors.py",
        "import bulletins.models",
        "partnerships.selectors -> bulletins.models",
        id="a lower app imports a higher one",
    ),
    pytest.param(
        "layers",
        "sharing/permissions.py",
        "from offenders import selectors",
        "sharing.permissions -> offenders.selectors",
        id="the sharing rule imports offenders",
    ),
    pytest.param(
        "layers",
        "offenders/selectors.py",
        "from incidents.models import Incident",
        "offenders.selectors -> incidents.models",
        id="offenders imports incidents",
    ),
    pytest.param(
        "acyclic",
        "offenders/models.py",
        "def _later():\n    from offenders import selectors\n",
        "offenders.models -> offenders.selectors -> offenders.models",
        id="a cycle through an import inside a function",
    ),
    pytest.param(
        "acyclic",
        "bcrp/queue.py",
        "def _later():\n    from bcrp import tasks\n",
        "bcrp.passwords -> bcrp.queue -> bcrp.tasks -> bcrp.passwords",
        id="a longer cycle",
    ),
    pytest.param(
        "bulletins-interfaces",
        "bulletins/services.py",
        "from offenders.forms import ProfileForm",
        "bulletins.services -> offenders.forms",
        id="an app imports another's form",
    ),
    pytest.param(
        "offenders-interfaces",
        "offenders/selectors.py",
        "def _later():\n    from sharing import views\n",
        "offenders.selectors -> sharing.views",
        id="an app imports another's views",
    ),
]


@pytest.mark.parametrize(("contract", "path", "line", "reported"), VIOLATIONS)
def test_each_contract_fails_on_an_import_that_breaks_it(
    tmp_path: Path, contract: str, path: str, line: str, reported: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    name = next(c["name"] for c in CONFIG["contracts"] if c["id"] == contract)

    before = lint_imports(tmp_path, contract)
    assert reported not in before.stdout

    with (tmp_path / path).open("a") as module:
        module.write(f"\n{line}\n")
    after = lint_imports(tmp_path, contract)
    assert after.returncode == 1, after.stdout + after.stderr
    assert f"{name} BROKEN" in after.stdout
    assert reported in after.stdout


def test_cycles_are_found_however_long() -> None:
    imports = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"a", "f"},
        "f": {"e"},
        "g": {"g"},
        "h": {"d"},
    }
    assert import_cycles(imports) == [["a", "b", "c"], ["e", "f"], ["g"]]


def test_no_cycle_is_reported_where_imports_only_point_down() -> None:
    # A diamond, and modules imported but never importing (absent as keys).
    imports = {"top": {"left", "right"}, "left": {"bottom"}, "right": {"bottom", "leaf"}}
    assert import_cycles(imports) == []


def test_a_long_chain_needs_no_deep_recursion() -> None:
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(5000)}
    assert import_cycles(chain) == []
    chain["m5000"] = {"m0"}
    assert import_cycles(chain) == [sorted(f"m{i}" for i in range(5001))]


def _enqueued_task_names() -> list[tuple[str, ast.expr]]:
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "enqueue_on_commit"
                ):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0]))
    return found


def test_every_task_a_service_queues_by_name_exists() -> None:
    """Services name their tasks rather than import them; a misspelt name would be queued
    and never run, so each one must be a task of that name."""
    queued = _enqueued_task_names()
    assert len(queued) >= 6
    for where, argument in queued:
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), where
        task = import_string(argument.value)
        assert isinstance(task, Task) and task.name == argument.value, where
