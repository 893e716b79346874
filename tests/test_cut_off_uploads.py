"""A form that does not arrive whole is refused whole, over real sockets to real servers.

A phone losing signal half-way through sending closes the connection with the body short of its
Content-Length. Django's live server and gunicorn both hand the application the short body
without complaint, so these tests send raw bytes to each and look at the database afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from bcrp.models import AuditEvent, User
from bulletins.models import Bulletin
from incidents.models import Incident, IncidentPhoto
from partnerships.models import Partnership, Role
from tests.factories import jpeg_bytes, person_in
from tests.fixtures import TEST_MEDIA_ROOT, _test_database_url, client_for

pytestmark = pytest.mark.django_db(transaction=True)


def stored_files() -> set[Path]:
    return {p for p in TEST_MEDIA_ROOT.rglob("*") if p.is_file()}


class Browser:
    """What a phone's browser keeps for one server: the signed-in session and the CSRF cookie."""

    def __init__(self, base_url: str, user: User) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client_for(user)
            .cookies[settings.SESSION_COOKIE_NAME]
            .value
        }

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": self.cookie_header()})
            response = connection.getresponse()
            cookies = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
            self.cookies.update({name: morsel.value for name, morsel in cookies.items()})
            return response.status, response.read().decode()
        finally:
            connection.close()

    def form(self, path: str) -> dict[str, str]:
        """The hidden fields of the form on a page, as the browser would send them back."""
        status, html = self.get(path)
        assert status == 200, html[:2000]
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))

    def head(self, path: str, *, content_type: str, length: int) -> bytes:
        return (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            f"Cookie: {self.cookie_header()}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=30)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    boundary = f"----phone{uuid.uuid4().hex}"
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    for name, filename, data in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def incident_body(hidden: dict[str, str]) -> tuple[str, bytes]:
    """The incident form as a phone sends it: the text first, then two photos."""
    fields = {
        **hidden,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": "theft",
        "description": "Took two bottles of vodka and ran towards the station.",
        "value_lost": "38.00",
        "value_recovered": "0",
    }
    photos = [
        ("photos", f"till-{n}.jpg", jpeg_bytes(seed=n * 13, size=(1200, 900))) for n in (1, 2)
    ]
    return multipart(fields, photos)


@pytest.fixture
def reporter(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.MEMBER, email="member.till@example.org")


def nothing_of_the_report_kept(before: set[Path]) -> None:
    assert Incident.objects.count() == 0
    assert IncidentPhoto.objects.count() == 0
    assert not AuditEvent.objects.filter(action="incident.submit").exists()
    assert stored_files() == before


def test_a_whole_report_over_a_raw_socket_is_saved_with_its_photos(
    live_server: Any, reporter: User
) -> None:
    """The control: the same bytes, all of them, make a report with both photos."""
    browser = Browser(live_server.url, reporter)
    content_type, body = incident_body(browser.form("/p/alpha/incidents/new/"))
    with browser.connect() as sock:
        sock.sendall(
            browser.head("/p/alpha/incidents/new/", content_type=content_type, length=len(body))
        )
        sock.sendall(body)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 302"), answer[:500]
    incident = Incident.objects.get()
    assert incident.photos.count() == 2


@pytest.mark.parametrize("cut_at", [0.3, 0.7, 0.999])
def test_a_report_cut_off_half_way_is_refused_whole_by_the_live_server(
    live_server: Any, reporter: User, cut_at: float
) -> None:
    before = stored_files()
    browser = Browser(live_server.url, reporter)
    content_type, body = incident_body(browser.form("/p/alpha/incidents/new/"))
    assert body.index(b'filename="till-1.jpg"') < len(body) * 0.3, "text first, then photos"
    with browser.connect() as sock:
        sock.sendall(
            browser.head("/p/alpha/incidents/new/", content_type=content_type, length=len(body))
        )
        sock.sendall(body[: int(len(body) * cut_at)])
        # The phone stops sending; the server sees the end of the body and answers.
        sock.shutdown(socket.SHUT_WR)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:500]
    assert b"did not arrive in full" in answer
    nothing_of_the_report_kept(before)


