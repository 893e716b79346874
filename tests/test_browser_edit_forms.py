"""Headless Chromium: every edit form of the project, opened on a fully filled-in record and
sent back unchanged, changes nothing; editing a child's date of birth keeps the profile home.

A form can pass every test-client test and still lose data in a browser: a date input given
06/05/2012 shows an empty field, and saving then wiped a child's date of birth and shared the
profile. The list below is checked against the URLconf, so a new form page must be placed in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import Model, Q
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from bulletins import services as bulletin_services
from bulletins.models import Bulletin, MemberGroup
from incidents import services as incident_services
from incidents.models import ImpactStatement, WitnessStatement
from offenders import services as offender_services
from offenders.models import Exclusion, Gallery, OffenderProfile
from partnerships import services as partnership_services
from partnerships.models import Business, Membership, Partnership, Premises, Role
from sharing import services as sharing_services
from sharing.models import SchemeDocumentSettings
from sharing.permissions import drift_check
from tests.factories import (
    PASSWORD,
    PremisesFactory,
    incident_reported,
    membership_of,
    partnership_make,
    person_in,
)
from tests.fixtures import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class World:
    """Alpha BCRP, which records perceived ethnicity, with an administrator and a member."""

    partnership: Partnership
    admin: User
    member: User

    @property
    def membership(self) -> Membership:
        return membership_of(self.member, self.partnership)


def full_profile(world: World) -> OffenderProfile:
    return offender_services.profile_create(
        partnership=world.partnership,
        fields={
            "first_name": "Zoë",
            "last_name": "O'Brien-Hart",
            "aliases": ["Zo", "Zed O'Brien"],
            # Day and month both under 13: a swap would go unnoticed by any parser.
            "date_of_birth": date(1988, 5, 6),
            "age_min": 35,
            "age_max": 40,
            "gender": "female",
            "perceived_ethnicity": "IC1",
            "build": "athletic",
            "height_cm": 168,
            "hair": "Dyed red, shoulder length",
            "distinguishing_features": "Swallow tattoo on the left hand.\nScar over one eyebrow.",
            "offence_types": ["theft", "abuse"],
            "warning_markers": ["violent", "contagious"],
            "notes": "Usually with a grey lurcher.\nKnown to the Elm Road team.",
            "status": "id_sought",
            "local_only": True,
            "identification_source": "police",
        },
        actor=Actor(user=world.admin),
    )


def full_gallery(world: World) -> Gallery:
    return offender_services.gallery_save(
        partnership=world.partnership,
        gallery=Gallery(name="Pubwatch bans", default_expiry_months=7, members_may_see=True),
        actor=Actor(user=world.admin),
    )


def full_notice(world: World) -> Exclusion:
    today = timezone.localdate()
    business = world.membership.business
    premises = [PremisesFactory(business=business, name=n) for n in ("Corner Shop", "Off Licence")]
    profile = full_profile(world)
    offender_services.exclusion_issue(
        profile=profile,
        kind="warning",
        reason="Abusive to staff.",
        starts_on=today - timedelta(days=60),
        actor=Actor(user=world.admin),
    )
    # A second warning within the first's time: an exclusion escalated from it.
    notice = offender_services.exclusion_issue(
        profile=profile,
        kind="warning",
        reason="Threatened staff with a bottle.\nReturned the next day.",
        starts_on=today - timedelta(days=40),
        premises=premises,
        served_by="PC 4021 Lee",
        served_on=today - timedelta(days=41),
        actor=Actor(user=world.admin),
    )
    return offender_services.exclusion_appeal(
        notice=notice,
        lodged_on=today - timedelta(days=30),
        outcome="dismissed",
        decided_on=today - timedelta(days=3),
        actor=Actor(user=world.admin),
    )


def full_business(world: World) -> Business:
    return partnership_services.business_save(
        partnership=world.partnership,
        business=Business(
            name="Hartley's Convenience",
            contact_email="manager@hartleys.example.org",
            contact_phone="01632 960 123",
        ),
        actor=Actor(user=world.admin),
    )


def full_premises(world: World) -> Premises:
    return partnership_services.premises_save(
        partnership=world.partnership,
        premises=Premises(
            business=full_business(world),
            name="High Street branch",
            address="12 High Street, Westbridge",
            postcode="SW1A 1AA",
        ),
        actor=Actor(user=world.admin),
    )


def full_membership(world: World) -> Membership:
    membership = world.membership
    partnership_services.membership_change(
        membership=membership,
        role=Role.MEMBER,
        business=membership.business,
        premises=PremisesFactory(business=membership.business, name="Station kiosk"),
        actor=Actor(user=world.admin),
    )
    return Membership.objects.get(pk=membership.pk)


def full_statement(world: World) -> WitnessStatement:
    # An administrator who reported an incident makes its statement, as a member would.
    incident = incident_reported(membership_of(world.admin, world.partnership), photos=1)
    actor = Actor(user=world.admin)
    draft = incident_services.statement_open(incident=incident, actor=actor)
    return incident_services.statement_save(
        incident=incident,
        version=draft.version,
        fields={
            "name": "Zoë O'Brien-Hart",
            "occupation": "Store manager",
            "over_18": True,
            "exhibit_prefix": "ZOH",
            "account": draft.account + "\n\nI knew her from the gallery.\nShe ran off.",
        },
        actor=actor,
    )


def full_impact(world: World) -> ImpactStatement:
    incident = incident_reported(membership_of(world.admin, world.partnership))
    return incident_services.impact_save(
        incident=incident,
        fields={
            "effect_on_staff": "Two staff were shaken.\nOne took a day off.",
            "effect_on_business": "We now lock the spirits away; £200 on a new cabinet.",
        },
        actor=Actor(user=world.admin),
    )


def full_settings(world: World) -> Partnership:
    full_gallery(world)
    partnership_services.partnership_settings_change(
        partnership=world.partnership,
        values={
            "notice_contact_phone": "01632 960000",
            "notice_contact_email": "scheme@alpha.example.org",
            "postal_address": "Zoë's office\n1 High Street\nAlphatown AL1 1AA",
            "appeal_instructions": "Write within 28 days.\nSay why the notice is wrong.",
            "police_force_area": "Alphashire",
            "warning_months": 9,
            "exclusion_months": 18,
            "escalate_repeat_warnings": False,
            "appeal_decision_days": 21,
            "retention_months": 36,
            "member_session_hours": 8,
            "second_approval_to_circulate": True,
        },
        actor=Actor(user=world.admin),
    )
    return Partnership.objects.get(pk=world.partnership.pk)


def full_document_settings(world: World) -> SchemeDocumentSettings:
    sharing_services.document_settings_change(
        partnership=world.partnership,
        values={
            "controller_contact": "Alpha BCRP Ltd\n1 High Street\nAlphatown AL1 1AA",
            "dpo_contact": "Zoë O'Brien, data protection lead\nprivacy@alpha.example.org",
            "purposes": "Keeping the high street safe.\n\nAnd its staff.",
        },
        actor=Actor(user=world.admin),
    )
    return SchemeDocumentSettings.objects.get(partnership=world.partnership)


def full_member_group(world: World) -> MemberGroup:
    return bulletin_services.member_group_save(
        partnership=world.partnership,
        group=None,
        name="Town centre pubs",
        memberships=[world.membership],
        actor=Actor(user=world.admin),
    )


def full_bulletin(world: World) -> Bulletin:
    return bulletin_services.bulletin_post(
        partnership=world.partnership,
        title="Knife seen on High Street",
        body="A man with a knife was seen near the station.\nCall 999.",
        critical=True,
        groups=[full_member_group(world)],
        actor=Actor(user=world.admin),
    )


@dataclass(frozen=True)
class EditForm:
    """An edit form: how to make a fully filled-in record, where its form is, a field of the
    form (to find it on the page), the fields such a record leaves empty, and the fields a save
    is meant to change."""

    build: Callable[[World], Model]
    path: Callable[[Model], str]
    field: str
    empty: frozenset[str] = field(default_factory=frozenset)
    bookkeeping: frozenset[str] = field(default_factory=frozenset)
    # A form whose unchanged save records no event (nothing changed, nothing to audit).
    audits_unchanged: bool = True


EDIT_FORMS: dict[str, EditForm] = {
    "offenders:profile-edit": EditForm(
        full_profile,
        lambda p: f"/p/alpha/profiles/{p.pk}/edit/",
        "first_name",
        empty=frozenset({"archived_at"}),
        # A save is activity on the profile (retention counts from it).
        bookkeeping=frozenset({"updated_at", "last_activity_at"}),
    ),
    "offenders:gallery-edit": EditForm(
        full_gallery, lambda g: f"/p/alpha/galleries/{g.pk}/", "default_expiry_months"
    ),
    "offenders:notice": EditForm(
        full_notice, lambda n: f"/p/alpha/notices/{n.pk}/", "appeal_lodged_on"
    ),
    "partnerships:business-edit": EditForm(
        full_business, lambda b: f"/p/alpha/businesses/{b.pk}/", "contact_phone"
    ),
    "partnerships:premises-edit": EditForm(
        full_premises, lambda p: f"/p/alpha/premises/{p.pk}/", "postcode"
    ),
    "partnerships:membership-change": EditForm(
        full_membership,
        lambda m: f"/p/alpha/people/{m.pk}/",
        "premises",
        frozenset({"ended_at", "home_seen_at"}),
    ),
    "incidents:statement": EditForm(
        full_statement,
        lambda s: f"/p/alpha/incidents/{s.incident_id}/statement/",
        "account",
        empty=frozenset({"signed_name", "signed_at", "signed_by_id"}),
        bookkeeping=frozenset({"updated_at"}),
    ),
    "offenders:scheme-settings": EditForm(
        full_settings,
        lambda p: "/p/alpha/settings/",
        "appeal_instructions",
        audits_unchanged=False,
    ),
    "incidents:impact": EditForm(
        full_impact,
        lambda i: f"/p/alpha/incidents/{i.incident_id}/impact/",
        "effect_on_staff",
        bookkeeping=frozenset({"updated_at"}),
    ),
    "bulletins:edit": EditForm(
        full_bulletin,
        lambda b: f"/p/alpha/bulletins/{b.pk}/edit/",
        "title",
        empty=frozenset({"withdrawn_at", "withdrawn_by_id"}),
    ),
    "bulletins:group-edit": EditForm(
        full_member_group, lambda g: f"/p/alpha/bulletins/groups/{g.pk}/", "name"
    ),
    "sharing:document-settings": EditForm(
        full_document_settings,
        lambda d: "/p/alpha/documents/settings/",
        "dpo_contact",
        audits_unchanged=False,
    ),
}

# Every other address that takes a POST, and why it is not an edit form of a stored record.
NOT_EDIT_FORMS: dict[str, str] = {
    "healthz": "the health report: no form",
    "login": "signs in",
    "logout": "a button, no fields",
    "two-factor": "a one-time code",
    "password-reset": "asks for a reset link",
    "password-reset-confirm": "sets a new password, never shown",
    "invitation-accept": "creates an account or accepts an invitation",
    "operator-partnership-new": "creates a partnership and invites its administrator",
    "partnerships:invite": "creates an invitation",
    "partnerships:invitation-revoke": "a button, no fields",
    "partnerships:membership-end": "a confirmation, no fields",
    "partnerships:business-add": "creates a business",
    "partnerships:premises-add": "creates premises",
    "offenders:profile-add": "creates a profile",
    "offenders:profile-archive": "a button, no fields",
    "offenders:profile-restore": "a button, no fields",
    "offenders:profile-images": "adds photos",
    "offenders:profile-export": "asks for a subject access export",
    "offenders:placement-add": "adds the profile to a gallery",
    "offenders:placement-remove": "a button, no fields",
    "offenders:image-primary": "a button, no fields",
    "offenders:image-up": "a button, no fields",
    "offenders:image-down": "a button, no fields",
    "offenders:image-delete": "a button, no fields",
    "offenders:notice-issue": "issues a new notice",
    "offenders:gallery-add": "creates a gallery",
    "offenders:profile-seen": "records a sighting: one tap, never shown back",
    "sharing:request": "a button, no fields",
    "sharing:accept": "a button, no fields",
    "sharing:decline": "a button, no fields",
    "sharing:revoke": "a button, no fields",
    "sharing:candidates": "buttons on each candidate pair (same person, not the same), no fields",
    "incidents:new": "reports an incident",
    "incidents:accept": "a button, no fields",
    "incidents:reject": "a reason for rejecting, never shown back",
    "incidents:link": "links a profile by reference",
    "incidents:profile-from-photo": "creates a profile",
    "incidents:statement-sign": "signs by typing one's name, never shown back",
    "incidents:statement-new-version": "a button, no fields",
    "incidents:incident-pack": "a button, no fields: builds an evidence pack",
    "incidents:profile-pack": "a button, no fields: builds an evidence pack",
    "bulletins:post": "posts a bulletin",
    "bulletins:acknowledge": "a button, no fields",
    "bulletins:withdraw": "a button, no fields",
    "bulletins:remind": "a button, no fields",
    "bulletins:group-add": "creates a member group",
    "account:api-tokens": "creates an API token, whose secret is shown once",
    "account:api-token-revoke": "a button, no fields",
    "sharing:answer-give": "answers an ID-sought profile: a new answer, decided once",
    "sharing:answer-confirm": "a button, no fields",
    "sharing:answer-decline": "a button, no fields",
    "sharing:link-undo": "a button, no fields",
    "sharing:link-merge": "a confirmation: which of two profiles to keep, then merge",
    "offenders:subject-request": "a decision on a person's request, made once",
    "public-notice-appeal": "sends an appeal from a notice's public page, never shown back",
    "public-notice-access": "sends a subject access request, never shown back",
    "offenders:profile-challenge": "challenges a profile as inaccurate: a new challenge",
    "offenders:challenge-decide": "two buttons (uphold, reject), no fields",
    "offenders:placement-approve": "a button, no fields",
}


def url_patterns(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            # The platform operator's Django admin: Django's own forms, with text date inputs.
            # The API: JSON and multipart from systems, no form a browser fills in.
            if pattern.namespace != "admin" and str(pattern.pattern) != "api/v1/":
                prefix = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from url_patterns(pattern.url_patterns, prefix)
        else:
            yield f"{namespace}{pattern.name}", pattern


def takes_post(pattern: URLPattern) -> bool:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return True  # a function view may take anything: it must be placed in a list
    allowed = pattern.callback.view_initkwargs.get(  # type: ignore[attr-defined]
        "http_method_names", view_class.http_method_names
    )
    return "post" in allowed and hasattr(view_class, "post")


@pytest.mark.django_db
def test_every_address_that_takes_a_post_is_placed_in_a_list() -> None:
    posting = {name for name, pattern in url_patterns() if takes_post(pattern)}
    assert not set(EDIT_FORMS) & set(NOT_EDIT_FORMS)
    assert posting == set(EDIT_FORMS) | set(NOT_EDIT_FORMS)


def stored(instance: Model) -> dict[str, Any]:
    """The record's row as stored, with its many-to-many links."""
    model = type(instance)
    row: dict[str, Any] = model._default_manager.filter(pk=instance.pk).values()[0]
    fresh = model._default_manager.get(pk=instance.pk)
    for relation in model._meta.many_to_many:
        row[relation.name] = sorted(getattr(fresh, relation.name).values_list("pk", flat=True))
    return row


