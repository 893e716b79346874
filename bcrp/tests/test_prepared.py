"""Prepared queries: compiled once, answered fresh. Each gives what the ORM gives for the same
queryset, reads changed data at once, and refuses a selector whose SQL depends on more than
its parameters' values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.models import AuditEvent, User
from bcrp.prepared import NotPreparable, PreparedQuery
from partnerships.models import Membership, Partnership
from partnerships.selectors import membership_active, memberships_in_menu, memberships_of_user
from partnerships.services import membership_add
from tests.factories import partnership_make, person_in
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_membership_behind_each_page_is_the_one_the_orm_finds(
    partnership_a: Partnership, admin_a: User
) -> None:
    expected = Membership.objects.select_related("partnership").get(
        user=admin_a, partnership=partnership_a, ended_at=None
    )
    found = membership_active(user=admin_a, slug=partnership_a.slug)

    assert found is not None and _fields(found) == _fields(expected)
    with CaptureQueriesContext(connection) as queries:
        assert _fields(found.partnership) == _fields(expected.partnership)  # joined, not fetched
    assert len(queries) == 0
    assert membership_active(user=admin_a, slug="no-such-partnership") is None


def test_a_membership_that_ends_is_gone_from_the_next_request(
    partnership_a: Partnership, admin_a: User
) -> None:
    assert membership_active(user=admin_a, slug=partnership_a.slug) is not None
    Membership.objects.filter(user=admin_a).update(ended_at=timezone.now())
    assert membership_active(user=admin_a, slug=partnership_a.slug) is None


def test_the_menu_lists_partnerships_by_name_with_only_what_it_prints(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    membership_add(partnership=partnership_b, user=admin_a, role="police", actor=None)
    expected = list(memberships_of_user(user=admin_a))

    listed = memberships_in_menu(user=admin_a)

    assert [m.pk for m in listed] == [m.pk for m in expected]
    assert [m.partnership.name for m in listed] == sorted(m.partnership.name for m in expected)
    assert {"created_at"} <= listed[0].get_deferred_fields()
    assert listed[0].created_at == expected[0].created_at  # a deferred field still loads


def test_values_pass_through_the_fields_converters(admin_a: User) -> None:
    AuditEvent.objects.create(action="test.prepared", actor=admin_a, detail={"n": [1, "two"]})

    def details(*, user: User) -> QuerySet[Any]:
        return AuditEvent.objects.filter(actor=user, action="test.prepared").values_list(
            "detail", "created_at"
        )

    rows = PreparedQuery(details, user=User).rows(user=admin_a)

    assert rows == list(details(user=admin_a)) and rows[0][0] == {"n": [1, "two"]}


def test_each_call_compiles_nothing_and_sends_one_query(
    partnership_a: Partnership, admin_a: User
) -> None:
    prepared: PreparedQuery[Membership] = PreparedQuery(
        lambda *, partnership: Membership.objects.filter(partnership=partnership),
        partnership=Partnership,
    )
    prepared.objects(partnership=partnership_a)
    compiled = prepared.compiled()
    other = partnership_make("charlie")
    person_in(other, "member")

    expected = [m.user_id for m in Membership.objects.filter(partnership=other)]
    with CaptureQueriesContext(connection) as queries:
        assert [m.user_id for m in prepared.objects(partnership=other)] == expected
    assert prepared.compiled() is compiled and len(queries) == 1
    assert str(other.pk) in queries[0]["sql"]  # the value sent, not the stand-in's


def _parity(*, user: User) -> QuerySet[User]:
    # The SQL's shape depends on the value.
    return User.objects.filter(pk=user.pk) if user.pk % 2 else User.objects.filter(pk__gte=user.pk)


def _reads_a_field(*, user: User) -> QuerySet[User]:
    return User.objects.filter(email=user.email)


def _derived(*, user: User) -> QuerySet[User]:
    return User.objects.filter(pk=user.pk + 1)


def _inlined(*, user: User) -> QuerySet[User]:
    shown = RawSQL(f"{user.pk}", ())  # noqa: S611 - the case refused
    return User.objects.annotate(shown=shown).filter(pk=user.pk)


def _mixed(*, user: User) -> QuerySet[User]:
    return User.objects.filter(pk__in=[user.pk, user.pk + 1])


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (_parity, "SQL depends on its parameters"),
        (_reads_a_field, "reads a field of a parameter"),
        (_derived, "does not pass user to its SQL as a parameter"),
        (_inlined, "does not pass user to its SQL as a parameter"),
        (_mixed, "puts a value worked out from a parameter"),
    ],
)
def test_a_selector_whose_sql_depends_on_more_than_its_values_is_refused(
    build: Any, reason: str, admin_a: User
) -> None:
    prepared: PreparedQuery[User] = PreparedQuery(build, user=User)
    with pytest.raises(NotPreparable, match=reason):
        prepared.objects(user=admin_a)


def test_wrong_parameters_or_the_wrong_kind_of_rows_are_refused(admin_a: User) -> None:
    prepared: PreparedQuery[User] = PreparedQuery(
        lambda *, user: User.objects.filter(pk=user.pk), user=User
    )
    with pytest.raises(TypeError):
        prepared.objects(person=admin_a)
    with pytest.raises(TypeError, match="user has no value"):
        prepared.objects(user=User())  # unsaved: no key to compare with
    with pytest.raises(NotPreparable):
        prepared.rows(user=admin_a)
    values: PreparedQuery[User] = PreparedQuery(
        lambda *, user: User.objects.filter(pk=user.pk).values_list("email"), user=User
    )
    assert values.rows(user=admin_a) == [(admin_a.email,)]
    with pytest.raises(NotPreparable):
        values.objects(user=admin_a)


def test_a_sign_in_ends_when_its_session_expires_or_the_person_is_deactivated(
    partnership_a: Partnership, admin_a: User
) -> None:
    """Sessions and the person behind them are read by prepared queries: each request still
    sees an expired session or a deactivated account at once."""
    page = f"/p/{partnership_a.slug}/dataview/"
    client = client_for(admin_a)
    assert client.get(page).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(page).status_code == 302

    client = client_for(admin_a)
    assert client.get(page).status_code == 200
    User.objects.filter(pk=admin_a.pk).update(is_active=False)
    assert client.get(page).status_code == 302
