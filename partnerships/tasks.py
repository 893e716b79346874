"""Background work for partnerships: each task loads by id and calls a service."""

from celery import shared_task

from partnerships.bulletins import digest_send_all
from partnerships.services import invitation_send_email


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(invitation_id: int, token: str) -> bool:
    return invitation_send_email(invitation_id=invitation_id, token=token)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def bulletin_digest_weekly() -> int:
    """Mondays: each partnership's members get the week's new ID-sought and excluded people.
    A retry skips the partnerships already sent."""
    return digest_send_all()