def sign_in(page: Any, live_server: Any, user: User) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def saves_recorded() -> int:
    return AuditEvent.objects.filter(
        Q(action__endswith=".change") | Q(action="notice.appeal")
    ).count()


def send_unchanged(
    page: Any, live_server: Any, path: str, field_name: str, audited: bool = True
) -> None:
    """Open the page, press the form's button, and insist the save was made (a refused form
    changes nothing either)."""
    saves = saves_recorded()
    page.goto(f"{live_server.url}{path}")
    form = page.locator("form[method=post]").filter(has=page.locator(f'[name="{field_name}"]'))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 302, page.content()
    page.wait_for_load_state()
    assert saves_recorded() == saves + (1 if audited else 0)


@pytest.fixture
def world(db: None) -> World:
    partnership = partnership_make("alpha", "Alpha BCRP")
    Partnership.objects.filter(pk=partnership.pk).update(records_perceived_ethnicity=True)
    partnership.refresh_from_db()
    return World(
        partnership=partnership,
        admin=person_in(partnership, Role.ADMIN, email="admin.a@example.org"),
        member=person_in(partnership, Role.MEMBER, email="member.a@example.org"),
    )


@pytest.mark.parametrize("name", sorted(EDIT_FORMS))
def test_an_edit_form_sent_back_unchanged_changes_nothing(
    name: str, world: World, live_server: Any, page: Any
) -> None:
    edit = EDIT_FORMS[name]
    record = edit.build(world)
    before = stored(record)
    # Every field is filled in: an empty one would hide a field the form loses.
    empty = {k for k, value in before.items() if value in (None, "", [])}
    assert empty == edit.empty, before

    sign_in(page, live_server, world.admin)
    send_unchanged(page, live_server, edit.path(record), edit.field, edit.audits_unchanged)

    after = stored(record)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert set(changed) <= edit.bookkeeping, changed