def test_a_report_without_its_closing_boundary_is_refused(live_server: Any, reporter: User) -> None:
    """All the bytes it announced arrived, but the form never ended: the last photo is cut."""
    before = stored_files()
    browser = Browser(live_server.url, reporter)
    content_type, body = incident_body(browser.form("/p/alpha/incidents/new/"))
    unfinished = body[: body.rindex(b"\r\n--")]
    with browser.connect() as sock:
        sock.sendall(
            browser.head(
                "/p/alpha/incidents/new/", content_type=content_type, length=len(unfinished)
            )
        )
        sock.sendall(unfinished)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:500]
    nothing_of_the_report_kept(before)


def test_a_cut_off_form_without_files_is_refused_too(
    live_server: Any, admin_a: User, member_a: User
) -> None:
    """Every form, not just photos: a bulletin cut off mid-sentence is not posted half-written."""
    browser = Browser(live_server.url, admin_a)
    hidden = browser.form("/p/alpha/bulletins/post/")
    body = urlencode(
        {
            **hidden,
            "title": "Shoplifter active on the high street",
            "body": "Tall man, grey hoodie, takes razor blades. Do not approach; call 999 and "
            "then the radio. He was last seen heading towards the market.",
        }
    ).encode()
    with browser.connect() as sock:
        sock.sendall(
            browser.head(
                "/p/alpha/bulletins/post/",
                content_type="application/x-www-form-urlencoded",
                length=len(body),
            )
        )
        sock.sendall(body[: len(body) - 40])
        sock.shutdown(socket.SHUT_WR)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:500]
    assert not Bulletin.objects.exists()
    assert not AuditEvent.objects.filter(action="bulletin.post").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The production web server, one sync worker (as in the Dockerfile), on the test database:
    its address and its access log.

    One worker handles one connection at a time, so once a later request is answered every
    earlier one has been handled completely.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(TEST_MEDIA_ROOT),
        "TWO_FACTOR_ROLES": "",
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--no-control-socket",
                "--access-logfile",
                "-",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_report_cut_off_half_way_is_refused_whole_by_gunicorn(
    gunicorn: tuple[str, Path], reporter: User
) -> None:
    """The phone drops the connection altogether, so nobody reads the answer; the database is
    checked once gunicorn has moved on to the next request."""
    url, access_log = gunicorn
    before = stored_files()
    browser = Browser(url, reporter)
    content_type, body = incident_body(browser.form("/p/alpha/incidents/new/"))
    with browser.connect() as sock:
        sock.sendall(
            browser.head("/p/alpha/incidents/new/", content_type=content_type, length=len(body))
        )
        sock.sendall(body[: len(body) // 2])
    status, _page = browser.get("/p/alpha/incidents/")
    assert status == 200
    assert '"POST /p/alpha/incidents/new/ HTTP/1.1" 400' in access_log.read_text()
    nothing_of_the_report_kept(before)


def test_sent_by_htmx_the_refusal_replaces_the_page_content(
    partnership_a: Partnership, reporter: User
) -> None:
    """htmx would look for the form in the answer; it gets told to show the message instead."""
    client = client_for(reporter)
    hidden = dict(
        re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
            client.get("/p/alpha/incidents/new/").content.decode(),
        )
    )
    content_type, body = incident_body(hidden)
    answer = client.generic(
        "POST",
        "/p/alpha/incidents/new/",
        body[: body.rindex(b"\r\n--")],
        content_type=content_type,
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 400
    assert "did not arrive in full" in answer.content.decode()
    assert (answer["HX-Retarget"], answer["HX-Reselect"]) == ("main", "main")
    assert not Incident.objects.exists()


def test_a_multipart_form_with_no_body_is_refused(
    partnership_a: Partnership, reporter: User
) -> None:
    """What Django sees of a form sent without a length (chunked): nothing, not even its end."""
    answer = client_for(reporter).generic(
        "POST",
        "/p/alpha/incidents/new/",
        CONTENT_TYPE="multipart/form-data; boundary=phone",
        CONTENT_LENGTH="0",
    )
    assert answer.status_code == 400
    assert "did not arrive in full" in answer.content.decode()
    assert not Incident.objects.exists()
