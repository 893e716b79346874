"""Background work for partnerships: each task loads by id and calls a service."""

from celery import shared_task

from partnerships.services import invitation_send_email


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(invitation_id: int, token: str) -> bool:
    return invitation_send_email(invitation_id=invitation_id, token=token)
