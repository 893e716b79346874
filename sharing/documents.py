"""The scheme's data protection documents, generated from its live configuration and versioned:
information sharing agreements, privacy notices, the record of processing, the policy document."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from celery import shared_task
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from bcrp.pdf import FONT, PdfDocument
from offenders.models import Gallery, OffenderProfile
from partnerships.models import Partnership
from sharing.models import DocumentKind, SchemeDocument, SchemeDocumentSettings, SharingConsent

Content = dict[str, Any]

# Bookkeeping of a profile, not facts about the person: never listed as data recorded.
PROFILE_BOOKKEEPING = frozenset(
    {
        "id",
        "partnership",
        "search_name",
        "search_vector",
        "status",
        "local_only",
        "created_at",
        "updated_at",
        "last_activity_at",
        "archived_at",
        "created_by",
    }
)
PURGE_DAYS = 30
REVIEW_MONTHS = 12
DEFAULT_PURPOSES = (
    "To prevent and detect crime and disorder against the scheme's member businesses, and to "
    "keep their staff and customers safe: members share descriptions and images of people who "
    "have offended at their premises, so that staff can recognise them, and the scheme issues "
    "warnings and exclusion notices."
)
ICO = (
    "You may complain to the Information Commissioner's Office: ico.org.uk/make-a-complaint, "
    "telephone 0303 123 1113."
)
LAWFUL_BASIS = [
    "Personal data: UK GDPR Article 6(1)(f), legitimate interests. The member businesses, and "
    "the public, have a legitimate interest in preventing and detecting crime at their "
    "premises and in the safety of staff and customers; the records are limited to what "
    "serves that interest and are balanced against the rights of the people recorded.",
    "Personal data about criminal offences and alleged offences (UK GDPR Article 10): the "
    "condition in the Data Protection Act 2018, Schedule 1, paragraph 10 (preventing or "
    "detecting unlawful acts): the processing is necessary to prevent or detect unlawful acts "
    "and must be carried out without the person's consent so as not to prejudice that purpose. "
    "Under paragraph 36 of that Schedule, the requirement in paragraph 10 that the processing "
    "be necessary for reasons of substantial public interest does not apply to criminal "
    "offence data.",
]
ETHNICITY_BASIS = (
    "Perceived ethnicity is special category data (UK GDPR Article 9). It is recorded under "
    "Article 9(2)(g), with the Data Protection Act 2018, section 10(3) and Schedule 1, "
    "paragraph 10: only where necessary to prevent or detect unlawful acts and for reasons of "
    "substantial public interest, as the scheme's own judgement of appearance, never the "
    "person's own account."
)
OTHER_RECORDS = [
    "Photographs of the person, from CCTV or taken by staff",
    "Warning and exclusion notices: the premises covered, the dates, the reason, who served "
    "it, and any appeal and its outcome",
    "Incident reports by members: when and where, what happened, the value of any loss, the "
    "police crime reference, photographs and witness statements",
    "Sightings of the person reported by members",
]


@dataclass(frozen=True)
class LiveConfiguration:
    """The values every document of one partnership is written from."""

    partnership: Partnership
    document_settings: SchemeDocumentSettings
    galleries: list[Gallery]
    agreements: list[tuple[SharingConsent, SharingConsent]]


def _document_settings(partnership: Partnership) -> SchemeDocumentSettings:
    found = SchemeDocumentSettings.objects.filter(partnership=partnership).first()
    return found or SchemeDocumentSettings(partnership=partnership)


def live_configuration(partnership: Partnership) -> LiveConfiguration:
    fresh = Partnership.objects.get(pk=partnership.pk)
    # Each of our active consents whose partner consents back: an agreement in force.
    ours = SharingConsent.objects.filter(grantor=fresh, ended_at=None).filter(
        Exists(
            SharingConsent.objects.filter(grantor=OuterRef("grantee"), grantee=fresh, ended_at=None)
        )
    )
    theirs = {
        consent.grantor_id: consent
        for consent in SharingConsent.objects.filter(grantee=fresh, ended_at=None).select_related(
            "grantor__document_settings"
        )
    }
    return LiveConfiguration(
        partnership=fresh,
        document_settings=_document_settings(fresh),
        galleries=list(Gallery.objects.filter(partnership=fresh).order_by("name")),
        agreements=[
            (consent, theirs[consent.grantee_id])
            for consent in ours.order_by("grantee__name")
            if consent.grantee_id in theirs
        ],
    )


def data_items(partnership: Partnership) -> list[str]:
    """What a profile records about a person, read from the profile's fields; perceived
    ethnicity only where the partnership records it."""
    items = []
    for field in OffenderProfile._meta.concrete_fields:
        if field.name in PROFILE_BOOKKEEPING:
            continue
        if field.name == "perceived_ethnicity" and not partnership.records_perceived_ethnicity:
            continue
        label = str(field.verbose_name)
        if field.name == "perceived_ethnicity":
            label += ", special category data"
        items.append(label[:1].upper() + label[1:])
    return items


def _section(heading: str, *paragraphs: str, items: list[str] | None = None) -> dict[str, Any]:
    return {"heading": heading, "paragraphs": list(paragraphs), "items": items or [], "rows": []}


def _rows(heading: str, rows: list[tuple[str, str]], *paragraphs: str) -> dict[str, Any]:
    return {
        "heading": heading,
        "paragraphs": list(paragraphs),
        "items": [],
        "rows": [[label, value] for label, value in rows],
    }


def _contact(partnership: Partnership, document_settings: SchemeDocumentSettings) -> str:
    parts = [
        document_settings.dpo_contact,
        partnership.notice_contact_email,
        partnership.notice_contact_phone,
        partnership.postal_address,
    ]
    return "\n".join(part for part in parts if part) or f"The administrators of {partnership.name}"


def _controller(partnership: Partnership, document_settings: SchemeDocumentSettings) -> str:
    return document_settings.controller_contact or partnership.name


def _purposes(document_settings: SchemeDocumentSettings) -> str:
    return document_settings.purposes or DEFAULT_PURPOSES


def _lawful_basis(partnership: Partnership) -> list[str]:
    return LAWFUL_BASIS + ([ETHNICITY_BASIS] if partnership.records_perceived_ethnicity else [])


def _months(count: int) -> str:
    return f"{count} month" + ("" if count == 1 else "s")


def retention_lines(partnership: Partnership, galleries: list[Gallery]) -> list[str]:
    lines = [
        f"A profile with no activity for {_months(partnership.retention_months)} is archived, "
        f"and deleted for good, with its photographs, {PURGE_DAYS} days later unless restored.",
        f"A warning stays on record for {_months(partnership.warning_months)}; an exclusion "
        f"lasts {_months(partnership.exclusion_months)}. Expired notices lapse automatically.",
    ]
    lines += [
        f"Gallery “{gallery.name}”: a profile stays in it for "
        f"{_months(gallery.default_expiry_months)} unless an earlier date is set"
        + (" (shown to members)." if gallery.members_may_see else ".")
        for gallery in galleries
    ]
    return lines


def _partner_names(live: LiveConfiguration) -> list[str]:
    return [consent.grantee.name for consent, _theirs in live.agreements]


def _recipients(live: LiveConfiguration) -> list[str]:
    partners = _partner_names(live)
    return [
        "The scheme's administrators, who keep the records.",
        "Member businesses' staff see only the galleries shown to members, and only what a "
        "person at a till needs: photographs, names, warnings and exclusion status.",
        "Police liaison officers attached to the scheme.",
        "Partner schemes, under an information sharing agreement, for adults only and never "
        "for records kept local: "
        + (", ".join(partners) if partners else "none at present")
        + ". Their administrators and police liaison officers see them; their members do not.",
    ]


def _rights(partnership: Partnership) -> list[str]:
    lines = [
        "To ask for a copy of what the scheme holds about you (a subject access request): "
        "answered within one month.",
        "To have inaccurate information corrected, and a record taken out of circulation "
        "while its accuracy is decided.",
        "To object to the processing, to ask for it to be restricted, or for your data to be "
        "erased.",
        ICO,
    ]
    if partnership.appeal_instructions:
        lines.insert(0, "To appeal a warning or exclusion: " + partnership.appeal_instructions)
    return lines


def _public_address(partnership: Partnership) -> str:
    path = reverse("public-privacy-notice", args=[partnership.slug])
    return settings.SITE_URL.rstrip("/") + path


def privacy_notice(live: LiveConfiguration) -> Content:
    p, ds = live.partnership, live.document_settings
    sections = [
        _section(
            "Who we are",
            f"This notice is from {p.name}, a business crime reduction partnership"
            + (f" in the {p.police_force_area} police force area." if p.police_force_area else "."),
        ),
        _rows(
            "The controller and how to reach us",
            [("Controller", _controller(p, ds)), ("Data protection contact", _contact(p, ds))],
        ),
        _section("Why we hold information", _purposes(ds)),
        _section(
            "What we hold about a person",
            items=data_items(p) + OTHER_RECORDS,
        ),
        _section(
            "Where it comes from",
            "Member businesses and their staff, their CCTV, the scheme's administrators and the "
            "police.",
        ),
        _section("Our lawful basis", *_lawful_basis(p)),
        _section("Who sees it", items=_recipients(live)),
        _section("How long we keep it", items=retention_lines(p, live.galleries)),
        _section("Your rights", items=_rights(p)),
    ]
    return {"title": f"Privacy notice: {p.name}", "subtitle": "", "sections": sections}


def privacy_notice_short(live: LiveConfiguration) -> Content:
    p, ds = live.partnership, live.document_settings
    partners = _partner_names(live)
    sections = [
        _section(
            "Why",
            f"{p.name} holds information about people who offend, or are suspected of "
            "offending, against its member businesses, to prevent and detect crime and keep "
            "staff safe (UK GDPR Art. 6(1)(f); DPA 2018 Sch. 1 para 10).",
        ),
        _section(
            "What",
            ", ".join(data_items(p)[:1] + [item.lower() for item in data_items(p)[1:]])
            + "; photographs, notices, incident reports and sightings.",
        ),
        _section(
            "Who sees it",
            "The scheme's administrators, member businesses' staff (photograph, name, notices), "
            "police liaison officers"
            + (", and partner schemes: " + ", ".join(partners) + "." if partners else "."),
        ),
        _section(
            "How long",
            f"Deleted after {_months(p.retention_months)} without activity; warnings stay "
            f"on record {_months(p.warning_months)}, exclusions last "
            f"{_months(p.exclusion_months)}.",
        ),
        _section(
            "Your rights",
            "You may appeal a notice, see a copy of your data (within one month), have it "
            "corrected or erased, object, or complain to the ICO (ico.org.uk, 0303 123 1113).",
        ),
        _section("Contact", _contact(p, ds)),
        _section("Full notice", _public_address(p)),
    ]
    return {"title": f"Privacy notice: {p.name}", "subtitle": "Short version", "sections": sections}


def _agreement_dates(ours: SharingConsent, theirs: SharingConsent) -> tuple[date, date]:
    began = timezone.localtime(max(ours.granted_at, theirs.granted_at)).date()
    return began, began + relativedelta(months=REVIEW_MONTHS)


def sharing_agreement(
    live: LiveConfiguration, ours: SharingConsent, theirs: SharingConsent | None
) -> Content:
    p, ds = live.partnership, live.document_settings
    partner = ours.grantee
    partner_settings = _document_settings(partner)
    reference = ours.agreement_reference or (theirs.agreement_reference if theirs else "")
    if theirs is None or ours.ended_at is not None:
        ended = timezone.localtime(ours.ended_at or timezone.now()).date()
        status = f"Ended on {ended:%d %B %Y}: neither side sees the other's records any more."
        review = "Not applicable: the agreement has ended."
    else:
        began, review_on = _agreement_dates(ours, theirs)
        status = f"In force since {began:%d %B %Y}."
        review = f"{review_on:%d %B %Y}, and every {_months(REVIEW_MONTHS)} after that."
    partner_galleries = list(Gallery.objects.filter(partnership=partner).order_by("name"))
    sections = [
        _rows(
            "The agreement",
            [("Reference", reference or "—"), ("Status", status), ("Review by", review)],
        ),
        _rows(
            "The parties",
            [
                (p.name, _controller(p, ds)),
                (partner.name, _controller(partner, partner_settings)),
            ],
            "Each party is a separate controller of its own records and stays so when they are "
            "shared.",
        ),
        _section("Purpose", _purposes(ds)),
        _section(f"What {p.name} shares", items=data_items(p) + OTHER_RECORDS[:2]),
        _section(f"What {partner.name} shares", items=data_items(partner) + OTHER_RECORDS[:2]),
        _section(
            "Limits",
            "Only while both parties consent; either may end the agreement at any time, and "
            "sharing stops at once. Records of people under 18, archived records and records a "
            "party keeps local are never shared. Only the other party's administrators and "
            "police liaison officers see shared records; its members never do. Consent is not "
            "passed on: a partner of a partner sees nothing.",
        ),
        _section("Lawful basis", *LAWFUL_BASIS),
        _section(f"Retention: {p.name}", items=retention_lines(p, live.galleries)),
        _section(f"Retention: {partner.name}", items=retention_lines(partner, partner_galleries)),
        _section(
            "Requests from the people recorded",
            "Each party answers subject access requests, objections and challenges about its "
            "own records, and passes on without delay any it receives about the other's.",
        ),
        _rows(
            "Contact points",
            [(p.name, _contact(p, ds)), (partner.name, _contact(partner, partner_settings))],
        ),
    ]
    return {
        "title": f"Information sharing agreement: {p.name} and {partner.name}",
        "subtitle": "",
        "sections": sections,
    }


def processing_record(live: LiveConfiguration) -> Content:
    p, ds = live.partnership, live.document_settings
    sections = [
        _rows(
            "Controller",
            [("Controller", _controller(p, ds)), ("Data protection contact", _contact(p, ds))],
        ),
        _section("Purposes of the processing", _purposes(ds)),
        _section(
            "Categories of people",
            items=[
                "People who have offended, or are suspected of offending, at member premises",
                "Staff of member businesses who report incidents and sightings",
            ],
        ),
        _section("Categories of personal data", items=data_items(p) + OTHER_RECORDS),
        _section(
            "Conditions relied on (DPA 2018 Sch. 1 para 41)",
            *_lawful_basis(p),
            "The data is retained and erased in line with the scheme's appropriate policy "
            "document.",
        ),
        _section("Recipients", items=_recipients(live)),
        _section("Transfers outside the UK", "None."),
        _section("Time limits for erasure", items=retention_lines(p, live.galleries)),
        _section(
            "Security measures",
            items=[
                "Access only by named accounts with a role in the scheme; members see only "
                "galleries shown to members.",
                "Original photographs encrypted where they are stored.",
                "Views of records and downloads written to an audit log"
                + (
                    ", with each use of the perceived ethnicity filter."
                    if p.records_perceived_ethnicity
                    else "."
                ),
                "Sharing with another scheme enforced by the database, inside the transaction "
                "that agrees or ends it.",
            ],
        ),
    ]
    return {
        "title": f"Record of processing activities: {p.name}",
        "subtitle": "UK GDPR Article 30",
        "sections": sections,
    }


def policy_document(live: LiveConfiguration) -> Content:
    p, ds = live.partnership, live.document_settings
    principles = [
        "Lawfulness, fairness and transparency: the conditions below; privacy notices in "
        "full, short on the back of every notice, and on a public page.",
        "Purpose limitation: used only to prevent and detect crime at member premises and to "
        "keep staff safe; never sold or used for marketing.",
        "Data minimisation: members see only what a person at a till needs; records of "
        "people under 18 are never shared with other schemes"
        + (
            "; perceived ethnicity is recorded only because the scheme has switched it on."
            if p.records_perceived_ethnicity
            else "; perceived ethnicity is not recorded."
        ),
        "Accuracy: anyone in the scheme may challenge a record as inaccurate, which takes it "
        "out of circulation until an administrator decides.",
        "Storage limitation: the retention rules below, applied automatically every night.",
        "Integrity and confidentiality: role-based access, encrypted original photographs and "
        "an audit log.",
        "Accountability: this document, the record of processing and the information sharing "
        "agreements are generated from the scheme's live settings and kept in versions.",
    ]
    sections = [
        _section(
            "About this document",
            "The appropriate policy document required by the Data Protection Act 2018, "
            "Schedule 1, Part 4, for processing criminal offence data"
            + (" and special category data" if p.records_perceived_ethnicity else "")
            + " under Schedule 1, paragraph 10 (preventing or detecting unlawful acts).",
        ),
        _rows("Controller", [("Controller", _controller(p, ds)), ("Contact", _contact(p, ds))]),
        _section(
            "Conditions relied on",
            *_lawful_basis(p),
        ),
        _section("Data processed under these conditions", items=data_items(p) + OTHER_RECORDS),
        _section("Procedures for complying with the principles (Article 5)", items=principles),
        _section("Retention and erasure", items=retention_lines(p, live.galleries)),
        _section(
            "Keeping this document",
            "Kept while the processing goes on and for at least six months after it ends, and "
            "reviewed whenever the scheme's settings change (each change makes a new version).",
        ),
    ]
    return {
        "title": f"Appropriate policy document: {p.name}",
        "subtitle": "Data Protection Act 2018, Schedule 1, Part 4",
        "sections": sections,
    }


def fingerprint(content: Content) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _store(
    partnership: Partnership, kind: str, content: Content, agreement: SharingConsent | None = None
) -> SchemeDocument:
    """The latest version, or a new one when the content has changed."""
    latest = (
        SchemeDocument.objects.filter(partnership=partnership, kind=kind, agreement=agreement)
        .order_by("-version")
        .first()
    )
    digest = fingerprint(content)
    if latest is not None and latest.fingerprint == digest:
        return latest
    return SchemeDocument.objects.create(
        partnership=partnership,
        kind=kind,
        agreement=agreement,
        version=(latest.version + 1) if latest else 1,
        content=content,
        fingerprint=digest,
    )


def _documents_lock(partnership: Partnership) -> None:
    # Two refreshes at once (a page opened while the task runs) would both number version n+1.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [1946, partnership.pk])


@transaction.atomic
def documents_refresh(partnership: Partnership) -> list[SchemeDocument]:
    """Render every document of the partnership from its live values; store a new version of
    each one whose content changed. Returns the current version of each."""
    _documents_lock(partnership)
    live = live_configuration(partnership)
    p = live.partnership
    current = [
        _store(p, DocumentKind.PRIVACY_NOTICE, privacy_notice(live)),
        _store(p, DocumentKind.PRIVACY_NOTICE_SHORT, privacy_notice_short(live)),
        _store(p, DocumentKind.PROCESSING_RECORD, processing_record(live)),
        _store(p, DocumentKind.POLICY_DOCUMENT, policy_document(live)),
    ]
    in_force = {ours.pk for ours, _theirs in live.agreements}
    for ours, theirs in live.agreements:
        current.append(
            _store(p, DocumentKind.SHARING_AGREEMENT, sharing_agreement(live, ours, theirs), ours)
        )
    # Agreements that have ended since: their last version says so, once.
    ended = (
        SharingConsent.objects.filter(documents__partnership=p)
        .exclude(pk__in=in_force)
        .select_related("grantee")
        .distinct()
    )
    for ours in ended:
        current.append(
            _store(p, DocumentKind.SHARING_AGREEMENT, sharing_agreement(live, ours, None), ours)
        )
    return current


def document_current(partnership: Partnership, kind: str) -> SchemeDocument:
    """The current version of one of the partnership's own documents (not an agreement)."""
    live = live_configuration(partnership)
    render = {
        DocumentKind.PRIVACY_NOTICE: privacy_notice,
        DocumentKind.PRIVACY_NOTICE_SHORT: privacy_notice_short,
        DocumentKind.PROCESSING_RECORD: processing_record,
        DocumentKind.POLICY_DOCUMENT: policy_document,
    }[DocumentKind(kind)]
    with transaction.atomic():
        _documents_lock(partnership)
        return _store(live.partnership, kind, render(live))


