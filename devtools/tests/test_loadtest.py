"""The load test's scenario loads in Locust, names every request as the command reports it, types
the codes the sign-in accepts, and the command reads Locust's figures with server errors apart."""

from __future__ import annotations

import ast
import csv
import os
import subprocess
import sys
from pathlib import Path

from django_otp.oath import TOTP

from devtools.loadtest import names
from devtools.loadtest.codes import totp_code
from devtools.management.commands.loadtest import LOCUSTFILE, locust_figures

STATS_HEADER = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
]


def test_locust_loads_the_scenario_with_its_three_kinds_of_user() -> None:
    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "locust"), "-f", str(LOCUSTFILE), "--list"],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert {"Officer", "Member", "Administrator"} <= set(listed.stdout.split())


def test_every_request_is_named_as_the_command_reports_it() -> None:
    tree = ast.parse(LOCUSTFILE.read_text())
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "name":
            # A literal name here would be reported under a name the command does not know.
            assert isinstance(node.value, ast.Name), ast.unparse(node)
            if node.value.id != "name":  # a helper passing its caller's name on
                used.add(getattr(names, node.value.id))
    # Page helpers pass the name on: their callers' second argument is one of the names.
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"page", "_send"}
        ):
            name = node.args[-1]
            assert isinstance(name, ast.Name), ast.unparse(node)
            if name.id != "name":
                used.add(getattr(names, name.id))
    assert used == set(names.REQUEST_NAMES)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def test_figures_keep_server_errors_apart_from_refusals(tmp_path: Path) -> None:
    prefix = tmp_path / "users-10"
    percentiles = [40, 45, 50, 55, 70, 90, 120, 150, 200, 200, 200]
    _write(
        tmp_path / "users-10_stats.csv",
        STATS_HEADER,
        [
            ["GET", names.DATAVIEW, 100, 1, 40, 45, 10, 200, 9000, 2.5, 0.0, *percentiles],
            ["POST", names.REPORT_SEND, 20, 1, 80, 85, 30, 300, 500, 0.5, 0.0, *percentiles],
            ["", "Aggregated", 120, 2, 45, 50, 10, 300, 8000, 3.04, 0.0, *percentiles],
        ],
    )
    _write(
        tmp_path / "users-10_failures.csv",
        ["Method", "Name", "Error", "Occurrences"],
        [
            ["GET", names.DATAVIEW, f"CatchResponseError('{names.SERVER_ERROR} 502')", 1],
            ["POST", names.REPORT_SEND, "CatchResponseError('refused 403')", 1],
        ],
    )
    figures = locust_figures(prefix)
    assert figures["throughput_rps"] == 3.0
    assert figures["requests_total"] == 120
    assert figures["errors"]["server"] == 1 and figures["errors"]["other"] == 1
    assert figures["requests"][names.DATAVIEW]["p95_ms"] == 90.0
    assert figures["requests"][names.DATAVIEW]["p99_ms"] == 150.0
    assert figures["dataview_p95_ms"] == {names.DATAVIEW: 90.0}


def test_codes_are_those_the_sign_in_checks() -> None:
    key = "3132333435363738393031323334353637383930"
    for moment in (59, 1_111_111_109, 1_234_567_890, 2_000_000_000):
        expected = TOTP(bytes.fromhex(key))
        expected.time = moment
        assert totp_code(key, at=moment) == f"{expected.token():06d}"
