"""The audit trail records sign-ins and membership changes, and cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.models import AuditEvent, User
from partnerships import services
from partnerships.models import Partnership, Role
from tests.factories import PASSWORD, UserFactory


def test_database_refuses_update_of_an_audit_event(db: None) -> None:
    event = audit_record(action="test.event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE bcrp_auditevent SET detail = '{}' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_database_refuses_delete_of_an_audit_event(db: None) -> None:
    event = audit_record(action="test.event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM bcrp_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_login_and_failed_login_are_recorded(db: None) -> None:
    user = UserFactory(email="worker@example.org")
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post("/login/", {"username": "worker@example.org", "password": "wrong"})
    client.post("/login/", {"username": "nobody@example.org", "password": "wrong"})
    client.post("/login/", {"username": "worker@example.org", "password": PASSWORD})

    failed = list(AuditEvent.objects.filter(action="auth.login_failed").order_by("id"))
    assert [e.detail["known_account"] for e in failed] == [True, False]
    assert failed[0].object_id == str(user.pk)
    assert failed[0].ip == "203.0.113.9"
    # The address typed is never stored: it may be somebody else's.
    assert "nobody@example.org" not in str([(e.detail, e.object_id) for e in failed])
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor_id == user.pk


def test_membership_changes_are_recorded(partnership_a: Partnership, admin_a: User) -> None:
    user = UserFactory()
    membership = services.membership_add(
        partnership=partnership_a, user=user, role=Role.POLICE, actor=Actor(user=admin_a)
    )
    services.membership_change(membership=membership, role=Role.ADMIN, actor=Actor(user=admin_a))
    services.membership_end(membership=membership, actor=Actor(user=admin_a))
    events = AuditEvent.objects.filter(
        partnership=partnership_a, object_id=str(membership.pk)
    ).order_by("id")
    assert [(e.action, e.actor_id) for e in events] == [
        ("membership.add", admin_a.pk),
        ("membership.change", admin_a.pk),
        ("membership.end", admin_a.pk),
    ]
    assert events[1].detail == {"user_id": user.pk, "from_role": "police", "to_role": "admin"}
