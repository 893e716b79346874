"""Sharing agreements: request, accept, decline, revoke. Each one audited transaction that
changes the consent graph and the guardian rows together."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bcrp.actors import Actor
from bcrp.audit import audit_record
from bcrp.queue import enqueue_on_commit
from partnerships.locks import partnerships_lock
from partnerships.models import Partnership
from sharing.candidates import candidate_pairs_forget
from sharing.models import EndReason, SchemeDocumentSettings, SharingConsent
from sharing.permissions import pair_grant, pair_revoke


def _lock_pair(a: Partnership, b: Partnership) -> None:
    """Serialise the change with every other sharing write on either partnership."""
    if a.pk == b.pk:
        raise ValidationError("A partnership always sees its own profiles.")
    partnerships_lock([a.pk, b.pk])


def _active(grantor: Partnership, grantee: Partnership) -> SharingConsent | None:
    return SharingConsent.objects.filter(grantor=grantor, grantee=grantee, ended_at=None).first()


def _notify(event: str, consent: SharingConsent) -> None:
    enqueue_on_commit("sharing.tasks.consent_notify", event, consent.pk)


def documents_refresh_queue(partnership: Partnership) -> None:
    """The scheme's documents (and its partners') are written from its settings, galleries and
    agreements: queue their refresh once a change to any of them commits."""
    enqueue_on_commit("sharing.documents.documents_refresh_task", partnership.pk)


@transaction.atomic
def consent_request(
    *,
    partnership: Partnership,
    partner: Partnership,
    agreement_reference: str,
    actor: Actor,
) -> SharingConsent:
    """`partnership` consents to share with `partner` and asks for the same in return."""
    _lock_pair(partnership, partner)
    if _active(partnership, partner) is not None:
        raise ValidationError("You have already asked to share with this partnership.")
    if _active(partner, partnership) is not None:
        raise ValidationError("They have already asked to share with you: accept their request.")
    consent = SharingConsent.objects.create(
        grantor=partnership,
        grantee=partner,
        agreement_reference=agreement_reference.strip(),
        granted_by=actor.user,
    )
    audit_record(
        action="sharing.request",
        actor=actor,
        partnership=partnership,
        target=consent,
        detail={"partner_id": partner.pk},
    )
    _notify("request", consent)
    return consent


@transaction.atomic
def consent_accept(
    *,
    partnership: Partnership,
    partner: Partnership,
    actor: Actor,
    agreement_reference: str = "",
) -> SharingConsent:
    """`partnership` accepts `partner`'s request: both now see each other's shareable profiles."""
    _lock_pair(partnership, partner)
    request = _active(partner, partnership)
    if request is None:
        raise ValidationError("There is no request from this partnership to accept.")
    if _active(partnership, partner) is not None:
        raise ValidationError("You already share with this partnership.")
    consent = SharingConsent.objects.create(
        grantor=partnership,
        grantee=partner,
        agreement_reference=agreement_reference.strip() or request.agreement_reference,
        granted_by=actor.user,
    )
    granted = pair_grant(partnership, partner)
    audit_record(
        action="sharing.accept",
        actor=actor,
        partnership=partnership,
        target=consent,
        detail={"partner_id": partner.pk, "rows_granted": granted},
    )
    _notify("accept", consent)
    documents_refresh_queue(partnership)
    # Each side's profiles may now have candidates among the other's.
    for side in (partnership, partner):
        enqueue_on_commit("sharing.tasks.candidate_pairs_partnership", side.pk)
    return consent


def _end(consent: SharingConsent, reason: str, actor: Actor, when: datetime) -> None:
    consent.ended_at = when
    consent.ended_by = actor.user
    consent.end_reason = reason
    consent.save(update_fields=["ended_at", "ended_by", "end_reason"])


@transaction.atomic
def consent_decline(*, partnership: Partnership, partner: Partnership, actor: Actor) -> None:
    _lock_pair(partnership, partner)
    request = _active(partner, partnership)
    if request is None or _active(partnership, partner) is not None:
        raise ValidationError("There is no open request from this partnership.")
    _end(request, EndReason.DECLINED, actor, timezone.now())
    audit_record(
        action="sharing.decline",
        actor=actor,
        partnership=partnership,
        target=request,
        detail={"partner_id": partner.pk},
    )
    _notify("decline", request)


@transaction.atomic
def consent_revoke(*, partnership: Partnership, partner: Partnership, actor: Actor) -> int:
    """End sharing (or withdraw a request) in both directions; rows go before commit."""
    _lock_pair(partnership, partner)
    edges = [c for c in (_active(partnership, partner), _active(partner, partnership)) if c]
    ours = _active(partnership, partner)
    if ours is None:
        raise ValidationError("You do not share with this partnership.")
    removed = pair_revoke(partnership, partner) if len(edges) == 2 else 0
    candidate_pairs_forget(partnership.pk, partner.pk)
    now = timezone.now()
    for edge in edges:
        _end(edge, EndReason.REVOKED, actor, now)
    audit_record(
        action="sharing.revoke",
        actor=actor,
        partnership=partnership,
        target=ours,
        detail={"partner_id": partner.pk, "rows_removed": removed},
    )
    _notify("revoke", ours)
    documents_refresh_queue(partnership)
    documents_refresh_queue(partner)
    return removed


DOCUMENT_SETTINGS = ("controller_contact", "dpo_contact", "purposes")


@transaction.atomic
def document_settings_change(
    *, partnership: Partnership, values: dict[str, str], actor: Actor
) -> dict[str, list[str]]:
    """Set what the documents say about the controller, its contact and the purposes; one
    audited event lists each change as [old, new], and nothing is recorded when nothing
    changed."""
    current, _created = SchemeDocumentSettings.objects.select_for_update().get_or_create(
        partnership=partnership
    )
    changes = {
        field: [getattr(current, field), values[field]]
        for field in DOCUMENT_SETTINGS
        if field in values and getattr(current, field) != values[field]
    }
    if not changes:
        return changes
    for field, (_old, new) in changes.items():
        setattr(current, field, new)
    current.full_clean()
    current.save()
    audit_record(
        action="documents.settings_change",
        actor=actor,
        partnership=partnership,
        target=current,
        detail=changes,
    )
    documents_refresh_queue(partnership)
    return changes
