"""seed_demo runs at every `make run`: after the first run it writes nothing, whatever the demo's
users have done since, and never undoes it."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import User
from offenders import services as offender_services
from offenders.models import Gallery, OffenderProfile
from offenders.retention import retention_purge
from partnerships import services
from partnerships.models import Business, Membership, Partnership, Role

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def everything() -> dict[str, Any]:
    """Row counts of every table, plus what an update would change without adding rows."""
    return {
        "counts": {
            model._meta.label: model._default_manager.count() for model in apps.get_models()
        },
        "users": sorted(User.objects.values_list("email", "password", "full_name", "is_active")),
        "memberships": sorted(
            Membership.objects.values_list(
                "user__email", "partnership__slug", "role", "business__name", "ended_at"
            )
        ),
        "partnerships": sorted(Partnership.objects.values_list("slug", "name")),
        "businesses": sorted(Business.objects.values_list("partnership__slug", "name")),
        "galleries": sorted(Gallery.objects.values_list("partnership__slug", "name")),
        "profiles": sorted(OffenderProfile.objects.values_list("reference", "status")),
    }


def demo(email: str) -> User:
    return User.objects.get(email=email)


def membership_of(email: str, slug: str) -> Membership:
    return Membership.objects.get(user__email=email, partnership__slug=slug, ended_at=None)


def test_a_second_run_after_people_used_the_demo_writes_nothing_and_undoes_nothing() -> None:
    assert "Demo data created: Westbridge BCRP, Northgate Shopwatch, Riverside Pubwatch" in seed()
    westbridge = Partnership.objects.get(slug="westbridge")
    riverside = Partnership.objects.get(slug="riverside")
    admin = demo("admin.westbridge@example.org")

    # Westbridge: a second member joins by invitation, a third invitation waits, a profile is
    # added, a gallery renamed, the business renamed, the administrator's password changed.
    hartleys = Business.objects.get(partnership=westbridge)
    _invitation, token = services.invitation_create(
        partnership=westbridge,
        email="Second.Member@example.org",
        role=Role.MEMBER,
        business=hartleys,
        actor=Actor(user=admin),
    )
    joiner = User.objects.create_user(
        email="second.member@example.org", password="till-roll-wombat-42", full_name="Second"
    )
    services.invitation_accept(token=token, actor=Actor(user=joiner))
    services.invitation_create(
        partnership=westbridge,
        email="pc.new@example.org",
        role=Role.POLICE,
        actor=Actor(user=admin),
    )
    offender_services.profile_create(
        partnership=westbridge,
        fields={"first_name": "Dean", "last_name": "Fletcher"},
        actor=Actor(user=admin),
    )
    pubwatch = Gallery.objects.get(partnership=westbridge, name="Pubwatch")
    pubwatch.name = "Night-time economy"
    offender_services.gallery_save(
        partnership=westbridge, gallery=pubwatch, actor=Actor(user=admin)
    )
    hartleys.name = "Hartley's Convenience Ltd"
    services.business_save(partnership=westbridge, business=hartleys, actor=Actor(user=admin))
    admin.set_password("a-new-admin-password")
    admin.save()

    # Northgate: the demo member leaves; the shared officer is removed too.
    northgate_admin = demo("admin.northgate@example.org")
    for email in ("member.northgate@example.org", "pc.shared@example.org"):
        services.membership_end(
            membership=membership_of(email, "northgate"), actor=Actor(user=northgate_admin)
        )

    # Riverside: the demo member becomes police liaison; every profile is archived and, after
    # the recycle bin, deleted; the operator renames the partnership, slug and all.
    riverside_admin = demo("admin.riverside@example.org")
    services.membership_change(
        membership=membership_of("member.riverside@example.org", "riverside"),
        role=Role.POLICE,
        actor=Actor(user=riverside_admin),
    )
    for profile in OffenderProfile.objects.filter(partnership=riverside):
        offender_services.profile_archive(profile=profile, actor=Actor(user=riverside_admin))
    assert retention_purge(timezone.now() + timedelta(days=31)) == 5
    riverside.name, riverside.slug = "Riverside & Quayside Pubwatch", "riverside-quayside"
    riverside.save()

    before = everything()
    assert "Demo data already loaded" in seed()
    assert everything() == before
    assert "Demo data already loaded" in seed()
    assert everything() == before


def test_a_demo_partnership_the_operator_deleted_is_not_brought_back() -> None:
    seed()
    Partnership.objects.get(slug="northgate").delete()
    before = everything()

    assert "Demo data already loaded" in seed()
    assert everything() == before


def test_a_missing_demo_partnership_is_added_beside_the_others_without_touching_them() -> None:
    """A database holding only some demo partnerships (say, from an older demo) gets the rest."""
    seed()
    operator = demo("operator@example.org")
    operator.set_password("operator-changed-it")
    operator.save()
    westbridge = Partnership.objects.get(slug="westbridge")
    services.membership_end(
        membership=membership_of("pc.shared@example.org", "westbridge"),
        actor=Actor(user=demo("admin.westbridge@example.org")),
    )
    riverside = Partnership.objects.get(slug="riverside")
    # As if Riverside had never been loaded: no partnership, no role groups, no people.
    riverside_people = list(User.objects.filter(memberships__partnership=riverside))
    groups = riverside.groups
    riverside.delete()
    for group in groups:
        group.delete()
    for person in riverside_people:
        person.delete()
    kept = everything()

    assert "Demo data created: Riverside Pubwatch" in seed()
    after = everything()
    assert after["partnerships"] == sorted(
        [*kept["partnerships"], ("riverside", "Riverside Pubwatch")]
    )
    assert [u for u in after["users"] if "riverside" not in u[0]] == kept["users"]
    assert [m for m in after["memberships"] if m[1] != "riverside"] == kept["memberships"]
    assert membership_of("member.riverside@example.org", "riverside").premises is not None
    assert OffenderProfile.objects.filter(partnership__slug="riverside").count() == 5
    assert not Membership.objects.filter(
        user__email="pc.shared@example.org", partnership=westbridge, ended_at=None
    ).exists()
