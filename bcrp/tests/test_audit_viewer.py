"""The audit viewer: a partnership's own trail only, in plain language, filtered, keyset paged at
a cost that does not grow with the page, exported as CSV; and who has seen a profile."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.api.pagination import cursor_at
from bcrp.audit import audit_record
from bcrp.audit_phrases import ETHNICITY_FILTER, PHRASES
from bcrp.models import AuditEvent, User
from offenders.models import NoticeKind
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from tests.factories import ProfileFactory, image_on, partnership_make, person_in
from tests.fixtures import client_for

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bcrp", "photos", "partnerships", "offenders", "sharing", "incidents", "bulletins")
LINE = re.compile(r'<ul class="plain audit-trail">(.*?)</ul>', re.S)


def trail_text(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    found = LINE.search(response.content.decode())
    assert found is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.fixture
def three(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> dict[str, Any]:
    """Ours (alpha), a peer we share with (bravo) and a third (charlie), each with events about
    the same shared profile of ours."""
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-1",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    third = partnership_make("charlie", "Charlie BCRP")
    admin_c = person_in(third, Role.ADMIN, full_name="Carol Third")
    admin_a.full_name, admin_b.full_name = "Jane Smith", "Peter Peer"
    admin_a.save(update_fields=["full_name"])
    admin_b.save(update_fields=["full_name"])
    profile = ProfileFactory(partnership=partnership_a, reference="WB-00042")
    image_on(profile, admin_a)
    for person, partnership in ((admin_a, partnership_a), (admin_b, partnership_b)):
        actor = Actor(user=person, partnership=partnership)
        audit_record(action="image.view", actor=actor, target=profile)
        audit_record(action="profile.view", actor=actor, target=profile)
    audit_record(action="profile.view", actor=Actor(user=admin_c, partnership=third))
    return {"profile": profile, "admin_c": admin_c, "third": third}


def test_the_trail_is_ours_alone_in_plain_language(
    three: dict[str, Any], partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    shown = trail_text(client.get("/p/alpha/audit/"))
    assert "Jane Smith viewed the photo of WB-00042" in shown
    assert "Jane Smith viewed WB-00042" in shown
    assert "Peter Peer" not in shown and "Carol Third" not in shown
    # Every filter, and the export, keep to our own events too.
    for query in (
        "profile=WB-00042",
        "action=profile.view",
        "action=image.view",
        f"since={timezone.localdate():%Y-%m-%d}",
    ):
        shown = trail_text(client.get(f"/p/alpha/audit/?{query}"))
        assert "Jane Smith" in shown, query
        assert "Peter Peer" not in shown and "Carol Third" not in shown, query
    export = b"".join(client.get("/p/alpha/audit.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "Jane Smith viewed the photo of WB-00042" in export
    assert "Peter Peer" not in export and "Carol Third" not in export
    # A peer's person cannot be chosen as a filter: the choice is ours alone.
    peer = User.objects.get(full_name="Peter Peer")
    assert client.get(f"/p/alpha/audit/?person={peer.pk}").status_code == 400


def test_the_filters_narrow_the_trail(
    three: dict[str, Any], partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    member_a.full_name = "Mo Member"
    member_a.save(update_fields=["full_name"])
    other = ProfileFactory(partnership=partnership_a, reference="WB-00077")
    audit_record(
        action="profile.view", actor=Actor(user=member_a, partnership=partnership_a), target=other
    )
    forty_days_ago = timezone.now() - timedelta(days=40)
    AuditEvent.objects.create(
        action="dataview.view",
        actor=admin_a,
        partnership_id=partnership_a.pk,
        created_at=forty_days_ago,
    )
    client = client_for(admin_a)

    by_person = trail_text(client.get(f"/p/alpha/audit/?person={member_a.pk}"))
    assert "Mo Member viewed WB-00077" in by_person and "Jane Smith" not in by_person
    by_profile = trail_text(client.get("/p/alpha/audit/?profile=wb-00077"))
    assert "WB-00077" in by_profile and "WB-00042" not in by_profile
    by_action = trail_text(client.get("/p/alpha/audit/?action=image.view"))
    assert "viewed the photo of WB-00042" in by_action and "WB-00077" not in by_action
    # The event's own local day: forty days back may cross a clock change (late evening in
    # winter is already the next day in summer time).
    day = timezone.localdate(forty_days_ago)
    by_dates = trail_text(client.get(f"/p/alpha/audit/?since={day:%Y-%m-%d}&until={day:%Y-%m-%d}"))
    assert by_dates.count("Jane Smith viewed the Dataview") == 1 and "WB-" not in by_dates


def test_an_incident_filter_finds_its_events(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    from tests.factories import incident_reported, membership_of

    incident = incident_reported(membership_of(member_a, partnership_a))
    audit_record(
        action="incident.view",
        actor=Actor(user=admin_a, partnership=partnership_a),
        target=incident,
    )
    shown = trail_text(client_for(admin_a).get(f"/p/alpha/audit/?incident={incident.pk}"))
    assert f"viewed incident {incident.pk}" in shown
    shown = trail_text(client_for(admin_a).get(f"/p/alpha/audit/?incident={incident.pk + 1000}"))
    assert "Nothing recorded" in shown


@pytest.mark.parametrize(
    "query",
    [
        "since=99999-01-01",
        "since=1066-10-14",
        "since=2026-02-01&until=2026-01-01",
        "profile=" + "W" * 200,
        "profile=WB%00",
        "incident=abc",
        "incident=99999999999999999999999",
        "action=image.steal",
        "person=notanumber",
        "cursor=not-a-cursor",
        "cursor=" + cursor_at(["yesterday", 1]),
    ],
)
def test_bad_filters_are_refused_with_a_reason(admin_a: User, query: str) -> None:
    response = client_for(admin_a).get(f"/p/alpha/audit/?{query}")
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert client_for(admin_a).get(f"/p/alpha/audit.csv?{query}").status_code in {200, 400}


def _recorded_actions() -> tuple[set[str], list[str]]:
    """Every action the product code records, read from its source: audit_record(action=...),
    the helpers that pass an action on, the photo views' `audit_action`; and anything it cannot
    read, so that a new way of recording is noticed."""
    found: set[str] = set()
    unread: list[str] = []
    notice_kinds = {f"notice.{kind}" for kind in NoticeKind.values}

    def strings_of(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        elif isinstance(node, ast.IfExp):
            strings_of(node.body, where)
            strings_of(node.orelse, where)
        elif isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'notice.{kind}'":
            found.update(notice_kinds)
        else:
            unread.append(f"{where}: {ast.unparse(node)}")

    passes_on = {"_audit_each", "_audit_attempt"}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name in {"audit_record", "AuditEvent"}:
                        for keyword in node.keywords:
                            if keyword.arg == "action" and not _passed_on(keyword.value):
                                strings_of(keyword.value, where)
                    elif name in passes_on and node.args:
                        strings_of(node.args[0], where)
                elif isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    named = {getattr(target, "id", "") for target in targets}
                    if "audit_action" in named and node.value is not None:
                        strings_of(node.value, where)
    return found, unread


def _passed_on(value: ast.AST) -> bool:
    """`action=action` or `action=self.audit_action`: the value is read where it is given."""
    return (isinstance(value, ast.Name) and value.id == "action") or (
        isinstance(value, ast.Attribute) and value.attr == "audit_action"
    )


def test_every_recorded_action_has_a_plain_language_phrase() -> None:
    recorded, unread = _recorded_actions()
    assert unread == [], "teach this test to read these actions (and phrase them):"
    assert len(recorded) > 50  # the scan finds the trail's actions, not nothing
    assert {"image.view", "auth.login_failed", "notice.exclusion", ETHNICITY_FILTER} <= recorded
    assert recorded - set(PHRASES) == set(), "phrase these in bcrp/audit_phrases.py PHRASES"
    assert set(PHRASES) - recorded == set(), "these are no longer recorded anywhere"


def _seed(partnership: Partnership, actor: User, count: int, profile_id: int) -> None:
    start = timezone.now() - timedelta(days=1)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                action="image.view" if n % 2 else "profile.view",
                actor=actor,
                partnership_id=partnership.pk,
                object_type="offenders.offenderprofile",
                object_id=str(profile_id),
                created_at=start + timedelta(seconds=n // 3),  # ties: the id breaks them
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def test_page_200_costs_what_page_1_costs(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    size = 50
    profile = ProfileFactory(partnership=partnership_a, reference="WB-00042")
    _seed(partnership_a, admin_a, 200 * size + 7, profile.pk)
    _seed(partnership_b, admin_b, 3000, profile.pk)
    client = client_for(admin_a)
    client.get("/p/alpha/audit/")

    with CaptureQueriesContext(connection) as first:
        page_one = client.get("/p/alpha/audit/")
    # Page 200 starts after the 199 * 50th newest event.
    newest = AuditEvent.objects.filter(partnership_id=partnership_a.pk).order_by(
        "-created_at", "-id"
    )
    boundary = newest[199 * size - 1]
    expected = list(newest[199 * size : 200 * size].values_list("pk", flat=True))
    cursor = cursor_at([boundary.created_at, boundary.pk])
    with CaptureQueriesContext(connection) as later:
        page_200 = client.get(f"/p/alpha/audit/?cursor={cursor}")
    assert page_one.status_code == page_200.status_code == 200
    assert len(later) == len(first)
    assert all("OFFSET" not in query["sql"] for query in later.captured_queries)
    assert all("COUNT(" not in query["sql"] for query in later.captured_queries)
    shown = trail_text(page_200)
    assert shown.count("WB-00042") == size and "Peter" not in shown
    assert page_200.context["page"].lines[0].event.pk == expected[0]
    assert [line.event.pk for line in page_200.context["page"].lines] == expected
    # Its links go on back and forth along the same rows.
    older = page_200.context["page"].older
    newer = page_200.context["page"].newer
    back = client.get(f"/p/alpha/audit/?cursor={newer}").context["page"]
    assert back.lines[-1].event.pk == boundary.pk
    last = client.get(f"/p/alpha/audit/?cursor={older}").context["page"]
    assert len(last.lines) == newest.count() - 200 * size and last.older is None


def test_the_first_page_links_to_older_events(partnership_a: Partnership, admin_a: User) -> None:
    profile = ProfileFactory(partnership=partnership_a)
    _seed(partnership_a, admin_a, 120, profile.pk)
    client = client_for(admin_a)
    first = client.get("/p/alpha/audit/")
    assert first.context["page"].newer is None
    html = first.content.decode()
    assert "Older &rarr;" in html and "Newer" not in html
    second = client.get(f"/p/alpha/audit/?cursor={first.context['page'].older}")
    seen = {line.event.pk for line in first.context["page"].lines}
    assert not seen & {line.event.pk for line in second.context["page"].lines}


def test_every_use_of_the_ethnicity_filter_is_listed(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    Partnership.objects.filter(pk=partnership_a.pk).update(records_perceived_ethnicity=True)
    police_a.full_name = "Pat Police"
    police_a.save(update_fields=["full_name"])
    assert client_for(police_a).get("/p/alpha/dataview/?perceived_ethnicity=IC3").status_code == 200
    client = client_for(admin_a)
    page = client.get("/p/alpha/audit/").content.decode()
    assert f'href="?action={ETHNICITY_FILTER}">Ethnicity filter uses' in page
    shown = trail_text(client.get(f"/p/alpha/audit/?action={ETHNICITY_FILTER}"))
    assert "Pat Police filtered the Dataview by perceived ethnicity (IC3)" in shown
    assert "viewed the Dataview" not in shown


def test_the_export_is_on_the_record_and_streams(
    three: dict[str, Any], partnership_a: Partnership, admin_a: User
) -> None:
    response = client_for(admin_a).get("/p/alpha/audit.csv?action=image.view")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.partnership_id == partnership_a.pk and exported.actor_id == admin_a.pk
    assert exported.detail == {"filters": "action=image.view"}
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "\ufefftime (UTC)"
    assert [row[1] for row in rows[1:]] == ["Jane Smith viewed the photo of WB-00042"]


def test_who_has_seen_this_profile_shows_our_people_only(
    three: dict[str, Any], partnership_a: Partnership, admin_a: User, admin_b: User
) -> None:
    profile = three["profile"]
    page = client_for(admin_a).get(f"/p/alpha/profiles/{profile.pk}/").content.decode()
    found = re.search(r'<ul class="plain seen-by">(.*?)</ul>', page, re.S)
    assert found is not None
    seen = found.group(1)
    assert "Jane Smith opened a photo" in seen and "Jane Smith viewed it" in seen
    assert "Peter Peer" not in page and "Carol Third" not in page
    assert "/p/alpha/audit/?profile=WB-00042" in page
    # The peer sees the shared profile, but not who of ours looked at it.
    peer_page = client_for(admin_b).get(f"/p/bravo/profiles/{profile.pk}/")
    assert peer_page.status_code == 200
    assert b"Who has seen this profile" not in peer_page.content
    assert b"Jane Smith" not in peer_page.content


def test_the_operator_reads_every_partnerships_trail_with_names(three: dict[str, Any]) -> None:
    from django.http import HttpRequest
    from django.test import Client

    from tests.factories import PASSWORD

    operator = User.objects.create_superuser(email="op@example.org", password=PASSWORD)
    client = Client()
    assert client.login(request=HttpRequest(), username=operator.email, password=PASSWORD)
    response = client.get("/admin/bcrp/auditevent/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Jane Smith viewed the photo of WB-00042", "Peter Peer viewed WB-00042"):
        assert name in page
    assert "Alpha" in page and "Bravo" in page and "Charlie BCRP" in page
    assert "Carol Third viewed" in page
    bravo = Partnership.objects.get(slug="bravo")
    only_bravo = client.get(f"/admin/bcrp/auditevent/?partnership__id__exact={bravo.pk}")
    assert "Jane Smith viewed" not in only_bravo.content.decode()
    assert (
        client.get(f"/admin/bcrp/auditevent/{AuditEvent.objects.first().pk}/change/").status_code
        == 200
    )  # type: ignore[union-attr]
