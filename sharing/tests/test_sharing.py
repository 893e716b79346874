"""Sharing agreements and the Dataview: mutual, non-transitive, revocable at once."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services as offender_services
from offenders.models import OffenderProfile
from partnerships.locks import partnerships_lock
from partnerships.models import Partnership, Role
from sharing import services
from sharing.models import ProfileGroupPermission, SharingConsent
from sharing.permissions import drift_check, profiles_sync
from sharing.tasks import consent_notify
from tests.factories import ProfileFactory, image_on, partnership_make, person_in
from tests.fixtures import client_for

REF = re.compile(r"\b[A-Z]{1,5}-\d{5}\b")


def dataview_refs(user: User, slug: str, query: str = "") -> set[str]:
    response = client_for(user).get(f"/p/{slug}/dataview/?{query}")
    assert response.status_code == 200
    return set(REF.findall(response.content.decode()))


def share(a: Partnership, b: Partnership, admin_a: User, admin_b: User) -> None:
    services.consent_request(
        partnership=a, partner=b, agreement_reference="ISA-1", actor=Actor(user=admin_a)
    )
    services.consent_accept(partnership=b, partner=a, actor=Actor(user=admin_b))


@pytest.fixture
def network(db: None) -> dict[str, object]:
    """Three partnerships A, B, C, each with an administrator, police and two profiles."""
    world: dict[str, object] = {}
    for key in ("a", "b", "c"):
        partnership = partnership_make(f"town-{key}", f"Town{key.upper()} Watch")
        admin = person_in(partnership, Role.ADMIN, email=f"admin.{key}@example.org")
        police = person_in(partnership, Role.POLICE, email=f"police.{key}@example.org")
        profiles = [ProfileFactory(partnership=partnership) for _ in range(2)]
        world.update(
            {key: partnership, f"admin_{key}": admin, f"police_{key}": police},
            **{f"refs_{key}": {p.reference for p in profiles}},
        )
    return world


def _refs_of(partnership: object) -> set[str]:
    return set(
        OffenderProfile.objects.filter(partnership=partnership).values_list("reference", flat=True)
    )


def test_design_example_mutual_non_transitive_and_revocable(network: dict[str, object]) -> None:
    a, b, c = network["a"], network["b"], network["c"]
    admin = {k: network[f"admin_{k}"] for k in "abc"}
    police = {k: network[f"police_{k}"] for k in "abc"}
    refs = {k: _refs_of(network[k]) for k in "abc"}
    share(a, b, admin["a"], admin["b"])  # type: ignore[arg-type]
    share(b, c, admin["b"], admin["c"])  # type: ignore[arg-type]

    for viewers in (admin, police):
        assert dataview_refs(viewers["a"], "town-a") == refs["a"] | refs["b"]
        assert dataview_refs(viewers["b"], "town-b") == refs["a"] | refs["b"] | refs["c"]
        assert dataview_refs(viewers["c"], "town-c") == refs["b"] | refs["c"]

    services.consent_revoke(partnership=b, partner=c, actor=Actor(user=admin["b"]))  # type: ignore[arg-type]
    assert dataview_refs(admin["b"], "town-b") == refs["a"] | refs["b"]
    assert dataview_refs(admin["c"], "town-c") == refs["c"]
    assert dataview_refs(police["c"], "town-c") == refs["c"]
    assert drift_check().clean


def test_a_request_alone_shares_nothing(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    services.consent_request(
        partnership=a,
        partner=b,
        agreement_reference="",
        actor=Actor(user=network["admin_a"]),  # type: ignore[arg-type]
    )
    assert dataview_refs(network["admin_a"], "town-a") == network["refs_a"]  # type: ignore[arg-type]
    assert dataview_refs(network["admin_b"], "town-b") == network["refs_b"]  # type: ignore[arg-type]


def test_revoked_peer_cannot_open_a_profile_or_photo(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    admin_a, admin_b = network["admin_a"], network["admin_b"]
    share(a, b, admin_a, admin_b)  # type: ignore[arg-type]
    profile = OffenderProfile.objects.filter(partnership=b).first()
    assert profile is not None
    image = image_on(profile, admin_b)  # type: ignore[arg-type]
    client = client_for(admin_a)  # type: ignore[arg-type]
    urls = [
        f"/p/town-a/profiles/{profile.pk}/",
        f"/p/town-a/photos/{image.token}/",
        f"/p/town-a/photos/{image.token}/thumb/",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    services.consent_revoke(partnership=a, partner=b, actor=Actor(user=admin_a))  # type: ignore[arg-type]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_peers_cannot_change_a_shared_profile(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    share(a, b, network["admin_a"], network["admin_b"])  # type: ignore[arg-type]
    profile = OffenderProfile.objects.filter(partnership=b).first()
    assert profile is not None
    client = client_for(network["admin_a"])  # type: ignore[arg-type]
    assert client.get(f"/p/town-a/profiles/{profile.pk}/").status_code == 200
    assert client.get(f"/p/town-a/profiles/{profile.pk}/edit/").status_code == 404
    assert client.post(f"/p/town-a/profiles/{profile.pk}/archive/").status_code == 404
    profile.refresh_from_db()
    assert profile.status == "known"


def test_members_never_see_peer_profiles(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    share(a, b, network["admin_a"], network["admin_b"])  # type: ignore[arg-type]
    member = person_in(a, Role.MEMBER)  # type: ignore[arg-type]
    profile = OffenderProfile.objects.filter(partnership=b).first()
    assert profile is not None
    image = image_on(profile, network["admin_b"])  # type: ignore[arg-type]
    client = client_for(member)
    assert client.get("/p/town-a/dataview/").status_code == 403
    assert client.get(f"/p/town-a/photos/{image.token}/thumb/").status_code == 404


def test_unshareable_profiles_stay_home(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    admin_b = network["admin_b"]
    share(a, b, network["admin_a"], admin_b)  # type: ignore[arg-type]
    today = timezone.localdate()
    local = ProfileFactory(partnership=b, local_only=True)
    archived = ProfileFactory(partnership=b, status="archived")
    juvenile = ProfileFactory(partnership=b, date_of_birth=today.replace(year=today.year - 15))
    shared = ProfileFactory(partnership=b)
    seen_by_a = dataview_refs(network["admin_a"], "town-a")  # type: ignore[arg-type]
    assert shared.reference in seen_by_a
    for hidden in (local, archived, juvenile):
        assert hidden.reference not in seen_by_a
        assert hidden.reference in dataview_refs(admin_b, "town-b", "status=" + hidden.status)  # type: ignore[arg-type]

    # Archiving a shared profile withdraws it in the same transaction; restoring brings it back.
    offender_services.profile_archive(profile=shared, actor=Actor(user=admin_b))  # type: ignore[arg-type]
    assert shared.reference not in dataview_refs(network["admin_a"], "town-a")  # type: ignore[arg-type]
    offender_services.profile_restore(profile=shared, actor=Actor(user=admin_b))  # type: ignore[arg-type]
    assert shared.reference in dataview_refs(network["admin_a"], "town-a")  # type: ignore[arg-type]
    assert drift_check().clean


def test_turning_18_makes_a_profile_shareable(network: dict[str, object]) -> None:
    from sharing.permissions import birthdays_sync

    a, b = network["a"], network["b"]
    share(a, b, network["admin_a"], network["admin_b"])  # type: ignore[arg-type]
    today = timezone.localdate()
    birthday = today.replace(year=today.year - 18)
    teen = ProfileFactory(partnership=b, date_of_birth=birthday)
    yesterday = date.fromordinal(today.toordinal() - 1)
    # Synced as of yesterday, the subject was 17: not shared.
    from sharing.permissions import _params, _reconcile

    partnerships_lock([b.pk])  # type: ignore[attr-defined]
    _reconcile("p.id = ANY(%(ids)s)", _params(yesterday, ids=[teen.pk]))
    assert teen.reference not in dataview_refs(network["admin_a"], "town-a")  # type: ignore[arg-type]
    inserted, _ = birthdays_sync(today)
    assert inserted == 2  # A's administrators and police
    assert teen.reference in dataview_refs(network["admin_a"], "town-a")  # type: ignore[arg-type]


def test_officer_in_two_partnerships_sees_each_partnerships_view(
    network: dict[str, object],
) -> None:
    a, b, c = network["a"], network["b"], network["c"]
    share(a, b, network["admin_a"], network["admin_b"])  # type: ignore[arg-type]
    officer = person_in(c, Role.POLICE)  # type: ignore[arg-type]
    from partnerships.services import membership_add

    membership_add(partnership=a, user=officer, role=Role.POLICE, actor=None)  # type: ignore[arg-type]
    assert dataview_refs(officer, "town-c") == network["refs_c"]
    assert dataview_refs(officer, "town-a") == network["refs_a"] | network["refs_b"]  # type: ignore[operator]


def test_preview_counts_and_state_on_the_partner_page(network: dict[str, object]) -> None:
    a, b = network["a"], network["b"]
    ProfileFactory(partnership=b, local_only=True)
    services.consent_request(
        partnership=a,
        partner=b,
        agreement_reference="ISA-9",
        actor=Actor(user=network["admin_a"]),  # type: ignore[arg-type]
    )
    page = client_for(network["admin_b"]).get("/p/town-b/partners/town-a/").content.decode()  # type: ignore[arg-type]
    assert 'data-testid="gain">2<' in page and 'data-testid="give">2<' in page
    # Drawn to scale as well: equal counts, equal bars.
    assert 'width="100" data-testid="gain-bar"' in page
    assert 'width="100" data-testid="give-bar"' in page
    assert "Accept and share" in page and "ISA-9" in page
    listing = client_for(network["admin_b"]).get("/p/town-b/partners/").content.decode()  # type: ignore[arg-type]
    assert "Requested by them" in listing


def test_decline_and_withdraw(network: dict[str, object]) -> None:
    client_a = client_for(network["admin_a"])  # type: ignore[arg-type]
    client_b = client_for(network["admin_b"])  # type: ignore[arg-type]
    assert client_a.post("/p/town-a/partners/town-b/request/").status_code == 302
    assert client_b.post("/p/town-b/partners/town-a/decline/").status_code == 302
    assert not SharingConsent.objects.filter(ended_at=None).exists()
    assert SharingConsent.objects.get().end_reason == "declined"
    client_a.post("/p/town-a/partners/town-b/request/")
    client_a.post("/p/town-a/partners/town-b/revoke/")
    assert not SharingConsent.objects.filter(ended_at=None).exists()
    # Accepting what does not exist is a readable refusal, not an error page.
    response = client_b.post("/p/town-b/partners/town-a/accept/", follow=True)
    assert "no request from this partnership" in response.content.decode()
    assert dataview_refs(network["admin_a"], "town-a") == network["refs_a"]  # type: ignore[arg-type]
    actions = set(
        AuditEvent.objects.filter(action__startswith="sharing.").values_list("action", flat=True)
    )
    assert actions == {"sharing.request", "sharing.decline", "sharing.revoke"}


def test_other_side_administrators_are_emailed(network: dict[str, object]) -> None:
    consent = services.consent_request(
        partnership=network["a"],
        partner=network["b"],
        agreement_reference="",
        actor=Actor(user=network["admin_a"]),  # type: ignore[arg-type]
    )
    assert consent_notify("request", consent.pk) == 1
    assert mail.outbox[0].to == ["admin.b@example.org"]
    assert "TownA Watch asks to share" in mail.outbox[0].subject


def test_perceived_ethnicity_filter_is_audited_and_optional(network: dict[str, object]) -> None:
    a = network["a"]
    admin = network["admin_a"]
    client = client_for(admin)  # type: ignore[arg-type]
    assert "perceived_ethnicity" not in client.get("/p/town-a/dataview/").content.decode()
    client.get("/p/town-a/dataview/?perceived_ethnicity=IC1")
    assert not AuditEvent.objects.filter(action="dataview.filter_perceived_ethnicity").exists()

    Partnership.objects.filter(pk=a.pk).update(records_perceived_ethnicity=True)  # type: ignore[attr-defined]
    assert "perceived_ethnicity" in client.get("/p/town-a/dataview/").content.decode()
    client.get("/p/town-a/dataview/?perceived_ethnicity=IC3&build=slim")
    client.get("/p/town-a/dataview/?build=slim")
    events = AuditEvent.objects.filter(action="dataview.filter_perceived_ethnicity")
    assert [(e.actor_id, e.detail) for e in events] == [(admin.pk, {"code": "IC3"})]  # type: ignore[attr-defined]


def test_filters_search_and_paging(partnership_a: Partnership, admin_a: User) -> None:
    ProfileFactory(
        partnership=partnership_a,
        first_name="Zoë",
        last_name="Brennan",
        gender="female",
        build="slim",
        aliases=["Zed"],
    )
    ProfileFactory(
        partnership=partnership_a,
        first_name="Zoe",
        last_name="Brennan",
        gender="female",
        build="heavy",
    )
    ProfileFactory(
        partnership=partnership_a,
        first_name="Mark",
        last_name="Brennan",
        gender="male",
        build="slim",
        warning_markers=["weapons"],
        offence_types=["theft"],
    )
    for _ in range(60):
        ProfileFactory(partnership=partnership_a, first_name="Filler", last_name="Person")
    got = dataview_refs(admin_a, "alpha", "q=zoe+brennan&gender=female&build=slim")
    assert len(got) == 1
    assert dataview_refs(admin_a, "alpha", "q=ZED") == got
    irish = ProfileFactory(partnership=partnership_a, first_name="Seán", last_name="O'Brien")
    assert dataview_refs(admin_a, "alpha", "q=sean+o%27bri") == {irish.reference}
    assert dataview_refs(admin_a, "alpha", "q=" + irish.reference.lower()) == {irish.reference}
    assert len(dataview_refs(admin_a, "alpha", "q=brennan&warning=weapons&offence=theft")) == 1
    assert len(dataview_refs(admin_a, "alpha", "q=brennan&sort=name")) == 3
    # An old page-number address goes once to its cursor page.
    html = client_for(admin_a).get("/p/alpha/dataview/?page=2", follow=True).content.decode()
    assert 'data-testid="result-count">64<' in html
    assert 'data-testid="previous-page"' in html and 'data-testid="next-page"' not in html
    # The pager keeps the filters in use and drops the empty ones a plain form submit sends.
    sorted_page = client_for(admin_a).get("/p/alpha/dataview/?q=&gender=&build=&sort=name")
    assert b'href="?sort=name&amp;cursor=' in sorted_page.content
    for label in ("Newest first", "Oldest first", "Name A to Z", "Name Z to A"):
        assert html.count(f">{label}</option>") == 1
    # htmx asks for the results only.
    partial = client_for(admin_a).get(
        "/p/alpha/dataview/?build=heavy", headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.content and b"dataview-results" in partial.content
    assert (
        client_for(admin_a).get("/p/alpha/dataview/?age_from=abc&added_from=nope").status_code
        == 400
    )


def _dataview_queries(user: User, slug: str) -> int:
    client = client_for(user)
    client.get(f"/p/{slug}/dataview/")  # warm the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/p/{slug}/dataview/?sort=added")
    assert response.status_code == 200
    return len(captured)


def test_dataview_query_count_is_the_same_for_10_and_1000_profiles(
    partnership_a: Partnership, partnership_b: Partnership, admin_a: User, admin_b: User
) -> None:
    share(partnership_a, partnership_b, admin_a, admin_b)
    for n in range(5):
        image_on(ProfileFactory(partnership=partnership_a), admin_a, seed=n)
        image_on(ProfileFactory(partnership=partnership_b), admin_b, seed=n + 10)
    few = _dataview_queries(admin_a, "alpha")
    partnerships_lock([partnership_a.pk, partnership_b.pk])
    created = OffenderProfile.objects.bulk_create(
        [
            OffenderProfile(
                partnership=p, reference=f"BULK-{i:05d}", first_name="Bulk", last_name=str(i)
            )
            for i in range(990)
            for p in [partnership_a if i % 2 else partnership_b]
        ]
    )
    profiles_sync([p.pk for p in created])
    assert len(dataview_refs(admin_a, "alpha")) >= 10
    html = client_for(admin_a).get("/p/alpha/dataview/").content.decode()
    assert 'data-testid="result-count">1000<' in html
    assert _dataview_queries(admin_a, "alpha") == few


def test_sharing_check_reports_and_repairs_drift(network: dict[str, object]) -> None:
    share(network["a"], network["b"], network["admin_a"], network["admin_b"])  # type: ignore[arg-type]
    call_command("sharing_check")
    ProfileGroupPermission.objects.filter(group=network["a"].admin_group).first().delete()  # type: ignore[attr-defined, union-attr]
    with pytest.raises(CommandError, match="Drift found"):
        call_command("sharing_check")
    assert drift_check().missing == 1
    call_command("sharing_check", "--repair")
    assert drift_check().clean


def test_no_tenant_user_holds_a_model_wide_permission(network: dict[str, object]) -> None:
    from django.contrib.auth.models import Permission

    assert not Permission.objects.filter(group__name__startswith="partnership:").exists()
    assert not Permission.objects.filter(user__memberships__isnull=False).exists()