def document_pdf(document: SchemeDocument) -> bytes:
    """The document as a PDF: A4, except the short privacy notice, on A5 for the back of a
    printed notice."""
    content = document.content
    short = document.kind == DocumentKind.PRIVACY_NOTICE_SHORT
    pdf = PdfDocument(
        title=content["title"],
        partnership=document.partnership.name,
        confidential=f"{document.get_kind_display()}, version {document.version}, "
        f"{timezone.localtime(document.created_at):%d %B %Y}",
    )
    # A5 by its size in millimetres: fpdf2 warns on the name, whose size it once had wrong.
    pdf.add_page(format=(148, 210) if short else "A4")
    if short:
        pdf.set_margins(10, 10, 10)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(0, 6, content["title"], new_x="LMARGIN", new_y="NEXT")
        for section in content["sections"]:
            pdf.set_font(FONT, "B", 8)
            pdf.multi_cell(0, 4, section["heading"], new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT, "", 8)
            for paragraph in section["paragraphs"]:
                pdf.multi_cell(0, 3.6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        return pdf.to_bytes()
    pdf.title_block(content["title"], content["subtitle"])
    for section in content["sections"]:
        pdf.heading(section["heading"])
        for paragraph in section["paragraphs"]:
            pdf.paragraph(paragraph)
        if section["items"]:
            pdf.small_lines([f"• {item}" for item in section["items"]], size=10)
        if section["rows"]:
            pdf.fields_flowing([(label, value) for label, value in section["rows"]])
    return pdf.to_bytes()


def _partners_of(partnership_id: int) -> list[Partnership]:
    return list(
        Partnership.objects.filter(
            Q(consents_given__grantee_id=partnership_id, consents_given__ended_at=None)
            | Q(consents_received__grantor_id=partnership_id, consents_received__ended_at=None)
        ).distinct()
    )


# Here, not in sharing.tasks: rendering reads galleries and profile fields, and sharing.tasks
# sits below offenders. Services queue it by name, so this module is imported by the app.
@shared_task(acks_late=True)
def documents_refresh_task(partnership_id: int) -> int:
    """After a change to settings, galleries or agreements: the partnership's documents, and
    its partners' (their agreements name our retention and contacts)."""
    partnership = Partnership.objects.filter(pk=partnership_id).first()
    if partnership is None:
        return 0
    refreshed = len(documents_refresh(partnership))
    for partner in _partners_of(partnership_id):
        refreshed += len(documents_refresh(partner))
    return refreshed
