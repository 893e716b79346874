"""A report sent twice is stored once: each incident form carries a submission key.

A member whose phone lost the answer (or who tapped twice) sends the same form again; the
second send must show the report already saved, not make a duplicate.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents.models import Incident, IncidentPhoto
from incidents.services import IncidentAlreadySubmitted, incident_submit
from partnerships.models import Membership, Partnership, Role
from tests.factories import jpeg_bytes, membership_of, person_in
from tests.fixtures import TEST_MEDIA_ROOT, client_for


def originals() -> set[str]:
    """Photos as received (thumbnails, made by a worker if one runs, are left out)."""
    return {str(p) for p in TEST_MEDIA_ROOT.rglob("incident-photos/**/*.original.bin")}


def photos() -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"till-{n}.jpg", jpeg_bytes(n), "image/jpeg") for n in (1, 2)]


def report(**extra: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": "theft",
        "description": "Filled a rucksack with coffee jars and walked out.",
        "value_lost": "54.00",
        "value_recovered": "0",
        **extra,
    }


def key_in_form(client: Client) -> str:
    html = client.get("/p/alpha/incidents/new/").content.decode()
    match = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', html)
    assert match, "the form carries a submission key"
    return match.group(1)


def test_the_same_report_sent_twice_is_stored_once_and_the_second_answer_shows_the_first(
    partnership_a: Partnership, member_a: User
) -> None:
    client = client_for(member_a)
    key = key_in_form(client)
    first = client.post("/p/alpha/incidents/new/", report(submission_key=key, photos=photos()))
    assert first.status_code == 302, first.content.decode()[:2000]
    incident = Incident.objects.get()
    files_after_first = originals()

    second = client.post("/p/alpha/incidents/new/", report(submission_key=key, photos=photos()))
    assert second.status_code == 302
    assert second["Location"] == first["Location"] == f"/p/alpha/incidents/{incident.pk}/"
    page = client.get(second["Location"]).content.decode()
    assert "This report was already saved" in page
    assert "Filled a rucksack with coffee jars" in page

    assert Incident.objects.count() == 1
    assert IncidentPhoto.objects.filter(incident=incident).count() == 2
    assert IncidentPhoto.objects.count() == 2
    assert AuditEvent.objects.filter(action="incident.submit").count() == 1
    assert originals() == files_after_first


def test_sent_again_by_htmx_the_browser_is_sent_to_the_first(
    partnership_a: Partnership, member_a: User
) -> None:
    client = client_for(member_a)
    key = key_in_form(client)
    first = client.post(
        "/p/alpha/incidents/new/", report(submission_key=key), headers={"HX-Request": "true"}
    )
    incident = Incident.objects.get()
    second = client.post(
        "/p/alpha/incidents/new/", report(submission_key=key), headers={"HX-Request": "true"}
    )
    for answer in (first, second):
        assert answer.status_code == 200
        assert answer["HX-Redirect"] == f"/p/alpha/incidents/{incident.pk}/"
    assert Incident.objects.count() == 1


def test_each_form_shown_has_its_own_key(partnership_a: Partnership, member_a: User) -> None:
    client = client_for(member_a)
    keys = {key_in_form(client) for _ in range(3)}
    assert len(keys) == 3
    for key in keys:
        assert client.post("/p/alpha/incidents/new/", report(submission_key=key)).status_code == 302
    assert Incident.objects.count() == 3


def test_another_members_key_never_leads_to_their_report(
    partnership_a: Partnership, member_a: User
) -> None:
    colleague = person_in(partnership_a, Role.MEMBER, email="colleague.a@example.org")
    key = str(uuid.uuid4())
    mine = client_for(member_a).post("/p/alpha/incidents/new/", report(submission_key=key))
    theirs = client_for(colleague).post("/p/alpha/incidents/new/", report(submission_key=key))
    assert mine.status_code == theirs.status_code == 302
    assert mine["Location"] != theirs["Location"]
    assert Incident.objects.filter(reported_by=member_a).count() == 1
    assert Incident.objects.filter(reported_by=colleague).count() == 1


def test_a_client_that_sends_no_key_still_reports(
    partnership_a: Partnership, member_a: User
) -> None:
    """Older scripts and API clients know nothing of keys: each report they send is stored."""
    client = client_for(member_a)
    for _ in range(2):
        answer = client.post("/p/alpha/incidents/new/", report(photos=photos()))
        assert answer.status_code == 302
    assert Incident.objects.count() == 2
    assert set(Incident.objects.values_list("submission_key", flat=True)) == {None}


@pytest.mark.parametrize("bad_key", ["not-a-key", "12345", "' OR 1=1 --", "\x00"])
def test_a_malformed_key_is_a_readable_400_and_stores_nothing(
    partnership_a: Partnership, member_a: User, bad_key: str
) -> None:
    before = originals()
    answer = client_for(member_a).post(
        "/p/alpha/incidents/new/", report(submission_key=bad_key, photos=photos())
    )
    assert answer.status_code == 400
    assert "This form is out of date: reload the page" in answer.content.decode()
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()
    assert originals() == before


def membership_fresh(membership: Membership) -> Membership:
    return Membership.objects.select_related("partnership", "user", "business").get(
        pk=membership.pk
    )


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_store_one_report(partnership_a: Partnership, member_a: User) -> None:
    """A double tap: the second send arrives while the first is still being saved. The second
    waits on the first's key in PostgreSQL, then answers with the first report."""
    membership = membership_of(member_a, partnership_a)
    before = originals()
    key = uuid.uuid4()
    first_saved_not_committed = threading.Event()
    commit_first = threading.Event()
    outcome: dict[str, Any] = {}

    def send(name: str, *, hold: bool) -> None:
        try:
            if name == "second":
                assert first_saved_not_committed.wait(30)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    outcome["second_pid"] = cursor.fetchone()[0]
            with transaction.atomic():
                try:
                    outcome[name] = incident_submit(
                        membership=membership_fresh(membership),
                        fields=report(occurred_at=timezone.now()),
                        premises=None,
                        photos=photos(),
                        submission_key=key,
                        actor=Actor(user=membership.user, partnership=membership.partnership),
                    )
                except IncidentAlreadySubmitted as sent:
                    outcome[name] = sent.incident
                if hold:
                    first_saved_not_committed.set()
                    assert commit_first.wait(30)
        except BaseException as error:  # reported by the main thread
            outcome[f"{name}_error"] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=("first",), kwargs={"hold": True}),
        threading.Thread(target=send, args=("second",), kwargs={"hold": False}),
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        waiting = None
        while waiting != "Lock" and time.monotonic() < deadline:
            time.sleep(0.05)
            if "second_pid" in outcome:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                        [outcome["second_pid"]],
                    )
                    row = cursor.fetchone()
                    waiting = row[0] if row else None
        assert waiting == "Lock", "the second send waits for the first to commit"
    finally:
        commit_first.set()
        for thread in threads:
            thread.join(60)
    assert "first_error" not in outcome and "second_error" not in outcome, outcome
    assert outcome["second"].pk == outcome["first"].pk
    assert Incident.objects.count() == 1
    assert IncidentPhoto.objects.count() == 2
    assert AuditEvent.objects.filter(action="incident.submit").count() == 1
    assert len(originals() - before) == 2
