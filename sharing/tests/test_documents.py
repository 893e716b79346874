"""The scheme's documents: written from the live configuration, a new version on each change
that alters them and none otherwise, as pages and PDFs, for the right people only."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from bcrp.actors import Actor
from bcrp.models import AuditEvent, User
from offenders import services as offender_services
from offenders.models import Gallery
from partnerships import services as partnership_services
from partnerships.models import Partnership, Role
from sharing import services as sharing_services
from sharing.documents import document_current, documents_refresh
from sharing.models import DocumentKind, SchemeDocument
from tests.factories import GalleryFactory, ProfileFactory, partnership_make, person_in
from tests.fixtures import client_for, wait_for

OWN_KINDS = (
    DocumentKind.PRIVACY_NOTICE,
    DocumentKind.PRIVACY_NOTICE_SHORT,
    DocumentKind.PROCESSING_RECORD,
    DocumentKind.POLICY_DOCUMENT,
)


def text_of(document: SchemeDocument) -> str:
    return json.dumps(document.content, ensure_ascii=False)


def current(partnership: Partnership, kind: str, agreement: Any = None) -> SchemeDocument:
    return (
        SchemeDocument.objects.filter(partnership=partnership, kind=kind, agreement=agreement)
        .order_by("-version")
        .first()
    )  # type: ignore[return-value]


def versions(partnership: Partnership, kind: str) -> list[int]:
    return sorted(
        SchemeDocument.objects.filter(partnership=partnership, kind=kind).values_list(
            "version", flat=True
        )
    )


def settings_change(partnership: Partnership, admin: User, **values: Any) -> None:
    partnership_services.partnership_settings_change(
        partnership=partnership, values=values, actor=Actor(user=admin)
    )


def agree(a: Partnership, admin_a: User, b: Partnership, admin_b: User) -> None:
    sharing_services.consent_request(
        partnership=a, partner=b, agreement_reference="ISA-7", actor=Actor(user=admin_a)
    )
    sharing_services.consent_accept(partnership=b, partner=a, actor=Actor(user=admin_b))


@pytest.fixture
def bravo_agreed(
    partnership_a: Partnership, admin_a: User, partnership_b: Partnership, admin_b: User
) -> Partnership:
    agree(partnership_a, admin_a, partnership_b, admin_b)
    return partnership_b


def test_each_document_holds_the_live_values(
    partnership_a: Partnership, admin_a: User, bravo_agreed: Partnership
) -> None:
    settings_change(partnership_a, admin_a, retention_months=18, exclusion_months=9)
    GalleryFactory(partnership=partnership_a, name="Pubwatch bans", default_expiry_months=7)
    documents_refresh(partnership_a)

    for kind in OWN_KINDS:
        text = text_of(current(partnership_a, kind))
        assert "Alpha BCRP" in text, kind
        assert "18 months" in text, kind
        assert "Bravo BCRP" in text or kind == DocumentKind.POLICY_DOCUMENT, kind
        assert "First name" in text or "first name" in text, kind
        assert "Distinguishing features" in text or "distinguishing features" in text, kind
        assert "ethnicity" not in text.lower().replace("perceived ethnicity is not", ""), kind
    full = text_of(current(partnership_a, DocumentKind.PRIVACY_NOTICE))
    assert "Pubwatch bans" in full and "7 months" in full and "9 months" in full
    assert "Article 6(1)(f)" in full and "Schedule 1, paragraph 10" in full

    agreement = SchemeDocument.objects.get(
        partnership=partnership_a, kind=DocumentKind.SHARING_AGREEMENT
    )
    isa = text_of(agreement)
    assert "ISA-7" in isa and "Alpha BCRP" in isa and "Bravo BCRP" in isa
    assert "Review by" in isa and "paragraph 36" in isa
    assert isa.count("12 months") >= 1  # Bravo's retention, the default


def test_perceived_ethnicity_is_listed_only_when_recorded(
    partnership_a: Partnership, admin_a: User
) -> None:
    documents_refresh(partnership_a)
    before = text_of(current(partnership_a, DocumentKind.PROCESSING_RECORD))
    assert "Perceived ethnicity (IC code), special category data" not in before

    settings_change(partnership_a, admin_a, records_perceived_ethnicity=True)
    documents_refresh(partnership_a)

    for kind in OWN_KINDS:
        assert "erceived ethnicity" in text_of(current(partnership_a, kind)), kind
    after = text_of(current(partnership_a, DocumentKind.PROCESSING_RECORD))
    assert "Perceived ethnicity (IC code), special category data" in after
    assert "Article 9(2)(g)" in after


def test_a_settings_change_makes_a_new_version_and_keeps_the_old(
    partnership_a: Partnership, admin_a: User
) -> None:
    documents_refresh(partnership_a)
    first = current(partnership_a, DocumentKind.PRIVACY_NOTICE)
    assert first.version == 1 and "12 months" in text_of(first)

    settings_change(partnership_a, admin_a, retention_months=24)
    documents_refresh(partnership_a)

    second = current(partnership_a, DocumentKind.PRIVACY_NOTICE)
    assert second.version == 2 and "24 months" in text_of(second)
    first.refresh_from_db()
    assert "12 months" in text_of(first) and "24 months" not in text_of(first)
    for kind in OWN_KINDS:
        assert versions(partnership_a, kind) == [1, 2], kind


def test_an_unchanged_configuration_makes_no_new_version(
    partnership_a: Partnership, admin_a: User, bravo_agreed: Partnership
) -> None:
    documents_refresh(partnership_a)
    count = SchemeDocument.objects.count()
    documents_refresh(partnership_a)
    # A change elsewhere in the partnership (a profile) is not in any document.
    ProfileFactory(partnership=partnership_a)
    documents_refresh(partnership_a)
    assert SchemeDocument.objects.count() == count


def test_a_new_agreement_and_its_revoke_make_new_versions(
    partnership_a: Partnership, admin_a: User, partnership_b: Partnership, admin_b: User
) -> None:
    documents_refresh(partnership_a)
    assert "Bravo BCRP" not in text_of(current(partnership_a, DocumentKind.PRIVACY_NOTICE))
    assert not SchemeDocument.objects.filter(kind=DocumentKind.SHARING_AGREEMENT).exists()

    agree(partnership_a, admin_a, partnership_b, admin_b)
    documents_refresh(partnership_a)
    notice = current(partnership_a, DocumentKind.PRIVACY_NOTICE)
    assert notice.version == 2 and "Bravo BCRP" in text_of(notice)
    agreement = SchemeDocument.objects.get(
        partnership=partnership_a, kind=DocumentKind.SHARING_AGREEMENT
    )
    assert "In force since" in text_of(agreement)

    sharing_services.consent_revoke(
        partnership=partnership_b, partner=partnership_a, actor=Actor(user=admin_b)
    )
    documents_refresh(partnership_a)
    notice = current(partnership_a, DocumentKind.PRIVACY_NOTICE)
    assert notice.version == 3 and "Bravo BCRP" not in text_of(notice)
    ended = current(partnership_a, DocumentKind.SHARING_AGREEMENT, agreement.agreement)
    assert ended.version == 2 and "Ended on" in text_of(ended)
    agreement.refresh_from_db()
    assert "In force since" in text_of(agreement)
    # Ended once: no further version for it.
    documents_refresh(partnership_a)
    assert versions(partnership_a, DocumentKind.SHARING_AGREEMENT) == [1, 2]


def test_a_new_gallery_and_the_document_settings_make_new_versions(
    partnership_a: Partnership, admin_a: User
) -> None:
    documents_refresh(partnership_a)
    GalleryFactory(partnership=partnership_a, name="ID sought", default_expiry_months=3)
    client = client_for(admin_a)
    response = client.post(
        "/p/alpha/documents/settings/",
        {
            "controller_contact": "Alpha BCRP Ltd, 1 High Street, Alphaton",
            "dpo_contact": "privacy@alpha.example.org",
            "purposes": "Keeping the high street safe.",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="documents.settings_change").count() == 1
    assert client.get("/p/alpha/documents/").status_code == 200

    text = text_of(current(partnership_a, DocumentKind.PRIVACY_NOTICE))
    assert "ID sought" in text and "privacy@alpha.example.org" in text
    assert "Keeping the high street safe." in text
    assert versions(partnership_a, DocumentKind.PRIVACY_NOTICE) == [1, 2]


def test_document_settings_refuse_over_long_text_with_a_form_error(admin_a: User) -> None:
    response = client_for(admin_a).post(
        "/p/alpha/documents/settings/",
        {"controller_contact": "x" * 601, "dpo_contact": "", "purposes": "ok\x00"},
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="documents.settings_change").count() == 0


def pdf_text(data: bytes) -> str:
    # Words joined by single spaces: a value may be wrapped onto the next line.
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_pdf_is_a_valid_pdf_with_the_values(
    partnership_a: Partnership, admin_a: User, bravo_agreed: Partnership
) -> None:
    settings_change(partnership_a, admin_a, retention_months=30)
    client = client_for(admin_a)
    page = client.get("/p/alpha/documents/")
    assert page.status_code == 200
    for document in SchemeDocument.objects.filter(partnership=partnership_a):
        response = client.get(f"/p/alpha/documents/{document.pk}/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        text = pdf_text(response.content)
        assert "Alpha BCRP" in text, document.kind
        if document.kind != DocumentKind.POLICY_DOCUMENT:
            assert "Bravo BCRP" in text, document.kind
        if document.kind != DocumentKind.SHARING_AGREEMENT:
            assert "30 months" in text, document.kind
    short = current(partnership_a, DocumentKind.PRIVACY_NOTICE_SHORT)
    reader = PdfReader(io.BytesIO(client.get(f"/p/alpha/documents/{short.pk}/pdf/").content))
    assert len(reader.pages) == 1
    # A5: 148 mm wide, for the back of a printed notice.
    assert round(float(reader.pages[0].mediabox.width) * 25.4 / 72) == 148


def test_older_versions_stay_readable_and_downloadable(
    partnership_a: Partnership, admin_a: User
) -> None:
    client = client_for(admin_a)
    client.get("/p/alpha/documents/")
    first = current(partnership_a, DocumentKind.POLICY_DOCUMENT)
    settings_change(partnership_a, admin_a, retention_months=6)
    page = client.get("/p/alpha/documents/")
    second = current(partnership_a, DocumentKind.POLICY_DOCUMENT)
    assert second.pk != first.pk
    assert f"/p/alpha/documents/{second.pk}/" in page.content.decode()

    old = client.get(f"/p/alpha/documents/{first.pk}/")
    assert old.status_code == 200
    body = old.content.decode()
    assert "12 months" in body and "not the current version" in body
    assert f"/p/alpha/documents/{second.pk}/" in body  # the list of versions
    assert "12 months" in pdf_text(client.get(f"/p/alpha/documents/{first.pk}/pdf/").content)


def test_police_read_the_agreements_only_and_members_nothing(
    partnership_a: Partnership,
    admin_a: User,
    police_a: User,
    member_a: User,
    bravo_agreed: Partnership,
) -> None:
    documents_refresh(partnership_a)
    police = client_for(police_a)
    listing = police.get("/p/alpha/documents/")
    assert listing.status_code == 200
    agreement = current(
        partnership_a,
        DocumentKind.SHARING_AGREEMENT,
        SchemeDocument.objects.get(kind=DocumentKind.SHARING_AGREEMENT).agreement,
    )
    assert police.get(f"/p/alpha/documents/{agreement.pk}/").status_code == 200
    assert police.get(f"/p/alpha/documents/{agreement.pk}/pdf/").status_code == 200
    policy = current(partnership_a, DocumentKind.POLICY_DOCUMENT)
    assert police.get(f"/p/alpha/documents/{policy.pk}/").status_code == 404
    assert police.get("/p/alpha/documents/settings/").status_code == 403
    assert "Appropriate policy document" not in listing.content.decode()

    member = client_for(member_a)
    for url in ("/p/alpha/documents/", f"/p/alpha/documents/{agreement.pk}/"):
        assert member.get(url).status_code == 403, url


def test_outsiders_and_other_partnerships_get_404(
    partnership_a: Partnership, admin_b: User, outsider: User, bravo_agreed: Partnership
) -> None:
    documents_refresh(partnership_a)
    policy = current(partnership_a, DocumentKind.POLICY_DOCUMENT)
    for user in (outsider, admin_b):
        client = client_for(user)
        for url in (
            "/p/alpha/documents/",
            f"/p/alpha/documents/{policy.pk}/",
            f"/p/alpha/documents/{policy.pk}/pdf/",
        ):
            assert client.get(url).status_code == 404, (user.email, url)
    # Bravo's administrator under Bravo's own address: Alpha's document is not there either.
    bravo = client_for(admin_b)
    assert bravo.get(f"/p/bravo/documents/{policy.pk}/").status_code == 404


def test_the_public_privacy_notices_need_no_sign_in_and_show_no_records(
    partnership_a: Partnership, admin_a: User, bravo_agreed: Partnership
) -> None:
    ProfileFactory(partnership=partnership_a, first_name="Zebedee", last_name="Quartermain")
    settings_change(partnership_a, admin_a, notice_contact_email="office@alpha.example.org")
    anonymous = Client()
    full = anonymous.get("/privacy/alpha/")
    short = anonymous.get("/privacy/alpha/short/")
    assert full.status_code == 200 and short.status_code == 200
    for response in (full, short):
        body = response.content.decode()
        assert "office@alpha.example.org" in body and "Bravo BCRP" in body
        assert "Zebedee" not in body and "Quartermain" not in body
        assert "admin.a@example.org" not in body
    assert "/privacy/alpha/short/" in full.content.decode()
    assert "/privacy/alpha/" in short.content.decode()
    for url in ("/privacy/alpha/pdf/", "/privacy/alpha/short/pdf/"):
        response = anonymous.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert "office@alpha.example.org" in pdf_text(response.content)
    assert anonymous.get("/privacy/no-such-scheme/").status_code == 404
    assert anonymous.post("/privacy/alpha/").status_code == 405


def test_the_public_notice_is_always_the_current_version(
    partnership_a: Partnership, admin_a: User
) -> None:
    assert "12 months" in Client().get("/privacy/alpha/").content.decode()
    settings_change(partnership_a, admin_a, retention_months=15)
    assert "15 months" in Client().get("/privacy/alpha/").content.decode()
    assert versions(partnership_a, DocumentKind.PRIVACY_NOTICE) == [1, 2]
    assert document_current(partnership_a, DocumentKind.PRIVACY_NOTICE).version == 2


def test_a_partners_settings_change_reaches_our_agreement(
    partnership_a: Partnership, admin_b: User, bravo_agreed: Partnership
) -> None:
    documents_refresh(partnership_a)
    settings_change(bravo_agreed, admin_b, retention_months=36)
    documents_refresh(partnership_a)
    latest = SchemeDocument.objects.filter(
        partnership=partnership_a, kind=DocumentKind.SHARING_AGREEMENT
    ).order_by("-version")
    assert [d.version for d in latest] == [2, 1]
    assert "36 months" in text_of(latest[0])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_settings_galleries_and_agreements_refresh_the_documents_through_the_worker(
    celery_worker_process: dict[str, Any],
) -> None:
    """No page is opened: the refresh queued on commit by each change makes the new version."""
    delta = partnership_make("delta", "Delta BCRP")
    echo = partnership_make("echo", "Echo BCRP")
    admin = person_in(delta, Role.ADMIN)
    echo_admin = person_in(echo, Role.ADMIN)
    log = celery_worker_process["log"]

    settings_change(delta, admin, retention_months=20)
    assert wait_for(lambda: versions(delta, DocumentKind.PRIVACY_NOTICE) == [1]), log.read_text()
    assert "20 months" in text_of(current(delta, DocumentKind.PRIVACY_NOTICE))

    offender_services.gallery_save(
        partnership=delta,
        gallery=Gallery(name="Shoplifters", default_expiry_months=4),
        actor=Actor(user=admin),
    )
    assert wait_for(lambda: versions(delta, DocumentKind.PRIVACY_NOTICE) == [1, 2])
    assert "Shoplifters" in text_of(current(delta, DocumentKind.PRIVACY_NOTICE))

    agree(delta, admin, echo, echo_admin)
    assert wait_for(
        lambda: SchemeDocument.objects.filter(
            partnership=echo, kind=DocumentKind.SHARING_AGREEMENT
        ).exists()
    ), log.read_text()
    assert wait_for(lambda: versions(delta, DocumentKind.PRIVACY_NOTICE) == [1, 2, 3])
    assert "Echo BCRP" in text_of(current(delta, DocumentKind.PRIVACY_NOTICE))


def test_the_refresh_task_refreshes_both_sides(
    partnership_a: Partnership, admin_a: User, bravo_agreed: Partnership
) -> None:
    from sharing.documents import documents_refresh_task

    person_in(partnership_make("charlie", "Charlie BCRP"), Role.ADMIN)
    documents_refresh_task(partnership_a.pk)
    assert SchemeDocument.objects.filter(partnership=bravo_agreed).count() == 5
    assert not SchemeDocument.objects.filter(partnership__slug="charlie").exists()
