"""A member's home: the report button first, then the bulletins to confirm reading (critical
first) and recent ones, then the way into the gallery; the same number of queries however much
is waiting."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from bulletins.models import Bulletin
from bulletins.services import bulletin_acknowledge, bulletin_post, member_group_save
from offenders import services as offender_services
from partnerships.models import Partnership, Role
from tests.factories import GalleryFactory, ProfileFactory, membership_of, person_in
from tests.fixtures import client_for


def home(user: User) -> str:
    response = client_for(user).get("/p/alpha/")
    assert response.status_code == 200
    return response.content.decode()


def bulletin_titles(page: str) -> list[str]:
    return re.findall(r'data-testid="home-bulletin">\s*<h3><a href="[^"]+">([^<]+)</a>', page)


def posted(partnership: Partnership, admin: User, title: str, *, critical: bool) -> Bulletin:
    return bulletin_post(
        partnership=partnership,
        title=title,
        body="Details",
        critical=critical,
        actor=Actor(user=admin),
    )


def test_the_report_button_comes_first_then_bulletins_then_the_gallery(
    member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    posted(partnership_a, admin_a, "Shoplifter in town", critical=True)
    page = home(member_a)
    main = page[page.index("<main") :]
    button = re.search(r'<a role="button"[^>]*href="([^"]+)"[^>]*data-testid="report-now">', main)
    assert button is not None and button.group(1) == "/p/alpha/incidents/new/"
    report = page.index('data-testid="report-now"')
    assert report < page.index("<h1")
    assert (
        report
        < page.index('data-testid="home-bulletins"')
        < page.index('data-testid="home-gallery"')
    )
    # The banner other pages carry would stand above the button; here the panel lists it.
    assert 'id="critical-bulletins"' not in page


def test_critical_bulletins_to_confirm_come_first_and_leave_once_confirmed(
    member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    critical = posted(partnership_a, admin_a, "Knife seen", critical=True)
    posted(partnership_a, admin_a, "Late opening", critical=False)
    old = posted(partnership_a, admin_a, "Old news", critical=False)
    Bulletin.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    page = home(member_a)
    assert bulletin_titles(page) == ["Knife seen", "Late opening"]
    assert page.count("I have read this") == 1
    assert f'action="/p/alpha/bulletins/{critical.pk}/acknowledge/"' in page

    bulletin_acknowledge(
        bulletin=critical,
        membership=membership_of(member_a, partnership_a),
        actor=Actor(user=member_a),
    )
    page = home(member_a)
    assert bulletin_titles(page) == ["Late opening"]
    assert "I have read this" not in page


def test_a_bulletin_for_another_group_is_not_on_the_home(
    member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    other = person_in(partnership_a, Role.MEMBER)
    group = member_group_save(
        partnership=partnership_a,
        group=None,
        name="Pubs",
        memberships=[membership_of(other, partnership_a)],
        actor=Actor(user=admin_a),
    )
    bulletin_post(
        partnership=partnership_a,
        title="For pubs",
        body="x",
        critical=True,
        groups=[group],
        actor=Actor(user=admin_a),
    )
    assert bulletin_titles(home(member_a)) == []
    assert bulletin_titles(home(other)) == ["For pubs"]


def test_the_gallery_link_counts_only_whom_members_see(
    member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    circulated = GalleryFactory(partnership=partnership_a, members_may_see=True)
    hidden = GalleryFactory(partnership=partnership_a, members_may_see=False)
    for gallery in (circulated, circulated, hidden):
        offender_services.placement_add(
            profile=ProfileFactory(partnership=partnership_a),
            gallery=gallery,
            actor=Actor(user=admin_a),
        )
    page = home(member_a)
    gallery = page[page.index('data-testid="home-gallery"') :]
    assert 'href="/p/alpha/gallery/"' in gallery
    assert '<span class="badge">2</span>' in gallery


def test_administrators_and_police_have_no_member_panels(admin_a: User, police_a: User) -> None:
    for user in (admin_a, police_a):
        page = home(user)
        assert 'data-testid="report-now"' not in page
        assert 'data-testid="home-bulletins"' not in page


def queries_for_home(user: User) -> int:
    client = client_for(user)
    client.get("/p/alpha/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/p/alpha/").status_code == 200
    return len(queries)


def test_the_home_costs_the_same_however_much_is_waiting(
    member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    gallery = GalleryFactory(partnership=partnership_a, members_may_see=True)

    def add(count: int) -> None:
        for n in range(count):
            posted(partnership_a, admin_a, f"Alert {n}", critical=n % 2 == 0)
            offender_services.placement_add(
                profile=ProfileFactory(partnership=partnership_a),
                gallery=gallery,
                actor=Actor(user=admin_a),
            )

    add(1)
    few = queries_for_home(member_a)
    add(15)
    assert queries_for_home(member_a) == few
