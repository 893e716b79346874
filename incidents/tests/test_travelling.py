"""Travelling and prolific offenders: people formed by the links a partnership may see, active in
two or more partnerships this year; and an excluded person's new incident in a peer's area on the
owner's home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident, IncidentOffender
from offenders.models import OffenderProfile
from offenders.services import exclusion_issue
from partnerships.todo import todo_sections
from sharing import services
from sharing.tests import test_links
from sharing.tests.test_links import Town, share
from tests.factories import ProfileFactory, incident_reported, membership_of
from tests.fixtures import client_for

Towns = tuple[Town, Town, Town]
# Three towns, each with an administrator, an officer, a member and a profile.
towns = test_links.towns


def incident_on(town: Town, profile: OffenderProfile, days_ago: int = 3) -> Incident:
    incident = incident_reported(membership_of(town.member, town.partnership))
    Incident.objects.filter(pk=incident.pk).update(
        occurred_at=timezone.now() - timedelta(days=days_ago)
    )
    IncidentOffender.objects.create(incident=incident, profile=profile, role="identified")
    return incident


def page_of(town: Town, user: object = None) -> str:
    client = client_for(user or town.admin)  # type: ignore[arg-type]
    response = client.get(f"/p/{town.partnership.slug}/intelligence/travelling/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def chain(towns: Towns) -> Towns:
    """A-B and B-C share; A links its profile to B's, B links B's to C's. Each has been active
    at home this year."""
    a, b, c = towns
    share(a, b)
    share(b, c)
    a.link(a.profile, b.profile)
    b.link(b.profile, c.profile)
    incident_on(a, a.profile)
    incident_on(a, a.profile, days_ago=40)
    incident_on(b, b.profile, days_ago=10)
    exclusion_issue(profile=b.profile, kind="warning", reason="Theft", actor=b.actor())
    incident_on(c, c.profile, days_ago=1)
    return a, b, c


def test_the_list_counts_each_partnership_and_is_never_transitive(chain: Towns) -> None:
    a, b, c = chain
    page = page_of(a)
    assert page.count('data-testid="travelling-person"') == 1
    assert a.profile.reference in page and b.profile.reference in page
    assert "TownA Watch: 2 incidents, 0 notices" in page
    assert "TownB Watch: 1 incident, 1 notice" in page
    # B links its profile to C's, but A does not share with C: C's profile, its activity and
    # its partnership's name never reach A, though C's incident is the latest of all.
    assert c.profile.reference not in page and "TownC" not in page
    assert f"in {a.partnership.name}'s area" in page
    assert b.profile.reference in page_of(a, a.police)  # police see it too

    whole = page_of(b)  # B sees both links: one person in three partnerships
    assert all(p.reference in whole for p in (a.profile, b.profile, c.profile))
    assert "TownC Watch: 1 incident, 0 notices" in whole and "in TownC Watch's area" in whole
    assert a.profile.reference not in page_of(c)

    services.consent_revoke(partnership=a.partnership, partner=b.partnership, actor=a.actor())
    assert 'data-testid="travelling-person"' not in page_of(a)
    assert client_for(a.member).get("/p/town-a/intelligence/travelling/").status_code == 403


def test_old_activity_and_one_partnership_alone_are_not_travelling(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)
    a.link(a.profile, b.profile)
    incident_on(a, a.profile)
    incident_on(b, b.profile, days_ago=400)  # more than 12 months ago
    assert 'data-testid="travelling-person"' not in page_of(a)
    incident_on(b, b.profile, days_ago=300)
    assert page_of(a).count('data-testid="travelling-person"') == 1


def test_the_list_costs_the_same_for_one_person_and_many(towns: Towns) -> None:
    a, b, _ = towns
    share(a, b)

    def person() -> None:
        ours = ProfileFactory(partnership=a.partnership)
        theirs = ProfileFactory(partnership=b.partnership)
        a.link(ours, theirs)
        incident_on(a, ours)
        incident_on(b, theirs)
        exclusion_issue(profile=theirs, kind="warning", reason="Theft", actor=b.actor())

    client = client_for(a.admin)
    url = "/p/town-a/intelligence/travelling/"
    counts = []
    for added in (1, 4):
        for _ in range(added):
            person()
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        counts.append(len(captured))
    assert response.content.decode().count('data-testid="travelling-person"') == 5
    assert counts[0] == counts[1]


def home_texts(town: Town, user: object = None) -> list[str]:
    membership = membership_of(user or town.admin, town.partnership)  # type: ignore[arg-type]
    sections = todo_sections(membership=membership, since=timezone.now())
    return [item.text for section in sections for item in section.items]


def test_an_excluded_persons_new_incident_in_a_peers_area_is_on_the_owners_home(
    towns: Towns,
) -> None:
    a, b, c = towns
    share(a, b)
    share(b, c)
    exclusion_issue(profile=a.profile, kind="exclusion", reason="Theft", actor=a.actor())
    a.link(a.profile, b.profile)
    b.link(b.profile, c.profile)
    incident_on(b, b.profile, days_ago=20)  # too old to be news
    incident_on(c, c.profile, days_ago=1)  # C's: A cannot see it, nor the B-C link
    flag = f"{a.profile.reference} (excluded here): new incident in TownB Watch's area"
    assert flag not in home_texts(a)

    incident_on(b, b.profile, days_ago=2)
    assert home_texts(a).count(flag) == 1
    assert not any("excluded here" in text for text in home_texts(a, a.police) + home_texts(b))
    # B's profile is not excluded by B: B is not told about A's incident either way.
    incident_on(a, a.profile, days_ago=1)
    assert not any("excluded here" in text for text in home_texts(b))

    services.consent_revoke(partnership=a.partnership, partner=b.partnership, actor=a.actor())
    assert flag not in home_texts(a)
