"""Administrators edit, withdraw and remind of bulletins, and send them to member groups only."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bulletins.models import Bulletin, BulletinReminder, MemberGroup
from bulletins.selectors import memberships_unacknowledged
from bulletins.services import (
    bulletin_acknowledge,
    bulletin_post,
    bulletin_remind,
    member_group_save,
)
from bulletins.tasks import bulletin_remind_send
from partnerships.models import Partnership, Role
from tests.factories import api_token_for, membership_of, person_in
from tests.fixtures import api_client_for, client_for


def _critical(admin: User, partnership: Partnership, **kwargs: Any) -> Bulletin:
    return bulletin_post(
        partnership=partnership,
        title="Knife seen on High Street",
        body="A man with a knife was seen near the station.",
        critical=True,
        actor=Actor(user=admin),
        **kwargs,
    )


def _group(admin: User, partnership: Partnership, name: str, *members: User) -> MemberGroup:
    return member_group_save(
        partnership=partnership,
        group=None,
        name=name,
        memberships=[membership_of(member, partnership) for member in members],
        actor=Actor(user=admin),
    )


def test_admin_edits_a_bulletin_and_the_audit_keeps_old_and_new(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    bulletin = _critical(admin_a, partnership_a)
    client = client_for(admin_a)
    assert client.get(f"/p/alpha/bulletins/{bulletin.pk}/edit/").status_code == 200
    response = client.post(
        f"/p/alpha/bulletins/{bulletin.pk}/edit/",
        {"title": "Knife seen on Market Street", "body": bulletin.body},
    )
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == "Knife seen on Market Street" and not bulletin.critical
    event = AuditEvent.objects.get(action="bulletin.change", object_id=str(bulletin.pk))
    assert event.actor == admin_a
    assert event.detail["changes"] == {
        "title": ["Knife seen on High Street", "Knife seen on Market Street"],
        "critical": [True, False],
    }
    # Sent back unchanged: the save is on the record, changing nothing.
    client.post(
        f"/p/alpha/bulletins/{bulletin.pk}/edit/",
        {"title": bulletin.title, "body": bulletin.body},
    )
    assert AuditEvent.objects.filter(action="bulletin.change").count() == 2
    assert AuditEvent.objects.filter(action="bulletin.change").latest("pk").detail == {
        "changes": {}
    }


def test_bad_edits_are_refused_with_a_message(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    bulletin = _critical(admin_a, partnership_a)
    _group(admin_a, partnership_a, "Shops")
    theirs = _group(admin_b, partnership_b, "Pubs")
    client = client_for(admin_a)
    for data in (
        {"title": "", "body": "x"},
        {"title": "x" * 151, "body": "x"},
        {"title": "Nul\x00", "body": "x"},
        {"title": "Fine", "body": "x", "groups": "not-a-number"},
        {"title": "Fine", "body": "x", "groups": theirs.pk},
    ):
        response = client.post(f"/p/alpha/bulletins/{bulletin.pk}/edit/", data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.title == "Knife seen on High Street"


def test_a_member_and_police_may_not_edit_withdraw_or_remind(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    bulletin = _critical(admin_a, partnership_a)
    for person in (member_a, police_a):
        client = client_for(person)
        for action in ("edit", "withdraw", "remind"):
            url = f"/p/alpha/bulletins/{bulletin.pk}/{action}/"
            assert client.post(url, {"title": "Mine", "body": "x"}).status_code == 403
    bulletin.refresh_from_db()
    assert bulletin.title == "Knife seen on High Street" and bulletin.withdrawn_at is None
    assert not BulletinReminder.objects.exists()


def test_a_withdrawn_bulletin_is_gone_for_members_and_kept_for_the_record(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    bulletin = _critical(admin_a, partnership_a)
    member = client_for(member_a)
    assert bulletin.title in member.get("/p/alpha/").content.decode()  # the banner
    response = client_for(admin_a).post(f"/p/alpha/bulletins/{bulletin.pk}/withdraw/")
    assert response.status_code == 302
    client_for(admin_a).post(f"/p/alpha/bulletins/{bulletin.pk}/withdraw/")  # twice: once
    assert AuditEvent.objects.filter(action="bulletin.withdraw").count() == 1

    for person in (member_a, police_a):
        client = client_for(person)
        assert bulletin.title not in client.get("/p/alpha/").content.decode()
        assert bulletin.title not in client.get("/p/alpha/bulletins/").content.decode()
        assert client.get(f"/p/alpha/bulletins/{bulletin.pk}/").status_code == 404
    assert member.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/").status_code == 404
    api = api_client_for(api_token_for(member_a, partnership_a))
    assert api.get("/api/v1/p/alpha/bulletins/").json()["results"] == []

    admin_page = client_for(admin_a).get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert 'id="withdrawn"' in admin_page and bulletin.title in admin_page
    assert Bulletin.objects.filter(pk=bulletin.pk).exists()
    # Withdrawn is final: it is not edited back into circulation.
    edit = client_for(admin_a).post(
        f"/p/alpha/bulletins/{bulletin.pk}/edit/", {"title": "Back", "body": "x"}
    )
    assert edit.status_code == 400
    assert Bulletin.objects.get(pk=bulletin.pk).title == bulletin.title


def test_remind_emails_only_those_who_have_not_read_it_once_a_day(
    partnership_a: Partnership,
    admin_a: User,
    member_a: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    reader = person_in(partnership_a, Role.MEMBER, email="reader@example.org")
    late = person_in(partnership_a, Role.MEMBER, email="late@example.org")
    bulletin = _critical(admin_a, partnership_a)
    bulletin_acknowledge(
        bulletin=bulletin,
        membership=membership_of(reader, partnership_a),
        actor=Actor(user=reader),
    )
    client = client_for(admin_a)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(f"/p/alpha/bulletins/{bulletin.pk}/remind/")
    assert response.status_code == 302
    assert len(queued) == 1  # the worker is asked once the request commits
    reminder = BulletinReminder.objects.get()
    mail.outbox.clear()

    assert bulletin_remind_send(reminder.pk) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member_a.email, late.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert f"/p/alpha/bulletins/{bulletin.pk}/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="bulletin.remind")
    assert event.detail["recipients"] == 2 and event.actor == admin_a
    # The task run again (a redelivery) sends nothing.
    assert bulletin_remind_send(reminder.pk) == 0
    assert len(mail.outbox) == 2

    # A second reminder the same day is refused, and says when it can be sent.
    with django_capture_on_commit_callbacks() as queued:
        again = client.post(f"/p/alpha/bulletins/{bulletin.pk}/remind/", follow=True)
    assert queued == []
    assert "already reminded today" in again.content.decode()
    assert BulletinReminder.objects.count() == 1


def test_remind_is_refused_for_a_bulletin_that_is_not_critical(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    bulletin = _critical(admin_a, partnership_a)
    Bulletin.objects.filter(pk=bulletin.pk).update(critical=False)
    page = client_for(admin_a).post(f"/p/alpha/bulletins/{bulletin.pk}/remind/", follow=True)
    assert "Only critical bulletins" in page.content.decode()
    assert not BulletinReminder.objects.exists()


def test_admin_defines_member_groups(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, member_a: User
) -> None:
    stranger = person_in(partnership_b, Role.MEMBER)
    client = client_for(admin_a)
    assert client.get("/p/alpha/bulletins/groups/add/").status_code == 200
    mine = membership_of(member_a, partnership_a)
    response = client.post(
        "/p/alpha/bulletins/groups/add/", {"name": "Pubs", "memberships": [mine.pk]}
    )
    assert response.status_code == 302
    group = MemberGroup.objects.get()
    assert list(group.memberships.all()) == [mine] and group.partnership == partnership_a
    assert AuditEvent.objects.filter(action="member_group.create").count() == 1
    assert "Pubs" in client.get("/p/alpha/bulletins/groups/").content.decode()

    # Another partnership's member, a duplicate name: refused, saying why.
    theirs = membership_of(stranger, partnership_b)
    refused = client.post(
        f"/p/alpha/bulletins/groups/{group.pk}/", {"name": "Pubs", "memberships": [theirs.pk]}
    )
    assert refused.status_code == 400
    duplicate = client.post("/p/alpha/bulletins/groups/add/", {"name": "Pubs"})
    assert duplicate.status_code == 400
    assert "already a group with this name" in duplicate.content.decode()

    client.post(f"/p/alpha/bulletins/groups/{group.pk}/", {"name": "Pubs and bars"})
    group.refresh_from_db()
    assert group.name == "Pubs and bars" and not group.memberships.exists()
    event = AuditEvent.objects.get(action="member_group.change")
    assert event.detail["changes"]["name"] == ["Pubs", "Pubs and bars"]
    assert event.detail["changes"]["members"] == [[str(member_a)], []]


def test_a_bulletin_for_a_group_reaches_only_its_members(
    partnership_a: Partnership, admin_a: User, member_a: User, police_a: User
) -> None:
    publican = person_in(partnership_a, Role.MEMBER, email="publican@example.org")
    pubs = _group(admin_a, partnership_a, "Pubs", publican)
    _group(admin_a, partnership_a, "Shops", member_a)
    client = client_for(admin_a)
    client.post(
        "/p/alpha/bulletins/post/",
        {"title": "Pub glassing", "body": "Last night.", "critical": "on", "groups": [pubs.pk]},
    )
    bulletin = Bulletin.objects.get()
    assert list(bulletin.groups.all()) == [pubs]

    outside = client_for(member_a)
    assert "Pub glassing" not in outside.get("/p/alpha/").content.decode()
    assert "Pub glassing" not in outside.get("/p/alpha/bulletins/").content.decode()
    assert outside.get(f"/p/alpha/bulletins/{bulletin.pk}/").status_code == 404
    assert outside.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/").status_code == 404
    api = api_client_for(api_token_for(member_a, partnership_a))
    assert api.get("/api/v1/p/alpha/bulletins/").json()["results"] == []
    assert api.get(f"/api/v1/p/alpha/bulletins/{bulletin.pk}/").status_code == 404

    inside = client_for(publican)
    assert "Pub glassing" in inside.get("/p/alpha/").content.decode()
    assert inside.get(f"/p/alpha/bulletins/{bulletin.pk}/").status_code == 200
    inside_api = api_client_for(api_token_for(publican, partnership_a))
    assert [b["id"] for b in inside_api.get("/api/v1/p/alpha/bulletins/").json()["results"]] == [
        bulletin.pk
    ]
    # Police are not members of groups; they read every bulletin that stands.
    assert client_for(police_a).get(f"/p/alpha/bulletins/{bulletin.pk}/").status_code == 200

    # Who has not acknowledged counts only the group.
    assert [m.user for m in memberships_unacknowledged(bulletin=bulletin)] == [publican]
    admin_page = client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert "Not yet read (1)" in admin_page and member_a.email not in admin_page
    inside.post(f"/p/alpha/bulletins/{bulletin.pk}/acknowledge/")
    admin_page = client.get(f"/p/alpha/bulletins/{bulletin.pk}/").content.decode()
    assert "Every member has confirmed reading it." in admin_page


def test_a_reminder_for_a_group_bulletin_goes_to_the_group_only(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    publican = person_in(partnership_a, Role.MEMBER, email="publican@example.org")
    bulletin = _critical(
        admin_a, partnership_a, groups=[_group(admin_a, partnership_a, "Pubs", publican)]
    )
    client_for(admin_a).post(f"/p/alpha/bulletins/{bulletin.pk}/remind/")
    mail.outbox.clear()
    assert bulletin_remind_send(BulletinReminder.objects.get().pk) == 1
    assert [m.to for m in mail.outbox] == [[publican.email]]


@pytest.mark.django_db(transaction=True)
def test_two_reminders_asked_for_at_once_make_one(
    partnership_a: Partnership, admin_a: User, member_a: User
) -> None:
    """Two administrators (or a double click on two devices) press "Remind" at the same moment:
    on real PostgreSQL the day's row lets one through and refuses the other with a message."""
    bulletin = _critical(admin_a, partnership_a)
    made: list[BulletinReminder] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def remind(start: threading.Barrier) -> None:
        try:
            start.wait(10)
            made.append(bulletin_remind(bulletin=bulletin, actor=Actor(user=admin_a)))
        except ValidationError as error:
            refused.extend(error.messages)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    start = threading.Barrier(2)
    threads = [threading.Thread(target=remind, args=(start,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(made) == 1 and BulletinReminder.objects.get() == made[0]
    assert refused == [
        "The members were already reminded today; you can remind them again tomorrow."
    ]
