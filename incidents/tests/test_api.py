"""Incidents over the API: reporting with photos in one request (once per Idempotency-Key,
also when sent twice at once), the same scoping as the pages, review, photos and statistics."""

from __future__ import annotations

import io
import threading
import uuid
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents import selectors
from incidents.forms import stats_default_range
from incidents.models import Incident, IncidentPhoto, IncidentStatus
from incidents.selectors import STATS_TIME_ZONE
from incidents.services import incident_link, incident_review
from offenders import services as offender_services
from partnerships.models import ApiScope, Partnership, Role
from photos.services import thumbnail_process
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    api_token_for,
    incident_reported,
    jpeg_bytes,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import TEST_MEDIA_ROOT, api_client_for, client_for

API = "/api/v1/p/alpha"
PROBLEM = "application/problem+json"


@pytest.fixture
def member_a2(partnership_a: Partnership) -> User:
    return person_in(partnership_a, Role.MEMBER, email="member2.a@example.org")


def api_for(user: User, partnership: Partnership, scopes: list[str] | None = None) -> Client:
    return api_client_for(api_token_for(user, partnership, scopes=scopes))


def report(**extra: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.now().replace(microsecond=0).isoformat(),
        "category": "theft",
        "description": "Filled a rucksack with coffee jars and walked out.",
        "value_lost": "54.00",
        **extra,
    }


def photos(*seeds: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"still-{n}.jpg", jpeg_bytes(n), "image/jpeg") for n in seeds]


def submit(client: Client, data: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key if key is not None else str(uuid.uuid4())}
    return client.post(f"{API}/incidents/", data, headers=headers)


def originals() -> set[str]:
    return {str(p) for p in TEST_MEDIA_ROOT.rglob("incident-photos/**/*.original.bin")}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


# Reporting


