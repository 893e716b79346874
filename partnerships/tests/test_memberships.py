"""Group membership follows Membership, in the same transaction; the people pages work."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bcrp.actors import Actor
from bcrp.models import User
from partnerships import services
from partnerships.models import Membership, Partnership, Role
from tests.factories import BusinessFactory, UserFactory, membership_of, partnership_make
from tests.fixtures import client_for


def role_groups(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_partnership_has_one_group_per_role(partnership_a: Partnership) -> None:
    assert {g.name for g in partnership_a.groups} == {
        "partnership:alpha:admin",
        "partnership:alpha:member",
        "partnership:alpha:police",
    }


def test_groups_follow_add_change_and_end(partnership_a: Partnership, admin_a: User) -> None:
    user = UserFactory()
    membership = services.membership_add(
        partnership=partnership_a, user=user, role=Role.POLICE, actor=Actor(user=admin_a)
    )
    assert role_groups(user) == {"partnership:alpha:police"}

    services.membership_change(membership=membership, role=Role.ADMIN, actor=Actor(user=admin_a))
    assert role_groups(user) == {"partnership:alpha:admin"}

    services.membership_end(membership=membership, actor=Actor(user=admin_a))
    assert role_groups(user) == set()
    assert Membership.objects.get(pk=membership.pk).ended_at is not None


def test_groups_of_other_partnerships_are_untouched(admin_a: User) -> None:
    other = partnership_make("charlie")
    officer = UserFactory()
    services.membership_add(partnership=other, user=officer, role=Role.POLICE, actor=None)
    alpha = membership_of(admin_a, admin_a.memberships.get().partnership).partnership
    membership = services.membership_add(
        partnership=alpha, user=officer, role=Role.POLICE, actor=Actor(user=admin_a)
    )
    services.membership_end(membership=membership, actor=Actor(user=admin_a))
    assert role_groups(officer) == {"partnership:charlie:police"}


def test_group_change_rolls_back_with_the_membership(partnership_a: Partnership) -> None:
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.membership_add(partnership=partnership_a, user=user, role=Role.ADMIN, actor=None)
        raise RuntimeError("the surrounding work failed")
    assert role_groups(user) == set()
    assert not Membership.objects.filter(user=user).exists()


def test_last_administrator_cannot_leave(partnership_a: Partnership, admin_a: User) -> None:
    with pytest.raises(ValidationError, match="at least one administrator"):
        services.membership_end(
            membership=membership_of(admin_a, partnership_a), actor=Actor(user=admin_a)
        )
    assert role_groups(admin_a) == {"partnership:alpha:admin"}


def test_member_must_work_at_a_business_of_this_partnership(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    foreign = BusinessFactory(partnership=partnership_b)
    with pytest.raises(ValidationError):
        services.membership_add(
            partnership=partnership_a,
            user=UserFactory(),
            role=Role.MEMBER,
            business=foreign,
            actor=Actor(user=admin_a),
        )


def test_admin_changes_a_role_and_removes_a_person_through_the_pages(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    client = client_for(admin_a)
    membership = membership_of(police_a, partnership_a)
    response = client.post(f"/p/alpha/people/{membership.pk}/", {"role": Role.ADMIN})
    assert response.status_code == 302
    assert role_groups(police_a) == {"partnership:alpha:admin"}

    response = client.post(f"/p/alpha/people/{membership.pk}/remove/")
    assert response.status_code == 302
    assert role_groups(police_a) == set()
    assert client_for(police_a).get("/p/alpha/").status_code == 404


def test_member_role_without_business_is_a_form_error(
    partnership_a: Partnership, admin_a: User, police_a: User
) -> None:
    membership = membership_of(police_a, partnership_a)
    response = client_for(admin_a).post(f"/p/alpha/people/{membership.pk}/", {"role": "member"})
    assert response.status_code == 400
    assert "A member works at one of the partnership" in response.content.decode()
    assert membership_of(police_a, partnership_a).role == Role.POLICE


def test_businesses_and_premises_pages(partnership_a: Partnership, admin_a: User) -> None:
    client = client_for(admin_a)
    response = client.post("/p/alpha/businesses/add/", {"name": "Corner Shop"})
    assert response.status_code == 302
    business = partnership_a.businesses.get(name="Corner Shop")
    response = client.post(
        "/p/alpha/premises/add/",
        {"business": business.pk, "name": "Main", "address": "1 High St", "postcode": "sw1a1aa"},
    )
    assert response.status_code == 302
    assert business.premises.get().postcode == "SW1A 1AA"
    page = client.get("/p/alpha/premises/").content.decode()
    assert "SW1A 1AA" in page

    bad = client.post(
        "/p/alpha/premises/add/", {"business": business.pk, "name": "X", "postcode": "nonsense"}
    )
    assert bad.status_code == 400
    assert "Enter a UK postcode" in bad.content.decode()


def test_premises_form_offers_only_this_partnerships_businesses(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User
) -> None:
    foreign = BusinessFactory(partnership=partnership_b, name="Foreign Shop")
    client = client_for(admin_a)
    assert "Foreign Shop" not in client.get("/p/alpha/premises/add/").content.decode()
    response = client.post(
        "/p/alpha/premises/add/", {"business": foreign.pk, "name": "Y", "postcode": "W1 2AB"}
    )
    assert response.status_code == 400
    assert not foreign.premises.exists()


def test_huge_form_field_is_a_clear_error(partnership_a: Partnership, admin_a: User) -> None:
    response = client_for(admin_a).post("/p/alpha/businesses/add/", {"name": "x" * 5000})
    assert response.status_code == 400
    assert "at most 150 characters" in response.content.decode()


def test_oversized_body_is_refused_with_400(partnership_a: Partnership, admin_a: User) -> None:
    response = client_for(admin_a).post("/p/alpha/businesses/add/", {"name": "x" * 3_000_000})
    assert response.status_code == 400
