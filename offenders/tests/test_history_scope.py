"""A profile's History and notices follow the profile's visibility, and no further.

Alpha owns a profile. Bravo shares with Alpha (mutual consent) and sees it. Charlie shared with
Alpha for a while, looked at the profile and its photo, then ended the agreement. Each
partnership sees only the events recorded under its own partnership: Bravo never learns Alpha's
staff names, exports or views; nobody learns what Charlie did; Charlie now gets 404.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services as offender_services
from offenders.exports import export_request, profile_document
from offenders.models import Exclusion, OffenderProfile
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from tests.factories import ProfileFactory, image_on, partnership_make, person_in
from tests.fixtures import client_for
from tests.test_browser_sharing import log_in

HISTORY = re.compile(r'<ul class="plain history">(.*?)</ul>', re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)
TAG = re.compile(r"<[^>]+>")


def history_of(page: str) -> list[str]:
    """The History entries on a profile page, as text: "<time> <action> by <person>"."""
    found = HISTORY.search(page)
    assert found, "no History on the page"
    return [" ".join(html.unescape(TAG.sub(" ", item)).split()) for item in ITEM.findall(found[1])]


def share(a: Partnership, b: Partnership, admin_a: User, admin_b: User) -> None:
    sharing_services.consent_request(
        partnership=a, partner=b, agreement_reference="ISA-1", actor=Actor(user=admin_a)
    )
    sharing_services.consent_accept(partnership=b, partner=a, actor=Actor(user=admin_b))


@dataclass
class World:
    profile: OffenderProfile
    notice: Exclusion
    owner: User
    peer: User
    third_admin: User
    third_officer: User


def build_world() -> World:
    alpha = partnership_make("alpha", "Alpha BCRP")
    bravo = partnership_make("bravo", "Bravo BCRP")
    charlie = partnership_make("charlie", "Charlie Pubwatch")
    owner = person_in(alpha, Role.ADMIN, email="owner@alpha.org", full_name="Olivia Owner")
    peer = person_in(bravo, Role.ADMIN, email="peer@bravo.org", full_name="Peter Peer")
    third_admin = person_in(charlie, Role.ADMIN, email="admin@charlie.org", full_name="Cara Admin")
    third_officer = person_in(
        charlie, Role.POLICE, email="pc@charlie.org", full_name="PC Riverside"
    )
    profile = ProfileFactory(partnership=alpha, first_name="Dean", last_name="Fletcher")
    image = image_on(profile, owner)
    notice = offender_services.exclusion_issue(
        profile=profile, kind="warning", reason="Shoplifting", actor=Actor(user=owner)
    )
    export_request(profile=profile, request_reference="SAR-1", actor=Actor(user=owner))
    client_for(owner).get(f"/p/alpha/photos/{image.token}/")

    # Charlie shares for a while: its officer opens the profile and the photo, then it ends.
    share(charlie, alpha, third_admin, owner)
    officer = client_for(third_officer)
    assert officer.get(f"/p/charlie/profiles/{profile.pk}/").status_code == 200
    assert officer.get(f"/p/charlie/photos/{image.token}/").status_code == 200
    sharing_services.consent_revoke(
        partnership=charlie, partner=alpha, actor=Actor(user=third_admin)
    )

    share(bravo, alpha, peer, owner)
    assert client_for(peer).get(f"/p/bravo/photos/{image.token}/").status_code == 200
    return World(profile, notice, owner, peer, third_admin, third_officer)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_the_owner_sees_its_own_events_only(world: World) -> None:
    page = client_for(world.owner).get(f"/p/alpha/profiles/{world.profile.pk}/").content.decode()
    history = history_of(page)
    actions = {entry.split(" by ")[0].split()[-1] for entry in history}
    assert {"image.add", "notice.warning", "profile.export_request", "image.view"} <= actions
    assert all(entry.endswith("by Olivia Owner") for entry in history)
    assert "PC Riverside" not in page and "Peter Peer" not in page
    assert f'href="/p/alpha/notices/{world.notice.pk}/"' in page


def test_a_peer_sees_only_its_own_events_and_the_notice_status_without_a_link(
    world: World,
) -> None:
    client = client_for(world.peer)
    page = client.get(f"/p/bravo/profiles/{world.profile.pk}/").content.decode()
    history = history_of(page)
    assert len(history) == 1 and history[0].endswith("image.view by Peter Peer")
    for leak in ("Olivia Owner", "owner@alpha.org", "export", "SAR-1", "PC Riverside"):
        assert leak not in page, leak
    # The notice's status is there as text; the owner's notice page is not linked.
    assert "Warning until" in page and re.search(r"<li>\s*Warning\s", page)
    assert "/notices/" not in page
    assert client.get(f"/p/bravo/notices/{world.notice.pk}/").status_code == 404


def test_a_partnership_that_no_longer_shares_gets_404_and_its_events_show_to_nobody(
    world: World,
) -> None:
    for user in (world.third_admin, world.third_officer):
        assert client_for(user).get(f"/p/charlie/profiles/{world.profile.pk}/").status_code == 404
    for user, slug in ((world.owner, "alpha"), (world.peer, "bravo")):
        page = client_for(user).get(f"/p/{slug}/profiles/{world.profile.pk}/").content.decode()
        assert "PC Riverside" not in page and "Charlie" not in page


def test_the_subject_access_export_holds_the_owners_processing_only(world: World) -> None:
    history = profile_document(world.profile)["history"]
    views = [entry for entry in history if entry["what"] == "image.view"]
    assert len(views) == 1  # the owner's own; not Charlie's officer's, not Bravo's


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_peer_reads_a_shared_profile_in_a_browser(live_server: Any, page: Any) -> None:
    world = build_world()
    log_in(page, live_server.url, world.peer)
    page.goto(f"{live_server.url}/p/bravo/profiles/{world.profile.pk}/")
    assert page.get_by_test_id("notice").inner_text().startswith("Warning until")
    assert page.locator("a[href*='/notices/']").count() == 0
    entries = page.locator("ul.history li").all_inner_texts()
    assert len(entries) == 1 and entries[0].endswith("image.view by Peter Peer")


def test_a_profiles_history_is_read_through_the_audit_index_by_object(
    partnership_a: Partnership, admin_a: User
) -> None:
    """The audit table only grows: on a trail of thousands of events about other records, a
    profile's History is read through the index by object, not by scanning the trail."""
    from django.db import connection

    from bcrp.models import AuditEvent
    from offenders.selectors import events_of_profile
    from partnerships.models import Membership

    profile = ProfileFactory(partnership=partnership_a)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="profile.change",
            partnership=partnership_a,
            object_type="offenders.offenderprofile",
            object_id=str(10_000_000 + n),
        )
        for n in range(5000)
    )
    membership = Membership.objects.get(user=admin_a, partnership=partnership_a)
    query = events_of_profile(membership=membership, profile=profile)[:50]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Either index by object will do; the one led by the partnership also serves the audit viewer.
    assert "audit_object_time" in plan or "audit_record_time" in plan, plan
