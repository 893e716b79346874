"""Background work for sharing: notifications, the nightly drift check, the birthday sweep,
and the same-person candidates behind the review queue."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from partnerships.models import Membership, Role
from sharing.models import SharingConsent
from sharing.permissions import birthdays_sync, drift_check, drift_repair

logger = logging.getLogger(__name__)

SUBJECTS = {
    "request": "{grantor} asks to share offender profiles with {grantee}",
    "accept": "{grantor} now shares offender profiles with {grantee}",
    "decline": "{grantee} declined to share with {grantor}",
    "revoke": "Sharing between {grantor} and {grantee} has ended",
}


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def consent_notify(event: str, consent_id: int) -> int:
    """E-mail the administrators of the side that did not act."""
    consent = (
        SharingConsent.objects.select_related("grantor", "grantee").filter(pk=consent_id).first()
    )
    if consent is None:  # deleted with its partnership before we got here
        return 0
    # On decline the actor is the grantee; otherwise the grantor acted.
    other = consent.grantor if event == "decline" else consent.grantee
    recipients = list(
        Membership.objects.filter(partnership=other, role=Role.ADMIN, ended_at=None).values_list(
            "user__email", flat=True
        )
    )
    subject = SUBJECTS[event].format(grantor=consent.grantor.name, grantee=consent.grantee.name)
    link = f"{settings.SITE_URL.rstrip('/')}/p/{other.slug}/partners/"
    body = f"{subject}.\n\nSee and answer it on your partners page:\n{link}\n"
    return send_mass_mail([(subject, body, None, [email]) for email in recipients])


@shared_task(acks_late=True)
def sharing_drift_check() -> dict[str, int]:
    """Nightly: recompute the rule; any difference is a bug, so log it loudly and repair it."""
    with transaction.atomic():
        drift = drift_check()
        if not drift.clean:
            logger.error(
                "sharing drift: %s missing, %s extra (samples %s / %s); repairing",
                drift.missing,
                drift.extra,
                drift.missing_sample,
                drift.extra_sample,
            )
            drift_repair()
    return {"missing": drift.missing, "extra": drift.extra}


@shared_task(acks_late=True)
def sharing_birthdays() -> int:
    """Daily: subjects who have turned 18 become shareable under existing agreements."""
    with transaction.atomic():
        inserted, _deleted = birthdays_sync()
    return inserted


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def answer_notify(answer_id: int) -> int:
    """E-mail the sought profile's owner administrators that a peer knows the person: the
    references and the partnership only, never names (the page shows the rest to those allowed)."""
    from sharing.models import IdentityAnswer

    answer = (
        IdentityAnswer.objects.select_related("sought__partnership", "answered_in")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:  # deleted with its profile before we got here
        return 0
    owner = answer.sought.partnership
    recipients = list(
        Membership.objects.filter(partnership=owner, role=Role.ADMIN, ended_at=None).values_list(
            "user__email", flat=True
        )
    )
    subject = f"{answer.answered_in.name} knows {answer.sought.reference}: confirm or decline"
    link = f"{settings.SITE_URL.rstrip('/')}/p/{owner.slug}/intelligence/answers/{answer.pk}/"
    body = f"{subject}.\n\nSee both profiles side by side and decide:\n{link}\n"
    return send_mass_mail([(subject, body, None, [email]) for email in recipients])


@shared_task(acks_late=True)
def candidate_pairs_refresh(profile_ids: list[int]) -> int:
    """A profile was added or changed (names, dates, photos): recompute its candidates."""
    from sharing.candidates import candidate_pairs_refresh as refresh

    return refresh(profile_ids)


@shared_task(acks_late=True)
def candidate_pairs_partnership(partnership_id: int) -> int:
    """An agreement was accepted: recompute the candidates of every profile of one side."""
    from sharing.candidates import candidate_pairs_refresh_partnership

    return candidate_pairs_refresh_partnership(partnership_id)
