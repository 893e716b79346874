"""The platform operator creates a partnership and its first administrator in the Django admin."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import Client

from bcrp.models import User
from partnerships.models import Membership, Partnership
from tests.factories import PASSWORD, UserFactory


def test_operator_creates_partnership_and_first_administrator(db: None) -> None:
    operator = User.objects.create_superuser(email="op@example.org", password=PASSWORD)
    future_admin = UserFactory(email="first.admin@example.org")
    client = Client()
    assert client.login(request=HttpRequest(), username=operator.email, password=PASSWORD)

    # The admin's add form hands over to the operator's page, which also makes the galleries.
    added = client.get("/admin/partnerships/partnership/add/")
    assert added.status_code == 302 and added["Location"] == "/operator/partnerships/new/"
    response = client.post(
        "/operator/partnerships/new/",
        {
            "name": "Echo BCRP",
            "slug": "echo",
            "police_force_area": "Kent",
            "admin_email": "x@e.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    partnership = Partnership.objects.get(slug="echo")
    assert partnership.admin_group.name == "partnership:echo:admin"

    response = client.post(
        "/admin/partnerships/membership/add/",
        {"user": future_admin.pk, "partnership": partnership.pk, "role": "admin"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.get(user=future_admin).role == "admin"
    assert list(future_admin.groups.values_list("name", flat=True)) == ["partnership:echo:admin"]

    first_admin = Client()
    assert first_admin.login(request=HttpRequest(), username=future_admin.email, password=PASSWORD)
    assert first_admin.get("/p/echo/people/").status_code == 200
    # The operator runs the platform, not the partnership: no membership, no pages.
    assert client.get("/p/echo/").status_code == 404