def test_member_reports_with_two_photos_and_gets_them_back_through_the_api(
    partnership_a: Partnership, member_a: User
) -> None:
    membership = membership_of(member_a, partnership_a)
    premises = PremisesFactory(business=membership.business)
    client = api_for(member_a, partnership_a)
    key = str(uuid.uuid4())

    answer = submit(client, report(premises=premises.pk, photos=photos(1, 2)), key)

    assert answer.status_code == 201, answer.content.decode()[:2000]
    body = answer.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert answer["Location"] == f"http://testserver{API}/incidents/{incident.pk}/"
    assert body["url"] == answer["Location"]
    # The schema's GetIncident link ($response.body#/id) leads to the same incident.
    assert client.get(f"{API}/incidents/{body['id']}/").json()["id"] == incident.pk
    assert str(incident.submission_key) == key
    assert incident.reported_by == member_a and incident.premises == premises
    assert incident.value_lost == Decimal("54.00") and incident.value_recovered == 0
    assert body["premises"] == {"id": premises.pk, "name": premises.name}
    assert body["status"] == "submitted" and body["category"] == "theft"
    assert body["value_lost"] == "54.00" and body["value_recovered"] == "0.00"
    assert len(body["photos"]) == 2 == incident.photos.count()
    assert AuditEvent.objects.filter(action="incident.submit").count() == 1

    first = body["photos"][0]
    stored = incident.photos.get(token=first["token"])
    assert first["ready"] is False
    # No thumbnail until the worker has made it; the photo as received is there at once.
    assert client.get(first["thumbnail_url"]).status_code == 404
    full = client.get(first["url"])
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full.content[:3] == b"\xff\xd8\xff"
    assert "no-store" in full["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="incident.photo_view", object_id=str(incident.pk), detail={"photo_id": stored.pk}
    ).exists()

    thumbnail_process(IncidentPhoto, stored.pk)
    again = client.get(body["url"]).json()
    assert again["photos"][0]["ready"] is True
    thumbnail = client.get(first["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert "no-store" in thumbnail["Cache-Control"]


def test_the_same_key_sent_twice_stores_one_report_and_answers_it_twice(
    partnership_a: Partnership, member_a: User
) -> None:
    client = api_for(member_a, partnership_a)
    key = str(uuid.uuid4())
    first = submit(client, report(photos=photos(1, 2)), key)
    files_after_first = originals()
    second = submit(client, report(photos=photos(1, 2)), key)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Incident.objects.count() == 1
    assert IncidentPhoto.objects.count() == 2
    assert AuditEvent.objects.filter(action="incident.submit").count() == 1
    assert originals() == files_after_first
    # A new key is a new report.
    assert submit(client, report(), str(uuid.uuid4())).status_code == 201
    assert Incident.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_key_at_once_store_one_report(
    partnership_a: Partnership, member_a: User
) -> None:
    secret = api_token_for(member_a, partnership_a)
    answers: list[Any] = []
    errors: list[BaseException] = []

    def send(key: str, start: threading.Barrier, seed: int) -> None:
        try:
            client = api_client_for(secret)
            start.wait(10)
            answers.append(submit(client, report(photos=photos(seed, seed + 1)), key))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    for _round in range(3):
        key = str(uuid.uuid4())
        start = threading.Barrier(2)
        answers.clear()
        threads = [threading.Thread(target=send, args=(key, start, seed)) for seed in (1, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(answer.status_code for answer in answers) == [200, 201]
        ids = {answer.json()["id"] for answer in answers}
        incident = Incident.objects.get(submission_key=key)
        assert ids == {incident.pk}
        assert incident.photos.count() == 2
    assert Incident.objects.count() == 3
    assert IncidentPhoto.objects.count() == 6


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "not-a-key",
        "12345",
        uuid.uuid4().hex,
        "{" + str(uuid.uuid4()) + "}",
        "urn:uuid:" + str(uuid.uuid4()),
        "' OR 1=1 --",
    ],
)
def test_a_missing_or_malformed_key_is_a_400_naming_the_header(
    partnership_a: Partnership, member_a: User, key: str | None
) -> None:
    client = api_for(member_a, partnership_a)
    headers = {} if key is None else {"Idempotency-Key": key}
    answer = client.post(f"{API}/incidents/", report(photos=photos(1)), headers=headers)
    body = assert_problem(answer, 400)
    assert "Idempotency-Key" in body["detail"] and "Idempotency-Key" in body["errors"]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def zip_inside_jpeg() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.txt", "not a picture")
    return jpeg_bytes(4) + archive.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cctv.jpg", b"\xff\xd8\xff\xe0 a JPEG cut off after its first bytes"),
        ("cctv.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        ("cctv.jpg", zip_inside_jpeg()),
        ("cctv.jpg", jpeg_bytes(5) + b"\0" * settings.IMAGE_MAX_UPLOAD_BYTES),
        ("cctv.jpg", b""),
    ],
    ids=["corrupt", "a PDF", "an archive behind a picture", "oversize", "empty"],
)
def test_a_refused_photo_is_a_400_and_nothing_is_stored(
    partnership_a: Partnership, member_a: User, name: str, content: bytes
) -> None:
    before = originals()
    answer = submit(
        api_for(member_a, partnership_a),
        report(photos=[*photos(1), SimpleUploadedFile(name, content, "image/jpeg")]),
    )
    body = assert_problem(answer, 400)
    assert "photos" in body["errors"]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()
    assert originals() == before
    assert not AuditEvent.objects.filter(action="incident.submit").exists()


def test_more_photos_than_allowed_is_a_400(partnership_a: Partnership, member_a: User) -> None:
    answer = submit(api_for(member_a, partnership_a), report(photos=photos(*range(1, 8))))
    assert "photos" in assert_problem(answer, 400)["errors"]
    assert not Incident.objects.exists()


def test_bad_fields_are_400s_that_name_them(
    partnership_a: Partnership, partnership_b: Partnership, member_a: User
) -> None:
    client = api_for(member_a, partnership_a)
    elsewhere = PremisesFactory(business=BusinessFactory(partnership=partnership_b))
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    cases = [
        ({"occurred_at": future}, "occurred_at"),
        ({"occurred_at": "1989-12-31T23:00:00Z"}, "occurred_at"),
        ({"occurred_at": "99999-01-01T00:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"premises": elsewhere.pk}, "premises"),
        ({"premises": "99999999999999999999999"}, "premises"),
        ({"premises": "abc"}, "premises"),
        ({"offender": "9223372036854775808"}, "offender"),
        ({"category": "arson"}, "category"),
        ({"description": "Took\x00 it"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"description": "   "}, "description"),
        ({"value_lost": "-1"}, "value_lost"),
        ({"value_lost": "NaN"}, "value_lost"),
        ({"value_lost": "123456789.00"}, "value_lost"),
        ({"value_recovered": "lots"}, "value_recovered"),
        ({"police_reference": "R" * 41}, "police_reference"),
    ]
    for fields, named in cases:
        answer = submit(client, report(**fields))
        assert named in assert_problem(answer, 400)["errors"], fields
    missing = submit(client, {"category": "theft"})
    assert {"occurred_at", "description"} <= set(assert_problem(missing, 400)["errors"])
    assert not Incident.objects.exists()


def test_a_body_that_is_not_multipart_or_is_cut_off_is_refused(
    partnership_a: Partnership, member_a: User
) -> None:
    client = api_for(member_a, partnership_a)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    as_json = client.post(
        f"{API}/incidents/", report(), content_type="application/json", headers=headers
    )
    assert_problem(as_json, 415)
    cut_off = (
        b'--BoUnDaRy\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg_bytes(1)[:200]
    )
    answer = client.post(
        f"{API}/incidents/",
        cut_off,
        content_type="multipart/form-data; boundary=BoUnDaRy",
        headers=headers,
    )
    # Refused whole by bcrp.request_body before the API sees it.
    assert answer.status_code == 400
    assert not Incident.objects.exists()


def test_police_may_not_report_with_a_token_or_signed_in(
    partnership_a: Partnership, police_a: User
) -> None:
    by_token = submit(api_for(police_a, partnership_a), report())
    assert "incidents:write" in assert_problem(by_token, 403)["detail"]
    signed_in = client_for(police_a).post(
        f"{API}/incidents/", report(), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert "role" in assert_problem(signed_in, 403)["detail"]
    assert not Incident.objects.exists()


def test_a_token_without_the_write_scope_cannot_report(
    partnership_a: Partnership, member_a: User
) -> None:
    read_only = api_for(member_a, partnership_a, scopes=[ApiScope.INCIDENTS_READ])
    answer = submit(read_only, report())
    assert "incidents:write" in assert_problem(answer, 403)["detail"]
    assert not Incident.objects.exists()
    assert read_only.get(f"{API}/incidents/").status_code == 200
    write_only = api_for(member_a, partnership_a, scopes=[ApiScope.INCIDENTS_WRITE])
    assert submit(write_only, report()).status_code == 201
    assert "incidents:read" in assert_problem(write_only.get(f"{API}/incidents/"), 403)["detail"]


# Reading


def test_a_member_lists_only_their_own_reports_as_on_the_page(
    partnership_a: Partnership, admin_a: User, member_a: User, member_a2: User, police_a: User
) -> None:
    mine = incident_reported(membership_of(member_a, partnership_a), photos=1)
    theirs = incident_reported(membership_of(member_a2, partnership_a), photos=1)
    incident_review(incident=theirs, accept=True, actor=Actor(user=admin_a))

    def ids(user: User, query: str = "") -> list[int]:
        answer = api_for(user, partnership_a).get(f"{API}/incidents/{query}")
        assert answer.status_code == 200, answer.content.decode()[:2000]
        return [item["id"] for item in answer.json()["results"]]

    assert ids(member_a) == [mine.pk]
    assert ids(admin_a) == ids(police_a) == [theirs.pk, mine.pk]
    assert ids(admin_a, "?status=accepted") == [theirs.pk]
    assert ids(admin_a, "?status=submitted") == [mine.pk]
    assert ids(member_a, "?status=accepted") == []

    client = api_for(member_a, partnership_a)
    token = theirs.photos.get().token
    for url in (
        f"{API}/incidents/{theirs.pk}/",
        f"{API}/incident-photos/{token}/",
        f"{API}/incident-photos/{token}/thumbnail/",
    ):
        assert_problem(client.get(url), 404)
    assert client.get(f"{API}/incidents/{mine.pk}/").status_code == 200


@pytest.mark.parametrize("status", ["", "open", "SUBMITTED", "submitted\x00", "x" * 500])
def test_an_unknown_status_filter_is_a_400(
    partnership_a: Partnership, admin_a: User, status: str
) -> None:
    answer = api_for(admin_a, partnership_a).get(f"{API}/incidents/", {"status": status})
    assert "status" in assert_problem(answer, 400)["errors"]


def test_the_list_pages_with_a_cursor(partnership_a: Partnership, member_a: User) -> None:
    membership = membership_of(member_a, partnership_a)
    now = timezone.now()
    made = [
        incident_reported(membership, occurred_at=now - timedelta(minutes=n)) for n in range(52)
    ]
    client = api_for(member_a, partnership_a)
    first = client.get(f"{API}/incidents/").json()
    second = client.get(first["next"]).json()
    seen = [item["id"] for item in first["results"] + second["results"]]
    assert seen == [incident.pk for incident in made]
    assert second["next"] is None and first["previous"] is None
    assert_problem(client.get(f"{API}/incidents/", {"cursor": "not-one"}), 400)


def test_an_incident_shows_only_the_linked_offenders_this_person_may_see(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    admin = Actor(user=admin_a)
    circulated = ProfileFactory(partnership=partnership_a, first_name="Dean")
    offender_services.placement_add(
        profile=circulated, gallery=GalleryFactory(partnership=partnership_a), actor=admin
    )
    not_circulated = ProfileFactory(partnership=partnership_a, first_name="Withheld")
    incident = incident_reported(membership_of(member_a, partnership_a))
    incident_link(incident=incident, profile=circulated, actor=admin)
    incident_link(incident=incident, profile=not_circulated, actor=admin)

    def offenders(user: User, url: str) -> list[dict[str, Any]]:
        answer = api_for(user, partnership_a).get(url)
        assert answer.status_code == 200
        body = answer.json()
        item = body["results"][0] if "results" in body else body
        return list(item["offenders"])

    for url in (f"{API}/incidents/", f"{API}/incidents/{incident.pk}/"):
        seen_by_member = offenders(member_a, url)
        assert [o["id"] for o in seen_by_member] == [circulated.pk], url
        assert "Withheld" not in str(seen_by_member)
        for user in (admin_a, police_a):
            assert [o["id"] for o in offenders(user, url)] == [circulated.pk, not_circulated.pk]
    shown = offenders(member_a, f"{API}/incidents/{incident.pk}/")[0]
    assert shown["role"] == "identified" and shown["reference"] == circulated.reference
    # The address given is one the member may open.
    assert api_for(member_a, partnership_a).get(shown["url"]).status_code == 200


def test_seeing_an_incident_is_audited_like_its_page(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=2)
    answer = api_for(admin_a, partnership_a).get(f"{API}/incidents/{incident.pk}/")
    assert answer.status_code == 200
    event = AuditEvent.objects.get(action="incident.view")
    assert event.object_id == str(incident.pk) and event.actor == admin_a
    assert event.detail == {"photo_ids": sorted(incident.photos.values_list("pk", flat=True))}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_the_list_costs_the_same_queries_for_5_and_50_incidents(
    partnership_a: Partnership, admin_a: User, member_a: User, role: str
) -> None:
    reporter = membership_of(member_a, partnership_a)
    premises = PremisesFactory(business=reporter.business)
    gallery = GalleryFactory(partnership=partnership_a)
    admin = Actor(user=admin_a)

    def add(count: int) -> None:
        for _ in range(count):
            incident = incident_reported(reporter, photos=1, premises=premises)
            profile = ProfileFactory(partnership=partnership_a)
            offender_services.placement_add(profile=profile, gallery=gallery, actor=admin)
            incident_link(incident=incident, profile=profile, actor=admin)

    client = api_for(admin_a if role == Role.ADMIN else member_a, partnership_a)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(f"{API}/incidents/")
        assert answer.status_code == 200
        return len(captured.captured_queries), len(answer.json()["results"])

    add(5)
    queries()  # the token's first use of the minute notes the time: not part of the list
    few, shown_few = queries()
    add(45)
    many, shown_many = queries()
    assert (shown_few, shown_many) == (5, 50)
    assert many == few


# Review


def test_an_administrator_accepts_and_rejects_with_a_reason(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    client = api_for(admin_a, partnership_a)
    url = f"{API}/incidents/{incident.pk}/review/"

    accepted = client.post(url, {"accept": True}, content_type="application/json")
    assert accepted.status_code == 200, accepted.content.decode()[:2000]
    assert accepted.json()["status"] == "accepted" and accepted.json()["reviewed_at"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACCEPTED and incident.reviewed_by == admin_a

    no_reason = client.post(url, {"accept": False, "reason": "  "}, content_type="application/json")
    assert "reason" in assert_problem(no_reason, 400)["errors"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACCEPTED

    rejected = client.post(
        url, {"accept": False, "reason": "A duplicate."}, content_type="application/json"
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "A duplicate."
    assert list(
        AuditEvent.objects.filter(object_id=str(incident.pk))
        .filter(action__in=["incident.accept", "incident.reject"])
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["incident.accept", "incident.reject"]
    # The member sees why.
    mine = api_for(member_a, partnership_a).get(f"{API}/incidents/{incident.pk}/").json()
    assert mine["status"] == "rejected" and mine["rejection_reason"] == "A duplicate."


@pytest.mark.parametrize(
    "body",
    [{}, {"accept": "yes"}, {"accept": 1}, {"accept": None}, [], "true", {"accept": False}],
    ids=["empty", "a string", "a number", "null", "a list", "not an object", "no reason"],
)
def test_a_review_sent_wrong_is_a_400(
    partnership_a: Partnership, admin_a: User, member_a: User, body: Any
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    answer = api_for(admin_a, partnership_a).post(
        f"{API}/incidents/{incident.pk}/review/", body, content_type="application/json"
    )
    assert_problem(answer, 400)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED


def test_only_administrators_review(
    partnership_a: Partnership, member_a: User, police_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a))
    url = f"{API}/incidents/{incident.pk}/review/"
    for client in (
        api_for(member_a, partnership_a),
        api_for(police_a, partnership_a),
        client_for(member_a),
        client_for(police_a),
    ):
        answer = client.post(url, {"accept": True}, content_type="application/json")
        assert_problem(answer, 403)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED


# Outsiders, other methods


def test_a_peer_administrators_token_gets_404_everywhere_in_alpha(
    partnership_a: Partnership, partnership_b: Partnership, member_a: User, admin_b: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    token = incident.photos.get().token
    peer = api_for(admin_b, partnership_b)
    for url in (
        f"{API}/incidents/",
        f"{API}/incidents/{incident.pk}/",
        f"{API}/incident-photos/{token}/",
        f"{API}/incident-photos/{token}/thumbnail/",
        f"{API}/statistics/",
    ):
        assert_problem(peer.get(url), 404)
    assert_problem(submit(peer, report()), 404)
    review = peer.post(
        f"{API}/incidents/{incident.pk}/review/", {"accept": True}, content_type="application/json"
    )
    assert_problem(review, 404)
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.SUBMITTED


def test_someone_in_no_partnership_gets_404(
    partnership_a: Partnership, member_a: User, outsider: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    client = client_for(outsider)
    for url in (
        f"{API}/incidents/",
        f"{API}/incidents/{incident.pk}/",
        f"{API}/incident-photos/{incident.photos.get().token}/",
    ):
        assert_problem(client.get(url), 404)


def test_a_method_no_operation_takes_is_a_405(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    incident = incident_reported(membership_of(member_a, partnership_a), photos=1)
    client = api_for(admin_a, partnership_a)
    for method, url in (
        ("PUT", f"{API}/incidents/{incident.pk}/"),
        ("PATCH", f"{API}/incidents/{incident.pk}/"),
        ("DELETE", f"{API}/incidents/{incident.pk}/"),
        ("OPTIONS", f"{API}/incidents/"),
        ("DELETE", f"{API}/incident-photos/{incident.photos.get().token}/"),
        ("POST", f"{API}/statistics/"),
        ("GET", f"{API}/incidents/{incident.pk}/review/"),
    ):
        answer = client.generic(method, url)
        assert_problem(answer, 405)
        assert method not in answer["Allow"]
    assert Incident.objects.filter(pk=incident.pk).exists()


# Statistics


def test_the_statistics_are_the_pages_numbers_for_the_same_range(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    membership = membership_of(member_a, partnership_a)
    premises = PremisesFactory(business=membership.business)
    now = timezone.now()
    for days, category, lost in (
        (1, "theft", 40),
        (3, "abuse", 0),
        (40, "theft", 12),
        (400, "fraud", 99),
    ):
        incident_reported(
            membership,
            occurred_at=now - timedelta(days=days),
            category=category,
            value_lost=lost,
            premises=premises,
        )
    rejected = incident_reported(membership, occurred_at=now - timedelta(days=2), value_lost=500)
    incident_review(incident=rejected, accept=False, reason="Duplicate", actor=Actor(user=admin_a))
    today = timezone.localdate(timezone=STATS_TIME_ZONE)
    date_from, date_to = today - timedelta(days=60), today

    for user in (admin_a, police_a):
        answer = api_for(user, partnership_a).get(
            f"{API}/statistics/",
            {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
        assert answer.status_code == 200, answer.content.decode()[:2000]
        body = answer.json()
        stats = selectors.incident_stats(
            partnership=partnership_a, date_from=date_from, date_to=date_to
        )
        assert body["date_from"] == date_from.isoformat()
        assert body["date_to"] == date_to.isoformat()
        assert body["total"]["incidents"] == 3 == stats.total.incidents
        assert Decimal(body["total"]["value_lost"]) == Decimal("52.00") == stats.total.value_lost
        for name, rows in stats.dimensions():
            got = [body["total"]] if name == "total" else body[f"by_{name}"]
            expected = [
                [row.key, row.label, row.incidents, row.value_lost, row.value_recovered]
                for row in rows
            ]
            assert [
                [
                    r["key"],
                    r["label"],
                    r["incidents"],
                    Decimal(r["value_lost"]),
                    Decimal(r["value_recovered"]),
                ]
                for r in got
            ] == expected, name
        by_category = {row["key"]: row["incidents"] for row in body["by_category"]}
        assert by_category["theft"] == 2 and by_category["abuse"] == 1


def test_the_statistics_default_to_the_pages_range(
    partnership_a: Partnership, admin_a: User
) -> None:
    answer = api_for(admin_a, partnership_a).get(f"{API}/statistics/")
    assert answer.status_code == 200
    default_from, default_to = stats_default_range(timezone.localdate(timezone=STATS_TIME_ZONE))
    assert answer.json()["date_from"] == default_from.isoformat()
    assert answer.json()["date_to"] == default_to.isoformat()
    assert len(answer.json()["by_month"]) == 12 and len(answer.json()["by_hour"]) == 24


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2025-02-01", "date_to": "2025-01-01"},
        {"date_from": "2025-13-01"},
        {"date_from": "0000-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "99999-01-01"},
        {"date_from": "2000-01-01", "date_to": "2020-01-01"},
        {"date_from": "yesterday"},
        {"date_from": "2025-01-01\x00"},
        {"date_to": "2" * 400},
        {"date_from": ""},
        {"date_from": "2025-01-01", "date_to": ""},
    ],
)
def test_absurd_or_reversed_dates_are_a_400(
    partnership_a: Partnership, admin_a: User, query: dict[str, str]
) -> None:
    answer = api_for(admin_a, partnership_a).get(f"{API}/statistics/", query)
    assert_problem(answer, 400)


def test_far_but_real_dates_are_answered(partnership_a: Partnership, admin_a: User) -> None:
    client = api_for(admin_a, partnership_a)
    for date_from, date_to in (("0001-01-01", "0001-12-31"), ("9999-01-01", "9999-12-30")):
        answer = client.get(f"{API}/statistics/", {"date_from": date_from, "date_to": date_to})
        assert answer.status_code == 200, answer.content.decode()[:2000]
        assert answer.json()["total"]["incidents"] == 0


def test_members_have_no_statistics(partnership_a: Partnership, member_a: User) -> None:
    assert_problem(client_for(member_a).get(f"{API}/statistics/"), 403)
    assert_problem(api_for(member_a, partnership_a).get(f"{API}/statistics/"), 403)


def test_statistics_of_another_partnership_are_never_mixed_in(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    other = partnership_make("charlie")
    incident_reported(membership_of(person_in(other, Role.MEMBER), other))
    incident_reported(membership_of(member_a, partnership_a))
    body = api_for(admin_a, partnership_a).get(f"{API}/statistics/").json()
    assert body["total"]["incidents"] == 1
    assert date.fromisoformat(body["date_to"]) == timezone.localdate(timezone=STATS_TIME_ZONE)
