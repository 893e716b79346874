"""Witness statements (MG11) and business impact statements: drafted from the incident for the
member who reported it, edited and signed by them, locked once signed, read by the
partnership's administrators and police."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from incidents import selectors, services
from incidents.models import ImpactStatement, Incident, WitnessStatement
from partnerships.models import Partnership, Role
from tests.factories import PremisesFactory, incident_reported, membership_of, person_in
from tests.fixtures import client_for

DECLARATION_START = "This statement (consisting of 1 page(s) each signed by me) is true"


@pytest.fixture
def maker(partnership_a: Partnership) -> User:
    return person_in(
        partnership_a, Role.MEMBER, email="jane.smith@example.org", full_name="Jane Smith"
    )


@pytest.fixture
def incident(partnership_a: Partnership, maker: User) -> Incident:
    membership = membership_of(maker, partnership_a)
    premises = PremisesFactory(business=membership.business, name="High Street", postcode="W1 2AB")
    return incident_reported(
        membership,
        photos=2,
        premises=premises,
        description="A man filled a bag with razor blades and walked out.",
        value_lost=84,
        police_reference="CR/123/25",
        occurred_at=timezone.make_aware(timezone.datetime(2025, 3, 14, 16, 20)),
    )


def url(incident: Incident, tail: str = "statement/") -> str:
    return f"/p/alpha/incidents/{incident.pk}/{tail}"


def statement_form(statement: WitnessStatement, **changes: Any) -> dict[str, Any]:
    data = {
        "version": statement.version,
        "name": statement.name,
        "occupation": statement.occupation,
        "exhibit_prefix": statement.exhibit_prefix,
        "account": statement.account,
        **changes,
    }
    if statement.over_18 and "over_18" not in changes:
        data["over_18"] = "on"
    return data


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_first_opening_drafts_the_statement_from_the_incident(
    incident: Incident, maker: User
) -> None:
    response = client_for(maker).get(url(incident))
    assert response.status_code == 200
    statement = WitnessStatement.objects.get(incident=incident)
    assert (statement.version, statement.name, statement.occupation) == (1, "Jane Smith", "")
    assert statement.over_18 and statement.exhibit_prefix == "JS" and not statement.is_signed
    account = statement.account
    assert account.startswith("On Friday 14 March 2025 at about 16:20 I was at work at ")
    assert "High Street (W1 2AB)" in account and "theft / shoplifting" in account
    assert "A man filled a bag with razor blades and walked out." in account
    assert "£84.00" in account and "CR/123/25" in account
    assert "JS/1: photo still0.jpg\nJS/2: photo still1.jpg" in account
    page = response.content.decode()
    assert DECLARATION_START in page
    assert "Draft: not signed" in page
    assert "statement.draft" in actions()
    # Opening again drafts nothing new.
    client_for(maker).get(url(incident))
    assert WitnessStatement.objects.filter(incident=incident).count() == 1


def test_exhibits_are_numbered_in_photo_order_with_the_prefix(incident: Incident) -> None:
    photos = list(incident.photos.order_by("pk"))
    assert selectors.exhibits_of(incident=incident, prefix="JS") == [
        ("JS/1", photos[0]),
        ("JS/2", photos[1]),
    ]


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Jane Smith", "JS"), ("Mrs Jane Smith-Jones", "JS"), ("dr. ade o'neil", "AO"), ("", "")],
)
def test_initials(name: str, initials: str) -> None:
    assert services.statement_initials(name) == initials


def test_maker_edits_signs_and_changes_make_a_new_version(incident: Incident, maker: User) -> None:
    client = client_for(maker)
    client.get(url(incident))
    draft = WitnessStatement.objects.get(incident=incident)
    saved = client.post(
        url(incident),
        statement_form(
            draft,
            occupation="Store manager",
            exhibit_prefix="js",
            account=draft.account + "\nMore.",
        ),
    )
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.occupation == "Store manager" and draft.account.endswith("More.")
    assert draft.exhibit_prefix == "JS"

    wrong = client.post(url(incident, "statement/sign/"), {"version": 1, "signed_name": "J Smith"})
    assert wrong.status_code == 400
    assert "exactly as the statement gives it: Jane Smith" in wrong.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed

    signed = client.post(
        url(incident, "statement/sign/"), {"version": 1, "signed_name": "  jane SMITH "}
    )
    assert signed.status_code == 302
    draft.refresh_from_db()
    assert draft.is_signed and draft.signed_by == maker and draft.signed_name == "jane SMITH"
    page = client.get(url(incident)).content.decode()
    assert "Signed by jane SMITH at " in page and "Make changes" in page
    assert 'name="account"' not in page  # read-only once signed

    assert client.post(url(incident, "statement/new-version/")).status_code == 302
    versions = list(WitnessStatement.objects.filter(incident=incident).order_by("version"))
    assert [(v.version, v.is_signed) for v in versions] == [(1, True), (2, False)]
    assert versions[1].account == versions[0].account
    client.post(url(incident), statement_form(versions[1], account="Changed."))
    versions[0].refresh_from_db()
    assert versions[0].account.endswith("More.") and versions[0].is_signed
    assert WitnessStatement.objects.get(incident=incident, version=2).account == "Changed."
    assert selectors.statement_current(incident=incident).version == 2  # type: ignore[union-attr]
    assert selectors.statement_signed_latest(incident=incident) == versions[0]
    assert [a for a in actions() if a.startswith("statement.")] == [
        "statement.draft",
        "statement.change",
        "statement.sign",
        "statement.new_version",
        "statement.change",
    ]


def test_changing_the_initials_renames_the_exhibits_in_the_account(
    incident: Incident, maker: User
) -> None:
    client = client_for(maker)
    client.get(url(incident))
    draft = WitnessStatement.objects.get(incident=incident)
    client.post(url(incident), statement_form(draft, exhibit_prefix="JAS"))
    draft.refresh_from_db()
    assert "JAS/1: photo still0.jpg\nJAS/2: photo still1.jpg" in draft.account
    assert "JS/1" not in draft.account


def test_a_signed_statement_cannot_be_changed_in_place(incident: Incident, maker: User) -> None:
    actor = Actor(user=maker)
    draft = services.statement_open(incident=incident, actor=actor)
    signed = services.statement_sign(
        incident=incident, version=1, signed_name="Jane Smith", actor=actor
    )
    refused = "signed witness statement cannot be changed"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        WitnessStatement.objects.filter(pk=signed.pk).update(account="x")
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        WitnessStatement.objects.filter(pk=signed.pk).update(signed_name="Someone Else")
    with pytest.raises(ValidationError, match="signed already"):
        services.statement_sign(incident=incident, version=1, signed_name="Jane Smith", actor=actor)
    # The service path, asked to change version 1, makes version 2 and leaves 1 as it was.
    fields = {name: getattr(draft, name) for name in services.STATEMENT_FIELDS}
    changed = services.statement_save(
        incident=incident, version=1, fields={**fields, "account": "x"}, actor=actor
    )
    assert changed.version == 2 and changed.account == "x" and not changed.is_signed
    signed.refresh_from_db()
    assert signed.account == draft.account and signed.is_signed
    with pytest.raises(ValidationError, match="now version 2"):
        services.statement_sign(incident=incident, version=1, signed_name="Jane Smith", actor=actor)
    with pytest.raises(ValidationError, match="now version 2"):
        services.statement_save(incident=incident, version=1, fields=fields, actor=actor)


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_never_number_two_versions_alike(
    partnership_a: Partnership, maker: User, incident: Incident
) -> None:
    actor = Actor(user=maker)
    services.statement_open(incident=incident, actor=actor)
    services.statement_sign(incident=incident, version=1, signed_name="Jane Smith", actor=actor)
    draft = WitnessStatement.objects.get(incident=incident, version=1)
    fields = {name: getattr(draft, name) for name in services.STATEMENT_FIELDS}
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(kind: str) -> None:
        try:
            barrier.wait()
            if kind == "new":
                services.statement_new_version(incident=incident, actor=actor)
            else:
                services.statement_save(incident=incident, version=1, fields=fields, actor=actor)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(kind,)) for kind in ("new", "new", "save")]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    versions = list(
        WitnessStatement.objects.filter(incident=incident).values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2]
    assert len(outcomes) == 3 and outcomes.count("ok") >= 2
    assert all(o == "ok" or "has changed since" in o for o in outcomes)


def test_administrators_and_police_read_but_do_not_write(
    incident: Incident, maker: User, admin_a: User, police_a: User
) -> None:
    for reader in (admin_a, police_a):
        page = client_for(reader).get(url(incident))
        assert page.status_code == 200
        assert "No statement yet" in page.content.decode()
    assert not WitnessStatement.objects.exists()  # a reader's visit drafts nothing
    actor = Actor(user=maker)
    services.statement_open(incident=incident, actor=actor)
    services.statement_sign(incident=incident, version=1, signed_name="Jane Smith", actor=actor)
    services.statement_new_version(incident=incident, actor=actor)
    for reader in (admin_a, police_a):
        client = client_for(reader)
        page = client.get(url(incident)).content.decode()
        assert "Version 2" in page and "Draft: not signed" in page and "Make changes" not in page
        assert 'name="account"' not in page
        earlier = client.get(url(incident) + "?version=1").content.decode()
        assert "Signed by Jane Smith at" in earlier and "Make changes" not in earlier
        photo = incident.photos.order_by("pk").first()
        assert photo is not None and f"SHA-256 {photo.sha256}" in earlier
        assert client.get(url(incident) + "?version=9").status_code == 404
        assert client.get(url(incident) + "?version=abc").status_code == 400
        assert client.get(url(incident) + "?version=1%00").status_code == 400
        current = WitnessStatement.objects.get(incident=incident, version=2)
        for tail, data in (
            ("statement/", statement_form(current, account="Not mine")),
            ("statement/sign/", {"version": 2, "signed_name": "Jane Smith"}),
            ("statement/new-version/", {}),
            ("impact/", {"effect_on_staff": "x", "effect_on_business": "y"}),
        ):
            assert client.post(url(incident, tail), data).status_code == 403, (reader, tail)
    assert WitnessStatement.objects.get(incident=incident, version=2).account != "Not mine"
    assert not ImpactStatement.objects.exists()
    assert AuditEvent.objects.filter(action="statement.view").count() == 4


def test_other_members_and_partnerships_get_404(
    partnership_a: Partnership, incident: Incident, member_a: User, admin_b: User
) -> None:
    for stranger in (member_a, admin_b):
        client = client_for(stranger)
        for tail in ("statement/", "impact/"):
            assert client.get(url(incident, tail)).status_code == 404
        for tail in ("statement/", "statement/sign/", "statement/new-version/", "impact/"):
            assert client.post(url(incident, tail), {"version": 1}).status_code == 404


def test_service_refuses_anyone_but_the_maker(incident: Incident, admin_a: User) -> None:
    with pytest.raises(PermissionDenied):
        services.statement_open(incident=incident, actor=Actor(user=admin_a))
    with pytest.raises(PermissionDenied):
        services.impact_save(
            incident=incident,
            fields={"effect_on_staff": "", "effect_on_business": ""},
            actor=Actor(user=admin_a),
        )


def test_an_administrator_who_reported_makes_the_statement(
    partnership_a: Partnership, admin_a: User
) -> None:
    incident = incident_reported(membership_of(admin_a, partnership_a))
    page = client_for(admin_a).get(url(incident)).content.decode()
    assert 'name="account"' in page
    assert WitnessStatement.objects.get(incident=incident).maker == admin_a


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"account": "x" * 20001}, "account", "at most 20000"),
        ({"account": "bad\x00byte"}, "account", "Null characters"),
        ({"name": ""}, "name", "required"),
        ({"name": "n" * 201}, "name", "at most 200"),
        ({"exhibit_prefix": "J/S"}, "exhibit_prefix", "letters only"),
        ({"exhibit_prefix": "JSMITH"}, "exhibit_prefix", "at most 4"),
        ({"occupation": "\x00"}, "occupation", "Null characters"),
        ({"version": "two"}, "version", "whole number"),
    ],
)
def test_bad_statement_input_is_a_form_error(
    incident: Incident, maker: User, changes: dict[str, str], field: str, message: str
) -> None:
    client = client_for(maker)
    client.get(url(incident))
    draft = WitnessStatement.objects.get(incident=incident)
    before = WitnessStatement.objects.filter(pk=draft.pk).values()[0]
    response = client.post(url(incident), statement_form(draft, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert WitnessStatement.objects.filter(pk=draft.pk).values()[0] == before


def test_bad_signature_input_is_a_400(incident: Incident, maker: User) -> None:
    client = client_for(maker)
    client.get(url(incident))
    for data in (
        {"version": 1, "signed_name": "Jane\x00Smith"},
        {"version": 1, "signed_name": "J" * 500},
        {"version": "x", "signed_name": "Jane Smith"},
        {"version": 7, "signed_name": "Jane Smith"},
        {},
    ):
        assert client.post(url(incident, "statement/sign/"), data).status_code == 400, data
    assert not WitnessStatement.objects.get(incident=incident).is_signed


def test_impact_statement_written_by_the_maker_read_by_police(
    incident: Incident, maker: User, police_a: User
) -> None:
    client = client_for(maker)
    page = client.get(url(incident, "impact/")).content.decode()
    assert "£84.00" in page and "they correct them when they review the report" in page
    assert not ImpactStatement.objects.exists()
    response = client.post(
        url(incident, "impact/"),
        {"effect_on_staff": "Staff are frightened.", "effect_on_business": "Extra guard."},
    )
    assert response.status_code == 302
    impact = ImpactStatement.objects.get(incident=incident)
    assert impact.maker == maker and impact.effect_on_staff == "Staff are frightened."
    assert "impact.change" in actions()
    refused = client.post(
        url(incident, "impact/"), {"effect_on_staff": "x" * 20001, "effect_on_business": "\x00"}
    )
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"effect_on_staff", "effect_on_business"}
    read = client_for(police_a).get(url(incident, "impact/")).content.decode()
    assert "Staff are frightened." in read and "Extra guard." in read
    assert 'name="effect_on_staff"' not in read


def test_incident_page_links_to_the_statements(
    incident: Incident, maker: User, admin_a: User
) -> None:
    page = client_for(maker).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
    assert url(incident) in page and url(incident, "impact/") in page
    assert "Witness statement</a>:\n    write" in page
    actor = Actor(user=maker)
    services.statement_open(incident=incident, actor=actor)
    services.statement_sign(incident=incident, version=1, signed_name="Jane Smith", actor=actor)
    read = client_for(admin_a).get(f"/p/alpha/incidents/{incident.pk}/").content.decode()
    assert "Witness statement</a>:\n    read" in read
    assert "(version 1, signed " in read
