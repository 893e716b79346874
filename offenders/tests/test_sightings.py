"""A member's "seen now" reaches their partnership's administrators and police, never other
members or peers, and an excluded person's sighting is flagged as a possible breach."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import selectors
from offenders import services as offender_services
from offenders.models import OffenderProfile, Sighting
from partnerships.models import Membership, Partnership, Premises, Role
from sharing import services as sharing_services
from tests.factories import (
    BusinessFactory,
    GalleryFactory,
    PremisesFactory,
    ProfileFactory,
    membership_of,
    person_in,
)
from tests.fixtures import client_for

HTMX = {"HTTP_HX_REQUEST": "true"}
SIGHTINGS_BLOCK = re.compile(
    r'<ul class="plain sightings" data-testid="sightings">(.*?)</ul>', re.S
)


@dataclass
class Scheme:
    alpha: Partnership
    bravo: Partnership
    premises: Premises
    other_premises: Premises
    ours: OffenderProfile
    theirs: OffenderProfile


def circulate(profile: OffenderProfile, admin: User) -> None:
    gallery = GalleryFactory(partnership=profile.partnership, members_may_see=True)
    offender_services.placement_add(profile=profile, gallery=gallery, actor=Actor(user=admin))


@pytest.fixture
def scheme(
    partnership_a: Partnership,
    partnership_b: Partnership,
    admin_a: User,
    member_a: User,
    admin_b: User,
) -> Scheme:
    """Alpha and Bravo share (mutual consent); each has a profile circulated to its members; the
    member of Alpha works at a shop of Alpha's."""
    sharing_services.consent_request(
        partnership=partnership_a,
        partner=partnership_b,
        agreement_reference="ISA-7",
        actor=Actor(user=admin_a),
    )
    sharing_services.consent_accept(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    membership = membership_of(member_a, partnership_a)
    premises = PremisesFactory(business=membership.business, name="High Street")
    other_premises = PremisesFactory(business=membership.business, name="Station Road")
    Membership.objects.filter(pk=membership.pk).update(premises=premises)
    ours = ProfileFactory(partnership=partnership_a, first_name="Dean", last_name="Fletcher")
    theirs = ProfileFactory(partnership=partnership_b, first_name="Bob", last_name="Bravoman")
    circulate(ours, admin_a)
    circulate(theirs, admin_b)
    return Scheme(partnership_a, partnership_b, premises, other_premises, ours, theirs)


def seen_url(partnership: Partnership, profile: OffenderProfile) -> str:
    return f"/p/{partnership.slug}/profiles/{profile.pk}/seen/"


def tap(user: User, partnership: Partnership, profile: OffenderProfile, **data: Any) -> Any:
    return client_for(user).post(seen_url(partnership, profile), data, **HTMX)


def sightings_on_profile_page(client: Client, partnership: Partnership, pk: int) -> str:
    """The Sightings block of a profile page as text ("" when the page has none)."""
    response = client.get(f"/p/{partnership.slug}/profiles/{pk}/")
    assert response.status_code == 200
    found = SIGHTINGS_BLOCK.search(response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split()) if found else ""


def home_text(user: User, partnership: Partnership) -> str:
    response = client_for(user).get(f"/p/{partnership.slug}/")
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_one_tap_records_a_sighting_that_administrators_and_police_see_at_once(
    scheme: Scheme, member_a: User, admin_a: User, police_a: User
) -> None:
    response = tap(member_a, scheme.alpha, scheme.ours)
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    sighting = Sighting.objects.get()
    at = timezone.localtime(sighting.seen_at)
    assert f"Recorded {at:%H:%M} — the scheme's administrators have been told" in text
    assert (sighting.partnership, sighting.profile, sighting.reported_by) == (
        scheme.alpha,
        scheme.ours,
        member_a,
    )
    assert sighting.premises == scheme.premises  # the member's usual premises, untyped
    assert timezone.now() - sighting.seen_at < timedelta(minutes=1)
    assert AuditEvent.objects.filter(
        action="sighting.record",
        partnership_id=scheme.alpha.pk,
        object_id=str(scheme.ours.pk),
        actor=member_a,
    ).exists()

    for viewer in (admin_a, police_a):
        home = home_text(viewer, scheme.alpha)
        assert "Sightings today" in home, viewer
        assert f"{scheme.ours.reference} Dean Fletcher seen at High Street" in home, viewer
        block = sightings_on_profile_page(client_for(viewer), scheme.alpha, scheme.ours.pk)
        assert f"{at:%H:%M} at High Street" in block and str(member_a) in block, viewer


def test_a_note_and_other_premises_can_be_given(
    scheme: Scheme, member_a: User, admin_a: User
) -> None:
    response = tap(
        member_a,
        scheme.alpha,
        scheme.ours,
        note="Near the tills",
        premises=scheme.other_premises.pk,
    )
    assert response.status_code == 200
    sighting = Sighting.objects.get()
    assert (sighting.note, sighting.premises) == ("Near the tills", scheme.other_premises)
    block = sightings_on_profile_page(client_for(admin_a), scheme.alpha, scheme.ours.pk)
    assert "at Station Road" in block and "Near the tills" in block


def test_without_htmx_the_member_is_sent_back_to_the_gallery(
    scheme: Scheme, member_a: User
) -> None:
    client = client_for(member_a)
    response = client.post(seen_url(scheme.alpha, scheme.ours), {}, follow=True)
    assert response.redirect_chain[-1][0] == f"/p/{scheme.alpha.slug}/gallery/"
    assert "the scheme's administrators have been told" in html.unescape(response.content.decode())
    assert Sighting.objects.count() == 1


def test_the_gallery_offers_seen_now_to_members_and_administrators_not_police(
    scheme: Scheme, member_a: User, admin_a: User, police_a: User
) -> None:
    url = seen_url(scheme.alpha, scheme.ours)
    for user in (member_a, admin_a):
        page = client_for(user).get(f"/p/{scheme.alpha.slug}/gallery/").content.decode()
        assert f'hx-post="{url}"' in page, user
        assert f'<option value="{scheme.premises.pk}" selected>' in page or user == admin_a
    police_page = client_for(police_a).get(f"/p/{scheme.alpha.slug}/gallery/").content.decode()
    assert "Seen now" not in police_page
    assert client_for(police_a).post(url, {}, **HTMX).status_code == 403
    assert not Sighting.objects.exists()


def test_other_members_never_see_a_sighting(
    scheme: Scheme, member_a: User, partnership_a: Partnership
) -> None:
    tap(member_a, scheme.alpha, scheme.ours, note="By the door")
    colleague = person_in(partnership_a, Role.MEMBER)
    for member in (colleague, member_a):
        assert "Sighting" not in home_text(member, scheme.alpha)
        page = client_for(member).get(f"/p/{scheme.alpha.slug}/profiles/{scheme.ours.pk}/")
        assert page.status_code == 200  # the member's card of a circulated profile
        assert "By the door" not in page.content.decode()
        assert "Sighting" not in page.content.decode()
        membership = membership_of(member, partnership_a)
        assert not selectors.sightings_visible(membership=membership).exists()
        assert not selectors.sightings_of_profile(
            membership=membership, profile=scheme.ours
        ).exists()


def test_peers_never_see_our_sightings_of_our_shared_profile(
    scheme: Scheme, member_a: User, admin_a: User, admin_b: User, partnership_b: Partnership
) -> None:
    tap(member_a, scheme.alpha, scheme.ours, note="By the door")
    police_b = person_in(partnership_b, Role.POLICE)
    member_b = person_in(partnership_b, Role.MEMBER)
    assert "By the door" in sightings_on_profile_page(
        client_for(admin_a), scheme.alpha, scheme.ours.pk
    )
    for peer in (admin_b, police_b):
        # The peer sees the shared profile itself, and not one sighting of ours.
        assert sightings_on_profile_page(client_for(peer), partnership_b, scheme.ours.pk) == (
            "None reported."
        )
        assert "Sightings today" not in home_text(peer, partnership_b)
        membership = membership_of(peer, partnership_b)
        assert not selectors.sightings_visible(membership=membership).exists()
    # Members never see a peer's profile at all.
    page = client_for(member_b).get(f"/p/{partnership_b.slug}/profiles/{scheme.ours.pk}/")
    assert page.status_code == 404


def test_our_sighting_of_a_peers_profile_is_ours_alone(
    scheme: Scheme, admin_a: User, police_a: User, member_a: User, admin_b: User
) -> None:
    response = tap(admin_a, scheme.alpha, scheme.theirs, note="Seen in our town")
    assert response.status_code == 200
    sighting = Sighting.objects.get()
    assert sighting.partnership == scheme.alpha and sighting.profile == scheme.theirs
    assert not sighting.possible_breach  # Bravo's notices cover Bravo's premises only
    assert "Seen in our town" in sightings_on_profile_page(
        client_for(police_a), scheme.alpha, scheme.theirs.pk
    )
    assert "Bob Bravoman seen" in home_text(admin_a, scheme.alpha)
    # The owner learns nothing of it: not on its profile page, not on its home.
    assert sightings_on_profile_page(client_for(admin_b), scheme.bravo, scheme.theirs.pk) == (
        "None reported."
    )
    assert "Sightings today" not in home_text(admin_b, scheme.bravo)
    assert not AuditEvent.objects.filter(
        action="sighting.record", partnership_id=scheme.bravo.pk
    ).exists()
    # A member of Alpha cannot report Bravo's profile: it is not on Alpha's gallery.
    assert tap(member_a, scheme.alpha, scheme.theirs).status_code == 404


def test_sightings_of_a_peers_profile_go_when_the_agreement_ends(
    scheme: Scheme, admin_a: User
) -> None:
    tap(admin_a, scheme.alpha, scheme.theirs)
    admin = membership_of(admin_a, scheme.alpha)
    assert selectors.sightings_visible(membership=admin).count() == 1
    sharing_services.consent_revoke(
        partnership=scheme.alpha, partner=scheme.bravo, actor=Actor(user=admin_a)
    )
    assert not selectors.sightings_visible(membership=admin).exists()


def test_outsiders_and_other_partnerships_get_404(
    scheme: Scheme, outsider: User, admin_b: User
) -> None:
    for stranger in (outsider, admin_b):
        assert tap(stranger, scheme.alpha, scheme.ours).status_code == 404
    assert Client().post(seen_url(scheme.alpha, scheme.ours), {}).status_code == 302
    assert not Sighting.objects.exists()


def test_a_member_cannot_report_a_profile_they_cannot_see(
    scheme: Scheme, member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    hidden = ProfileFactory(partnership=partnership_a)  # in no gallery members may see
    archived = ProfileFactory(partnership=partnership_a, status="archived")
    circulate(archived, admin_a)
    juvenile = ProfileFactory(partnership=partnership_a, age_min=15, age_max=17)
    circulate(juvenile, admin_a)
    for profile in (hidden, archived, juvenile):
        assert tap(member_a, scheme.alpha, profile).status_code == 404, profile
    assert tap(member_a, scheme.alpha, scheme.ours).status_code == 200
    assert Sighting.objects.count() == 1


def _issue(scheme: Scheme, admin: User, kind: str, **fields: Any) -> None:
    offender_services.exclusion_issue(
        profile=scheme.ours, kind=kind, reason="Theft", actor=Actor(user=admin), **fields
    )


@pytest.mark.parametrize(
    ("notice", "flagged"),
    [
        ("exclusion for all premises", True),
        ("exclusion for the premises seen at", True),
        ("exclusion for other premises", False),
        ("warning", False),
        ("expired exclusion", False),
        ("no notice", False),
    ],
)
def test_a_sighting_of_an_excluded_person_is_a_possible_breach(
    scheme: Scheme, member_a: User, admin_a: User, notice: str, flagged: bool
) -> None:
    if notice == "exclusion for all premises":
        _issue(scheme, admin_a, "exclusion")
    elif notice == "exclusion for the premises seen at":
        _issue(scheme, admin_a, "exclusion", premises=[scheme.other_premises, scheme.premises])
    elif notice == "exclusion for other premises":
        _issue(scheme, admin_a, "exclusion", premises=[scheme.other_premises])
    elif notice == "warning":
        _issue(scheme, admin_a, "warning")
    elif notice == "expired exclusion":
        months = scheme.alpha.exclusion_months
        _issue(
            scheme,
            admin_a,
            "exclusion",
            starts_on=timezone.localdate() - relativedelta(months=months, days=3),
        )
    assert tap(member_a, scheme.alpha, scheme.ours).status_code == 200
    assert Sighting.objects.get().possible_breach is flagged
    block = sightings_on_profile_page(client_for(admin_a), scheme.alpha, scheme.ours.pk)
    assert ("Possible breach" in block) is flagged
    assert ("Possible breach:" in home_text(admin_a, scheme.alpha)) is flagged


def test_possible_breaches_come_first_on_the_home(
    scheme: Scheme, member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    _issue(scheme, admin_a, "exclusion")
    other = ProfileFactory(partnership=partnership_a, first_name="Ann", last_name="Later")
    circulate(other, admin_a)
    tap(member_a, scheme.alpha, scheme.ours)
    tap(member_a, scheme.alpha, other)  # later, but no notice
    home = home_text(admin_a, scheme.alpha)
    breach = home.index(f"Possible breach: {scheme.ours.reference} Dean Fletcher seen")
    assert breach < home.index(f"{other.reference} Ann Later seen")


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"note": "Near the\x00tills"}, "Null characters are not allowed."),
        ({"note": "x" * 201}, "at most 200 characters"),
        ({"seen_at": "2999-01-01T10:00"}, "A sighting cannot be in the future."),
        ({"seen_at": "2020-01-01T10:00"}, "Report a sighting within 7 days."),
        ({"seen_at": "99999-01-01T10:00"}, "Enter a valid date/time."),
        ({"premises": "abc"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_400_the_member_can_act_on(
    scheme: Scheme, member_a: User, data: dict[str, str], field_message: str
) -> None:
    response = tap(member_a, scheme.alpha, scheme.ours, **data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert 'data-testid="seen-now"' in response.content.decode()  # the form, to try again
    plain = client_for(member_a).post(seen_url(scheme.alpha, scheme.ours), data)
    assert plain.status_code == 400 and field_message in plain.content.decode()
    assert not Sighting.objects.exists()


def test_premises_of_another_partnership_are_refused(
    scheme: Scheme, member_a: User, partnership_b: Partnership
) -> None:
    elsewhere = PremisesFactory(business=BusinessFactory(partnership=partnership_b))
    response = tap(member_a, scheme.alpha, scheme.ours, premises=elsewhere.pk)
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Sighting.objects.exists()


def test_the_service_refuses_what_the_form_would(scheme: Scheme, member_a: User) -> None:
    membership = membership_of(member_a, scheme.alpha)
    elsewhere = PremisesFactory(business=BusinessFactory(partnership=scheme.bravo))
    now = timezone.now()
    refused: list[dict[str, Any]] = [
        {"premises": elsewhere},
        {"note": "a\x00b"},
        {"note": "x" * 201},
        {"seen_at": now + timedelta(hours=1)},
        {"seen_at": now - timedelta(days=8)},
    ]
    for fields in refused:
        arguments: dict[str, Any] = {"note": "", "premises": None, **fields}
        with pytest.raises(ValidationError):
            offender_services.sighting_record(
                membership=membership,
                profile=scheme.ours,
                actor=Actor(user=member_a, partnership=scheme.alpha),
                **arguments,
            )
    assert not Sighting.objects.exists()


def test_the_admin_home_costs_the_same_for_one_sighting_or_many(
    scheme: Scheme, member_a: User, admin_a: User, partnership_a: Partnership
) -> None:
    client = client_for(admin_a)
    url = f"/p/{partnership_a.slug}/"

    def home_queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    tap(member_a, scheme.alpha, scheme.ours)
    one = home_queries()
    for n in range(5):
        profile = ProfileFactory(partnership=partnership_a, last_name=f"Many{n}")
        circulate(profile, admin_a)
        tap(member_a, scheme.alpha, profile, premises=scheme.other_premises.pk)
    assert home_queries() == one