def test_editing_a_childs_profile_in_the_browser_keeps_it_home(
    world: World, live_server: Any, page: Any
) -> None:
    today = timezone.localdate()
    bravo = partnership_make("bravo", "Bravo BCRP")
    admin_b = person_in(bravo, Role.ADMIN, email="admin.b@example.org")
    sharing_services.consent_request(
        partnership=world.partnership,
        partner=bravo,
        agreement_reference="ISA-7",
        actor=Actor(user=world.admin),
    )
    sharing_services.consent_accept(
        partnership=bravo, partner=world.partnership, actor=Actor(user=admin_b)
    )
    circulated = full_gallery(world)
    child, adult = (
        offender_services.profile_create(
            partnership=world.partnership,
            fields={"first_name": first, "last_name": "Quill", "date_of_birth": born},
            actor=Actor(user=world.admin),
        )
        for first, born in (
            ("Kayden", today - timedelta(days=15 * 365)),
            ("Mason", date(1990, 3, 4)),
        )
    )
    for profile in (child, adult):
        offender_services.placement_add(
            profile=profile, gallery=circulated, actor=Actor(user=world.admin)
        )
    peer, member = client_for(admin_b), client_for(world.member)

    def kept_home() -> None:
        assert peer.get(f"/p/bravo/profiles/{child.pk}/").status_code == 404
        assert peer.get(f"/p/bravo/profiles/{adult.pk}/").status_code == 200
        gallery = member.get("/p/alpha/gallery/").content.decode()
        assert "Kayden" not in gallery and "Mason" in gallery
        assert drift_check().clean

    kept_home()
    sign_in(page, live_server, world.admin)
    edit = f"{live_server.url}/p/alpha/profiles/{child.pk}/edit/"

    # Another field changed: the date of birth shown in the form goes back as it was.
    page.goto(edit)
    page.fill("#id_hair", "Short, dark")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/p/alpha/profiles/{child.pk}/")
    child.refresh_from_db()
    assert (child.hair, child.date_of_birth) == ("Short, dark", today - timedelta(days=15 * 365))
    kept_home()

    # The date of birth corrected, still under 18.
    corrected = today - timedelta(days=16 * 365)
    before = stored(child)
    page.goto(edit)
    page.fill("#id_date_of_birth", corrected.isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/p/alpha/profiles/{child.pk}/")
    after = stored(child)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"date_of_birth", "updated_at", "last_activity_at"}
    assert after["date_of_birth"] == corrected
    kept_home()
